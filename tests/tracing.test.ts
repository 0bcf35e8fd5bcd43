/**
 * OpenTelemetry traces: a real gateway exporting over OTLP/HTTP (JSON) to a loopback receiver. One
 * request carrying a W3C traceparent yields a request span continuing the caller's trace, an
 * operation span under it and the SQL statements' spans under that, the request id on each, and no
 * variable value anywhere in what is exported. The statements reach PostgreSQL with their span's
 * traceparent in a sqlcommenter comment, seen where an operator looks: pg_stat_activity.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";
import { sendTraced, type StatementTracer } from "../src/db/statement-trace.ts";
import { runEntryPoint } from "./support/entry-point.ts";
import { startTestGateway, TEST_JWT_SECRET, type GqlResponse, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

/** What an OTLP/HTTP JSON export carries, as far as the test reads it. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
  status?: { code?: number; message?: string };
}
interface OtlpExport {
  resourceSpans: Array<{
    resource: { attributes: OtlpSpan["attributes"] };
    scopeSpans: Array<{ spans: OtlpSpan[] }>;
  }>;
}

/** A loopback OTLP/HTTP receiver: keeps every JSON body POSTed to /v1/traces. */
async function startReceiver(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const ok = req.method === "POST" && req.url === "/v1/traces" && /json/.test(req.headers["content-type"] ?? "");
      if (ok) bodies.push(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(ok ? 200 : 415, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const spansOf = (bodies: string[]): OtlpSpan[] =>
  bodies.flatMap((body) => (JSON.parse(body) as OtlpExport).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? value?.intValue;
};

const CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";
/** A variable value that must never leave the gateway in a span. */
const SECRET = "sk_live_tracing_canary_7f3a9c";
const QUERY = `query CampaignSearch($search: String) { adsCampaigns(first: 5, filter: { search: $search }) { edges { node { id name } } } }`;
const TRACEPARENT_COMMENT = /\/\*traceparent='00-([0-9a-f]{32})-([0-9a-f]{16})-01'\*\//;

/**
 * Runs the search while ads_campaigns is locked from another session, so its statement waits in
 * PostgreSQL long enough to be read from pg_stat_activity; returns that statement's text and the response.
 */
async function searchSeenByPostgres(
  db: TestDatabase,
  gw: TestGateway,
  headers: Record<string, string>,
): Promise<{ seen: string; response: GqlResponse }> {
  const locker = new pg.Client({ connectionString: db.url });
  // Polled outside any transaction: inside one, pg_stat_activity is a snapshot taken at its first read.
  const watcher = new pg.Client({ connectionString: db.url });
  await Promise.all([locker.connect(), watcher.connect()]);
  try {
    await locker.query("BEGIN");
    await locker.query("LOCK TABLE public.ads_campaigns IN ACCESS EXCLUSIVE MODE");
    const pending = gw.gql(QUERY, { search: SECRET }, { role: "authenticated", headers });
    let seen: string | undefined;
    for (let attempt = 0; attempt < 500 && seen === undefined; attempt++) {
      const { rows } = await watcher.query<{ query: string }>(
        `SELECT query FROM pg_stat_activity WHERE application_name = 'hotdash-gateway' AND datname = current_database() AND wait_event_type = 'Lock'`,
      );
      seen = rows[0]?.query;
      if (seen === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await locker.query("COMMIT");
    const response = await pending;
    expect(seen, "the gateway's statement never waited on the lock").toBeDefined();
    return { seen: seen!, response };
  } finally {
    await Promise.all([locker.end(), watcher.end()]);
  }
}

describe("traces over OTLP/HTTP", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    // The search finds it: the secret-like value then also flows back through SQL rows and the response.
    await db.pool.query(`INSERT INTO ads_campaigns (campaign_id, platform, campaign_name, start_date) VALUES ('c1', 'meta', $1, '2026-01-01')`, [
      `Spring ${SECRET}`,
    ]);
  });
  afterAll(() => db?.close());

  it("exports the request, its operation and its SQL statements with the caller's trace, and tells PostgreSQL the trace", async () => {
    const receiver = await startReceiver();
    const gw = await startTestGateway({
      databaseUrl: db.url,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: "gateway-under-test" },
    });
    let seen: string;
    try {
      const result = await searchSeenByPostgres(db, gw, {
        traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
        "x-request-id": "trace-test-1",
      });
      seen = result.seen;
      expect(result.response.status).toBe(200);
      expect(result.response.body).toEqual({ data: { adsCampaigns: { edges: [{ node: { id: expect.any(String), name: `Spring ${SECRET}` } }] } } });
    } finally {
      await gw.close(); // flushes: the spans of the last request are exported on shutdown
      await receiver.close();
    }

    const exported = receiver.bodies.join("\n");
    expect(exported).not.toContain(SECRET);
    expect(exported).not.toContain("Bearer");
    const resource = (JSON.parse(receiver.bodies[0]) as OtlpExport).resourceSpans[0].resource;
    expect(resource.attributes).toContainEqual({ key: "service.name", value: { stringValue: "gateway-under-test" } });

    const spans = spansOf(receiver.bodies);
    const request = spans.find((s) => s.kind === 2 && s.name === "POST /graphql");
    expect(request, JSON.stringify(spans.map((s) => s.name))).toBeDefined();
    expect(request!.traceId).toBe(CALLER_TRACE);
    expect(request!.parentSpanId).toBe(CALLER_SPAN);
    expect(attribute(request!, "http.request.method")).toBe("POST");
    expect(attribute(request!, "http.route")).toBe("/graphql");
    expect(Number(attribute(request!, "http.response.status_code"))).toBe(200);

    const operation = spans.find((s) => s.name === "query CampaignSearch");
    expect(operation?.parentSpanId).toBe(request!.spanId);
    expect(attribute(operation!, "graphql.operation.name")).toBe("CampaignSearch");
    expect(attribute(operation!, "graphql.operation.type")).toBe("query");
    expect(attribute(operation!, "hotdash.role")).toBe("authenticated");

    const statements = spans.filter((s) => attribute(s, "db.system.name") === "postgresql");
    expect(statements.length).toBeGreaterThanOrEqual(4); // the role switch, the search, the rows drawn as JSON, COMMIT
    for (const statement of statements) {
      expect(statement.parentSpanId).toBe(operation!.spanId);
      expect(statement.kind).toBe(3); // CLIENT
    }
    expect(statements.map((s) => attribute(s, "db.query.text"))).toContainEqual(expect.stringMatching(/^select set_config\('role', \$1, true\)/));

    for (const span of spans) {
      expect(span.traceId).toBe(CALLER_TRACE);
      expect(attribute(span, "hotdash.request_id"), span.name).toBe("trace-test-1");
    }

    // The statement PostgreSQL ran names its own span: from a slow query to its trace.
    const [comment, traceId, spanId] = TRACEPARENT_COMMENT.exec(seen) ?? [];
    expect(traceId, seen).toBe(CALLER_TRACE);
    const search = statements.find((s) => s.spanId === spanId);
    expect(seen).toBe(`${String(attribute(search!, "db.query.text"))} ${comment}`); // the span's text, the comment at its end
    expect(seen).toMatch(/ILIKE .*\$1/); // the placeholder, not the value
    expect(seen).not.toContain(SECRET);
  });

  it("marks failed operations' spans with their error code, a refused one included", async () => {
    const receiver = await startReceiver();
    const gw = await startTestGateway({ databaseUrl: db.url, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, AUTHENTICATED_MAX_COST: "20" } });
    try {
      const broken = await gw.gql(`query Broken { adsCampaigns(first: -1) { totalCount } }`, {}, { role: "authenticated" });
      expect(broken.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      // Refused by the cost limit before any SQL: its operation span still says why.
      const costly = await gw.gql(`query Costly { adsCampaigns(first: 50) { edges { node { id name } } } }`, {}, { role: "authenticated" });
      expect(costly.body.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COSTLY");
    } finally {
      await gw.close();
      await receiver.close();
    }
    const spans = spansOf(receiver.bodies);
    for (const [name, code] of [
      ["query Broken", "BAD_USER_INPUT"],
      ["query Costly", "QUERY_TOO_COSTLY"],
    ]) {
      const operation = spans.find((s) => s.name === name);
      const request = spans.find((s) => s.kind === 2 && s.spanId === operation?.parentSpanId);
      for (const span of [operation, request]) {
        expect(span?.status, name).toEqual({ code: 2, message: code }); // STATUS_CODE_ERROR
        expect(attribute(span!, "error.type")).toBe(code);
      }
    }
    const costly = spans.find((s) => s.name === "query Costly");
    expect(attribute(costly!, "hotdash.role")).toBe("authenticated");
    expect(spans.filter((s) => s.parentSpanId === costly!.spanId)).toEqual([]); // no SQL ran
  });

  it("npm start exports the last request's spans when it is stopped (SIGTERM)", async () => {
    const receiver = await startReceiver();
    const run = await runEntryPoint(
      // TRUSTED_DOCUMENTS off: the ad-hoc anon request below is what this test traces.
      { DATABASE_URL: db.url, SUPABASE_JWT_SECRET: TEST_JWT_SECRET, PORT: "0", OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, TRUSTED_DOCUMENTS: "off" },
      { until: /HotDash Gateway is running/, timeoutMs: 90_000 },
    );
    try {
      expect(run.code, run.stdout + run.stderr).toBeNull();
      const url = /GraphiQL\s+(http:\/\/\S+)/.exec(run.stdout)?.[1];
      const response = await fetch(url!, {
        method: "POST",
        headers: { "content-type": "application/json", traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
        body: JSON.stringify({ query: "query WhoAmI { viewer { role } }" }),
      });
      expect(response.status).toBe(200);
    } finally {
      await run.stop();
      await receiver.close();
    }
    expect(run.code).toBe(0);
    const names = spansOf(receiver.bodies).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["POST /graphql", "query WhoAmI"]));
  });

  it("switched off (OTEL_SDK_DISABLED) exports nothing and sends no trace comment to PostgreSQL", async () => {
    const receiver = await startReceiver();
    const gw = await startTestGateway({ databaseUrl: db.url, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SDK_DISABLED: "true" } });
    try {
      const { seen, response } = await searchSeenByPostgres(db, gw, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` });
      expect(response.status).toBe(200);
      expect(seen).toContain("ads_campaigns");
      expect(seen).not.toContain("traceparent");
    } finally {
      await gw.close();
      await receiver.close();
    }
    expect(receiver.bodies).toEqual([]);
  });
});

describe("the traceparent comment on a pg connection", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.close());

  it("reaches the server on plain statements and inside transactions, and leaves named prepared statements as they are", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const started: string[] = [];
    let n = 0;
    const tracer: StatementTracer = {
      start(text) {
        started.push(text);
        return { traceparent: `00-${CALLER_TRACE}-${String(++n).padStart(16, "0")}-01`, end: () => {} };
      },
    };
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    const traced = (...args: unknown[]) => sendTraced(tracer, args, query) as Promise<pg.QueryResult>;
    try {
      const plain = await traced({ text: "SELECT current_query() AS q, $1::text AS v", values: ["x"] });
      expect(plain.rows[0].q).toBe(`SELECT current_query() AS q, $1::text AS v /*traceparent='00-${CALLER_TRACE}-0000000000000001-01'*/`);
      // pg binds a statement name to one text per connection: a second, differently commented text would be refused.
      for (let i = 0; i < 2; i++) {
        const named = await traced({ name: "traced_named", text: "SELECT current_query() AS q", values: [] });
        expect(named.rows[0].q).toBe("SELECT current_query() AS q");
      }
      await traced("BEGIN");
      const inside = await traced("SELECT current_query() AS q");
      expect(inside.rows[0].q).toMatch(/^SELECT current_query\(\) AS q \/\*traceparent=/);
      await traced("COMMIT");
      expect(started).toEqual([
        "SELECT current_query() AS q, $1::text AS v",
        "SELECT current_query() AS q",
        "SELECT current_query() AS q",
        "BEGIN",
        "SELECT current_query() AS q",
        "COMMIT",
      ]);
    } finally {
      await client.end();
    }
  });
});

describe("trace configuration (OTEL_*)", () => {
  const base = { DATABASE_URL: "postgres://localhost/x", SUPABASE_JWT_SECRET: "x".repeat(40) };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return error.problems;
    }
  };

  it("is off without an endpoint, or when the SDK is disabled", () => {
    expect(loadConfig(base).tracing).toBeNull();
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SDK_DISABLED: "true" }).tracing).toBeNull();
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_TRACES_EXPORTER: "none" }).tracing).toBeNull();
  });

  it("reads the endpoint, headers, service name and sampler", () => {
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }).tracing).toEqual({
      url: "http://collector:4318/v1/traces",
      headers: {},
      serviceName: "hotdash-gateway",
      resourceAttributes: {},
      sampler: { name: "parentbased_always_on", ratio: 1 },
    });
    const tracing = loadConfig({
      ...base,
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://ignored:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://collector.example/custom/traces",
      OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=abc%3D%3D,x-team=ops",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod,service.name=from-resource",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.25",
    }).tracing;
    expect(tracing).toEqual({
      url: "https://collector.example/custom/traces",
      headers: { "x-api-key": "abc==", "x-team": "ops" },
      serviceName: "from-resource",
      resourceAttributes: { "deployment.environment": "prod" },
      sampler: { name: "parentbased_traceidratio", ratio: 0.25 },
    });
  });

  it("reports a bad setting in one line, without echoing secrets", () => {
    expect(problems({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })).toEqual([
      "OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL, e.g. http://127.0.0.1:4318",
    ]);
    expect(problems({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_HEADERS: "secret-token-without-equals" })).toEqual([
      "OTEL_EXPORTER_OTLP_HEADERS: must be a comma-separated list of key=value pairs (URL-encoded)",
    ]);
    expect(problems({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_SAMPLER: "sometimes" })[0]).toMatch(
      /^OTEL_TRACES_SAMPLER: must be one of/,
    );
    expect(problems({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4317", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })[0]).toMatch(
      /^OTEL_EXPORTER_OTLP_PROTOCOL: grpc/,
    );
  });
});
