/**
 * The operator dashboard: `dashboard { revenue inventory adsRoas supportQueue }` loads the whole
 * page in one request. Each tile costs one SQL statement however many of its fields are selected and
 * however much data there is (src/data/dashboard.ts); formulas are in docs/dashboard.md.
 */
import type { GatewayContext } from "../context/types.ts";
import type { TableName } from "../auth/policy.ts";
import { builder } from "./builder.ts";
import { DateRangeInput, SortDirection } from "./common.ts";
import { canRead } from "../auth/policy.ts";
import { countArgBound, listBound } from "./bounds.ts";
import { formatDate, parseDate } from "../lib/dates.ts";
import { ADS_PLATFORM_COUNT, AdsCampaignStatus, AdsDailyMetric, AdsPlatform } from "./ads.ts";
import { dailyMetricsLoader } from "../data/ads.ts";
import {
  ADS_CAMPAIGN_ORDER,
  adsBlended,
  adsCampaigns,
  adsDaily,
  checkLimit,
  inventorySkus,
  inventorySummary,
  MAX_RANGE_DAYS,
  MAX_TILE_LIST,
  previousPeriod,
  resolveRange,
  revenueDaily,
  revenueTotals,
  supportByKind,
  supportItems,
  supportSummary,
  todayUtc,
  type AdsBlended,
  type AdsCampaignPerformance,
  type AdsDay,
  type AdsPerformance,
  type AdsTileArgs,
  type DayRange,
  type InventorySku,
  type InventoryTileArgs,
  type RevenueDay,
  type RevenueTileArgs,
  type SupportKindCount,
  type SupportQueueItem,
  type StockStatus as StockStatusValue,
} from "../data/dashboard.ts";

/** A tile is readable when every table it aggregates is (the database applies RLS to each as well). */
const readsAll = (...tables: TableName[]) => (_parent: unknown, _args: unknown, ctx: GatewayContext) =>
  tables.every((table) => canRead(ctx, table));

const day = (value: string) => parseDate(value);

// ───────────── Shared types ─────────────

const ResolvedDateRange = builder.objectRef<DayRange>("DashboardDateRange").implement({
  description: "The inclusive range of dates a tile actually covers, after defaults.",
  fields: (t) => ({
    from: t.field({ type: "Date", resolve: (r) => day(r.from) }),
    to: t.field({ type: "Date", resolve: (r) => day(r.to) }),
    days: t.exposeInt("days"),
  }),
});

const Trend = builder.enumType("DashboardTrend", {
  description: "Direction of the change against the previous period.",
  values: ["UP", "DOWN", "FLAT"] as const,
});

// ───────────── Revenue ─────────────

const RevenueDayRef = builder.objectRef<RevenueDay>("RevenueDay").implement({
  fields: (t) => ({
    date: t.expose("date", { type: "Date" }),
    valueCents: t.expose("valueCents", { type: "Decimal", description: "Revenue of the day in cents; 0 on a day without a fact." }),
    hasData: t.exposeBoolean("hasData", { description: "Whether a revenue fact exists for the day." }),
  }),
});

const RevenueTile = builder.objectRef<RevenueTileArgs>("RevenueTile").implement({
  description: "Revenue from DashboardFact (metric 'revenue', unit cents): totals, the change against the previous period, a daily series.",
  fields: (t) => ({
    range: t.field({ type: ResolvedDateRange, resolve: (tile) => tile.range }),
    previousRange: t.field({ type: ResolvedDateRange, description: "The period of the same length just before `range`.", resolve: (tile) => tile.previous }),
    shopDomain: t.string({ nullable: true, description: "The shop, or null when all shops are summed.", resolve: (tile) => tile.shopDomain }),
    totalCents: t.field({ type: "Decimal", resolve: async (tile, _a, ctx) => (await revenueTotals(ctx, tile)).totalCents }),
    previousTotalCents: t.field({ type: "Decimal", resolve: async (tile, _a, ctx) => (await revenueTotals(ctx, tile)).previousTotalCents }),
    changeCents: t.field({ type: "Decimal", description: "total − previous total.", resolve: async (tile, _a, ctx) => (await revenueTotals(ctx, tile)).changeCents }),
    changePercent: t.field({
      type: "Decimal",
      nullable: true,
      description: "(total − previous) ÷ previous × 100, 2 decimals; null when the previous total is 0.",
      resolve: async (tile, _a, ctx) => (await revenueTotals(ctx, tile)).changePercent,
    }),
    trend: t.field({ type: Trend, resolve: async (tile, _a, ctx) => (await revenueTotals(ctx, tile)).trend }),
    daysWithData: t.int({ description: "Days of `range` that have a revenue fact.", resolve: async (tile, _a, ctx) => (await revenueTotals(ctx, tile)).daysWithData }),
    daily: t.field({ type: [RevenueDayRef], ...listBound(MAX_RANGE_DAYS), description: "Every day of `range`, oldest first.", resolve: (tile, _a, ctx) => revenueDaily(ctx, tile) }),
  }),
});

// ───────────── Inventory ─────────────

const StockStatus = builder.enumType("StockStatus", {
  description: "Stock status of a SKU, most urgent first (see docs/dashboard.md).",
  values: {
    OUT_OF_STOCK: { value: "out_of_stock", description: "Nothing on hand." },
    URGENT_REORDER: { value: "urgent_reorder", description: "On hand at or below the safety stock." },
    LOW_STOCK: { value: "low_stock", description: "On hand at or below the reorder point." },
    IN_STOCK: { value: "in_stock", description: "On hand above the reorder point." },
  } as const,
});

const LeadTimeSource = builder.enumType("LeadTimeSource", {
  values: {
    OVERRIDE: { value: "override", description: "reorder_points.lead_time_days" },
    SUPPLIER: { value: "supplier", description: "supplier_lead_times.lead_time_days of the SKU's supplier" },
    DEFAULT: { value: "default", description: "Neither is set: 7 days." },
  } as const,
});

const StockStatusCounts = builder.simpleObject("StockStatusCounts", {
  fields: (t) => ({ outOfStock: t.int(), urgentReorder: t.int(), lowStock: t.int(), inStock: t.int() }),
});

const InventorySkuRef = builder.objectRef<InventorySku>("InventorySkuStatus").implement({
  description: "One SKU: its latest snapshot in the sales window and the figures derived from it.",
  fields: (t) => ({
    sku: t.exposeString("sku"),
    productTitle: t.exposeString("productTitle", { nullable: true }),
    snapshotDate: t.expose("snapshotDate", { type: "Date", description: "Date of the latest snapshot in the window (the stock figures)." }),
    onHand: t.exposeInt("onHand"),
    available: t.exposeInt("available"),
    committed: t.exposeInt("committed"),
    incoming: t.exposeInt("incoming"),
    unitsSold: t.exposeInt("unitsSold", { description: "Units sold over the window's snapshots." }),
    snapshotDays: t.exposeInt("snapshotDays", { description: "Days of the window with a snapshot of this SKU." }),
    averageDailySales: t.expose("averageDailySales", { type: "Decimal", description: "unitsSold ÷ snapshotDays, 4 decimals." }),
    daysOfCover: t.expose("daysOfCover", { type: "Decimal", nullable: true, description: "onHand ÷ average daily sales, 2 decimals; null without sales." }),
    weeksOfSupply: t.expose("weeksOfSupply", { type: "Decimal", nullable: true, description: "onHand ÷ average daily sales ÷ 7, 2 decimals; null without sales." }),
    leadTimeDays: t.exposeInt("leadTimeDays"),
    leadTimeSource: t.field({ type: LeadTimeSource, resolve: (s) => s.leadTimeSource }),
    safetyStock: t.exposeInt("safetyStock", { description: "reorder_points.safety_stock, 0 without a row." }),
    reorderPoint: t.exposeInt("reorderPoint", { description: "⌈average daily sales × lead time + safety stock⌉." }),
    status: t.field({ type: StockStatus, resolve: (s) => s.status }),
    atOrBelowReorderPoint: t.exposeBoolean("atOrBelowReorderPoint", { description: "onHand ≤ reorderPoint." }),
  }),
});

const InventoryTile = builder.objectRef<InventoryTileArgs>("InventoryTile").implement({
  description: "Stock of every SKU with a snapshot in the sales window: weeks of supply, reorder points, statuses.",
  fields: (t) => ({
    salesWindow: t.field({ type: ResolvedDateRange, description: "Average daily sales are measured over the snapshots in this range.", resolve: (tile) => tile.window }),
    skuCount: t.int({ resolve: async (tile, _a, ctx) => (await inventorySummary(ctx, tile)).skuCount }),
    statusCounts: t.field({
      type: StockStatusCounts,
      resolve: async (tile, _a, ctx) => {
        const { outOfStock, urgentReorder, lowStock, inStock } = await inventorySummary(ctx, tile);
        return { outOfStock, urgentReorder, lowStock, inStock };
      },
    }),
    atOrBelowReorderPointCount: t.int({ resolve: async (tile, _a, ctx) => (await inventorySummary(ctx, tile)).atOrBelowReorderPoint }),
    skus: t.field({
      type: [InventorySkuRef],
      ...countArgBound("first", 20, MAX_TILE_LIST),
      description: "SKUs most at risk first: by status, then fewest weeks of supply (no sales last), then SKU.",
      args: {
        first: t.arg.int({ required: false, defaultValue: 20 }),
        statuses: t.arg({ type: [StockStatus], required: false }),
        atOrBelowReorderPoint: t.arg.boolean({ required: false, description: "true: only SKUs at or below their reorder point; false: only those above." }),
      },
      resolve: (tile, args, ctx) =>
        inventorySkus(ctx, tile, {
          first: checkLimit(args.first ?? 20, "skus.first"),
          statuses: (args.statuses as StockStatusValue[] | null | undefined) ?? null,
          atOrBelowReorderPoint: args.atOrBelowReorderPoint ?? null,
        }),
    }),
  }),
});

// ───────────── Ads ROAS ─────────────

/** Sums and ratios of sums; a ratio is null where its divisor is 0. */
const performanceFields = (t: any) => ({
  spendCents: t.expose("spendCents", { type: "Decimal" }),
  revenueCents: t.expose("revenueCents", { type: "Decimal" }),
  impressions: t.expose("impressions", { type: "Decimal", description: "A sum; Decimal because it can exceed 32 bits." }),
  clicks: t.expose("clicks", { type: "Decimal" }),
  conversions: t.expose("conversions", { type: "Decimal" }),
  roas: t.expose("roas", { type: "Decimal", nullable: true, description: "revenue ÷ spend, 2 decimals." }),
  cpcCents: t.expose("cpcCents", { type: "Decimal", nullable: true, description: "spend ÷ clicks, whole cents." }),
  cpaCents: t.expose("cpaCents", { type: "Decimal", nullable: true, description: "spend ÷ conversions, whole cents." }),
  ctr: t.expose("ctr", { type: "Decimal", nullable: true, description: "clicks ÷ impressions as a fraction, 4 decimals." }),
  conversionRate: t.expose("conversionRate", { type: "Decimal", nullable: true, description: "conversions ÷ clicks as a fraction, 4 decimals." }),
});

const AdsBlendedRef = builder.objectRef<AdsBlended>("AdsBlendedPerformance").implement({
  description: "All campaigns in scope together over the range.",
  fields: (t) => ({ campaignCount: t.exposeInt("campaignCount", { description: "Campaigns with metrics in the range." }), ...performanceFields(t) }),
});

const AdsDayRef = builder.objectRef<AdsDay>("AdsDayPerformance").implement({
  description: "All campaigns in scope on one day.",
  fields: (t) => ({ date: t.expose("date", { type: "Date" }), ...performanceFields(t) }),
});

const AdsCampaignPerformanceRef = builder.objectRef<AdsCampaignPerformance & { range: DayRange }>("AdsCampaignPerformance").implement({
  description: "One campaign over the range.",
  fields: (t) => ({
    campaignId: t.expose("campaignId", { type: "UUID" }),
    externalId: t.exposeString("externalId"),
    name: t.exposeString("name"),
    platform: t.field({ type: AdsPlatform, resolve: (c) => c.platform as any }),
    status: t.field({ type: AdsCampaignStatus, resolve: (c) => c.status as any }),
    targetRoas: t.expose("targetRoas", { type: "Decimal", nullable: true }),
    ...performanceFields(t),
    dailyMetrics: t.field({
      type: [AdsDailyMetric],
      ...listBound(MAX_RANGE_DAYS),
      description: "The campaign's rows within the tile's range, oldest first (one query for all campaigns of the request).",
      resolve: (c, _a, ctx) => dailyMetricsLoader(ctx, { from: day(c.range.from), to: day(c.range.to) }).load(c.campaignId),
    }),
  }),
});

const AdsCampaignOrderField = builder.enumType("AdsCampaignPerformanceOrderField", {
  values: Object.keys(ADS_CAMPAIGN_ORDER) as (keyof typeof ADS_CAMPAIGN_ORDER)[],
});

const AdsRoasTile = builder.objectRef<AdsTileArgs>("AdsRoasTile").implement({
  description: "Ads performance from ads_daily_metrics: blended, per campaign and per day; ratios come from sums, never averages of daily ratios.",
  fields: (t) => ({
    range: t.field({ type: ResolvedDateRange, resolve: (tile) => tile.range }),
    platforms: t.field({
      type: [AdsPlatform],
      ...listBound(ADS_PLATFORM_COUNT),
      nullable: true,
      description: "Null: every platform.",
      resolve: (tile) => (tile.platforms ? [...new Set(tile.platforms)] : null) as any,
    }),
    blended: t.field({ type: AdsBlendedRef, resolve: (tile, _a, ctx) => adsBlended(ctx, tile) }),
    daily: t.field({ type: [AdsDayRef], ...listBound(MAX_RANGE_DAYS), description: "Every day of the range, oldest first (zeros on days without metrics).", resolve: (tile, _a, ctx) => adsDaily(ctx, tile) }),
    campaigns: t.field({
      type: [AdsCampaignPerformanceRef],
      ...countArgBound("first", 20, MAX_TILE_LIST),
      description: "Campaigns with metrics in the range; by spend, highest first, unless ordered otherwise.",
      args: {
        first: t.arg.int({ required: false, defaultValue: 20 }),
        orderBy: t.arg({ type: AdsCampaignOrderField, required: false, defaultValue: "SPEND" }),
        direction: t.arg({ type: SortDirection, required: false, defaultValue: "DESC" }),
      },
      resolve: async (tile, args, ctx) => {
        const rows = await adsCampaigns(ctx, tile, {
          first: checkLimit(args.first ?? 20, "campaigns.first"),
          orderBy: args.orderBy ?? "SPEND",
          direction: args.direction ?? "DESC",
        });
        return rows.map((row) => ({ ...row, range: tile.range }));
      },
    }),
  }),
});

// ───────────── Support queue ─────────────

const ApprovalAgeCounts = builder.simpleObject("ApprovalAgeCounts", {
  description: "Pending approvals by age: normal under 1 hour, warning 1 to 2 hours, critical 2 hours or more.",
  fields: (t) => ({ normal: t.int(), warning: t.int(), critical: t.int() }),
});

const QueueUrgency = builder.enumType("SupportQueueUrgency", {
  description: "From the number pending: HIGH above 10, MEDIUM above 5, else LOW.",
  values: ["LOW", "MEDIUM", "HIGH"] as const,
});

const KindCountRef = builder.objectRef<SupportKindCount>("ApprovalKindCount").implement({
  fields: (t) => ({
    kind: t.exposeString("kind"),
    count: t.exposeInt("count"),
    oldestPendingAt: t.expose("oldestPendingAt", { type: "DateTime" }),
  }),
});

const QueueItemRef = builder.objectRef<SupportQueueItem>("SupportQueueItem").implement({
  description: "A pending AgentApproval.",
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    kind: t.exposeString("kind"),
    agent: t.exposeString("agent"),
    summary: t.exposeString("summary"),
    conversationId: t.exposeString("conversationId"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    ageMinutes: t.exposeInt("ageMinutes", { description: "Whole minutes since createdAt." }),
  }),
});

const SupportQueueTile = builder.objectRef<object>("SupportQueueTile").implement({
  description:
    "Pending AgentApproval items (status 'pending' and the deadline, if any, not passed: past it an item reads as expired); ages are measured at the request's start.",
  fields: (t) => ({
    pendingCount: t.int({ description: "Pending items (not kinds).", resolve: async (_t, _a, ctx) => (await supportSummary(ctx)).pendingCount }),
    urgency: t.field({
      type: QueueUrgency,
      resolve: async (_t, _a, ctx) => {
        const n = (await supportSummary(ctx)).pendingCount;
        return n > 10 ? "HIGH" : n > 5 ? "MEDIUM" : "LOW";
      },
    }),
    oldestPendingAt: t.field({ type: "DateTime", nullable: true, resolve: async (_t, _a, ctx) => (await supportSummary(ctx)).oldestPendingAt }),
    oldestPendingAgeMinutes: t.int({ nullable: true, resolve: async (_t, _a, ctx) => (await supportSummary(ctx)).oldestPendingAgeMinutes }),
    byAge: t.field({
      type: ApprovalAgeCounts,
      resolve: async (_t, _a, ctx) => {
        const { normal, warning, critical } = await supportSummary(ctx);
        return { normal, warning, critical };
      },
    }),
    expiringWithinHourCount: t.int({
      description: "Pending items whose deadline (expiresAt) is within the next hour.",
      resolve: async (_t, _a, ctx) => (await supportSummary(ctx)).expiringWithinHour,
    }),
    byKind: t.field({
      type: [KindCountRef],
      ...listBound(MAX_TILE_LIST),
      description: `Most pending first, then by kind; the first ${MAX_TILE_LIST} kinds.`,
      resolve: async (_t, _a, ctx) => (await supportByKind(ctx)).slice(0, MAX_TILE_LIST),
    }),
    items: t.field({
      type: [QueueItemRef],
      ...countArgBound("first", 20, MAX_TILE_LIST),
      description: "Oldest first.",
      args: { first: t.arg.int({ required: false, defaultValue: 20 }), kinds: t.arg.stringList({ required: false }) },
      resolve: (_t, args, ctx) => supportItems(ctx, { first: checkLimit(args.first ?? 20, "items.first"), kinds: args.kinds ?? null }),
    }),
  }),
});

// ───────────── The dashboard ─────────────

const Dashboard = builder.objectRef<{ asOf: string }>("Dashboard").implement({
  description: "The operator dashboard's tiles. A tile is null (with an error) for a role that may not read its tables.",
  fields: (t) => ({
    asOf: t.field({ type: "Date", description: "The day default ranges end on.", resolve: (d) => day(d.asOf) }),
    revenue: t.field({
      type: RevenueTile,
      nullable: true,
      authScopes: readsAll("DashboardFact"),
      args: {
        range: t.arg({ type: DateRangeInput, required: false, description: "Default: the 30 days ending asOf." }),
        shopDomain: t.arg.string({ required: false, description: "Default: all shops summed." }),
      },
      resolve: (d, args) => {
        const range = resolveRange(args.range, d.asOf, "revenue.range");
        return { range, previous: previousPeriod(range), shopDomain: args.shopDomain ?? null };
      },
    }),
    inventory: t.field({
      type: InventoryTile,
      nullable: true,
      authScopes: readsAll("inventory_snapshots", "reorder_points", "supplier_lead_times"),
      args: { salesWindow: t.arg({ type: DateRangeInput, required: false, description: "Default: the 30 days ending asOf." }) },
      resolve: (d, args) => ({ window: resolveRange(args.salesWindow, d.asOf, "inventory.salesWindow") }),
    }),
    adsRoas: t.field({
      type: AdsRoasTile,
      nullable: true,
      authScopes: readsAll("ads_campaigns", "ads_daily_metrics"),
      args: {
        range: t.arg({ type: DateRangeInput, required: false, description: "Default: the 30 days ending asOf." }),
        platforms: t.arg({ type: [AdsPlatform], required: false, description: "Default: every platform." }),
      },
      resolve: (d, args) => ({
        range: resolveRange(args.range, d.asOf, "adsRoas.range"),
        platforms: args.platforms?.length ? [...new Set(args.platforms as string[])].sort() : null,
      }),
    }),
    supportQueue: t.field({
      type: SupportQueueTile,
      nullable: true,
      authScopes: readsAll("AgentApproval"),
      resolve: () => ({}),
    }),
  }),
});

builder.queryField("dashboard", (t) =>
  t.field({
    type: Dashboard,
    description: "Everything the dashboard page shows, in one request; select the tiles you need.",
    authScopes: { signedIn: true },
    args: { asOf: t.arg({ type: "Date", required: false, description: "The day default ranges end on (UTC). Default: today." }) },
    resolve: (_root, args) => ({ asOf: args.asOf ? formatDate(args.asOf) : todayUtc() }),
  }),
);
