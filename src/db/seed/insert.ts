// The bulk insert of the demo seeder: one INSERT … SELECT FROM unnest(...) per table, because PGlite
// over its socket pays per statement, not per row.
import type pg from "pg";

export type Row = Record<string, unknown>;

/** A pg array literal for one text[] cell (the outer unnest array must stay one-dimensional). */
function textArrayLiteral(items: readonly string[]): string {
  return `{${items.map((s) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join(",")}}`;
}

/**
 * INSERT INTO table (cols) SELECT … FROM unnest($1::t1[], $2::t2[], …): one statement, one round trip,
 * whatever the row count. `types` maps column -> SQL type; array-typed and vector columns travel as text
 * and are cast per row.
 */
export async function insertRows(client: pg.ClientBase, table: string, types: Record<string, string>, rows: readonly Row[]): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = Object.keys(types);
  const travelsAsText = (type: string) => type.endsWith("[]") || type === "vector";
  const params = columns.map((column) =>
    rows.map((row) => {
      const value = row[column];
      if (value === undefined || value === null) return null;
      if (types[column] === "jsonb") return JSON.stringify(value); // before the array case: JSON arrays are jsonb
      if (Array.isArray(value)) return textArrayLiteral(value as string[]);
      if (value instanceof Date) return value.toISOString();
      return value;
    }),
  );
  const unnestArgs = columns.map((c, i) => `$${i + 1}::${travelsAsText(types[c]) ? "text" : types[c]}[]`);
  const selectList = columns.map((c, i) => (travelsAsText(types[c]) ? `c${i}::${types[c]}` : `c${i}`));
  const sql =
    `INSERT INTO public."${table}" (${columns.map((c) => `"${c}"`).join(", ")}) ` +
    `SELECT ${selectList.join(", ")} FROM unnest(${unnestArgs.join(", ")}) AS t(${columns.map((_, i) => `c${i}`).join(", ")})`;
  const result = await client.query(sql, params);
  return result.rowCount ?? rows.length;
}

/** Column type shorthand for the insert type maps. */
export const TS = "timestamptz";
