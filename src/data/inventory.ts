/**
 * Data access for inventory: list filters, the reorder point → latest snapshot loader, the idempotent
 * snapshot ingestion, and the supplier / reorder-point upserts.
 */
import type { Prisma } from "../generated/prisma/client.ts";
import type { Db } from "../db/rls.ts";
import type { DataContext } from "./context.ts";
import { dateRangeWhere } from "../lib/dates.ts";
import { badInput } from "../errors.ts";
import { literal } from "../lib/filters.ts";
import { loaderFor } from "./loaders.ts";
import { upsertBatch, type UpsertCounts } from "./upsert.ts";

type DateRange = { from?: Date | null; to?: Date | null } | null | undefined;

/** SKU filters shared by snapshots and reorder points: exact SKUs (any of) and/or a prefix. */
export interface SkuFilter {
  skus?: string[] | null;
  skuPrefix?: string | null;
}

function skuWhere(filter: SkuFilter): { sku: Prisma.StringFilter }[] {
  const and: { sku: Prisma.StringFilter }[] = [];
  if (filter.skus) and.push({ sku: { in: filter.skus } });
  if (filter.skuPrefix) and.push({ sku: { startsWith: literal(filter.skuPrefix), mode: "insensitive" } });
  return and;
}

export interface SnapshotFilter extends SkuFilter {
  snapshotDate?: DateRange;
}

export function snapshotWhere(filter: SnapshotFilter | null | undefined): Prisma.InventorySnapshotWhereInput {
  if (!filter) return {};
  const and: Prisma.InventorySnapshotWhereInput[] = skuWhere(filter);
  const snapshotDate = dateRangeWhere(filter.snapshotDate, "filter.snapshotDate");
  if (snapshotDate) and.push({ snapshotDate });
  return and.length ? { AND: and } : {};
}

export interface ReorderPointFilter extends SkuFilter {
  supplierId?: string | null;
  supplierName?: string | null;
  hasSupplier?: boolean | null;
}

export function reorderPointWhere(filter: ReorderPointFilter | null | undefined): Prisma.ReorderPointWhereInput {
  if (!filter) return {};
  const and: Prisma.ReorderPointWhereInput[] = skuWhere(filter);
  if (filter.supplierId) and.push({ supplierId: filter.supplierId });
  if (filter.supplierName) and.push({ supplier: { supplier: { equals: filter.supplierName, mode: "insensitive" } } });
  if (filter.hasSupplier != null) and.push({ supplierId: filter.hasSupplier ? { not: null } : null });
  return and.length ? { AND: and } : {};
}

export function supplierWhere(filter: { search?: string | null } | null | undefined): Prisma.SupplierLeadTimeWhereInput {
  return filter?.search ? { supplier: { contains: literal(filter.search), mode: "insensitive" } } : {};
}

export type SnapshotRow = Prisma.InventorySnapshotGetPayload<object>;

/**
 * The newest snapshot of each SKU, for many reorder points at once: one DISTINCT ON statement per
 * request, served by the (sku, snapshot_date) unique index. Goes through ctx.db, so RLS applies.
 */
export function latestSnapshotLoader(ctx: DataContext) {
  return loaderFor<string, SnapshotRow | null>(ctx, "inventory.latestSnapshot", async (skus) => {
    const rows = await ctx.db.$queryRaw<SnapshotRow[]>`
      SELECT DISTINCT ON (sku)
        id, sku, variant_id AS "variantId", product_title AS "productTitle", snapshot_date AS "snapshotDate",
        on_hand_quantity AS "onHandQuantity", available_quantity AS "availableQuantity",
        committed_quantity AS "committedQuantity", incoming_quantity AS "incomingQuantity",
        units_sold AS "unitsSold", created_at AS "createdAt", updated_at AS "updatedAt"
      FROM inventory_snapshots
      WHERE sku = ANY(${[...skus]}::text[])
      ORDER BY sku, snapshot_date DESC`;
    const bySku = new Map(rows.map((row) => [row.sku, row]));
    return skus.map((sku) => bySku.get(sku) ?? null);
  });
}

export interface SnapshotInput {
  sku: string;
  snapshotDate: Date;
  variantId?: string | null;
  productTitle?: string | null;
  onHandQuantity: number;
  availableQuantity: number;
  committedQuantity: number;
  incomingQuantity: number;
  unitsSold: number;
}

/** One statement for the whole batch; each row replaces the snapshot of its SKU and day. */
export function ingestSnapshots(db: Db, snapshots: SnapshotInput[]): Promise<UpsertCounts> {
  return upsertBatch(db, {
    table: "inventory_snapshots",
    conflictKey: ["sku", "snapshot_date"],
    columns: {
      sku: "text", snapshot_date: "date", variant_id: "text", product_title: "text", on_hand_quantity: "int",
      available_quantity: "int", committed_quantity: "int", incoming_quantity: "int", units_sold: "int",
    },
    rows: snapshots.map((s) => ({
      sku: s.sku, snapshot_date: s.snapshotDate, variant_id: s.variantId, product_title: s.productTitle,
      on_hand_quantity: s.onHandQuantity, available_quantity: s.availableQuantity, committed_quantity: s.committedQuantity,
      incoming_quantity: s.incomingQuantity, units_sold: s.unitsSold,
    })),
  });
}

export interface SupplierInput {
  name: string;
  leadTimeDays: number;
  maxLeadDays?: number | null;
}

/** Creates or replaces the supplier named `name`; unchanged values leave the row (and updatedAt) alone. */
export async function upsertSupplier(db: Db, input: SupplierInput): Promise<void> {
  await upsertBatch(db, {
    table: "supplier_lead_times",
    conflictKey: ["supplier"],
    columns: { supplier: "text", lead_time_days: "int", max_lead_days: "int" },
    rows: [{ supplier: input.name, lead_time_days: input.leadTimeDays, max_lead_days: input.maxLeadDays }],
  });
}

export interface ReorderPointInput {
  sku: string;
  supplierId?: string | null;
  supplierName?: string | null;
  safetyStock: number;
  leadTimeDays?: number | null;
}

/** Resolves the supplier (by id or name, or none) and creates or replaces the SKU's reorder point. */
export async function upsertReorderPoint(db: Db, input: ReorderPointInput): Promise<void> {
  let supplierId: string | null = null;
  if (input.supplierId || input.supplierName) {
    const supplier = await db.supplierLeadTime.findFirst({
      where: input.supplierId ? { id: input.supplierId } : { supplier: input.supplierName! },
      select: { id: true },
    });
    if (!supplier) {
      const field = input.supplierId ? "supplierId" : "supplierName";
      throw badInput(`input.${field}`, `must name an existing supplier (no supplier ${input.supplierId ?? input.supplierName})`);
    }
    supplierId = supplier.id;
  }
  await upsertBatch(db, {
    table: "reorder_points",
    conflictKey: ["sku"],
    columns: { sku: "text", supplier_id: "uuid", safety_stock: "int", lead_time_days: "int" },
    rows: [{ sku: input.sku, supplier_id: supplierId, safety_stock: input.safetyStock, lead_time_days: input.leadTimeDays }],
  });
}
