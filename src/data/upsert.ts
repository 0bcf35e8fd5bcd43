/**
 * Idempotent batch upserts, shared by every "ingest" mutation: one INSERT … ON CONFLICT DO UPDATE
 * statement for the whole batch, which only touches rows whose values actually change. So replaying a
 * batch changes nothing (updated_at does not move), and the caller learns how many rows were
 * inserted, updated or already up to date.
 *
 * Values travel as one array parameter per column (unnest), so a batch of any size is one statement
 * with a fixed number of parameters. ON CONFLICT cannot touch the same row twice in one statement:
 * validate batches with `rejectDuplicateKeys` first so the caller gets a field path, not a 21000.
 */
import { Prisma } from "../generated/prisma/client.ts";
import type { Db } from "../db/rls.ts";
import { formatDate } from "../lib/dates.ts";
import type { z } from "../lib/validation.ts";
import { quoteIdent } from "../lib/sql.ts";

/** SQL element types the helper knows how to send. */
export type ColumnType = "text" | "int" | "numeric" | "date" | "timestamptz" | "jsonb" | "uuid";

export interface UpsertSpec {
  /** Physical table name (quoted as given). */
  table: string;
  /** Physical column → SQL type, for every column the batch writes (conflict key included). */
  columns: Record<string, ColumnType>;
  /** The columns of the unique index to upsert on. */
  conflictKey: string[];
  /** One object per row, keyed by physical column name; undefined is sent as NULL. */
  rows: Record<string, unknown>[];
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

const ident = (name: string) => Prisma.raw(quoteIdent(name));

/** JS value → what PostgreSQL parses as the column's type inside an array parameter. */
function toSql(type: ColumnType, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case "date":
      return value instanceof Date ? formatDate(value) : value;
    case "timestamptz":
      return value instanceof Date ? value.toISOString() : value;
    case "numeric": {
      // A number, a numeric string or a Prisma.Decimal: each one's toString is what PostgreSQL parses.
      const numeric = value as number | string | Prisma.Decimal;
      return numeric.toString();
    }
    case "jsonb":
      return JSON.stringify(value);
    default:
      return value;
  }
}

/** Upserts `rows` into `table` in one statement; rows already holding these values are left alone. */
export async function upsertBatch(db: Db, spec: UpsertSpec): Promise<UpsertCounts> {
  if (spec.rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const columns = Object.keys(spec.columns);
  const changing = columns.filter((c) => !spec.conflictKey.includes(c));
  const columnList = Prisma.join(columns.map(ident));
  const arrays = Prisma.join(
    columns.map((c) => {
      const type = spec.columns[c];
      return Prisma.sql`${spec.rows.map((row) => toSql(type, row[c]))}::${Prisma.raw(type)}[]`;
    }),
  );
  const onConflict =
    changing.length === 0
      ? Prisma.sql`DO NOTHING`
      : Prisma.sql`DO UPDATE SET ${Prisma.join(changing.map((c) => Prisma.sql`${ident(c)} = EXCLUDED.${ident(c)}`))}
          WHERE (${Prisma.join(changing.map((c) => Prisma.sql`t.${ident(c)}`))})
            IS DISTINCT FROM (${Prisma.join(changing.map((c) => Prisma.sql`EXCLUDED.${ident(c)}`))})`;

  const [counts] = await db.$queryRaw<{ inserted: bigint; updated: bigint }[]>`
    WITH written AS (
      INSERT INTO ${ident(spec.table)} AS t (${columnList})
      SELECT ${columnList} FROM unnest(${arrays}) AS input(${columnList})
      ON CONFLICT (${Prisma.join(spec.conflictKey.map(ident))}) ${onConflict}
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM written`;
  const inserted = Number(counts?.inserted ?? 0);
  const updated = Number(counts?.updated ?? 0);
  return { inserted, updated, unchanged: spec.rows.length - inserted - updated };
}

/**
 * A zod superRefine for a batch: the second and later rows with the same key are reported at
 * `[index, field]` ("duplicates row 0: …"), since one statement cannot write a row twice.
 */
export function rejectDuplicateKeys<Row>(keyOf: (row: Row) => string, field: string, rule: string) {
  return (rows: Row[], ctx: z.RefinementCtx) => {
    const seen = new Map<string, number>();
    rows.forEach((row, i) => {
      const key = keyOf(row);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else ctx.addIssue({ code: "custom", path: [i, field], message: `duplicates row ${first}: ${rule}` });
    });
  };
}
