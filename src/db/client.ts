/**
 * The gateway's database handle: one pg.Pool, shared by a Prisma client (through @prisma/adapter-pg)
 * and by health checks. Every statement sent through the pool is counted, so tests and benchmarks
 * can prove a query shape is N+1-free (see statementCount).
 */
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export interface DatabaseOptions {
  poolMax: number;
  /** Prisma interactive transaction budget (Prisma's default: 5000). */
  txTimeoutMs?: number;
  /** Wait for a pooled connection before giving up (Prisma's default: 2000). */
  txMaxWaitMs?: number;
  /** TCP connect + startup timeout for new pool connections. */
  connectTimeoutMs?: number;
  /** Idle pool clients can die (DB restart, terminate); without a listener that crashes the process. */
  onPoolError?: (error: Error) => void;
}

export interface Database {
  prisma: PrismaClient;
  pool: pg.Pool;
  /**
   * Statements sent to PostgreSQL through this pool so far, including BEGIN/COMMIT and the RLS
   * set_config of each request. Take a difference around the code under test.
   */
  statementCount(): number;
  /** Disconnects Prisma and ends the pool; safe to call twice. */
  close(): Promise<void>;
}

export function createDatabase(url: string, options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    // Shows up in pg_stat_activity, so operators (and tests) can tell the gateway's sessions apart.
    application_name: "hotdash-gateway",
  });
  pool.on("error", options.onPoolError ?? (() => {}));

  let statements = 0;
  // Each physical connection gets its query method wrapped once, when the pool creates it. pool.query
  // goes through client.query too, so this sees every statement: one integer increment each.
  pool.on("connect", (client) => {
    const query = client.query;
    client.query = function (this: pg.PoolClient, ...args: unknown[]) {
      statements++;
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof client.query;
  });

  const prisma = new PrismaClient({
    adapter: new PrismaPg(pool),
    transactionOptions: {
      ...(options.txTimeoutMs !== undefined && { timeout: options.txTimeoutMs }),
      ...(options.txMaxWaitMs !== undefined && { maxWait: options.txMaxWaitMs }),
    },
  });

  let closing: Promise<void> | undefined;
  return {
    prisma,
    pool,
    statementCount: () => statements,
    close: () =>
      (closing ??= (async () => {
        await prisma.$disconnect();
        await pool.end();
      })()),
  };
}
