/**
 * The inventory tile: every SKU with a snapshot in the sales window, with its average daily sales,
 * weeks of supply, reorder point (snapshots + reorder points + supplier lead times, through their
 * summaries) and status. The lead time a SKU gets without override or supplier (7 days, upstream's
 * column default) is set where the summaries are kept: summaries.apply_reorder_settings.
 */
import { Prisma } from "../../generated/prisma/client.ts";
import { dayToDate, type DayRange } from "./range.ts";
import { defineTile } from "./tile.ts";

/** Most at risk first: the tile's `severity` is an index into this list. */
export const STOCK_STATUSES = ["out_of_stock", "urgent_reorder", "low_stock", "in_stock"] as const;
export type StockStatus = (typeof STOCK_STATUSES)[number];

export interface InventoryTileArgs {
  /** The sales window: average daily sales are measured over the snapshots in it. */
  window: DayRange;
}

export interface InventorySummary {
  skuCount: number;
  outOfStock: number;
  urgentReorder: number;
  lowStock: number;
  inStock: number;
  atOrBelowReorderPoint: number;
}

export interface InventorySku {
  sku: string;
  productTitle: string | null;
  snapshotDate: Date;
  onHand: number;
  available: number;
  committed: number;
  incoming: number;
  unitsSold: number;
  snapshotDays: number;
  averageDailySales: string;
  daysOfCover: string | null;
  weeksOfSupply: string | null;
  leadTimeDays: number;
  leadTimeSource: "override" | "supplier" | "default";
  safetyStock: number;
  reorderPoint: number;
  status: StockStatus;
  atOrBelowReorderPoint: boolean;
}

export interface SkuListArgs {
  first: number;
  statuses: StockStatus[] | null;
  atOrBelowReorderPoint: boolean | null;
}

export const inventoryTile = defineTile({
  key: "inventory",
  // One row per SKU with a snapshot in the window, read from the summaries (migration
  // 20251020000900_dashboard_summaries), never from the window's history: the SKU's latest snapshot in
  // the window (its summary row, or for a window ending before that snapshot, the day row at the end
  // and that snapshot by key) and its sales as the running totals at the end less those the day before
  // the window. So the statement reads two or three rows per SKU, whatever the window's length.
  // Per SKU it computes in integers (every quantity is >= 0, a lead time > 0), exactly, and several times
  // faster than numeric division: reorder_point = ⌈units sold × lead time ÷ snapshot days⌉ + safety stock,
  // weeks of supply in hundredths rounded half up (NULL without sales), and the severity that orders the
  // statuses (STOCK_STATUSES). Decimal figures are computed for the listed SKUs only.
  with: ({ window }: InventoryTileArgs) => Prisma.sql`
    WITH ends AS (
      SELECT sku, last_date AS snapshot_date, product_title, on_hand, available, committed, incoming,
             units_to_date, days_to_date, lead_time_days, lead_time_source, safety_stock
      FROM summaries.inventory_sku
      WHERE last_date BETWEEN ${window.from}::date AND ${window.to}::date
      UNION ALL
      SELECT k.sku, d.snapshot_date, s.product_title, s.on_hand_quantity, s.available_quantity, s.committed_quantity, s.incoming_quantity,
             d.units_to_date, d.days_to_date, k.lead_time_days, k.lead_time_source, k.safety_stock
      FROM summaries.inventory_sku k
      JOIN summaries.inventory_sku_day d ON d.sku = k.sku AND d.day = ${window.to}::date
      JOIN inventory_snapshots s ON s.sku = k.sku AND s.snapshot_date = d.snapshot_date
      WHERE k.last_date > ${window.to}::date AND d.snapshot_date >= ${window.from}::date
    ), base AS (
      SELECT ends.sku, product_title, ends.snapshot_date, on_hand, available, committed, incoming, lead_time_days, lead_time_source, safety_stock,
             ends.units_to_date - coalesce(before.units_to_date, 0) AS units_sold, ends.days_to_date - coalesce(before.days_to_date, 0) AS snapshot_days
      FROM ends
      LEFT JOIN summaries.inventory_sku_day before ON before.day = ${window.from}::date - 1 AND before.sku = ends.sku
    ), rop AS (
      SELECT base.*, safety_stock + (units_sold * lead_time_days + snapshot_days - 1) / snapshot_days AS reorder_point
      FROM base
    ), skus AS (
      SELECT rop.*,
             CASE WHEN units_sold > 0 THEN (200 * on_hand::bigint * snapshot_days + 7 * units_sold) / (14 * units_sold) END AS weeks_hundredths,
             CASE WHEN on_hand <= 0 THEN 0 WHEN on_hand <= safety_stock THEN 1 WHEN on_hand <= reorder_point THEN 2 ELSE 3 END AS severity
      FROM rop
    )`,
  parts: (part) => ({
    summary: part<InventorySummary>(
      () => Prisma.sql`
          SELECT json_build_object(
            'skuCount', count(*),
            'outOfStock', count(*) FILTER (WHERE severity = 0),
            'urgentReorder', count(*) FILTER (WHERE severity = 1),
            'lowStock', count(*) FILTER (WHERE severity = 2),
            'inStock', count(*) FILTER (WHERE severity = 3),
            'atOrBelowReorderPoint', count(*) FILTER (WHERE on_hand <= reorder_point))
          FROM skus`,
    ),
    skus: part(
      (_tile, { first, statuses, atOrBelowReorderPoint }: SkuListArgs) => {
        const conditions = [Prisma.sql`true`];
        if (statuses?.length) conditions.push(Prisma.sql`severity = ANY(${statuses.map((s) => STOCK_STATUSES.indexOf(s))}::int[])`);
        if (atOrBelowReorderPoint !== null) conditions.push(Prisma.sql`(on_hand <= reorder_point) = ${atOrBelowReorderPoint}`);
        // Most at risk first: by status, then the fewest weeks of supply (no sales = last), then SKU.
        return Prisma.sql`
          SELECT coalesce(json_agg(json_build_object(
            'sku', sku, 'productTitle', product_title, 'snapshotDate', snapshot_date, 'onHand', on_hand, 'available', available,
            'committed', committed, 'incoming', incoming, 'unitsSold', units_sold, 'snapshotDays', snapshot_days,
            'averageDailySales', round(units_sold::numeric / snapshot_days, 4)::text,
            'daysOfCover', CASE WHEN units_sold > 0 THEN round(on_hand::numeric * snapshot_days / units_sold, 2)::text END,
            'weeksOfSupply', (weeks_hundredths * 0.01)::text,
            'leadTimeDays', lead_time_days, 'leadTimeSource', lead_time_source, 'safetyStock', safety_stock,
            'reorderPoint', reorder_point, 'status', (${STOCK_STATUSES}::text[])[severity + 1], 'atOrBelowReorderPoint', on_hand <= reorder_point)
            ORDER BY severity, weeks_hundredths NULLS LAST, sku), '[]')
          FROM (SELECT * FROM skus WHERE ${Prisma.join(conditions, " AND ")}
                ORDER BY severity, weeks_hundredths NULLS LAST, sku LIMIT ${first}) AS listed`;
      },
      (rows: (Omit<InventorySku, "snapshotDate"> & { snapshotDate: string })[]): InventorySku[] =>
        rows.map((row) => ({ ...row, snapshotDate: dayToDate(row.snapshotDate) })),
    ),
  }),
});
