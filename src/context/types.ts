import type { DataContext } from "../data/context.ts";
import type { GatewayEvents } from "../pubsub/index.ts";
import type { StatementTracer } from "../db/statement-trace.ts";

export type { Role, Viewer } from "../auth/viewer.ts";
export type { Db } from "../db/rls.ts";

/** Per-request GraphQL context. Built by src/context/context.ts; `db` is swapped for the
 * request's RLS transaction by the rls-transaction plugin before execution. */
export interface GatewayContext extends DataContext {
  /** Live events (LISTEN/NOTIFY) of this gateway instance; absent when the gateway runs without them. */
  events?: GatewayEvents;
  /** DECISION_MIN_AAL: the sign-in strength deciding an approval needs (the database checks it too); absent = aal1. */
  decisionMinAal?: "aal1" | "aal2";
  /** Set by the tracing plugin for a traced operation: the spans of its SQL statements (src/db/statement-trace.ts). */
  statementTracer?: StatementTracer;
}
