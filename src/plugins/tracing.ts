/**
 * OpenTelemetry traces (docs/operations.md, "Traces"): a SERVER span per GraphQL request, continuing
 * the caller's W3C `traceparent`; a span per GraphQL operation as its child (name, type, the caller's
 * role); a span per SQL statement as the operation's child (the statement text with its $n
 * placeholders), whose traceparent also travels to PostgreSQL in a SQL comment
 * (src/db/statement-trace.ts). The request id is on every span. Never on a span: variables, the
 * document, tokens, claims, SQL parameter values or error messages (which can quote values).
 *
 * Parents are passed explicitly, never through an async context manager: following every promise
 * of the process costs more than the tracing itself (src/db/client.ts). The SQL spans find their
 * operation through its ConnectionWatch (ctx.statementTracer, handed to the RLS transaction).
 *
 * With no endpoint configured none of this exists: no provider, no plugin, no per-request work.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter, type Tracer } from "@opentelemetry/api";
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
} from "@opentelemetry/sdk-trace";
import {
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from "@opentelemetry/semantic-conventions";
import { getOperationAST, type DocumentNode, type ExecutionResult } from "graphql";
import { isAsyncIterable, type Plugin, type YogaInitialContext } from "graphql-yoga";
import type { TracingConfig } from "../config.ts";
import type { GatewayContext } from "../context/types.ts";
import type { StatementTracer } from "../db/statement-trace.ts";
import type { Logger } from "../logger.ts";
import { requestIdOf } from "./request-id.ts";

/** Incubating semantic conventions are copied, not imported (their module may change in a minor release). */
const ATTR_GRAPHQL_OPERATION_NAME = "graphql.operation.name";
const ATTR_GRAPHQL_OPERATION_TYPE = "graphql.operation.type";
/** The gateway's own attributes. */
export const ATTR_REQUEST_ID = "hotdash.request_id";
export const ATTR_ROLE = "hotdash.role";

export interface Tracing {
  tracer: Tracer;
  /** Exports the spans still queued and stops the exporter (the gateway's close() calls it). */
  shutdown(): Promise<void>;
}

/** A tracer provider exporting over OTLP/HTTP (JSON) in batches. Nothing is registered globally. */
export function startTracing(config: TracingConfig, logger?: Logger): Tracing {
  const exporter = new OTLPTraceExporter({ url: config.url, headers: config.headers });
  const provider = new TracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ ...config.resourceAttributes, [ATTR_SERVICE_NAME]: config.serviceName })),
    sampler: samplerOf(config.sampler),
    spanProcessors: [new BatchSpanProcessor({ exporter: logged(exporter, logger) })],
  });
  return { tracer: provider.getTracer("hotdash-gateway"), shutdown: () => provider.shutdown() };
}

function samplerOf({ name, ratio }: TracingConfig["sampler"]): Sampler {
  const root = name.endsWith("always_off")
    ? new AlwaysOffSampler()
    : name.endsWith("traceidratio")
      ? new TraceIdRatioBasedSampler(ratio)
      : new AlwaysOnSampler();
  return name.startsWith("parentbased_") ? new ParentBasedSampler({ root }) : root;
}

/** How often a failing collector is reported. */
const EXPORT_FAILURE_LOG_MS = 60_000;

/** The exporter, with failed exports logged (at most once a minute): the SDK itself says nothing. */
function logged(exporter: SpanExporter, logger: Logger | undefined): SpanExporter {
  let lastLogged = -Infinity;
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS && performance.now() - lastLogged > EXPORT_FAILURE_LOG_MS) {
          lastLogged = performance.now();
          logger?.warn("Could not export traces to the OTLP endpoint", { error: String(result.error ?? "unknown"), spans: spans.length });
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

const propagator = new W3CTraceContextPropagator();
const HEADERS: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/** One traced request: its span, the parent for its operations, the operations not yet ended. */
interface RequestTrace {
  span: Span;
  context: Context;
  operations: Span[];
  /** The first GraphQL error code of the response, if any. */
  errorCode?: string;
}

/** What an operation span needs from envelop's execution arguments. */
interface OperationArgs {
  document: DocumentNode;
  operationName?: string | null;
  contextValue: GatewayContext & YogaInitialContext;
}

/** Traces the requests to `path` (the GraphQL endpoint; probes and other routes are not traced). */
export function useTracing(tracer: Tracer, path: string): Plugin<GatewayContext> {
  const traces = new WeakMap<Request, RequestTrace>();

  const startOperation = ({ contextValue: context, document, operationName }: OperationArgs) => {
    const request = traces.get(context.request);
    if (!request) return undefined;
    const operation = getOperationAST(document, operationName);
    const type = operation?.operation ?? "query";
    const name = operation?.name?.value;
    const span = tracer.startSpan(
      name ? `${type} ${name}` : type,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [ATTR_GRAPHQL_OPERATION_TYPE]: type,
          ...(name && { [ATTR_GRAPHQL_OPERATION_NAME]: name }),
          [ATTR_ROLE]: context.viewer.role,
          [ATTR_REQUEST_ID]: context.requestId,
        },
      },
      request.context,
    );
    request.operations.push(span);
    return span;
  };

  return {
    onRequest({ request, url }) {
      if (url.pathname !== path) return;
      const parent = propagator.extract(ROOT_CONTEXT, request.headers, HEADERS);
      const span = tracer.startSpan(
        `${request.method} ${path}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            [ATTR_HTTP_REQUEST_METHOD]: request.method,
            [ATTR_URL_PATH]: url.pathname,
            [ATTR_HTTP_ROUTE]: path,
            [ATTR_REQUEST_ID]: requestIdOf(request),
          },
        },
        parent,
      );
      traces.set(request, { span, context: trace.setSpan(ROOT_CONTEXT, span), operations: [] });
    },
    onExecute({ args }) {
      const span = startOperation(args);
      // An operation the sampler dropped sends its SQL untraced and uncommented.
      if (span?.isRecording()) args.contextValue.statementTracer = statementTracer(tracer, span, args.contextValue.requestId);
    },
    onSubscribe({ args }) {
      startOperation(args);
    },
    // The final result (errors masked, codes set): the operations end here, with their outcome.
    onResultProcess({ request, result }) {
      const state = traces.get(request);
      if (!state) return;
      const results = Array.isArray(result) ? result : [result];
      state.operations.splice(0).forEach((span, i) => {
        const code = errorCodeOf(results[i] ?? results[0]);
        if (code !== undefined) failed(span, code);
        span.end();
      });
      state.errorCode = results.map(errorCodeOf).find((code) => code !== undefined);
    },
    onResponse({ request, response }) {
      const state = traces.get(request);
      if (!state) return;
      traces.delete(request);
      for (const span of state.operations) span.end(); // never got to a result (a failure before it)
      state.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
      if (state.errorCode !== undefined) failed(state.span, state.errorCode);
      else if (response.status >= 500) failed(state.span, String(response.status));
      // An event stream's span ends when its response starts; the stream itself is not traced.
      state.span.end();
    },
  };
}

/** The first GraphQL error code of an execution result (a stream has none yet). */
function errorCodeOf(result: unknown): string | undefined {
  if (result == null || isAsyncIterable(result)) return undefined;
  const errors = (result as ExecutionResult).errors;
  if (!errors?.length) return undefined;
  const code = errors[0]?.extensions?.code;
  return typeof code === "string" ? code : "GRAPHQL_ERROR";
}

function failed(span: Span, code: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  span.setAttribute(ATTR_ERROR_TYPE, code);
}

const OPERATION_NAMES = new Set(["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "BEGIN", "COMMIT", "ROLLBACK"]);

/** Spans of one operation's statements, children of its span. */
function statementTracer(tracer: Tracer, operation: Span, requestId: string): StatementTracer {
  const parent = trace.setSpan(ROOT_CONTEXT, operation);
  return {
    start(text) {
      const keyword = /^\s*([a-z]+)/i.exec(text)?.[1]?.toUpperCase() ?? DB_SYSTEM_NAME_VALUE_POSTGRESQL;
      const span = tracer.startSpan(
        keyword,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
            [ATTR_DB_QUERY_TEXT]: text,
            ...(OPERATION_NAMES.has(keyword) && { [ATTR_DB_OPERATION_NAME]: keyword }),
            [ATTR_REQUEST_ID]: requestId,
          },
        },
        parent,
      );
      const { traceId, spanId, traceFlags } = span.spanContext();
      return {
        traceparent: `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, "0")}`,
        end(error) {
          if (error !== undefined) {
            // The SQLSTATE only: a driver's message can quote the values it rejected.
            const sqlState = (error as { code?: unknown }).code;
            const code = typeof sqlState === "string" ? sqlState : error instanceof Error ? error.name : "Error";
            span.setStatus({ code: SpanStatusCode.ERROR, message: code });
            span.setAttribute(ATTR_ERROR_TYPE, code);
            if (typeof sqlState === "string") span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, sqlState);
          }
          span.end();
        },
      };
    },
  };
}
