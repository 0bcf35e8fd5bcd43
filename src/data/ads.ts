/** Data access for ads: campaign filters, the campaign → daily-metrics loader, the idempotent metrics upsert. */
import { Prisma, type AdsDailyMetric } from "../generated/prisma/client.ts";
import type { Db } from "../db/rls.ts";
import type { DataContext } from "./context.ts";
import { ClientError } from "../errors.ts";
import { dateRangeWhere, formatDate } from "../lib/dates.ts";
import { nonEmpty, nonNegativeInt, range, z } from "../lib/validation.ts";
import { MAX_RANGE_DAYS } from "./dashboard/range.ts";
import { loaderFor } from "./loaders.ts";
import { allOf, anyOf, equals, text } from "../lib/filters.ts";
import { rejectDuplicateKeys, upsertBatch } from "./upsert.ts";

export type DateRange = { from?: Date | null; to?: Date | null } | null | undefined;

/** AdsCampaignFilter (shape only: no rules). */
export const campaignFilter = z.object({
  platforms: z.array(z.string()).nullish(),
  statuses: z.array(z.string()).nullish(),
  activeDuring: range,
  utmSource: z.string().nullish(),
  utmMedium: z.string().nullish(),
  utmCampaign: z.string().nullish(),
  search: z.string().nullish(),
});
export type CampaignFilter = z.infer<typeof campaignFilter>;

export function campaignWhere(filter: CampaignFilter | null | undefined): Prisma.AdsCampaignWhereInput {
  if (!filter) return {};
  const during = filter.activeDuring ?? {};
  if (during.from || during.to) dateRangeWhere(during, "filter.activeDuring"); // validates from <= to
  return allOf<Prisma.AdsCampaignWhereInput>([
    { platform: anyOf(filter.platforms) },
    { status: anyOf(filter.statuses) },
    { utmSource: text(filter.utmSource, "equals", { caseSensitive: true }) },
    { utmMedium: text(filter.utmMedium, "equals", { caseSensitive: true }) },
    { utmCampaign: text(filter.utmCampaign, "equals", { caseSensitive: true }) },
    { campaignName: text(filter.search, "contains") },
    // Overlaps the range: started by its end, and not ended before its start.
    { startDate: during.to ? { lte: during.to } : undefined },
    during.from ? { OR: [{ endDate: null }, { endDate: { gte: during.from } }] } : undefined,
  ]);
}

/** adsDailyMetrics(campaignId, range). */
export function dailyMetricWhere(args: { campaignId?: string | null; range?: DateRange }): Prisma.AdsDailyMetricWhereInput {
  return allOf<Prisma.AdsDailyMetricWhereInput>([{ campaignId: equals(args.campaignId || undefined) }, { metricDate: dateRangeWhere(args.range) }]);
}

/** legacyAdsDailyMetrics(externalCampaignId, platform, range). */
export function legacyMetricWhere(args: {
  externalCampaignId?: string | null;
  platform?: string | null;
  range?: DateRange;
}): Prisma.AdsMetricsDailyLegacyWhereInput {
  return allOf<Prisma.AdsMetricsDailyLegacyWhereInput>([
    { campaignId: text(args.externalCampaignId, "equals", { caseSensitive: true }) },
    { platform: equals(args.platform || undefined) },
    { date: dateRangeWhere(args.range) },
  ]);
}

// Campaign and metric inputs, declared once (the pattern of src/data/agents/approvals.ts). Rules use
// the GraphQL field names, so errors point at what the caller sent.
const campaignFields = {
  name: nonEmpty,
  budgetCents: nonNegativeInt,
  targetRoas: z
    .custom<Prisma.Decimal | string>()
    .refine((v) => v == null || Number(v) >= 0, "must be ≥ 0")
    .optional(),
  utmSource: z.string().nullish(),
  utmMedium: z.string().nullish(),
  utmCampaign: z.string().nullish(),
};
const datesInOrder = (v: { startDate?: Date | null; endDate?: Date | null }) => !v.startDate || !v.endDate || v.endDate >= v.startDate;

/** CreateAdsCampaignInput. */
export const createCampaignInput = z
  .object({
    externalId: nonEmpty,
    platform: z.string(),
    status: z.string().optional(),
    startDate: z.date(),
    endDate: z.date().nullish(),
    metadata: z.unknown().optional(),
    ...campaignFields,
  })
  .refine(datesInOrder, { message: "must not be before startDate", path: ["endDate"] });

/**
 * UpdateAdsCampaignInput merged over the stored dates: checked in the resolver (`validate`), since
 * the date order needs the stored row.
 */
export const updateCampaignInput = z
  .object({
    status: z.string().optional(),
    startDate: z.date().optional(),
    endDate: z.date().nullish(),
    metadata: z.unknown().optional(),
    ...campaignFields,
  })
  .partial()
  .refine(datesInOrder, { message: "must not be before startDate", path: ["endDate"] });

/** UpsertAdsDailyMetricsInput. */
export const upsertDailyMetricsInput = z.object({
  metrics: z
    .array(
      z
        .object({
          campaignId: z.string().nullish(),
          externalCampaignId: z.string().trim().min(1, "must not be empty").nullish(),
          metricDate: z.date(),
          spendCents: nonNegativeInt,
          impressions: nonNegativeInt,
          clicks: nonNegativeInt,
          conversions: nonNegativeInt,
          revenueCents: nonNegativeInt,
        })
        .refine((m) => !!m.campaignId !== !!m.externalCampaignId, {
          message: "give exactly one of campaignId and externalCampaignId",
          path: ["campaignId"],
        }),
    )
    .min(1, "must contain at least one row")
    .max(10_000, "must contain at most 10000 rows")
    .superRefine(
      rejectDuplicateKeys(
        (row) => `${row.campaignId ?? `external:${row.externalCampaignId}`}|${row.metricDate.toISOString()}`,
        "metricDate",
        "one row per campaign per day",
      ),
    ),
});
export type DailyMetricInput = z.infer<typeof upsertDailyMetricsInput>["metrics"][number];

/** A row's columns as PostgreSQL renders them in JSON, in the order of DAILY_METRIC_COLUMNS. */
type DailyMetricJson = [
  id: string,
  metricDate: string,
  spendCents: number,
  impressions: number,
  clicks: number,
  conversions: number,
  revenueCents: number,
  cpcCents: number | null,
  cpaCents: number | null,
  roas: string | null,
  ctr: string | null,
  conversionRate: string | null,
  createdAt: string,
  updatedAt: string,
];
// Decimals as text (exact) with trailing zeros trimmed: the form Prisma.Decimal#toFixed() writes.
const DAILY_METRIC_COLUMNS = Prisma.raw(`id, metric_date, spend_cents, impressions, clicks, conversions, revenue_cents,
  cpc_cents, cpa_cents, trim_scale(roas)::text, trim_scale(ctr)::text, trim_scale(conversion_rate)::text, created_at, updated_at`);
const DECIMAL_COLUMN = { roas: 9, ctr: 10, conversionRate: 11 } as const;

/**
 * One ads_daily_metrics row with Prisma's types. Dates and decimals stay PostgreSQL's text until a
 * field is read: a list of 3,000 rows usually shows a few of its 15 columns, and building every
 * Date and Decimal up front cost more than the query itself.
 */
export class DailyMetricRow implements AdsDailyMetric {
  readonly id: string;
  readonly campaignId: string;
  readonly spendCents: number;
  readonly impressions: number;
  readonly clicks: number;
  readonly conversions: number;
  readonly revenueCents: number;
  readonly cpcCents: number | null;
  readonly cpaCents: number | null;
  readonly #text: DailyMetricJson;

  constructor(campaignId: string, columns: DailyMetricJson) {
    this.campaignId = campaignId;
    [this.id, , this.spendCents, this.impressions, this.clicks, this.conversions, this.revenueCents, this.cpcCents, this.cpaCents] = columns;
    this.#text = columns;
  }
  get metricDate() {
    return new Date(this.#text[1]);
  } // "YYYY-MM-DD": UTC midnight, as Prisma reads @db.Date
  get createdAt() {
    return new Date(this.#text[12]);
  } // ISO 8601 with offset; milliseconds kept, as Prisma does
  get updatedAt() {
    return new Date(this.#text[13]);
  }
  get roas() {
    return this.#decimal("roas");
  }
  get ctr() {
    return this.#decimal("ctr");
  }
  get conversionRate() {
    return this.#decimal("conversionRate");
  }

  /** The decimal's exact text as Decimal#toFixed() would write it, which the Decimal scalar sends without parsing. */
  decimalText(column: keyof typeof DECIMAL_COLUMN): string | null {
    return this.#text[DECIMAL_COLUMN[column]];
  }
  #decimal(column: keyof typeof DECIMAL_COLUMN) {
    const text = this.#text[DECIMAL_COLUMN[column]];
    return text === null ? null : new Prisma.Decimal(text);
  }
}

/**
 * All daily metrics of many campaigns within one date range: one statement per request and range,
 * each campaign's rows oldest first. PostgreSQL returns one compact JSON array per campaign, parsed
 * in one call: far cheaper than Prisma mapping 3,000 rows × 15 columns into objects.
 */
const DAY_MS = 86_400_000;

/** Calendar days of a closed range (both ends given, inclusive); null when an end is open. */
export function rangeDays(range: DateRange): number | null {
  return range?.from && range.to ? Math.round((range.to.getTime() - range.from.getTime()) / DAY_MS) + 1 : null;
}

/** A daily-metrics range as both paths read it (validated: from <= to, at most MAX_RANGE_DAYS days), ends as "YYYY-MM-DD". */
export function metricsRange(range: DateRange): { from: string | null; to: string | null; days: number | null } {
  dateRangeWhere(range, "range"); // validates from <= to
  const days = rangeDays(range);
  if (days !== null && days > MAX_RANGE_DAYS) {
    throw new ClientError(`range: must span at most ${MAX_RANGE_DAYS} days (got ${days}).`, "BAD_USER_INPUT", { extensions: { field: "range" } });
  }
  return { from: range?.from ? formatDate(range.from) : null, to: range?.to ? formatDate(range.to) : null, days };
}

/** The rows of `metrics` (an alias of ads_daily_metrics) within the range's ends; TRUE when both are open. */
export function metricsInRange(metrics: Prisma.Sql, { from, to }: { from: string | null; to: string | null }): Prisma.Sql {
  const ends = [
    ...(from ? [Prisma.sql`${metrics}.metric_date >= ${from}::date`] : []),
    ...(to ? [Prisma.sql`${metrics}.metric_date <= ${to}::date`] : []),
  ];
  return ends.length ? Prisma.join(ends, " AND ") : Prisma.sql`TRUE`;
}

export function dailyMetricsLoader(ctx: DataContext, range: DateRange) {
  const { from, to, days } = metricsRange(range);
  return loaderFor<string, AdsDailyMetric[]>(ctx, `ads.dailyMetrics:${from ?? ""}:${to ?? ""}`, async (campaignIds) => {
    // One row per campaign and day, so a closed range of ≤ MAX_RANGE_DAYS days holds at most that
    // many; an open one keeps each campaign's latest MAX_RANGE_DAYS rows (the bound the cost counts).
    const rows = await ctx.db.$queryRaw<{ campaign_id: string; metrics: string }[]>`
      SELECT campaign_id::text, json_agg(json_build_array(${DAILY_METRIC_COLUMNS}) ORDER BY metric_date)::text AS metrics
      FROM (
        SELECT *, ${days === null ? Prisma.sql`row_number() OVER (PARTITION BY campaign_id ORDER BY metric_date DESC)` : Prisma.sql`1`} AS latest
        FROM ads_daily_metrics m
        WHERE campaign_id = ANY(${campaignIds}::uuid[]) AND ${metricsInRange(Prisma.raw("m"), { from, to })}
      ) m
      WHERE latest <= ${MAX_RANGE_DAYS}
      GROUP BY campaign_id`;
    const byCampaign = new Map<string, AdsDailyMetric[]>();
    for (const row of rows) {
      byCampaign.set(
        row.campaign_id,
        (JSON.parse(row.metrics) as DailyMetricJson[]).map((columns) => new DailyMetricRow(row.campaign_id, columns)),
      );
    }
    return campaignIds.map((id) => byCampaign.get(id) ?? []);
  });
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
      throw new ClientError(`input.metrics[${i}].${field}: no campaign ${row.campaignId ?? row.externalCampaignId}.`, "BAD_USER_INPUT", {
        extensions: { issues: [{ field: `input.metrics[${i}].${field}`, rule: "must name an existing campaign" }] },
      });
    }
    return { ...row, campaignId: id };
  });

  return upsertBatch(db, {
    table: "ads_daily_metrics",
    columns: {
      campaign_id: "uuid",
      metric_date: "date",
      spend_cents: "int",
      impressions: "int",
      clicks: "int",
      conversions: "int",
      revenue_cents: "int",
    },
    conflictKey: ["campaign_id", "metric_date"],
    rows: resolved.map((r) => ({
      campaign_id: r.campaignId,
      metric_date: r.metricDate,
      spend_cents: r.spendCents,
      impressions: r.impressions,
      clicks: r.clicks,
      conversions: r.conversions,
      revenue_cents: r.revenueCents,
    })),
  });
}
