/**
 * The gateway's database handle: one pg.Pool, shared by a Prisma client (through @prisma/adapter-pg)
 * and by health checks. Every statement sent through the pool is counted, so tests and benchmarks
 * can prove a query shape is N+1-free (see statementCount).
 *
 * An operation's connection reports to the operation's watch: which connection it runs on (so its
 * budget can destroy it) and how many bytes PostgreSQL sent on it (the response cap). The connection
 * is recognised by the token its first statement carries (operationToken, sent by applyViewer in
 * src/plugins/rls-transaction.ts): Prisma picks the connection, and an AsyncLocalStorage to follow
 * the operation would cost every promise of the process (measured: +45 % CPU, 2.5x memory on the
 * campaign list).
 */
import net from "node:net";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";
import { serializeStatements } from "./pg-serialize.ts";
import { sendBeginWithRoleSwitch } from "./begin.ts";
import { sendTraced, type StatementTracer } from "./statement-trace.ts";

export interface DatabaseOptions {
  poolMax: number;
  /**
   * Client-side bound on every statement (pg's query_timeout), and the transaction timeout of work
   * outside a GraphQL operation (subscription events, the expiry sweep). Operations bring their
   * role's own, smaller or equal, budget. Unset: no bound (Prisma's 5 s transaction default).
   */
  queryTimeoutMs?: number;
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
  /** The pool's size (DatabaseOptions.poolMax). */
  poolMax: number;
  /**
   * Statements sent to PostgreSQL through this pool so far, including BEGIN/COMMIT and the RLS
   * set_config of each request. Take a difference around the code under test.
   */
  statementCount(): number;
  /** Disconnects Prisma and ends the pool; safe to call twice. */
  close: () => Promise<void>;
}

export function createDatabase(url: string, options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    // A partitioned or hung server sends no RST: without these, a statement waiting on the socket
    // waits for the kernel's retransmission timeout (~15 min). Operations have their own budget.
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
    ...(options.queryTimeoutMs !== undefined && { query_timeout: options.queryTimeoutMs }),
    // Shows up in pg_stat_activity, so operators (and tests) can tell the gateway's sessions apart.
    application_name: "hotdash-gateway",
  });
  pool.on("error", options.onPoolError ?? (() => {}));

  let statements = 0;
  // Each physical connection gets its query method wrapped once, when the pool creates it. pool.query
  // goes through client.query too, so this sees every statement: one integer increment each.
  pool.on("connect", (client) => {
    sendBeginWithRoleSwitch(client);
    serializeStatements(client);
    observeStatements(client, () => statements++);
  });
  // A connection back in the pool belongs to no operation any more.
  pool.on("release", (_error: Error | undefined, client: pg.PoolClient) => {
    watched.delete(client);
  });

  const prisma = new PrismaClient({
    adapter: new PrismaPg(pool),
    transactionOptions: {
      ...(options.queryTimeoutMs !== undefined && { timeout: options.queryTimeoutMs }),
      ...(options.txMaxWaitMs !== undefined && { maxWait: options.txMaxWaitMs }),
    },
  });

  let closing: Promise<void> | undefined;
  return {
    prisma,
    pool,
    poolMax: options.poolMax,
    statementCount: () => statements,
    close: () =>
      (closing ??= (async () => {
        await prisma.$disconnect();
        await pool.end();
      })()),
  };
}

const KEEPALIVE_INITIAL_DELAY_MS = 5_000;

/** What an operation learns about the connections its statements run on. */
export interface ConnectionWatch {
  /** A connection ran its first statement for the operation. */
  attached(connection: pg.PoolClient): void;
  /** PostgreSQL sent this many bytes on an attached connection (rows, mostly). */
  received(bytes: number): void;
  /** A statement is sent on an attached connection (the attaching one included): the operation's metrics. */
  statement?(): void;
  /** Set when the operation is traced: its statements get spans and a traceparent comment (src/db/statement-trace.ts). */
  readonly statementTracer?: StatementTracer;
}

/** The transaction-local setting whose value names the operation: `set_config(OPERATION_SETTING, token, true)`. */
export const OPERATION_SETTING = "hotdash.operation";
/** Watches whose connection is not known yet, by token. */
const awaiting = new Map<string, ConnectionWatch>();
/** The watch each checked-out connection currently reports to; cleared when it is released. */
const watched = new WeakMap<pg.PoolClient, ConnectionWatch>();
let tokens = 0;

/**
 * A token for `watch`: the connection that sends a statement setting OPERATION_SETTING to it reports
 * to `watch` from then on. release() once the operation is over (whether or not it got that far).
 */
export function operationToken(watch: ConnectionWatch): { token: string; release(): void } {
  const token = `op-${++tokens}`;
  awaiting.set(token, watch);
  return { token, release: () => awaiting.delete(token) };
}

/** The watch a statement's parameters name (applyViewer's token), if any is awaited. */
function watchNamedBy(config: unknown): ConnectionWatch | undefined {
  if (awaiting.size === 0 || config === null || typeof config !== "object") return undefined;
  const { text, values } = config as { text?: unknown; values?: unknown };
  if (typeof text !== "string" || !Array.isArray(values) || !text.includes(OPERATION_SETTING)) return undefined;
  for (const value of values) {
    const watch = typeof value === "string" ? awaiting.get(value) : undefined;
    if (watch) {
      awaiting.delete(value as string);
      return watch;
    }
  }
  return undefined;
}

/**
 * Stops what a connection runs for `owner`, if it still runs for it (not yet back in the pool, where
 * another operation may have it). The server is asked to cancel the running statement, then the
 * socket is dropped: pending statements fail and the pool replaces the connection.
 */
export function destroyConnection(connection: pg.PoolClient, owner: ConnectionWatch): void {
  if (watched.get(connection) !== owner) return;
  // Dropped once the cancel is through (or given up on): PgBouncer forwards a cancel only while the
  // client it names is still connected (tests/pooler.test.ts). end() would send Terminate and wait for
  // the server, which a black-holed server never answers.
  // Until then the connection must not be lent out again (the drop would hit the next operation):
  // pg refuses new statements on a client that is not queryable, and pg-pool discards it on release.
  (connection as unknown as { _queryable: boolean })._queryable = false;
  void requestCancel(connection).then(() => connection.connection.stream.destroy());
}

const CANCEL_REQUEST_CODE = 80877102;
const CANCEL_TIMEOUT_MS = 1_000;

/**
 * PostgreSQL's CancelRequest on a fresh socket; settles when the server has closed it (it has acted on
 * the request) or after a second (a black-holed server never acts on it). Without it the server would
 * run the statement on until statement_timeout: a closed client socket goes unnoticed while it executes.
 */
function requestCancel(connection: pg.PoolClient): Promise<void> {
  const { processID, secretKey } = connection as unknown as { processID: number | null; secretKey: number | null };
  if (typeof processID !== "number" || typeof secretKey !== "number") return Promise.resolve();
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  packet.writeInt32BE(processID, 8);
  packet.writeInt32BE(secretKey, 12);
  const { host, port } = connection;
  const socket = host.startsWith("/") ? net.connect(`${host}/.s.PGSQL.${port}`) : net.connect(port, host);
  socket.setTimeout(CANCEL_TIMEOUT_MS, () => socket.destroy());
  socket.on("error", () => {}); // best effort: the socket is dropped either way
  // write, not end: PgBouncer 1.18 drops a cancel whose socket is half-closed right after it.
  socket.on("connect", () => socket.write(packet));
  return new Promise((resolve) => socket.on("close", () => resolve()));
}

/**
 * Counts every statement sent on `client` (`onStatement`, once per call, when it is made) and points
 * the connection at the watch its statement names (operationToken). Installed over the statement
 * queue, so it sees calls in the order they are made, before any of them waits.
 */
function observeStatements(client: pg.PoolClient, onStatement: () => void): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  // One listener per connection for its lifetime: a counter increment per socket chunk (~64 KB).
  client.connection.stream.on("data", (chunk: Buffer) => watched.get(client)?.received(chunk.length));
  client.query = function (this: pg.PoolClient, ...args: unknown[]) {
    onStatement();
    const watch = watchNamedBy(args[0]);
    if (watch !== undefined && watched.get(client) !== watch) {
      watched.set(client, watch);
      watch.attached(client);
    }
    const operation = watched.get(client);
    operation?.statement?.(); // the operation's metrics
    // Tracing: a traced operation's statements go through its tracer (src/db/statement-trace.ts).
    const tracer = operation?.statementTracer;
    return tracer ? sendTraced(tracer, args, query) : query(...args);
  } as typeof client.query;
}
