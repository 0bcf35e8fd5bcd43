/** The inventory tile's types (data: src/data/dashboard/inventory.ts). */
import { builder } from "../builder.ts";
import { countArgBound } from "../bounds.ts";
import type { GatewayContext } from "../../context/types.ts";
import { checkLimit, MAX_TILE_LIST } from "../../data/dashboard/tile.ts";
import { inventoryTile, type InventorySku, type InventoryTileArgs } from "../../data/dashboard/inventory.ts";
import { ResolvedDateRange } from "./range.ts";

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
    daysOfCover: t.expose("daysOfCover", {
      type: "Decimal",
      nullable: true,
      description: "onHand ÷ average daily sales, 2 decimals; null without sales.",
    }),
    weeksOfSupply: t.expose("weeksOfSupply", {
      type: "Decimal",
      nullable: true,
      description: "onHand ÷ average daily sales ÷ 7, 2 decimals; null without sales.",
    }),
    leadTimeDays: t.exposeInt("leadTimeDays"),
    leadTimeSource: t.field({ type: LeadTimeSource, resolve: (s) => s.leadTimeSource }),
    safetyStock: t.exposeInt("safetyStock", { description: "reorder_points.safety_stock, 0 without a row." }),
    reorderPoint: t.exposeInt("reorderPoint", { description: "⌈average daily sales × lead time + safety stock⌉." }),
    status: t.field({ type: StockStatus, resolve: (s) => s.status }),
    atOrBelowReorderPoint: t.exposeBoolean("atOrBelowReorderPoint", { description: "onHand ≤ reorderPoint." }),
  }),
});

const summary = (tile: InventoryTileArgs, ctx: GatewayContext) => inventoryTile.load(ctx, tile, "summary");

export const InventoryTile = builder.objectRef<InventoryTileArgs>("InventoryTile").implement({
  description: "Stock of every SKU with a snapshot in the sales window: weeks of supply, reorder points, statuses.",
  fields: (t) => ({
    salesWindow: t.field({
      type: ResolvedDateRange,
      description: "Average daily sales are measured over the snapshots in this range.",
      resolve: (tile) => tile.window,
    }),
    skuCount: t.int({ resolve: async (tile, _a, ctx) => (await summary(tile, ctx)).skuCount }),
    statusCounts: t.field({
      type: StockStatusCounts,
      resolve: async (tile, _a, ctx) => {
        const { outOfStock, urgentReorder, lowStock, inStock } = await summary(tile, ctx);
        return { outOfStock, urgentReorder, lowStock, inStock };
      },
    }),
    atOrBelowReorderPointCount: t.int({ resolve: async (tile, _a, ctx) => (await summary(tile, ctx)).atOrBelowReorderPoint }),
    skus: t.field({
      type: [InventorySkuRef],
      ...countArgBound("first", 20, MAX_TILE_LIST),
      description: "SKUs most at risk first: by status, then fewest weeks of supply (no sales last), then SKU.",
      args: {
        first: t.arg.int({ required: false, defaultValue: 20 }),
        statuses: t.arg({ type: [StockStatus], required: false }),
        atOrBelowReorderPoint: t.arg.boolean({
          required: false,
          description: "true: only SKUs at or below their reorder point; false: only those above.",
        }),
      },
      resolve: (tile, args, ctx) =>
        inventoryTile.load(ctx, tile, "skus", {
          first: checkLimit(args.first ?? 20, "skus.first"),
          statuses: args.statuses ?? null,
          atOrBelowReorderPoint: args.atOrBelowReorderPoint ?? null,
        }),
    }),
  }),
});
