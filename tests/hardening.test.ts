// Client garbage is the client's error, and bounded: forged cursors and deeply nested JSON (D8),
// live-queue subscription caps (D12), http(s)-only evidence links (D15). Real gateway, real database.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { GatewayContext } from "../src/context/types.ts";
import { SUBSCRIPTION_DB_GUARD } from "../src/plugins/rls-transaction.ts";
import { Fanout } from "../src/pubsub/fanout.ts";
import { Semaphore } from "../src/pubsub/limits.ts";
import { perEventTransactions } from "../src/pubsub/rls-events.ts";
import type { GatewayEvents } from "../src/pubsub/index.ts";
import { MAX_JSON_DEPTH } from "../src/schema/scalars.ts";
import { startTestGateway, useTestGateway, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const logs: string[] = [];
let gw: TestGateway;
useTestGateway((_db, g) => (gw = g), { logs });

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const errorLinesFor = (requestId: string) =>
  logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.level === "error" && l.requestId === requestId);

describe("client garbage is BAD_USER_INPUT, logged as the client's error (D8)", () => {
  test("a forged JSON cursor is refused before any SQL, without an error-level log line", async () => {
    const before = gw.database.statementCount();
    const res = await gw.gql(
      "query ($after: String) { agentApprovals(after: $after, first: 1) { edges { node { id } } } }",
      { after: base64('GPC:J:{"id":{"not":null}}') },
      { role: "authenticated", headers: { "x-request-id": "forged-cursor-1" } },
    );
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^Invalid cursor in `after`/),
      extensions: { code: "BAD_USER_INPUT" },
    });
    expect(gw.database.statementCount()).toBe(before);
    expect(errorLinesFor("forged-cursor-1")).toEqual([]);

    // Inline, and in `before`, the same.
    const inline = await gw.failure(`{ agentApprovals(before: "${base64("GPC:N:1")}", last: 1) { totalCount } }`, {}, { role: "authenticated" });
    expect(inline.extensions.code).toBe("BAD_USER_INPUT");
  });

  test("cursors the gateway issued keep working", async () => {
    for (const summary of ["first", "second"]) {
      await gw.data(`mutation { submitAgentApproval(input: { kind: "k", summary: "${summary}", agent: "a", conversationId: "c" }) { id } }`);
    }
    const page = await gw.data("{ agentApprovals(first: 1) { edges { cursor node { id } } } }", {}, { role: "authenticated" });
    const next = await gw.data(
      "query ($after: String) { agentApprovals(first: 1, after: $after) { edges { node { id } } } }",
      { after: page.agentApprovals.edges[0].cursor },
      { role: "authenticated" },
    );
    expect(next.agentApprovals.edges).toHaveLength(1);
    expect(next.agentApprovals.edges[0].node.id).not.toBe(page.agentApprovals.edges[0].node.id);
  });

  test(`JSON input nested thousands deep is refused (at most ${MAX_JSON_DEPTH} levels), without an error-level log line`, async () => {
    const { submitAgentApproval } = await gw.data(
      `mutation { submitAgentApproval(input: { kind: "k", summary: "deep", agent: "a", conversationId: "c" }) { id } }`,
    );
    const nested = (depth: number): unknown => {
      let value: unknown = 1;
      for (let i = 0; i < depth; i++) value = { a: value };
      return value;
    };
    const feedback = "mutation ($id: UUID!, $m: JSON) { submitAgentFeedback(input: { approvalId: $id, rating: 3, meta: $m }) { id } }";
    // Written by hand: JSON.stringify itself may overflow the stack at this depth.
    const body = `{"query":${JSON.stringify(feedback)},"variables":{"id":"${submitAgentApproval.id}","m":${'{"a":'.repeat(6000)}1${"}".repeat(6000)}}}`;
    const response = await fetch(gw.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await gw.token("authenticated")}`, "x-request-id": "deep-json-1" },
      body,
    });
    const res = (await response.json()) as { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
    expect(response.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(res.errors?.[0]?.message).toMatch(new RegExp(`nested more than ${MAX_JSON_DEPTH} levels`));
    expect(errorLinesFor("deep-json-1")).toEqual([]);

    // Deep as a literal too; and the cap itself is accepted.
    const literal = `mutation { submitAgentApproval(input: { kind: "k", summary: "s", agent: "a", conversationId: "c", payload: ${"{a: ".repeat(200)}1${"}".repeat(200)} }) { id } }`;
    expect((await gw.failure(literal)).extensions.code).toBe("BAD_USER_INPUT");
    const atCap = await gw.data(feedback, { id: submitAgentApproval.id, m: nested(MAX_JSON_DEPTH) }, { role: "authenticated" });
    expect(atCap.submitAgentFeedback.id).toEqual(expect.any(String));
  });
});

describe("evidence links are http(s) only (D15)", () => {
  const facts = `mutation ($url: String) { ingestDashboardFacts(input: { facts: [{ shopDomain: "s.myshopify.com", metric: "x.link", factDate: "2026-05-02", value: "1", evidenceUrl: $url }] }) { inserted updated } }`;
  const decision = `mutation ($url: String) { logDecision(input: { scope: "test", action: "x.linked", evidenceUrl: $url }) { evidenceUrl } }`;

  test.each(["javascript:alert(document.domain)", "data:text/html,<script>alert(1)</script>", "  ", "not a url"])("refused: %j", async (url) => {
    for (const mutation of [facts, decision]) {
      const error = await gw.failure(mutation, { url });
      expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
      expect(error.message).toMatch(/evidenceUrl: must be an http\(s\) URL/);
    }
  });

  test("http and https links, and none, are accepted", async () => {
    expect((await gw.data(facts, { url: "https://admin.shopify.com/store/s/reports/1" })).ingestDashboardFacts).toBeTruthy();
    expect((await gw.data(decision, { url: "http://example.com/why" })).logDecision.evidenceUrl).toBe("http://example.com/why");
    expect((await gw.data(decision, {})).logDecision.evidenceUrl).toBeNull();
  });
});

describe("live-queue subscriptions are capped per caller and in total (D12)", () => {
  let db: TestDatabase;
  let live: TestGateway;
  const open: AbortController[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    live = await startTestGateway({ databaseUrl: db.url, events: {}, env: { SUBSCRIPTIONS_MAX_PER_CALLER: "2", SUBSCRIPTIONS_MAX_TOTAL: "3" } });
  });
  afterAll(async () => {
    for (const controller of open) controller.abort();
    await live?.close();
    await db?.close();
  });

  /** Opens an SSE stream; resolves once the gateway has answered with headers (the subscription is set up). */
  async function stream(sub: string) {
    const controller = new AbortController();
    open.push(controller);
    const response = await fetch(live.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${await live.token("authenticated", sub)}` },
      body: JSON.stringify({ query: "subscription { approvalQueueEvents { event approval { summary } } }" }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    /** The next `data:` payload of the stream. */
    const next = async (): Promise<any> => {
      for (;;) {
        const end = text.indexOf("\n\n");
        if (end >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const data = block
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5).trim())
            .join("\n");
          if (data) return JSON.parse(data);
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        text += decoder.decode(value, { stream: true });
      }
    };
    return { status: response.status, next, close: () => controller.abort() };
  }

  test("the caller's third stream, and the gateway's fourth, get TOO_MANY_SUBSCRIPTIONS; a closed stream frees its slot", async () => {
    const first = await stream("op-1");
    await stream("op-1");
    const third = await stream("op-1");
    expect(third.status).toBe(429);
    const refused = await third.next();
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: "TOO_MANY_SUBSCRIPTIONS" } });
    expect(refused.errors[0].message).toMatch(/at most 2 .*SUBSCRIPTIONS_MAX_PER_CALLER/);

    await stream("op-2"); // the third open stream in total
    const overall = await (await stream("op-3")).next();
    expect(overall.errors?.[0]).toMatchObject({ extensions: { code: "TOO_MANY_SUBSCRIPTIONS" } });
    expect(overall.errors[0].message).toMatch(/maximum of 3 .*SUBSCRIPTIONS_MAX_TOTAL/);

    // Open streams keep working: an event still arrives.
    await live.data(`mutation { submitAgentApproval(input: { kind: "k", summary: "still live", agent: "a", conversationId: "c" }) { id } }`);
    expect((await first.next()).data.approvalQueueEvents.approval.summary).toBe("still live");

    // Closing one gives its slot back (once the gateway notices the disconnect).
    first.close();
    const reopened = await eventually(async () => {
      const s = await stream("op-3");
      await live.data(`mutation { submitAgentApproval(input: { kind: "k", summary: "reopened", agent: "a", conversationId: "c" }) { id } }`);
      const payload = await s.next();
      if (payload.errors) s.close();
      return payload.errors ? undefined : payload;
    });
    expect(reopened.data.approvalQueueEvents.approval.summary).toBe("reopened");
  });

  test("per-event re-reads wait for a slot of the gateway's bound instead of taking more connections", async () => {
    const rereads = new Semaphore(1);
    const subscriber = (sub: string) =>
      ({
        viewer: { role: "authenticated", subject: sub, claims: { sub, role: "authenticated" } },
        db: SUBSCRIPTION_DB_GUARD,
        requestId: sub,
        loaders: new Map(),
        events: { rereads } as unknown as GatewayEvents,
      }) as GatewayContext;
    const source = new Fanout<number>();
    const load = async (tx: Parameters<Parameters<typeof perEventTransactions>[3]["load"]>[0], n: number) => {
      await tx.$queryRaw`SELECT 1`;
      return n;
    };
    const a = perEventTransactions(subscriber("a"), live.database.prisma, source.subscribe(), { load });
    const b = perEventTransactions(subscriber("b"), live.database.prisma, source.subscribe(), { load });
    source.publish(1);

    expect((await a.next()).value).toBe(1); // a's event transaction is open while it is delivered
    let bGot: number | undefined;
    const bNext = b.next().then((r) => (bGot = r.value));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bGot).toBeUndefined(); // b waits for the slot a holds

    const aNext = a.next(); // a asks for more: its transaction ends and the slot passes to b
    await bNext;
    expect(bGot).toBe(1);
    source.close();
    await Promise.all([aNext, a.return!(), b.return!()]);
  });
});

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
