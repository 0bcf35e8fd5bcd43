// Per-role budgets (config.budgets): the request body limit, enforced before the body is parsed
// (and before it is read when the token is bad or the declared length is too large), and the
// default depth/cost budgets: the UI's operations and agents' batch writes pass with room, the
// query of issue 8 does not.
import { readdirSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { parse, type OperationDefinitionNode, Kind } from "graphql";
import { describe, expect, test } from "vitest";
import { DEFAULT_BUDGETS } from "../src/config.ts";
import { estimateOperation } from "../src/plugins/limits.ts";
import { schema } from "../src/schema/index.ts";
import { useTestGateway, type TestGateway } from "./support/gateway.ts";
import type { TestDatabase } from "./support/test-database.ts";

const ISSUE_QUERY = `{ adsCampaigns { edges { node { dailyMetrics { campaign { dailyMetrics { campaign { dailyMetrics {
  campaign { dailyMetrics { campaign { name } } } } } } } } } } } }`;

/** A JSON GraphQL request padded to about `bytes` with an unused variable. */
const padded = (bytes: number, query = "{ viewer { role } }") => JSON.stringify({ query, variables: { pad: "x".repeat(bytes) } });

interface RawResponse {
  status: number;
  body: any;
  ms: number;
}

/** POST through node:http so the body can be streamed chunked (no Content-Length). */
function postChunked(url: string, chunks: Iterable<string>, headers: Record<string, string> = {}): Promise<RawResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked", ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null, ms: performance.now() - started }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    // Write the chunks as long as the server reads; it may answer (and stop reading) part-way.
    const iterator = chunks[Symbol.iterator]();
    const pump = () => {
      for (;;) {
        const next = iterator.next();
        if (next.done) return void req.end();
        if (!req.write(next.value)) return void req.once("drain", pump);
      }
    };
    req.on("response", () => req.destroyed || req.end());
    pump();
  });
}

describe("request body limits per role", () => {
  let gw: TestGateway;
  useTestGateway((_db, g) => (gw = g));

  const post = async (body: string, headers: Record<string, string> = {}): Promise<RawResponse> => {
    const started = performance.now();
    const res = await fetch(gw.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    return { status: res.status, body: await res.json(), ms: performance.now() - started };
  };

  test("anon: a 1 MB body is refused 413 PAYLOAD_TOO_LARGE by its Content-Length, at once and unparsed", async () => {
    // Not even JSON: had it been parsed, the answer would be 400.
    const res = await post(`{"query": "{ viewer { role } }", "broken": ${"[".repeat(1024 * 1024)}`);
    expect(res.status).toBe(413);
    expect(res.body.errors[0]).toMatchObject({
      message: `Request body too large: the anon limit is ${DEFAULT_BUDGETS.anon.maxBodyBytes} bytes.`,
      extensions: { code: "PAYLOAD_TOO_LARGE", maxBodyBytes: DEFAULT_BUDGETS.anon.maxBodyBytes },
    });
    expect(res.ms).toBeLessThan(5_000);
    // The gateway serves the next request as usual.
    expect((await post(JSON.stringify({ query: "{ viewer { role } }" }))).body).toEqual({ data: { viewer: { role: "anon" } } });
  });

  test("a bad token is 401 UNAUTHENTICATED before the body is looked at", async () => {
    const res = await post(padded(1024 * 1024), { authorization: "Bearer not.a.jwt" });
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "MALFORMED_TOKEN" });
  });

  test("each role has its own limit: authenticated refuses 1 MB, service_role accepts it", async () => {
    const asUser = await post(padded(1024 * 1024), { authorization: `Bearer ${await gw.token("authenticated")}` });
    expect(asUser.status).toBe(413);
    expect(asUser.body.errors[0].message).toMatch(/the authenticated limit is 262144 bytes/);

    const asService = await post(padded(1024 * 1024), { authorization: `Bearer ${await gw.token("service_role")}` });
    expect(asService.status).toBe(200);
    expect(asService.body).toEqual({ data: { viewer: { role: "service_role" } } });
  });

  test("without Content-Length (chunked), the body is counted while read and cut off at the limit", async () => {
    // 64 KB chunks of JSON-looking padding, 4 MB in all: the gateway stops after ~32 KB.
    const chunks = (function* () {
      yield `{"query": "{ viewer { role } }", "variables": {"pad": "`;
      for (let i = 0; i < 64; i++) yield "x".repeat(64 * 1024);
      yield `"}}`;
    })();
    const res = await postChunked(gw.url, chunks);
    expect(res.status).toBe(413);
    expect(res.body.errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");

    // Small chunked bodies are fine.
    const small = await postChunked(gw.url, [`{"query": "{ viewer`, ` { role } }"}`]);
    expect(small).toMatchObject({ status: 200, body: { data: { viewer: { role: "anon" } } } });
  });

  test("a Content-Length that lies: a larger body than declared is read only as far as declared; a larger declared one is refused without waiting", async () => {
    const raw = (head: string, body: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(gw.url).port), "127.0.0.1", () => socket.write(head + body));
        let text = "";
        socket.setEncoding("utf8");
        socket.on("data", (d) => {
          text += String(d);
          // The first response is all we need.
          if (/\r\n\r\n[\s\S]*\}\s*$/.test(text)) socket.destroy();
        });
        socket.on("close", () => resolve(text));
        socket.on("error", reject);
        setTimeout(() => socket.destroy(), 5_000).unref();
      });
    const request = (length: number) =>
      `POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;

    // Declares 20 bytes, sends 1 MB: the body ends after 20 bytes (invalid JSON), and the surplus is
    // no request either: 400 (Node's HTTP parser closes the connection), nothing of it parsed as JSON.
    const shorter = await raw(request(20), padded(1024 * 1024));
    expect(shorter).toMatch(/^HTTP\/1\.1 400/);
    expect(
      (
        await fetch(gw.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: "{ viewer { role } }" }),
        })
      ).status,
    ).toBe(200);

    // Declares 10 MB, sends a few bytes: refused by the declaration, without waiting for the rest.
    const longer = await raw(request(10 * 1024 * 1024), `{"query": "{ viewer { role } }"}`);
    expect(longer).toMatch(/^HTTP\/1\.1 413/);
    expect(longer).toMatch(/PAYLOAD_TOO_LARGE/);
  });

  test("GET requests and GraphiQL are unaffected", async () => {
    const get = await fetch(`${gw.url}?query=${encodeURIComponent("{ viewer { role } }")}`, { headers: { accept: "application/json" } });
    expect(await get.json()).toEqual({ data: { viewer: { role: "anon" } } });
    const page = await fetch(gw.url, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/HotDash Gateway/);
  });
});

describe("default depth and cost budgets", () => {
  let db: TestDatabase;
  let gw: TestGateway;
  useTestGateway((d, g) => ((db = d), (gw = g)));

  const operations = readdirSync("operations")
    .filter((f) => f.endsWith(".graphql"))
    .flatMap((file) => {
      const document = parse(readFileSync(`operations/${file}`, "utf8"));
      return document.definitions
        .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
        .map((op) => ({ name: op.name!.value, document }));
    });

  test.each(operations.map((o) => [o.name, o] as const))(
    "the UI's %s fits the authenticated budget at most half-used, at its worst case",
    (_name, { name, document }) => {
      // No variables: every list at its default or maximum (CampaignList: 100 campaigns, no range → 366 days each).
      const estimate = estimateOperation(schema, document, name, {})!;
      expect(estimate.depth).toBeLessThanOrEqual(DEFAULT_BUDGETS.authenticated.maxDepth - 4);
      expect(estimate.cost).toBeLessThanOrEqual(DEFAULT_BUDGETS.authenticated.maxCost / 2);
    },
  );

  test("the query of issue 8 is refused for authenticated, naming the estimate, the budget and the path", async () => {
    const res = await gw.gql(ISSUE_QUERY, {}, { role: "authenticated" });
    expect(res.status).toBe(400);
    const error = res.body.errors![0];
    expect(error.extensions).toMatchObject({
      code: "QUERY_TOO_COSTLY",
      maxCost: DEFAULT_BUDGETS.authenticated.maxCost,
      path: "adsCampaigns.edges.node.dailyMetrics.campaign.dailyMetrics.campaign.dailyMetrics.campaign.dailyMetrics",
    });
    expect(error.message).toMatch(
      /^Query cost estimate 719,734,886,202 exceeds the authenticated budget of 1,000,000; the largest term is adsCampaigns\.edges\.node\.dailyMetrics\.campaign\.dailyMetrics\.campaign\.dailyMetrics\.campaign\.dailyMetrics \(up to 358,884,198,720 items\)/,
    );
    // One level of the cycle with a full default page is refused too; the dashboard's own shape passes.
    expect(
      (
        await gw.failure(
          `{ adsCampaigns { edges { node { dailyMetrics { campaign { dailyMetrics { spendCents } } } } } } }`,
          {},
          { role: "authenticated" },
        )
      ).extensions.code,
    ).toBe("QUERY_TOO_COSTLY");
    await gw.data(`{ adsCampaigns(first: 100) { edges { node { name dailyMetrics { metricDate spendCents } } } } }`, {}, { role: "authenticated" });
  });

  test("agents' batch writes pass at their maximum size: 10,000 metric rows, 1,000 QC checks returned in full", async () => {
    const { rows } = await db.pool.query(
      `insert into ads_campaigns (campaign_id, platform, campaign_name, status, budget_cents, start_date)
       values ('batch-1', 'meta', 'Batch', 'active', 100, '2000-01-01') returning id`,
    );
    const day = (i: number) => new Date(Date.UTC(2000, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    const metrics = Array.from({ length: 10_000 }, (_, i) => ({
      campaignId: rows[0].id,
      metricDate: day(i),
      spendCents: i,
      clicks: 1,
      impressions: 10,
    }));
    const upsert = await gw.data(
      `mutation ($metrics: [AdsDailyMetricInput!]!) { upsertAdsDailyMetrics(input: { metrics: $metrics }) { inserted unchanged } }`,
      { metrics },
    );
    expect(upsert.upsertAdsDailyMetrics.inserted).toBe(10_000);

    const run = await db.pool.query(`insert into agent_run (agent_name) values ('batch-agent') returning run_id`);
    const checks = Array.from({ length: 1000 }, (_, i) => ({
      runId: run.rows[0].run_id,
      qualityScore: 1 + (i % 5),
      checker: "grader",
      notes: `check ${i}`,
    }));
    const recorded = await gw.data(
      `mutation ($checks: [AgentQcCheckInput!]!) { recordAgentQcChecks(input: { checks: $checks }) { id qualityScore checker notes createdAt run { id agentName } } }`,
      { checks },
    );
    expect(recorded.recordAgentQcChecks).toHaveLength(1000);
  });
});

describe("the estimate itself", () => {
  test("fragments count like the selections they stand for, and spreading them many times stays cheap to estimate", () => {
    // F0 spreads F1 twice, F1 spreads F2 twice, …: 2^30 spreads if walked naively.
    const levels = 30;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i < levels - 1
        ? `fragment F${i} on AdsCampaign { ...F${i + 1} ...F${i + 1} }`
        : `fragment F${i} on AdsCampaign { name dailyMetrics { spendCents } }`,
    );
    const withFragments = parse(`{ adsCampaigns { edges { node { ...F0 } } } } ${fragments.join(" ")}`);
    const started = performance.now();
    const estimate = estimateOperation(schema, withFragments, null, {})!;
    expect(performance.now() - started).toBeLessThan(1_000);
    // Overlapping fields merge in the response, but the estimate counts each spread: an overestimate.
    expect(estimate.cost).toBeGreaterThan(1e9);
    expect(estimate.depth).toBe(5);

    const inline = estimateOperation(schema, parse(`{ adsCampaigns { edges { node { name dailyMetrics { spendCents } } } } }`), null, {})!;
    const once = estimateOperation(
      schema,
      parse(`{ adsCampaigns { edges { node { ...F } } } } fragment F on AdsCampaign { name dailyMetrics { spendCents } }`),
      null,
      {},
    )!;
    expect(once).toEqual(inline);
  });

  test("variables count with their values; a missing `first` counts the default page, a range its days", () => {
    const query = parse(
      `query ($n: Int, $range: DateRange) { adsCampaigns(first: $n) { edges { node { dailyMetrics(range: $range) { spendCents } } } } }`,
    );
    const cost = (variables: Record<string, unknown>) => estimateOperation(schema, query, null, variables)!.cost;
    // adsCampaigns + edges + n × (node + dailyMetrics + days × spendCents)
    expect(cost({ n: 5, range: { from: "2025-01-01", to: "2025-01-31" } })).toBe(2 + 5 * (2 + 31));
    expect(cost({ range: { from: "2025-01-01", to: "2025-01-31" } })).toBe(2 + 20 * (2 + 31));
    expect(cost({ n: 5 })).toBe(2 + 5 * (2 + 366));
    expect(cost({ n: 5000 })).toBe(2 + 100 * (2 + 366)); // pages are capped at 100
  });
});

describe("subscriptions are held to the same budget", () => {
  let gw: TestGateway;
  useTestGateway((_db, g) => (gw = g), { events: {} });

  test("a cyclic live-queue selection is refused before the stream starts", async () => {
    const res = await fetch(gw.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${await gw.token("authenticated")}` },
      body: JSON.stringify({
        query: `subscription { approvalQueueEvents { approval { feedback { approval { feedback { approval { feedback { approval { feedback { id } } } } } } } } } }`,
      }),
    });
    const text = await res.text();
    expect(text).toMatch(/QUERY_TOO_COSTLY/);
    expect(text).toMatch(/approvalQueueEvents\.approval\.feedback\.approval\.feedback/);
  });
});
