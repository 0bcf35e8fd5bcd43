/**
 * Builds the per-request GatewayContext. The viewer comes from the authentication plugin
 * (src/plugins/authenticate.ts), which verified the token before the body was read; a bad token
 * never gets here. ctx.db starts as the base client; the RLS transaction plugin swaps in the
 * request's transaction for the duration of the execution.
 */
import type { YogaInitialContext } from "graphql-yoga";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { viewerOf } from "../plugins/authenticate.ts";
import { requestIdOf } from "../plugins/request-id.ts";
import type { GatewayEvents } from "../pubsub/index.ts";
import type { Vault } from "../vault/index.ts";
import type { GatewayContext } from "./types.ts";

export interface ContextDeps {
  prisma: PrismaClient;
  /** Live events for subscriptions; omitted = ctx.events absent. */
  events?: GatewayEvents;
  decisionMinAal?: GatewayContext["decisionMinAal"];
  /** The credentials vault (ctx.vault). */
  vault: Vault;
}

export function createContextFactory({ prisma, events, decisionMinAal, vault }: ContextDeps) {
  return ({ request }: YogaInitialContext): GatewayContext => {
    const viewer = viewerOf(request);
    // A wiring error, never the client's: without the plugin every request would run unauthenticated.
    if (!viewer) throw new Error("No viewer for this request: useAuthentication must be among the gateway's plugins");
    return {
      viewer,
      db: prisma,
      requestId: requestIdOf(request),
      loaders: new Map(),
      vault,
      ...(events && { events }),
      ...(decisionMinAal && { decisionMinAal }),
    };
  };
}
