// The bench database: created (dropped first), migrated and filled with generate_series SQL.
import pg from "pg";
import { log, settings, today } from "./settings.ts";

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Statements that fill the bench database at a scale (BENCH_SCALE multiplies the campaigns and the SKUs,
 * and so their history); $1 is today (UTC). Deterministic apart from the dates (setseed).
 */
const loadSteps = (scale: number): [string, string][] => {
  // Zero-padded numbers sort as numbers and stay unique at any scale.
  const pad = (n: number) => Math.max(String(n).length, 4);
  return [
    ["seed", `SELECT setseed(0.2025), $1::date`],
    [
      `${(200 * scale).toLocaleString("en-US")} campaigns`,
      `
    INSERT INTO ads_campaigns (campaign_id, platform, campaign_name, status, budget_cents, target_roas, start_date, utm_source, utm_medium, utm_campaign, created_at)
    SELECT 'bench-' || lpad(i::text, ${pad(200 * scale)}, '0'), (ARRAY['meta','google','tiktok','pinterest','organic'])[1 + i % 5], 'Campaign ' || i,
           (ARRAY['active','active','active','paused','archived'])[1 + i % 5], 10000 + i * 100, 2 + i % 3, $1::date - 400,
           'source-' || i % 4, 'cpc', 'utm-' || i, now() - i * interval '1 hour'
    FROM generate_series(1, ${200 * scale}) AS i`,
    ],
    [
      `${(73_000 * scale).toLocaleString("en-US")} campaign-days of metrics`,
      `
    INSERT INTO ads_daily_metrics (campaign_id, metric_date, spend_cents, impressions, clicks, conversions, revenue_cents)
    SELECT campaign_id, day, spend, impressions, clicks, conversions, conversions * (4000 + (random() * 12000)::int)
    FROM (SELECT campaign_id, day, spend, impressions, clicks, (clicks * random() * 0.08)::int AS conversions
          FROM (SELECT campaign_id, day, spend, impressions, (impressions * random() * 0.03)::int AS clicks
                FROM (SELECT c.id AS campaign_id, d::date AS day, CASE WHEN random() < 0.05 THEN 0 ELSE (random() * 20000)::int END AS spend,
                             (1000 + random() * 40000)::int AS impressions
                      FROM ads_campaigns c CROSS JOIN generate_series($1::date - 364, $1::date, interval '1 day') AS d) a) b) c`,
    ],
    [
      "20 suppliers",
      `
    INSERT INTO supplier_lead_times (supplier, lead_time_days, max_lead_days)
    SELECT 'Supplier ' || i, 5 + i, 8 + i * 2 FROM generate_series(1, 20) AS i WHERE $1::date IS NOT NULL`,
    ],
    [
      `${(4500 * scale).toLocaleString("en-US")} reorder points (one SKU in ten has none)`,
      `
    INSERT INTO reorder_points (sku, supplier_id, safety_stock, lead_time_days)
    SELECT 'SKU-' || lpad(i::text, ${pad(5000 * scale)}, '0'), (SELECT id FROM supplier_lead_times WHERE supplier = 'Supplier ' || (1 + i % 20)),
           i % 15, CASE WHEN i % 7 = 0 THEN 3 + i % 10 END
    FROM generate_series(1, ${5000 * scale}) AS i WHERE i % 10 <> 0 AND $1::date IS NOT NULL`,
    ],
    [
      `${(450_000 * scale).toLocaleString("en-US")} inventory snapshots`,
      `
    INSERT INTO inventory_snapshots (sku, variant_id, product_title, snapshot_date, on_hand_quantity, available_quantity, committed_quantity, incoming_quantity, units_sold)
    SELECT sku, 'gid://shopify/ProductVariant/' || i, 'Product ' || i, day, on_hand, on_hand - least(on_hand, sold), least(on_hand, sold), (i % 5 = 0)::int * 50, sold
    FROM (SELECT i, 'SKU-' || lpad(i::text, ${pad(5000 * scale)}, '0') AS sku, d::date AS day,
                 CASE WHEN i % 17 = 0 THEN 0 ELSE (random() * (i % 9) * 40)::int END AS on_hand, (random() * (i % 12))::int AS sold
          FROM generate_series(1, ${5000 * scale}) AS i CROSS JOIN generate_series($1::date - 89, $1::date, interval '1 day') AS d) s`,
    ],
    [
      "10,000 approvals",
      `
    INSERT INTO "AgentApproval" ("conversationId", agent, kind, summary, payload, "createdAt", "expiresAt")
    SELECT 'bench-conv-' || i, (ARRAY['cx-agent','inventory-agent','growth-agent','analytics-agent'])[1 + i % 4],
           (ARRAY['refund','cancel_order','data_export','pricing_approval','reply_draft','inventory_reorder'])[1 + i % 6],
           'Bench approval ' || i, jsonb_build_object('n', i), now() - i * interval '4 minutes',
           CASE WHEN i % 3 = 0 THEN now() - i * interval '4 minutes' + interval '45 days' END
    FROM generate_series(1, 10000) AS i WHERE $1::date IS NOT NULL`,
    ],
    [
      "9,000 decisions (1,000 stay pending)",
      `
    UPDATE "AgentApproval" SET
      status = CASE WHEN n % 3 = 0 THEN 'expired' WHEN n % 3 = 1 THEN 'approved' ELSE 'rejected' END,
      "decidedBy" = CASE WHEN n % 3 = 0 THEN NULL ELSE 'ops@hotrodan.com' END
    FROM (SELECT id AS approval_id, substr("conversationId", 12)::int AS n FROM "AgentApproval") AS a
    WHERE "AgentApproval".id = a.approval_id AND n % 10 <> 0 AND $1::date IS NOT NULL`,
    ],
    [
      "100,000 log rows",
      `
    INSERT INTO observability_logs (level, message, metadata, request_id, created_at)
    SELECT (ARRAY['DEBUG','INFO','INFO','INFO','WARN','ERROR'])[1 + i % 6], 'bench message ' || i,
           jsonb_build_object('tile', (ARRAY['revenue','inventory','ads','queue'])[1 + i % 4], 'duration_ms', i % 500),
           'req-' || i, now() - i * interval '10 seconds'
    FROM generate_series(1, 100000) AS i WHERE $1::date IS NOT NULL`,
    ],
    [
      "2 years of shop facts",
      `
    INSERT INTO "DashboardFact" ("shopDomain", metric, "factDate", value, unit)
    SELECT 'hotrodan.myshopify.com', m.metric, d::date, round((m.base * (0.7 + random() * 0.6))::numeric, 4), m.unit
    FROM generate_series($1::date - 729, $1::date, interval '1 day') AS d
    CROSS JOIN (VALUES ('revenue', 2500000.0, 'cents'), ('orders', 120.0, 'count'), ('aov', 21000.0, 'cents')) AS m(metric, base, unit)`,
    ],
  ];
};

export async function prepareDatabase(): Promise<{ loadSeconds: number; rows: Record<string, number> }> {
  const url = new URL(settings.databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  const admin = new URL(settings.databaseUrl);
  admin.pathname = "/postgres";
  const exists = await withClient(
    admin.toString(),
    async (c) => (await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount === 1,
  );
  const started = Date.now();
  if (!(settings.reuse && exists)) {
    await withClient(admin.toString(), async (c) => {
      await c.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
      await c.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    });
    const { applyMigrations } = await import("../../src/db/migrate.ts");
    await applyMigrations(settings.databaseUrl);
    await withClient(settings.databaseUrl, async (c) => {
      for (const [label, sql] of loadSteps(settings.scale)) {
        const t = Date.now();
        await c.query(sql, [today]);
        if (label !== "seed") log(`  loaded ${label} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      }
      await c.query("VACUUM ANALYZE");
      // Every CPU second then belongs to a backend we can measure (parallel workers come and go);
      // on 2 cores under concurrent load, parallel plans do not add throughput anyway.
      await c.query(`ALTER DATABASE "${name.replaceAll('"', '""')}" SET max_parallel_workers_per_gather = 0`);
    });
  } else {
    log(`  reusing ${name} (BENCH_REUSE=1)`);
  }
  const rows = await withClient(settings.databaseUrl, async (c) => {
    const tables = [
      "ads_campaigns",
      "ads_daily_metrics",
      "inventory_snapshots",
      "reorder_points",
      "AgentApproval",
      "observability_logs",
      "DashboardFact",
    ];
    const counts: Record<string, number> = {};
    for (const t of tables) counts[t] = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM "${t}"`)).rows[0].n);
    return counts;
  });
  return { loadSeconds: (Date.now() - started) / 1000, rows };
}
