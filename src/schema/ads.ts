/** Ads & marketing: campaigns, their daily metrics, the legacy metrics table, and the service_role mutations. */
import type { GenericFieldRef } from "@pothos/core";
import type { AdsDailyMetric as AdsDailyMetricRow, Prisma } from "../generated/prisma/client.ts";
import { access, builder } from "./builder.ts";
import { DateRangeInput, delegate, exposeEnum, orderInput, tableById, tableConnection } from "./common.ts";
import { notFound } from "../errors.ts";
import { validate } from "../lib/validation.ts";
import {
  campaignFilter,
  campaignWhere,
  createCampaignInput,
  dailyMetricWhere,
  DailyMetricRow,
  dailyMetricsLoader,
  legacyMetricWhere,
  metricsInRange,
  metricsRange,
  rangeDays,
  updateCampaignInput,
  upsertDailyMetrics,
  upsertDailyMetricsInput,
  type DateRange,
} from "../data/ads.ts";
import { MAX_RANGE_DAYS } from "../data/dashboard/range.ts";
import { listBound } from "./bounds.ts";
import { renderHint } from "./render-hints.ts";
import { upsertCountsPayload } from "./batch.ts";

const PLATFORMS = {
  META: { value: "meta" },
  GOOGLE: { value: "google" },
  ORGANIC: { value: "organic" },
  TIKTOK: { value: "tiktok" },
  PINTEREST: { value: "pinterest" },
} as const;
export const AdsPlatform = builder.enumType("AdsPlatform", { values: PLATFORMS });
/** How many platforms there are: the bound of a list of distinct platforms. */
export const ADS_PLATFORM_COUNT = Object.keys(PLATFORMS).length;
export const AdsCampaignStatus = builder.enumType("AdsCampaignStatus", {
  values: { ACTIVE: { value: "active" }, PAUSED: { value: "paused" }, DRAFT: { value: "draft" }, ARCHIVED: { value: "archived" } } as const,
});
const LegacyAdsPlatform = builder.enumType("LegacyAdsPlatform", {
  values: { META: { value: "meta" }, GOOGLE: { value: "google" }, UNKNOWN: { value: "unknown" } } as const,
});

type DecimalColumn = "roas" | "ctr" | "conversionRate";
type Field = GenericFieldRef<unknown>;
type Nullable = { nullable: true; description: string };
/** What the metric fields need of `t`: both metric tables' Prisma objects have these columns. */
interface MetricFieldBuilder {
  exposeInt(column: "spendCents" | "impressions" | "clicks" | "conversions" | "revenueCents"): Field;
  exposeInt(column: "cpcCents" | "cpaCents", options: Nullable): Field;
  expose(column: DecimalColumn, options: Nullable & { type: "Decimal" }): Field;
  expose(column: "createdAt" | "updatedAt", options: { type: "DateTime" }): Field;
}
/** AdsDailyMetric's `t` also builds computed fields of its rows. */
interface DailyMetricFieldBuilder extends MetricFieldBuilder {
  field(options: Nullable & { type: "Decimal"; resolve: (row: AdsDailyMetricRow) => string | Prisma.Decimal | null }): Field;
}

const exposeDecimal = (t: MetricFieldBuilder, column: DecimalColumn, description: string) =>
  t.expose(column, { type: "Decimal", nullable: true, description });
/** Rows of dailyMetricsLoader keep each decimal's exact text, which the Decimal scalar sends as is (no Decimal built). */
const loadedDecimal = (t: DailyMetricFieldBuilder, column: DecimalColumn, description: string) =>
  t.field({
    type: "Decimal",
    nullable: true,
    description,
    ...renderHint({ kind: "column", field: column }),
    resolve: (row) => (row instanceof DailyMetricRow ? row.decimalText(column) : row[column]),
  });

/** Fields shared by both metric tables; ratios are computed by the database trigger. */
const metricFields = <T extends MetricFieldBuilder>(t: T, decimal: (t: T, column: DecimalColumn, description: string) => Field = exposeDecimal) => ({
  spendCents: t.exposeInt("spendCents"),
  impressions: t.exposeInt("impressions"),
  clicks: t.exposeInt("clicks"),
  conversions: t.exposeInt("conversions"),
  revenueCents: t.exposeInt("revenueCents"),
  cpcCents: t.exposeInt("cpcCents", { nullable: true, description: "spend ÷ clicks, null when clicks = 0." }),
  cpaCents: t.exposeInt("cpaCents", { nullable: true, description: "spend ÷ conversions, null when conversions = 0." }),
  roas: decimal(t, "roas", "revenue ÷ spend, null when spend = 0."),
  ctr: decimal(t, "ctr", "clicks ÷ impressions as a fraction, null when impressions = 0."),
  conversionRate: decimal(t, "conversionRate", "conversions ÷ clicks as a fraction, null when clicks = 0."),
  createdAt: t.expose("createdAt", { type: "DateTime" }),
  updatedAt: t.expose("updatedAt", { type: "DateTime" }),
});

export const AdsCampaign = builder.prismaObject("AdsCampaign", {
  description: "An ad campaign on one platform (table ads_campaigns).",
  authScopes: access("ads_campaigns"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    externalId: t.exposeString("campaignId", { description: "The platform's own campaign id (unique)." }),
    platform: exposeEnum(t, "platform", AdsPlatform),
    name: t.exposeString("campaignName"),
    status: exposeEnum(t, "status", AdsCampaignStatus),
    budgetCents: t.exposeInt("budgetCents"),
    targetRoas: t.expose("targetRoas", { type: "Decimal", nullable: true }),
    startDate: t.expose("startDate", { type: "Date" }),
    endDate: t.expose("endDate", { type: "Date", nullable: true, description: "Null while the campaign is ongoing." }),
    utmSource: t.exposeString("utmSource", { nullable: true }),
    utmMedium: t.exposeString("utmMedium", { nullable: true }),
    utmCampaign: t.exposeString("utmCampaign", { nullable: true }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    dailyMetrics: t.field({
      type: [AdsDailyMetric],
      // Rendered in SQL as the loader reads them: the latest MAX_RANGE_DAYS rows in the range, oldest first.
      ...renderHint(
        {
          kind: "list",
          model: "AdsDailyMetric",
          foreignKey: "campaignId",
          pick: [["metricDate", "desc"]],
          take: MAX_RANGE_DAYS,
          orderBy: [["metricDate", "asc"]],
          where: ({ range }, rows) => metricsInRange(rows, metricsRange(range as DateRange)),
        },
        listBound(MAX_RANGE_DAYS, ({ range }) => rangeDays(range as DateRange) ?? MAX_RANGE_DAYS, "the days of range"),
      ),
      description:
        `One row per day within the range (inclusive), oldest first. The range spans at most ${MAX_RANGE_DAYS} days; ` +
        `without both ends, the latest ${MAX_RANGE_DAYS} rows in it (all of them when omitted). Batched across campaigns: one query per request.`,
      authScopes: access("ads_daily_metrics"),
      unauthorizedResolver: () => [],
      args: { range: t.arg({ type: DateRangeInput, required: false }) },
      resolve: (campaign, args, ctx) => dailyMetricsLoader(ctx, args.range).load(campaign.id),
    }),
  }),
});

export const AdsDailyMetric = builder.prismaObject("AdsDailyMetric", {
  description: "Daily metrics of one campaign (table ads_daily_metrics).",
  authScopes: access("ads_daily_metrics"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    campaignId: t.expose("campaignId", { type: "UUID" }),
    metricDate: t.expose("metricDate", { type: "Date" }),
    ...metricFields(t, loadedDecimal),
    campaign: t.relation("campaign", { authScopes: access("ads_campaigns") }),
  }),
});

builder.prismaObject("AdsMetricsDailyLegacy", {
  name: "LegacyAdsDailyMetric",
  description: "Legacy daily ads metrics keyed by external campaign id (table ads_metrics_daily), superseded by AdsDailyMetric.",
  authScopes: access("ads_metrics_daily"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    externalCampaignId: t.exposeString("campaignId"),
    platform: exposeEnum(t, "platform", LegacyAdsPlatform),
    date: t.expose("date", { type: "Date" }),
    ...metricFields(t),
  }),
});

const CampaignFilter = builder
  .inputType("AdsCampaignFilter", {
    fields: (t) => ({
      platforms: t.field({ type: [AdsPlatform], required: false }),
      statuses: t.field({ type: [AdsCampaignStatus], required: false }),
      activeDuring: t.field({ type: DateRangeInput, required: false, description: "Campaigns running on at least one day of the range." }),
      utmSource: t.string({ required: false }),
      utmMedium: t.string({ required: false }),
      utmCampaign: t.string({ required: false }),
      search: t.string({ required: false, description: "Case-insensitive match on the name." }),
    }),
  })
  .validate(campaignFilter);
const campaignOrder = orderInput(
  "AdsCampaign",
  { NAME: "campaignName", START_DATE: "startDate", BUDGET: "budgetCents", CREATED_AT: "createdAt", UPDATED_AT: "updatedAt" },
  "CREATED_AT",
);
const metricOrder = orderInput(
  "AdsDailyMetric",
  { METRIC_DATE: "metricDate", SPEND: "spendCents", REVENUE: "revenueCents", CLICKS: "clicks" },
  "METRIC_DATE",
);
const legacyOrder = orderInput("LegacyAdsDailyMetric", { DATE: "date", SPEND: "spendCents" }, "DATE");

builder.queryFields((t) => ({
  adsCampaigns: tableConnection(t, {
    table: "ads_campaigns",
    type: "AdsCampaign",
    description: "Ad campaigns, newest first by default.",
    args: { filter: t.arg({ type: CampaignFilter, required: false }), orderBy: t.arg({ type: campaignOrder.input, required: false }) },
    where: (args) => campaignWhere(args.filter),
    orderBy: (args) => campaignOrder.toPrisma(args.orderBy),
  }),
  adsCampaign: tableById(t, { table: "ads_campaigns", type: "AdsCampaign", description: "One campaign by id." }),
  adsDailyMetrics: tableConnection(t, {
    table: "ads_daily_metrics",
    type: "AdsDailyMetric",
    description: "Daily metrics across campaigns, newest first by default.",
    args: {
      campaignId: t.arg({ type: "UUID", required: false }),
      range: t.arg({ type: DateRangeInput, required: false }),
      orderBy: t.arg({ type: metricOrder.input, required: false }),
    },
    where: (args) => dailyMetricWhere(args),
    orderBy: (args) => metricOrder.toPrisma(args.orderBy),
  }),
  legacyAdsDailyMetrics: tableConnection(t, {
    table: "ads_metrics_daily",
    type: "AdsMetricsDailyLegacy",
    description: "Rows of the legacy ads_metrics_daily table.",
    args: {
      externalCampaignId: t.arg.string({ required: false }),
      platform: t.arg({ type: LegacyAdsPlatform, required: false }),
      range: t.arg({ type: DateRangeInput, required: false }),
      orderBy: t.arg({ type: legacyOrder.input, required: false }),
    },
    where: (args) => legacyMetricWhere(args),
    orderBy: (args) => legacyOrder.toPrisma(args.orderBy),
  }),
}));

// Mutations: service_role (agents and ETL jobs).
const CreateCampaignInput = builder
  .inputType("CreateAdsCampaignInput", {
    fields: (t) => ({
      externalId: t.string({ required: true }),
      platform: t.field({ type: AdsPlatform, required: true }),
      name: t.string({ required: true }),
      status: t.field({ type: AdsCampaignStatus, required: false, defaultValue: "active" }),
      budgetCents: t.int({ required: false, defaultValue: 0 }),
      targetRoas: t.field({ type: "Decimal", required: false }),
      startDate: t.field({ type: "Date", required: true }),
      endDate: t.field({ type: "Date", required: false }),
      utmSource: t.string({ required: false }),
      utmMedium: t.string({ required: false }),
      utmCampaign: t.string({ required: false }),
      metadata: t.field({ type: "JSON", required: false }),
    }),
  })
  .validate(createCampaignInput);
const UpdateCampaignInput = builder.inputType("UpdateAdsCampaignInput", {
  description: "Fields to change; omitted fields stay as they are.",
  fields: (t) => ({
    name: t.string({ required: false }),
    status: t.field({ type: AdsCampaignStatus, required: false }),
    budgetCents: t.int({ required: false }),
    targetRoas: t.field({ type: "Decimal", required: false }),
    startDate: t.field({ type: "Date", required: false }),
    endDate: t.field({ type: "Date", required: false }),
    utmSource: t.string({ required: false }),
    utmMedium: t.string({ required: false }),
    utmCampaign: t.string({ required: false }),
    metadata: t.field({ type: "JSON", required: false }),
  }),
});
const DailyMetricInput = builder.inputType("AdsDailyMetricInput", {
  description: "One campaign-day. Name the campaign by campaignId or externalCampaignId (exactly one).",
  fields: (t) => ({
    campaignId: t.field({ type: "UUID", required: false }),
    externalCampaignId: t.string({ required: false }),
    metricDate: t.field({ type: "Date", required: true }),
    spendCents: t.int({ required: false, defaultValue: 0 }),
    impressions: t.int({ required: false, defaultValue: 0 }),
    clicks: t.int({ required: false, defaultValue: 0 }),
    conversions: t.int({ required: false, defaultValue: 0 }),
    revenueCents: t.int({ required: false, defaultValue: 0 }),
  }),
});
const UpsertMetricsInput = builder
  .inputType("UpsertAdsDailyMetricsInput", {
    fields: (t) => ({ metrics: t.field({ type: [DailyMetricInput], required: true }) }),
  })
  .validate(upsertDailyMetricsInput);
const UpsertMetricsPayload = upsertCountsPayload("UpsertAdsDailyMetricsPayload", "campaign-day");

builder.mutationFields((t) => ({
  createAdsCampaign: t.prismaField({
    type: "AdsCampaign",
    authScopes: access("ads_campaigns", "insert"),
    args: { input: t.arg({ type: CreateCampaignInput, required: true }) },
    resolve: (query, _root, { input: v }, ctx) =>
      ctx.db.adsCampaign.create({
        ...query,
        data: {
          campaignId: v.externalId,
          platform: v.platform,
          campaignName: v.name,
          status: v.status ?? "active",
          budgetCents: v.budgetCents,
          targetRoas: v.targetRoas ?? null,
          startDate: v.startDate,
          endDate: v.endDate ?? null,
          utmSource: v.utmSource ?? null,
          utmMedium: v.utmMedium ?? null,
          utmCampaign: v.utmCampaign ?? null,
          metadata: v.metadata ?? {},
        },
      }),
  }),
  updateAdsCampaign: t.prismaField({
    type: "AdsCampaign",
    authScopes: access("ads_campaigns", "update"),
    args: { id: t.arg({ type: "UUID", required: true }), input: t.arg({ type: UpdateCampaignInput, required: true }) },
    resolve: async (query, _root, { id, input }, ctx) => {
      const current = await ctx.db.adsCampaign.findUnique({ where: { id }, select: { startDate: true, endDate: true } });
      if (!current) throw notFound("AdsCampaign", id);
      const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && v !== null));
      validate(updateCampaignInput, { startDate: current.startDate, endDate: current.endDate, ...given });
      const { name, ...rest } = given;
      return ctx.db.adsCampaign.update({ ...query, where: { id }, data: { ...rest, ...(name ? { campaignName: name } : {}) } });
    },
  }),
  archiveAdsCampaign: t.prismaField({
    type: "AdsCampaign",
    description: "Sets the status to ARCHIVED (metrics are kept). Archiving twice is harmless.",
    authScopes: access("ads_campaigns", "update"),
    args: { id: t.arg({ type: "UUID", required: true }) },
    resolve: async (query, _root, { id }, ctx) => {
      const found = await delegate(ctx, "AdsCampaign").updateMany({ where: { id }, data: { status: "archived" } });
      if (found.count === 0) throw notFound("AdsCampaign", id);
      return ctx.db.adsCampaign.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  upsertAdsDailyMetrics: t.field({
    type: UpsertMetricsPayload,
    description: "Idempotent bulk upsert, one row per campaign per day. All-or-nothing; replaying a batch changes nothing.",
    authScopes: access("ads_daily_metrics", ["insert", "update"]),
    args: { input: t.arg({ type: UpsertMetricsInput, required: true }) },
    resolve: (_root, { input }, ctx) => upsertDailyMetrics(ctx.db, input.metrics),
  }),
}));
