/**
 * Row-level security per operation, the PostgREST/Supabase way: every GraphQL execution runs inside
 * one interactive Prisma transaction that first switches to the viewer's database role and publishes
 * the verified JWT claims, both transaction-local (set_config(..., true) = SET LOCAL), so nothing
 * survives on the pooled connection. Resolvers get that transaction as ctx.db.
 *
 * A mutation operation is all-or-nothing: if any field errors, everything it wrote is rolled back
 * and the response has data: null. Queries keep GraphQL's partial results.
 */
import { GraphQLError, getOperationAST, type ExecutionArgs, type ExecutionResult } from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import type { PrismaClient, Prisma } from "../generated/prisma/client.ts";
import type { Db, GatewayContext, Viewer } from "../context/types.ts";
import { TransactionStartError } from "./errors.ts";

/** Switches the transaction to the viewer's role and claims: one round trip, transaction-local. */
export async function applyViewer(tx: Prisma.TransactionClient, viewer: Viewer): Promise<void> {
  await tx.$executeRaw`select set_config('role', ${viewer.role}, true), set_config('request.jwt.claims', ${JSON.stringify(viewer.claims)}, true)`;
}

/**
 * Runs fn in a transaction as the viewer (timeout/maxWait: the client's transactionOptions, see
 * src/db/client.ts). For work outside an execution, e.g. each event of a subscription.
 */
export function withRls<T>(prisma: PrismaClient, viewer: Viewer, fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
  return prisma.$transaction(async (tx) => {
    try {
      await applyViewer(tx, viewer);
    } catch (error) {
      throw new TransactionStartError(error);
    }
    return fn(tx);
  });
}

/** Thrown inside the transaction callback to roll a failed mutation back while keeping its result. */
class Rollback {
  constructor(readonly result: ExecutionResult) {}
}

export function useRlsTransaction(prisma: PrismaClient): Plugin<GatewayContext> {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args: ExecutionArgs) => {
        const ctx = args.contextValue as GatewayContext;
        const isMutation = getOperationAST(args.document, args.operationName)?.operation === "mutation";
        try {
          return await withRls(prisma, ctx.viewer, async (tx) => {
            ctx.db = tx;
            try {
              const result = await executeFn(args);
              if (isAsyncIterable(result)) {
                // @defer/@stream would outlive the transaction; nothing enables them today.
                throw new Error("Incremental delivery is not supported inside the per-operation transaction");
              }
              if (isMutation && result.errors?.length) throw new Rollback(result);
              return result;
            } finally {
              ctx.db = prisma;
            }
          });
        } catch (error) {
          if (error instanceof Rollback) return { ...error.result, data: null };
          // BEGIN/COMMIT or the role switch failed, or the transaction expired: nothing usable ran.
          // No `data` key, so the error plugin sets the HTTP status (e.g. 503 DATABASE_UNAVAILABLE).
          return { errors: [new GraphQLError("Transaction failed", { originalError: error as Error })] };
        }
      });
    },
    // Subscriptions must not hold one transaction open for their lifetime (it would pin a pooled
    // connection and hit the timeout). Hook for the subscription author: open a short
    // withRls(prisma, ctx.viewer, ...) per event instead. Until then ctx.db refuses to be used,
    // because the base client is privileged and would bypass RLS.
    onSubscribe({ args }) {
      args.contextValue.db = SUBSCRIPTION_DB_GUARD;
    },
  };
}

/** What ctx.db is during a subscription: any use throws, since the base client would bypass RLS. */
export const SUBSCRIPTION_DB_GUARD = new Proxy(
  {},
  {
    get(_target, prop) {
      if (prop === "then" || typeof prop === "symbol") return undefined; // not a thenable, inspectable
      throw new Error("ctx.db is not available in subscriptions: wrap each event's database work in withRls()");
    },
  },
) as Db;
