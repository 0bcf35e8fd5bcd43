/**
 * One column as the JSON text the API sends for it, computed by PostgreSQL: the same bytes as
 * graphql-js serializing what Prisma read (JSON.stringify of the scalar's output). Each function
 * returns an SQL expression that is NULL for a NULL column, or undefined when this (GraphQL type,
 * column type) pair has no exact SQL twin, and the field is left to graphql-js.
 *
 * A value the API would not send as is (a NaN decimal, a date outside years 1–9999, an enum value
 * the enum lacks, a NULL in a non-null field) becomes UNRENDERABLE, which no JSON that PostgreSQL
 * writes can contain (its text type cannot hold U+0000); the renderer then hands the whole root
 * field back to graphql-js, which answers with its usual error.
 */
import { GraphQLEnumType, type GraphQLScalarType } from "graphql";
import { Prisma } from "../generated/prisma/client.ts";

/** Six characters (backslash, u, four zeros) that valid output never contains. */
export const UNRENDERABLE = "\\u0000";
export const UNRENDERABLE_SQL = Prisma.raw(`E'\\\\u0000'`);

/** An SQL string literal for text we wrote ourselves (enum values, field names). */
export const literal = (text: string): Prisma.Sql => Prisma.raw(`'${text.replaceAll("'", "''")}'`);

const TEXT_TYPES = new Set(["text", "varchar", "uuid"]);

function scalarSql(scalar: string, column: Prisma.Sql, type: string, nullable: boolean): Prisma.Sql | undefined {
  switch (scalar) {
    case "JSON":
      // JSON.stringify(JSON.parse(text)): gateway.json_text (migration 20251020000800_render_json). A JSON
      // null in a non-null field is graphql-js' error to report.
      if (type !== "jsonb") return undefined;
      return nullable
        ? Prisma.sql`gateway.json_text(${column})`
        : Prisma.sql`CASE WHEN ${column} = 'null'::jsonb THEN ${UNRENDERABLE_SQL} ELSE gateway.json_text(${column}) END`;
    case "String":
    case "ID":
    case "UUID":
      return TEXT_TYPES.has(type) ? Prisma.sql`to_json(${column}::text)::text` : undefined;
    case "Int":
      return type === "int4" || type === "int2" ? Prisma.sql`${column}::text` : undefined;
    case "Boolean":
      return type === "bool" ? Prisma.sql`${column}::text` : undefined;
    case "Decimal":
      // Decimal#toFixed(): no exponent, no trailing fractional zeros; trim_scale writes the same.
      return type === "numeric"
        ? Prisma.sql`CASE WHEN ${column} IS NULL THEN NULL WHEN ${column} = 'NaN'::numeric OR abs(${column}) = 'Infinity'::numeric THEN ${UNRENDERABLE_SQL} ELSE '"' || trim_scale(${column})::text || '"' END`
        : undefined;
    case "Date":
      return type === "date"
        ? Prisma.sql`CASE WHEN ${column} IS NULL THEN NULL WHEN ${column} BETWEEN '0001-01-01' AND '9999-12-31' THEN '"' || to_char(${column}, 'YYYY-MM-DD') || '"' ELSE ${UNRENDERABLE_SQL} END`
        : undefined;
    case "DateTime":
      // Date#toISOString(): UTC, milliseconds (truncated, as Prisma reads microseconds).
      return type === "timestamptz"
        ? Prisma.sql`CASE WHEN ${column} IS NULL THEN NULL WHEN ${column} >= '0001-01-01 00:00:00+00' AND ${column} < '10000-01-01 00:00:00+00' THEN '"' || to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"' ELSE ${UNRENDERABLE_SQL} END`
        : undefined;
    default:
      return undefined;
  }
}

/** A text column holding an enum's internal values, as the enum's names. */
function enumSql(enumType: GraphQLEnumType, column: Prisma.Sql, type: string): Prisma.Sql | undefined {
  if (!TEXT_TYPES.has(type)) return undefined;
  const values = enumType.getValues();
  if (!values.every((v) => typeof v.value === "string")) return undefined;
  const cases = values.map((v) => Prisma.sql`WHEN ${literal(v.value as string)} THEN ${literal(JSON.stringify(v.name))}`);
  return Prisma.sql`CASE ${column} ${Prisma.join(cases, " ")} WHEN NULL THEN NULL ELSE CASE WHEN ${column} IS NULL THEN NULL ELSE ${UNRENDERABLE_SQL} END END`;
}

/** A leaf value (scalar or enum) of a column; NULL for NULL. */
export function leafSql(leaf: GraphQLScalarType | GraphQLEnumType, column: Prisma.Sql, type: string, nullable: boolean): Prisma.Sql | undefined {
  return leaf instanceof GraphQLEnumType ? enumSql(leaf, column, type) : scalarSql(leaf.name, column, type, nullable);
}

/** A text[] column as a list of strings, its first `cap` items (the resolver's slice); NULL for NULL. */
export function textListSql(column: Prisma.Sql, type: string, cap: number, itemsNullable: boolean): Prisma.Sql | undefined {
  if (type !== "_text" && type !== "_varchar") return undefined;
  const badItems = itemsNullable ? Prisma.sql`FALSE` : Prisma.sql`array_position(${column}, NULL) IS NOT NULL`;
  return Prisma.sql`CASE WHEN ${column} IS NULL THEN NULL WHEN cardinality(${column}) = 0 THEN '[]'
    WHEN array_ndims(${column}) > 1 OR array_lower(${column}, 1) <> 1 OR ${badItems} THEN ${UNRENDERABLE_SQL}
    ELSE array_to_json(${column}[1:${Prisma.raw(String(Math.trunc(cap)))}])::text END`;
}

/** Wraps a value: NULL becomes `null` where the field is nullable, UNRENDERABLE where it is not. */
export const orNull = (value: Prisma.Sql, nullable: boolean): Prisma.Sql =>
  Prisma.sql`coalesce(${value}, ${nullable ? Prisma.raw("'null'") : UNRENDERABLE_SQL})`;
