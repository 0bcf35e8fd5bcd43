// No N+1: the dashboard page (all four tiles) plus the campaign list (100 campaigns, each with 30 days
// of daily metrics) in ONE request sends the same small number of SQL statements to PostgreSQL at 10
// campaigns as at 100. Counted by the gateway's own pool (Database.statementCount: every statement
// the pool sends, BEGIN/role switch/COMMIT included).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestGateway, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const AS_OF = "2025-10-20";
const RANGE = { from: "2025-09-21", to: "2025-10-20" }; // 30 days

const PAGE = `
  query Page($range: DateRange!) {
    dashboard(asOf: "${AS_OF}") {
      revenue(range: $range) { totalCents previousTotalCents changePercent trend daily { date valueCents } }
      inventory(salesWindow: $range) {
        skuCount atOrBelowReorderPointCount statusCounts { outOfStock urgentReorder lowStock inStock }
        atRisk: skus(first: 20, atOrBelowReorderPoint: true) { sku weeksOfSupply reorderPoint status }
      }
      adsRoas(range: $range) {
        blended { campaignCount spendCents roas cpcCents ctr }
        daily { date spendCents roas }
        campaigns(first: 100) { name spendCents roas dailyMetrics { metricDate roas } }
      }
      supportQueue { pendingCount byAge { normal warning critical } byKind { kind count } items(first: 20) { id ageMinutes } }
    }
    adsCampaigns(first: 100) {
      totalCount
      edges { node { id name platform dailyMetrics(range: $range) { metricDate spendCents clicks roas ctr } } }
    }
  }`;

let db: TestDatabase;
let gw: TestGateway;
let campaigns = 0;

/** Grows every table the page reads to `total` campaigns (×30 days), SKUs (×30 days), approvals and fact days. */
async function growTo(total: number) {
  const statements = [
    `INSERT INTO ads_campaigns (campaign_id, platform, campaign_name, start_date)
       SELECT 'c-' || i, (ARRAY['meta','google','tiktok'])[1 + i % 3], 'Campaign ' || i, '2025-01-01'
       FROM generate_series($1::int + 1, $2::int) AS i`,
    `INSERT INTO ads_daily_metrics (campaign_id, metric_date, spend_cents, impressions, clicks, conversions, revenue_cents)
       SELECT c.id, d::date, 1000 + n, 10000, 100 + n % 7, n % 5, 3000 + n
       FROM (SELECT id, substr(campaign_id, 3)::int AS n FROM ads_campaigns) AS c
       CROSS JOIN generate_series('2025-09-21'::date, '2025-10-20', '1 day') AS d
       WHERE n > $1::int AND n <= $2::int`,
    `INSERT INTO inventory_snapshots (sku, snapshot_date, on_hand_quantity, units_sold)
       SELECT 'SKU-' || i, d::date, (i * 7) % 90, i % 4
       FROM generate_series($1::int + 1, $2::int) AS i CROSS JOIN generate_series('2025-09-21'::date, '2025-10-20', '1 day') AS d`,
    `INSERT INTO reorder_points (sku, safety_stock) SELECT 'SKU-' || i, i % 10 FROM generate_series($1::int + 1, $2::int) AS i`,
    `INSERT INTO "AgentApproval" ("conversationId", agent, kind, summary, "createdAt")
       SELECT 'conv-' || i, 'cx-agent', (ARRAY['refund','cancel_order'])[1 + i % 2], 'Item ' || i, now() - i * interval '3 minutes'
       FROM generate_series($1::int + 1, $2::int) AS i`,
    `INSERT INTO "DashboardFact" ("shopDomain", metric, "factDate", value, unit)
       SELECT 'shop-' || i || '.myshopify.com', 'revenue', d::date, 100 * i, 'cents'
       FROM generate_series($1::int + 1, $2::int) AS i CROSS JOIN generate_series('2025-08-22'::date, '2025-10-20', '1 day') AS d`,
  ];
  for (const sql of statements) await db.pool.query(sql, [campaigns, total]);
  campaigns = total;
}

/** Statements the gateway's pool sends for one request of the page, and the page's data. */
async function measure(role: "service_role" | "authenticated") {
  const before = gw.database.statementCount();
  const { status, body } = await gw.gql(PAGE, { range: RANGE }, { role });
  const statements = gw.database.statementCount() - before;
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  expect(status).toBe(200);
  return { statements, data: body.data };
}

beforeAll(async () => {
  db = await createTestDatabase();
  gw = await startTestGateway({ databaseUrl: db.url });
});
afterAll(async () => {
  await gw?.close();
  await db?.close();
});

describe("the dashboard page plus the campaign list in one request", () => {
  const counts: Record<string, number> = {};

  test("at 10 campaigns", async () => {
    await growTo(10);
    for (const role of ["service_role", "authenticated"] as const) {
      const { statements, data } = await measure(role);
      expect(data.adsCampaigns.edges).toHaveLength(10);
      expect(data.adsCampaigns.edges.every((e: any) => e.node.dailyMetrics.length === 30)).toBe(true);
      expect(data.dashboard.adsRoas.campaigns).toHaveLength(10);
      expect(data.dashboard.supportQueue.pendingCount).toBe(10);
      counts[`10:${role}`] = statements;
    }
  });

  test("at 100 campaigns: the same number of statements", async () => {
    await growTo(100);
    for (const role of ["service_role", "authenticated"] as const) {
      const { statements, data } = await measure(role);
      expect(data.adsCampaigns.totalCount).toBe(100);
      expect(data.adsCampaigns.edges).toHaveLength(100);
      expect(data.adsCampaigns.edges.every((e: any) => e.node.dailyMetrics.length === 30)).toBe(true);
      expect(data.dashboard.adsRoas.campaigns).toHaveLength(100);
      expect(data.dashboard.adsRoas.campaigns.every((c: any) => c.dailyMetrics.length === 30)).toBe(true);
      expect(data.dashboard.inventory.skuCount).toBe(100);
      expect(data.dashboard.supportQueue.pendingCount).toBe(100);
      counts[`100:${role}`] = statements;
    }
    console.log(`statements per request: ${JSON.stringify(counts)}`);
    expect(counts["100:service_role"]).toBe(counts["10:service_role"]);
    expect(counts["100:authenticated"]).toBe(counts["10:authenticated"]);
    // BEGIN + role/claims + 4 tiles + campaigns page + totalCount + daily metrics (one batch per
    // range, maybe two waves) + COMMIT: a small constant.
    expect(counts["100:service_role"]).toBeLessThanOrEqual(12);
  });

  test("each tile is one statement whichever of its fields are asked (plus BEGIN, role switch, COMMIT)", async () => {
    const tiles = {
      revenue: `revenue(range: $range) { totalCents previousTotalCents changeCents changePercent trend daysWithData daily { date valueCents hasData } }`,
      inventory: `inventory(salesWindow: $range) { skuCount atOrBelowReorderPointCount statusCounts { inStock } a: skus(first: 5) { sku } b: skus(atOrBelowReorderPoint: true) { sku } }`,
      adsRoas: `adsRoas(range: $range) { blended { roas } daily { roas } campaigns(first: 100) { roas } top: campaigns(first: 3, orderBy: ROAS) { roas } }`,
      supportQueue: `supportQueue { pendingCount urgency oldestPendingAt byAge { normal } byKind { kind } items(first: 5) { id } refunds: items(kinds: ["refund"]) { id } }`,
    };
    for (const [tile, selection] of Object.entries(tiles)) {
      const before = gw.database.statementCount();
      const variables = selection.includes("$range") ? "($range: DateRange)" : "";
      const { body } = await gw.gql(`query ${variables} { dashboard(asOf: "${AS_OF}") { ${selection} } }`, { range: RANGE });
      expect(body.errors, `${tile}: ${JSON.stringify(body.errors)}`).toBeUndefined();
      expect(gw.database.statementCount() - before, tile).toBe(4); // BEGIN, role/claims, the tile, COMMIT
    }
  });
});
