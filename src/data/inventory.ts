/**
 * Data access for inventory: list filters, the reorder point → latest snapshot loader, the idempotent
 * snapshot ingestion, and the supplier / reorder-point upserts.
 *
 * Inputs follow the pattern of src/data/agents/approvals.ts: each mutation input's zod schema is
 * declared once, here; the data functions take its `z.infer` type and src/schema/inventory.ts
 * attaches the schema to the GraphQL input (`.validate(schema)`).
 */
import type { Prisma } from "../generated/prisma/client.ts";
import type { Db } from "../db/rls.ts";
import type { DataContext } from "./context.ts";
import { dateRangeWhere, formatDate } from "../lib/dates.ts";
import { nonEmpty, nonNegativeInt, range, z } from "../lib/validation.ts";
import { badInput } from "../errors.ts";
import { allOf, anyOf, equals, text } from "../lib/filters.ts";
import { loaderFor } from "./loaders.ts";
import { rejectDuplicateKeys, upsertBatch, type UpsertCounts } from "./upsert.ts";

/** SKU filter fields shared by snapshots and reorder points: exact SKUs (any of) and/or a prefix. */
const skuFilter = { skus: z.array(z.string()).nullish(), skuPrefix: z.string().nullish() };
type SkuFilter = z.infer<z.ZodObject<typeof skuFilter>>;

function skuConditions(filter: SkuFilter): { sku: Prisma.StringFilter | undefined }[] {
  return [{ sku: anyOf(filter.skus) }, { sku: text(filter.skuPrefix, "startsWith") }];
}

/** InventorySnapshotFilter (shape only: no rules). */
export const snapshotFilter = z.object({ ...skuFilter, snapshotDate: range });
export type SnapshotFilter = z.infer<typeof snapshotFilter>;

export function snapshotWhere(filter: SnapshotFilter | null | undefined): Prisma.InventorySnapshotWhereInput {
  if (!filter) return {};
  return allOf<Prisma.InventorySnapshotWhereInput>([
    ...skuConditions(filter),
    { snapshotDate: dateRangeWhere(filter.snapshotDate, "filter.snapshotDate") },
  ]);
}

/** ReorderPointFilter (shape only: no rules). */
export const reorderPointFilter = z.object({
  ...skuFilter,
  supplierId: z.string().nullish(),
  supplierName: z.string().nullish(),
  hasSupplier: z.boolean().nullish(),
});
export type ReorderPointFilter = z.infer<typeof reorderPointFilter>;

export function reorderPointWhere(filter: ReorderPointFilter | null | undefined): Prisma.ReorderPointWhereInput {
  if (!filter) return {};
  const supplierName = text(filter.supplierName, "equals");
  return allOf<Prisma.ReorderPointWhereInput>([
    ...skuConditions(filter),
    { supplierId: equals(filter.supplierId || undefined) },
    // Exact but case-insensitive: Prisma sends that as ILIKE, so text() escapes % and _ (D9).
    supplierName && { supplier: { supplier: supplierName } },
    filter.hasSupplier != null && { supplierId: filter.hasSupplier ? { not: null } : null },
  ]);
}

/** SupplierLeadTimeFilter (shape only: no rules). */
export const supplierFilter = z.object({ search: z.string().nullish() });

export function supplierWhere(filter: z.infer<typeof supplierFilter> | null | undefined): Prisma.SupplierLeadTimeWhereInput {
  return allOf<Prisma.SupplierLeadTimeWhereInput>([{ supplier: text(filter?.search, "contains") }]);
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

const positiveDays = z.number().int("must be an integer").min(1, "must be ≥ 1").max(3650, "must be ≤ 3650");
const int32 = z.number().int("must be an integer").min(-2_147_483_648, "must fit in 32 bits").max(2_147_483_647, "must fit in 32 bits");
const optionalText = z.string().trim().min(1, "must not be empty when given").nullish();

/** IngestInventorySnapshotsInput. */
export const ingestSnapshotsInput = z.object({
  snapshots: z
    .array(
      z.object({
        sku: nonEmpty,
        snapshotDate: z.date(),
        variantId: optionalText,
        productTitle: optionalText,
        onHandQuantity: nonNegativeInt,
        availableQuantity: int32,
        committedQuantity: nonNegativeInt,
        incomingQuantity: nonNegativeInt,
        unitsSold: nonNegativeInt,
      }),
    )
    .min(1, "must contain at least one row")
    .max(10_000, "must contain at most 10000 rows")
    .superRefine(rejectDuplicateKeys((s) => `${s.sku}|${formatDate(s.snapshotDate)}`, "snapshotDate", "one snapshot per SKU per day")),
});
export type SnapshotInput = z.infer<typeof ingestSnapshotsInput>["snapshots"][number];

/** UpsertSupplierLeadTimeInput. */
export const supplierInput = z
  .object({ name: nonEmpty, leadTimeDays: positiveDays, maxLeadDays: positiveDays.nullish() })
  .refine((s) => s.maxLeadDays == null || s.maxLeadDays >= s.leadTimeDays, { message: "must be ≥ leadTimeDays", path: ["maxLeadDays"] });
export type SupplierInput = z.infer<typeof supplierInput>;

/** UpsertReorderPointInput. */
export const reorderPointInput = z
  .object({
    sku: nonEmpty,
    supplierId: z.string().nullish(),
    supplierName: optionalText,
    safetyStock: nonNegativeInt,
    leadTimeDays: positiveDays.nullish(),
  })
  .refine((r) => !(r.supplierId && r.supplierName), { message: "give at most one of supplierId and supplierName", path: ["supplierName"] });
export type ReorderPointInput = z.infer<typeof reorderPointInput>;

/** One statement for the whole batch; each row replaces the snapshot of its SKU and day. */
export function ingestSnapshots(db: Db, snapshots: SnapshotInput[]): Promise<UpsertCounts> {
  return upsertBatch(db, {
    table: "inventory_snapshots",
    conflictKey: ["sku", "snapshot_date"],
    columns: {
      sku: "text",
      snapshot_date: "date",
      variant_id: "text",
      product_title: "text",
      on_hand_quantity: "int",
      available_quantity: "int",
      committed_quantity: "int",
      incoming_quantity: "int",
      units_sold: "int",
    },
    rows: snapshots.map((s) => ({
      sku: s.sku,
      snapshot_date: s.snapshotDate,
      variant_id: s.variantId,
      product_title: s.productTitle,
      on_hand_quantity: s.onHandQuantity,
      available_quantity: s.availableQuantity,
      committed_quantity: s.committedQuantity,
      incoming_quantity: s.incomingQuantity,
      units_sold: s.unitsSold,
    })),
  });
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
