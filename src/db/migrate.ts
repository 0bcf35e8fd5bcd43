// Offline migration runner that speaks Prisma Migrate's format: prisma/migrations/<name>/migration.sql
// plus the `_prisma_migrations` history table, written exactly the way Prisma's schema engine writes it.
// A machine with Prisma's native engine can therefore run `prisma migrate deploy|status` on the same
// database and files, and vice versa. We use `pg` directly because Prisma's CLI needs a native engine
// binary that cannot be downloaded here (see prisma.config.ts), and Prisma 7 ships no wasm schema
// engine for `migrate deploy` (prisma/orm#8626: "too unstable to ship in Prisma 7"). Delete this file
// for `prisma migrate deploy` once Prisma migrates without the native engine.
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

/** Prisma's advisory lock key (schema-engine, postgres flavour): concurrent runners, ours or Prisma's, queue on it. */
export const PRISMA_ADVISORY_LOCK_KEY = 72707369;

/**
 * Prisma's postgres-flavour DDL (verbatim apart from IF NOT EXISTS, which matters on PGlite where the
 * advisory lock is shared by all connections and so does not serialise two runners).
 */
const CREATE_HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

export type MigrationErrorCode =
  | "MIGRATION_FAILED" // a script raised an error; it was rolled back completely
  | "MIGRATION_MODIFIED" // an applied migration's file no longer matches its recorded checksum
  | "MIGRATION_BLOCKED" // a failed attempt recorded by Prisma must be resolved first (Prisma's P3009)
  | "MIGRATION_INVALID" // the migrations folder is malformed (e.g. a folder without migration.sql)
  | "MIGRATION_LOCK_LOST"; // the advisory lock was released on another session: a transaction-mode pooler

export class MigrationError extends Error {
  override name = "MigrationError";
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
    readonly details: {
      migration?: string;
      migrations?: string[];
      sqlState?: string;
      position?: number;
      line?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
  get migration(): string | undefined {
    return this.details.migration;
  }
}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateOptions {
  migrationsDir?: string;
  /** Called before and after each pending migration (the first embedded start runs ~20 s of them). */
  onProgress?: (event: MigrationProgress) => void;
}

export interface MigrationProgress {
  phase: "start" | "done";
  name: string;
  /** 1-based position among the migrations this run applies. */
  index: number;
  total: number;
  /** Set on "done". */
  durationMs?: number;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  modified: string[];
  failed: string[];
  /** Applied according to the database but missing from the migrations folder. */
  unknown: string[];
}

interface HistoryRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Prisma's render_checksum: sha256 of the script, lowercase hex, zero-padded. */
export function migrationChecksum(sql: string): string {
  return createHash("sha256").update(sql, "utf8").digest("hex");
}

/**
 * Prisma's script_matches_checksum: tolerant of CRLF/LF conversions (git autocrlf) and of the
 * non-zero-padded hex that old Prisma versions wrote.
 */
export function checksumMatches(sql: string, checksum: string): boolean {
  const variants = [sql, sql.replaceAll("\r\n", "\n"), sql.replaceAll("\n", "\r\n")];
  return variants.some((script) => {
    const digest = createHash("sha256").update(script, "utf8").digest();
    const rendered = checksum.length !== 0 && checksum.length !== 64 ? [...digest].map((b) => b.toString(16)).join("") : digest.toString("hex");
    return rendered === checksum;
  });
}

/** Migration folders sorted by name (byte order, like Prisma). A missing folder means no migrations. */
export async function readMigrations(migrationsDir = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  if (!existsSync(migrationsDir)) return [];
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const migrations: MigrationFile[] = [];
  for (const name of names) {
    const file = path.join(migrationsDir, name, "migration.sql");
    if (!existsSync(file)) {
      throw new MigrationError("MIGRATION_INVALID", `Migration folder "${name}" has no migration.sql (${file})`, {
        migration: name,
      });
    }
    const sql = await readFile(file, "utf8");
    migrations.push({ name, sql, checksum: migrationChecksum(sql) });
  }
  return migrations;
}

async function connect(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "hotdash-migrate" });
  // Without a listener, a connection dropped by the server would crash the process.
  client.on("error", () => {});
  await client.connect();
  return client;
}

async function readHistory(client: pg.Client | pg.PoolClient): Promise<HistoryRow[] | null> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('_prisma_migrations')::text AS t`);
  if (!exists.rows[0]?.t) return null;
  const res = await client.query<HistoryRow>(
    `SELECT id, checksum, migration_name, finished_at, rolled_back_at
       FROM _prisma_migrations ORDER BY started_at ASC`,
  );
  return res.rows;
}

/** Classifies files against history rows the way `prisma migrate status` does. */
function diagnose(files: MigrationFile[], rows: HistoryRow[]): MigrationStatus {
  const live = rows.filter((r) => r.rolled_back_at === null); // rolled-back attempts are ignored by Prisma
  const appliedRows = new Map(live.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r]));
  const fileNames = new Set(files.map((f) => f.name));
  const status: MigrationStatus = { applied: [], pending: [], modified: [], failed: [], unknown: [] };
  for (const file of files) {
    const row = appliedRows.get(file.name);
    if (!row) status.pending.push(file.name);
    else {
      status.applied.push(file.name);
      if (!checksumMatches(file.sql, row.checksum)) status.modified.push(file.name);
    }
  }
  const failed = live.filter((r) => r.finished_at === null).map((r) => r.migration_name);
  status.failed = [...new Set(failed)];
  status.unknown = [...new Set([...appliedRows.keys()].filter((n) => !fileNames.has(n)))];
  return status;
}

export async function migrationStatus(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrationStatus> {
  const files = await readMigrations(options.migrationsDir);
  const client = await connect(databaseUrl);
  try {
    return diagnose(files, (await readHistory(client)) ?? []);
  } finally {
    await client.end();
  }
}

/** Postgres reports a 1-based character position into the whole submitted script; turn it into a line. */
function lineOf(sql: string, position: number | undefined): number | undefined {
  if (!position || position < 1) return undefined;
  return sql.slice(0, position - 1).split("\n").length;
}

function failure(migration: MigrationFile, err: unknown): MigrationError {
  const e = err as pg.DatabaseError;
  const position = e.position ? Number(e.position) : undefined;
  const line = lineOf(migration.sql, position);
  const where = [
    line !== undefined ? `line ${line}` : undefined,
    e.code ? `SQLSTATE ${e.code}` : undefined,
    e.where ? `context: ${e.where.replaceAll("\n", " / ")}` : undefined,
  ].filter(Boolean);
  const message = `Migration "${migration.name}" failed and was rolled back: ${e.message ?? String(err)}${
    where.length ? ` (${where.join(", ")})` : ""
  }`;
  return new MigrationError("MIGRATION_FAILED", message, {
    migration: migration.name,
    sqlState: e.code,
    position,
    line,
    cause: err,
  });
}

/**
 * Applies pending migrations in name order, each in its own transaction together with its history row,
 * under Prisma's advisory lock. Stops at the first failure (earlier migrations stay applied).
 */
export async function applyMigrations(databaseUrl: string, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const files = await readMigrations(options.migrationsDir);
  const client = await connect(databaseUrl);
  const applied: string[] = [];
  let released: boolean | undefined;
  try {
    await client.query(`SELECT pg_advisory_lock(${PRISMA_ADVISORY_LOCK_KEY})`);
    try {
      await client.query(CREATE_HISTORY_TABLE);
      const status = diagnose(files, (await readHistory(client)) ?? []);
      if (status.failed.length > 0) {
        throw new MigrationError(
          "MIGRATION_BLOCKED",
          `Migration history has a failed attempt of ${status.failed.map((n) => `"${n}"`).join(", ")}; ` +
            `fix the database, then mark it with \`prisma migrate resolve --rolled-back <name>\` (or --applied) before migrating`,
          { migration: status.failed[0], migrations: status.failed },
        );
      }
      if (status.modified.length > 0) {
        throw new MigrationError(
          "MIGRATION_MODIFIED",
          `Applied migration${status.modified.length > 1 ? "s" : ""} ${status.modified.map((n) => `"${n}"`).join(", ")} ` +
            `changed after being applied (checksum mismatch); restore the original file and add a new migration instead`,
          { migration: status.modified[0], migrations: status.modified },
        );
      }
      const pending = files.filter((f) => status.pending.includes(f.name));
      for (const [i, migration] of pending.entries()) {
        const progress = { name: migration.name, index: i + 1, total: pending.length };
        options.onProgress?.({ phase: "start", ...progress });
        const startedAt = Date.now();
        if (await applyOne(client, migration)) applied.push(migration.name);
        options.onProgress?.({ phase: "done", ...progress, durationMs: Date.now() - startedAt });
      }
    } finally {
      released = await client.query<{ released: boolean }>(`SELECT pg_advisory_unlock(${PRISMA_ADVISORY_LOCK_KEY}) AS released`).then(
        (r) => r.rows[0]?.released,
        () => undefined,
      );
    }
    // Through a transaction-mode pooler the lock and the unlock can run on two server connections: the
    // lock then stays held on a pooled connection, and the next run waits for it until the pooler closes it.
    if (released === false) throw await lockLost(client);
  } finally {
    await client.end();
  }
  return { applied };
}

async function lockLost(client: pg.Client): Promise<MigrationError> {
  const { rows } = await client
    .query<{ pid: number }>(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`, [PRISMA_ADVISORY_LOCK_KEY])
    .catch(() => ({ rows: [] as { pid: number }[] }));
  const holders = rows.map((r) => r.pid).join(", ");
  return new MigrationError(
    "MIGRATION_LOCK_LOST",
    "The migration lock was released on another database session than it was taken on, so it is still held" +
      (holders ? ` (by backend ${holders}; pg_terminate_backend frees it)` : "") +
      ": this URL goes through a transaction-mode pooler (PgBouncer pool_mode=transaction, Supavisor on port 6543). " +
      "Run migrations on a direct or session-mode connection: set DATABASE_LISTEN_URL (docs/operations.md, Behind a connection pooler)",
  );
}

/** Returns false when another runner applied it first (possible on PGlite, whose connections share one session). */
async function applyOne(client: pg.Client, migration: MigrationFile): Promise<boolean> {
  await client.query("BEGIN");
  try {
    const done = await client.query(
      `SELECT 1 FROM _prisma_migrations
        WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      [migration.name],
    );
    if (done.rowCount) {
      await client.query("ROLLBACK");
      return false;
    }
    try {
      await client.query(migration.sql); // no parameters => simple protocol: whole script, $$ bodies intact
    } catch (err) {
      throw failure(migration, err);
    }
    // started_at defaults to now() (transaction start); finished_at is the wall clock after the script.
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count)
       VALUES ($1, $2, clock_timestamp(), $3, NULL, now(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query("COMMIT");
    return true;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}
