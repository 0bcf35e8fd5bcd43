/**
 * The database error taxonomy: which thrown values are known database failures, and the stable
 * client-facing code, fixed message and HTTP status each maps to. The error policy
 * (src/plugins/errors.ts) uses it to replace unexpected errors; data code uses pgCauseOf to read the
 * SQLSTATE and text behind a Prisma error (e.g. a trigger's RAISE). No driver text ends up in a
 * Classification: clients see only the fixed messages below.
 */
import { TransactionStartError } from "./rls.ts";

export type ErrorCode =
  | "INTERNAL_SERVER_ERROR"
  | "DATABASE_UNAVAILABLE" // cannot reach / lost the database
  | "TIMEOUT" // transaction budget exceeded, no pooled connection in time, statement cancelled
  | "CONFLICT" // unique violation, serialization failure / deadlock (retry)
  | "BAD_USER_INPUT" // FK / CHECK / NOT NULL violation, invalid value for the column type
  | "FORBIDDEN" // PostgreSQL said no (RLS policy or missing grant, SQLSTATE 42501)
  | "NOT_FOUND" // Prisma: the record to update/delete does not exist
  | "TRANSACTION_ABORTED"; // an earlier statement of this operation failed, so this one was skipped

export interface Classification {
  code: ErrorCode;
  message: string;
  /** HTTP status, used only when the response has no data (see GraphQL over HTTP). */
  status: number;
}

export const KNOWN: Record<ErrorCode, Classification> = {
  INTERNAL_SERVER_ERROR: { code: "INTERNAL_SERVER_ERROR", message: "Unexpected error.", status: 500 },
  DATABASE_UNAVAILABLE: { code: "DATABASE_UNAVAILABLE", message: "The database is unavailable.", status: 503 },
  TIMEOUT: { code: "TIMEOUT", message: "The database did not answer in time.", status: 503 },
  CONFLICT: { code: "CONFLICT", message: "The change conflicts with existing data or a concurrent change.", status: 409 },
  BAD_USER_INPUT: { code: "BAD_USER_INPUT", message: "The database rejected the input (a constraint or type check failed).", status: 400 },
  FORBIDDEN: { code: "FORBIDDEN", message: "Permission denied by the database's row-level security.", status: 403 },
  NOT_FOUND: { code: "NOT_FOUND", message: "The record was not found.", status: 404 },
  TRANSACTION_ABORTED: {
    code: "TRANSACTION_ABORTED",
    message: "Skipped: an earlier database error aborted this operation's transaction.",
    status: 500,
  },
};

const PRISMA_CODES: Record<string, ErrorCode> = {
  P2002: "CONFLICT",
  P2000: "BAD_USER_INPUT",
  P2003: "BAD_USER_INPUT",
  P2004: "BAD_USER_INPUT",
  P2011: "BAD_USER_INPUT",
  P2025: "NOT_FOUND",
  P2024: "TIMEOUT", // no pooled connection in time
  P2028: "TIMEOUT", // interactive transaction expired / could not start within maxWait
  P1000: "DATABASE_UNAVAILABLE",
  P1001: "DATABASE_UNAVAILABLE",
  P1002: "DATABASE_UNAVAILABLE",
  P1003: "DATABASE_UNAVAILABLE",
  P1008: "TIMEOUT",
  P1017: "DATABASE_UNAVAILABLE",
};

const ADAPTER_KINDS: Record<string, ErrorCode> = {
  DatabaseNotReachable: "DATABASE_UNAVAILABLE",
  DatabaseDoesNotExist: "DATABASE_UNAVAILABLE",
  DatabaseAccessDenied: "DATABASE_UNAVAILABLE",
  AuthenticationFailed: "DATABASE_UNAVAILABLE",
  ConnectionClosed: "DATABASE_UNAVAILABLE",
  TooManyConnections: "DATABASE_UNAVAILABLE",
  TlsConnectionError: "DATABASE_UNAVAILABLE",
  SocketTimeout: "TIMEOUT",
};

export function codeForSqlState(state: string): ErrorCode | undefined {
  if (state === "23505" || state === "40001" || state === "40P01") return "CONFLICT";
  if (state === "42501") return "FORBIDDEN";
  if (state === "25P02") return "TRANSACTION_ABORTED";
  if (state === "57014") return "TIMEOUT";
  // 23xxx integrity constraints, 22xxx data exceptions (bad uuid, too long, out of range, …)
  if (state.startsWith("23") || state.startsWith("22")) return "BAD_USER_INPUT";
  // 08 connection exception, 57P0x shutdown / cannot connect now, 53 insufficient resources,
  // 3D000 no such database, 28 invalid authorization
  if (/^(08|57P0|53|28)/.test(state) || state === "3D000") return "DATABASE_UNAVAILABLE";
  return undefined;
}

const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EPIPE", "ETIMEDOUT"]);
// node-postgres reports these as plain Errors without a code.
const PG_CONNECTION_MESSAGES = /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection ended/i;
// pg's client-side query_timeout (src/db/client.ts).
const PG_TIMEOUT_MESSAGES = /^Query read timeout$/;

/** One link of a cause chain, read loosely: any of these may be absent. */
interface Link {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  severity?: unknown;
  detail?: unknown;
  meta?: { driverAdapterError?: { cause?: AdapterCause } };
  cause?: unknown;
}
/** @prisma/driver-adapter-utils' error: originalCode is the SQLSTATE when PostgreSQL raised it. */
interface AdapterCause {
  kind?: string;
  originalCode?: string;
  originalMessage?: string;
  detail?: string;
}

/** The PostgreSQL error somewhere in a cause chain: its SQLSTATE and, when known, its message and detail. */
export interface PgCause {
  code: string;
  message?: string;
  detail?: string;
}

/** The error and its causes, outermost first; at most five, so a cyclic chain cannot loop. */
function* causeChain(error: unknown): Generator<Link> {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === "object" && depth < 5; depth++) {
    const link: Link = e;
    yield link;
    e = link.cause;
  }
}

/** Prisma's driver adapter error: wrapped in a Prisma error's meta (P2010, P2002, …) or the DriverAdapterError itself. */
function adapterCauseIn(e: Link): AdapterCause | undefined {
  return e.meta?.driverAdapterError?.cause ?? (e.name === "DriverAdapterError" ? (e.cause as AdapterCause | undefined) : undefined);
}

/** A raw node-postgres error: a five-character SQLSTATE and a severity. */
function isRawPgError(e: Link): e is Link & { code: string } {
  return typeof e.code === "string" && e.code.length === 5 && typeof e.severity === "string";
}

/**
 * The SQLSTATE, message and detail of the PostgreSQL error behind `error`, wherever it sits in the
 * cause chain (Prisma's driver adapter error or a raw pg error); undefined if PostgreSQL raised none.
 */
export function pgCauseOf(error: unknown): PgCause | undefined {
  for (const e of causeChain(error)) {
    const adapter = adapterCauseIn(e);
    if (adapter?.originalCode) return { code: adapter.originalCode, message: adapter.originalMessage, detail: adapter.detail };
    if (isRawPgError(e)) {
      return {
        code: e.code,
        message: typeof e.message === "string" ? e.message : undefined,
        detail: typeof e.detail === "string" ? e.detail : undefined,
      };
    }
  }
  return undefined;
}

/** The SQLSTATE somewhere in an error's cause chain. */
export function sqlStateOf(error: unknown): string | undefined {
  return pgCauseOf(error)?.code;
}

/** Maps any thrown value to the client-facing code; unknown things are INTERNAL_SERVER_ERROR. */
export function classifyError(error: unknown): Classification {
  if (error instanceof TransactionStartError) {
    // Before anything ran, 55000 is "database … is not currently accepting connections" (ALLOW_CONNECTIONS
    // false, maintenance). Later in a transaction the same state means other things, so only here.
    if (sqlStateOf(error.cause) === "55000") return KNOWN.DATABASE_UNAVAILABLE;
    const inner = classifyError(error.cause);
    return inner.status >= 500 ? inner : KNOWN.INTERNAL_SERVER_ERROR;
  }
  for (const e of causeChain(error)) {
    const code = codeOf(e);
    if (code) return KNOWN[code];
  }
  return KNOWN.INTERNAL_SERVER_ERROR;
}

function codeOf(e: Link): ErrorCode | undefined {
  // Prisma wraps driver errors; the SQLSTATE is the most precise signal, so look at it first.
  const adapter = adapterCauseIn(e);
  if (adapter?.originalCode) {
    const byState = codeForSqlState(adapter.originalCode);
    if (byState) return byState;
  }
  if (adapter?.kind && ADAPTER_KINDS[adapter.kind]) return ADAPTER_KINDS[adapter.kind];
  if (typeof e.code === "string") {
    if (/^P\d{4}$/.test(e.code)) return PRISMA_CODES[e.code];
    if (isRawPgError(e)) return codeForSqlState(e.code);
    if (SOCKET_CODES.has(e.code)) return "DATABASE_UNAVAILABLE";
  }
  // A GraphQLError's message is ours, not the driver's (by name: graphql may be loaded twice).
  if (typeof e.message === "string" && e.name !== "GraphQLError") {
    if (PG_TIMEOUT_MESSAGES.test(e.message)) return "TIMEOUT";
    if (PG_CONNECTION_MESSAGES.test(e.message)) return "DATABASE_UNAVAILABLE";
  }
  return undefined;
}
