/**
 * Error policy hooks: clients see deliberate errors (ClientErrors, src/errors.ts, and graphql's or
 * yoga's own parse/validation/request errors) as they are. Anything else is logged server-side with
 * the request id and replaced: known database failures get a stable code and a fixed message (the
 * taxonomy is src/db/errors.ts), the rest become "Unexpected error." / INTERNAL_SERVER_ERROR. No
 * stack, SQL or driver text ever reaches a client, and every error in a response carries
 * extensions.requestId (= the x-request-id header).
 */
import { GraphQLError, type ExecutionResult } from "graphql";
import { handleStreamOrSingleExecutionResult, isAsyncIterable, type Plugin } from "graphql-yoga";
import type { GatewayContext } from "../context/types.ts";
import type { Logger } from "../logger.ts";
import { requestIdOf } from "./request-id.ts";
import { classifyError, KNOWN, type Classification } from "../db/errors.ts";
import { isClientError } from "../errors.ts";

/** classifyError, plus the one non-database error written for the client that arrives unwrapped. */
function classify(error: unknown): Classification {
  // Pothos rejects bad connection arguments (first: -1, after with before, a foreign cursor) with a
  // plain error whose message is written for the client.
  if (error instanceof Error && error.name === "PothosValidationError") {
    return { ...KNOWN.BAD_USER_INPUT, message: error.message };
  }
  return classifyError(error);
}

/**
 * By name, not instanceof: graphql ships CommonJS and ESM builds, and a bundler or test runner can
 * load both (two GraphQLError classes). envelop checks the same way.
 */
export function isGraphQLError(value: unknown): value is GraphQLError {
  return value instanceof Error && value.name === "GraphQLError";
}

/**
 * True for errors a client may see verbatim: a ClientError anywhere in the GraphQLError chain (graphql
 * wraps a resolver's error, keeping it as originalError), or a GraphQLError that wraps nothing, i.e.
 * made by graphql or yoga themselves (parse and validation errors, bad requests). A chain that ends
 * in anything else (a driver error, a plain Error, even one carrying `extensions`) is not deliberate.
 */
export function isDeliberate(error: GraphQLError): boolean {
  let e: unknown = error;
  while (isGraphQLError(e)) {
    if (isClientError(e)) return true;
    if (e.originalError == null) return true;
    e = e.originalError;
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
  const c = classify(isGraphQLError(error) ? rootCause(error) : error);
  return isGraphQLError(error)
    ? replaceWith(error, c, true)
    : new GraphQLError(c.message, { extensions: { code: c.code, http: { status: c.status } } });
}

export function useErrorPolicy(logger: Logger): Plugin<GatewayContext> {
  const mapResult =
    (context: GatewayContext, operationName: string | null | undefined) =>
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
          const c = classify(cause);
          const fields = { code: c.code, path: error.path?.join("."), err: cause };
          if (c.status >= 500) log.error("GraphQL operation failed", fields);
          else log.info("Database rejected an operation", fields);
          return replaceWith(error, c, withStatus);
        }),
      });
    };

  return {
    onExecute({ args }) {
      const handle = mapResult(args.contextValue, args.operationName as string | null | undefined);
      return { onExecuteDone: (payload) => handleStreamOrSingleExecutionResult(payload, handle) };
    },
    onSubscribe({ args }) {
      const handle = mapResult(args.contextValue, args.operationName as string | null | undefined);
      return { onSubscribeResult: (payload) => handleStreamOrSingleExecutionResult(payload, handle) };
    },
    // Last step before serialisation: stamp the request id on every error, whatever produced it.
    onResultProcess(payload) {
      const { request, result } = payload;
      const setResult = (r: typeof result) => payload.setResult(r);
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
