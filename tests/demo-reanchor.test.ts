// The embedded demo stays live: demo data loaded 60 days ago shows empty tiles and an expired queue
// today; after reanchorDemoData() it looks as it did on its first day (issue 8, item 7).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedDemoData } from "../src/db/seed/index.ts";
import { DEMO_REANCHOR_ACTION, reanchorDemoData } from "../src/db/seed/reanchor.ts";
import { startTestGateway, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const DAY = 86_400_000;
const TILES = `{
  dashboard {
    asOf
    revenue { totalCents daysWithData }
    adsRoas { blended { spendCents } }
    inventory { skuCount statusCounts { inStock lowStock urgentReorder outOfStock } }
    supportQueue { pendingCount }
  }
}`;

let db: TestDatabase;
let gw: TestGateway;

beforeAll(async () => {
  db = await createTestDatabase();
  // Loaded 60 days ago: the first start of a demo that has not been opened since.
  await seedDemoData(db.url, { now: new Date(Date.now() - 60 * DAY) });
  gw = await startTestGateway({ databaseUrl: db.url });
});
afterAll(async () => {
  await gw?.close();
  await db?.close();
});

const tiles = () => gw.data<{ dashboard: any }>(TILES, {}, { role: "authenticated" });
const count = async (sql: string) => Number((await db.pool.query<{ n: string }>(sql)).rows[0].n);

describe("re-anchoring the demo data", () => {
  test("a stale demo reads zero, a re-anchored one is live", async () => {
    const pendingExpired = `SELECT count(*) AS n FROM "AgentApproval" WHERE status = 'pending' AND "expiresAt" <= now()`;
    const stale = (await tiles()).dashboard;
    expect(stale.revenue.totalCents).toBe("0");
    expect(stale.adsRoas.blended.spendCents).toBe("0");
    const staleExpired = await count(pendingExpired);
    expect(staleExpired).toBeGreaterThan(0);
    const pendingBefore = await count(`SELECT count(*) AS n FROM "AgentApproval" WHERE status = 'pending'`);
    const auditBefore = await count(`SELECT count(*) AS n FROM "DecisionLog" WHERE scope <> 'seed'`);

    const result = await reanchorDemoData(db.url);
    expect(result).toMatchObject({ shifted: true, days: 60, to: new Date().toISOString().slice(0, 10) });
    expect(result.rows).toBeGreaterThan(1000);

    const live = (await tiles()).dashboard;
    expect(BigInt(live.revenue.totalCents)).toBeGreaterThan(0n);
    expect(live.revenue.daysWithData).toBe(30);
    expect(BigInt(live.adsRoas.blended.spendCents)).toBeGreaterThan(0n);
    expect(live.inventory.skuCount).toBeGreaterThan(0);
    expect(live.supportQueue.pendingCount).toBeGreaterThan(0);
    // Nothing decided or deleted on the way: the same approvals are pending, now unexpired; the audit
    // trail kept every row (moved with the approvals it describes) and gained only the re-anchor's own.
    expect(await count(`SELECT count(*) AS n FROM "AgentApproval" WHERE status = 'pending'`)).toBe(pendingBefore);
    // Only the two the demo dates past their expiry on purpose (the sweep "has not run yet").
    expect(await count(pendingExpired)).toBe(2);
    expect(staleExpired).toBeGreaterThan(2);
    expect(await count(`SELECT count(*) AS n FROM "DecisionLog" WHERE scope <> 'seed'`)).toBe(auditBefore);
    expect(await count(`SELECT count(*) AS n FROM "DecisionLog" WHERE scope = 'seed' AND action = '${DEMO_REANCHOR_ACTION}'`)).toBe(1);
    // Everything moved together: no row ends up in the future except what the demo dates ahead
    // (drafts' start dates, expiries, purchase orders), and no decision precedes its request.
    expect(await count(`SELECT count(*) AS n FROM "AgentApproval" WHERE "createdAt" > now() OR "decidedAt" < "createdAt"`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM ads_daily_metrics WHERE metric_date > current_date`)).toBe(0);
  });

  test("a second start the same day changes nothing; the triggers are back on", async () => {
    expect(await reanchorDemoData(db.url)).toMatchObject({ shifted: false, days: 0 });
    // session_replication_role was transaction-local: the append-only trigger still refuses edits.
    await expect(db.pool.query(`UPDATE "DecisionLog" SET actor = 'x' WHERE scope = 'seed'`)).rejects.toThrow();
    const { rows } = await db.pool.query<{ role: string }>(`SELECT current_setting('session_replication_role') AS role`);
    expect(rows[0].role).toBe("origin");
  });

  test("without demo data it does nothing", async () => {
    const empty = await createTestDatabase();
    try {
      expect(await reanchorDemoData(empty.url)).toMatchObject({ shifted: false, from: null });
    } finally {
      await empty.close();
    }
  });
});
