/** Data access for ads: campaign filters, the campaign → daily-metrics loader, the idempotent metrics upsert. */
import { GraphQLError } from "graphql";
import type { Prisma } from "../generated/prisma/client.ts";
import type { Db, GatewayContext } from "../context/types.ts";
import { dateRangeWhere } from "../schema/common.ts";
import { formatDate } from "../schema/scalars.ts";
import { groupByKeys, loaderFor } from "./loaders.ts";

export interface CampaignFilter {
  platforms?: string[] | null;
  statuses?: string[] | null;
  activeDuring?: { from?: Date | null; to?: Date | null } | null;
  utmSource?: string | null;
  utmMedium?: string | null;
  utmCampaign?: string | null;
  search?: string | null;
}

export function campaignWhere(filter: CampaignFilter | null | undefined): Prisma.AdsCampaignWhereInput {
  if (!filter) return {};
  const and: Prisma.AdsCampaignWhereInput[] = [];
  if (filter.platforms?.length) and.push({ platform: { in: filter.platforms } });
  if (filter.statuses?.length) and.push({ status: { in: filter.statuses } });
  if (filter.utmSource) and.push({ utmSource: filter.utmSource });
  if (filter.utmMedium) and.push({ utmMedium: filter.utmMedium });
  if (filter.utmCampaign) and.push({ utmCampaign: filter.utmCampaign });
  if (filter.search) and.push({ campaignName: { contains: filter.search, mode: "insensitive" } });
  const during = filter.activeDuring;
  if (during && (during.from || during.to)) {
    dateRangeWhere(during, "filter.activeDuring"); // validates from <= to
    // Overlaps the range: started by its end, and not ended before its start.
    if (during.to) and.push({ startDate: { lte: during.to } });
    if (during.from) and.push({ OR: [{ endDate: null }, { endDate: { gte: during.from } }] });
  }
  return and.length ? { AND: and } : {};
}

type DateRange = { from?: Date | null; to?: Date | null } | null | undefined;

/** All daily metrics of many campaigns within one date range: one statement per request and range. */
export function dailyMetricsLoader(ctx: GatewayContext, range: DateRange) {
  const metricDate = dateRangeWhere(range, "range");
  const key = `ads.dailyMetrics:${range?.from ? formatDate(range.from) : ""}:${range?.to ? formatDate(range.to) : ""}`;
  return loaderFor<string, Prisma.AdsDailyMetricGetPayload<object>[]>(ctx, key, async (campaignIds) => {
    const rows = await ctx.db.adsDailyMetric.findMany({
      where: { campaignId: { in: [...campaignIds] }, ...(metricDate ? { metricDate } : {}) },
      orderBy: [{ campaignId: "asc" }, { metricDate: "asc" }],
    });
    return groupByKeys(campaignIds, rows, (row) => row.campaignId);
  });
}

export interface DailyMetricInput {
  campaignId?: string | null;
  externalCampaignId?: string | null;
  metricDate: Date;
  spendCents: number;
  impressions: number;
  clicks: number;
  conversions: number;
  revenueCents: number;
}

/**
 * Upserts one row per campaign per day in a single statement. Rows whose values are unchanged are
 * left alone (updated_at does not move), so replaying a batch changes nothing. Ratios come from the
 * database trigger.
 */
export async function upsertDailyMetrics(db: Db, rows: DailyMetricInput[]) {
  const ids = [...new Set(rows.flatMap((r) => (r.campaignId ? [r.campaignId] : [])))];
  const externalIds = [...new Set(rows.flatMap((r) => (r.externalCampaignId ? [r.externalCampaignId] : [])))];
  const campaigns = await db.adsCampaign.findMany({
    where: { OR: [{ id: { in: ids } }, { campaignId: { in: externalIds } }] },
    select: { id: true, campaignId: true },
  });
  const byId = new Set(campaigns.map((c) => c.id));
  const byExternal = new Map(campaigns.map((c) => [c.campaignId, c.id]));

  const resolved = rows.map((row, i) => {
    const id = row.campaignId ?? byExternal.get(row.externalCampaignId ?? "");
    if (!id || (row.campaignId && !byId.has(row.campaignId))) {
      const field = row.campaignId ? "campaignId" : "externalCampaignId";
      throw new GraphQLError(`input.metrics[${i}].${field}: no campaign ${row.campaignId ?? row.externalCampaignId}.`, {
        extensions: { code: "BAD_USER_INPUT", issues: [{ field: `input.metrics[${i}].${field}`, rule: "must name an existing campaign" }] },
      });
    }
    return { ...row, campaignId: id };
  });

  const result = await db.$queryRaw<{ inserted: bigint; updated: bigint }[]>`
    WITH input AS (
      SELECT * FROM unnest(
        ${resolved.map((r) => r.campaignId)}::uuid[], ${resolved.map((r) => formatDate(r.metricDate))}::date[],
        ${resolved.map((r) => r.spendCents)}::int[], ${resolved.map((r) => r.impressions)}::int[],
        ${resolved.map((r) => r.clicks)}::int[], ${resolved.map((r) => r.conversions)}::int[],
        ${resolved.map((r) => r.revenueCents)}::int[]
      ) AS t(campaign_id, metric_date, spend_cents, impressions, clicks, conversions, revenue_cents)
    ), written AS (
      INSERT INTO ads_daily_metrics AS m (campaign_id, metric_date, spend_cents, impressions, clicks, conversions, revenue_cents)
      SELECT campaign_id, metric_date, spend_cents, impressions, clicks, conversions, revenue_cents FROM input
      ON CONFLICT (campaign_id, metric_date) DO UPDATE SET
        spend_cents = EXCLUDED.spend_cents, impressions = EXCLUDED.impressions, clicks = EXCLUDED.clicks,
        conversions = EXCLUDED.conversions, revenue_cents = EXCLUDED.revenue_cents
      WHERE (m.spend_cents, m.impressions, m.clicks, m.conversions, m.revenue_cents)
        IS DISTINCT FROM (EXCLUDED.spend_cents, EXCLUDED.impressions, EXCLUDED.clicks, EXCLUDED.conversions, EXCLUDED.revenue_cents)
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM written`;
  const inserted = Number(result[0]?.inserted ?? 0);
  const updated = Number(result[0]?.updated ?? 0);
  return { inserted, updated, unchanged: rows.length - inserted - updated };
}
