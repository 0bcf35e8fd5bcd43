/**
 * Row-level security for one unit of database work: a transaction that first switches to the
 * viewer's database role and publishes the verified JWT claims, both transaction-local
 * (set_config(..., true) = SET LOCAL), so nothing survives on the pooled connection. Used by the
 * per-operation plugin (src/plugins/rls-transaction.ts), the per-event re-reads of subscriptions
 * and background jobs alike.
 */
import type { PrismaClient, Prisma } from "../generated/prisma/client.ts";
import type { Viewer } from "../auth/viewer.ts";

/** The Prisma client data functions use: inside a request it is the RLS transaction. */
export type Db = PrismaClient | Prisma.TransactionClient;

/** Getting a connection, BEGIN or the role switch failed: never the client's fault. */
export class TransactionStartError extends Error {
  override name = "TransactionStartError";
  constructor(cause: unknown) {
    super("Could not start the request's database transaction", { cause });
  }
}

/** Bounds of one transaction; omitted = the client's transactionOptions (see src/db/client.ts). */
export interface TransactionBudget {
  /** Prisma's transaction timeout, and statement_timeout for each statement in it. */
  timeoutMs: number;
  /** Wait for a pooled connection. */
  maxWaitMs?: number;
  /** operationToken(): the connection that runs this transaction's role switch reports to its watch. */
  operation?: string;
}

/**
 * Switches the transaction to the viewer's role and claims, and bounds its statements server-side:
 * one round trip, transaction-local.
 */
export async function applyViewer(tx: Prisma.TransactionClient, viewer: Viewer, budget?: TransactionBudget): Promise<void> {
  const claims = JSON.stringify(viewer.claims);
  if (budget === undefined) {
    await tx.$executeRaw`select set_config('role', ${viewer.role}, true), set_config('request.jwt.claims', ${claims}, true)`;
  } else {
    // 'hotdash.operation' (OPERATION_SETTING) is literal SQL, so the connection recognises its
    // operation's token (src/db/client.ts); a parameter would hide the name.
    await tx.$executeRaw`select set_config('role', ${viewer.role}, true), set_config('request.jwt.claims', ${claims}, true), set_config('statement_timeout', ${String(budget.timeoutMs)}, true), set_config('hotdash.operation', ${budget.operation ?? ""}, true)`;
  }
}

/** Runs fn in a transaction as the viewer. For work outside an execution, e.g. each event of a subscription. */
export function withRls<T>(
  prisma: PrismaClient,
  viewer: Viewer,
  fn: (tx: Prisma.TransactionClient) => Promise<T>,
  budget?: TransactionBudget,
): Promise<T> {
  return prisma.$transaction(
    async (tx) => {
      try {
        await applyViewer(tx, viewer, budget);
      } catch (error) {
        throw new TransactionStartError(error);
      }
      return fn(tx);
    },
    budget && { timeout: budget.timeoutMs, ...(budget.maxWaitMs !== undefined && { maxWait: budget.maxWaitMs }) },
  );
}

/**
 * A Db that forwards to whatever `current()` returns at the moment of use. The Pothos Prisma plugin
 * caches the client it first gets from a context, so ctx.db must stay one object while what it
 * points at changes (a subscription's per-event transactions; a stopped operation's dead handle).
 */
export function forwardingDb(current: () => Db): Db {
  return new Proxy({} as Db, {
    get(_target, prop) {
      const target = current() as unknown as Record<PropertyKey, unknown>;
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    has: (_target, prop) => Reflect.has(current(), prop), // Pothos looks delegates up with `in`
  });
}

/** A Db whose every use throws `message`: for places where no database may be used. */
export function refusingDb(message: string): Db {
  return new Proxy(
    {},
    {
      get(_target, prop) {
        if (prop === "then" || typeof prop === "symbol") return undefined; // not a thenable, inspectable
        throw new Error(message);
      },
      has: () => false,
    },
  ) as Db;
}
