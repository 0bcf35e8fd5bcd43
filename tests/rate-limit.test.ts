// Per-agent budgets (src/plugins/rate-limit.ts) against real gateways and the real Redis on
// 127.0.0.1:6379: requests and cost per minute, refused with 429 + Retry-After + RATE_LIMITED before
// any SQL; one budget across two instances sharing Redis, one per instance without it; agent keys
// counted apart; a Redis that stops answering falls back to the instance's own counters. Every test
// gets its own key prefix (REDIS_KEY_PREFIX) under this run's, and the run's keys are deleted after.
import { randomBytes } from "node:crypto";
import { parse } from "graphql";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createAgentKey } from "../src/auth/agent-keys.ts";
import { estimateOperation } from "../src/plugins/limits.ts";
import { schema } from "../src/schema/index.ts";
import { configProblems } from "./support/config.ts";
import { startTestGateway, type GqlResponse, type TestGateway } from "./support/gateway.ts";
import { openSse } from "./support/sse.ts";
import { startTcpProxy } from "./support/tcp-proxy.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const REDIS_URL = "redis://127.0.0.1:6379";
const RUN_PREFIX = `hotdash-test:rate-limit:${randomBytes(6).toString("hex")}:`;
const QUERY = `{ adsCampaigns(first: 1) { edges { node { id } } } }`;

let db: TestDatabase;
let redis: Redis;
const started: TestGateway[] = [];
let prefixes = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await Promise.all(started.map((gw) => gw.close()));
  const keys = await redis.keys(`${RUN_PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await db?.close();
});

/** A gateway on the shared test database; `prefix` keeps its counters apart from other tests'. */
async function gateway(env: Record<string, string>, options: { logs?: string[]; events?: object } = {}): Promise<TestGateway> {
  const gw = await startTestGateway({ databaseUrl: db.url, env, ...options });
  started.push(gw);
  return gw;
}
const newPrefix = () => `${RUN_PREFIX}${++prefixes}:`;

function expectRateLimited(res: GqlResponse, budget: "requestsPerMinute" | "costPerMinute") {
  expect(res.status, JSON.stringify(res.body)).toBe(429);
  const retryAfter = res.headers.get("retry-after");
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  expect(res.body.data).toBeUndefined();
  expect(res.body.errors).toHaveLength(1);
  const error = res.body.errors![0];
  expect(error.extensions).toMatchObject({ code: "RATE_LIMITED", budget, retryAfterSeconds: Number(retryAfter) });
  expect(error.message).toContain(`retry in ${retryAfter} s`);
  return error;
}

describe("requests per minute", () => {
  test("past the budget: 429, Retry-After, RATE_LIMITED naming the limit, and no SQL runs", async () => {
    const gw = await gateway({ REDIS_URL, REDIS_KEY_PREFIX: newPrefix(), SERVICE_ROLE_REQUESTS_PER_MINUTE: "3" });
    for (let i = 0; i < 3; i++) expect((await gw.gql(QUERY)).status).toBe(200);
    const before = gw.database.statementCount();
    const refused = await gw.gql(QUERY);
    expect(gw.database.statementCount()).toBe(before);
    const error = expectRateLimited(refused, "requestsPerMinute");
    expect(error.message).toMatch(/^Rate limited: the service_role budget of 3 requests per minute is used up; retry in \d+ s\.$/);
    expect(error.extensions).toMatchObject({ limit: 3, unit: "requests" });
    expect(error.extensions).not.toHaveProperty("http");
    // Another caller of the same role has a budget of its own.
    expect((await gw.gql(QUERY, {}, { sub: "someone-else" })).status).toBe(200);
    // The refusal is counted like the gateway's other refusals.
    const metrics = await (await fetch(gw.url.replace("/graphql", "/metrics"))).text();
    expect(metrics).toMatch(/hotdash_graphql_errors_total\{code="RATE_LIMITED"\} 1/);
  });

  test("two gateways sharing REDIS_URL enforce one budget: it trips at the total", async () => {
    const env = { REDIS_URL, REDIS_KEY_PREFIX: newPrefix(), AUTHENTICATED_REQUESTS_PER_MINUTE: "6" };
    const [a, b] = await Promise.all([gateway(env), gateway(env)]);
    for (let i = 0; i < 3; i++) {
      expect((await a.gql(QUERY, {}, { role: "authenticated" })).status).toBe(200);
      expect((await b.gql(QUERY, {}, { role: "authenticated" })).status).toBe(200);
    }
    expectRateLimited(await a.gql(QUERY, {}, { role: "authenticated" }), "requestsPerMinute");
    expectRateLimited(await b.gql(QUERY, {}, { role: "authenticated" }), "requestsPerMinute");
  });

  test("without REDIS_URL each gateway counts in process", async () => {
    const env = { SERVICE_ROLE_REQUESTS_PER_MINUTE: "2" };
    const [a, b] = await Promise.all([gateway(env), gateway(env)]);
    for (let i = 0; i < 2; i++) expect((await a.gql(QUERY)).status).toBe(200);
    expectRateLimited(await a.gql(QUERY), "requestsPerMinute");
    for (let i = 0; i < 2; i++) expect((await b.gql(QUERY)).status).toBe(200);
    expectRateLimited(await b.gql(QUERY), "requestsPerMinute");
  });

  test("two agent keys have budgets of their own", async () => {
    const gw = await gateway({ REDIS_URL, REDIS_KEY_PREFIX: newPrefix(), SERVICE_ROLE_REQUESTS_PER_MINUTE: "2" });
    const [one, two] = [await createAgentKey(gw.database.prisma, "budget-bot-one"), await createAgentKey(gw.database.prisma, "budget-bot-two")];
    const as = (key: string) => ({ role: "anon" as const, headers: { authorization: `Bearer ${key}` } });
    for (let i = 0; i < 2; i++) expect((await gw.gql(QUERY, {}, as(one.key))).status).toBe(200);
    expectRateLimited(await gw.gql(QUERY, {}, as(one.key)), "requestsPerMinute");
    for (let i = 0; i < 2; i++) expect((await gw.gql(QUERY, {}, as(two.key))).status).toBe(200);
    expectRateLimited(await gw.gql(QUERY, {}, as(two.key)), "requestsPerMinute");
    // The counters are the keys' ids, in Redis.
    expect(await redis.get(`${RUN_PREFIX}${prefixes}:requestsPerMinute:service_role:key:${one.id}`)).toBe("3");
  });

  test("anonymous callers are counted by their address; 0 means unlimited", async () => {
    const gw = await gateway({ ANON_REQUESTS_PER_MINUTE: "2", AUTHENTICATED_REQUESTS_PER_MINUTE: "0" });
    const viewer = "{ viewer { role } }";
    for (let i = 0; i < 2; i++) expect((await gw.gql(viewer, {}, { role: "anon" })).status).toBe(200);
    expectRateLimited(await gw.gql(viewer, {}, { role: "anon" }), "requestsPerMinute");
    for (let i = 0; i < 20; i++) expect((await gw.gql(viewer, {}, { role: "authenticated" })).status).toBe(200);
  });
});

describe("subscriptions", () => {
  const QUEUE = `subscription { approvalQueueEvents { event approval { id } } }`;
  const SUBMIT = `mutation($input: SubmitAgentApprovalInput!) { submitAgentApproval(input: $input) { id } }`;

  test("a subscription counts once, however many events it delivers; past the budget one is refused", async () => {
    const gw = await gateway({ REDIS_URL, REDIS_KEY_PREFIX: newPrefix(), AUTHENTICATED_REQUESTS_PER_MINUTE: "2" }, { events: {} });
    const watcher = { authorization: `Bearer ${await gw.token("authenticated", "watcher")}` };
    const stream = await openSse(gw.url, QUEUE, watcher);
    try {
      expect(stream.status).toBe(200);
      for (let i = 0; i < 3; i++) {
        await gw.data(SUBMIT, { input: { kind: "send_reply", summary: `s${i}`, agent: "a", conversationId: "c" } });
        expect((await stream.next()).data.approvalQueueEvents.event).toBe("SUBMITTED");
      }
      expect((await gw.gql(QUERY, {}, { role: "authenticated", sub: "watcher" })).status).toBe(200);
      const refused = await openSse(gw.url, QUEUE, watcher);
      expect(refused.status).toBe(429);
      expect((await refused.next()).errors[0].extensions).toMatchObject({ code: "RATE_LIMITED", budget: "requestsPerMinute", limit: 2 });
      refused.close();
      // The open stream keeps delivering.
      await gw.data(SUBMIT, { input: { kind: "send_reply", summary: "after", agent: "a", conversationId: "c" } });
      expect((await stream.next()).data.approvalQueueEvents.event).toBe("SUBMITTED");
    } finally {
      stream.close();
    }
  });
});

describe("cost per minute", () => {
  const COSTLY = `{ adsCampaigns(first: 50) { edges { node { id name status } } } }`;
  const CHEAP = `{ adsCampaigns(first: 1) { totalCount } }`;
  const costOf = (query: string) => estimateOperation(schema, parse(query), null, {})!.cost;

  test("a costly query passes once, the next is refused before any SQL; a cheap one still fits", async () => {
    const cost = costOf(COSTLY);
    const perMinute = Math.floor(cost * 1.5);
    expect(perMinute - cost).toBeGreaterThan(costOf(CHEAP));
    const gw = await gateway({
      REDIS_URL,
      REDIS_KEY_PREFIX: newPrefix(),
      SERVICE_ROLE_MAX_COST: String(cost),
      SERVICE_ROLE_COST_PER_MINUTE: String(perMinute),
    });
    // Refused by the per-operation limit: it does not spend the per-minute budget.
    expect((await gw.failure(`{ adsCampaigns(first: 60) { edges { node { id name status } } } }`)).extensions.code).toBe("QUERY_TOO_COSTLY");
    expect((await gw.gql(COSTLY)).status).toBe(200);
    const before = gw.database.statementCount();
    const refused = await gw.gql(COSTLY);
    expect(gw.database.statementCount()).toBe(before);
    const error = expectRateLimited(refused, "costPerMinute");
    expect(error.extensions).toMatchObject({ limit: perMinute, cost, used: cost, unit: "cost" });
    expect(error.message).toContain(`would take you past the service_role budget of ${perMinute.toLocaleString("en-US")} per minute`);
    // The refused operation's cost was given back: what is left still takes a cheap query.
    expect((await gw.gql(CHEAP)).status).toBe(200);
  });
});

describe("when Redis is away", () => {
  test("a Redis that stops answering: the instance's own counters decide, with a warning and a metric", async () => {
    const proxy = await startTcpProxy(REDIS_URL);
    try {
      const logs: string[] = [];
      const gw = await gateway({ REDIS_URL: proxy.url, REDIS_KEY_PREFIX: newPrefix(), SERVICE_ROLE_REQUESTS_PER_MINUTE: "3" }, { logs });
      expect((await gw.gql(QUERY)).status).toBe(200); // counted in Redis
      proxy.blackHole();
      const started = performance.now();
      for (let i = 0; i < 3; i++) expect((await gw.gql(QUERY)).status).toBe(200); // in process: its own 3 (4 checks with the cost)
      expectRateLimited(await gw.gql(QUERY), "requestsPerMinute");
      // One check waits for the command timeout; the next ones skip Redis for a while.
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(logs.filter((line) => line.includes("Redis is unreachable"))).toHaveLength(1);
      const metrics = await (await fetch(gw.url.replace("/graphql", "/metrics"))).text();
      expect(metrics).toMatch(/hotdash_rate_limit_store_failures_total 7/);
    } finally {
      proxy.resume();
      await proxy.close();
    }
  });

  test("a gateway whose Redis is down at start serves, counting in process, and closes at once", async () => {
    const logs: string[] = [];
    const gw = await startTestGateway({
      databaseUrl: db.url,
      env: { REDIS_URL: "redis://127.0.0.1:1", SERVICE_ROLE_REQUESTS_PER_MINUTE: "1" },
      logs,
    });
    try {
      expect((await gw.gql(QUERY)).status).toBe(200);
      expectRateLimited(await gw.gql(QUERY), "requestsPerMinute");
      expect(logs.some((line) => line.includes("Redis is unreachable"))).toBe(true);
    } finally {
      const closing = performance.now();
      await gw.close();
      expect(performance.now() - closing).toBeLessThan(2_000);
    }
  });
});

describe("configuration", () => {
  const base = { DATABASE_URL: "postgres://localhost/x", SUPABASE_JWT_SECRET: "x".repeat(40) };

  test("a bad REDIS_URL is a configuration error that does not echo it", () => {
    for (const url of ["http://127.0.0.1:6379", "redis://", "not a url", "redis://:secret-password@"]) {
      const problems = configProblems({ ...base, REDIS_URL: url });
      expect(problems).toEqual(["REDIS_URL: must be a redis:// or rediss:// URL with a host, e.g. redis://127.0.0.1:6379"]);
    }
    expect(configProblems({ ...base, REDIS_URL: "rediss://:pw@cache.example.com:6380/2" })).toEqual([]);
  });

  test("per-minute budgets: integers, 0 = unlimited, and the cost budget takes at least one allowed operation", () => {
    expect(configProblems({ ...base, AUTHENTICATED_REQUESTS_PER_MINUTE: "many" })).toEqual([
      'AUTHENTICATED_REQUESTS_PER_MINUTE: must be an integer from 0 to 100000000 (got "many")',
    ]);
    expect(configProblems({ ...base, ANON_COST_PER_MINUTE: "0", SERVICE_ROLE_REQUESTS_PER_MINUTE: "0" })).toEqual([]);
    expect(configProblems({ ...base, SERVICE_ROLE_COST_PER_MINUTE: "1000" })).toEqual([
      "SERVICE_ROLE_COST_PER_MINUTE: must be 0 (unlimited) or at least SERVICE_ROLE_MAX_COST (2000000), so one allowed operation fits in a minute",
    ]);
  });
});
