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

export const adsTile = defineTile({
  key: "ads",
  with: ({ range, platforms }: AdsTileArgs) => Prisma.sql`
    WITH metrics AS (
      SELECT m.campaign_id, m.metric_date, m.spend_cents::bigint AS spend_cents, m.revenue_cents::bigint AS revenue_cents,
             m.impressions::bigint AS impressions, m.clicks::bigint AS clicks, m.conversions::bigint AS conversions
      FROM ads_daily_metrics m
      ${platforms === null ? Prisma.empty : Prisma.sql`JOIN ads_campaigns c ON c.id = m.campaign_id AND c.platform = ANY(${platforms}::text[])`}
      WHERE m.metric_date BETWEEN ${range.from}::date AND ${range.to}::date
    )`,
  parts: (part) => ({
    blended: part<AdsBlended>(
      () => Prisma.sql`SELECT json_build_object('campaignCount', count(DISTINCT campaign_id), ${performanceJson}) FROM metrics`,
    ),
    daily: part(
      ({ range }) => Prisma.sql`
          SELECT json_agg(totals ORDER BY day)
          FROM (SELECT days.day, json_build_object('date', days.day, ${performanceJson}) AS totals
                FROM (SELECT d::date AS day FROM generate_series(${range.from}::date, ${range.to}::date, interval '1 day') AS d) AS days
                LEFT JOIN metrics ON metrics.metric_date = days.day
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
