// Per-test-file databases. Each call makes a fresh database that no other file sees, so files can run
// in parallel. Typical use:
//
//   let db: TestDatabase;
//   beforeAll(async () => { db = await createTestDatabase(); });
//   afterAll(() => db?.close());
//
// createTestDatabase(): copy of the migrated template on the chosen server (or a PGlite clone).
// createVectorTestDatabase(): always embedded PGlite with pgvector, migrated (knowledge/pgvector tests).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createEphemeralPglite, openPgliteSnapshot, type EmbeddedDatabase } from "../../src/db/embedded.ts";
import "./context.ts";
import { createDatabaseFrom, databaseUrl, dropDatabase } from "./server.ts";

export interface TestDatabase {
  /** Connect anything here: pg, @prisma/adapter-pg, applyMigrations, the server under test. */
  url: string;
  /** A pool on `url`, ended by close(). */
  pool: pg.Pool;
  /** "server": a real PostgreSQL database; "pglite": embedded PGlite (one shared session, pgvector). */
  kind: "server" | "pglite";
  /** Ends the pool and drops/stops the database. Close your own clients first. Idempotent. */
  close(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** A pristine database without migrations (for migration tests). Default false. */
  empty?: boolean;
}

function withPool(url: string, kind: TestDatabase["kind"], dispose: () => Promise<void>): TestDatabase {
  const pool = new pg.Pool({ connectionString: url, max: 5 });
  // An idle client losing its connection (database dropped, server stopped) must not crash the worker.
  pool.on("error", () => {});
  let closing: Promise<void> | undefined;
  return {
    url,
    pool,
    kind,
    close: () =>
      (closing ??= (async () => {
        try {
          await pool.end();
        } finally {
          await dispose();
        }
      })()),
  };
}

const fromPglite = (db: EmbeddedDatabase) => withPool(db.url, "pglite", db.stop);

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const source = inject("testDatabase");
  if (source.kind === "pglite") {
    return fromPglite(
      options.empty ? await createEphemeralPglite({ migrate: false, cacheDir: source.cacheDir }) : await openPgliteSnapshot(source.snapshotFile),
    );
  }
  const name = `${source.testPrefix}${randomBytes(6).toString("hex")}`;
  await createDatabaseFrom(source.adminUrl, name, options.empty ? "template0" : source.template);
  return withPool(databaseUrl(source.adminUrl, name), "server", () => dropDatabase(source.adminUrl, name));
}

export async function createVectorTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const { cacheDir } = inject("testDatabase");
  return fromPglite(await createEphemeralPglite({ migrate: !options.empty, cacheDir }));
}
