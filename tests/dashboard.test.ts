// The dashboard tiles against hand-computed figures on small crafted data: zeros, empty ranges, the
// previous period being 0, ratios of sums (not averages of daily ratios), and the upstream bugs not
// copied (a "0 %" change when the previous period is 0; a pending count that counted kinds).
// The last block checks all four tiles on the demo data against plain SQL over the same rows.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedDemoData } from "../src/db/seed/index.ts";
import { startTestGateway, useTestGateway, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const AS_OF = "2025-10-20";

let db: TestDatabase;
let gw: TestGateway;

useTestGateway((database, gateway) => {
  db = database;
  gw = gateway;
});

/** Runs a query as `role` and returns its data, failing on any error. */
async function data(query: string, variables: Record<string, unknown> = {}, role: "authenticated" | "service_role" = "service_role") {
  const { status, body } = await gw.gql(query, variables, { role });
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  expect(status).toBe(200);
  return body.data;
}

const REVENUE = `
  query ($asOf: Date, $range: DateRange, $shop: String) {
    dashboard(asOf: $asOf) {
      revenue(range: $range, shopDomain: $shop) {
        range { from to days } previousRange { from to days } shopDomain
        totalCents previousTotalCents changeCents changePercent trend daysWithData
        daily { date valueCents hasData }
      }
    }
  }`;

const INVENTORY = `
  query ($asOf: Date, $window: DateRange, $first: Int, $statuses: [StockStatus!], $atOrBelow: Boolean) {
    dashboard(asOf: $asOf) {
      inventory(salesWindow: $window) {
        salesWindow { from to days }
        skuCount atOrBelowReorderPointCount
        statusCounts { outOfStock urgentReorder lowStock inStock }
        skus(first: $first, statuses: $statuses, atOrBelowReorderPoint: $atOrBelow) {
          sku productTitle snapshotDate onHand unitsSold snapshotDays averageDailySales daysOfCover weeksOfSupply
          leadTimeDays leadTimeSource safetyStock reorderPoint status atOrBelowReorderPoint
        }
      }
    }
  }`;

const PERFORMANCE = "spendCents revenueCents impressions clicks conversions roas cpcCents cpaCents ctr conversionRate";
const ADS = `
  query ($asOf: Date, $range: DateRange, $platforms: [AdsPlatform!], $orderBy: AdsCampaignPerformanceOrderField, $direction: SortDirection) {
    dashboard(asOf: $asOf) {
      adsRoas(range: $range, platforms: $platforms) {
        range { from to days } platforms
        blended { campaignCount ${PERFORMANCE} }
        daily { date ${PERFORMANCE} }
        campaigns(orderBy: $orderBy, direction: $direction) {
          externalId name platform status targetRoas ${PERFORMANCE}
          dailyMetrics { metricDate spendCents roas }
        }
      }
    }
  }`;

const SUPPORT = `
  query ($first: Int, $kinds: [String!]) {
    dashboard {
      supportQueue {
        pendingCount urgency oldestPendingAt oldestPendingAgeMinutes expiringWithinHourCount
        byAge { normal warning critical }
        byKind { kind count oldestPendingAt }
        items(first: $first, kinds: $kinds) { kind agent summary conversationId ageMinutes expiresAt }
      }
    }
  }`;

const zeroPerformance = {
  spendCents: "0",
  revenueCents: "0",
  impressions: "0",
  clicks: "0",
  conversions: "0",
  roas: null,
  cpcCents: null,
  cpaCents: null,
  ctr: null,
  conversionRate: null,
};

describe("on an empty database", () => {
  test("every tile answers with zeros, nulls for undefined ratios and a dense zero series", async () => {
    const range = { from: "2025-10-18", to: "2025-10-20" };
    const d = await data(
      `query ($range: DateRange) { dashboard(asOf: "${AS_OF}") {
        revenue(range: $range) { totalCents previousTotalCents changeCents changePercent trend daysWithData daily { date valueCents hasData } }
        inventory(salesWindow: $range) { skuCount atOrBelowReorderPointCount statusCounts { outOfStock urgentReorder lowStock inStock } skus { sku } }
        adsRoas(range: $range) { blended { campaignCount ${PERFORMANCE} } daily { date ${PERFORMANCE} } campaigns { name } }
        supportQueue { pendingCount urgency oldestPendingAt oldestPendingAgeMinutes expiringWithinHourCount byAge { normal warning critical } byKind { kind } items { id } }
      } }`,
      { range },
    );
    const days = ["2025-10-18", "2025-10-19", "2025-10-20"];
    expect(d.dashboard).toEqual({
      revenue: {
        totalCents: "0",
        previousTotalCents: "0",
        changeCents: "0",
        changePercent: null,
        trend: "FLAT",
        daysWithData: 0,
        daily: days.map((date) => ({ date, valueCents: "0", hasData: false })),
      },
      inventory: { skuCount: 0, atOrBelowReorderPointCount: 0, statusCounts: { outOfStock: 0, urgentReorder: 0, lowStock: 0, inStock: 0 }, skus: [] },
      adsRoas: { blended: { campaignCount: 0, ...zeroPerformance }, daily: days.map((date) => ({ date, ...zeroPerformance })), campaigns: [] },
      supportQueue: {
        pendingCount: 0,
        urgency: "LOW",
        oldestPendingAt: null,
        oldestPendingAgeMinutes: null,
        expiringWithinHourCount: 0,
        byAge: { normal: 0, warning: 0, critical: 0 },
        byKind: [],
        items: [],
      },
    });
  });

  test("default ranges are the 30 days ending asOf", async () => {
    const d = await data(`{ dashboard(asOf: "${AS_OF}") {
      asOf revenue { range { from to days } previousRange { from to days } }
      inventory { salesWindow { from to days } } adsRoas { range { from to days } platforms } } }`);
    const last30 = { from: "2025-09-21", to: "2025-10-20", days: 30 };
    expect(d.dashboard).toEqual({
      asOf: AS_OF,
      revenue: { range: last30, previousRange: { from: "2025-08-22", to: "2025-09-20", days: 30 } },
      inventory: { salesWindow: last30 },
      adsRoas: { range: last30, platforms: null },
    });
  });
});

describe("with crafted data", () => {
  beforeAll(async () => {
    await db.pool.query(`
      INSERT INTO "DashboardFact" ("shopDomain", metric, "factDate", value, unit) VALUES
        ('a.myshopify.com', 'revenue', '2025-10-18', 1000.5, 'cents'),
        ('a.myshopify.com', 'revenue', '2025-10-20', 2000, 'cents'),
        ('b.myshopify.com', 'revenue', '2025-10-19', 500, 'cents'),
        ('a.myshopify.com', 'revenue', '2025-10-16', 1500, 'cents'),   -- previous period
        ('a.myshopify.com', 'revenue', '2025-10-10', 700, 'cents'),    -- outside both periods of the 3-day range
        ('a.myshopify.com', 'aov', '2025-10-18', 99999, 'cents'),      -- another metric
        ('a.myshopify.com', 'orders', '2025-10-19', 12, 'count');

      INSERT INTO supplier_lead_times (id, supplier, lead_time_days, max_lead_days) VALUES
        ('00000000-0000-0000-0000-0000000000a1', 'Acme', 10, 14),
        ('00000000-0000-0000-0000-0000000000a2', 'Bolt', 4, NULL);
      INSERT INTO reorder_points (sku, supplier_id, safety_stock, lead_time_days) VALUES
        ('SKU-A', '00000000-0000-0000-0000-0000000000a1', 20, NULL),   -- supplier's 10 days
        ('SKU-C', '00000000-0000-0000-0000-0000000000a1', 2, 5),       -- override wins over the supplier
        ('SKU-D', '00000000-0000-0000-0000-0000000000a2', 5, NULL),
        ('SKU-E', NULL, 0, 3);
      INSERT INTO inventory_snapshots (sku, product_title, snapshot_date, on_hand_quantity, units_sold) VALUES
        ('SKU-A', 'Alpha', '2025-10-18', 40, 4), ('SKU-A', 'Alpha', '2025-10-19', 34, 6), ('SKU-A', 'Alpha', '2025-10-20', 30, 5),
        ('SKU-B', 'Bravo', '2025-10-19', 100, 0), ('SKU-B', 'Bravo', '2025-10-20', 100, 0),
        ('SKU-C', 'Charlie', '2025-10-17', 9, 100), ('SKU-C', 'Charlie', '2025-10-20', 0, 3),
        ('SKU-D', 'Delta', '2025-10-20', 3, 2),
        ('SKU-E', 'Echo', '2025-10-18', 50, 1), ('SKU-E', 'Echo', '2025-10-20', 12, 0),
        ('SKU-F', 'Foxtrot', '2025-10-10', 5, 5),
        ('SKU-G', 'Golf', '2025-10-20', 70, 10);

      INSERT INTO ads_campaigns (id, campaign_id, platform, campaign_name, status, target_roas, start_date) VALUES
        ('00000000-0000-0000-0000-0000000000c1', 'meta-1', 'meta', 'Meta One', 'active', 3.00, '2025-09-01'),
        ('00000000-0000-0000-0000-0000000000c2', 'google-2', 'google', 'Google Two', 'paused', NULL, '2025-09-01'),
        ('00000000-0000-0000-0000-0000000000c3', 'meta-3', 'meta', 'Meta Three', 'active', NULL, '2025-09-01');
      INSERT INTO ads_daily_metrics (campaign_id, metric_date, spend_cents, impressions, clicks, conversions, revenue_cents) VALUES
        ('00000000-0000-0000-0000-0000000000c1', '2025-10-19', 1000, 10000, 100, 5, 4000),
        ('00000000-0000-0000-0000-0000000000c1', '2025-10-20', 3000, 20000, 50, 0, 2000),
        ('00000000-0000-0000-0000-0000000000c2', '2025-10-20', 0, 0, 0, 0, 500),
        ('00000000-0000-0000-0000-0000000000c3', '2025-10-01', 999, 999, 9, 1, 9999);

      INSERT INTO "AgentApproval" ("conversationId", agent, kind, summary, "createdAt", "expiresAt") VALUES
        ('conv-1', 'cx-agent', 'refund', 'Refund order #1', now() - interval '10 minutes', NULL),
        ('conv-2', 'cx-agent', 'refund', 'Refund order #2', now() - interval '90 minutes', NULL),
        ('conv-3', 'ops-agent', 'cancel_order', 'Cancel order #3', now() - interval '3 hours', now() + interval '30 minutes'),
        ('conv-4', 'data-agent', 'data_export', 'Export for #4', now() - interval '59 minutes', now() + interval '2 hours'),
        ('conv-5', 'cx-agent', 'refund', 'Refund order #5', now() - interval '5 hours', NULL),
        ('conv-6', 'cx-agent', 'refund', 'Refund order #6', now() - interval '9 hours', now() + interval '1 day'),
        ('conv-7', 'cx-agent', 'refund', 'Refund order #7', now() - interval '4 hours', now() - interval '1 minute'); -- past its deadline: reads as expired
      UPDATE "AgentApproval" SET status = 'approved', "decidedBy" = 'ops' WHERE "conversationId" = 'conv-5';
      UPDATE "AgentApproval" SET status = 'expired' WHERE "conversationId" = 'conv-6';
    `);
  });

  describe("revenue", () => {
    test("all shops: totals, previous period, change in cents and percent, daily series", async () => {
      const { dashboard } = await data(REVENUE, { asOf: AS_OF, range: { from: "2025-10-18", to: "2025-10-20" } });
      expect(dashboard.revenue).toEqual({
        range: { from: "2025-10-18", to: "2025-10-20", days: 3 },
        previousRange: { from: "2025-10-15", to: "2025-10-17", days: 3 },
        shopDomain: null,
        totalCents: "3500.5", // 1000.5 + 500 + 2000; the aov fact and 10-10 are not counted
        previousTotalCents: "1500",
        changeCents: "2000.5",
        changePercent: "133.37", // 2000.5 / 1500 × 100 = 133.3666…
        trend: "UP",
        daysWithData: 3,
        daily: [
          { date: "2025-10-18", valueCents: "1000.5", hasData: true },
          { date: "2025-10-19", valueCents: "500", hasData: true },
          { date: "2025-10-20", valueCents: "2000", hasData: true },
        ],
      });
    });

    test("one shop: other shops' facts are left out and a day without a fact is 0", async () => {
      const { dashboard } = await data(REVENUE, { asOf: AS_OF, range: { from: "2025-10-18", to: "2025-10-20" }, shop: "a.myshopify.com" });
      expect(dashboard.revenue).toMatchObject({
        shopDomain: "a.myshopify.com",
        totalCents: "3000.5",
        previousTotalCents: "1500",
        changeCents: "1500.5",
        changePercent: "100.03",
        daysWithData: 2,
        daily: [
          { date: "2025-10-18", valueCents: "1000.5", hasData: true },
          { date: "2025-10-19", valueCents: "0", hasData: false },
          { date: "2025-10-20", valueCents: "2000", hasData: true },
        ],
      });
    });

    test("a previous period of 0 gives a null change percent (not upstream's 0) and trend UP", async () => {
      const { dashboard } = await data(REVENUE, { asOf: AS_OF, range: { from: "2025-10-10", to: "2025-10-10" } });
      expect(dashboard.revenue).toMatchObject({
        previousRange: { from: "2025-10-09", to: "2025-10-09", days: 1 },
        totalCents: "700",
        previousTotalCents: "0",
        changeCents: "700",
        changePercent: null,
        trend: "UP",
      });
    });

    test("a fall is negative and DOWN", async () => {
      // 10-16..10-17 = 1500; previous 10-14..10-15 = 0 → null; so compare 10-17..10-18 (1000.5) with 10-15..10-16 (1500).
      const { dashboard } = await data(REVENUE, { asOf: AS_OF, range: { from: "2025-10-17", to: "2025-10-18" } });
      expect(dashboard.revenue).toMatchObject({
        totalCents: "1000.5",
        previousTotalCents: "1500",
        changeCents: "-499.5",
        changePercent: "-33.3",
        trend: "DOWN",
      });
    });

    test("a range after all data is zero with a dense series", async () => {
      const { dashboard } = await data(REVENUE, { asOf: "2026-01-02", range: null });
      expect(dashboard.revenue.totalCents).toBe("0");
      expect(dashboard.revenue.changePercent).toBeNull();
      expect(dashboard.revenue.trend).toBe("FLAT");
      expect(dashboard.revenue.daily).toHaveLength(30);
      expect(dashboard.revenue.daily.every((d: { valueCents: string }) => d.valueCents === "0")).toBe(true);
    });
  });

  describe("inventory", () => {
    const window = { from: "2025-10-18", to: "2025-10-20" };
    // Hand-computed over the 3-day window (avg = units sold ÷ days with a snapshot):
    //   C: 3 ÷ 1 = 3; lead 5 (override) → ROP 3×5+2 = 17; on hand 0 → out_of_stock; WOS 0
    //   D: 2 ÷ 1 = 2; lead 4 (supplier Bolt) → ROP 2×4+5 = 13; on hand 3 ≤ safety 5 → urgent_reorder; cover 1.5 d, WOS 0.21
    //   A: 15 ÷ 3 = 5; lead 10 (supplier Acme) → ROP 5×10+20 = 70; on hand 30 → low_stock; cover 6 d, WOS 0.86
    //   G: 10 ÷ 1 = 10; lead 7 (default) → ROP 70; on hand 70 = ROP → low_stock; WOS 1
    //   E: 1 ÷ 2 = 0.5 (10-19 has no snapshot); lead 3 → ROP ⌈1.5⌉ = 2; on hand 12 → in_stock; cover 24 d, WOS 3.43
    //   B: no sales → WOS null; ROP 0; in_stock.  F: no snapshot in the window → not listed.
    const expected = {
      C: {
        sku: "SKU-C",
        productTitle: "Charlie",
        snapshotDate: "2025-10-20",
        onHand: 0,
        unitsSold: 3,
        snapshotDays: 1,
        averageDailySales: "3",
        daysOfCover: "0",
        weeksOfSupply: "0",
        leadTimeDays: 5,
        leadTimeSource: "OVERRIDE",
        safetyStock: 2,
        reorderPoint: 17,
        status: "OUT_OF_STOCK",
        atOrBelowReorderPoint: true,
      },
      D: {
        sku: "SKU-D",
        productTitle: "Delta",
        snapshotDate: "2025-10-20",
        onHand: 3,
        unitsSold: 2,
        snapshotDays: 1,
        averageDailySales: "2",
        daysOfCover: "1.5",
        weeksOfSupply: "0.21",
        leadTimeDays: 4,
        leadTimeSource: "SUPPLIER",
        safetyStock: 5,
        reorderPoint: 13,
        status: "URGENT_REORDER",
        atOrBelowReorderPoint: true,
      },
      A: {
        sku: "SKU-A",
        productTitle: "Alpha",
        snapshotDate: "2025-10-20",
        onHand: 30,
        unitsSold: 15,
        snapshotDays: 3,
        averageDailySales: "5",
        daysOfCover: "6",
        weeksOfSupply: "0.86",
        leadTimeDays: 10,
        leadTimeSource: "SUPPLIER",
        safetyStock: 20,
        reorderPoint: 70,
        status: "LOW_STOCK",
        atOrBelowReorderPoint: true,
      },
      G: {
        sku: "SKU-G",
        productTitle: "Golf",
        snapshotDate: "2025-10-20",
        onHand: 70,
        unitsSold: 10,
        snapshotDays: 1,
        averageDailySales: "10",
        daysOfCover: "7",
        weeksOfSupply: "1",
        leadTimeDays: 7,
        leadTimeSource: "DEFAULT",
        safetyStock: 0,
        reorderPoint: 70,
        status: "LOW_STOCK",
        atOrBelowReorderPoint: true,
      },
      E: {
        sku: "SKU-E",
        productTitle: "Echo",
        snapshotDate: "2025-10-20",
        onHand: 12,
        unitsSold: 1,
        snapshotDays: 2,
        averageDailySales: "0.5",
        daysOfCover: "24",
        weeksOfSupply: "3.43",
        leadTimeDays: 3,
        leadTimeSource: "OVERRIDE",
        safetyStock: 0,
        reorderPoint: 2,
        status: "IN_STOCK",
        atOrBelowReorderPoint: false,
      },
      B: {
        sku: "SKU-B",
        productTitle: "Bravo",
        snapshotDate: "2025-10-20",
        onHand: 100,
        unitsSold: 0,
        snapshotDays: 2,
        averageDailySales: "0",
        daysOfCover: null,
        weeksOfSupply: null,
        leadTimeDays: 7,
        leadTimeSource: "DEFAULT",
        safetyStock: 0,
        reorderPoint: 0,
        status: "IN_STOCK",
        atOrBelowReorderPoint: false,
      },
    };

    test("per-SKU weeks of supply, reorder point and status; counts; most at risk first", async () => {
      const { dashboard } = await data(INVENTORY, { asOf: AS_OF, window });
      expect(dashboard.inventory).toEqual({
        salesWindow: { ...window, days: 3 },
        skuCount: 6,
        atOrBelowReorderPointCount: 4,
        statusCounts: { outOfStock: 1, urgentReorder: 1, lowStock: 2, inStock: 2 },
        skus: [expected.C, expected.D, expected.A, expected.G, expected.E, expected.B],
      });
    });

    test("SKUs at or below their reorder point, limited; filtered by status", async () => {
      const atOrBelow = await data(INVENTORY, { asOf: AS_OF, window, first: 2, atOrBelow: true });
      expect(atOrBelow.dashboard.inventory.skus.map((s: { sku: string }) => s.sku)).toEqual(["SKU-C", "SKU-D"]);
      const above = await data(INVENTORY, { asOf: AS_OF, window, atOrBelow: false });
      expect(above.dashboard.inventory.skus.map((s: { sku: string }) => s.sku)).toEqual(["SKU-E", "SKU-B"]);
      const low = await data(INVENTORY, { asOf: AS_OF, window, statuses: ["LOW_STOCK", "OUT_OF_STOCK"] });
      expect(low.dashboard.inventory.skus.map((s: { sku: string }) => s.sku)).toEqual(["SKU-C", "SKU-A", "SKU-G"]);
    });

    test("the stock figures come from the latest snapshot in the window", async () => {
      const { dashboard } = await data(INVENTORY, { asOf: AS_OF, window: { from: "2025-10-17", to: "2025-10-19" } });
      const bySku = Object.fromEntries(dashboard.inventory.skus.map((s: { sku: string }) => [s.sku, s]));
      expect(bySku["SKU-A"]).toMatchObject({ snapshotDate: "2025-10-19", onHand: 34, unitsSold: 10, snapshotDays: 2, averageDailySales: "5" });
      // C sold 100 on 10-17 with 9 on hand: avg 100, ROP 100×5+2 = 502, cover 0.09 d
      expect(bySku["SKU-C"]).toMatchObject({
        snapshotDate: "2025-10-17",
        onHand: 9,
        averageDailySales: "100",
        reorderPoint: 502,
        daysOfCover: "0.09",
        weeksOfSupply: "0.01",
        status: "LOW_STOCK",
      });
      expect(dashboard.inventory.skuCount).toBe(4); // A, B, C, E
    });

    test("a window without snapshots is empty", async () => {
      const { dashboard } = await data(INVENTORY, { asOf: AS_OF, window: { from: "2024-01-01", to: "2024-01-31" } });
      expect(dashboard.inventory).toMatchObject({
        skuCount: 0,
        atOrBelowReorderPointCount: 0,
        statusCounts: { outOfStock: 0, urgentReorder: 0, lowStock: 0, inStock: 0 },
        skus: [],
      });
    });
  });

  describe("ads ROAS", () => {
    const range = { from: "2025-10-19", to: "2025-10-20" };
    // Meta One: spend 1000+3000, revenue 4000+2000, impressions 30000, clicks 150, conversions 5.
    // Its daily ROAS are 4.00 and 0.67 (average 2.33), but the period ROAS is 6000 ÷ 4000 = 1.5.
    const metaOne = {
      externalId: "meta-1",
      name: "Meta One",
      platform: "META",
      status: "ACTIVE",
      targetRoas: "3",
      spendCents: "4000",
      revenueCents: "6000",
      impressions: "30000",
      clicks: "150",
      conversions: "5",
      roas: "1.5",
      cpcCents: "27",
      cpaCents: "800",
      ctr: "0.005",
      conversionRate: "0.0333",
      dailyMetrics: [
        { metricDate: "2025-10-19", spendCents: 1000, roas: "4" },
        { metricDate: "2025-10-20", spendCents: 3000, roas: "0.67" },
      ],
    };
    // Google Two spent nothing: every ratio with spend or clicks or impressions below is null.
    const googleTwo = {
      externalId: "google-2",
      name: "Google Two",
      platform: "GOOGLE",
      status: "PAUSED",
      targetRoas: null,
      ...zeroPerformance,
      revenueCents: "500",
      dailyMetrics: [{ metricDate: "2025-10-20", spendCents: 0, roas: null }],
    };

    test("blended ratios are ratios of sums; per campaign; daily series", async () => {
      const { dashboard } = await data(ADS, { asOf: AS_OF, range });
      expect(dashboard.adsRoas).toEqual({
        range: { ...range, days: 2 },
        platforms: null,
        blended: {
          campaignCount: 2,
          spendCents: "4000",
          revenueCents: "6500",
          impressions: "30000",
          clicks: "150",
          conversions: "5",
          roas: "1.63",
          cpcCents: "27",
          cpaCents: "800",
          ctr: "0.005",
          conversionRate: "0.0333", // 6500 ÷ 4000 = 1.625
        },
        daily: [
          {
            date: "2025-10-19",
            spendCents: "1000",
            revenueCents: "4000",
            impressions: "10000",
            clicks: "100",
            conversions: "5",
            roas: "4",
            cpcCents: "10",
            cpaCents: "200",
            ctr: "0.01",
            conversionRate: "0.05",
          },
          {
            date: "2025-10-20",
            spendCents: "3000",
            revenueCents: "2500",
            impressions: "20000",
            clicks: "50",
            conversions: "0",
            roas: "0.83",
            cpcCents: "60",
            cpaCents: null,
            ctr: "0.0025",
            conversionRate: "0",
          },
        ],
        campaigns: [metaOne, googleTwo],
      });
    });

    test("platform filter, ordering, and a default range that reaches back 30 days", async () => {
      const google = await data(ADS, { asOf: AS_OF, range, platforms: ["GOOGLE"] });
      expect(google.dashboard.adsRoas.platforms).toEqual(["GOOGLE"]);
      expect(google.dashboard.adsRoas.blended).toEqual({ campaignCount: 1, ...zeroPerformance, revenueCents: "500" });
      expect(google.dashboard.adsRoas.campaigns.map((c: { name: string }) => c.name)).toEqual(["Google Two"]);

      const byRoas = await data(ADS, { asOf: AS_OF, range, orderBy: "ROAS", direction: "ASC" });
      expect(byRoas.dashboard.adsRoas.campaigns.map((c: { name: string }) => c.name)).toEqual(["Meta One", "Google Two"]); // null last

      const last30 = await data(ADS, { asOf: AS_OF });
      expect(last30.dashboard.adsRoas.blended).toMatchObject({ campaignCount: 3, spendCents: "4999", revenueCents: "16499" });
      expect(last30.dashboard.adsRoas.daily).toHaveLength(30);
      expect(last30.dashboard.adsRoas.campaigns.map((c: { name: string }) => c.name)).toEqual(["Meta One", "Meta Three", "Google Two"]);
    });

    test("a range without metrics: zeros and null ratios", async () => {
      const { dashboard } = await data(ADS, { asOf: AS_OF, range: { from: "2025-10-21", to: "2025-10-21" } });
      expect(dashboard.adsRoas.blended).toEqual({ campaignCount: 0, ...zeroPerformance });
      expect(dashboard.adsRoas.daily).toEqual([{ date: "2025-10-21", ...zeroPerformance }]);
      expect(dashboard.adsRoas.campaigns).toEqual([]);
    });
  });

  describe("support queue", () => {
    test("pending items only (not decided, not past their deadline), oldest first; counts by kind and age; pendingCount counts items, not kinds", async () => {
      const { dashboard } = await data(SUPPORT);
      const q = dashboard.supportQueue;
      expect(q).toMatchObject({
        pendingCount: 4, // in 3 kinds: upstream's tile would have said 3
        urgency: "LOW",
        oldestPendingAgeMinutes: 180,
        expiringWithinHourCount: 1, // conv-3
        byAge: { normal: 2, warning: 1, critical: 1 },
      });
      expect(q.byKind.map((k: { kind: string; count: number }) => [k.kind, k.count])).toEqual([
        ["refund", 2],
        ["cancel_order", 1],
        ["data_export", 1],
      ]);
      expect(q.items.map((i: { conversationId: string }) => i.conversationId)).toEqual(["conv-3", "conv-2", "conv-4", "conv-1"]);
      expect(q.items.map((i: { ageMinutes: number }) => i.ageMinutes)).toEqual([180, 90, 59, 10]);
      expect(Date.parse(q.oldestPendingAt)).toBe(Date.parse(q.byKind[1].oldestPendingAt));
    });

    test("items filtered by kind and limited", async () => {
      const { dashboard } = await data(SUPPORT, { first: 1, kinds: ["refund"] });
      expect(dashboard.supportQueue.items).toEqual([
        { kind: "refund", agent: "cx-agent", summary: "Refund order #2", conversationId: "conv-2", ageMinutes: 90, expiresAt: null },
      ]);
    });
  });

  describe("access and arguments", () => {
    test("authenticated (RLS in the database) sees the same figures as service_role", async () => {
      const variables = { asOf: AS_OF, range: { from: "2025-10-18", to: "2025-10-20" } };
      expect(await data(REVENUE, variables, "authenticated")).toEqual(await data(REVENUE, variables, "service_role"));
      expect(await data(ADS, variables, "authenticated")).toEqual(await data(ADS, variables, "service_role"));
      expect(await data(SUPPORT, {}, "authenticated")).toMatchObject({ dashboard: { supportQueue: { pendingCount: 4 } } });
    });

    test("anon is refused without touching the database", async () => {
      const before = gw.database.statementCount();
      const { body } = await gw.gql(`{ dashboard { supportQueue { pendingCount } } }`, {}, { role: "anon" });
      expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      expect(body.data?.dashboard ?? null).toBeNull();
      expect(gw.database.statementCount() - before).toBeLessThanOrEqual(3); // at most the transaction's BEGIN/role/COMMIT
    });

    test("bad ranges and limits are BAD_USER_INPUT naming the argument; other tiles still answer", async () => {
      const { body } = await gw.gql(`{ dashboard(asOf: "${AS_OF}") {
        revenue(range: { from: "2025-10-20", to: "2025-10-01" }) { totalCents }
        adsRoas(range: { from: "2024-01-01", to: "2025-10-20" }) { blended { spendCents } }
        inventory { skus(first: 101) { sku } }
        supportQueue { pendingCount }
      } }`);
      const byPath = Object.fromEntries((body.errors ?? []).map((e) => [e.path?.join("."), e]));
      expect(byPath["dashboard.revenue"]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(byPath["dashboard.revenue"]?.message).toContain("revenue.range");
      expect(byPath["dashboard.adsRoas"]?.message).toContain("at most 366 days");
      expect(byPath["dashboard.inventory.skus"]?.message).toContain("skus.first");
      expect(body.data?.dashboard.supportQueue).toEqual({ pendingCount: 4 });
    });
  });
});

describe("on the demo data", () => {
  let demo: TestDatabase;
  let demoGw: TestGateway;
  beforeAll(async () => {
    demo = await createTestDatabase();
    await seedDemoData(demo.url);
    demoGw = await startTestGateway({ databaseUrl: demo.url });
  });
  afterAll(async () => {
    await demoGw?.close();
    await demo?.close();
  });

  test("all four tiles answer, and agree with plain SQL over the same rows", async () => {
    const { body } = await demoGw.gql(
      `{ dashboard {
        asOf
        revenue { range { from to } totalCents previousTotalCents changePercent daily { date } }
        inventory { salesWindow { from to } skuCount atOrBelowReorderPointCount statusCounts { outOfStock urgentReorder lowStock inStock } skus(first: 5) { sku weeksOfSupply status } }
        adsRoas { blended { campaignCount spendCents revenueCents roas } daily { date } campaigns(first: 3) { name spendCents } }
        supportQueue { pendingCount byKind { kind count } items(first: 5) { createdAt } }
      } }`,
      {},
      { role: "authenticated" },
    );
    expect(body.errors).toBeUndefined();
    const d = body.data.dashboard;
    const { from, to } = d.revenue.range;
    const sql = async (text: string, params: unknown[] = []) => (await demo.pool.query(text, params)).rows[0];

    const revenue = await sql(
      `SELECT coalesce(sum(value) FILTER (WHERE "factDate" >= $1), 0)::float8 AS cur,
              coalesce(sum(value) FILTER (WHERE "factDate" < $1), 0)::float8 AS prev
       FROM "DashboardFact" WHERE metric = 'revenue' AND "factDate" BETWEEN $1::date - 30 AND $2`,
      [from, to],
    );
    expect(revenue.cur).toBeGreaterThan(0);
    expect(Number(d.revenue.totalCents)).toBeCloseTo(revenue.cur, 2);
    expect(Number(d.revenue.previousTotalCents)).toBeCloseTo(revenue.prev, 2);
    expect(Number(d.revenue.changePercent)).toBeCloseTo(((revenue.cur - revenue.prev) / revenue.prev) * 100, 1);
    expect(d.revenue.daily).toHaveLength(30);

    const ads = await sql(
      `SELECT count(DISTINCT campaign_id)::int AS campaigns, sum(spend_cents)::text AS spend, sum(revenue_cents)::text AS revenue,
              round(sum(revenue_cents)::numeric / nullif(sum(spend_cents), 0), 2)::float8 AS roas
       FROM ads_daily_metrics WHERE metric_date BETWEEN $1 AND $2`,
      [from, to],
    );
    expect(ads.campaigns).toBeGreaterThan(0);
    expect(d.adsRoas.blended).toEqual({ campaignCount: ads.campaigns, spendCents: ads.spend, revenueCents: ads.revenue, roas: String(ads.roas) });
    const spends = d.adsRoas.campaigns.map((c: { spendCents: string }) => Number(c.spendCents));
    expect(spends).toEqual([...spends].sort((a, b) => b - a));

    const skus = await sql(`SELECT count(DISTINCT sku)::int AS n FROM inventory_snapshots WHERE snapshot_date BETWEEN $1 AND $2`, [from, to]);
    const counts = d.inventory.statusCounts;
    expect(d.inventory.skuCount).toBe(skus.n);
    expect(counts.outOfStock + counts.urgentReorder + counts.lowStock + counts.inStock).toBe(skus.n);
    expect(d.inventory.atOrBelowReorderPointCount).toBe(counts.outOfStock + counts.urgentReorder + counts.lowStock);

    const pending = await sql(`SELECT count(*)::int AS n, count(DISTINCT kind)::int AS kinds FROM "AgentApproval"
       WHERE status = 'pending' AND ("expiresAt" IS NULL OR "expiresAt" > now())`);
    expect(pending.n).toBeGreaterThan(0);
    expect(d.supportQueue.pendingCount).toBe(pending.n);
    expect(d.supportQueue.byKind).toHaveLength(pending.kinds);
    expect(d.supportQueue.byKind.reduce((sum: number, k: { count: number }) => sum + k.count, 0)).toBe(pending.n);
    const created = d.supportQueue.items.map((i: { createdAt: string }) => Date.parse(i.createdAt));
    expect(created).toEqual([...created].sort((a, b) => a - b));
  });
});
