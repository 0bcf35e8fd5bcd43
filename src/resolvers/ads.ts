/** Data access for ads: campaign filters, the campaign → daily-metrics loader, the idempotent metrics upsert. */
import { GraphQLError } from "graphql";
import type { Prisma } from "../generated/prisma/client.ts";
import type { Db, GatewayContext } from "../context/types.ts";
import { dateRangeWhere } from "../schema/common.ts";
import { formatDate } from "../schema/scalars.ts";
import { groupByKeys, loaderFor } from "./loaders.ts";
import { literal } from "./like.ts";
import { upsertBatch } from "./upsert.ts";

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
  if (filter.search) and.push({ campaignName: { contains: literal(filter.search), mode: "insensitive" } });
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
 * Upserts one row per campaign per day in a single statement (see upsert.ts: replaying a batch
 * changes nothing). Campaigns may be named by id or external id. Ratios come from the database trigger.
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

  return upsertBatch(db, {
    table: "ads_daily_metrics",
    columns: {
      campaign_id: "uuid", metric_date: "date", spend_cents: "int", impressions: "int",
      clicks: "int", conversions: "int", revenue_cents: "int",
    },
    conflictKey: ["campaign_id", "metric_date"],
    rows: resolved.map((r) => ({
      campaign_id: r.campaignId, metric_date: r.metricDate, spend_cents: r.spendCents, impressions: r.impressions,
      clicks: r.clicks, conversions: r.conversions, revenue_cents: r.revenueCents,
    })),
  });
}
