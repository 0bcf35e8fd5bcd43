// The inventory and ads tiles read summaries (migration 20251020000900_dashboard_summaries), kept by
// triggers. This file proves they give the same figures, to the row, as the same formulas over the raw
// rows, on generated data with the awkward cases: SKUs without reorder points or suppliers, zero sales,
// out of stock, gaps between snapshots, days without metrics, zero spend or clicks, late rows,
// corrections, deletes (a SKU's first, last or every snapshot; a campaign with its metrics), lead-time
// and platform changes, and writes both through the gateway and straight into the tables (ETL).
// It also proves the summaries equal a rebuild from scratch after all of that and after concurrent
// writers, that a failed write leaves them untouched, and that RLS guards them like their sources.
import { beforeAll, describe, expect, test } from "vitest";
import type pg from "pg";
import { useTestGateway, type TestGateway } from "./support/gateway.ts";
import type { TestDatabase } from "./support/test-database.ts";
import { sqlAs, sqlState } from "./support/sql-as.ts";

let db: TestDatabase;
let gw: TestGateway;

useTestGateway((database, gateway) => {
  db = database;
  gw = gateway;
});

// ───────────────────────────── generated data ─────────────────────────────

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(20251020);
const int = (max: number) => Math.floor(random() * (max + 1));

const DAY_MS = 86_400_000;
const FIRST_DAY = "2026-01-01";
const DAYS = 90;
const day = (offset: number, from = FIRST_DAY) => new Date(Date.parse(`${from}T00:00:00Z`) + offset * DAY_MS).toISOString().slice(0, 10);
const LAST_DAY = day(DAYS - 1);
const SKUS = Array.from({ length: 40 }, (_, i) => `SKU-${String(i + 1).padStart(3, "0")}`);
const PLATFORMS = ["meta", "google", "tiktok", "pinterest", "organic"];

interface Snapshot {
  sku: string;
  snapshotDate: string;
  productTitle: string;
  onHandQuantity: number;
  availableQuantity: number;
  committedQuantity: number;
  incomingQuantity: number;
  unitsSold: number;
}

/** Each SKU's snapshots: a span of days inside the 90 (some start late, some stop early), with gaps, zero sales and empty shelves. */
function generateSnapshots(): Snapshot[] {
  const rows: Snapshot[] = [];
  SKUS.forEach((sku, i) => {
    const start = i % 5 === 0 ? int(40) : 0;
    const end = i % 7 === 0 ? DAYS - 1 - int(30) : DAYS - 1;
    for (let d = start; d <= end; d++) {
      if (i % 3 === 0 && random() < 0.25) continue; // gaps
      const onHand = i % 11 === 0 ? 0 : int(400);
      const sold = i % 13 === 0 ? 0 : int(i % 9);
      rows.push({
        sku,
        snapshotDate: day(d),
        productTitle: `Product ${i + 1}${d > 60 ? " (new label)" : ""}`,
        onHandQuantity: onHand,
        availableQuantity: onHand - int(5),
        committedQuantity: int(5),
        incomingQuantity: i % 4 === 0 ? 50 : 0,
        unitsSold: sold,
      });
    }
  });
  return rows;
}

// ───────────────────────────── the tiles as the gateway answers ─────────────────────────────

const INVENTORY = `
  query ($asOf: Date, $window: DateRange) {
    dashboard(asOf: $asOf) {
      inventory(salesWindow: $window) {
        skuCount atOrBelowReorderPointCount statusCounts { outOfStock urgentReorder lowStock inStock }
        skus(first: 100) {
          sku productTitle snapshotDate onHand available committed incoming unitsSold snapshotDays averageDailySales
          daysOfCover weeksOfSupply leadTimeDays leadTimeSource safetyStock reorderPoint status atOrBelowReorderPoint
        }
        low: skus(first: 100, statuses: [LOW_STOCK, URGENT_REORDER]) { sku }
        fine: skus(first: 100, atOrBelowReorderPoint: false) { sku }
      }
    }
  }`;

const PERFORMANCE = "spendCents revenueCents impressions clicks conversions roas cpcCents cpaCents ctr conversionRate";
const ADS = `
  query ($asOf: Date, $range: DateRange, $platforms: [AdsPlatform!]) {
    dashboard(asOf: $asOf) {
      adsRoas(range: $range, platforms: $platforms) {
        blended { campaignCount ${PERFORMANCE} }
        daily { date ${PERFORMANCE} }
        bySpend: campaigns(first: 100) { campaignId name platform ${PERFORMANCE} }
        byRoas: campaigns(first: 100, orderBy: ROAS, direction: ASC) { campaignId }
      }
    }
  }`;

async function tiles(query: string, variables: Record<string, unknown>, role: "authenticated" | "service_role") {
  const { body } = await gw.gql(query, variables, { role });
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data.dashboard;
}

// ───────────────────────────── the same formulas over the raw rows ─────────────────────────────

// Decimals as the API writes them (no trailing fractional zeros: trim_scale).
const sql = async <T = Record<string, unknown>>(text: string, params: unknown[] = []) => (await db.pool.query(text, params)).rows as T[];

/** The inventory tile from inventory_snapshots, reorder_points and supplier_lead_times, in plain numeric arithmetic. */
async function inventoryFromRows(from: string, to: string) {
  const skus = await sql<{ row: Record<string, unknown> }>(
    `WITH sales AS (
       SELECT sku, sum(units_sold) AS units_sold, count(*) AS snapshot_days, max(snapshot_date) AS last_date
       FROM inventory_snapshots WHERE snapshot_date BETWEEN $1 AND $2 GROUP BY sku
     ), base AS (
       SELECT w.*, s.product_title, s.on_hand_quantity AS on_hand, s.available_quantity AS available, s.committed_quantity AS committed,
              s.incoming_quantity AS incoming, coalesce(rp.lead_time_days, sl.lead_time_days, 7) AS lead, coalesce(rp.safety_stock, 0) AS safety,
              CASE WHEN rp.lead_time_days IS NOT NULL THEN 'OVERRIDE' WHEN sl.lead_time_days IS NOT NULL THEN 'SUPPLIER' ELSE 'DEFAULT' END AS source
       FROM sales w JOIN inventory_snapshots s ON s.sku = w.sku AND s.snapshot_date = w.last_date
       LEFT JOIN reorder_points rp ON rp.sku = w.sku LEFT JOIN supplier_lead_times sl ON sl.id = rp.supplier_id
     ), figures AS (
       SELECT base.*, ceil(units_sold::numeric * lead / snapshot_days + safety)::int AS rop,
              CASE WHEN units_sold > 0 THEN round(on_hand::numeric * snapshot_days / units_sold / 7, 2) END AS wos,
              CASE WHEN units_sold > 0 THEN round(on_hand::numeric * snapshot_days / units_sold, 2) END AS doc
       FROM base
     ), rated AS (
       SELECT figures.*, CASE WHEN on_hand <= 0 THEN 0 WHEN on_hand <= safety THEN 1 WHEN on_hand <= rop THEN 2 ELSE 3 END AS severity FROM figures
     )
     SELECT json_build_object(
       'sku', sku, 'productTitle', product_title, 'snapshotDate', last_date, 'onHand', on_hand, 'available', available, 'committed', committed,
       'incoming', incoming, 'unitsSold', units_sold, 'snapshotDays', snapshot_days, 'averageDailySales', trim_scale(round(units_sold::numeric / snapshot_days, 4))::text,
       'daysOfCover', trim_scale(doc)::text, 'weeksOfSupply', trim_scale(wos)::text, 'leadTimeDays', lead, 'leadTimeSource', source, 'safetyStock', safety,
       'reorderPoint', rop, 'status', (ARRAY['OUT_OF_STOCK', 'URGENT_REORDER', 'LOW_STOCK', 'IN_STOCK'])[severity + 1],
       'atOrBelowReorderPoint', on_hand <= rop) AS row
     FROM rated ORDER BY severity, wos NULLS LAST, sku`,
    [from, to],
  );
  const rows = skus.map((s) => s.row);
  const count = (status: string) => rows.filter((r) => r.status === status).length;
  return {
    skuCount: rows.length,
    atOrBelowReorderPointCount: rows.filter((r) => r.atOrBelowReorderPoint).length,
    statusCounts: {
      outOfStock: count("OUT_OF_STOCK"),
      urgentReorder: count("URGENT_REORDER"),
      lowStock: count("LOW_STOCK"),
      inStock: count("IN_STOCK"),
    },
    skus: rows,
    low: rows.filter((r) => r.status === "LOW_STOCK" || r.status === "URGENT_REORDER").map((r) => ({ sku: r.sku })),
    fine: rows.filter((r) => !r.atOrBelowReorderPoint).map((r) => ({ sku: r.sku })),
  };
}

const performanceSql = `
  'spendCents', coalesce(sum(spend_cents), 0)::text, 'revenueCents', coalesce(sum(revenue_cents), 0)::text,
  'impressions', coalesce(sum(impressions), 0)::text, 'clicks', coalesce(sum(clicks), 0)::text, 'conversions', coalesce(sum(conversions), 0)::text,
  'roas', trim_scale(round(sum(revenue_cents)::numeric / nullif(sum(spend_cents), 0), 2))::text,
  'cpcCents', trim_scale(round(sum(spend_cents)::numeric / nullif(sum(clicks), 0)))::text,
  'cpaCents', trim_scale(round(sum(spend_cents)::numeric / nullif(sum(conversions), 0)))::text,
  'ctr', trim_scale(round(sum(clicks)::numeric / nullif(sum(impressions), 0), 4))::text,
  'conversionRate', trim_scale(round(sum(conversions)::numeric / nullif(sum(clicks), 0), 4))::text`;

/** The ads tile from ads_daily_metrics and ads_campaigns. */
async function adsFromRows(from: string, to: string, platforms: string[] | null) {
  const scope = `FROM ads_daily_metrics m JOIN ads_campaigns c ON c.id = m.campaign_id
                 WHERE m.metric_date BETWEEN $1 AND $2 AND ($3::text[] IS NULL OR c.platform = ANY($3))`;
  const params = [from, to, platforms];
  const [blended] = await sql<{ j: Record<string, unknown> }>(
    `SELECT json_build_object('campaignCount', count(DISTINCT m.campaign_id), ${performanceSql}) AS j ${scope}`,
    params,
  );
  const daily = await sql<{ j: Record<string, unknown> }>(
    `SELECT json_build_object('date', d::date, ${performanceSql}) AS j
     FROM generate_series($1::date, $2::date, interval '1 day') AS d
     LEFT JOIN (SELECT m.* ${scope}) AS m ON m.metric_date = d::date GROUP BY d ORDER BY d`,
    params,
  );
  const campaigns = await sql<{ j: Record<string, unknown>; roas: string | null }>(
    `SELECT json_build_object('campaignId', c.id, 'name', c.campaign_name, 'platform', upper(c.platform), ${performanceSql}) AS j,
            sum(revenue_cents)::numeric / nullif(sum(spend_cents), 0) AS roas
     ${scope} GROUP BY c.id ORDER BY sum(spend_cents) DESC, c.id`,
    params,
  );
  const byRoas = await sql<{ id: string }>(
    `SELECT c.id ${scope} GROUP BY c.id ORDER BY sum(revenue_cents)::numeric / nullif(sum(spend_cents), 0) ASC NULLS LAST, c.id`,
    params,
  );
  return {
    blended: blended.j,
    daily: daily.map((d) => d.j),
    bySpend: campaigns.map((c) => c.j),
    byRoas: byRoas.map((c) => ({ campaignId: c.id })),
  };
}

/** Windows of 1, 7, 30 and 61 days ending on days across the data, before it and after it. */
const WINDOW_ENDS = [LAST_DAY, day(74), day(40), day(4), day(100), day(-10)];
const WINDOW_LENGTHS = [1, 7, 30, 61];
const WINDOWS = WINDOW_ENDS.flatMap((to) => WINDOW_LENGTHS.map((days) => ({ from: day(1 - days, to), to })));

async function expectTilesEqualRawRows(role: "authenticated" | "service_role" = "service_role") {
  let shown = 0;
  for (const window of WINDOWS) {
    const inventory = (await tiles(INVENTORY, { asOf: window.to, window }, role)).inventory;
    expect(inventory, `inventory ${window.from}..${window.to}`).toEqual(await inventoryFromRows(window.from, window.to));
    shown += inventory.skuCount;
    for (const platforms of [null, ["META"], ["GOOGLE", "TIKTOK", "ORGANIC"]]) {
      const ads = (await tiles(ADS, { asOf: window.to, range: window, platforms }, role)).adsRoas;
      const expected = await adsFromRows(window.from, window.to, platforms?.map((p) => p.toLowerCase()) ?? null);
      expect(ads, `ads ${window.from}..${window.to} ${platforms?.join(",") ?? "all"}`).toEqual(expected);
    }
  }
  expect(shown).toBeGreaterThan(0);
}

/** Every summary row, in key order: compared before and after a rebuild from scratch. */
async function summaryContents(client: pg.Pool | pg.PoolClient = db.pool) {
  const tables = ["inventory_sku", "inventory_sku_day", "ads_campaign", "ads_campaign_day", "ads_day"];
  const contents: Record<string, string> = {};
  for (const table of tables) {
    const { rows } = await client.query<{ rows: string | null }>(`SELECT json_agg(t ORDER BY t)::text AS rows FROM summaries.${table} t`);
    contents[table] = rows[0].rows ?? "[]";
  }
  return contents;
}

async function expectSummariesEqualRebuild() {
  const kept = await summaryContents();
  await db.pool.query("SELECT summaries.rebuild()");
  expect(await summaryContents()).toEqual(kept);
}

// ───────────────────────────── the tests ─────────────────────────────

describe("the inventory and ads tiles from summaries equal the same formulas over the raw rows", () => {
  let campaignIds: string[] = [];

  beforeAll(async () => {
    // Suppliers and reorder points: some SKUs with an override, some with a supplier only, some with neither, some with no row.
    await sql(`INSERT INTO supplier_lead_times (supplier, lead_time_days) VALUES ('Acme', 5), ('Globex', 12), ('Initech', 30)`);
    await sql(
      `INSERT INTO reorder_points (sku, supplier_id, safety_stock, lead_time_days)
       SELECT sku, CASE WHEN n % 4 <> 3 THEN (SELECT id FROM supplier_lead_times ORDER BY supplier OFFSET n % 3 LIMIT 1) END,
              n % 6 * 5, CASE WHEN n % 5 = 0 THEN 3 + n % 4 END
       FROM unnest($1::text[]) WITH ORDINALITY AS s(sku, n) WHERE n % 8 <> 0`,
      [SKUS],
    );
    const campaigns = await sql<{ id: string }>(
      `INSERT INTO ads_campaigns (campaign_id, platform, campaign_name, start_date)
       SELECT 'gen-' || i, ($1::text[])[1 + i % 5], 'Campaign ' || i, '2025-12-01' FROM generate_series(1, 12) AS i RETURNING id`,
      [PLATFORMS],
    );
    campaignIds = campaigns.map((c) => c.id);
  });

  test("written through the gateway, later days first (so earlier days arrive late)", async () => {
    const snapshots = generateSnapshots();
    const late = snapshots.filter((s) => s.snapshotDate < day(45));
    const early = snapshots.filter((s) => s.snapshotDate >= day(45));
    for (const batch of [early, late]) {
      const { body } = await gw.gql(
        `mutation ($input: IngestInventorySnapshotsInput!) { ingestInventorySnapshots(input: $input) { inserted } }`,
        { input: { snapshots: batch } },
        { role: "service_role" },
      );
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      expect(body.data.ingestInventorySnapshots.inserted).toBe(batch.length);
    }
    // Metrics: campaigns with gaps, days of zero spend, zero clicks; the second half first.
    const metrics = campaignIds.flatMap((campaignId, i) =>
      Array.from({ length: DAYS }, (_, d) => d)
        .filter((d) => !(i % 4 === 1 && d % 5 === 0) && !(i === 7 && d > 50))
        .map((d) => {
          const clicks = i % 6 === 5 ? 0 : int(300);
          return {
            campaignId,
            metricDate: day(d),
            spendCents: d % 9 === 0 ? 0 : int(20_000),
            impressions: i === 3 ? 0 : clicks * 10 + int(5_000),
            clicks,
            conversions: Math.floor(clicks * random() * 0.1),
            revenueCents: int(60_000),
          };
        }),
    );
    for (const batch of [metrics.filter((m) => m.metricDate >= day(45)), metrics.filter((m) => m.metricDate < day(45))]) {
      const { body } = await gw.gql(
        `mutation ($input: UpsertAdsDailyMetricsInput!) { upsertAdsDailyMetrics(input: $input) { inserted } }`,
        { input: { metrics: batch } },
        { role: "service_role" },
      );
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    }
    await expectTilesEqualRawRows();
    await expectSummariesEqualRebuild();
  });

  test("after ETL straight into the tables: corrections, late rows, deletes, lead-time and platform changes", async () => {
    // Corrections, including one SKU's day to zero sales and another to an empty shelf.
    await sql(`UPDATE inventory_snapshots SET units_sold = units_sold + 3 WHERE sku IN ('SKU-002', 'SKU-009') AND snapshot_date BETWEEN $1 AND $2`, [
      day(20),
      day(70),
    ]);
    await sql(`UPDATE inventory_snapshots SET units_sold = 0, on_hand_quantity = 0 WHERE sku = 'SKU-004' AND snapshot_date = $1`, [LAST_DAY]);
    // A SKU renamed on one day (the key itself changes).
    await sql(`UPDATE inventory_snapshots SET sku = 'SKU-041' WHERE sku = 'SKU-005' AND snapshot_date >= $1`, [day(80)]);
    // Late rows filling a gap, and a brand-new SKU that starts in the past.
    await sql(
      `INSERT INTO inventory_snapshots (sku, snapshot_date, on_hand_quantity, units_sold)
       SELECT 'SKU-001', d::date, 10, 2 FROM generate_series($1::date, $2::date, interval '1 day') d ON CONFLICT (sku, snapshot_date) DO NOTHING`,
      [day(10), day(14)],
    );
    await sql(
      `INSERT INTO inventory_snapshots (sku, snapshot_date, on_hand_quantity, units_sold) VALUES ('SKU-NEW', $1, 5, 1), ('SKU-NEW', $2, 4, 1)`,
      [day(30), day(33)],
    );
    // Deletes: a SKU's last snapshot, another's first, and every snapshot of a third.
    await sql(
      `DELETE FROM inventory_snapshots WHERE sku = 'SKU-003' AND snapshot_date = (SELECT max(snapshot_date) FROM inventory_snapshots WHERE sku = 'SKU-003')`,
    );
    await sql(
      `DELETE FROM inventory_snapshots WHERE sku = 'SKU-006' AND snapshot_date = (SELECT min(snapshot_date) FROM inventory_snapshots WHERE sku = 'SKU-006')`,
    );
    await sql(`DELETE FROM inventory_snapshots WHERE sku = 'SKU-010'`);
    // Lead times and safety stock: an override removed, a supplier's lead time changed, a supplier deleted, a reorder point deleted.
    await sql(`UPDATE reorder_points SET lead_time_days = NULL, safety_stock = 40 WHERE sku = 'SKU-005'`);
    await sql(`UPDATE supplier_lead_times SET lead_time_days = 21 WHERE supplier = 'Acme'`);
    await sql(`DELETE FROM supplier_lead_times WHERE supplier = 'Initech'`);
    await sql(`DELETE FROM reorder_points WHERE sku = 'SKU-002'`);
    await sql(`INSERT INTO reorder_points (sku, safety_stock, lead_time_days) VALUES ('SKU-NEW', 2, 9)`);

    // Ads: a corrected day, a deleted day, a campaign moved to another platform, a campaign deleted with its metrics, a late day.
    await sql(`UPDATE ads_daily_metrics SET spend_cents = spend_cents * 2, clicks = 0 WHERE campaign_id = $1 AND metric_date BETWEEN $2 AND $3`, [
      campaignIds[0],
      day(60),
      day(80),
    ]);
    await sql(`DELETE FROM ads_daily_metrics WHERE campaign_id = $1 AND metric_date = $2`, [campaignIds[2], LAST_DAY]);
    await sql(`UPDATE ads_campaigns SET platform = 'tiktok' WHERE id = $1`, [campaignIds[1]]);
    await sql(`DELETE FROM ads_campaigns WHERE id = $1`, [campaignIds[11]]);
    await sql(
      `INSERT INTO ads_daily_metrics (campaign_id, metric_date, spend_cents, revenue_cents, impressions, clicks, conversions)
       VALUES ($1, $2, 500, 2500, 1000, 10, 1) ON CONFLICT (campaign_id, metric_date) DO UPDATE SET spend_cents = 500`,
      [campaignIds[7], day(70)],
    );

    await expectTilesEqualRawRows();
    await expectTilesEqualRawRows("authenticated");
    await expectSummariesEqualRebuild();
  });

  test("a write that fails leaves the summaries as they were (all or nothing)", async () => {
    const before = await summaryContents();
    // The second row breaks a CHECK: the statement, and with it the summaries' update, is rolled back.
    const failed = await sqlState(
      db.pool.query(
        `INSERT INTO inventory_snapshots (sku, snapshot_date, on_hand_quantity, units_sold) VALUES ('SKU-011', $1, 5, 1), ('SKU-012', $1, -1, 1)`,
        [day(91)],
      ),
    );
    expect(failed).toBe("23514");
    expect(await summaryContents()).toEqual(before);
  });

  test("concurrent writers of one SKU queue on its summary row: the result equals a rebuild", async () => {
    const a = await db.pool.connect();
    const b = await db.pool.connect();
    try {
      await a.query("BEGIN");
      await b.query("BEGIN");
      // A writes a day in the middle of SKU-020's history; B, meanwhile, its next day and a new last day.
      await a.query(`UPDATE inventory_snapshots SET units_sold = units_sold + 100 WHERE sku = 'SKU-020' AND snapshot_date = $1`, [day(50)]);
      const bWrite = b.query(
        `INSERT INTO inventory_snapshots (sku, snapshot_date, on_hand_quantity, units_sold) VALUES ('SKU-020', $1, 7, 7), ('SKU-020', $2, 8, 8)
         ON CONFLICT (sku, snapshot_date) DO UPDATE SET units_sold = EXCLUDED.units_sold`,
        [day(51), day(95)],
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      await a.query("COMMIT");
      await bWrite;
      await b.query("COMMIT");
    } finally {
      a.release();
      b.release();
    }
    await expectSummariesEqualRebuild();
  });

  test("a REPEATABLE READ writer that would read a summary another writer changed gets a serialization failure, not a wrong sum", async () => {
    const a = await db.pool.connect();
    const b = await db.pool.connect();
    try {
      await b.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      await b.query("SELECT 1 FROM inventory_snapshots LIMIT 1"); // B's snapshot is taken here
      await a.query(`UPDATE inventory_snapshots SET units_sold = units_sold + 1 WHERE sku = 'SKU-021' AND snapshot_date = $1`, [day(50)]);
      const state = await sqlState(
        b.query(`UPDATE inventory_snapshots SET units_sold = units_sold + 1 WHERE sku = 'SKU-021' AND snapshot_date = $1`, [day(60)]),
      );
      expect(state).toBe("40001");
      await b.query("ROLLBACK");
    } finally {
      a.release();
      b.release();
    }
    await expectSummariesEqualRebuild();
  });

  test("TRUNCATE empties the summaries; rebuild() is idempotent", async () => {
    const before = await summaryContents();
    await db.pool.query("SELECT summaries.rebuild()");
    await db.pool.query("SELECT summaries.rebuild()");
    expect(await summaryContents()).toEqual(before);
    const client = await db.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("TRUNCATE inventory_snapshots, ads_daily_metrics");
      const emptied = await summaryContents(client);
      expect(Object.values(emptied).every((rows) => rows === "[]")).toBe(true);
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
  });
});

describe("RLS guards the summaries like their sources", () => {
  const OPERATOR = { role: "authenticated", sub: "00000000-0000-4000-8000-000000000001" };
  const CALLERS: Record<string, { role: string; claims: object }> = {
    anon: { role: "anon", claims: { role: "anon" } },
    anonymous: { role: "authenticated", claims: { ...OPERATOR, sub: "00000000-0000-4000-8000-000000000002", is_anonymous: true } },
    authenticated: { role: "authenticated", claims: OPERATOR },
    service_role: { role: "service_role", claims: { role: "service_role" } },
  };
  /** Each summary, the source it is read like, and a column to try to write. */
  const SUMMARIES = {
    inventory_sku: { source: "inventory_snapshots", column: "sku" },
    inventory_sku_day: { source: "inventory_snapshots", column: "sku" },
    ads_campaign: { source: "ads_daily_metrics", column: "campaign_id" },
    ads_campaign_day: { source: "ads_daily_metrics", column: "campaign_id" },
    ads_day: { source: "ads_daily_metrics", column: "platform" },
  };
  /** "rows", "none" (the statement ran and saw nothing) or the SQLSTATE it failed with. */
  const reads = async (caller: string, table: string) => {
    const { role, claims } = CALLERS[caller];
    try {
      const rows = await sqlAs<{ n: number }>(db.pool, role, claims, `SELECT count(*)::int AS n FROM ${table}`);
      return rows[0].n > 0 ? "rows" : "none";
    } catch (error) {
      return (error as { code?: string }).code;
    }
  };

  test.each(Object.keys(CALLERS))("%s reads each summary exactly as it reads its source, and writes none", async (caller) => {
    const { role, claims } = CALLERS[caller];
    for (const [summary, { source, column }] of Object.entries(SUMMARIES)) {
      expect(await reads(caller, `summaries.${summary}`), `${caller} reading ${summary}`).toBe(await reads(caller, `public.${source}`));
      for (const write of [
        `INSERT INTO summaries.${summary} DEFAULT VALUES`,
        `UPDATE summaries.${summary} SET ${column} = ${column}`,
        `DELETE FROM summaries.${summary}`,
      ]) {
        expect(await sqlState(sqlAs(db.pool, role, claims, write)), `${caller}: ${write}`).toBe("42501");
      }
    }
    expect(await sqlState(sqlAs(db.pool, role, claims, "SELECT summaries.rebuild()"))).toBe("42501");
  });
});
