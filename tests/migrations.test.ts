// The offline migration runner against real databases: the chosen server (see tests/support) and
// embedded PGlite with pgvector.
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { DEFAULT_MIGRATIONS_DIR, MigrationError, applyMigrations, checksumMatches, migrationStatus, readMigrations } from "../src/db/migrate.ts";
import { createTestDatabase, createVectorTestDatabase, type TestDatabase } from "./support/test-database.ts";

async function emptyDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase({ empty: true });
  onTestFinished(() => db.close());
  return db;
}

/** A throwaway migrations folder: { "<name>": "<sql>" }, optionally starting from copies of the real ones. */
function migrationsDir(migrations: Record<string, string>, { withReal = false } = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "hd-migrations-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  if (withReal) cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  for (const [name, sql] of Object.entries(migrations)) writeMigration(dir, name, sql);
  return dir;
}

function writeMigration(dir: string, name: string, sql: string): void {
  mkdirSync(path.join(dir, name), { recursive: true });
  writeFileSync(path.join(dir, name, "migration.sql"), sql);
}

async function tableExists(db: TestDatabase, table: string): Promise<boolean> {
  const { rows } = await db.pool.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [table]);
  return rows[0].exists;
}

async function history(db: TestDatabase) {
  const { rows } = await db.pool.query(
    `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count
       FROM _prisma_migrations ORDER BY started_at, migration_name`,
  );
  return rows;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

// Exercises what plain `;`-splitting runners get wrong: $$ bodies with semicolons, DO blocks.
const GOOD = `CREATE TABLE good_t (id serial PRIMARY KEY, note text);
CREATE FUNCTION good_fn() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN 1; -- semicolons inside a body
END;
$$;
DO $$
BEGIN
  IF to_regclass('good_t2') IS NULL THEN
    EXECUTE 'CREATE TABLE good_t2 (id int)';
  END IF;
END
$$;
`;
const BAD = `CREATE TABLE bad_first (id int);
SELECT * FROM does_not_exist;
`;

describe("applyMigrations on the real migrations", () => {
  test("a fresh database gets every migration, a re-run is a no-op, status agrees", async () => {
    const db = await emptyDatabase();
    const names = (await readMigrations()).map((m) => m.name);
    expect(names.length).toBeGreaterThan(0);

    expect(await applyMigrations(db.url)).toEqual({ applied: names });
    expect(await applyMigrations(db.url)).toEqual({ applied: [] });
    expect(await migrationStatus(db.url)).toEqual({ applied: names, pending: [], modified: [], failed: [], unknown: [] });
    expect((await history(db)).map((r) => r.migration_name)).toEqual(names);
  });

  test("history table and rows have Prisma's exact shape and checksums", async () => {
    const db = await createTestDatabase(); // the migrated template copy
    onTestFinished(() => db.close());

    const { rows: columns } = await db.pool.query(
      `SELECT column_name, data_type, character_maximum_length AS len, is_nullable, column_default
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: "id", data_type: "character varying", len: 36, is_nullable: "NO", column_default: null },
      { column_name: "checksum", data_type: "character varying", len: 64, is_nullable: "NO", column_default: null },
      { column_name: "finished_at", data_type: "timestamp with time zone", len: null, is_nullable: "YES", column_default: null },
      { column_name: "migration_name", data_type: "character varying", len: 255, is_nullable: "NO", column_default: null },
      { column_name: "logs", data_type: "text", len: null, is_nullable: "YES", column_default: null },
      { column_name: "rolled_back_at", data_type: "timestamp with time zone", len: null, is_nullable: "YES", column_default: null },
      { column_name: "started_at", data_type: "timestamp with time zone", len: null, is_nullable: "NO", column_default: "now()" },
      { column_name: "applied_steps_count", data_type: "integer", len: null, is_nullable: "NO", column_default: "0" },
    ]);
    const { rows: pk } = await db.pool.query(
      `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = '_prisma_migrations'::regclass AND i.indisprimary`,
    );
    expect(pk).toEqual([{ attname: "id" }]);

    const files = await readMigrations();
    const rows = await history(db);
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    for (const [i, row] of rows.entries()) {
      expect(row.checksum).toBe(sha256(files[i].sql)); // Prisma: sha256 hex of migration.sql
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row).toMatchObject({ logs: null, rolled_back_at: null, applied_steps_count: 1 });
    }
  });
});

describe("runner behaviour (temporary migration folders)", () => {
  test("status separates applied from pending; apply runs only the pending one", async () => {
    const db = await createTestDatabase();
    onTestFinished(() => db.close());
    const real = (await readMigrations()).map((m) => m.name);
    const dir = migrationsDir({ "99990101000000_extra": "CREATE TABLE extra_t (id int);" }, { withReal: true });

    expect(await migrationStatus(db.url, { migrationsDir: dir })).toEqual({
      applied: real,
      pending: ["99990101000000_extra"],
      modified: [],
      failed: [],
      unknown: [],
    });
    expect(await applyMigrations(db.url, { migrationsDir: dir })).toEqual({ applied: ["99990101000000_extra"] });
    expect(await tableExists(db, "extra_t")).toBe(true);
    // Back on the real folder, the extra one is known to the database only.
    expect((await migrationStatus(db.url)).unknown).toEqual(["99990101000000_extra"]);
  });

  test("a failing migration is rolled back completely, recorded nowhere, and named in the error", async () => {
    const db = await emptyDatabase();
    const dir = migrationsDir({ "001_good": GOOD, "002_bad": BAD, "003_after": "CREATE TABLE after_t (id int);" });

    const err = await applyMigrations(db.url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    const failure = err as MigrationError;
    expect(failure.code).toBe("MIGRATION_FAILED");
    expect(failure.migration).toBe("002_bad");
    expect(failure.message).toContain("002_bad");
    expect(failure.message).toContain('relation "does_not_exist" does not exist');
    expect(failure.details.sqlState).toBe("42P01");
    expect(failure.details.line).toBe(2);

    // The good one stays; the bad one's first statement left nothing behind; nothing after it ran.
    expect(await tableExists(db, "good_t")).toBe(true);
    expect((await db.pool.query("SELECT good_fn() AS v")).rows[0].v).toBe(1);
    expect(await tableExists(db, "bad_first")).toBe(false);
    expect(await tableExists(db, "after_t")).toBe(false);
    expect((await history(db)).map((r) => r.migration_name)).toEqual(["001_good"]);
    expect(await migrationStatus(db.url, { migrationsDir: dir })).toEqual({
      applied: ["001_good"],
      pending: ["002_bad", "003_after"],
      modified: [],
      failed: [],
      unknown: [],
    });

    // Fixing the file is enough to continue.
    writeMigration(dir, "002_bad", "CREATE TABLE bad_first (id int);");
    expect(await applyMigrations(db.url, { migrationsDir: dir })).toEqual({ applied: ["002_bad", "003_after"] });
  });

  test("an applied migration edited afterwards is reported and blocks apply; CRLF conversion is not an edit", async () => {
    const db = await emptyDatabase();
    const dir = migrationsDir({ "001_good": GOOD, "002_next": "CREATE TABLE next_t (id int);\n" });
    await applyMigrations(db.url, { migrationsDir: dir });

    writeMigration(dir, "001_good", GOOD.replaceAll("\n", "\r\n")); // git autocrlf on Windows
    writeMigration(dir, "003_new", "CREATE TABLE new_t (id int);");
    expect((await migrationStatus(db.url, { migrationsDir: dir })).modified).toEqual([]);
    expect(checksumMatches(GOOD.replaceAll("\n", "\r\n"), sha256(GOOD))).toBe(true);

    writeMigration(dir, "002_next", "CREATE TABLE next_t (id bigint);\n");
    const status = await migrationStatus(db.url, { migrationsDir: dir });
    expect(status).toMatchObject({ modified: ["002_next"], pending: ["003_new"] });
    const err = await applyMigrations(db.url, { migrationsDir: dir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "MIGRATION_MODIFIED", migration: "002_next" });
    expect((err as Error).message).toContain("002_next");
    expect(await tableExists(db, "new_t")).toBe(false);
  });

  test("a failed attempt recorded by Prisma blocks apply until it is resolved", async () => {
    const db = await emptyDatabase();
    const dir = migrationsDir({ "001_good": GOOD, "002_next": "CREATE TABLE next_t (id int);" });
    await applyMigrations(db.url, { migrationsDir: migrationsDir({ "001_good": GOOD }) });
    // What Prisma's engine leaves after a failed script: started, never finished, not rolled back.
    await db.pool.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, applied_steps_count)
       VALUES (gen_random_uuid()::text, $1, '002_next', 'Database error code: 42P01', now(), 0)`,
      [sha256("CREATE TABLE next_t (id int);")],
    );
    expect(await migrationStatus(db.url, { migrationsDir: dir })).toMatchObject({ failed: ["002_next"], pending: ["002_next"] });
    await expect(applyMigrations(db.url, { migrationsDir: dir })).rejects.toMatchObject({
      code: "MIGRATION_BLOCKED",
      migration: "002_next",
    });

    // `prisma migrate resolve --rolled-back 002_next` sets rolled_back_at; then it is simply pending.
    await db.pool.query(`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE finished_at IS NULL`);
    expect(await applyMigrations(db.url, { migrationsDir: dir })).toEqual({ applied: ["002_next"] });
    expect((await migrationStatus(db.url, { migrationsDir: dir })).failed).toEqual([]);
  });

  test("two concurrent runners apply each migration exactly once", async () => {
    const db = await emptyDatabase();
    const dir = migrationsDir({
      "001_slow": "SELECT pg_sleep(0.3); CREATE TABLE slow_t (id int);", // keeps the lock long enough to overlap
      "002_good": GOOD,
      "003_after": "CREATE TABLE after_t (id int);",
    });
    const [a, b] = await Promise.all([applyMigrations(db.url, { migrationsDir: dir }), applyMigrations(db.url, { migrationsDir: dir })]);
    expect([...a.applied, ...b.applied].sort()).toEqual(["001_slow", "002_good", "003_after"]);
    expect((await history(db)).map((r) => r.migration_name)).toEqual(["001_slow", "002_good", "003_after"]);
  });

  test("a folder without migration.sql is rejected before anything runs", async () => {
    const db = await emptyDatabase();
    const dir = migrationsDir({ "001_good": GOOD });
    mkdirSync(path.join(dir, "002_empty"));
    await expect(applyMigrations(db.url, { migrationsDir: dir })).rejects.toMatchObject({
      code: "MIGRATION_INVALID",
      migration: "002_empty",
    });
    expect(await tableExists(db, "good_t")).toBe(false);
  });
});

describe("embedded PGlite with pgvector", () => {
  test("the real migrations apply from scratch and enable pgvector", async () => {
    const db = await createVectorTestDatabase({ empty: true });
    onTestFinished(() => db.close());
    const names = (await readMigrations()).map((m) => m.name);

    expect(await applyMigrations(db.url)).toEqual({ applied: names });
    expect(await applyMigrations(db.url)).toEqual({ applied: [] });
    expect((await migrationStatus(db.url)).pending).toEqual([]);
    const { rows } = await db.pool.query(`SELECT extname FROM pg_extension WHERE extname = 'vector'`);
    expect(rows).toEqual([{ extname: "vector" }]);
    const { rows: distance } = await db.pool.query(`SELECT '[1,2,3]'::vector <-> '[1,2,5]'::vector AS d`);
    expect(distance[0].d).toBe(2);
  });

  test("createVectorTestDatabase() is already migrated, and the runner works against it", async () => {
    const db = await createVectorTestDatabase();
    onTestFinished(() => db.close());
    const names = (await readMigrations()).map((m) => m.name);
    expect(await migrationStatus(db.url)).toEqual({ applied: names, pending: [], modified: [], failed: [], unknown: [] });

    const dir = migrationsDir({ "001_good": GOOD, "002_bad": BAD });
    await expect(applyMigrations(db.url, { migrationsDir: dir })).rejects.toMatchObject({ code: "MIGRATION_FAILED" });
  });

  test("failure rollback and concurrent runners on PGlite's shared session", async () => {
    const db = await createVectorTestDatabase({ empty: true });
    onTestFinished(() => db.close());
    const dir = migrationsDir({ "001_good": GOOD, "002_bad": BAD });
    await expect(applyMigrations(db.url, { migrationsDir: dir })).rejects.toMatchObject({
      code: "MIGRATION_FAILED",
      migration: "002_bad",
    });
    expect(await tableExists(db, "good_t")).toBe(true);
    expect(await tableExists(db, "bad_first")).toBe(false);

    writeMigration(dir, "002_bad", "CREATE TABLE bad_first (id int);");
    writeMigration(dir, "003_after", "CREATE TABLE after_t (id int);");
    const [a, b] = await Promise.all([applyMigrations(db.url, { migrationsDir: dir }), applyMigrations(db.url, { migrationsDir: dir })]);
    expect([...a.applied, ...b.applied].sort()).toEqual(["002_bad", "003_after"]);
    expect((await history(db)).map((r) => r.migration_name)).toEqual(["001_good", "002_bad", "003_after"]);
  });
});
