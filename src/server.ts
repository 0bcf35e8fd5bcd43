/**
 * The HTTP gateway: graphql-yoga (GraphQL over HTTP with its defaults intact, GraphiQL on GET
 * /graphql) plus /health (liveness) and /ready (readiness: can we reach PostgreSQL?). Cross-cutting
 * behaviour lives in small plugins under src/plugins. The caller owns the database handle: close()
 * stops HTTP only.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { GraphQLSchema } from "graphql";
import { createYoga, useReadinessCheck, type YogaServerInstance } from "graphql-yoga";
import { AgentKeyVerifier } from "./auth/agent-keys.ts";
import { storeDecisionMinAal } from "./auth/policy.ts";
import { loadCatalogue, type Catalogue } from "./catalogue/index.ts";
import type { Config } from "./config.ts";
import { createAuthenticator } from "./context/auth.ts";
import { createSigningKeys, type KeySetHealth, type SigningKeys } from "./context/jwks.ts";
import { createContextFactory } from "./context/context.ts";
import type { GatewayContext } from "./context/types.ts";
import type { Database } from "./db/client.ts";
import { withSubscriptionLimits, type GatewayEvents } from "./pubsub/index.ts";
import { Semaphore, SubscriptionLimits } from "./pubsub/limits.ts";
import type { VaultHealth } from "./vault/health.ts";
import { observingReveals, vaultOf, type Vault } from "./vault/index.ts";
import { createLogger, toYogaLogger, type Logger } from "./logger.ts";
import { useAccessLog } from "./plugins/access-log.ts";
import { useAgentGate } from "./plugins/agent-gate.ts";
import { useCursorCheck } from "./plugins/cursors.ts";
import { useResponseCap } from "./plugins/response-cap.ts";
import { maskError, useErrorPolicy } from "./plugins/errors.ts";
import { useAuthentication, viewerFor } from "./plugins/authenticate.ts";
import { useCors } from "./plugins/cors.ts";
import { offlineGraphiQL } from "./plugins/graphiql.ts";
import { useConsole } from "./plugins/console.ts";
import { useIntrospectionPolicy } from "./plugins/introspection.ts";
import { useQueryLimits } from "./plugins/limits.ts";
import { createAgentBudgets } from "./plugins/rate-limit.ts";
import { requestIdOf, useRequestId } from "./plugins/request-id.ts";
import { useRlsTransaction } from "./plugins/rls-transaction.ts";
import { useTrustedDocuments } from "./plugins/trusted-documents.ts";
import { tableMap, useSqlRendering } from "./plugins/sql-rendering.ts";
import { createMetricsServer, GatewayMetrics, METRICS_PATH, useMetrics } from "./plugins/metrics.ts";
import { startTracing, useTracing } from "./plugins/tracing.ts";
import { useMcp } from "./mcp/index.ts";

export const GRAPHQL_PATH = "/graphql";
/** GraphiQL's script, styles and workers, served by the gateway itself (src/plugins/graphiql.ts). */
export const GRAPHIQL_ASSETS_PATH = `${GRAPHQL_PATH}/graphiql`;
/** /ready gives up on the database after this long (a hung database must not hang the probe). */
export const READY_TIMEOUT_MS = 2_000;
/** close() lets in-flight requests finish for this long, then drops the connections. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface GatewayOptions {
  config: Pick<
    Config,
    | "host"
    | "port"
    | "jwtSecret"
    | "tokens"
    | "limits"
    | "budgets"
    | "logLevel"
    | "db"
    | "responseMaxBytes"
    | "subscriptions"
    | "decisionMinAal"
    | "listRendering"
    | "metrics"
    | "graphiql"
    | "console"
    | "introspectionRoles"
    | "corsOrigins"
    | "tracing"
    | "trustedDocuments"
    | "redisUrl"
    | "redisKeyPrefix"
  >;
  database: Pick<Database, "prisma" | "pool" | "poolMax">;
  schema: GraphQLSchema;
  logger?: Logger;
  /** Pre-fills GraphiQL's Authorization header and the console's sign-in. Only for development secrets: it is served in the pages. */
  graphiqlToken?: string;
  /** Live events for subscriptions (ctx.events); the caller starts and closes them. */
  events?: GatewayEvents;
  /** Checked by /ready after the database: a vault whose stored secrets no configured key opens is not ready. */
  vaultHealth?: () => Promise<VaultHealth>;
  /** The credentials vault (ctx.vault), made by the entry point from Config; omitted = disabled. */
  vault?: Vault;
  /** The operation catalogue (operations/): loaded from there, checked against `schema`, when omitted. */
  catalogue?: Catalogue;
}

export interface Gateway {
  yoga: YogaServerInstance<Record<string, never>, GatewayContext>;
  server: Server;
  /** The project's ES256/RS256 key set, when configured (already loading: the warm-up starts here). */
  signingKeys: SigningKeys | null;
  /** The Prometheus metrics (/metrics), null with METRICS=off. */
  metrics: GatewayMetrics | null;
  /** The operation catalogue: trusted documents, /mcp's tools, the operations agents propose. */
  catalogue: Catalogue;
  /** Starts listening on config.host:config.port (0 = any free port), and METRICS_PORT's server when set. */
  listen(): Promise<{ url: string; port: number; metricsUrl?: string }>;
  close(): Promise<void>;
}

/** What GraphiQL's editor shows first: how to authenticate. */
export const GRAPHIQL_INTRO = `# HotDash Gateway
#
# Without an Authorization header a request runs as "anon" and sees no data.
# Authenticate with a Supabase session token (ES256/RS256 from the project's
# key set, or legacy HS256), role "authenticated" or "service_role",
# in the Headers tab below:
#   { "Authorization": "Bearer <token>" }
# In embedded mode, \`npm start\` prints ready-made development tokens.

query {
  __typename
}
`;

export function createGateway({
  config,
  database,
  schema,
  logger,
  graphiqlToken,
  events,
  vaultHealth,
  vault: givenVault = vaultOf(null),
  catalogue = loadCatalogue(schema),
}: GatewayOptions): Gateway {
  const log = logger ?? createLogger(config.logLevel);
  const { prisma, pool } = database;
  const subscriptionLimits = new SubscriptionLimits(config.subscriptions);
  // Metrics first: the key set and the vault report to them. The sources are read at scrape time.
  const metrics: GatewayMetrics | null = config.metrics.enabled
    ? new GatewayMetrics({
        pool,
        poolMax: database.poolMax,
        ...(events && { subscriptions: subscriptionLimits }),
        ...(config.tokens.jwks && { signingKeys: (): KeySetHealth | null => signingKeys?.health() ?? null }),
      })
    : null;
  const signingKeys =
    config.tokens.jwks &&
    createSigningKeys(config.tokens.jwks, { timing: config.tokens.timing, logger: log, onLoadFailure: metrics?.keySetLoadFailed });
  const vault = metrics ? observingReveals(givenVault, metrics.vaultReveal) : givenVault;
  // Live-queue caps per caller and in total; event re-reads may use at most half the pool (D12).
  // Agent keys (hdk_…): cached while this instance hears every key change through events' LISTEN.
  const agentKeys = new AgentKeyVerifier(prisma, { changes: events, logger: log });
  const liveEvents =
    events && withSubscriptionLimits(events, subscriptionLimits, new Semaphore(Math.max(1, Math.floor(database.poolMax / 2))), agentKeys, log);

  // Per-agent budgets per minute: in Redis when REDIS_URL is set (shared by every instance), else in process.
  const agentBudgets = createAgentBudgets({
    budgets: config.budgets,
    redisUrl: config.redisUrl,
    keyPrefix: config.redisKeyPrefix,
    logger: log,
    ...(metrics && { onStoreFailure: metrics.rateLimitStoreFailed }),
  });

  // One authenticator for /graphql and /mcp.
  const authenticate = createAuthenticator({
    secret: config.jwtSecret,
    keys: signingKeys,
    issuer: config.tokens.issuer,
    audience: config.tokens.audience,
  });

  const tables = config.listRendering === "sql" ? tableMap(prisma, log) : undefined;
  const graphiql = config.graphiql ? offlineGraphiQL(GRAPHQL_PATH, GRAPHIQL_ASSETS_PATH) : undefined;
  // OpenTelemetry traces, only with an OTLP endpoint configured (off: no provider, no plugin). close() flushes them.
  const tracing = config.tracing && startTracing(config.tracing, log);
  if (config.tracing)
    log.info("Traces exported over OTLP/HTTP", { endpoint: redactedUrl(config.tracing.url), serviceName: config.tracing.serviceName });

  const yoga = createYoga<Record<string, never>, GatewayContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    healthCheckEndpoint: "/health",
    landingPage: false,
    logging: toYogaLogger(log),
    maskedErrors: { maskError },
    context: createContextFactory({ prisma, events: liveEvents, decisionMinAal: config.decisionMinAal, vault }),
    // The outer bound for everyone; each role's own (smaller) limit is useAuthentication's.
    maxRequestBodySize: Math.max(...Object.values(config.budgets).map((b) => b.maxBodyBytes)),
    // GRAPHIQL (config): off, a browser's GET /graphql gets what any GET without a query gets.
    graphiql: graphiql !== undefined && {
      title: "HotDash Gateway",
      defaultQuery: GRAPHIQL_INTRO,
      ...(graphiqlToken !== undefined && { headers: JSON.stringify({ Authorization: `Bearer ${graphiqlToken}` }, null, 2) }),
    },
    ...(graphiql && { renderGraphiQL: graphiql.render }),
    // CORS_ORIGINS (config), in useCors: yoga's own CORS reflects any origin with credentials (D13).
    cors: false,
    // The order matters: envelop runs each hook in array order. A hook that stops an operation
    // (setResultAndStopExecution: limits, cursor check) skips the onExecute of every plugin after it,
    // so a refused operation never opens an RLS transaction; the onExecuteDone hooks already
    // registered (the error policy's) still see its result. setExecuteFn composes: each plugin wraps
    // the execute function the ones before it left, and useRlsTransaction, last, runs execution
    // inside the request's transaction. The request id comes first because every later plugin logs
    // or stamps it; authentication runs on onRequestParse, before the limits that depend on the role.
    plugins: [
      useRequestId(),
      useResponseCap(config.responseMaxBytes, log), // before the access log, so it logs the status sent
      useAccessLog(log),
      useCors(config.corsOrigins), // answers a preflight before anything reads the request
      ...(graphiql ? [graphiql.plugin] : []), // GraphiQL's static files, public: before authentication
      ...(config.console ? [useConsole({ graphqlPath: GRAPHQL_PATH, ...(graphiqlToken !== undefined && { devToken: graphiqlToken }) })] : []), // the console's page and files, public too
      ...(tracing ? [useTracing(tracing.tracer, GRAPHQL_PATH)] : []), // before the limits, so a refused operation has its span too
      useReadinessCheck({
        endpoint: "/ready",
        check: async ({ fetchAPI }) => {
          if (!(await databaseReachable(pool))) return fetchAPI.Response.json({ status: "unavailable" }, { status: 503 });
          const vault = vaultHealth ? await withTimeout(vaultHealth(), null).catch(() => null) : null;
          if (vault?.status === "KEY_MISMATCH") {
            // A rollout with the wrong CREDS_ENCRYPTION_KEY never becomes ready (the old instances keep serving).
            // The probe is public: the details (key ids, counts) are in the start-up log, not here.
            return fetchAPI.Response.json({ status: "unavailable", vault: vault.status }, { status: 503 });
          }
          // Cached keys keep verifying while the JWKS endpoint is down (STALE: still ready); without any key
          // no session token can be checked, so not ready. The reason is in the log, not on this public probe.
          const keys = signingKeys?.health().status;
          if (keys === "LOADING" || keys === "UNAVAILABLE")
            return fetchAPI.Response.json({ status: "unavailable", signingKeys: keys }, { status: 503 });
          return fetchAPI.Response.json({ status: "ready", ...(keys && { signingKeys: keys }) });
        },
      }),
      // /mcp answers here, after CORS and before GraphQL: its tool calls come back through yoga.fetch (below).
      useMcp({
        schema,
        catalogue,
        authenticate: (headers) => viewerFor(headers, authenticate, agentKeys),
        maxBodyBytes: (role) => config.budgets[role].maxBodyBytes,
        requestId: requestIdOf,
        fetch: async (url, init): Promise<Response> => yoga.fetch(url, init),
        graphqlPath: GRAPHQL_PATH,
        logger: log,
      }),
      useAuthentication(authenticate, config.budgets, agentKeys),
      ...useTrustedDocuments(catalogue, config.trustedDocuments), // documents by id; TRUSTED_DOCUMENTS' check, before validation
      useQueryLimits(config.limits, config.budgets),
      useIntrospectionPolicy(config.introspectionRoles), // after authentication (the role), before the transaction
      useErrorPolicy(log),
      useCursorCheck(),
      agentBudgets.plugin, // after the limits' estimate and every other refusal: only what runs spends the budget
      // Agent keys propose gated mutations instead of running them (their own transaction), so: before the metrics and the RLS transaction.
      useAgentGate(prisma, catalogue, { budgets: config.budgets }),
      // After the plugins that refuse in onExecute, so a refused operation never counts as executed.
      ...(metrics ? [useMetrics(metrics, { serve: config.metrics.port === null, token: config.metrics.token, graphqlPath: GRAPHQL_PATH })] : []),
      // Inside the RLS transaction (it wraps every execute function set before it).
      ...(tables ? [useSqlRendering(tables)] : []),
      useRlsTransaction(prisma, {
        budgets: config.budgets,
        maxWaitMs: config.db.txMaxWaitMs,
        responseMaxBytes: config.responseMaxBytes,
        logger: log,
        ...(metrics && { onTransactionDone: metrics.transaction }),
      }),
    ],
  });

  const server = createServer(yoga.requestListener);
  const metricsServer = metrics && config.metrics.port !== null ? createMetricsServer(metrics, config.metrics.token) : null;

  return {
    yoga,
    server,
    signingKeys,
    metrics,
    catalogue,
    listen: async () => {
      // The database enforces DECISION_MIN_AAL on its own (gateway.decide_agent_approval reads it from
      // gateway.settings), so it learns this gateway's setting before the first request. A database
      // that is down keeps the value it has; this gateway still enforces its own.
      await storeDecisionMinAal(pool, config.decisionMinAal).catch((error: unknown) =>
        log.warn("Could not write DECISION_MIN_AAL to the database; it keeps its previous value", {
          error: String(error),
          decisionMinAal: config.decisionMinAal,
        }),
      );
      await tables?.(); // so the first request does not wait for it
      await agentBudgets.connect();
      const host = config.host.includes(":") ? `[${config.host}]` : config.host;
      const metricsPort =
        metricsServer &&
        (await listenOn(metricsServer, config.metrics.port ?? 0, config.host).catch(async (error: unknown) => {
          if ((error as { code?: unknown }).code !== "EADDRINUSE") throw error;
          // Loaded only here: src/startup.ts brings the embedded database's modules with it.
          const { StartupError } = await import("./startup.ts");
          throw new StartupError(
            "METRICS_PORT_IN_USE",
            `METRICS_PORT ${config.metrics.port} on ${config.host} is already in use. Stop that process, or set METRICS_PORT to a free port.`,
          );
        }));
      const port = await listenOn(server, config.port, config.host);
      return {
        url: `http://${host}:${port}${GRAPHQL_PATH}`,
        port,
        ...(metricsPort && { metricsUrl: `http://${host}:${metricsPort}${METRICS_PATH}` }),
      };
    },
    close: async () => {
      if (metricsServer?.listening) {
        const closed = new Promise<void>((resolve) => metricsServer.close(() => resolve()));
        metricsServer.closeAllConnections(); // a scrape holds nothing worth waiting for
        await closed;
      }
      if (server.listening) {
        const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        force.unref();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections(); // keep-alive sockets would otherwise hold close() open
        });
        clearTimeout(force);
      }
      await yoga.dispose();
      await tracing?.shutdown().catch((error: unknown) => log.warn("Could not export the last traces", { error: String(error) }));
      signingKeys?.close();
      agentKeys.close();
      await agentBudgets.close();
    },
  };
}

/** Listens on host:port (0 = any free port) and resolves with the port. */
function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** An endpoint for the log: no credentials, no query. */
function redactedUrl(url: string): string {
  const { origin, pathname } = new URL(url);
  return origin + pathname;
}

/** `select 1` through the gateway's own pool, bounded by READY_TIMEOUT_MS. */
function databaseReachable(pool: Database["pool"]): Promise<boolean> {
  return withTimeout(
    pool.query("select 1").then(
      () => true,
      () => false,
    ),
    false,
  );
}

/** `work`, or `fallback` once READY_TIMEOUT_MS has passed (a hung database must not hang the probe). */
async function withTimeout<T, F>(work: Promise<T>, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), READY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
