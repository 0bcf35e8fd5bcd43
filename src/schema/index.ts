/** The GraphQL schema: one file per domain, all registered on the one builder. */
import { builder } from "./builder.ts";
import "./scalars.ts";
import "./viewer.ts";
import "./ads.ts";
import "./agents/index.ts";
import "./knowledge.ts";
import "./inventory.ts";
import "./analytics.ts";
import "./support.ts";
import "./observability.ts";
import "./credentials.ts";
import "./dashboard/index.ts";

export const schema = builder.toSchema({ sortSchema: true });
