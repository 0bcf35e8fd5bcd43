/** The ads ROAS tile's types (data: src/data/dashboard/ads.ts). */
import { builder } from "../builder.ts";
import { countArgBound, listBound } from "../bounds.ts";
import { SortDirection, type Types } from "../common.ts";
import { ADS_PLATFORM_COUNT, AdsCampaignStatus, AdsDailyMetric, AdsPlatform } from "../ads.ts";
import { dailyMetricsLoader } from "../../data/ads.ts";
import { MAX_RANGE_DAYS, type DayRange } from "../../data/dashboard/range.ts";
import { checkLimit, MAX_TILE_LIST } from "../../data/dashboard/tile.ts";
import {
  ADS_CAMPAIGN_ORDER,
  adsTile,
  type AdsBlended,
  type AdsCampaignPerformance,
  type AdsDay,
  type AdsPerformance,
  type AdsTileArgs,
} from "../../data/dashboard/ads.ts";
import { day, ResolvedDateRange } from "./range.ts";

type Platform = typeof AdsPlatform.$inferType;
type CampaignStatus = typeof AdsCampaignStatus.$inferType;

/** Sums and ratios of sums; a ratio is null where its divisor is 0. */
const performanceFields = <Row extends AdsPerformance>(t: PothosSchemaTypes.ObjectFieldBuilder<Types, Row>) => ({
  spendCents: t.field({ type: "Decimal", resolve: (row) => row.spendCents }),
  revenueCents: t.field({ type: "Decimal", resolve: (row) => row.revenueCents }),
  impressions: t.field({ type: "Decimal", description: "A sum; Decimal because it can exceed 32 bits.", resolve: (row) => row.impressions }),
  clicks: t.field({ type: "Decimal", resolve: (row) => row.clicks }),
  conversions: t.field({ type: "Decimal", resolve: (row) => row.conversions }),
  roas: t.field({ type: "Decimal", nullable: true, description: "revenue ÷ spend, 2 decimals.", resolve: (row) => row.roas }),
  cpcCents: t.field({ type: "Decimal", nullable: true, description: "spend ÷ clicks, whole cents.", resolve: (row) => row.cpcCents }),
  cpaCents: t.field({ type: "Decimal", nullable: true, description: "spend ÷ conversions, whole cents.", resolve: (row) => row.cpaCents }),
  ctr: t.field({ type: "Decimal", nullable: true, description: "clicks ÷ impressions as a fraction, 4 decimals.", resolve: (row) => row.ctr }),
  conversionRate: t.field({
    type: "Decimal",
    nullable: true,
    description: "conversions ÷ clicks as a fraction, 4 decimals.",
    resolve: (row) => row.conversionRate,
  }),
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
    // ads_campaigns.platform and .status hold the enums' values (check constraints).
    platform: t.field({ type: AdsPlatform, resolve: (c) => c.platform as Platform }),
    status: t.field({ type: AdsCampaignStatus, resolve: (c) => c.status as CampaignStatus }),
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

export const AdsRoasTile = builder.objectRef<AdsTileArgs>("AdsRoasTile").implement({
  description: "Ads performance from ads_daily_metrics: blended, per campaign and per day; ratios come from sums, never averages of daily ratios.",
  fields: (t) => ({
    range: t.field({ type: ResolvedDateRange, resolve: (tile) => tile.range }),
    platforms: t.field({
      type: [AdsPlatform],
      ...listBound(ADS_PLATFORM_COUNT),
      nullable: true,
      description: "Null: every platform.",
      resolve: (tile) => (tile.platforms ? [...new Set(tile.platforms as Platform[])] : null),
    }),
    blended: t.field({ type: AdsBlendedRef, resolve: (tile, _a, ctx) => adsTile.load(ctx, tile, "blended") }),
    daily: t.field({
      type: [AdsDayRef],
      ...listBound(MAX_RANGE_DAYS),
      description: "Every day of the range, oldest first (zeros on days without metrics).",
      resolve: (tile, _a, ctx) => adsTile.load(ctx, tile, "daily"),
    }),
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
        const rows = await adsTile.load(ctx, tile, "campaigns", {
          first: checkLimit(args.first ?? 20, "campaigns.first"),
          orderBy: args.orderBy ?? "SPEND",
          direction: args.direction ?? "DESC",
        });
        return rows.map((row) => ({ ...row, range: tile.range }));
      },
    }),
  }),
});
