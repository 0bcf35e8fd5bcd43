/**
 * Error policy: clients see deliberate GraphQLErrors (those with an extensions.code, and graphql's
 * own parse/validation errors) as they are. Anything else is logged server-side with the request id
 * and replaced: known database failures get a stable code and a fixed message, the rest become
 * "Unexpected error." / INTERNAL_SERVER_ERROR. No stack, SQL or driver text ever reaches a client,
 * and every error in a response carries extensions.requestId (= the x-request-id header).
 */
import { GraphQLError, type ExecutionResult } from "graphql";
import { handleStreamOrSingleExecutionResult, isAsyncIterable, type Plugin } from "graphql-yoga";
import type { GatewayContext } from "../context/types.ts";
import type { Logger } from "../logger.ts";
import { requestIdOf } from "./request-id.ts";
import { TransactionStartError } from "../db/rls.ts";

export type ErrorCode =
  | "INTERNAL_SERVER_ERROR"
  | "DATABASE_UNAVAILABLE" // cannot reach / lost the database
  | "TIMEOUT" // transaction budget exceeded, no pooled connection in time, statement cancelled
  | "CONFLICT" // unique violation, serialization failure / deadlock (retry)
  | "BAD_USER_INPUT" // FK / CHECK / NOT NULL violation, invalid value for the column type
  | "FORBIDDEN" // PostgreSQL said no (RLS policy or missing grant, SQLSTATE 42501)
  | "NOT_FOUND" // Prisma: the record to update/delete does not exist
  | "TRANSACTION_ABORTED"; // an earlier statement of this operation failed, so this one was skipped

interface Classification {
  code: ErrorCode;
  message: string;
  /** HTTP status, used only when the response has no data (see GraphQL over HTTP). */
  status: number;
}

const KNOWN: Record<ErrorCode, Classification> = {
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

function codeForSqlState(state: string): ErrorCode | undefined {
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

type Loose = { code?: unknown; severity?: unknown; meta?: { driverAdapterError?: { cause?: AdapterCause } }; cause?: unknown };
type AdapterCause = { kind?: string; originalCode?: string };

/** Maps any thrown value to the client-facing code; unknown things are INTERNAL_SERVER_ERROR. */
export function classifyError(error: unknown): Classification {
  // Pothos rejects bad connection arguments (first: -1, after with before, a foreign cursor) with a
  // plain error whose message is written for the client.
  if (error instanceof Error && error.name === "PothosValidationError") {
    return { ...KNOWN.BAD_USER_INPUT, message: error.message };
  }
  if (error instanceof TransactionStartError) {
    // Before anything ran, 55000 is "database … is not currently accepting connections" (ALLOW_CONNECTIONS
    // false, maintenance). Later in a transaction the same state means other things, so only here.
    if (sqlStateOf(error.cause) === "55000") return KNOWN.DATABASE_UNAVAILABLE;
    const inner = classifyError(error.cause);
    return inner.status >= 500 ? inner : KNOWN.INTERNAL_SERVER_ERROR;
  }
  for (let e: unknown = error, depth = 0; e !== null && typeof e === "object" && depth < 5; depth++) {
    const code = codeOf(e as Loose & Error);
    if (code) return KNOWN[code];
    e = (e as Loose).cause;
  }
  return KNOWN.INTERNAL_SERVER_ERROR;
}

/** The SQLSTATE somewhere in an error's cause chain (pg error or Prisma's driver adapter error). */
function sqlStateOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === "object" && depth < 5; depth++) {
    const loose = e as Loose & Error;
    const adapter = loose.meta?.driverAdapterError?.cause ?? (loose.name === "DriverAdapterError" ? (loose.cause as AdapterCause) : undefined);
    if (adapter?.originalCode) return adapter.originalCode;
    if (typeof loose.code === "string" && typeof loose.severity === "string") return loose.code;
    e = loose.cause;
  }
  return undefined;
}

function codeOf(e: Loose & Error): ErrorCode | undefined {
  // Prisma wraps driver errors; the SQLSTATE is the most precise signal, so look at it first.
  const adapter = e.meta?.driverAdapterError?.cause ?? (e.name === "DriverAdapterError" ? (e.cause as AdapterCause) : undefined);
  if (adapter?.originalCode) {
    const byState = codeForSqlState(adapter.originalCode);
    if (byState) return byState;
  }
  if (adapter?.kind && ADAPTER_KINDS[adapter.kind]) return ADAPTER_KINDS[adapter.kind];
  if (typeof e.code === "string") {
    if (/^P\d{4}$/.test(e.code)) return PRISMA_CODES[e.code];
    if (typeof e.severity === "string" && e.code.length === 5) return codeForSqlState(e.code); // raw pg error
    if (SOCKET_CODES.has(e.code)) return "DATABASE_UNAVAILABLE";
  }
  if (typeof e.message === "string" && !isGraphQLError(e)) {
    if (PG_TIMEOUT_MESSAGES.test(e.message)) return "TIMEOUT";
    if (PG_CONNECTION_MESSAGES.test(e.message)) return "DATABASE_UNAVAILABLE";
  }
  return undefined;
}

/**
 * By name, not instanceof: graphql ships CommonJS and ESM builds, and a bundler or test runner can
 * load both (two GraphQLError classes). envelop checks the same way.
 */
export function isGraphQLError(value: unknown): value is GraphQLError {
  return value instanceof Error && value.name === "GraphQLError";
}

/** True for errors a client may see verbatim: graphql's own, or ones given a code on purpose. */
export function isDeliberate(error: GraphQLError): boolean {
  let e: unknown = error;
  while (isGraphQLError(e)) {
    const original = e.originalError;
    // GraphQLError copies a wrapped plain error's `extensions`: a code that came from there is not ours.
    const copied = original != null && !isGraphQLError(original) && (original as { extensions?: unknown }).extensions === e.extensions;
    if (typeof e.extensions.code === "string" && !copied) return true;
    if (original == null) return true; // raised as a GraphQLError: by graphql itself or a resolver
    e = original;
  }
  return false;
}

function rootCause(error: GraphQLError): unknown {
  let e: unknown = error;
  while (isGraphQLError(e) && e.originalError != null) e = e.originalError;
  return e;
}

function replaceWith(error: GraphQLError, c: Classification, withStatus: boolean): GraphQLError {
  return new GraphQLError(c.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { code: c.code, ...(withStatus && { http: { status: c.status } }) },
  });
}

/**
 * For yoga's maskedErrors option: the safety net for errors raised outside execution (context
 * factory, other plugins). Yoga logs the original through our logger when this replaces it.
 */
export function maskError(error: unknown): Error {
  if (isGraphQLError(error) && isDeliberate(error)) return error;
  const c = classifyError(isGraphQLError(error) ? rootCause(error) : error);
  return isGraphQLError(error)
    ? replaceWith(error, c, true)
    : new GraphQLError(c.message, { extensions: { code: c.code, http: { status: c.status } } });
}

export function useErrorPolicy(logger: Logger): Plugin<GatewayContext> {
  const mapResult = (context: GatewayContext, operationName: string | null | undefined) =>
    ({ result, setResult }: { result: ExecutionResult; setResult: (r: ExecutionResult) => void }) => {
      if (!result.errors?.some((e) => !isDeliberate(e))) return;
      // No data means nothing executed (e.g. the transaction never started): the HTTP status must say why.
      const withStatus = !("data" in result);
      const log = logger.child({ requestId: context.requestId, ...(operationName && { operation: operationName }) });
      setResult({
        ...result,
        errors: result.errors.map((error) => {
          if (isDeliberate(error)) return error;
          const cause = rootCause(error);
          const c = classifyError(cause);
          const fields = { code: c.code, path: error.path?.join("."), err: cause };
          if (c.status >= 500) log.error("GraphQL operation failed", fields);
          else log.info("Database rejected an operation", fields);
          return replaceWith(error, c, withStatus);
        }),
      });
    };

  return {
    onExecute({ args }) {
      const handle = mapResult(args.contextValue, args.operationName);
      return { onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, handle) };
    },
    onSubscribe({ args }) {
      const handle = mapResult(args.contextValue, args.operationName);
      return { onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, handle) };
    },
    // Last step before serialisation: stamp the request id on every error, whatever produced it.
    onResultProcess({ request, result, setResult }) {
      const requestId = requestIdOf(request);
      const stamp = (r: ExecutionResult): ExecutionResult =>
        r.errors?.length ? { ...r, errors: r.errors.map((e) => withRequestId(e, requestId)) } : r;
      if (Array.isArray(result)) setResult(result.map(stamp));
      else if (!isAsyncIterable(result)) setResult(stamp(result as ExecutionResult));
    },
  };
}

function withRequestId(error: GraphQLError, requestId: string): GraphQLError {
  if (error.extensions.requestId !== undefined) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError ?? undefined,
    extensions: { ...error.extensions, requestId },
  });
}
