// Prometheus metrics at /metrics (src/plugins/metrics.ts) on a real gateway and database: after real
// requests the exposition (parsed, not pattern-matched) shows each series with the right labels and
// counts; METRICS_TOKEN and METRICS_PORT protect it; operation names cannot grow the series without
// bound; the pool, live-queue and key-set gauges read the live state at scrape time.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";
import { MAX_OPERATION_NAME_LENGTH, MAX_OPERATION_NAMES } from "../src/plugins/metrics.ts";
import { loadVaultKeys } from "../src/vault/index.ts";
import { createDatabase } from "../src/db/client.ts";
import { createLogger } from "../src/logger.ts";
import { schema } from "../src/schema/index.ts";
import { createGateway } from "../src/server.ts";
import { describeStartupError } from "../src/startup.ts";
import { startTestGateway, TEST_JWT_SECRET, type TestGateway } from "./support/gateway.ts";
import { histogramOf, parseExposition, samplesOf, valueOf, type Exposition } from "./support/prometheus.ts";
import { openSse } from "./support/sse.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";
import { configureVault } from "./support/vault.ts";

const origin = (url: string) => new URL(url).origin;

async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(url, { headers });
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
}

async function metricsOf(gw: TestGateway): Promise<Exposition> {
  const { status, type, text } = await scrape(`${origin(gw.url)}/metrics`);
  expect(status, text).toBe(200);
  expect(type).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parseExposition(text);
}

const REQUESTS = "hotdash_graphql_requests_total";
const DURATION = "hotdash_graphql_request_duration_seconds";
const ERRORS = "hotdash_graphql_errors_total";
const op = (operation_type: string, operation_name: string, outcome?: string) => ({
  operation_type,
  operation_name,
  ...(outcome && { outcome }),
});
/** How much a counter (or a histogram's _count / _sum) grew between two scrapes. */
const grew = (before: Exposition, after: Exposition, name: string, labels: Record<string, string>) =>
  (valueOf(after, name, labels) ?? 0) - (valueOf(before, name, labels) ?? 0);

const AS_OF = "2025-10-20";
const PAGE = `query Page {
  dashboard(asOf: "${AS_OF}") { revenue(range: { from: "2025-09-21", to: "${AS_OF}" }) { totalCents daily { date valueCents } } }
  adsCampaigns(first: 20) { edges { node { id name dailyMetrics(range: { from: "2025-10-01", to: "${AS_OF}" }) { spendCents } } } }
}`;
const QUEUE = `subscription Queue { approvalQueueEvents { event approval { id } } }`;

describe("one gateway's series", () => {
  let db: TestDatabase;
  let gw: TestGateway;

  beforeAll(async () => {
    db = await createTestDatabase();
    gw = await startTestGateway({ databaseUrl: db.url, events: {} });
    configureVault(loadVaultKeys({ CREDS_ENCRYPTION_KEY: randomBytes(32).toString("base64") }));
  });
  afterAll(async () => {
    configureVault(null);
    await gw?.close();
    await db?.close();
  });

  test("requests by operation type, name and outcome (ok, error, refused), their latency, and errors by code", async () => {
    const before = await metricsOf(gw);

    await gw.data(`query Who { viewer { role } }`, {}, { role: "authenticated" });
    await gw.data(`query Who { viewer { role } }`, {}, { role: "authenticated" });
    await gw.data(`{ __typename }`, {}, { role: "anon" });
    // Refused before anything ran: a budget, validation, parsing, the token.
    const costly = `query Costly { adsCampaigns { edges { node { dailyMetrics { campaign { dailyMetrics { spendCents } } } } } } }`;
    expect((await gw.failure(costly, {}, { role: "authenticated" })).extensions.code).toBe("QUERY_TOO_COSTLY");
    expect((await gw.failure(`query Broken { noSuchField }`)).extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect((await gw.failure(`{ viewer {`)).extensions.code).toBe("GRAPHQL_PARSE_FAILED");
    const badToken = (await gw.failure(`query Who { viewer { role } }`, {}, { authorization: "Bearer not-a-token" })).extensions.code as string;
    // Ran and failed: a mutation whose field errors (rolled back).
    const missing = `mutation RevealMissing { revealCredential(name: "no.such.credential", reason: "metrics test") { secret } }`;
    expect((await gw.failure(missing)).extensions.code).toBe("NOT_FOUND");

    const after = await metricsOf(gw);
    expect(after.types.get(REQUESTS)).toBe("counter");
    expect(after.types.get(DURATION)).toBe("histogram");
    const counted: [Record<string, string>, number][] = [
      [op("query", "Who", "ok"), 2],
      [op("query", "anonymous", "ok"), 1],
      [op("query", "Costly", "refused"), 1],
      [op("query", "Broken", "refused"), 1],
      // Rejected before its document was read: no operation to name.
      [op("unknown", "unknown", "refused"), 2],
      [op("mutation", "RevealMissing", "error"), 1],
    ];
    for (const [labels, count] of counted) {
      expect(grew(before, after, REQUESTS, labels), JSON.stringify(labels)).toBe(count);
      // The latency histogram counts the same requests, each with a duration.
      expect(grew(before, after, `${DURATION}_count`, labels), JSON.stringify(labels)).toBe(count);
      expect(histogramOf(after, DURATION, labels)!.sum).toBeGreaterThan(0);
    }
    expect(samplesOf(after, REQUESTS).map((s) => s.labels.outcome)).toSatisfy((outcomes: string[]) =>
      outcomes.every((o) => ["ok", "error", "refused"].includes(o)),
    );
    for (const code of ["QUERY_TOO_COSTLY", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED", "NOT_FOUND"])
      expect(grew(before, after, ERRORS, { code }), code).toBe(1);
    expect(grew(before, after, ERRORS, { code: badToken }), badToken).toBe(1);
    // The vault saw one refused reveal.
    expect(grew(before, after, "hotdash_vault_reveals_total", { outcome: "NOT_FOUND" })).toBe(1);
  });

  test("SQL statements and transaction time per operation: the statements are exactly what the pool sent", async () => {
    const before = await metricsOf(gw);
    const sent = gw.database.statementCount();
    await gw.data(PAGE, {}, { role: "authenticated" });
    const statements = gw.database.statementCount() - sent;
    const after = await metricsOf(gw);

    const page = op("query", "Page");
    expect(grew(before, after, "hotdash_db_statements_per_operation_count", page)).toBe(1);
    expect(grew(before, after, "hotdash_db_statements_per_operation_sum", page)).toBe(statements);
    expect(statements).toBeGreaterThan(3); // BEGIN, the role switch, COMMIT and the page's own SQL
    for (const name of ["hotdash_db_transaction_duration_seconds", "hotdash_db_transaction_wait_seconds"]) {
      expect(grew(before, after, `${name}_count`, page), name).toBe(1);
      expect(grew(before, after, `${name}_sum`, page), name).toBeGreaterThan(0);
    }
    // A refused operation opens no transaction.
    await gw.failure(`query Broken { noSuchField }`);
    const later = await metricsOf(gw);
    expect(valueOf(later, "hotdash_db_statements_per_operation_count", op("query", "Broken"))).toBeUndefined();
  });

  test("the pool gauges read the pool at scrape time: total, idle, waiting and max", async () => {
    const { pool } = gw.database;
    const max = 5; // startTestGateway's poolMax
    const held = await Promise.all(Array.from({ length: max }, () => pool.connect()));
    const waiting = pool.connect(); // every connection is out: this one queues
    try {
      const busy = await metricsOf(gw);
      expect(valueOf(busy, "hotdash_db_pool_max_connections")).toBe(max);
      expect(valueOf(busy, "hotdash_db_pool_connections")).toBe(max);
      expect(valueOf(busy, "hotdash_db_pool_idle_connections")).toBe(0);
      expect(valueOf(busy, "hotdash_db_pool_waiting_requests")).toBe(1);
    } finally {
      for (const client of held) client.release();
      (await waiting).release();
    }
    const calm = await metricsOf(gw);
    expect(valueOf(calm, "hotdash_db_pool_waiting_requests")).toBe(0);
    expect(valueOf(calm, "hotdash_db_pool_idle_connections")).toBe(valueOf(calm, "hotdash_db_pool_connections"));
  });

  test("live-queue subscribers: the gauge follows streams opening and closing", async () => {
    const open = async () => valueOf(await metricsOf(gw), "hotdash_live_subscriptions");
    expect(await open()).toBe(0);
    expect(valueOf(await metricsOf(gw), "hotdash_live_subscriptions_max")).toBe(200);
    const stream = await openSse(gw.url, QUEUE, { authorization: `Bearer ${await gw.token("service_role")}` });
    expect(stream.status).toBe(200);
    await expect.poll(open, { timeout: 5_000 }).toBe(1);
    const started = await metricsOf(gw);
    expect(valueOf(started, REQUESTS, op("subscription", "Queue", "ok"))).toBe(1);
    stream.close();
    await stream.ended;
    await expect.poll(open, { timeout: 5_000 }).toBe(0);
  });

  test("vault reveals by outcome: ok once a secret is decrypted", async () => {
    const before = await metricsOf(gw);
    const put = `mutation Put($input: PutCredentialInput!) { putCredential(input: $input) { id } }`;
    await gw.data(put, { input: { name: "shopify.metrics", provider: "shopify", secret: "sk_test_metrics_0123456789" } });
    const reveal = `mutation Reveal { revealCredential(name: "shopify.metrics", reason: "metrics test") { secret } }`;
    expect((await gw.data(reveal)).revealCredential.secret).toBe("sk_test_metrics_0123456789");
    const after = await metricsOf(gw);
    expect(grew(before, after, "hotdash_vault_reveals_total", { outcome: "ok" })).toBe(1);
    expect(grew(before, after, REQUESTS, op("mutation", "Reveal", "ok"))).toBe(1);
  });

  test("process metrics (prom-client's defaults) come with the gateway's", async () => {
    const exposition = await metricsOf(gw);
    expect(exposition.types.get("process_cpu_seconds_total")).toBe("counter");
    expect(valueOf(exposition, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(exposition.types.get("nodejs_eventloop_lag_seconds")).toBe("gauge");
    // Without a key set configured there are no key-set series.
    expect(exposition.types.has("hotdash_jwks_refresh_failures_total")).toBe(false);
  });
});

describe("operation names are bounded", () => {
  let db: TestDatabase;
  let gw: TestGateway;
  beforeAll(async () => {
    db = await createTestDatabase();
    gw = await startTestGateway({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await gw?.close();
    await db?.close();
  });

  test(`the first ${MAX_OPERATION_NAMES} distinct names keep their label, later ones count as "other", and so does a very long one`, async () => {
    // A name longer than MAX_OPERATION_NAME_LENGTH takes no place, even while there is room.
    await gw.data(`query ${"Long".repeat(MAX_OPERATION_NAME_LENGTH)} { __typename }`, {}, { role: "anon" });
    const names = Array.from({ length: MAX_OPERATION_NAMES + 10 }, (_, i) => `Op${i}`);
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(names.slice(i, i + 10).map((name) => gw.data(`query ${name} { __typename }`, {}, { role: "anon" })));
    }
    await gw.data(`query Op0 { __typename }`, {}, { role: "anon" }); // a kept name stays kept
    const exposition = await metricsOf(gw);
    const labelled = samplesOf(exposition, REQUESTS).map((s) => s.labels.operation_name);
    expect(new Set(labelled).size).toBe(MAX_OPERATION_NAMES + 1);
    expect(valueOf(exposition, REQUESTS, op("query", "other", "ok"))).toBe(11);
    expect(valueOf(exposition, REQUESTS, op("query", "Op0", "ok"))).toBe(2);
    // The rest of the histograms follow the same labels.
    expect(new Set(samplesOf(exposition, `${DURATION}_count`).map((s) => s.labels.operation_name)).size).toBe(MAX_OPERATION_NAMES + 1);
    expect(new Set(samplesOf(exposition, "hotdash_db_statements_per_operation_count").map((s) => s.labels.operation_name)).size).toBe(
      MAX_OPERATION_NAMES + 1,
    );
  });
});

describe("protecting /metrics", () => {
  let db: TestDatabase;
  const gateways: TestGateway[] = [];
  const start = async (env: Record<string, string>) => {
    const gw = await startTestGateway({ databaseUrl: db.url, env });
    gateways.push(gw);
    return gw;
  };
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    await db?.close();
  });

  test("METRICS_TOKEN: /metrics needs Authorization: Bearer <token>, else 401 with a JSON error", async () => {
    const token = randomBytes(24).toString("hex");
    const gw = await start({ METRICS_TOKEN: token });
    const url = `${origin(gw.url)}/metrics`;
    const wrong: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${token}x` },
      { authorization: `Bearer ${token.slice(1)}` },
      { authorization: token },
    ];
    for (const headers of wrong) {
      const denied = await scrape(url, headers);
      expect(denied.status, JSON.stringify(headers)).toBe(401);
      expect(denied.type).toMatch(/^application\/json/);
      expect(JSON.parse(denied.text)).toEqual({ error: { code: "UNAUTHENTICATED", message: expect.stringMatching(/METRICS_TOKEN/) } });
      expect(denied.text).not.toContain(token);
    }
    const allowed = await scrape(url, { authorization: `Bearer ${token}` });
    expect(allowed.status).toBe(200);
    expect(parseExposition(allowed.text).types.get(REQUESTS)).toBe("counter");
  });

  test("METRICS_PORT: /metrics only on its own port (the main port answers 404), with the token there too", async () => {
    const token = randomBytes(24).toString("hex");
    const gw = await start({ METRICS_PORT: "0", METRICS_TOKEN: token });
    expect(gw.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(gw.metricsUrl!).port).not.toBe(new URL(gw.url).port);
    await gw.data(`query Who { viewer { role } }`, {}, { role: "authenticated" });

    expect((await scrape(`${origin(gw.url)}/metrics`, { authorization: `Bearer ${token}` })).status).toBe(404);
    expect((await scrape(gw.metricsUrl!)).status).toBe(401);
    const served = await scrape(gw.metricsUrl!, { authorization: `Bearer ${token}` });
    expect(served.status).toBe(200);
    expect(valueOf(parseExposition(served.text), REQUESTS, op("query", "Who", "ok"))).toBe(1);
    // Nothing else is served on the metrics port.
    expect((await scrape(`${origin(gw.metricsUrl!)}/graphql`, { authorization: `Bearer ${token}` })).status).toBe(404);
    expect((await fetch(gw.metricsUrl!, { method: "POST", headers: { authorization: `Bearer ${token}` } })).status).toBe(405);
  });

  test("a METRICS_PORT in use stops the start with one line naming METRICS_PORT", async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as AddressInfo).port;
    const config = { ...loadConfig({ DATABASE_URL: db.url, SUPABASE_JWT_SECRET: TEST_JWT_SECRET, METRICS_PORT: String(port) }), port: 0 };
    const database = createDatabase(db.url, { poolMax: 1 });
    const gateway = createGateway({ config, database, schema, logger: createLogger("silent") });
    try {
      const error = await gateway.listen().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(describeStartupError(error, { host: config.host, port: config.port })).toBe(
        `METRICS_PORT ${port} on 127.0.0.1 is already in use. Stop that process, or set METRICS_PORT to a free port.`,
      );
    } finally {
      await gateway.close();
      await database.close();
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  test("METRICS=off: no /metrics anywhere", async () => {
    const gw = await start({ METRICS: "off" });
    expect(gw.gateway.metrics).toBeNull();
    expect((await scrape(`${origin(gw.url)}/metrics`)).status).toBe(404);
    await gw.data(`{ __typename }`, {}, { role: "anon" }); // and the gateway serves as before
  });
});

describe("a response cut off after it was built", () => {
  let db: TestDatabase;
  let gw: TestGateway;
  beforeAll(async () => {
    db = await createTestDatabase();
    gw = await startTestGateway({ databaseUrl: db.url, env: { RESPONSE_MAX_BYTES: "1024" } });
  });
  afterAll(async () => {
    await gw?.close();
    await db?.close();
  });

  test("counts as an error with the code the client got, RESPONSE_TOO_LARGE", async () => {
    // Introspection reads nothing from PostgreSQL, so only the serialized body's cap (useResponseCap) stops it.
    const res = await gw.gql(`query Schema { __schema { types { name description } } }`);
    expect(res.status).toBe(422);
    expect(res.body.errors?.[0].extensions?.code).toBe("RESPONSE_TOO_LARGE");
    const exposition = await metricsOf(gw);
    expect(valueOf(exposition, REQUESTS, op("query", "Schema", "error"))).toBe(1);
    expect(valueOf(exposition, REQUESTS, op("query", "Schema", "ok"))).toBeUndefined();
    expect(valueOf(exposition, ERRORS, { code: "RESPONSE_TOO_LARGE" })).toBe(1);
  });
});

describe("key-set refresh failures", () => {
  let db: TestDatabase;
  let gw: TestGateway;
  let jwks: Server;
  let fetches = 0;
  beforeAll(async () => {
    db = await createTestDatabase();
    jwks = createServer((_request, response) => {
      fetches++;
      response.writeHead(503).end();
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    gw = await startTestGateway({ databaseUrl: db.url, env: { SUPABASE_JWKS_URL: jwksUrl, JWT_ISSUER: "http://auth.test/auth/v1" } });
    await gw.gateway.signingKeys!.ready();
  });
  afterAll(async () => {
    await gw?.close();
    await db?.close();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  test("a failed load counts, and the status gauge says UNAVAILABLE", async () => {
    const exposition = await metricsOf(gw);
    expect(fetches).toBeGreaterThanOrEqual(1);
    expect(valueOf(exposition, "hotdash_jwks_refresh_failures_total")).toBe(fetches);
    expect(valueOf(exposition, "hotdash_jwks_status", { status: "UNAVAILABLE" })).toBe(1);
    for (const status of ["FRESH", "STALE", "LOADING"]) expect(valueOf(exposition, "hotdash_jwks_status", { status })).toBe(0);
    expect(valueOf(exposition, "hotdash_jwks_keys")).toBe(0);
  });
});

describe("configuration", () => {
  const DB = "postgres://u:p@127.0.0.1:5432/db";
  const base = { DATABASE_URL: DB, SUPABASE_JWT_SECRET: "x".repeat(40) };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    return [];
  };

  test("defaults: on, on the main port, no token, with a warning on a real database", () => {
    const config = loadConfig(base);
    expect(config.metrics).toEqual({ enabled: true, token: null, port: null });
    expect(config.warnings.some((w) => /\/metrics is served on the main port without a token/.test(w))).toBe(true);
    expect(loadConfig({ ...base, METRICS_TOKEN: "t".repeat(32) }).warnings.some((w) => /\/metrics/.test(w))).toBe(false);
    expect(loadConfig({ ...base, METRICS_PORT: "9464" }).metrics).toEqual({ enabled: true, token: null, port: 9464 });
    expect(loadConfig({ ...base, METRICS: "off" }).metrics.enabled).toBe(false);
    expect(loadConfig({}).warnings.some((w) => /\/metrics/.test(w))).toBe(false); // the embedded demo
  });

  test("every problem is reported together, one line each", () => {
    expect(problems({ METRICS: "maybe", METRICS_TOKEN: "short", METRICS_PORT: "http" })).toEqual([
      'METRICS: must be true or false (got "maybe")',
      "METRICS_TOKEN: must be at least 16 printable characters without spaces, e.g. openssl rand -hex 32",
      'METRICS_PORT: must be an integer from 0 to 65535 (got "http")',
    ]);
    expect(problems({ METRICS: "off", METRICS_TOKEN: "t".repeat(32), METRICS_PORT: "9464" })).toEqual([
      "METRICS_TOKEN: set, but METRICS is off; remove one of them",
      "METRICS_PORT: set, but METRICS is off; remove one of them",
    ]);
    expect(problems({ PORT: "9464", METRICS_PORT: "9464" })).toEqual(["METRICS_PORT: must differ from PORT (metrics get a port of their own)"]);
  });
});
