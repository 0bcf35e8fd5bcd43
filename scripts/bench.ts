/**
 * `npm run bench`: the gateway under load against the hand-written SQL floor, on a realistic volume.
 *
 *  1. Creates (drops first) the database `hotdash_bench` on the local server (or BENCH_DATABASE_URL),
 *     migrates it, and fills it with generate_series SQL: 200 campaigns × 365 days of metrics, 5,000
 *     SKUs × 90 days of snapshots, 10,000 approvals, 100,000 log rows, 2 years of shop facts.
 *  2. Counts the SQL statements each query sends (the runtime's Database.statementCount(), on an
 *     in-process gateway built by the same createGateway()).
 *  3. Starts the gateway as a child process (`node --import tsx src/index.ts`) and the floor (this
 *     file with `floor-server`: node:http + pg, the same data by hand-written SQL, JSON built by
 *     PostgreSQL and passed through untouched), both with the same pool size, and samples the
 *     gateway's memory from /proc/<pid>/status.
 *  4. Drives both with autocannon: the dashboard query and the campaign list (first 100 campaigns,
 *     each with its last 30 days of metrics), as service_role and authenticated, at 10 and 50
 *     concurrent clients; then a soak that alternates both queries to check memory stays flat.
 *  5. Prints requests/s, p50/p99 latency, statements/request, peak memory, and the ratios against
 *     the floor and between roles; writes the raw numbers to .bench/<time>.json.
 *
 * Settings (environment): BENCH_DATABASE_URL, BENCH_DURATION (s per scenario, 15), BENCH_WARMUP
 * (s, 3), BENCH_CONNECTIONS ("10,50"), BENCH_SOAK (s, 90; 0 skips), BENCH_POOL_MAX (10),
 * BENCH_REUSE=1 (keep an already loaded database), BENCH_PROFILE=1 (gateway under `node --cpu-prof`,
 * profile summarised at the end), BENCH_ONLY ("dashboard" or "campaigns"), BENCH_GATEWAY_NODE_FLAGS
 * (extra node flags for the gateway, e.g. "--max-semi-space-size=64").
 * docs/benchmarks.md has the results and how to read them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const JWT_SECRET = "hotdash-bench-secret-0123456789-0123456789";

const settings = {
  databaseUrl: process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/hotdash_bench",
  duration: Number(process.env.BENCH_DURATION ?? 15),
  warmup: Number(process.env.BENCH_WARMUP ?? 3),
  connections: (process.env.BENCH_CONNECTIONS ?? "10,50").split(",").map(Number),
  soak: Number(process.env.BENCH_SOAK ?? 90),
  poolMax: Number(process.env.BENCH_POOL_MAX ?? 10),
  reuse: process.env.BENCH_REUSE === "1",
  profile: process.env.BENCH_PROFILE === "1",
  only: process.env.BENCH_ONLY ?? "",
  /** Extra Node flags for the gateway process, e.g. "--max-semi-space-size=64". */
  gatewayNodeFlags: (process.env.BENCH_GATEWAY_NODE_FLAGS ?? "").split(" ").filter(Boolean),
};

const DAY_MS = 86_400_000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);
const today = isoDay(new Date());
const last30 = { from: isoDay(new Date(Date.parse(today) - 29 * DAY_MS)), to: today };

// ───────────── The two queries: GraphQL, and the same data by hand-written SQL ─────────────

const DASHBOARD_QUERY = `query Dashboard {
  dashboard {
    revenue { range { from to } totalCents previousTotalCents changeCents changePercent trend daysWithData daily { date valueCents hasData } }
    inventory {
      skuCount atOrBelowReorderPointCount statusCounts { outOfStock urgentReorder lowStock inStock }
      skus(first: 20, atOrBelowReorderPoint: true) { sku productTitle onHand averageDailySales weeksOfSupply reorderPoint status }
    }
    adsRoas {
      blended { campaignCount spendCents revenueCents impressions clicks conversions roas cpcCents cpaCents ctr conversionRate }
      daily { date spendCents revenueCents roas }
      campaigns(first: 10) { campaignId name platform spendCents revenueCents roas cpcCents cpaCents ctr conversionRate }
    }
    supportQueue {
      pendingCount urgency oldestPendingAt expiringWithinHourCount byAge { normal warning critical } byKind { kind count }
      items(first: 20) { id kind agent summary createdAt ageMinutes }
    }
  }
}`;

const CAMPAIGNS_QUERY = `query Campaigns($range: DateRange) {
  adsCampaigns(first: 100) {
    edges { node { id name platform status budgetCents dailyMetrics(range: $range) { metricDate spendCents impressions clicks conversions revenueCents roas ctr } } }
  }
}`;

const performanceSql = `
  'spendCents', coalesce(sum(spend_cents), 0)::text, 'revenueCents', coalesce(sum(revenue_cents), 0)::text,
  'impressions', coalesce(sum(impressions), 0)::text, 'clicks', coalesce(sum(clicks), 0)::text, 'conversions', coalesce(sum(conversions), 0)::text,
  'roas', round(sum(revenue_cents)::numeric / nullif(sum(spend_cents), 0), 2)::text,
  'cpcCents', round(sum(spend_cents)::numeric / nullif(sum(clicks), 0))::text,
  'cpaCents', round(sum(spend_cents)::numeric / nullif(sum(conversions), 0))::text,
  'ctr', round(sum(clicks)::numeric / nullif(sum(impressions), 0), 4)::text,
  'conversionRate', round(sum(conversions)::numeric / nullif(sum(clicks), 0), 4)::text`;

/** The dashboard page by hand: one statement per tile, each returning its JSON ($1 from, $2 to). */
const FLOOR_DASHBOARD_SQL = {
  revenue: `
    WITH facts AS (
      SELECT "factDate" AS day, sum(value) AS value FROM "DashboardFact"
      WHERE metric = 'revenue' AND unit = 'cents' AND "factDate" BETWEEN $1::date - 30 AND $2::date GROUP BY "factDate"
    ), totals AS (
      SELECT coalesce(sum(value) FILTER (WHERE day >= $1::date), 0) AS cur, coalesce(sum(value) FILTER (WHERE day < $1::date), 0) AS prev,
             count(*) FILTER (WHERE day >= $1::date) AS days FROM facts
    )
    SELECT json_build_object('range', json_build_object('from', $1::date, 'to', $2::date),
      'totalCents', cur::text, 'previousTotalCents', prev::text, 'changeCents', (cur - prev)::text,
      'changePercent', round((cur - prev) * 100 / nullif(prev, 0), 2)::text,
      'trend', CASE WHEN cur > prev THEN 'UP' WHEN cur < prev THEN 'DOWN' ELSE 'FLAT' END, 'daysWithData', days,
      'daily', (SELECT json_agg(json_build_object('date', d::date, 'valueCents', coalesce(f.value, 0)::text, 'hasData', f.day IS NOT NULL) ORDER BY d)
                FROM generate_series($1::date, $2::date, interval '1 day') d LEFT JOIN facts f ON f.day = d::date))::text
    FROM totals`,
  inventory: `
    WITH sales AS (
      SELECT sku, sum(units_sold) AS units_sold, count(*) AS days, max(snapshot_date) AS last_date
      FROM inventory_snapshots WHERE snapshot_date BETWEEN $1::date AND $2::date GROUP BY sku
    ), skus AS (
      SELECT s.sku, s.product_title, s.on_hand_quantity AS on_hand, w.units_sold::numeric / w.days AS avg_sales,
             coalesce(rp.safety_stock, 0) AS safety,
             ceil(w.units_sold::numeric / w.days * coalesce(rp.lead_time_days, sl.lead_time_days, 7) + coalesce(rp.safety_stock, 0))::int AS rop
      FROM sales w CROSS JOIN LATERAL (SELECT * FROM inventory_snapshots s WHERE s.sku = w.sku AND s.snapshot_date = w.last_date LIMIT 1) s
      LEFT JOIN reorder_points rp ON rp.sku = w.sku LEFT JOIN supplier_lead_times sl ON sl.id = rp.supplier_id
    ), rated AS (
      SELECT *, CASE WHEN avg_sales > 0 THEN round(on_hand / avg_sales / 7, 2) END AS wos,
             CASE WHEN on_hand <= 0 THEN 0 WHEN on_hand <= safety THEN 1 WHEN on_hand <= rop THEN 2 ELSE 3 END AS severity
      FROM skus
    )
    SELECT json_build_object('skuCount', count(*), 'atOrBelowReorderPointCount', count(*) FILTER (WHERE on_hand <= rop),
      'statusCounts', json_build_object('outOfStock', count(*) FILTER (WHERE severity = 0), 'urgentReorder', count(*) FILTER (WHERE severity = 1),
                                        'lowStock', count(*) FILTER (WHERE severity = 2), 'inStock', count(*) FILTER (WHERE severity = 3)),
      'skus', (SELECT coalesce(json_agg(json_build_object('sku', sku, 'productTitle', product_title, 'onHand', on_hand,
                 'averageDailySales', round(avg_sales, 4)::text, 'weeksOfSupply', wos::text, 'reorderPoint', rop,
                 'status', (ARRAY['OUT_OF_STOCK','URGENT_REORDER','LOW_STOCK','IN_STOCK'])[severity + 1]) ORDER BY severity, wos NULLS LAST, sku), '[]')
               FROM (SELECT * FROM rated WHERE on_hand <= rop ORDER BY severity, wos NULLS LAST, sku LIMIT 20) top))::text
    FROM rated`,
  adsRoas: `
    WITH metrics AS (
      SELECT campaign_id, metric_date, spend_cents::bigint AS spend_cents, revenue_cents::bigint AS revenue_cents,
             impressions::bigint AS impressions, clicks::bigint AS clicks, conversions::bigint AS conversions
      FROM ads_daily_metrics WHERE metric_date BETWEEN $1::date AND $2::date
    )
    SELECT json_build_object(
      'blended', (SELECT json_build_object('campaignCount', count(DISTINCT campaign_id), ${performanceSql}) FROM metrics),
      'daily', (SELECT json_agg(j ORDER BY day) FROM (SELECT d.day, json_build_object('date', d.day, 'spendCents', coalesce(sum(spend_cents), 0)::text,
                  'revenueCents', coalesce(sum(revenue_cents), 0)::text, 'roas', round(sum(revenue_cents)::numeric / nullif(sum(spend_cents), 0), 2)::text) AS j
                FROM (SELECT g::date AS day FROM generate_series($1::date, $2::date, interval '1 day') g) d
                LEFT JOIN metrics m ON m.metric_date = d.day GROUP BY d.day) per_day),
      'campaigns', (SELECT coalesce(json_agg(j ORDER BY rank), '[]') FROM (
                  SELECT json_build_object('campaignId', c.id, 'name', c.campaign_name, 'platform', upper(c.platform), ${performanceSql}) AS j,
                         row_number() OVER (ORDER BY sum(spend_cents) DESC, c.id) AS rank
                  FROM metrics JOIN ads_campaigns c ON c.id = metrics.campaign_id GROUP BY c.id
                  ORDER BY sum(spend_cents) DESC, c.id LIMIT 10) top))::text`,
  supportQueue: `
    WITH pending AS (
      SELECT id, kind, agent, summary, "createdAt", "expiresAt", floor(extract(epoch FROM now() - "createdAt") / 60)::int AS age
      FROM "AgentApproval" WHERE status = 'pending' AND ("expiresAt" IS NULL OR "expiresAt" > now())
    )
    SELECT json_build_object('pendingCount', count(*),
      'urgency', CASE WHEN count(*) > 10 THEN 'HIGH' WHEN count(*) > 5 THEN 'MEDIUM' ELSE 'LOW' END,
      'oldestPendingAt', min("createdAt"), 'expiringWithinHourCount', count(*) FILTER (WHERE "expiresAt" <= now() + interval '1 hour'),
      'byAge', json_build_object('normal', count(*) FILTER (WHERE age < 60), 'warning', count(*) FILTER (WHERE age >= 60 AND age < 120),
                                 'critical', count(*) FILTER (WHERE age >= 120)),
      'byKind', (SELECT coalesce(json_agg(json_build_object('kind', kind, 'count', n) ORDER BY n DESC, kind), '[]')
                 FROM (SELECT kind, count(*) AS n FROM pending GROUP BY kind) k),
      'items', (SELECT coalesce(json_agg(json_build_object('id', id, 'kind', kind, 'agent', agent, 'summary', summary,
                  'createdAt', "createdAt", 'ageMinutes', age) ORDER BY "createdAt", id), '[]')
                FROM (SELECT * FROM pending ORDER BY "createdAt", id LIMIT 20) oldest))::text
    FROM pending`,
};

/** The campaign list by hand: one statement, nested JSON built by PostgreSQL ($1 from, $2 to). */
const FLOOR_CAMPAIGNS_SQL = `
  SELECT coalesce(json_agg(json_build_object('node', json_build_object('id', c.id, 'name', c.campaign_name, 'platform', upper(c.platform),
    'status', upper(c.status), 'budgetCents', c.budget_cents,
    'dailyMetrics', (SELECT coalesce(json_agg(json_build_object('metricDate', m.metric_date, 'spendCents', m.spend_cents, 'impressions', m.impressions,
                       'clicks', m.clicks, 'conversions', m.conversions, 'revenueCents', m.revenue_cents, 'roas', m.roas::text, 'ctr', m.ctr::text)
                       ORDER BY m.metric_date), '[]')
                     FROM ads_daily_metrics m WHERE m.campaign_id = c.id AND m.metric_date BETWEEN $1::date AND $2::date)))
    ORDER BY c.created_at DESC, c.id DESC), '[]')::text
  FROM (SELECT * FROM ads_campaigns ORDER BY created_at DESC, id DESC LIMIT 100) c`;

const FLOOR_STATEMENTS = { dashboard: Object.keys(FLOOR_DASHBOARD_SQL).length, campaigns: 1 };

/** The floor: an HTTP endpoint per query, hand-written SQL through one pg.Pool, no GraphQL, no ORM. */
async function runFloorServer(): Promise<void> {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_MAX ?? 10) });
  const query = async (sql: string) => {
    const values = sql.includes("$1") ? [last30.from, last30.to] : [];
    const result = await pool.query<[string]>({ text: sql, values, rowMode: "array" });
    return result.rows[0]![0];
  };
  const handlers: Record<string, () => Promise<string>> = {
    "/ready": async () => "{}",
    "/dashboard": async () => {
      // The tiles in parallel over the pool: the fastest a hand-written endpoint would fetch them.
      const tiles = await Promise.all(Object.values(FLOOR_DASHBOARD_SQL).map(query));
      const keys = Object.keys(FLOOR_DASHBOARD_SQL);
      return `{"data":{"dashboard":{${tiles.map((json, i) => `"${keys[i]}":${json}`).join(",")}}}}`;
    },
    "/campaigns": async () => `{"data":{"adsCampaigns":{"edges":${await query(FLOOR_CAMPAIGNS_SQL)}}}}`,
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const handler = handlers[req.url ?? ""];
      if (!handler) return void res.writeHead(404).end();
      handler().then(
        (body) => res.writeHead(200, { "content-type": "application/json" }).end(body),
        (err: Error) => res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ message: err.message }] })),
      );
    });
  });
  server.listen(Number(process.env.PORT), "127.0.0.1");
  process.on("SIGTERM", () => server.close(() => pool.end().then(() => process.exit(0))));
}

// ───────────── The bench database ─────────────

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Statements that fill the bench database; $1 is today (UTC). Deterministic apart from the dates (setseed). */
const LOAD_STEPS: [string, string][] = [
  ["seed", `SELECT setseed(0.2025), $1::date`],
  ["200 campaigns", `
    INSERT INTO ads_campaigns (campaign_id, platform, campaign_name, status, budget_cents, target_roas, start_date, utm_source, utm_medium, utm_campaign, created_at)
    SELECT 'bench-' || lpad(i::text, 4, '0'), (ARRAY['meta','google','tiktok','pinterest','organic'])[1 + i % 5], 'Campaign ' || i,
           (ARRAY['active','active','active','paused','archived'])[1 + i % 5], 10000 + i * 100, 2 + i % 3, $1::date - 400,
           'source-' || i % 4, 'cpc', 'utm-' || i, now() - i * interval '1 hour'
    FROM generate_series(1, 200) AS i`],
  ["73,000 campaign-days of metrics", `
    INSERT INTO ads_daily_metrics (campaign_id, metric_date, spend_cents, impressions, clicks, conversions, revenue_cents)
    SELECT campaign_id, day, spend, impressions, clicks, conversions, conversions * (4000 + (random() * 12000)::int)
    FROM (SELECT campaign_id, day, spend, impressions, clicks, (clicks * random() * 0.08)::int AS conversions
          FROM (SELECT campaign_id, day, spend, impressions, (impressions * random() * 0.03)::int AS clicks
                FROM (SELECT c.id AS campaign_id, d::date AS day, CASE WHEN random() < 0.05 THEN 0 ELSE (random() * 20000)::int END AS spend,
                             (1000 + random() * 40000)::int AS impressions
                      FROM ads_campaigns c CROSS JOIN generate_series($1::date - 364, $1::date, interval '1 day') AS d) a) b) c`],
  ["20 suppliers", `
    INSERT INTO supplier_lead_times (supplier, lead_time_days, max_lead_days)
    SELECT 'Supplier ' || i, 5 + i, 8 + i * 2 FROM generate_series(1, 20) AS i WHERE $1::date IS NOT NULL`],
  ["4,500 reorder points", `
    INSERT INTO reorder_points (sku, supplier_id, safety_stock, lead_time_days)
    SELECT 'SKU-' || lpad(i::text, 5, '0'), (SELECT id FROM supplier_lead_times WHERE supplier = 'Supplier ' || (1 + i % 20)),
           i % 15, CASE WHEN i % 7 = 0 THEN 3 + i % 10 END
    FROM generate_series(1, 5000) AS i WHERE i % 10 <> 0 AND $1::date IS NOT NULL`],
  ["450,000 inventory snapshots", `
    INSERT INTO inventory_snapshots (sku, variant_id, product_title, snapshot_date, on_hand_quantity, available_quantity, committed_quantity, incoming_quantity, units_sold)
    SELECT sku, 'gid://shopify/ProductVariant/' || i, 'Product ' || i, day, on_hand, on_hand - least(on_hand, sold), least(on_hand, sold), (i % 5 = 0)::int * 50, sold
    FROM (SELECT i, 'SKU-' || lpad(i::text, 5, '0') AS sku, d::date AS day,
                 CASE WHEN i % 17 = 0 THEN 0 ELSE (random() * (i % 9) * 40)::int END AS on_hand, (random() * (i % 12))::int AS sold
          FROM generate_series(1, 5000) AS i CROSS JOIN generate_series($1::date - 89, $1::date, interval '1 day') AS d) s`],
  ["10,000 approvals", `
    INSERT INTO "AgentApproval" ("conversationId", agent, kind, summary, payload, "createdAt", "expiresAt")
    SELECT 'bench-conv-' || i, (ARRAY['cx-agent','inventory-agent','growth-agent','analytics-agent'])[1 + i % 4],
           (ARRAY['refund','cancel_order','data_export','pricing_approval','reply_draft','inventory_reorder'])[1 + i % 6],
           'Bench approval ' || i, jsonb_build_object('n', i), now() - i * interval '4 minutes',
           CASE WHEN i % 3 = 0 THEN now() - i * interval '4 minutes' + interval '45 days' END
    FROM generate_series(1, 10000) AS i WHERE $1::date IS NOT NULL`],
  ["9,000 decisions (1,000 stay pending)", `
    UPDATE "AgentApproval" SET
      status = CASE WHEN n % 3 = 0 THEN 'expired' WHEN n % 3 = 1 THEN 'approved' ELSE 'rejected' END,
      "decidedBy" = CASE WHEN n % 3 = 0 THEN NULL ELSE 'ops@hotrodan.com' END
    FROM (SELECT id AS approval_id, substr("conversationId", 12)::int AS n FROM "AgentApproval") AS a
    WHERE "AgentApproval".id = a.approval_id AND n % 10 <> 0 AND $1::date IS NOT NULL`],
  ["100,000 log rows", `
    INSERT INTO observability_logs (level, message, metadata, request_id, created_at)
    SELECT (ARRAY['DEBUG','INFO','INFO','INFO','WARN','ERROR'])[1 + i % 6], 'bench message ' || i,
           jsonb_build_object('tile', (ARRAY['revenue','inventory','ads','queue'])[1 + i % 4], 'duration_ms', i % 500),
           'req-' || i, now() - i * interval '10 seconds'
    FROM generate_series(1, 100000) AS i WHERE $1::date IS NOT NULL`],
  ["2 years of shop facts", `
    INSERT INTO "DashboardFact" ("shopDomain", metric, "factDate", value, unit)
    SELECT 'hotrodan.myshopify.com', m.metric, d::date, round((m.base * (0.7 + random() * 0.6))::numeric, 4), m.unit
    FROM generate_series($1::date - 729, $1::date, interval '1 day') AS d
    CROSS JOIN (VALUES ('revenue', 2500000.0, 'cents'), ('orders', 120.0, 'count'), ('aov', 21000.0, 'cents')) AS m(metric, base, unit)`],
];

async function prepareDatabase(): Promise<{ loadSeconds: number; rows: Record<string, number> }> {
  const url = new URL(settings.databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  const admin = new URL(settings.databaseUrl);
  admin.pathname = "/postgres";
  const exists = await withClient(admin.toString(), async (c) => (await c.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount === 1);
  const started = Date.now();
  if (!(settings.reuse && exists)) {
    await withClient(admin.toString(), async (c) => {
      await c.query(`DROP DATABASE IF EXISTS "${name.replaceAll('"', '""')}" WITH (FORCE)`);
      await c.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    });
    const { applyMigrations } = await import("../src/db/migrate.ts");
    await applyMigrations(settings.databaseUrl);
    await withClient(settings.databaseUrl, async (c) => {
      for (const [label, sql] of LOAD_STEPS) {
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
    const tables = ["ads_campaigns", "ads_daily_metrics", "inventory_snapshots", "reorder_points", "AgentApproval", "observability_logs", "DashboardFact"];
    const counts: Record<string, number> = {};
    for (const t of tables) counts[t] = Number((await c.query(`SELECT count(*) AS n FROM "${t}"`)).rows[0].n);
    return counts;
  });
  return { loadSeconds: (Date.now() - started) / 1000, rows };
}

// ───────────── Processes: the gateway and the floor, memory sampling ─────────────

const log = (message: string) => console.error(message);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Children still running, stopped if the bench itself is interrupted. */
const children = new Set<ChildProcess>();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill("SIGTERM");
    process.exit(130);
  });
}

interface Child {
  process: ChildProcess;
  url: string;
  /** Throws, with the end of the child's stderr, if it is no longer running. */
  assertAlive(): void;
  stop(): Promise<void>;
}

/** Starts `node --import tsx <script> ...args` and waits until `readyPath` answers 200. */
async function startChild(name: string, script: string, args: string[], env: Record<string, string>, readyPath: string, nodeFlags: string[] = []): Promise<Child> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", script, ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`${name} did not become ready:\n${stderr}`);
    }
    const ok = await fetch(`${origin}${readyPath}`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    process: child,
    url: origin,
    assertAlive: () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited during the run (code ${child.exitCode}, signal ${child.signalCode}):\n${stderr}`);
      }
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

interface MemorySample {
  t: number;
  rssMb: number;
}

/** Samples VmRSS of a process every `everyMs`; peak() reads VmHWM (the kernel's high-water mark). */
function memorySampler(pid: number, everyMs = 250) {
  const read = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : NaN;
  };
  const samples: MemorySample[] = [];
  const started = Date.now();
  const timer = setInterval(() => {
    try {
      samples.push({ t: (Date.now() - started) / 1000, rssMb: read("VmRSS") });
    } catch {
      clearInterval(timer);
    }
  }, everyMs);
  return {
    samples,
    now: () => read("VmRSS"),
    peak: () => read("VmHWM"),
    stop: () => clearInterval(timer),
  };
}

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat; 0 once it is gone. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // after "pid (comm) "
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS; // utime, stime (fields 14, 15)
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

/** CPU used by one process and by the PostgreSQL backends of the bench database between two calls. */
async function cpuMeter(pid: number) {
  const admin = new URL(settings.databaseUrl);
  const database = decodeURIComponent(admin.pathname.slice(1));
  admin.pathname = "/postgres";
  const backends = async () =>
    withClient(admin.toString(), async (c) => {
      const { rows } = await c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [database]);
      return new Map(rows.map((r) => [r.pid, cpuMs(r.pid)]));
    });
  const processStart = cpuMs(pid);
  const pgStart = await backends();
  return async () => {
    const pgEnd = await backends();
    let pgMs = 0;
    for (const [backend, ms] of pgEnd) pgMs += ms - (pgStart.get(backend) ?? 0);
    return { processMs: cpuMs(pid) - processStart, pgMs };
  };
}

// ───────────── Load ─────────────

interface AutocannonResult {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number; average: number; max: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (options: Record<string, unknown>) => Promise<AutocannonResult>;

interface Target {
  url: string;
  headers: Record<string, string>;
  body: string;
}

interface LoadResult {
  /** 1-minute load average of the machine when the run ended (other work competes for the CPUs). */
  loadAvg: number;
  /** CPU ms per request: the serving process (gateway or floor) and the database backends. */
  cpu?: { processMs: number; pgMs: number };
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  requests: number;
  failed: number;
}

/** Runs autocannon; a response counts as failed when it is not 2xx or its body carries GraphQL errors. */
async function load(targets: Target[], connections: number, duration: number): Promise<LoadResult> {
  let bodyErrors = 0;
  const result = await autocannon({
    url: targets[0]!.url,
    connections,
    duration,
    timeout: 30,
    requests: targets.map((t) => ({ method: "POST", path: new URL(t.url).pathname, headers: t.headers, body: t.body })),
    setupClient: (client: { on(event: "body", fn: (body: Buffer) => void): void }) =>
      client.on("body", (body) => {
        if (body.includes('"errors"')) bodyErrors++;
      }),
  });
  return {
    loadAvg: os.loadavg()[0]!,
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.average,
    requests: result.requests.total,
    failed: result.non2xx + result.errors + result.timeouts + bodyErrors,
  };
}

// ───────────── Statements per request (the runtime's counter, in process) ─────────────

async function countStatements(tokens: Record<Role, string>): Promise<Record<string, number>> {
  const { createDatabase } = await import("../src/db/client.ts");
  const { createGateway } = await import("../src/server.ts");
  const { loadConfig } = await import("../src/config.ts");
  const { createLogger } = await import("../src/logger.ts");
  const { schema } = await import("../src/schema/index.ts");
  const config = { ...loadConfig({ DATABASE_URL: settings.databaseUrl, SUPABASE_JWT_SECRET: JWT_SECRET, LOG_LEVEL: "error" }), port: 0 };
  const database = createDatabase(settings.databaseUrl, { ...config.db, poolMax: settings.poolMax });
  const gateway = createGateway({ config, database, schema, logger: createLogger("error") });
  const { url } = await gateway.listen();
  const counts: Record<string, number> = {};
  const variants = {
    dashboard: DASHBOARD_QUERY,
    campaigns: CAMPAIGNS_QUERY,
    // Same shapes with 10× fewer campaigns: the count must not change.
    "dashboard (1 campaign)": DASHBOARD_QUERY.replace("campaigns(first: 10)", "campaigns(first: 1)"),
    "campaigns (first 10)": CAMPAIGNS_QUERY.replace("first: 100", "first: 10"),
  };
  try {
    for (const [name, query] of Object.entries(variants)) {
      for (const role of ROLES) {
        const repeats = 5;
        const before = database.statementCount();
        for (let i = 0; i < repeats; i++) {
          const response = await fetch(url, { method: "POST", headers: graphqlHeaders(tokens[role]), body: JSON.stringify({ query, variables: { range: last30 } }) });
          const body = (await response.json()) as { errors?: unknown[] };
          if (body.errors) throw new Error(`${name} as ${role}: ${JSON.stringify(body.errors)}`);
        }
        counts[`${name}:${role}`] = (database.statementCount() - before) / repeats;
      }
    }
  } finally {
    await gateway.close();
    await database.close();
  }
  return counts;
}

// ───────────── CPU profile summary ─────────────

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Where busy CPU time goes, by layer; a package not listed counts under "other". */
const PROFILE_LAYERS: [string, RegExp][] = [
  ["Prisma (client, adapter, pg driver)", /^(@prisma\/|pg$|pg-|postgres-)/],
  ["GraphQL execution (graphql-js, Pothos)", /^(graphql$|@graphql-tools\/|@pothos\/|graphql-scalars|dataloader)/],
  ["HTTP and yoga (request, response, JSON)", /^(graphql-yoga|@whatwg-node\/|@envelop\/|@graphql-yoga\/|node internals|\(writev\)|\(writeBuffer\)|\(utf8Slice\)|\(utf8Write\))/],
  ["garbage collector", /^\(garbage collector\)$/],
  ["gateway code (src/)", /^src\//],
];

/** Self time of a .cpuprofile (idle excluded) by layer, by package or src/ file, and by function. */
function summariseProfile(file: string) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const byLayer = new Map<string, number>();
  const byGroup = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const ms = selfMs.get(node.id) ?? 0;
    const url = node.callFrame.url;
    const name = node.callFrame.functionName;
    if (!ms || name === "(idle)" || name === "(program)") continue;
    total += ms;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    const group = pkg ?? (url.includes("/src/") ? `src/${url.split("/src/")[1]}` : url.startsWith("node:") ? "node internals" : url || `(${name || "native"})`);
    byGroup.set(group, (byGroup.get(group) ?? 0) + ms);
    const layer = PROFILE_LAYERS.find(([, pattern]) => pattern.test(group))?.[0] ?? "other";
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + ms);
    const fn = `${name || "(anonymous)"} ${pkg ?? path.basename(url)}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, ms]) => ({ name, ms: Math.round(ms), pct: +((ms / total) * 100).toFixed(1) }));
  return { busyMs: Math.round(total), byLayer: top(byLayer, 10), byGroup: top(byGroup, 15), byFunction: top(byFunction, 20) };
}

// ───────────── The run ─────────────

type Role = "service_role" | "authenticated";
const ROLES: Role[] = ["service_role", "authenticated"];

const graphqlHeaders = (token: string) => ({ "content-type": "application/json", accept: "application/json", authorization: `Bearer ${token}` });

interface Row {
  query: string;
  target: string;
  connections: number;
  result: LoadResult;
  statements: number;
  rssPeakMb: number;
}

async function runBench(): Promise<void> {
  const startedAt = Date.now();
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
  const pgVersion = await withClient(settings.databaseUrl.replace(/\/[^/]*$/, "/postgres"), async (c) => (await c.query("SHOW server_version")).rows[0].server_version as string);
  log(`HotDash gateway benchmark — ${machine}, PostgreSQL ${pgVersion}`);
  log(`settings: ${JSON.stringify(settings)}`);

  log("1/5 preparing the bench database");
  const data = await prepareDatabase();
  log(`  ${JSON.stringify(data.rows)} (${data.loadSeconds.toFixed(1)} s)`);

  const { signDevToken } = await import("../src/context/auth.ts");
  const tokens = {
    service_role: await signDevToken(JWT_SECRET, "service_role", { expiresIn: "2h" }),
    authenticated: await signDevToken(JWT_SECRET, "authenticated", { sub: "bench-operator", expiresIn: "2h" }),
  } satisfies Record<Role, string>;

  log("2/5 counting statements per request");
  const statements = await countStatements(tokens);
  log(`  ${JSON.stringify(statements)}`);

  log("3/5 starting the gateway and the floor");
  const profileDir = path.join(ROOT, ".bench", `profile-${Date.now()}`);
  const env = { DATABASE_URL: settings.databaseUrl, SUPABASE_JWT_SECRET: JWT_SECRET, DB_POOL_MAX: String(settings.poolMax), LOG_LEVEL: "warn" };
  const nodeFlags = [...settings.gatewayNodeFlags, ...(settings.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [])];
  const gateway = await startChild("gateway", "src/index.ts", [], env, "/ready", nodeFlags);
  let floor: Child | undefined;
  const memory = memorySampler(gateway.process.pid!);
  try {
    floor = await startChild("floor", "scripts/bench.ts", ["floor-server"], env, "/ready");
    await measureAll(gateway, floor, memory, tokens, statements, { machine, pgVersion, data, profileDir, startedAt });
  } finally {
    memory.stop();
    await gateway.stop();
    await floor?.stop();
  }
}

async function measureAll(
  gateway: Child,
  floor: Child,
  memory: ReturnType<typeof memorySampler>,
  tokens: Record<Role, string>,
  statements: Record<string, number>,
  run: { machine: string; pgVersion: string; data: { loadSeconds: number; rows: Record<string, number> }; profileDir: string; startedAt: number },
): Promise<void> {
  const baselineRssMb = memory.now();

  const queries = {
    dashboard: { graphql: { query: DASHBOARD_QUERY }, floorPath: "/dashboard" },
    campaigns: { graphql: { query: CAMPAIGNS_QUERY, variables: { range: last30 } }, floorPath: "/campaigns" },
  };
  const gatewayTarget = (q: keyof typeof queries, role: Role): Target => ({
    url: `${gateway.url}/graphql`,
    headers: graphqlHeaders(tokens[role]),
    body: JSON.stringify(queries[q].graphql),
  });
  const floorTarget = (q: keyof typeof queries): Target => ({ url: `${floor.url}${queries[q].floorPath}`, headers: { "content-type": "application/json" }, body: "{}" });

  // Both sides must return the same data before anything is timed.
  for (const q of Object.keys(queries) as (keyof typeof queries)[]) {
    for (const target of [gatewayTarget(q, "service_role"), gatewayTarget(q, "authenticated"), floorTarget(q)]) {
      const response = await fetch(target.url, { method: "POST", headers: target.headers, body: target.body });
      const text = await response.text();
      if (!response.ok || text.includes('"errors"')) throw new Error(`${q} at ${target.url}: ${response.status} ${text.slice(0, 500)}`);
    }
  }

  log(`4/5 load: ${settings.duration} s per scenario after ${settings.warmup} s of warm-up`);
  const rows: Row[] = [];
  {
    for (const q of Object.keys(queries) as (keyof typeof queries)[]) {
      if (settings.only && settings.only !== q) continue;
      for (const connections of settings.connections) {
        const scenarios: [string, Target, number][] = [
          ["floor (pg)", floorTarget(q), FLOOR_STATEMENTS[q]],
          ...ROLES.map((role): [string, Target, number] => [`gateway ${role}`, gatewayTarget(q, role), statements[`${q}:${role}`]!]),
        ];
        for (const [target, t, statementsPerRequest] of scenarios) {
          if (settings.warmup > 0) await load([t], connections, settings.warmup);
          const before = memory.samples.length;
          const meter = await cpuMeter(target.startsWith("floor") ? floor.process.pid! : gateway.process.pid!);
          const result = await load([t], connections, settings.duration);
          const used = await meter();
          gateway.assertAlive();
          floor.assertAlive();
          result.cpu = { processMs: used.processMs / result.requests, pgMs: used.pgMs / result.requests };
          const during = memory.samples.slice(before).map((s) => s.rssMb);
          const row = { query: q, target, connections, result, statements: statementsPerRequest, rssPeakMb: target.startsWith("gateway") ? Math.max(...during) : NaN };
          rows.push(row);
          log(`  ${q} ${target} c=${connections}: ${result.rps.toFixed(1)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, failed ${result.failed}, CPU/req ${result.cpu.processMs.toFixed(1)} + ${result.cpu.pgMs.toFixed(1)} (pg) ms, load ${result.loadAvg.toFixed(1)}`);
        }
      }
    }

    let soak: { seconds: number; result: LoadResult; rss: { startMb: number; midMb: number; endMb: number; slopeMbPerMin: number } } | null = null;
    if (settings.soak > 0) {
      log(`5/5 soak: ${settings.soak} s alternating both queries as authenticated, c=${Math.max(...settings.connections)}`);
      const before = memory.samples.length;
      const result = await load([gatewayTarget("dashboard", "authenticated"), gatewayTarget("campaigns", "authenticated")], Math.max(...settings.connections), settings.soak);
      const samples = memory.samples.slice(before);
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
      const third = Math.max(1, Math.floor(samples.length / 3));
      const rss = samples.map((s) => s.rssMb);
      // Least-squares slope of RSS over the second half (after warm-up effects), in MB per minute.
      const half = samples.slice(Math.floor(samples.length / 2));
      const mt = half.reduce((a, s) => a + s.t, 0) / half.length;
      const mr = half.reduce((a, s) => a + s.rssMb, 0) / half.length;
      const slope = half.reduce((a, s) => a + (s.t - mt) * (s.rssMb - mr), 0) / (half.reduce((a, s) => a + (s.t - mt) ** 2, 0) || 1);
      soak = {
        seconds: settings.soak,
        result,
        rss: { startMb: median(rss.slice(0, third)), midMb: median(rss.slice(third, 2 * third)), endMb: median(rss.slice(-third)), slopeMbPerMin: slope * 60 },
      };
      log(`  ${result.rps.toFixed(1)} req/s, failed ${result.failed}; RSS medians by third ${soak.rss.startMb.toFixed(0)} → ${soak.rss.midMb.toFixed(0)} → ${soak.rss.endMb.toFixed(0)} MB, slope ${soak.rss.slopeMbPerMin.toFixed(2)} MB/min`);
    }

    const peakRssMb = memory.peak();
    memory.stop();
    await gateway.stop();
    await floor.stop();

    let profile: ReturnType<typeof summariseProfile> | null = null;
    if (settings.profile) {
      const file = readdirSync(run.profileDir).find((f) => f.endsWith(".cpuprofile"));
      if (file) profile = summariseProfile(path.join(run.profileDir, file));
    }

    // RSS over the whole run, one point per second, for the record.
    const rssTimeline = memory.samples.filter((_, i) => i % 4 === 0).map((s) => [Math.round(s.t), Math.round(s.rssMb)]);
    report({ ...run, statements, rows, soak, baselineRssMb, peakRssMb, profile, rssTimeline, minutes: (Date.now() - run.startedAt) / 60000 });
  }
}

function report(r: {
  machine: string;
  pgVersion: string;
  data: { loadSeconds: number; rows: Record<string, number> };
  statements: Record<string, number>;
  rows: Row[];
  soak: { seconds: number; result: LoadResult; rss: { startMb: number; midMb: number; endMb: number; slopeMbPerMin: number } } | null;
  baselineRssMb: number;
  peakRssMb: number;
  profile: ReturnType<typeof summariseProfile> | null;
  profileDir: string;
  rssTimeline: number[][];
  minutes: number;
}) {
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "–");
  const cpu = (row: Row) => row.result.cpu ?? { processMs: NaN, pgMs: NaN };
  const cpuTotal = (row: Row) => cpu(row).processMs + cpu(row).pgMs;
  const lines: string[] = [];
  lines.push(`Machine: ${r.machine}; PostgreSQL ${r.pgVersion}; gateway pool ${settings.poolMax}; ${settings.duration} s per scenario.`);
  lines.push(`Data: ${Object.entries(r.data.rows).map(([t, n]) => `${t} ${n.toLocaleString("en")}`).join(", ")} (loaded in ${f(r.data.loadSeconds)} s).`, "");
  lines.push("| query | target | clients | req/s | p50 ms | p99 ms | failed | SQL stmts/req | CPU ms/req: server + pg = total | gateway RSS peak MB | req/s ÷ floor | p99 ÷ floor p99 | CPU/req ÷ floor | load avg |");
  lines.push("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const row of r.rows) {
    const floorRow = r.rows.find((x) => x.query === row.query && x.connections === row.connections && x.target.startsWith("floor"));
    const isFloor = row === floorRow;
    lines.push(
      `| ${row.query} | ${row.target} | ${row.connections} | ${f(row.result.rps)} | ${row.result.p50} | ${row.result.p99} | ${row.result.failed} | ${f(row.statements, 0)} | ${f(cpu(row).processMs)} + ${f(cpu(row).pgMs)} = ${f(cpuTotal(row))} | ${f(row.rssPeakMb, 0)} | ${isFloor || !floorRow ? "" : f(row.result.rps / floorRow.result.rps, 2)} | ${isFloor || !floorRow ? "" : f(row.result.p99 / floorRow.result.p99, 2)} | ${isFloor || !floorRow ? "" : f(cpuTotal(row) / cpuTotal(floorRow), 2)} | ${f(row.result.loadAvg)} |`,
    );
  }
  lines.push("", "| query | clients | authenticated ÷ service_role req/s | authenticated ÷ service_role p99 |", "|---|---:|---:|---:|");
  for (const row of r.rows.filter((x) => x.target === "gateway authenticated")) {
    const service = r.rows.find((x) => x.query === row.query && x.connections === row.connections && x.target === "gateway service_role")!;
    lines.push(`| ${row.query} | ${row.connections} | ${f(row.result.rps / service.result.rps, 2)} | ${f(row.result.p99 / service.result.p99, 2)} |`);
  }
  lines.push("", `Statements per request (in-process count, average of 5): ${Object.entries(r.statements).map(([k, v]) => `${k} ${v}`).join("; ")}; floor: dashboard ${FLOOR_STATEMENTS.dashboard}, campaigns ${FLOOR_STATEMENTS.campaigns}.`);
  lines.push(`Gateway memory: RSS ${f(r.baselineRssMb, 0)} MB after start, peak (VmHWM) ${f(r.peakRssMb, 0)} MB.`);
  if (r.soak) {
    lines.push(
      `Soak (${r.soak.seconds} s, both queries alternating, authenticated, ${Math.max(...settings.connections)} clients): ${f(r.soak.result.rps)} req/s, p99 ${r.soak.result.p99} ms, failed ${r.soak.result.failed}; ` +
        `RSS median by third ${f(r.soak.rss.startMb, 0)} → ${f(r.soak.rss.midMb, 0)} → ${f(r.soak.rss.endMb, 0)} MB; slope over the second half ${f(r.soak.rss.slopeMbPerMin, 2)} MB/min.`,
    );
  }
  if (r.profile) {
    lines.push("", `CPU profile of the gateway (${r.profileDir}): ${r.profile.busyMs} ms busy (idle excluded).`, "", "| layer | ms | % of busy |", "|---|---:|---:|");
    for (const g of r.profile.byLayer) lines.push(`| ${g.name} | ${g.ms} | ${g.pct} |`);
    lines.push("", "| package or file | ms | % of busy |", "|---|---:|---:|");
    for (const g of r.profile.byGroup) lines.push(`| ${g.name} | ${g.ms} | ${g.pct} |`);
    lines.push("", "| hottest functions | ms | % of busy |", "|---|---:|---:|");
    for (const g of r.profile.byFunction) lines.push(`| \`${g.name}\` | ${g.ms} | ${g.pct} |`);
  }
  lines.push("", `Total bench time ${f(r.minutes)} min.`);
  console.log(lines.join("\n"));

  mkdirSync(path.join(ROOT, ".bench"), { recursive: true });
  const file = path.join(ROOT, ".bench", `bench-${new Date().toISOString().replaceAll(":", "-")}.json`);
  writeFileSync(file, JSON.stringify({ settings, ...r }, null, 2));
  log(`raw results: ${file}`);
}

if (process.argv[2] === "floor-server") {
  await runFloorServer();
} else {
  await runBench().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
