/**
 * A selection over a Prisma model's object type, compiled to one SQL expression that builds the
 * object's JSON text: its scalar fields, its relations and hinted lists as correlated subqueries,
 * in the response's key order, with aliases, fragments and @skip/@include applied by graphql-js'
 * own field collection. Every type and field met is authorized first with scope-auth itself (the
 * same policy table, the same per-request cache): a denied or unknown field, a field with
 * arguments the renderer cannot read, or any field neither a column nor a relation makes the whole
 * compile fail with NotRenderable, and graphql-js resolves the root field as before.
 */
import {
  GraphQLEnumType,
  GraphQLObjectType,
  GraphQLScalarType,
  getNamedType,
  getNullableType,
  isListType,
  isNonNullType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLSchema,
  getArgumentValues,
} from "graphql";
import { collectSubFields } from "@graphql-tools/utils";
import { Prisma } from "../generated/prisma/client.ts";
import type { GatewayContext } from "../context/types.ts";
import { builder } from "../schema/builder.ts";
import { renderHintOf, type SortOrder } from "../schema/render-hints.ts";
import { quoteIdent } from "../lib/sql.ts";
import type { Catalog, ModelInfo } from "./catalog.ts";
import { leafSql, literal, orNull, textListSql } from "./values.ts";

/** The selection cannot be rendered exactly: graphql-js resolves it instead. */
export class NotRenderable extends Error {
  override name = "NotRenderable";
}

export interface CompileContext {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  ctx: GatewayContext;
  catalog: Catalog;
  /** Next table alias number (r0, r1, …). */
  aliases: number;
  /** Types and fields already granted in this request (their scopes are static maps: one check each). */
  granted: WeakSet<object>;
}

interface WithScopes {
  extensions?: { pothosOptions?: { authScopes?: unknown } } | null;
}

/** Passes when scope-auth grants the type's or field's scopes to this request; NotRenderable otherwise. */
export async function authorize(c: CompileContext, owner: WithScopes | { extensions: unknown }): Promise<void> {
  if (c.granted.has(owner)) return;
  const scopes = (owner as WithScopes).extensions?.pothosOptions?.authScopes;
  if (scopes !== undefined) {
    if (typeof scopes !== "object" || scopes === null) throw new NotRenderable("scopes computed per value");
    try {
      await builder.runAuthScopes(c.ctx, scopes);
    } catch {
      throw new NotRenderable("not granted: graphql-js answers with the error");
    }
  }
  c.granted.add(owner);
}

const ident = (name: string) => Prisma.raw(quoteIdent(name));
const columnOf = (alias: string, column: string) => Prisma.raw(`${alias}.${quoteIdent(column)}`);

function modelOf(c: CompileContext, type: GraphQLObjectType): ModelInfo {
  const name = (type.extensions as { pothosPrismaModel?: string } | undefined)?.pothosPrismaModel;
  const model = name ? c.catalog.get(name) : undefined;
  if (!model) throw new NotRenderable(`${type.name} is not a Prisma model`);
  return model;
}

const orderSql = (model: ModelInfo, alias: string, order: Array<[string, SortOrder]>) =>
  Prisma.join(
    order.map(([field, direction]) => {
      const column = model.columns.get(field);
      if (!column) throw new NotRenderable(`no column for ${model.name}.${field}`);
      return Prisma.sql`${columnOf(alias, column.name)} ${Prisma.raw(direction === "asc" ? "ASC" : "DESC")}`;
    }),
    ", ",
  );

/** `[` rows `]`: the rows of `target` in `source` (a subquery aliased `alias`), drawn by `object`, in `orderBy`. */
function listOf(object: Prisma.Sql, source: Prisma.Sql, orderBy: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(SELECT '[' || coalesce(string_agg(${object}, ',' ORDER BY ${orderBy}), '') || ']' FROM ${source})`;
}

/**
 * The JSON text of one row of `type` (table alias `alias`) for this selection. `rowsChecked`: the
 * caller already ran the type's per-row rule on exactly these rows (execute.ts, the root's rows);
 * anywhere else a per-row rule cannot be checked before drawing, and the compile fails.
 */
export async function objectSql(
  c: CompileContext,
  type: GraphQLObjectType,
  fieldNodes: readonly FieldNode[],
  alias: string,
  rowsChecked = false,
): Promise<Prisma.Sql> {
  const model = modelOf(c, type);
  if (!rowsChecked) await authorize(c, type);
  const fields = collectSubFields(c.schema, c.fragments, c.variables, type, [...fieldNodes]).fields;
  const parts: Prisma.Sql[] = [];
  let first = true;
  for (const [key, nodes] of fields) {
    const name = nodes[0].name.value;
    const prefix = literal(`${first ? "{" : ","}${JSON.stringify(key)}:`);
    first = false;
    if (name === "__typename") {
      parts.push(Prisma.sql`${prefix} || ${literal(JSON.stringify(type.name))}`);
      continue;
    }
    const field = type.getFields()[name];
    if (!field) throw new NotRenderable(`unknown field ${type.name}.${name}`);
    await authorize(c, field);
    parts.push(Prisma.sql`${prefix} || ${await fieldSql(c, model, field, nodes, alias)}`);
  }
  if (parts.length === 0) return literal("{}");
  return Prisma.sql`(${Prisma.join(parts, " || ")} || '}')`;
}

async function fieldSql(c: CompileContext, model: ModelInfo, field: GraphQLField<unknown, unknown>, nodes: readonly FieldNode[], alias: string) {
  const hint = renderHintOf(field);
  const nullable = !isNonNullType(field.type);
  const inner = getNullableType(field.type);
  const named = getNamedType(field.type);
  const exposed = (field.extensions as { pothosExposedField?: string }).pothosExposedField;
  const relation = (field.extensions as { pothosPrismaRelationField?: { name: string } }).pothosPrismaRelationField;

  // A column: t.expose*, or a hinted column (enum, decimal text, capped text[]).
  const columnField = hint?.kind === "column" ? hint.field : exposed;
  if (columnField !== undefined && !relation) {
    if (Object.keys(field.args).length > 0) throw new NotRenderable("column field with arguments");
    const column = model.columns.get(columnField);
    if (!column) throw new NotRenderable(`no column ${model.name}.${columnField}`);
    const value = columnOf(alias, column.name);
    let sql: Prisma.Sql | undefined;
    if (isListType(inner)) {
      const itemsNullable = !isNonNullType(inner.ofType);
      sql =
        named.name === "String" && hint?.kind === "column" && hint.cap !== undefined
          ? textListSql(value, column.type, hint.cap, itemsNullable)
          : undefined;
    } else if (named instanceof GraphQLScalarType || named instanceof GraphQLEnumType) {
      sql = leafSql(named, value, column.type, nullable);
    }
    if (!sql) throw new NotRenderable(`${model.name}.${columnField}: ${named.name} over ${column.type}`);
    return orNull(sql, nullable);
  }

  if (!(named instanceof GraphQLObjectType)) throw new NotRenderable(`computed field ${field.name}`);
  const target = modelOf(c, named);
  const rows = `r${c.aliases++}`;

  // A to-one Prisma relation: the target row joined on the foreign key (null when absent).
  if (relation && !isListType(inner)) {
    const link = model.relations.get(relation.name);
    if (!link || link.list) throw new NotRenderable(`relation ${model.name}.${relation.name}`);
    const on = Prisma.join(
      link.on.map(([local, remote]) => Prisma.sql`${columnOf(rows, remote)} = ${columnOf(alias, local)}`),
      " AND ",
    );
    const object = await objectSql(c, named, nodes, rows);
    return orNull(Prisma.sql`(SELECT ${object} FROM ${ident(target.table)} ${Prisma.raw(rows)} WHERE ${on})`, nullable);
  }

  // A to-many relation with a declared order and cap (guardedList), or a hinted list (e.g. dailyMetrics).
  if (isListType(inner) && hint?.kind === "relation" && relation) {
    const link = model.relations.get(relation.name);
    if (!link?.list || link.on.length !== 1) throw new NotRenderable(`relation ${model.name}.${relation.name}`);
    const [[local, remote]] = link.on as [[string, string]];
    const order = orderSql(target, rows, hint.orderBy);
    const source = Prisma.sql`(SELECT * FROM ${ident(target.table)} ${Prisma.raw(rows)} WHERE ${columnOf(rows, remote)} = ${columnOf(alias, local)}
      ORDER BY ${order} LIMIT ${Prisma.raw(String(hint.take))}) ${Prisma.raw(rows)}`;
    return listOf(await objectSql(c, named, nodes, rows), source, order);
  }
  if (isListType(inner) && hint?.kind === "list" && hint.model === target.name) {
    const args = getArgumentValues(field, nodes[0], c.variables);
    const foreign = target.columns.get(hint.foreignKey);
    if (!foreign) throw new NotRenderable(`no column ${target.name}.${hint.foreignKey}`);
    let where: Prisma.Sql;
    try {
      where = hint.where ? hint.where(args, Prisma.raw(rows)) : Prisma.sql`TRUE`;
    } catch {
      throw new NotRenderable("arguments refused: graphql-js answers with the error");
    }
    const source = Prisma.sql`(SELECT * FROM ${ident(target.table)} ${Prisma.raw(rows)}
      WHERE ${columnOf(rows, foreign.name)} = ${columnOf(alias, model.id.name)} AND ${where}
      ORDER BY ${orderSql(target, rows, hint.pick)} LIMIT ${Prisma.raw(String(hint.take))}) ${Prisma.raw(rows)}`;
    return listOf(await objectSql(c, named, nodes, rows), source, orderSql(target, rows, hint.orderBy));
  }
  throw new NotRenderable(`field ${model.name}.${field.name} has no SQL form`);
}
