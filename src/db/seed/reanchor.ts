// Keeps the embedded demo "live": the demo data is written relative to the day it was loaded (its
// anchor), so without this, pending approvals expire within days and the 30-day tiles read zero a month
// later. On each embedded start, every date and timestamp column of every table in `public` moves
// forward by (today − anchor) days, in one transaction, and a DecisionLog row records the new anchor.
//
// * Everything moves by the same whole number of days, so every interval, weekday and ordering in the
//   data (and every CHECK such as ended_at >= started_at) is unchanged; rows written by hand into the
//   demo database move with it. JSON payloads are left as they are.
// * Triggers are off for this transaction only (session_replication_role = replica, transaction-local):
//   the approval guard would refuse to touch decided approvals, the updated_at triggers would stamp
//   now(), the DecisionLog append-only trigger would refuse to move the audit trail along with the
//   approvals it describes, and NOTIFY would wake every live-queue listener for nothing. This is the one
//   writer allowed past them, for the embedded demo only, and it leaves its own DecisionLog row.
// * A unique index over a date (a metric per campaign per day) would collide mid-statement, since
//   PostgreSQL checks non-deferrable uniqueness row by row; such tables move in two steps, through a
//   range far beyond any real date.
import pg from "pg";
import { DEMO_SEED_MARKER, DEMO_SHOP_DOMAIN } from "./constants.ts";
import { formatDate } from "../../lib/dates.ts";
import { quoteIdent } from "../../lib/sql.ts";

/** The DecisionLog action recording each shift (scope 'seed', like the marker). */
export const DEMO_REANCHOR_ACTION = "demo_data_reanchored";

/** Past any demo date and still far below PostgreSQL's limits (year 294276 for timestamps). */
const PARKING_DAYS = 1_000_000;

export interface ReanchorResult {
  /** false when there is no demo data, or it is anchored today (or later). */
  shifted: boolean;
  /** The anchor before (YYYY-MM-DD), null without demo data. */
  from: string | null;
  /** The anchor now (YYYY-MM-DD). */
  to: string;
  days: number;
  /** Rows updated over all tables. */
  rows: number;
  durationMs: number;
}

interface ShiftColumn {
  table: string;
  column: string;
  isDate: boolean;
  inUnique: boolean;
}

/** Date/timestamp columns of ordinary tables in `public` (migration history aside). */
async function shiftColumns(client: pg.Client): Promise<ShiftColumn[]> {
  const { rows } = await client.query<{ table: string; column: string; is_date: boolean; in_unique: boolean }>(`
    SELECT c.relname AS table, a.attname AS column, a.atttypid = 'date'::regtype AS is_date,
           EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique AND a.attnum = ANY (i.indkey)) AS in_unique
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '_prisma_migrations'
       AND a.atttypid IN ('date'::regtype, 'timestamptz'::regtype, 'timestamp'::regtype)
     ORDER BY c.relname, a.attnum`);
  return rows.map((r) => ({ table: r.table, column: r.column, isDate: r.is_date, inUnique: r.in_unique }));
}

/**
 * Moves the demo data so that its anchor is `now`'s UTC day. A no-op (shifted: false) without the
 * demo marker or when already anchored today. Requires a role that may set session_replication_role
 * (the embedded database's superuser).
 */
export async function reanchorDemoData(databaseUrl: string, options: { now?: Date } = {}): Promise<ReanchorResult> {
  const startedAt = Date.now();
  const now = options.now ?? new Date();
  const to = formatDate(now);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "hotdash-reanchor" });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query("BEGIN");
    try {
      // Same lock as the seeder: a seed and a re-anchor never interleave.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('hotdash.seed.demo'))`);
      // The anchor is the newest day recorded by the marker or a re-anchor (payload.today, which the
      // shift leaves alone, unlike createdAt).
      const anchor = await client.query<{ day: string | null }>(
        `SELECT max(payload->>'today') AS day FROM public."DecisionLog" WHERE scope = $1 AND action IN ($2, $3)`,
        [DEMO_SEED_MARKER.scope, DEMO_SEED_MARKER.action, DEMO_REANCHOR_ACTION],
      );
      const from = anchor.rows[0]?.day ?? null;
      const days = from === null ? 0 : Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
      if (from === null || days <= 0) {
        // days < 0: the clock went back; the data stays as it is rather than moving back and forth.
        await client.query("ROLLBACK");
        return { shifted: false, from, to, days: 0, rows: 0, durationMs: Date.now() - startedAt };
      }

      await client.query(`SET LOCAL session_replication_role = replica`);
      const byTable = new Map<string, ShiftColumn[]>();
      for (const c of await shiftColumns(client)) byTable.set(c.table, [...(byTable.get(c.table) ?? []), c]);
      const shiftBy = (columns: ShiftColumn[], n: number) =>
        columns.map((c) => `${quoteIdent(c.column)} = ${quoteIdent(c.column)} + ${c.isDate ? `${n}` : `interval '${n} days'`}`).join(", ");
      let rows = 0;
      for (const [table, columns] of byTable) {
        const target = `public.${quoteIdent(table)}`;
        if (columns.some((c) => c.inUnique)) {
          const parked = await client.query(`UPDATE ${target} SET ${shiftBy(columns, days + PARKING_DAYS)}`);
          await client.query(`UPDATE ${target} SET ${shiftBy(columns, -PARKING_DAYS)}`);
          rows += parked.rowCount ?? 0;
        } else {
          rows += (await client.query(`UPDATE ${target} SET ${shiftBy(columns, days)}`)).rowCount ?? 0;
        }
      }
      // The shift went around the triggers that keep the dashboard summaries: recompute them.
      await client.query(`SELECT summaries.rebuild()`);
      await client.query(
        `INSERT INTO public."DecisionLog" (scope, actor, action, rationale, "shopDomain", payload, "createdAt")
         VALUES ($1, 'system:seed', $2, $3, $4, $5, $6)`,
        [
          DEMO_SEED_MARKER.scope,
          DEMO_REANCHOR_ACTION,
          `Demo data moved ${days} days forward so it ends today (src/db/seed/reanchor.ts).`,
          DEMO_SHOP_DOMAIN,
          { today: to, from, days, rows },
          now,
        ],
      );
      await client.query("COMMIT");
      return { shifted: true, from, to, days, rows, durationMs: Date.now() - startedAt };
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    }
  } finally {
    await client.end().catch(() => {});
  }
}
