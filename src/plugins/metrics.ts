/**
 * Prometheus metrics (prom-client): what the gateway serves, how the database and the live queue are
 * doing, and the process itself. Each gateway has its own Registry (several gateways in one process,
 * as in the tests, never share or collide); the process metrics (CPU, memory, event loop, GC) have one
 * registry per process, since they describe the process and each collector starts its own GC observer
 * and event-loop monitor.
 *
 * Requests are observed here (useMetrics); the layers below hand over plain numbers through callbacks
 * (the RLS transaction's TransactionStats, the key set's load failures, the vault's reveals) and are
 * read at scrape time (the pool, the live-queue streams, the key set's status), so none of them knows
 * prom-client. The series, their labels and what each is for: docs/operations.md, "Metrics".
 *
 * Labels stay bounded whatever clients send: operation names are the first MAX_OPERATION_NAMES distinct
 * ones seen (the rest "other"), taken from the parsed document, never from the request's operationName.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import { getOperationAST, type DocumentNode, type ExecutionArgs, type ExecutionResult } from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import type pg from "pg";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { GatewayContext } from "../context/types.ts";
import type { KeySetHealth, KeySetStatus } from "../context/jwks.ts";
import type { RevealOutcome } from "../vault/index.ts";
import type { TransactionStats } from "./rls-transaction.ts";
import { responseCutOff } from "./response-cap.ts";

export const METRICS_PATH = "/metrics";
/** Distinct operation names kept as label values; later ones are counted as "other". */
export const MAX_OPERATION_NAMES = 200;
/** A longer name is counted as "other" (GraphQL names have no length limit; label values should). */
export const MAX_OPERATION_NAME_LENGTH = 100;
/** Distinct error codes kept (the gateway's codes are a few dozen; this only guards against a bug). */
const MAX_ERROR_CODES = 100;

/**
 * ok: the operation ran and its response has no error. error: it ran (its transaction was asked for,
 * or its subscription started) and the response has errors, partial data or none. refused: the gateway
 * turned the request down before running anything: a bad token, a body too large, a document that
 * does not parse or validate, a budget (cost, depth, aliases, tokens), a malformed cursor.
 */
export type Outcome = "ok" | "error" | "refused";

interface OperationLabels {
  /** query, mutation, subscription; "unknown" when no operation could be told (unparseable, or operationName names none). */
  operation_type: string;
  /** The operation's name; "anonymous" without one; "other" past the cap; "unknown" as above. */
  operation_name: string;
}

const UNKNOWN_OPERATION: OperationLabels = { operation_type: "unknown", operation_name: "unknown" };
const OPERATION_LABELS = ["operation_type", "operation_name"] as const;

/** What the gauges read at scrape time. */
export interface MetricSources {
  pool: Pick<pg.Pool, "totalCount" | "idleCount" | "waitingCount">;
  poolMax: number;
  /** Open live-queue streams and their cap (SubscriptionLimits); omitted when the gateway has no live events. */
  subscriptions?: { readonly open: number; readonly caps: { readonly maxTotal: number } };
  /** The key set's health, when one is configured (read at scrape time). */
  signingKeys?: () => KeySetHealth | null;
}

/** The first `max` distinct values seen (no longer than maxLength), the rest "other": clients cannot grow the series. */
class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(
    private readonly max: number,
    private readonly maxLength: number,
  ) {}
  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max || value.length > this.maxLength) return "other";
    this.seen.add(value);
    return value;
  }
}

let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const KEY_SET_STATUSES: KeySetStatus[] = ["FRESH", "STALE", "LOADING", "UNAVAILABLE"];

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly names = new BoundedLabel(MAX_OPERATION_NAMES, MAX_OPERATION_NAME_LENGTH);
  private readonly codes = new BoundedLabel(MAX_ERROR_CODES, 64);
  private readonly requests: Counter<"operation_type" | "operation_name" | "outcome">;
  private readonly durations: Histogram<"operation_type" | "operation_name" | "outcome">;
  private readonly errors: Counter<"code">;
  private readonly statements: Histogram<"operation_type" | "operation_name">;
  private readonly transactionDurations: Histogram<"operation_type" | "operation_name">;
  private readonly transactionWaits: Histogram<"operation_type" | "operation_name">;
  private readonly reveals: Counter<"outcome">;
  private readonly keySetFailures: Counter;
  private readonly budgetStoreFailures: Counter;

  constructor(sources: MetricSources) {
    processMetrics(); // from the first gateway on, not the first scrape: GC and event-loop lag are observed as they happen
    const registers = [this.registry];
    this.requests = new Counter({
      name: "hotdash_graphql_requests_total",
      help: "GraphQL requests by operation and outcome (ok, error, refused: refused before anything ran).",
      labelNames: [...OPERATION_LABELS, "outcome"],
      registers,
    });
    this.durations = new Histogram({
      name: "hotdash_graphql_request_duration_seconds",
      help: "GraphQL request latency, from the request's arrival to the response (a subscription: until its stream starts).",
      labelNames: [...OPERATION_LABELS, "outcome"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.errors = new Counter({
      name: "hotdash_graphql_errors_total",
      help: "Errors in GraphQL responses by extensions.code.",
      labelNames: ["code"],
      registers,
    });
    this.statements = new Histogram({
      name: "hotdash_db_statements_per_operation",
      help: "SQL statements of one operation's RLS transaction, BEGIN and COMMIT included.",
      labelNames: OPERATION_LABELS,
      buckets: [3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100, 200],
      registers,
    });
    this.transactionDurations = new Histogram({
      name: "hotdash_db_transaction_duration_seconds",
      help: "How long one operation's RLS transaction held its connection, from the role switch to COMMIT or ROLLBACK.",
      labelNames: OPERATION_LABELS,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.transactionWaits = new Histogram({
      name: "hotdash_db_transaction_wait_seconds",
      help: "From asking for one operation's transaction to its role switch done: the wait for a pooled connection and one round trip.",
      labelNames: OPERATION_LABELS,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const { pool } = sources;
    const scraped = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    scraped("hotdash_db_pool_connections", "Open connections in the gateway's pool (pg.Pool totalCount).", () => pool.totalCount);
    scraped("hotdash_db_pool_idle_connections", "Open connections not checked out (pg.Pool idleCount).", () => pool.idleCount);
    scraped(
      "hotdash_db_pool_waiting_requests",
      "Requests for a connection queued because every connection is in use (pg.Pool waitingCount).",
      () => pool.waitingCount,
    );
    scraped("hotdash_db_pool_max_connections", "The pool's size (DB_POOL_MAX).", () => sources.poolMax);
    const { subscriptions } = sources;
    if (subscriptions) {
      scraped("hotdash_live_subscriptions", "Live-queue streams open now.", () => subscriptions.open);
      scraped("hotdash_live_subscriptions_max", "Most live-queue streams open at once (SUBSCRIPTIONS_MAX_TOTAL).", () => subscriptions.caps.maxTotal);
    }
    this.reveals = new Counter({
      name: "hotdash_vault_reveals_total",
      help: "revealCredential calls by outcome: ok, or why it was refused (NOT_FOUND, VAULT_UNAVAILABLE, VAULT_KEY_UNKNOWN, VAULT_DECRYPT_FAILED, error).",
      labelNames: ["outcome"],
      registers,
    });
    this.reveals.inc({ outcome: "ok" }, 0); // present from the start, so rate() and increase() see the first reveal
    this.keySetFailures = new Counter({
      name: "hotdash_jwks_refresh_failures_total",
      help: "Failed loads or refreshes of the project's signing key set (SUPABASE_URL / SUPABASE_JWKS_URL / SUPABASE_JWKS_FILE).",
      registers: sources.signingKeys ? registers : [],
    });
    this.budgetStoreFailures = new Counter({
      name: "hotdash_rate_limit_store_failures_total",
      help: "Per-agent budget checks decided by the instance's own counters because Redis (REDIS_URL) could not answer or just failed.",
      registers,
    });
    const { signingKeys } = sources;
    if (signingKeys) {
      new Gauge({
        name: "hotdash_jwks_status",
        help: "The key set's status: 1 for the current one of FRESH, STALE (cached keys in use, refresh failing), LOADING, UNAVAILABLE.",
        labelNames: ["status"],
        registers,
        collect() {
          const status = signingKeys()?.status;
          for (const s of KEY_SET_STATUSES) this.set({ status: s }, s === status ? 1 : 0);
        },
      });
      scraped("hotdash_jwks_keys", "Keys in the cached key set.", () => signingKeys()?.keys ?? 0);
    }
  }

  /** The labels of the operation `document` runs (`operationName` picks one of several). */
  operationLabels(document: DocumentNode, operationName: string | null | undefined): OperationLabels {
    const operation = getOperationAST(document, operationName ?? undefined);
    if (!operation) return UNKNOWN_OPERATION;
    return { operation_type: operation.operation, operation_name: operation.name ? this.names.of(operation.name.value) : "anonymous" };
  }

  /** One GraphQL request, answered after `seconds`, its errors' codes (undefined for an error without one). */
  request(labels: OperationLabels, outcome: Outcome, seconds: number, codes: (string | undefined)[]): void {
    const withOutcome = { ...labels, outcome };
    this.requests.inc(withOutcome);
    this.durations.observe(withOutcome, seconds);
    for (const code of codes) this.errors.inc({ code: code === undefined ? "none" : this.codes.of(code) });
  }

  /** For useRlsTransaction's onTransactionDone. */
  readonly transaction = (args: ExecutionArgs, stats: TransactionStats): void => {
    const labels = this.operationLabels(args.document, args.operationName);
    this.statements.observe(labels, stats.statements);
    this.transactionWaits.observe(labels, stats.waitSeconds);
    if (stats.durationSeconds !== null) this.transactionDurations.observe(labels, stats.durationSeconds);
  };

  /** For the vault (Vault.revealed). */
  readonly vaultReveal = (outcome: RevealOutcome): void => {
    this.reveals.inc({ outcome });
  };

  /** For the key set (createSigningKeys' onLoadFailure). */
  readonly keySetLoadFailed = (): void => {
    this.keySetFailures.inc();
  };

  /** For the per-agent budgets (createAgentBudgets' onStoreFailure). */
  readonly rateLimitStoreFailed = (): void => {
    this.budgetStoreFailures.inc();
  };

  /** The exposition text: the process metrics, then this gateway's. */
  async exposition(): Promise<string> {
    return (await processMetrics().metrics()) + (await this.registry.metrics());
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

interface MetricsAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest();

/** Authorization: Bearer <token>, compared in constant time (hashes of equal length: neither the token nor its length leaks). */
function bearerMatches(authorization: string | null, token: string): boolean {
  const given = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "")?.[1] ?? "";
  return timingSafeEqual(sha256(given), sha256(token));
}

const jsonError = (status: number, code: string, message: string, headers: Record<string, string> = {}): MetricsAnswer => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8", ...headers },
  body: JSON.stringify({ error: { code, message } }),
});

/** The answer to a request for /metrics: the exposition, 401 without the right token, 405 for other methods. */
export async function answerMetrics(
  metrics: GatewayMetrics,
  token: string | null,
  method: string,
  authorization: string | null,
): Promise<MetricsAnswer> {
  if (method !== "GET" && method !== "HEAD") return jsonError(405, "METHOD_NOT_ALLOWED", "/metrics answers GET only.", { allow: "GET, HEAD" });
  if (token !== null && !bearerMatches(authorization, token)) {
    return jsonError(401, "UNAUTHENTICATED", "/metrics needs the header Authorization: Bearer <METRICS_TOKEN>.", {
      "www-authenticate": 'Bearer realm="metrics"',
    });
  }
  return { status: 200, headers: { "content-type": metrics.contentType, "cache-control": "no-store" }, body: await metrics.exposition() };
}

/** /metrics on a port of its own (METRICS_PORT): nothing else is served there. */
export function createMetricsServer(metrics: GatewayMetrics, token: string | null): Server {
  return createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://metrics").pathname;
    const answer =
      path === METRICS_PATH
        ? answerMetrics(metrics, token, request.method ?? "GET", request.headers.authorization ?? null)
        : Promise.resolve(jsonError(404, "NOT_FOUND", "Only /metrics is served on this port."));
    answer
      .catch(() => jsonError(500, "INTERNAL_SERVER_ERROR", "The metrics could not be collected."))
      .then(({ status, headers, body }) => {
        response.writeHead(status, headers);
        response.end(request.method === "HEAD" ? undefined : body);
      })
      .catch(() => response.destroy());
  });
}

export interface UseMetricsOptions {
  /** Answer /metrics on this server (false when METRICS_PORT gives it a port of its own: then it is a 404 here). */
  serve: boolean;
  /** METRICS_TOKEN; null = no token asked. */
  token: string | null;
  /** The GraphQL endpoint: only requests to it are observed. */
  graphqlPath: string;
}

interface RequestState {
  start: number;
  labels: OperationLabels;
  /** Execution (or the subscription) started: errors now mean "error", not "refused". */
  executed: boolean;
  outcome?: Outcome;
  codes?: (string | undefined)[];
}

/**
 * Observes every GraphQL request and answers /metrics. Placed after the plugins that refuse an
 * operation in onExecute (limits, cursors): their refusal skips this onExecute, so the request
 * counts as refused.
 */
export function useMetrics(metrics: GatewayMetrics, options: UseMetricsOptions): Plugin<GatewayContext> {
  const requests = new WeakMap<Request, RequestState>();
  const executed = (request: Request) => {
    const state = requests.get(request);
    if (state) state.executed = true;
  };
  return {
    // Synchronous except for /metrics itself: an async hook would put every request on the slower promise path.
    onRequest(payload) {
      const { request, url, fetchAPI } = payload;
      if (url.pathname === options.graphqlPath) {
        requests.set(request, { start: performance.now(), labels: UNKNOWN_OPERATION, executed: false });
      } else if (url.pathname === METRICS_PATH && options.serve) {
        return answerMetrics(metrics, options.token, request.method, request.headers.get("authorization")).then(({ status, headers, body }) =>
          payload.endResponse(new fetchAPI.Response(request.method === "HEAD" ? null : body, { status, headers })),
        );
      }
    },
    onValidate({ params, context }) {
      const state = requests.get(context.request);
      // envelop types the document loosely; it is the parsed DocumentNode.
      if (state) state.labels = metrics.operationLabels(params.documentAST as DocumentNode, context.params.operationName);
    },
    onExecute({ args }) {
      executed(args.contextValue.request);
    },
    onSubscribe({ args }) {
      executed(args.contextValue.request);
    },
    onResultProcess({ request, result }) {
      const state = requests.get(request);
      if (!state) return;
      const results = (Array.isArray(result) ? result : [result]).filter((r): r is ExecutionResult => !isAsyncIterable(r));
      state.codes = results.flatMap((r) => (r.errors ?? []).map((e) => codeOf(e.extensions?.code)));
      state.outcome = state.codes.length === 0 ? "ok" : state.executed ? "error" : "refused";
    },
    onResponse({ request }) {
      const state = requests.get(request);
      if (!state?.outcome || !state.codes) return;
      requests.delete(request);
      // The response cap replaced the body after the result was processed: what the client got is that error.
      if (responseCutOff(request)) metrics.request(state.labels, "error", seconds(state.start), ["RESPONSE_TOO_LARGE"]);
      else metrics.request(state.labels, state.outcome, seconds(state.start), state.codes);
    },
  };
}

const codeOf = (code: unknown): string | undefined => (typeof code === "string" ? code : undefined);
const seconds = (start: number) => (performance.now() - start) / 1000;
