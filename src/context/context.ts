/**
 * Builds the per-request GatewayContext. Authentication happens here, so a bad token fails the
 * request (401) before anything executes. ctx.db starts as the base client; the RLS transaction
 * plugin swaps in the request's transaction for the duration of the execution.
 */
import type { YogaInitialContext } from "graphql-yoga";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { requestIdOf } from "../plugins/request-id.ts";
import type { GatewayEvents } from "../pubsub/index.ts";
import type { Authenticate } from "./auth.ts";
import type { GatewayContext } from "./types.ts";

export interface ContextDeps {
  prisma: PrismaClient;
  authenticate: Authenticate;
  /** Live events for subscriptions; omitted = ctx.events absent. */
  events?: GatewayEvents;
}

export function createContextFactory({ prisma, authenticate, events }: ContextDeps) {
  return async ({ request }: YogaInitialContext): Promise<GatewayContext> => ({
    viewer: await authenticate(request.headers.get("authorization")),
    db: prisma,
    requestId: requestIdOf(request),
    loaders: new Map(),
    ...(events && { events }),
  });
}
