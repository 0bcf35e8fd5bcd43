/**
 * Building blocks every domain file uses, so each list behaves the same way:
 * cursor connections with a page-size cap and totalCount, stable ordering (ties broken by id),
 * date ranges, and relations that quietly resolve to null for roles that may not read the target.
 */
import type { Prisma } from "../generated/prisma/client.ts";
import type { GatewayContext } from "../context/types.ts";
import { rowFilter, type TableName } from "../auth/policy.ts";
import { access, builder, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./builder.ts";
import { connectionPage, edgesBound, listBound } from "./bounds.ts";

export const SortDirection = builder.enumType("SortDirection", { values: ["ASC", "DESC"] as const });

export const DateRangeInput = builder.inputType("DateRange", {
  description: "Inclusive range of calendar dates; either end may be omitted.",
  fields: (t) => ({ from: t.field({ type: "Date", required: false }), to: t.field({ type: "Date", required: false }) }),
});

export const DateTimeRangeInput = builder.inputType("DateTimeRange", {
  description: "Range of instants: from inclusive, to exclusive; either end may be omitted.",
  fields: (t) => ({ from: t.field({ type: "DateTime", required: false }), to: t.field({ type: "DateTime", required: false }) }),
});

/**
 * An `orderBy` argument: `{ field: <Enum>, direction: ASC|DESC }`, mapped to Prisma field names.
 * The resolved order always ends with the model's id so pagination is stable.
 */
export function orderInput<F extends string>(typeName: string, fields: Record<F, string>, defaultField: NoInfer<F>, defaultDirection: "ASC" | "DESC" = "DESC") {
  const fieldEnum = builder.enumType(`${typeName}OrderField`, { values: Object.keys(fields) as F[] });
  const input = builder.inputType(`${typeName}Order`, {
    fields: (t) => ({
      field: t.field({ type: fieldEnum, required: true }),
      direction: t.field({ type: SortDirection, required: false, defaultValue: "ASC" }),
    }),
  });
  const toPrisma = (order: { field: F; direction?: "ASC" | "DESC" | null } | null | undefined, idField = "id") => {
    const field = order?.field ?? defaultField;
    const direction = (order ? order.direction ?? "ASC" : defaultDirection) === "ASC" ? "asc" : "desc";
    return [{ [fields[field]]: direction }, { [idField]: direction }] as Record<string, "asc" | "desc">[];
  };
  return { input, toPrisma };
}

/** The Prisma delegate (e.g. ctx.db.adsCampaign) for a model, inside the request's transaction. */
export function delegate(ctx: GatewayContext, model: Prisma.ModelName): any {
  return (ctx.db as any)[model.charAt(0).toLowerCase() + model.slice(1)];
}

/** Combines caller filters with the policy's row rule for the viewer (mirrors RLS USING). */
export function visibleWhere(ctx: GatewayContext, table: TableName, where: Record<string, unknown>) {
  const rule = rowFilter(ctx.viewer, table);
  return rule ? { AND: [where, rule] } : where;
}

interface ConnectionOptions<Args> {
  table: TableName;
  type: Prisma.ModelName;
  description: string;
  args?: Args;
  cursor?: string;
  where: (args: any, ctx: GatewayContext) => Record<string, unknown>;
  orderBy: (args: any) => Record<string, "asc" | "desc">[];
}

/** Exposes a text column as a GraphQL enum whose internal values are the column's values. */
export function exposeEnum(t: any, field: string, enumRef: unknown, options: Record<string, unknown> = {}) {
  return t.field({ ...options, type: enumRef, resolve: (row: Record<string, unknown>) => row[field] });
}

/** A root-level list as a Relay connection, authorized by the policy table. */
export function tableConnection<Args extends Record<string, any>>(t: any, options: ConnectionOptions<Args>) {
  const { table, type, cursor = "id" } = options;
  const whereFor = (args: any, ctx: GatewayContext) => visibleWhere(ctx, table, options.where(args, ctx));
  return t.prismaConnection(
    {
      type,
      cursor,
      description: options.description,
      // Nullable so one denied or failed list does not blank the rest of the response.
      nullable: true,
      defaultSize: DEFAULT_PAGE_SIZE,
      maxSize: MAX_PAGE_SIZE,
      authScopes: access(table),
      // The page size bounds `edges` for the cost estimate (src/schema/bounds.ts).
      ...connectionPage(DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
      args: options.args ?? {},
      totalCount: (_connection: unknown, args: any, ctx: GatewayContext) => delegate(ctx, type).count({ where: whereFor(args, ctx) }),
      resolve: (query: any, _parent: unknown, args: any, ctx: GatewayContext) =>
        delegate(ctx, type).findMany({ ...query, where: whereFor(args, ctx), orderBy: options.orderBy(args) }),
    },
    { edgesField: edgesBound(MAX_PAGE_SIZE) },
  );
}

/** A single row by id, authorized by the policy table; null when it does not exist or is hidden. */
export function tableById(t: any, options: { table: TableName; type: Prisma.ModelName; description: string; idField?: string }) {
  const { table, type, idField = "id" } = options;
  return t.prismaField({
    type,
    nullable: true,
    description: options.description,
    authScopes: access(table),
    args: { id: t.arg({ type: "UUID", required: true }) },
    resolve: (query: any, _root: unknown, args: { id: string }, ctx: GatewayContext) =>
      delegate(ctx, type).findFirst({ ...query, where: visibleWhere(ctx, table, { [idField]: args.id }) }),
  });
}

/**
 * A to-one Prisma relation into `target`: nullable, and null (without an error) for roles that may
 * not read the target table. Prisma loads relations in the parent's query whatever the role, so use
 * this only where every reader of the parent may read the target (tests/rls-parity.test.ts checks);
 * into a table some readers cannot see, write a loader-based field instead (e.g. AgentApproval.run).
 */
export function guardedRelation(t: any, name: string, target: TableName) {
  return t.relation(name, { nullable: true, authScopes: access(target), unauthorizedResolver: () => null });
}

/**
 * A to-many Prisma relation into `target`: empty for roles that may not read it (same caveat as
 * guardedRelation). At most `cap` rows (a Prisma `take`, the first in the relation's order), the
 * bound the cost estimate counts; the root connections page through the rest.
 */
export function guardedList(t: any, name: string, target: TableName, cap: number, options: { query?: Record<string, unknown>; description?: string } = {}) {
  const description = `${options.description ?? ""}${options.description ? " " : ""}At most ${cap}.`;
  return t.relation(name, {
    ...options,
    description,
    query: { ...options.query, take: cap },
    ...listBound(cap),
    authScopes: access(target),
    unauthorizedResolver: () => [],
  });
}

/** A text[] column as a list of at most `cap` strings (writes check the same cap; old rows are cut). */
export function cappedStringList(t: any, column: string, cap: number, options: Record<string, unknown> = {}) {
  return t.field({
    ...options,
    type: ["String"],
    ...listBound(cap),
    select: { [column]: true },
    resolve: (row: Record<string, string[]>) => row[column]!.slice(0, cap),
  });
}
