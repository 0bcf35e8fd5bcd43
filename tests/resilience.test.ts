// Work stops when its budget runs out, whatever the database or the network does: a black-holed
// database (D6), the response size cap, and the event loop staying free while the heaviest accepted
// query runs. Real PostgreSQL behind a loopback proxy that can go silent (tests/support/tcp-proxy.ts).
import { GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";
import type { GatewayContext } from "../src/context/types.ts";
import { createDatabase, type Database } from "../src/db/client.ts";
import { seedDemoData } from "../src/db/seed/index.ts";
import { createLogger } from "../src/logger.ts";
import { NO_CATALOGUE } from "../src/catalogue/index.ts";
import { createGateway, type Gateway } from "../src/server.ts";
import { signDevToken } from "../src/context/auth.ts";
import { startTestGateway, TEST_JWT_SECRET, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy.ts";

const COUNT = "{ agentApprovals(first: 1) { totalCount } }";
/** Generous: a busy 2-core box can be slow, but nothing here may wait for the outage to end. */
const SLACK_MS = 5_000;

async function eventually<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const timed = async <T>(work: Promise<T>): Promise<{ value: T; ms: number }> => {
  const started = Date.now();
  const value = await work;
  return { value, ms: Date.now() - started };
};

describe("configuration of the budgets and caps", () => {
  test("defaults; the largest role budget bounds every statement client-side", () => {
    const config = loadConfig({});
    expect(config.responseMaxBytes).toBe(10 * 1024 * 1024);
    expect(config.subscriptions).toEqual({ maxPerCaller: 10, maxTotal: 200 });
    expect(config.db.queryTimeoutMs).toBe(Math.max(...Object.values(config.budgets).map((b) => b.timeoutMs)));
    const tuned = loadConfig({
      RESPONSE_MAX_BYTES: "2048",
      SUBSCRIPTIONS_MAX_PER_CALLER: "3",
      SUBSCRIPTIONS_MAX_TOTAL: "50",
      SERVICE_ROLE_TIMEOUT_MS: "45000",
    });
    expect(tuned).toMatchObject({ responseMaxBytes: 2048, subscriptions: { maxPerCaller: 3, maxTotal: 50 }, db: { queryTimeoutMs: 45_000 } });
  });

  test("DB_TX_TIMEOUT_MS is refused with a pointer to the per-role budgets, so a leftover setting does not silently stop applying", () => {
    let error: unknown;
    try {
      loadConfig({ DB_TX_TIMEOUT_MS: "10000", RESPONSE_MAX_BYTES: "1" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^DB_TX_TIMEOUT_MS: replaced by ANON_TIMEOUT_MS, AUTHENTICATED_TIMEOUT_MS and SERVICE_ROLE_TIMEOUT_MS/),
      expect.stringMatching(/^RESPONSE_MAX_BYTES: must be an integer from 1024/),
    ]);
  });
});

describe("a database that goes silent mid-request (D6)", () => {
  const BUDGET_MS = 3_000;
  let db: TestDatabase;
  let proxy: TcpProxy;
  let gw: TestGateway;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await startTcpProxy(db.url);
    gw = await startTestGateway({ databaseUrl: proxy.url, env: { AUTHENTICATED_TIMEOUT_MS: String(BUDGET_MS) } });
  });
  afterAll(async () => {
    proxy?.resume();
    await gw?.close();
    await proxy?.close();
    await db?.close();
  });

  test(
    "in-flight and new requests end with 503 TIMEOUT within the budget, /health answers, and the gateway recovers",
    { timeout: 60_000 },
    async () => {
      await gw.data(COUNT, {}, { role: "authenticated" }); // the pool holds a live connection through the proxy

      // Hold the gateway's statement on a lock, so its transaction is open when the network goes silent.
      const locker = new pg.Client({ connectionString: db.url });
      await locker.connect();
      await locker.query("begin");
      await locker.query('lock table "AgentApproval" in access exclusive mode');
      const inFlight = timed(gw.gql(COUNT, {}, { role: "authenticated" }));
      await eventually(
        async () =>
          (
            await db.pool.query<{ n: number }>(
              "select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'hotdash-gateway' and wait_event_type = 'Lock'",
            )
          ).rows[0].n > 0,
        BUDGET_MS,
        "the gateway's statement to wait on the lock",
      );
      proxy.blackHole();
      await locker.query("commit"); // the answer now goes into the black hole
      await locker.end();

      const arriving = timed(gw.gql(COUNT, {}, { role: "authenticated" }));
      const health = await timed(fetch(`${new URL(gw.url).origin}/health`));
      expect(health.value.status).toBe(200);
      expect(health.ms).toBeLessThan(2_000);

      // Before the fix both waited for the outage to end (here: 25 s, when the proxy resumes).
      const outage = setTimeout(() => proxy.resume(), 25_000);
      try {
        for (const { value: res, ms } of [await inFlight, await arriving]) {
          expect(res.status, JSON.stringify(res.body)).toBe(503);
          expect(res.body.errors?.[0]?.extensions?.code).toBe("TIMEOUT");
          expect(ms).toBeLessThan(BUDGET_MS + SLACK_MS);
        }
      } finally {
        clearTimeout(outage);
        proxy.resume();
      }

      // The stopped connections were dropped; the pool opens fresh ones and answers again.
      const recovered = await eventually(
        async () => {
          const res = await gw.gql(COUNT, {}, { role: "authenticated" });
          return res.status === 200 && res.body.data ? res.body.data : undefined;
        },
        15_000,
        "a successful query after the outage",
      );
      expect(recovered).toEqual({ agentApprovals: { totalCount: 0 } });
    },
  );
});

describe("stopped operations: the response size cap (RESPONSE_MAX_BYTES) and an abandoned execution", () => {
  const MAX_BYTES = 64 * 1024;
  const BUDGET_MS = 1_500;
  /** authenticated's budget here, and when lateSleep starts its statement within it. */
  const LONG_BUDGET_MS = 4_000;
  const LATE_START_MS = 3_000;
  /** What the abandoned resolver below met when it tried to use the database after its budget ran out. */
  let late: string | undefined;
  // A schema of its own: one field that reads rows from PostgreSQL, one that builds text without SQL.
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType<unknown, GatewayContext>({
      name: "Query",
      fields: {
        rows: {
          type: new GraphQLList(GraphQLString),
          args: { n: { type: new GraphQLNonNull(GraphQLInt) } },
          resolve: async (_root, { n }: { n: number }, ctx) =>
            (await ctx.db.$queryRaw<{ s: string }[]>`select repeat('x', 1000) as s from generate_series(1, ${n}::int)`).map((r) => r.s),
        },
        text: { type: GraphQLString, args: { n: { type: new GraphQLNonNull(GraphQLInt) } }, resolve: (_root, { n }: { n: number }) => "x".repeat(n) },
        // Starts a long statement late in its budget: statement_timeout alone would let it run a whole budget on.
        lateSleep: {
          type: GraphQLString,
          resolve: async (_root, _args, ctx) => {
            await new Promise((resolve) => setTimeout(resolve, LATE_START_MS));
            await ctx.db.$queryRaw`select pg_sleep(60)::text`;
            return "woke";
          },
        },
        // Busy without SQL past the budget, then tries a statement that would succeed on a live handle.
        late: {
          type: GraphQLString,
          resolve: async (_root, _args, ctx) => {
            await new Promise((resolve) => setTimeout(resolve, BUDGET_MS + 1_000));
            try {
              await ctx.db.$queryRaw`select 1`;
              late = "ran";
            } catch (error) {
              late = (error as Error).message;
            }
            return "done";
          },
        },
      },
    }),
  });
  let db: TestDatabase;
  let database: Database;
  let gateway: Gateway;
  let url: string;
  const logs: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = {
      DATABASE_URL: db.url,
      SUPABASE_JWT_SECRET: TEST_JWT_SECRET,
      RESPONSE_MAX_BYTES: String(MAX_BYTES),
      ANON_TIMEOUT_MS: String(BUDGET_MS),
      AUTHENTICATED_TIMEOUT_MS: String(LONG_BUDGET_MS),
    };
    const config = { ...loadConfig(env), port: 0 };
    database = createDatabase(db.url, { ...config.db, poolMax: 2 });
    // This file's own small schema: no catalogue, any document.
    gateway = createGateway({
      config: { ...config, trustedDocuments: "off" },
      database,
      schema,
      logger: createLogger("debug", { write: (line) => void logs.push(line) }),
      catalogue: NO_CATALOGUE,
    });
    ({ url } = await gateway.listen());
  });
  afterAll(async () => {
    await gateway?.close();
    await database?.close();
    await db?.close();
  });

  const post = async (query: string, token?: string) => {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/graphql-response+json" };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query }) });
    return {
      status: response.status,
      requestId: response.headers.get("x-request-id"),
      body: (await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions: Record<string, unknown> }> },
    };
  };

  test("an operation reading past the cap from PostgreSQL is stopped while it reads (50 MB of rows), with RESPONSE_TOO_LARGE", async () => {
    const { value: res, ms } = await timed(post("{ rows(n: 50000) }"));
    expect(res.status).toBe(422);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: "RESPONSE_TOO_LARGE", requestId: res.requestId } });
    expect(res.body.errors?.[0]?.message).toMatch(new RegExp(`limit of ${MAX_BYTES} bytes \\(RESPONSE_MAX_BYTES\\)`));
    expect(ms).toBeLessThan(SLACK_MS);
    // Its connection was dropped; the pool's next one works.
    expect((await post("{ rows(n: 3) }")).body).toEqual({ data: { rows: ["x".repeat(1000), "x".repeat(1000), "x".repeat(1000)] } });
    expect(logs.some((l) => l.includes('"msg":"Operation stopped"') && l.includes("RESPONSE_TOO_LARGE"))).toBe(true);
  });

  test("an execution stopped by its budget cannot send SQL afterwards: its database handle is closed", async () => {
    const { value: res, ms } = await timed(post("{ late }"));
    expect(res.status).toBe(503);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("TIMEOUT");
    expect(ms).toBeLessThan(BUDGET_MS + SLACK_MS);
    await eventually(() => late !== undefined, 10_000, "the abandoned resolver to try its statement");
    // Refused by the handle itself, before reaching any connection (Prisma's own COMMIT/ROLLBACK
    // attempt afterwards meets the destroyed socket).
    expect(late).toMatch(/This operation was stopped/);
  });

  test("the statement running when the budget runs out is cancelled on the server too, not left to statement_timeout", async () => {
    const res = await post("{ lateSleep }", await signDevToken(TEST_JWT_SECRET, "authenticated"));
    expect(res.body.errors?.[0]?.extensions?.code).toBe("TIMEOUT");
    // Watch the server: the statement began ~1 s before the deadline; statement_timeout alone would
    // end it a whole budget (4 s) after it began, the cancel request right at the deadline.
    let oldestMs = 0;
    await eventually(
      async () => {
        const { rows } = await db.pool.query<{ ms: number }>(
          "select (extract(epoch from now() - query_start) * 1000)::int as ms from pg_stat_activity where datname = current_database() and application_name = 'hotdash-gateway' and state = 'active' and query like '%pg_sleep%'",
        );
        for (const row of rows) oldestMs = Math.max(oldestMs, row.ms);
        return rows.length === 0;
      },
      10_000,
      "the cancelled statement to end",
    );
    expect(oldestMs).toBeLessThan(LONG_BUDGET_MS - 1_000);
  });

  test("a response that serializes past the cap without reading much is replaced by RESPONSE_TOO_LARGE", async () => {
    const res = await post(`{ text(n: ${MAX_BYTES + 1}) }`);
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      errors: [{ message: expect.stringMatching(/RESPONSE_MAX_BYTES/), extensions: { code: "RESPONSE_TOO_LARGE", requestId: res.requestId } }],
    });
    expect((await post("{ text(n: 1000) }")).status).toBe(200);
  });
});

describe("the event loop stays free while the heaviest accepted service_role query runs", () => {
  let db: TestDatabase;
  let gw: TestGateway;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDemoData(db.url);
    gw = await startTestGateway({ databaseUrl: db.url, poolMax: 5, env: { SERVICE_ROLE_TIMEOUT_MS: "15000" } });
  }, 120_000);
  afterAll(async () => {
    await gw?.close();
    await db?.close();
  });

  // The widest shapes the schema has, at maximum page sizes and back through their relations; the
  // cost budget decides which are accepted. Each accepted one runs against /health and a small query.
  const CANDIDATES = [
    // The query of issue 8, which froze the gateway for minutes.
    "{ adsCampaigns { edges { node { dailyMetrics { campaign { dailyMetrics { campaign { dailyMetrics { campaign { dailyMetrics { campaign { name } } } } } } } } } } } }",
    "{ adsCampaigns(first: 100) { edges { node { name dailyMetrics { metricDate impressions clicks campaign { name dailyMetrics { metricDate clicks } } } } } } }",
    "{ reorderPoints(first: 100) { edges { node { sku latestSnapshot { onHandQuantity } supplier { name reorderPoints { sku latestSnapshot { unitsSold } } } } } } }",
    "{ adsCampaigns(first: 100) { edges { node { name dailyMetrics { metricDate impressions clicks spendCents conversions roas ctr } } } } }",
  ];

  test("/health and a small query answer within 2 s meanwhile", { timeout: 120_000 }, async () => {
    let accepted = 0;
    // Warm the probes' own paths (first connections, first compiled statements) so only the heavy query is measured.
    await fetch(`${new URL(gw.url).origin}/health`);
    await gw.data("{ viewer { role } }", {}, { role: "authenticated" });
    for (const query of CANDIDATES) {
      const heavy = timed(gw.gql(query));
      let finished = false;
      void heavy.then(() => (finished = true));
      const probes: number[] = [];
      while (!finished) {
        const health = await timed(fetch(`${new URL(gw.url).origin}/health`));
        const small = await timed(gw.gql("{ viewer { role } }", {}, { role: "authenticated" }));
        expect(health.value.status).toBe(200);
        expect(small.value.body.data).toEqual({ viewer: { role: "authenticated" } });
        probes.push(health.ms, small.ms);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const { value: res } = await heavy;
      const code = res.body.errors?.[0]?.extensions?.code;
      if (code === "QUERY_TOO_COSTLY" || code === "QUERY_TOO_DEEP") continue; // refused before running: nothing to starve
      accepted++;
      expect(Math.max(...probes), `probes while ${query.slice(0, 60)}… ran (${res.status} ${code ?? "ok"})`).toBeLessThan(2_000);
    }
    expect(accepted, "at least one heavy candidate must be accepted, or this test proves nothing").toBeGreaterThan(0);
  });
});
