/**
 * Row-level security per operation, the PostgREST/Supabase way: every GraphQL execution runs inside
 * one interactive Prisma transaction that first switches to the viewer's database role and publishes
 * the verified JWT claims, both transaction-local (set_config(..., true) = SET LOCAL), so nothing
 * survives on the pooled connection. Resolvers get that transaction as ctx.db.
 *
 * A mutation operation is all-or-nothing: if any field errors, everything it wrote is rolled back
 * and the response has data: null. Queries keep GraphQL's partial results.
 *
 * Each operation runs on its role's wall-clock budget (RoleBudget.timeoutMs), counted from the start
 * of execution and including the wait for a connection, and may read at most RESPONSE_MAX_BYTES from
 * PostgreSQL. When either runs out the operation is stopped whatever the network does: its
 * connection's socket is destroyed (a black-holed server answers neither statements nor cancel
 * requests; the pool opens a fresh connection), statement_timeout (set transaction-locally to the
 * budget) ends the statement on the server side, ctx.db refuses further use, and the client gets
 * TIMEOUT or RESPONSE_TOO_LARGE at once, while the abandoned execution unwinds in the background.
 */
import { GraphQLError, getOperationAST, OperationTypeNode, type ExecutionArgs, type ExecutionResult } from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import type pg from "pg";
import type { RoleBudget } from "../config.ts";
import type { PrismaClient, Prisma } from "../generated/prisma/client.ts";
import type { GatewayContext } from "../context/types.ts";
import type { Role } from "../auth/viewer.ts";
import { forwardingDb, refusingDb, TransactionStartError, withRls } from "../db/rls.ts";
import { budgetRoleOf } from "../auth/policy.ts";
import { destroyConnection, operationToken, type ConnectionWatch } from "../db/client.ts";
import type { StatementTracer } from "../db/statement-trace.ts";
import type { Logger } from "../logger.ts";
import { ClientError } from "../errors.ts";

/** Thrown inside the transaction callback to roll a failed mutation back while keeping its result. */
class Rollback extends Error {
  constructor(readonly result: ExecutionResult) {
    super("The mutation reported errors: rolled back");
  }
}

export type StopCode = "TIMEOUT" | "RESPONSE_TOO_LARGE";

export function timeoutError(budgetMs: number): ClientError {
  return new ClientError(
    `The operation ran past its time budget of ${budgetMs} ms and was stopped; ask for less, or retry later.`,
    "TIMEOUT" satisfies StopCode,
    {
      extensions: { http: { status: 503 } },
    },
  );
}

export function responseTooLargeError(maxBytes: number): ClientError {
  return new ClientError(
    `The response grew past the limit of ${maxBytes} bytes (RESPONSE_MAX_BYTES) and was cut off; ask for fewer rows or fields, e.g. smaller pages.`,
    "RESPONSE_TOO_LARGE" satisfies StopCode,
    { extensions: { http: { status: 422 } } },
  );
}

/**
 * One operation's budgets, watching the connections it runs on. `stopped` settles with the error for
 * the client once the time runs out or the bytes read pass the cap; finish() disarms it.
 */
class OperationBudget implements ConnectionWatch {
  private readonly connections: pg.PoolClient[] = [];
  private bytes = 0;
  /** Statements sent for the operation (see TransactionStats.statements). */
  statements = 0;
  private timer: NodeJS.Timeout;
  private stop!: (error: GraphQLError) => void;
  readonly stopped = new Promise<GraphQLError>((resolve) => (this.stop = resolve));
  /** Why the operation was stopped; undefined while it may run. */
  reason: GraphQLError | undefined;
  private finished = false;

  constructor(
    readonly timeoutMs: number,
    private readonly maxBytes: number,
    /** The operation's statement spans, when it is traced (ctx.statementTracer, from src/plugins/tracing.ts). */
    readonly statementTracer?: StatementTracer,
  ) {
    this.timer = setTimeout(() => this.abort(timeoutError(timeoutMs)), timeoutMs);
  }

  attached(connection: pg.PoolClient): void {
    this.connections.push(connection);
    // The transaction's BEGIN went out just before, when the connection could not be recognised yet.
    this.statements++;
  }

  statement(): void {
    this.statements++;
  }

  received(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes > this.maxBytes) this.abort(responseTooLargeError(this.maxBytes));
  }

  finish(): void {
    this.finished = true;
    clearTimeout(this.timer);
  }

  private abort(reason: GraphQLError): void {
    if (this.finished || this.reason) return;
    this.reason = reason;
    clearTimeout(this.timer);
    for (const connection of this.connections) destroyConnection(connection, this);
    this.stop(reason);
  }
}

/** What ctx.db becomes once an operation is stopped: resolvers still running can send no more SQL. */
const STOPPED_DB = refusingDb("This operation was stopped (time budget or response cap); its database handle is closed");

export interface RlsTransactionOptions {
  /** Time budget per role (RoleBudget.timeoutMs). */
  budgets: Record<Role, Pick<RoleBudget, "timeoutMs">>;
  /** Wait for a pooled connection (DB_TX_MAX_WAIT_MS); never more than the time budget. */
  maxWaitMs: number;
  /** Most bytes one operation may read from PostgreSQL (RESPONSE_MAX_BYTES). */
  responseMaxBytes: number;
  logger?: Logger;
  /** Told once per operation, when its transaction has ended (committed, rolled back or abandoned): the metrics. */
  onTransactionDone?: (args: ExecutionArgs, stats: TransactionStats) => void;
}

/** What one operation's transaction cost. */
export interface TransactionStats {
  /** Statements sent: BEGIN, the role switch, the operation's SQL, COMMIT or ROLLBACK (as Database.statementCount counts them). */
  statements: number;
  /** From asking for the transaction to its role switch done: the wait for a pooled connection and one round trip. */
  waitSeconds: number;
  /** From the role switch to COMMIT or ROLLBACK: how long the operation held its connection; null if it never started. */
  durationSeconds: number | null;
}

export function useRlsTransaction(prisma: PrismaClient, options: RlsTransactionOptions): Plugin<GatewayContext> {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args: ExecutionArgs) => {
        const ctx = args.contextValue as GatewayContext;
        const operation = getOperationAST(args.document, args.operationName);
        const isMutation = operation?.operation === OperationTypeNode.MUTATION;
        const { timeoutMs } = options.budgets[budgetRoleOf(ctx.viewer)];
        const budget = new OperationBudget(timeoutMs, options.responseMaxBytes, ctx.statementTracer);

        let tx: Prisma.TransactionClient | undefined;
        let started = false;
        const db = forwardingDb(() => (budget.reason ? STOPPED_DB : (tx ?? STOPPED_DB)));

        const watch = operationToken(budget);
        const askedAt = performance.now();
        let startedAt: number | undefined;
        const work = withRls(
          prisma,
          ctx.viewer,
          async (open) => {
            started = true;
            startedAt = performance.now();
            if (budget.reason) throw budget.reason; // started after the budget ran out: roll back, run nothing
            tx = open;
            ctx.db = db;
            try {
              const result = (await executeFn(args)) as ExecutionResult | AsyncIterable<ExecutionResult>;
              if (isAsyncIterable(result)) {
                // @defer/@stream would outlive the transaction; nothing enables them today.
                throw new Error("Incremental delivery is not supported inside the per-operation transaction");
              }
              if (isMutation && result.errors?.length) throw new Rollback(result);
              return result;
            } finally {
              // A stopped execution keeps the refusing handle: it may still be running resolvers.
              if (!budget.reason) ctx.db = prisma;
            }
          },
          { timeoutMs, maxWaitMs: Math.min(options.maxWaitMs, timeoutMs), operation: watch.token },
        ).then(
          (result): ExecutionResult => result,
          (error: unknown): ExecutionResult => {
            if (error instanceof Rollback) return { ...error.result, data: null };
            // No connection, BEGIN/COMMIT or the role switch failed, or the transaction expired: nothing
            // usable ran. No `data` key, so the error plugin sets the HTTP status (e.g. 503 DATABASE_UNAVAILABLE).
            const cause = started || error instanceof TransactionStartError ? error : new TransactionStartError(error);
            return { errors: [new GraphQLError("Transaction failed", { originalError: cause as Error })] };
          },
        );
        if (options.onTransactionDone) {
          const report = options.onTransactionDone;
          void work
            .then(() => {
              const endedAt = performance.now();
              report(args, {
                statements: budget.statements,
                waitSeconds: ((startedAt ?? endedAt) - askedAt) / 1000,
                durationSeconds: startedAt === undefined ? null : (endedAt - startedAt) / 1000,
              });
            })
            .catch((error: unknown) => options.logger?.warn("Could not record the transaction's metrics", { error: String(error) }));
        }

        try {
          return await Promise.race([work, budget.stopped.then((reason): ExecutionResult => ({ errors: [reason] }))]);
        } finally {
          watch.release();
          budget.finish();
          if (budget.reason) {
            options.logger?.warn("Operation stopped", {
              requestId: ctx.requestId,
              ...(args.operationName && { operation: args.operationName }),
              role: ctx.viewer.role,
              code: budget.reason.extensions.code,
              timeoutMs,
            });
          }
        }
      });
    },
    // Subscriptions must not hold one transaction open for their lifetime (it would pin a pooled
    // connection and hit the timeout): each event gets its own short RLS transaction
    // (src/pubsub/rls-events.ts). ctx.db itself refuses to be used, because the base client is
    // privileged and would bypass RLS.
    onSubscribe({ args }) {
      args.contextValue.db = SUBSCRIPTION_DB_GUARD;
    },
  };
}

/** What ctx.db is during a subscription: any use throws, since the base client would bypass RLS. */
export const SUBSCRIPTION_DB_GUARD = refusingDb("ctx.db is not available in subscriptions: wrap each event's database work in withRls()");
