/**
 * Data access for the dashboard tiles (formulas: docs/dashboard.md).
 *
 * Each tile is ONE SQL statement per request, whatever the data volume and however many of its
 * fields the query selects: the fields of a tile load "parts" (e.g. "totals", a SKU list with its
 * limit) from a request-scoped DataLoader keyed by the tile's arguments; DataLoader gathers the
 * parts asked for in the same tick, and the batch runs one statement — a shared WITH clause plus
 * one JSON column per part. All aggregation happens in PostgreSQL; JavaScript only renames fields.
 */
import { Prisma } from "../generated/prisma/client.ts";
import type { DataContext } from "./context.ts";
import { badInput } from "../errors.ts";
import { formatDate } from "../lib/dates.ts";
import { loaderFor } from "./loaders.ts";

// ───────────── Date ranges ─────────────

export const DEFAULT_RANGE_DAYS = 30;
/** Longest range a tile accepts (a daily series has one point per day). */
export const MAX_RANGE_DAYS = 366;
/** Largest `first` of a tile list. */
export const MAX_TILE_LIST = 100;
/** Lead time assumed for a SKU with neither an override nor a supplier (upstream's column default). */
export const DEFAULT_LEAD_TIME_DAYS = 7;

const DAY_MS = 86_400_000;

/** An inclusive range of calendar dates, as "YYYY-MM-DD" strings. */
export interface DayRange {
  from: string;
  to: string;
  days: number;
}

const addDays = (day: string, n: number) => formatDate(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS));

/** Today as a UTC calendar date (the dashboard's default `asOf`). */
export const todayUtc = () => formatDate(new Date());

/**
 * The range a tile covers: the given one, with missing ends filled in — `to` defaults to `asOf`,
 * `from` to `DEFAULT_RANGE_DAYS` days ending at `to`.
 */
export function resolveRange(
  range: { from?: Date | null; to?: Date | null } | null | undefined,
  asOf: string,
  field: string,
): DayRange {
  const to = range?.to ? formatDate(range.to) : asOf;
  const from = range?.from ? formatDate(range.from) : addDays(to, -(DEFAULT_RANGE_DAYS - 1));
  if (from > to) throw badInput(field, `"from" must not be after "to"`);
  const days = Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS) + 1;
  if (days > MAX_RANGE_DAYS) throw badInput(field, `must span at most ${MAX_RANGE_DAYS} days (got ${days})`);
  return { from, to, days };
}

/** The period of the same length that ends the day before `range` starts. */
export const previousPeriod = (range: DayRange): DayRange => ({
  from: addDays(range.from, -range.days),
  to: addDays(range.from, -1),
  days: range.days,
});

export function checkLimit(first: number, field: string): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_TILE_LIST) throw badInput(field, `must be between 1 and ${MAX_TILE_LIST}`);
  return first;
}

// ───────────── One statement per tile ─────────────

/**
 * A loader for one tile with fixed arguments (`key`): each distinct part string loaded in the same
 * tick becomes one JSON column of a single statement `<with> SELECT (<part 1>) AS p0, (<part 2>) AS p1 …`.
 */
function tileLoader(ctx: DataContext, key: string, withClause: Prisma.Sql, partSql: (part: string) => Prisma.Sql) {
  return loaderFor<string, unknown>(ctx, `dashboard.${key}`, async (parts) => {
    const columns = parts.map((part, i) => Prisma.sql`(${partSql(part)}) AS ${Prisma.raw(`p${i}`)}`);
    const rows = await ctx.db.$queryRaw<Record<string, unknown>[]>`${withClause} SELECT ${Prisma.join(columns)}`;
    return parts.map((_, i) => rows[0]![`p${i}`]);
  });
}

/** A part of a tile: a name plus the arguments that change its SQL, as a stable string key. */
const partKey = (name: string, args: Record<string, unknown> = {}) => JSON.stringify([name, args]);
const parsePart = (key: string) => JSON.parse(key) as [string, Record<string, any>];

const toDate = (value: string | null) => (value === null ? null : new Date(value));

// ───────────── Revenue (DashboardFact, metric 'revenue', cents) ─────────────

export interface RevenueTileArgs {
  range: DayRange;
  previous: DayRange;
  shopDomain: string | null;
}

export interface RevenueTotals {
  totalCents: string;
  previousTotalCents: string;
  changeCents: string;
  changePercent: string | null;
  trend: "UP" | "DOWN" | "FLAT";
  daysWithData: number;
}

export interface RevenueDay {
  date: Date;
  valueCents: string;
  hasData: boolean;
}

function revenueLoader(ctx: DataContext, tile: RevenueTileArgs) {
  const { range, previous, shopDomain } = tile;
  // Per-day sums over both periods (several shops' facts add up when no shop is given).
  const withClause = Prisma.sql`
    WITH facts AS (
      SELECT "factDate" AS day, sum("value") AS value
      FROM "DashboardFact"
      WHERE "metric" = 'revenue' AND "unit" = 'cents'
        AND "factDate" BETWEEN ${previous.from}::date AND ${range.to}::date
        ${shopDomain === null ? Prisma.empty : Prisma.sql`AND "shopDomain" = ${shopDomain}`}
      GROUP BY "factDate"
    ), totals AS (
      SELECT coalesce(sum(value) FILTER (WHERE day >= ${range.from}::date), 0) AS current,
             coalesce(sum(value) FILTER (WHERE day < ${range.from}::date), 0) AS previous,
             count(*) FILTER (WHERE day >= ${range.from}::date) AS days_with_data
      FROM facts
    )`;
  return tileLoader(ctx, `revenue:${JSON.stringify(tile)}`, withClause, (part) => {
    switch (parsePart(part)[0]) {
      case "totals":
        // Change in percent is NULL when the previous period is 0 (upstream returned 0: a bug).
        return Prisma.sql`
          SELECT json_build_object(
            'totalCents', current::text, 'previousTotalCents', previous::text, 'changeCents', (current - previous)::text,
            'changePercent', round((current - previous) * 100 / nullif(previous, 0), 2)::text,
            'trend', CASE WHEN current > previous THEN 'UP' WHEN current < previous THEN 'DOWN' ELSE 'FLAT' END,
            'daysWithData', days_with_data)
          FROM totals`;
      case "daily":
        return Prisma.sql`
          SELECT json_agg(json_build_object('date', d::date, 'valueCents', coalesce(f.value, 0)::text, 'hasData', f.day IS NOT NULL) ORDER BY d)
          FROM generate_series(${range.from}::date, ${range.to}::date, interval '1 day') AS d
          LEFT JOIN facts f ON f.day = d::date`;
      default:
        throw new Error(`unknown revenue part ${part}`);
    }
  });
}

export const revenueTotals = (ctx: DataContext, tile: RevenueTileArgs) =>
  revenueLoader(ctx, tile).load(partKey("totals")) as Promise<RevenueTotals>;

export async function revenueDaily(ctx: DataContext, tile: RevenueTileArgs): Promise<RevenueDay[]> {
  const days = (await revenueLoader(ctx, tile).load(partKey("daily"))) as { date: string; valueCents: string; hasData: boolean }[];
  return days.map((d) => ({ ...d, date: new Date(`${d.date}T00:00:00Z`) }));
}

// ───────────── Inventory (snapshots + reorder points + supplier lead times) ─────────────

export const STOCK_STATUSES = ["out_of_stock", "urgent_reorder", "low_stock", "in_stock"] as const;
export type StockStatus = (typeof STOCK_STATUSES)[number];

export interface InventoryTileArgs {
  /** The sales window: average daily sales are measured over the snapshots in it. */
  window: DayRange;
}

export interface InventorySummary {
  skuCount: number;
  outOfStock: number;
  urgentReorder: number;
  lowStock: number;
  inStock: number;
  atOrBelowReorderPoint: number;
}

export interface InventorySku {
  sku: string;
  productTitle: string | null;
  snapshotDate: Date;
  onHand: number;
  available: number;
  committed: number;
  incoming: number;
  unitsSold: number;
  snapshotDays: number;
  averageDailySales: string;
  daysOfCover: string | null;
  weeksOfSupply: string | null;
  leadTimeDays: number;
  leadTimeSource: "override" | "supplier" | "default";
  safetyStock: number;
  reorderPoint: number;
  status: StockStatus;
  atOrBelowReorderPoint: boolean;
}

export interface SkuListArgs {
  first: number;
  statuses: StockStatus[] | null;
  atOrBelowReorderPoint: boolean | null;
}

function inventoryLoader(ctx: DataContext, tile: InventoryTileArgs) {
  const { window } = tile;
  // One row per SKU with a snapshot in the window: its latest snapshot there, its sales over the
  // window's snapshot days, its lead time and safety stock, then the derived figures and status.
  // The latest snapshot is a LATERAL lookup by the (sku, snapshot_date) key: one index probe per SKU,
  // where a plain join made the planner hash-join a scan of the whole table (3-4× slower).
  const withClause = Prisma.sql`
    WITH sales AS (
      SELECT sku, sum(units_sold) AS units_sold, count(*) AS snapshot_days, max(snapshot_date) AS last_date
      FROM inventory_snapshots
      WHERE snapshot_date BETWEEN ${window.from}::date AND ${window.to}::date
      GROUP BY sku
    ), base AS (
      SELECT w.sku, s.product_title, w.last_date AS snapshot_date, s.on_hand_quantity AS on_hand, s.available_quantity AS available,
             s.committed_quantity AS committed, s.incoming_quantity AS incoming, w.units_sold, w.snapshot_days,
             w.units_sold::numeric / w.snapshot_days AS avg_daily_sales,
             coalesce(rp.lead_time_days, sl.lead_time_days, ${DEFAULT_LEAD_TIME_DAYS}) AS lead_time_days,
             CASE WHEN rp.lead_time_days IS NOT NULL THEN 'override' WHEN sl.lead_time_days IS NOT NULL THEN 'supplier' ELSE 'default' END AS lead_time_source,
             coalesce(rp.safety_stock, 0) AS safety_stock
      FROM sales w
      CROSS JOIN LATERAL (
        SELECT * FROM inventory_snapshots s WHERE s.sku = w.sku AND s.snapshot_date = w.last_date LIMIT 1
      ) AS s
      LEFT JOIN reorder_points rp ON rp.sku = w.sku
      LEFT JOIN supplier_lead_times sl ON sl.id = rp.supplier_id
    ), rop AS (
      SELECT base.*, ceil(avg_daily_sales * lead_time_days + safety_stock)::int AS reorder_point
      FROM base
    ), skus AS (
      SELECT rop.*,
             CASE WHEN units_sold > 0 THEN round(on_hand / avg_daily_sales, 2) END AS days_of_cover,
             CASE WHEN units_sold > 0 THEN round(on_hand / avg_daily_sales / 7, 2) END AS weeks_of_supply,
             CASE WHEN on_hand <= 0 THEN 'out_of_stock'
                  WHEN on_hand <= safety_stock THEN 'urgent_reorder'
                  WHEN on_hand <= reorder_point THEN 'low_stock'
                  ELSE 'in_stock' END AS status,
             CASE WHEN on_hand <= 0 THEN 0 WHEN on_hand <= safety_stock THEN 1 WHEN on_hand <= reorder_point THEN 2 ELSE 3 END AS severity
      FROM rop
    )`;
  return tileLoader(ctx, `inventory:${JSON.stringify(tile)}`, withClause, (part) => {
    const [name, args] = parsePart(part);
    switch (name) {
      case "summary":
        return Prisma.sql`
          SELECT json_build_object(
            'skuCount', count(*),
            'outOfStock', count(*) FILTER (WHERE status = 'out_of_stock'),
            'urgentReorder', count(*) FILTER (WHERE status = 'urgent_reorder'),
            'lowStock', count(*) FILTER (WHERE status = 'low_stock'),
            'inStock', count(*) FILTER (WHERE status = 'in_stock'),
            'atOrBelowReorderPoint', count(*) FILTER (WHERE on_hand <= reorder_point))
          FROM skus`;
      case "skus": {
        const { first, statuses, atOrBelowReorderPoint } = args as SkuListArgs;
        const conditions = [Prisma.sql`true`];
        if (statuses?.length) conditions.push(Prisma.sql`status = ANY(${statuses}::text[])`);
        if (atOrBelowReorderPoint !== null) conditions.push(Prisma.sql`(on_hand <= reorder_point) = ${atOrBelowReorderPoint}`);
        // Most at risk first: by status, then the fewest weeks of supply (no sales = last), then SKU.
        return Prisma.sql`
          SELECT coalesce(json_agg(json_build_object(
            'sku', sku, 'productTitle', product_title, 'snapshotDate', snapshot_date, 'onHand', on_hand, 'available', available,
            'committed', committed, 'incoming', incoming, 'unitsSold', units_sold, 'snapshotDays', snapshot_days,
            'averageDailySales', round(avg_daily_sales, 4)::text, 'daysOfCover', days_of_cover::text, 'weeksOfSupply', weeks_of_supply::text,
            'leadTimeDays', lead_time_days, 'leadTimeSource', lead_time_source, 'safetyStock', safety_stock,
            'reorderPoint', reorder_point, 'status', status, 'atOrBelowReorderPoint', on_hand <= reorder_point)
            ORDER BY severity, weeks_of_supply NULLS LAST, sku), '[]')
          FROM (SELECT * FROM skus WHERE ${Prisma.join(conditions, " AND ")}
                ORDER BY severity, weeks_of_supply NULLS LAST, sku LIMIT ${first}) AS listed`;
      }
      default:
        throw new Error(`unknown inventory part ${part}`);
    }
  });
}

export const inventorySummary = (ctx: DataContext, tile: InventoryTileArgs) =>
  inventoryLoader(ctx, tile).load(partKey("summary")) as Promise<InventorySummary>;

export async function inventorySkus(ctx: DataContext, tile: InventoryTileArgs, list: SkuListArgs): Promise<InventorySku[]> {
  const rows = (await inventoryLoader(ctx, tile).load(partKey("skus", { ...list }))) as (Omit<InventorySku, "snapshotDate"> & { snapshotDate: string })[];
  return rows.map((row) => ({ ...row, snapshotDate: new Date(`${row.snapshotDate}T00:00:00Z`) }));
}

// ───────────── Ads ROAS (ads_daily_metrics × ads_campaigns) ─────────────

export interface AdsTileArgs {
  range: DayRange;
  platforms: string[] | null;
}

/** Sums and the ratios computed from them (never averages of daily ratios); a ratio is NULL when its divisor is 0. */
export interface AdsPerformance {
  spendCents: string;
  revenueCents: string;
  impressions: string;
  clicks: string;
  conversions: string;
  roas: string | null;
  cpcCents: string | null;
  cpaCents: string | null;
  ctr: string | null;
  conversionRate: string | null;
}

export interface AdsBlended extends AdsPerformance {
  campaignCount: number;
}

export interface AdsCampaignPerformance extends AdsPerformance {
  campaignId: string;
  externalId: string;
  name: string;
  platform: string;
  status: string;
  targetRoas: string | null;
}

export interface AdsDay extends AdsPerformance {
  date: Date;
}

/** Sort keys of the campaign list, as SQL over one campaign's rows in the range. */
export const ADS_CAMPAIGN_ORDER = {
  SPEND: "sum(spend_cents)",
  REVENUE: "sum(revenue_cents)",
  ROAS: "sum(revenue_cents)::numeric / nullif(sum(spend_cents), 0)",
  CONVERSIONS: "sum(conversions)",
  NAME: "c.campaign_name",
} as const;
export type AdsCampaignOrderField = keyof typeof ADS_CAMPAIGN_ORDER;

export interface AdsCampaignListArgs {
  first: number;
  orderBy: AdsCampaignOrderField;
  direction: "ASC" | "DESC";
}

/** JSON members for the sums of the rows in scope and the ratios of those sums (rounded like the trigger). */
const performanceJson = Prisma.sql`
  'spendCents', coalesce(sum(spend_cents), 0)::text,
  'revenueCents', coalesce(sum(revenue_cents), 0)::text,
  'impressions', coalesce(sum(impressions), 0)::text,
  'clicks', coalesce(sum(clicks), 0)::text,
  'conversions', coalesce(sum(conversions), 0)::text,
  'roas', round(sum(revenue_cents)::numeric / nullif(sum(spend_cents), 0), 2)::text,
  'cpcCents', round(sum(spend_cents)::numeric / nullif(sum(clicks), 0))::text,
  'cpaCents', round(sum(spend_cents)::numeric / nullif(sum(conversions), 0))::text,
  'ctr', round(sum(clicks)::numeric / nullif(sum(impressions), 0), 4)::text,
  'conversionRate', round(sum(conversions)::numeric / nullif(sum(clicks), 0), 4)::text`;

function adsLoader(ctx: DataContext, tile: AdsTileArgs) {
  const { range, platforms } = tile;
  const withClause = Prisma.sql`
    WITH metrics AS (
      SELECT m.campaign_id, m.metric_date, m.spend_cents::bigint AS spend_cents, m.revenue_cents::bigint AS revenue_cents,
             m.impressions::bigint AS impressions, m.clicks::bigint AS clicks, m.conversions::bigint AS conversions
      FROM ads_daily_metrics m
      ${platforms === null ? Prisma.empty : Prisma.sql`JOIN ads_campaigns c ON c.id = m.campaign_id AND c.platform = ANY(${platforms}::text[])`}
      WHERE m.metric_date BETWEEN ${range.from}::date AND ${range.to}::date
    )`;
  return tileLoader(ctx, `ads:${JSON.stringify(tile)}`, withClause, (part) => {
    const [name, args] = parsePart(part);
    switch (name) {
      case "blended":
        return Prisma.sql`SELECT json_build_object('campaignCount', count(DISTINCT campaign_id), ${performanceJson}) FROM metrics`;
      case "daily":
        return Prisma.sql`
          SELECT json_agg(totals ORDER BY day)
          FROM (SELECT days.day, json_build_object('date', days.day, ${performanceJson}) AS totals
                FROM (SELECT d::date AS day FROM generate_series(${range.from}::date, ${range.to}::date, interval '1 day') AS d) AS days
                LEFT JOIN metrics ON metrics.metric_date = days.day
                GROUP BY days.day) AS per_day`;
      case "campaigns": {
        const { first, orderBy, direction } = args as AdsCampaignListArgs;
        const order = Prisma.sql`${Prisma.raw(ADS_CAMPAIGN_ORDER[orderBy])} ${Prisma.raw(direction === "ASC" ? "ASC" : "DESC")} NULLS LAST, c.id`;
        return Prisma.sql`
          SELECT coalesce(json_agg(campaign ORDER BY rank), '[]')
          FROM (SELECT json_build_object(
                         'campaignId', c.id, 'externalId', c.campaign_id, 'name', c.campaign_name, 'platform', c.platform,
                         'status', c.status, 'targetRoas', c.target_roas::text, ${performanceJson}) AS campaign,
                       row_number() OVER (ORDER BY ${order}) AS rank
                FROM metrics JOIN ads_campaigns c ON c.id = metrics.campaign_id
                GROUP BY c.id
                ORDER BY ${order} LIMIT ${first}) AS top`;
      }
      default:
        throw new Error(`unknown ads part ${part}`);
    }
  });
}

export const adsBlended = (ctx: DataContext, tile: AdsTileArgs) => adsLoader(ctx, tile).load(partKey("blended")) as Promise<AdsBlended>;

export async function adsDaily(ctx: DataContext, tile: AdsTileArgs): Promise<AdsDay[]> {
  const days = (await adsLoader(ctx, tile).load(partKey("daily"))) as (AdsPerformance & { date: string })[];
  return days.map((d) => ({ ...d, date: new Date(`${d.date}T00:00:00Z`) }));
}

export const adsCampaigns = (ctx: DataContext, tile: AdsTileArgs, list: AdsCampaignListArgs) =>
  adsLoader(ctx, tile).load(partKey("campaigns", { ...list })) as Promise<AdsCampaignPerformance[]>;

// ───────────── Support queue (pending AgentApproval) ─────────────

/** Age buckets of pending items (upstream's queue tile): normal < 1 h, warning 1–2 h, critical ≥ 2 h. */
export interface SupportQueueSummary {
  pendingCount: number;
  oldestPendingAt: Date | null;
  oldestPendingAgeMinutes: number | null;
  normal: number;
  warning: number;
  critical: number;
  expiringWithinHour: number;
}

export interface SupportKindCount {
  kind: string;
  count: number;
  oldestPendingAt: Date;
}

export interface SupportQueueItem {
  id: string;
  kind: string;
  agent: string;
  summary: string;
  conversationId: string;
  createdAt: Date;
  expiresAt: Date | null;
  ageMinutes: number;
}

export interface SupportItemsArgs {
  first: number;
  kinds: string[] | null;
}

function supportLoader(ctx: DataContext) {
  // Ages are measured from now(), the start of the request's transaction: one instant for the whole
  // tile. A pending item past its deadline reads as expired (as everywhere in the gateway): not queued.
  const withClause = Prisma.sql`
    WITH pending AS (
      SELECT id, kind, agent, summary, "conversationId", "createdAt", "expiresAt",
             floor(extract(epoch FROM now() - "createdAt") / 60)::int AS age_minutes
      FROM "AgentApproval"
      WHERE status = 'pending' AND ("expiresAt" IS NULL OR "expiresAt" > now())
    )`;
  return tileLoader(ctx, "support", withClause, (part) => {
    const [name, args] = parsePart(part);
    switch (name) {
      case "summary":
        // pendingCount counts items, not kinds (upstream counted the rows of a GROUP BY kind: a bug).
        return Prisma.sql`
          SELECT json_build_object(
            'pendingCount', count(*),
            'oldestPendingAt', min("createdAt"),
            'oldestPendingAgeMinutes', max(age_minutes),
            'normal', count(*) FILTER (WHERE age_minutes < 60),
            'warning', count(*) FILTER (WHERE age_minutes >= 60 AND age_minutes < 120),
            'critical', count(*) FILTER (WHERE age_minutes >= 120),
            'expiringWithinHour', count(*) FILTER (WHERE "expiresAt" <= now() + interval '1 hour'))
          FROM pending`;
      case "byKind":
        return Prisma.sql`
          SELECT coalesce(json_agg(json_build_object('kind', kind, 'count', n, 'oldestPendingAt', oldest) ORDER BY n DESC, kind), '[]')
          FROM (SELECT kind, count(*) AS n, min("createdAt") AS oldest FROM pending GROUP BY kind) AS kinds`;
      case "items": {
        const { first, kinds } = args as SupportItemsArgs;
        return Prisma.sql`
          SELECT coalesce(json_agg(json_build_object(
            'id', id, 'kind', kind, 'agent', agent, 'summary', summary, 'conversationId', "conversationId",
            'createdAt', "createdAt", 'expiresAt', "expiresAt", 'ageMinutes', age_minutes) ORDER BY "createdAt", id), '[]')
          FROM (SELECT * FROM pending ${kinds?.length ? Prisma.sql`WHERE kind = ANY(${kinds}::text[])` : Prisma.empty}
                ORDER BY "createdAt", id LIMIT ${first}) AS oldest`;
      }
      default:
        throw new Error(`unknown support part ${part}`);
    }
  });
}

export async function supportSummary(ctx: DataContext): Promise<SupportQueueSummary> {
  const s = (await supportLoader(ctx).load(partKey("summary"))) as Omit<SupportQueueSummary, "oldestPendingAt"> & { oldestPendingAt: string | null };
  return { ...s, oldestPendingAt: toDate(s.oldestPendingAt) };
}

export async function supportByKind(ctx: DataContext): Promise<SupportKindCount[]> {
  const kinds = (await supportLoader(ctx).load(partKey("byKind"))) as { kind: string; count: number; oldestPendingAt: string }[];
  return kinds.map((k) => ({ ...k, oldestPendingAt: new Date(k.oldestPendingAt) }));
}

export async function supportItems(ctx: DataContext, list: SupportItemsArgs): Promise<SupportQueueItem[]> {
  const items = (await supportLoader(ctx).load(partKey("items", { ...list }))) as (Omit<SupportQueueItem, "createdAt" | "expiresAt"> & {
    createdAt: string;
    expiresAt: string | null;
  })[];
  return items.map((item) => ({ ...item, createdAt: new Date(item.createdAt), expiresAt: toDate(item.expiresAt) }));
}
