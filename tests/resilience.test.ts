// Work stops when its budget runs out, whatever the database or the network does: a black-holed
// database (D6), the response size cap, and the event loop staying free while the heaviest accepted
// query runs. Real PostgreSQL behind a loopback proxy that can go silent (tests/support/tcp-proxy.ts).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestGateway, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy.ts";

const COUNT = "{ agentApprovals(first: 1) { totalCount } }";
/** Generous: a busy 2-core box can be slow, but nothing here may wait for the outage to end. */
const SLACK_MS = 5_000;

async function eventually<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 10_000, what = "condition"): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
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

  test("in-flight and new requests end with 503 TIMEOUT within the budget, /health answers, and the gateway recovers", { timeout: 60_000 }, async () => {
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
        ).rows[0]!.n > 0,
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
    const recovered = await eventually(async () => {
      const res = await gw.gql(COUNT, {}, { role: "authenticated" });
      return res.status === 200 && res.body.data ? res.body.data : undefined;
    }, 15_000, "a successful query after the outage");
    expect(recovered).toEqual({ agentApprovals: { totalCount: 0 } });
  });
});
