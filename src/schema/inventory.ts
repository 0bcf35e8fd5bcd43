/** Inventory: daily SKU snapshots, per-SKU reorder points, supplier lead times, and the service_role mutations. */
import { access, builder } from "./builder.ts";
import { DateRangeInput, guardedList, type Types, guardedRelation, orderInput, tableById, tableConnection } from "./common.ts";
import { upsertCountsPayload } from "./batch.ts";
import {
  ingestSnapshots,
  ingestSnapshotsInput,
  latestSnapshotLoader,
  reorderPointFilter,
  reorderPointInput,
  reorderPointWhere,
  snapshotFilter,
  snapshotWhere,
  supplierFilter,
  supplierInput,
  supplierWhere,
  upsertReorderPoint,
  upsertSupplier,
} from "../data/inventory.ts";

export const InventorySnapshot = builder.prismaObject("InventorySnapshot", {
  description: "Stock of one SKU on one day (table inventory_snapshots); at most one row per SKU per day.",
  authScopes: access("inventory_snapshots"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    sku: t.exposeString("sku"),
    variantId: t.exposeString("variantId", { nullable: true, description: "Shopify variant id (gid://shopify/ProductVariant/…)." }),
    productTitle: t.exposeString("productTitle", { nullable: true }),
    snapshotDate: t.expose("snapshotDate", { type: "Date" }),
    onHandQuantity: t.exposeInt("onHandQuantity"),
    availableQuantity: t.exposeInt("availableQuantity", { description: "May be negative when oversold." }),
    committedQuantity: t.exposeInt("committedQuantity"),
    incomingQuantity: t.exposeInt("incomingQuantity"),
    unitsSold: t.exposeInt("unitsSold", { description: "Units sold on snapshotDate." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

export const SupplierLeadTime = builder.prismaObject("SupplierLeadTime", {
  description: "A supplier and how long it takes to deliver (table supplier_lead_times).",
  authScopes: access("supplier_lead_times"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    name: t.exposeString("supplier", { description: "Unique supplier name." }),
    leadTimeDays: t.exposeInt("leadTimeDays", { description: "Usual days from order to delivery (> 0)." }),
    maxLeadDays: t.exposeInt("maxLeadDays", { nullable: true, description: "Worst observed lead time, ≥ leadTimeDays; used for safety stock." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    reorderPoints: guardedList(t, "reorderPoints", "reorder_points", 500, {
      description: "The SKUs ordered from this supplier, by SKU.",
      query: { orderBy: [{ sku: "asc" }, { id: "asc" }] },
    }),
  }),
});

export const ReorderPoint = builder.prismaObject("ReorderPoint", {
  description: "Reorder settings of one SKU: its supplier and safety stock (table reorder_points).",
  authScopes: access("reorder_points"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    sku: t.exposeString("sku"),
    supplierId: t.expose("supplierId", { type: "UUID", nullable: true }),
    supplier: guardedRelation(t, "supplier", "supplier_lead_times"),
    safetyStock: t.exposeInt("safetyStock"),
    leadTimeDays: t.exposeInt("leadTimeDays", { nullable: true, description: "SKU-specific lead time; null means the supplier's." }),
    effectiveLeadTimeDays: t.int({
      nullable: true,
      description: "leadTimeDays, else the supplier's leadTimeDays; null when neither is known.",
      authScopes: access("supplier_lead_times"),
      unauthorizedResolver: (rp) => rp.leadTimeDays,
      select: { leadTimeDays: true, supplier: { select: { leadTimeDays: true } } },
      resolve: (rp) => rp.leadTimeDays ?? rp.supplier?.leadTimeDays ?? null,
    }),
    latestSnapshot: t.field({
      type: InventorySnapshot,
      nullable: true,
      description: "The newest snapshot of this SKU. Batched across reorder points: one query per request.",
      authScopes: access("inventory_snapshots"),
      unauthorizedResolver: () => null,
      select: { sku: true },
      resolve: (rp, _args, ctx) => latestSnapshotLoader(ctx).load(rp.sku),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

/** The SKU filter fields shared by snapshots and reorder points. */
const SkuFields = (t: PothosSchemaTypes.InputFieldBuilder<Types, "InputObject">) => ({
  skus: t.stringList({ required: false, description: "Exact SKUs (any of them)." }),
  skuPrefix: t.string({ required: false, description: "SKUs starting with this text, case-insensitive." }),
});

const SnapshotFilter = builder
  .inputType("InventorySnapshotFilter", {
    fields: (t) => ({
      ...SkuFields(t),
      snapshotDate: t.field({ type: DateRangeInput, required: false }),
    }),
  })
  .validate(snapshotFilter);
const snapshotOrder = orderInput(
  "InventorySnapshot",
  { SNAPSHOT_DATE: "snapshotDate", SKU: "sku", ON_HAND: "onHandQuantity", AVAILABLE: "availableQuantity", UNITS_SOLD: "unitsSold" },
  "SNAPSHOT_DATE",
);
/** After the chosen field: by date, SKUs A→Z; otherwise newest day first, then SKU; id last. */
function snapshotOrderBy(order: Parameters<typeof snapshotOrder.toPrisma>[0]) {
  const [primary, byId] = snapshotOrder.toPrisma(order);
  const field = order?.field ?? "SNAPSHOT_DATE";
  const then: Record<string, "asc" | "desc">[] =
    field === "SNAPSHOT_DATE" ? [{ sku: "asc" }] : field === "SKU" ? [{ snapshotDate: "desc" }] : [{ snapshotDate: "desc" }, { sku: "asc" }];
  return [primary, ...then, byId];
}

const ReorderPointFilter = builder
  .inputType("ReorderPointFilter", {
    fields: (t) => ({
      ...SkuFields(t),
      supplierId: t.field({ type: "UUID", required: false }),
      supplierName: t.string({ required: false, description: "Exact supplier name, case-insensitive." }),
      hasSupplier: t.boolean({ required: false, description: "true: only SKUs with a supplier; false: only SKUs without one." }),
    }),
  })
  .validate(reorderPointFilter);
const reorderPointOrder = orderInput("ReorderPoint", { SKU: "sku", SAFETY_STOCK: "safetyStock", UPDATED_AT: "updatedAt" }, "SKU", "ASC");

const SupplierFilter = builder
  .inputType("SupplierLeadTimeFilter", {
    fields: (t) => ({ search: t.string({ required: false, description: "Case-insensitive match anywhere in the name." }) }),
  })
  .validate(supplierFilter);
const supplierOrder = orderInput("SupplierLeadTime", { NAME: "supplier", LEAD_TIME_DAYS: "leadTimeDays", UPDATED_AT: "updatedAt" }, "NAME", "ASC");

builder.queryFields((t) => ({
  inventorySnapshots: tableConnection(t, {
    table: "inventory_snapshots",
    type: "InventorySnapshot",
    description: "Daily SKU snapshots; newest day first (SKUs A→Z within a day) by default.",
    args: { filter: t.arg({ type: SnapshotFilter, required: false }), orderBy: t.arg({ type: snapshotOrder.input, required: false }) },
    where: (args) => snapshotWhere(args.filter),
    orderBy: (args) => snapshotOrderBy(args.orderBy),
  }),
  inventorySnapshot: tableById(t, { table: "inventory_snapshots", type: "InventorySnapshot", description: "One snapshot by id." }),
  reorderPoints: tableConnection(t, {
    table: "reorder_points",
    type: "ReorderPoint",
    description: "Reorder points, by SKU A→Z by default.",
    args: { filter: t.arg({ type: ReorderPointFilter, required: false }), orderBy: t.arg({ type: reorderPointOrder.input, required: false }) },
    where: (args) => reorderPointWhere(args.filter),
    orderBy: (args) => reorderPointOrder.toPrisma(args.orderBy),
  }),
  reorderPoint: tableById(t, { table: "reorder_points", type: "ReorderPoint", description: "One reorder point by id." }),
  reorderPointBySku: t.prismaField({
    type: "ReorderPoint",
    nullable: true,
    description: "The reorder point of one SKU (exact match), or null.",
    authScopes: access("reorder_points"),
    args: { sku: t.arg.string({ required: true }) },
    resolve: (query, _root, { sku }, ctx) => ctx.db.reorderPoint.findUnique({ ...query, where: { sku } }),
  }),
  supplierLeadTimes: tableConnection(t, {
    table: "supplier_lead_times",
    type: "SupplierLeadTime",
    description: "Suppliers and their lead times, by name A→Z by default.",
    args: { filter: t.arg({ type: SupplierFilter, required: false }), orderBy: t.arg({ type: supplierOrder.input, required: false }) },
    where: (args) => supplierWhere(args.filter),
    orderBy: (args) => supplierOrder.toPrisma(args.orderBy),
  }),
  supplierLeadTime: tableById(t, { table: "supplier_lead_times", type: "SupplierLeadTime", description: "One supplier by id." }),
}));

// Mutations: service_role (agents and ETL jobs).
const SnapshotInput = builder.inputType("InventorySnapshotInput", {
  description: "The whole snapshot of one SKU on one day: omitted quantities are 0, omitted texts are null.",
  fields: (t) => ({
    sku: t.string({ required: true }),
    snapshotDate: t.field({ type: "Date", required: true }),
    variantId: t.string({ required: false }),
    productTitle: t.string({ required: false }),
    onHandQuantity: t.int({ required: false, defaultValue: 0 }),
    availableQuantity: t.int({ required: false, defaultValue: 0, description: "May be negative (oversold)." }),
    committedQuantity: t.int({ required: false, defaultValue: 0 }),
    incomingQuantity: t.int({ required: false, defaultValue: 0 }),
    unitsSold: t.int({ required: false, defaultValue: 0 }),
  }),
});
const IngestSnapshotsInput = builder
  .inputType("IngestInventorySnapshotsInput", {
    fields: (t) => ({ snapshots: t.field({ type: [SnapshotInput], required: true }) }),
  })
  .validate(ingestSnapshotsInput);
const SupplierInput = builder
  .inputType("UpsertSupplierLeadTimeInput", {
    description: "Creates the supplier with this name, or replaces its lead times.",
    fields: (t) => ({
      name: t.string({ required: true }),
      leadTimeDays: t.int({ required: true }),
      maxLeadDays: t.int({ required: false, description: "Omitted or null: unknown." }),
    }),
  })
  .validate(supplierInput);

const ReorderPointInput = builder
  .inputType("UpsertReorderPointInput", {
    description:
      "Creates or replaces the reorder point of `sku`. Name the supplier by supplierId or supplierName (at most one; neither = no supplier).",
    fields: (t) => ({
      sku: t.string({ required: true }),
      supplierId: t.field({ type: "UUID", required: false }),
      supplierName: t.string({ required: false }),
      safetyStock: t.int({ required: false, defaultValue: 0 }),
      leadTimeDays: t.int({ required: false, description: "SKU-specific lead time; omitted or null: the supplier's." }),
    }),
  })
  .validate(reorderPointInput);

const IngestSnapshotsPayload = upsertCountsPayload("IngestInventorySnapshotsPayload", "SKU-day");

builder.mutationFields((t) => ({
  ingestInventorySnapshots: t.field({
    type: IngestSnapshotsPayload,
    description:
      "Idempotent bulk upsert, one row per SKU per day (each row replaces that day's snapshot). All-or-nothing; replaying a batch changes nothing.",
    authScopes: access("inventory_snapshots", ["insert", "update"]),
    args: { input: t.arg({ type: IngestSnapshotsInput, required: true }) },
    resolve: (_root, { input }, ctx) => ingestSnapshots(ctx.db, input.snapshots),
  }),
  upsertSupplierLeadTime: t.prismaField({
    type: "SupplierLeadTime",
    description: "Creates or replaces a supplier by name. Sending the same values again changes nothing (updatedAt stays).",
    authScopes: access("supplier_lead_times", ["insert", "update"]),
    args: { input: t.arg({ type: SupplierInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      await upsertSupplier(ctx.db, input);
      return ctx.db.supplierLeadTime.findUniqueOrThrow({ ...query, where: { supplier: input.name } });
    },
  }),
  upsertReorderPoint: t.prismaField({
    type: "ReorderPoint",
    description: "Creates or replaces the reorder point of a SKU. Sending the same values again changes nothing (updatedAt stays).",
    authScopes: access("reorder_points", ["insert", "update"]),
    args: { input: t.arg({ type: ReorderPointInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      await upsertReorderPoint(ctx.db, input);
      return ctx.db.reorderPoint.findUniqueOrThrow({ ...query, where: { sku: input.sku } });
    },
  }),
}));
