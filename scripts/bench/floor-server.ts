// The floor: the same data as the GraphQL queries by hand-written SQL (JSON built by PostgreSQL and
// passed through untouched), served by node:http + one pg.Pool, no GraphQL, no ORM. It runs as a child
// process (`scripts/bench/index.ts floor-server`).
import { createServer } from "node:http";
import pg from "pg";
import { last30, last7, last90 } from "./settings.ts";

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
  // Inventory and ads read the summaries, as the tiles do (the floor is the best hand-written SQL over the
  // same schema), with the tile's integer arithmetic; knowing that the window ends today, it skips the
  // case of a window ending before a SKU's or campaign's last day.
  inventory: `
    WITH rated AS (
      SELECT k.sku, k.product_title, k.on_hand, k.safety_stock AS safety, w.sold, w.days,
             k.safety_stock + (w.sold * k.lead_time_days + w.days - 1) / w.days AS rop,
             CASE WHEN w.sold > 0 THEN (200 * k.on_hand::bigint * w.days + 7 * w.sold) / (14 * w.sold) END AS wos
      FROM summaries.inventory_sku k
      LEFT JOIN summaries.inventory_sku_day b ON b.day = $1::date - 1 AND b.sku = k.sku
      CROSS JOIN LATERAL (SELECT k.units_to_date - coalesce(b.units_to_date, 0) AS sold, k.days_to_date - coalesce(b.days_to_date, 0) AS days) AS w
      WHERE k.last_date BETWEEN $1::date AND $2::date
    ), graded AS (
      SELECT *, CASE WHEN on_hand <= 0 THEN 0 WHEN on_hand <= safety THEN 1 WHEN on_hand <= rop THEN 2 ELSE 3 END AS severity FROM rated
    )
    SELECT json_build_object('skuCount', count(*), 'atOrBelowReorderPointCount', count(*) FILTER (WHERE on_hand <= rop),
      'statusCounts', json_build_object('outOfStock', count(*) FILTER (WHERE severity = 0), 'urgentReorder', count(*) FILTER (WHERE severity = 1),
                                        'lowStock', count(*) FILTER (WHERE severity = 2), 'inStock', count(*) FILTER (WHERE severity = 3)),
      'skus', (SELECT coalesce(json_agg(json_build_object('sku', sku, 'productTitle', product_title, 'onHand', on_hand,
                 'averageDailySales', round(sold::numeric / days, 4)::text, 'weeksOfSupply', (wos * 0.01)::text, 'reorderPoint', rop,
                 'status', (ARRAY['OUT_OF_STOCK','URGENT_REORDER','LOW_STOCK','IN_STOCK'])[severity + 1]) ORDER BY severity, wos NULLS LAST, sku), '[]')
               FROM (SELECT * FROM graded WHERE on_hand <= rop ORDER BY severity, wos NULLS LAST, sku LIMIT 20) top))::text
    FROM graded`,
  adsRoas: `
    WITH metrics AS (
      SELECT c.campaign_id, c.spend_to_date - coalesce(b.spend_to_date, 0) AS spend_cents, c.revenue_to_date - coalesce(b.revenue_to_date, 0) AS revenue_cents,
             c.impressions_to_date - coalesce(b.impressions_to_date, 0) AS impressions, c.clicks_to_date - coalesce(b.clicks_to_date, 0) AS clicks,
             c.conversions_to_date - coalesce(b.conversions_to_date, 0) AS conversions
      FROM summaries.ads_campaign c LEFT JOIN summaries.ads_campaign_day b ON b.day = $1::date - 1 AND b.campaign_id = c.campaign_id
      WHERE c.last_date BETWEEN $1::date AND $2::date
    )
    SELECT json_build_object(
      'blended', (SELECT json_build_object('campaignCount', count(*), ${performanceSql}) FROM metrics),
      'daily', (SELECT json_agg(j ORDER BY day) FROM (SELECT d.day, json_build_object('date', d.day, 'spendCents', coalesce(sum(spend_cents), 0)::text,
                  'revenueCents', coalesce(sum(revenue_cents), 0)::text, 'roas', round(sum(revenue_cents)::numeric / nullif(sum(spend_cents), 0), 2)::text) AS j
                FROM (SELECT g::date AS day FROM generate_series($1::date, $2::date, interval '1 day') g) d
                LEFT JOIN summaries.ads_day a ON a.metric_date = d.day GROUP BY d.day) per_day),
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

/** One campaign's JSON with its daily metrics in the range ($1 from, $2 to), the gateway's field names; `c` is the campaign row. */
const campaignJsonSql = `json_build_object('id', c.id, 'name', c.campaign_name, 'platform', upper(c.platform),
    'status', upper(c.status), 'budgetCents', c.budget_cents,
    'dailyMetrics', (SELECT coalesce(json_agg(json_build_object('metricDate', m.metric_date, 'spendCents', m.spend_cents, 'impressions', m.impressions,
                       'clicks', m.clicks, 'conversions', m.conversions, 'revenueCents', m.revenue_cents, 'roas', m.roas::text, 'ctr', m.ctr::text)
                       ORDER BY m.metric_date), '[]')
                     FROM ads_daily_metrics m WHERE m.campaign_id = c.id AND m.metric_date BETWEEN $1::date AND $2::date))`;

/** The campaign list by hand: one statement, nested JSON built by PostgreSQL ($1 from, $2 to). */
const FLOOR_CAMPAIGNS_SQL = `
  SELECT coalesce(json_agg(json_build_object('node', ${campaignJsonSql}) ORDER BY c.created_at DESC, c.id DESC), '[]')::text
  FROM (SELECT * FROM ads_campaigns ORDER BY created_at DESC, id DESC LIMIT 100) c`;

/** One campaign by id ($3) with its metrics in the range: one statement, JSON built by PostgreSQL ('null' when there is none). */
const FLOOR_CAMPAIGN_SQL = `
  SELECT coalesce((SELECT ${campaignJsonSql}::text FROM ads_campaigns c WHERE c.id = $3::uuid), 'null')`;

export const FLOOR_STATEMENTS = { dashboard: Object.keys(FLOOR_DASHBOARD_SQL).length, small: 1, campaigns: 1, campaigns90: 1 };

/** The floor: an HTTP endpoint per query, hand-written SQL through one pg.Pool, no GraphQL, no ORM. */
export function runFloorServer(): void {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_MAX ?? 10) });
  const query = async (sql: string, values: string[] = sql.includes("$1") ? [last30.from, last30.to] : []) => {
    const result = await pool.query<[string]>({ text: sql, values, rowMode: "array" });
    return result.rows[0][0];
  };
  const handlers: Record<string, (params: URLSearchParams) => Promise<string>> = {
    "/ready": () => Promise.resolve("{}"),
    "/dashboard": async () => {
      // The tiles in parallel over the pool: the fastest a hand-written endpoint would fetch them.
      const tiles = await Promise.all(Object.values(FLOOR_DASHBOARD_SQL).map((sql) => query(sql)));
      const keys = Object.keys(FLOOR_DASHBOARD_SQL);
      return `{"data":{"dashboard":{${tiles.map((json, i) => `"${keys[i]}":${json}`).join(",")}}}}`;
    },
    "/campaigns": async () => `{"data":{"adsCampaigns":{"edges":${await query(FLOOR_CAMPAIGNS_SQL)}}}}`,
    "/campaigns90": async () => `{"data":{"adsCampaigns":{"edges":${await query(FLOOR_CAMPAIGNS_SQL, [last90.from, last90.to])}}}}`,
    // /small?id=<uuid>: the campaign with its last 7 days.
    "/small": async (params) => `{"data":{"adsCampaign":${await query(FLOOR_CAMPAIGN_SQL, [last7.from, last7.to, params.get("id") ?? ""])}}}`,
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://floor");
      const handler = handlers[url.pathname];
      if (!handler) return void res.writeHead(404).end();
      handler(url.searchParams).then(
        (body) => res.writeHead(200, { "content-type": "application/json" }).end(body),
        (err: Error) => res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ message: err.message }] })),
      );
    });
  });
  server.listen(Number(process.env.PORT), "127.0.0.1");
  process.on("SIGTERM", () => server.close(() => void pool.end().then(() => process.exit(0))));
}
