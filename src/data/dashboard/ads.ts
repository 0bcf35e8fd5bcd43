/**
 * The ads ROAS tile: ads_daily_metrics (× ads_campaigns for the platform filter and the campaign
 * list) over the range, blended, per day and per campaign. Ratios come from sums, never from
 * averages of daily ratios; a ratio is NULL when its divisor is 0.
 */
import { Prisma } from "../../generated/prisma/client.ts";
import { dayToDate, type DayRange } from "./range.ts";
import { defineTile } from "./tile.ts";

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

/** The platform filter on a summary row aliased `alias` (none when `platforms` is null). */
const onPlatforms = (alias: string, platforms: string[] | null) =>
  platforms === null ? Prisma.empty : Prisma.sql`AND ${Prisma.raw(alias)}.platform = ANY(${platforms}::text[])`;

export const adsTile = defineTile({
  key: "ads",
  // Read from the summaries (migration 20251020000900_dashboard_summaries), never from the range's
  // metric rows: each campaign with metrics in the range gets its sums as its running totals at the
  // range's end (its summary row, or the day row at the end for a range ending before its last metric
  // day) less those the day before the range; the daily series reads one row per day and platform.
  with: ({ range, platforms }: AdsTileArgs) => Prisma.sql`
    WITH ends AS (
      SELECT campaign_id, spend_to_date, revenue_to_date, impressions_to_date, clicks_to_date, conversions_to_date
      FROM summaries.ads_campaign c
      WHERE last_date BETWEEN ${range.from}::date AND ${range.to}::date ${onPlatforms("c", platforms)}
      UNION ALL
      SELECT c.campaign_id, d.spend_to_date, d.revenue_to_date, d.impressions_to_date, d.clicks_to_date, d.conversions_to_date
      FROM summaries.ads_campaign c
      JOIN summaries.ads_campaign_day d ON d.campaign_id = c.campaign_id AND d.day = ${range.to}::date
      WHERE c.last_date > ${range.to}::date AND d.metric_date >= ${range.from}::date ${onPlatforms("c", platforms)}
    ), metrics AS (
      SELECT ends.campaign_id,
             ends.spend_to_date - coalesce(b.spend_to_date, 0) AS spend_cents, ends.revenue_to_date - coalesce(b.revenue_to_date, 0) AS revenue_cents,
             ends.impressions_to_date - coalesce(b.impressions_to_date, 0) AS impressions, ends.clicks_to_date - coalesce(b.clicks_to_date, 0) AS clicks,
             ends.conversions_to_date - coalesce(b.conversions_to_date, 0) AS conversions
      FROM ends
      LEFT JOIN summaries.ads_campaign_day b ON b.day = ${range.from}::date - 1 AND b.campaign_id = ends.campaign_id
    )`,
  parts: (part) => ({
    blended: part<AdsBlended>(() => Prisma.sql`SELECT json_build_object('campaignCount', count(*), ${performanceJson}) FROM metrics`),
    daily: part(
      ({ range, platforms }) => Prisma.sql`
          SELECT json_agg(totals ORDER BY day)
          FROM (SELECT days.day, json_build_object('date', days.day, ${performanceJson}) AS totals
                FROM (SELECT d::date AS day FROM generate_series(${range.from}::date, ${range.to}::date, interval '1 day') AS d) AS days
                LEFT JOIN summaries.ads_day a ON a.metric_date = days.day ${onPlatforms("a", platforms)}
                GROUP BY days.day) AS per_day`,
      (days: (AdsPerformance & { date: string })[]): AdsDay[] => days.map((d) => ({ ...d, date: dayToDate(d.date) })),
    ),
    campaigns: part<AdsCampaignPerformance[], AdsCampaignListArgs>((_tile, { first, orderBy, direction }) => {
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
    }),
  }),
});
