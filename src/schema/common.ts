/**
 * Building blocks every domain file uses, so each list behaves the same way:
 * cursor connections with a page-size cap and totalCount, stable ordering (ties broken by id),
 * date ranges, and relations that quietly resolve to null for roles that may not read the target.
 */
import type { FieldRef, InputFieldMap, InputFieldRef, InputShapeFromFields } from "@pothos/core";
import type { Prisma } from "../generated/prisma/client.ts";
import type PrismaTypes from "../generated/pothos-types.ts";
import type { GatewayContext } from "../context/types.ts";
import type { DataContext } from "../data/context.ts";
import { rowFilter, type TableName } from "../auth/policy.ts";
import { access, builder, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./builder.ts";
import { connectionPage, edgesBound, listBound } from "./bounds.ts";
import { renderHint, renderSelectOf } from "./render-hints.ts";

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
export function orderInput<F extends string>(
  typeName: string,
  fields: Record<F, string>,
  defaultField: NoInfer<F>,
  defaultDirection: "ASC" | "DESC" = "DESC",
) {
  const fieldEnum = builder.enumType(`${typeName}OrderField`, { values: Object.keys(fields) as F[] });
  const input = builder.inputType(`${typeName}Order`, {
    fields: (t) => ({
      field: t.field({ type: fieldEnum, required: true }),
      direction: t.field({ type: SortDirection, required: false, defaultValue: "ASC" }),
    }),
  });
  const toPrisma = (order: { field: F; direction?: "ASC" | "DESC" | null } | null | undefined, idField = "id") => {
    const field = order?.field ?? defaultField;
    const direction = (order ? (order.direction ?? "ASC") : defaultDirection) === "ASC" ? "asc" : "desc";
    return [{ [fields[field]]: direction }, { [idField]: direction }] as Record<string, "asc" | "desc">[];
  };
  return { input, toPrisma };
}

/** The schema's Pothos types (context, scalars, Prisma models), for typing helpers that take a field builder. */
export type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
/** Per model: its row shape, Prisma where / orderBy inputs and relations (src/generated/pothos-types.ts). */
export type Models = PrismaTypes;
export type ModelName = keyof Models & Prisma.ModelName;
/** The model's Prisma where input, e.g. `ModelWhere<"AdsCampaign">` = Prisma.AdsCampaignWhereInput. */
export type ModelWhere<M extends ModelName> = Models[M]["Where"];
type Delegates = Prisma.TransactionClient;
type DelegateKey<M extends ModelName> = Uncapitalize<M> & keyof Delegates;

/** The Prisma delegate (e.g. ctx.db.adsCampaign) for a model, inside the request's transaction. */
export function delegate<M extends ModelName>(ctx: DataContext, model: M): Delegates[DelegateKey<M>] {
  const db: Delegates = ctx.db;
  return db[(model.charAt(0).toLowerCase() + model.slice(1)) as DelegateKey<M>];
}

/** What the generic helpers below need of any model's delegate (each model's own is narrower per model). */
interface ReadDelegate {
  count(args: { where: unknown }): Promise<number>;
  findMany(args: object): Promise<unknown[]>;
  findFirst(args: object): Promise<unknown>;
}
const reader = (ctx: DataContext, model: ModelName) => delegate(ctx, model) as unknown as ReadDelegate;

/** Combines caller filters with the policy's row rule for the viewer (mirrors RLS USING). */
export function visibleWhere<W extends object>(ctx: DataContext, table: TableName, where: W): W | { AND: [W, Record<string, unknown>] } {
  const rule = rowFilter(ctx.viewer, table);
  return rule ? { AND: [where, rule] } : where;
}

/** `t` of builder.queryFields. */
export type QueryBuilder = PothosSchemaTypes.QueryFieldBuilder<Types, Types["Root"]>;
/**
 * `t` of a Prisma object's fields. Checking it against PothosSchemaTypes.PrismaObjectFieldBuilder
 * is too deep for TypeScript, so the helpers take `t` as it is and read the allowed names off its
 * own methods: what `t.exposeString`, `t.exposeStringList` and `t.relation` accept.
 */
type ModelFieldBuilder = { exposeString: unknown; exposeStringList: unknown; relation: unknown };
type FirstParam<F> = F extends (first: infer P, ...rest: infer _R) => unknown ? P : never;
/** The model's text columns (nullable or not). */
type TextColumn<T extends ModelFieldBuilder> = FirstParam<T["exposeString"]> & string;
/** The model's text[] columns. */
type TextListColumn<T extends ModelFieldBuilder> = FirstParam<T["exposeStringList"]> & string;
/** The model's relations. */
type RelationName<T extends ModelFieldBuilder> = FirstParam<T["relation"]> & string;
/**
 * Pothos cannot check a field for a model known only as a type parameter, so the helpers' own
 * parameters carry the types and the calls inside go through these loose signatures.
 */
type Field = FieldRef<Types, unknown>;
type LooseFieldOptions = Record<string, unknown>;
interface LooseBuilder {
  field(options: LooseFieldOptions): Field;
  arg(options: LooseFieldOptions): InputFieldRef<Types, unknown>;
  relation(name: string, options: LooseFieldOptions): Field;
  prismaField(options: LooseFieldOptions): Field;
  prismaConnection(options: LooseFieldOptions, connection: LooseFieldOptions): Field;
}
const loose = (t: object) => t as unknown as LooseBuilder;

/** The arguments a resolver gets for an `args` map (as Pothos parses them). */
export type ArgsOf<Args extends InputFieldMap> = InputShapeFromFields<Args>;

interface ConnectionOptions<M extends ModelName, Args extends InputFieldMap> {
  table: TableName;
  type: M;
  description: string;
  args?: Args;
  cursor?: string;
  where: (args: ArgsOf<Args>, ctx: GatewayContext) => ModelWhere<M>;
  orderBy: (args: ArgsOf<Args>) => Record<string, "asc" | "desc">[];
}

/** Exposes a text column as a GraphQL enum whose internal values are the column's values. */
export function exposeEnum<T extends ModelFieldBuilder>(
  t: T,
  field: TextColumn<T>,
  enumRef: PothosSchemaTypes.EnumRef<Types, string, string>,
  options: { nullable?: boolean; description?: string } = {},
) {
  return loose(t).field({
    ...options,
    type: enumRef,
    ...renderHint({ kind: "column", field }),
    resolve: (row: Record<string, unknown>) => row[field],
  });
}

/** A root-level list as a Relay connection, authorized by the policy table. */
export function tableConnection<M extends ModelName, Args extends InputFieldMap = Record<never, never>>(
  t: QueryBuilder,
  options: ConnectionOptions<M, Args>,
) {
  const { table, type, cursor = "id" } = options;
  const whereFor = (args: ArgsOf<Args>, ctx: GatewayContext) => visibleWhere(ctx, table, options.where(args, ctx));
  return loose(t).prismaConnection(
    {
      type,
      cursor,
      description: options.description,
      // Nullable so one denied or failed list does not blank the rest of the response.
      nullable: true,
      defaultSize: DEFAULT_PAGE_SIZE,
      maxSize: MAX_PAGE_SIZE,
      authScopes: access(table),
      // The page size bounds `edges` for the cost estimate (src/schema/bounds.ts); the renderer draws its nodes (src/render/).
      ...renderHint({ kind: "connection", model: type }, connectionPage(DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)),
      args: options.args ?? {},
      totalCount: (_connection: unknown, args: ArgsOf<Args>, ctx: GatewayContext) => reader(ctx, type).count({ where: whereFor(args, ctx) }),
      resolve: (query: object, _parent: unknown, args: ArgsOf<Args>, ctx: GatewayContext, info: unknown) =>
        reader(ctx, type).findMany({ ...query, ...renderSelectOf(info), where: whereFor(args, ctx), orderBy: options.orderBy(args) }),
    },
    { edgesField: edgesBound(MAX_PAGE_SIZE) },
  );
}

/** A single row by id, authorized by the policy table; null when it does not exist or is hidden. */
export function tableById<M extends ModelName>(
  t: QueryBuilder,
  options: { table: TableName; type: M; description: string; idField?: keyof Models[M]["Shape"] & string },
) {
  const { table, type, idField = "id" } = options;
  return loose(t).prismaField({
    type,
    nullable: true,
    description: options.description,
    authScopes: access(table),
    ...renderHint({ kind: "row", model: type }),
    args: { id: loose(t).arg({ type: "UUID", required: true }) },
    resolve: (query: object, _root: unknown, args: { id: string }, ctx: GatewayContext, info: unknown) =>
      reader(ctx, type).findFirst({ ...query, ...renderSelectOf(info), where: visibleWhere(ctx, table, { [idField]: args.id }) }),
  });
}

/**
 * A to-one Prisma relation into `target`: nullable, and null (without an error) for roles that may
 * not read the target table. Prisma loads relations in the parent's query whatever the role, so use
 * this only where every reader of the parent may read the target (tests/rls-parity.test.ts checks);
 * into a table some readers cannot see, write a loader-based field instead (e.g. AgentApproval.run).
 */
export function guardedRelation<T extends ModelFieldBuilder>(t: T, name: RelationName<T>, target: TableName) {
  return loose(t).relation(name, { nullable: true, authScopes: access(target), unauthorizedResolver: () => null });
}

/**
 * A to-many Prisma relation into `target`: empty for roles that may not read it (same caveat as
 * guardedRelation). At most `cap` rows (a Prisma `take`, the first in the relation's order), the
 * bound the cost estimate counts; the root connections page through the rest.
 */
export function guardedList<T extends ModelFieldBuilder>(
  t: T,
  name: RelationName<T>,
  target: TableName,
  cap: number,
  options: { query?: { orderBy?: Record<string, "asc" | "desc">[]; where?: Record<string, unknown> }; description?: string } = {},
) {
  const description = `${options.description ?? ""}${options.description ? " " : ""}At most ${cap}.`;
  const orderBy = (options.query?.orderBy ?? []).flatMap((o) => Object.entries(o));
  return loose(t).relation(name, {
    ...options,
    description,
    query: { ...options.query, take: cap },
    // A filtered relation is resolved by graphql-js only (its Prisma where has no SQL twin here).
    ...(options.query?.where ? listBound(cap) : renderHint({ kind: "relation", take: cap, orderBy }, listBound(cap))),
    authScopes: access(target),
    unauthorizedResolver: () => [],
  });
}

/** A text[] column as a list of at most `cap` strings (writes check the same cap; old rows are cut). */
export function cappedStringList<T extends ModelFieldBuilder>(t: T, column: TextListColumn<T>, cap: number, options: { description?: string } = {}) {
  return loose(t).field({
    ...options,
    type: ["String"],
    ...renderHint({ kind: "column", field: column, cap }, listBound(cap)),
    select: { [column]: true },
    resolve: (row: Record<string, string[]>) => row[column].slice(0, cap),
  });
}
