/** The revenue tile's types (data: src/data/dashboard/revenue.ts). */
import { builder } from "../builder.ts";
import { listBound } from "../bounds.ts";
import type { GatewayContext } from "../../context/types.ts";
import { MAX_RANGE_DAYS } from "../../data/dashboard/range.ts";
import { revenueTile, type RevenueDay, type RevenueTileArgs } from "../../data/dashboard/revenue.ts";
import { ResolvedDateRange } from "./range.ts";

const Trend = builder.enumType("DashboardTrend", {
  description: "Direction of the change against the previous period.",
  values: ["UP", "DOWN", "FLAT"] as const,
});

const RevenueDayRef = builder.objectRef<RevenueDay>("RevenueDay").implement({
  fields: (t) => ({
    date: t.expose("date", { type: "Date" }),
    valueCents: t.expose("valueCents", { type: "Decimal", description: "Revenue of the day in cents; 0 on a day without a fact." }),
    hasData: t.exposeBoolean("hasData", { description: "Whether a revenue fact exists for the day." }),
  }),
});

const totals = (tile: RevenueTileArgs, ctx: GatewayContext) => revenueTile.load(ctx, tile, "totals");

export const RevenueTile = builder.objectRef<RevenueTileArgs>("RevenueTile").implement({
  description: "Revenue from DashboardFact (metric 'revenue', unit cents): totals, the change against the previous period, a daily series.",
  fields: (t) => ({
    range: t.field({ type: ResolvedDateRange, resolve: (tile) => tile.range }),
    previousRange: t.field({
      type: ResolvedDateRange,
      description: "The period of the same length just before `range`.",
      resolve: (tile) => tile.previous,
    }),
    shopDomain: t.string({ nullable: true, description: "The shop, or null when all shops are summed.", resolve: (tile) => tile.shopDomain }),
    totalCents: t.field({ type: "Decimal", resolve: async (tile, _a, ctx) => (await totals(tile, ctx)).totalCents }),
    previousTotalCents: t.field({ type: "Decimal", resolve: async (tile, _a, ctx) => (await totals(tile, ctx)).previousTotalCents }),
    changeCents: t.field({
      type: "Decimal",
      description: "total − previous total.",
      resolve: async (tile, _a, ctx) => (await totals(tile, ctx)).changeCents,
    }),
    changePercent: t.field({
      type: "Decimal",
      nullable: true,
      description: "(total − previous) ÷ previous × 100, 2 decimals; null when the previous total is 0.",
      resolve: async (tile, _a, ctx) => (await totals(tile, ctx)).changePercent,
    }),
    trend: t.field({ type: Trend, resolve: async (tile, _a, ctx) => (await totals(tile, ctx)).trend }),
    daysWithData: t.int({
      description: "Days of `range` that have a revenue fact.",
      resolve: async (tile, _a, ctx) => (await totals(tile, ctx)).daysWithData,
    }),
    daily: t.field({
      type: [RevenueDayRef],
      ...listBound(MAX_RANGE_DAYS),
      description: "Every day of `range`, oldest first.",
      resolve: (tile, _a, ctx) => revenueTile.load(ctx, tile, "daily"),
    }),
  }),
});
