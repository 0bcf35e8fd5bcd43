// Database CLI: `tsx scripts/db.ts migrate|status|seed|summaries` (npm run db:migrate / db:status / db:seed / db:summaries).
// Uses DATABASE_LISTEN_URL (the session connection, when DATABASE_URL goes through a transaction-mode
// pooler: migrations hold a session-level advisory lock) or DATABASE_URL when set, otherwise the
// embedded PGlite in .data/pglite.
import pg from "pg";
import { openDatabase } from "../src/db/open.ts";
import { databaseLocation } from "../src/config.ts";
import { applyMigrations, migrationStatus } from "../src/db/migrate.ts";
import { describeStartupError } from "../src/startup.ts";

const USAGE = "usage: tsx scripts/db.ts migrate|status|seed|summaries";

async function run(command: string, url: string): Promise<number> {
  switch (command) {
    case "migrate": {
      const { applied } = await applyMigrations(url, {
        onProgress: (e) => e.phase === "start" && console.error(`  [${e.index}/${e.total}] ${e.name}…`),
      });
      if (applied.length === 0) console.log("Database is up to date.");
      else {
        console.log(`Applied ${applied.length} migration${applied.length > 1 ? "s" : ""}:`);
        for (const name of applied) console.log(`  ${name}`);
      }
      return 0;
    }
    case "status": {
      const s = await migrationStatus(url);
      const section = (label: string, names: string[]) => {
        console.log(`${label} (${names.length})${names.length ? ":" : ""}`);
        for (const name of names) console.log(`  ${name}`);
      };
      section("applied", s.applied);
      section("pending", s.pending);
      section("modified after being applied", s.modified);
      section("failed", s.failed);
      if (s.unknown.length) section("in the database but not in prisma/migrations", s.unknown);
      const bad = s.pending.length + s.modified.length + s.failed.length + s.unknown.length;
      console.log(bad ? "Database is NOT up to date." : "Database is up to date.");
      return bad ? 1 : 0;
    }
    case "seed": {
      const s = await migrationStatus(url);
      if (s.pending.length + s.modified.length + s.failed.length) {
        throw Object.assign(new Error("migrations are not up to date; run `npm run db:migrate` (see `npm run db:status`)"), {
          code: "MIGRATIONS_PENDING",
        });
      }
      // Imported lazily (by URL, so the type-check does not require it) so migrate/status work without it.
      const { seedDemoData } = (await import(new URL("../src/db/seed/index.ts", import.meta.url).href)) as {
        seedDemoData: (databaseUrl: string) => Promise<unknown>;
      };
      const result = await seedDemoData(url);
      console.log(result === undefined ? "Seeded demo data." : `Seeded demo data: ${JSON.stringify(result)}`);
      return 0;
    }
    case "summaries": {
      // The dashboard summaries recomputed from their sources (docs/dashboard.md, "Summaries"): for writes
      // that went around the triggers. Idempotent; one transaction, so readers never see it half done.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const started = Date.now();
        await client.query("SELECT summaries.rebuild()");
        console.log(`Rebuilt the dashboard summaries in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
      } finally {
        await client.end();
      }
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

/** The variable the session URL came from. */
function urlVariable(): string {
  const { databaseUrl, sessionDatabaseUrl } = databaseLocation();
  return sessionDatabaseUrl !== databaseUrl ? "DATABASE_LISTEN_URL" : "DATABASE_URL";
}

async function main(): Promise<number> {
  const command = process.argv[2] ?? "";
  if (!["migrate", "status", "seed", "summaries"].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const { sessionDatabaseUrl, pgliteDataDir } = databaseLocation();
  const db = await openDatabase({ databaseUrl: sessionDatabaseUrl, dataDir: pgliteDataDir, migrateEmbedded: false });
  try {
    console.error(db.embedded ? `Using embedded PGlite (${db.url})` : `Using ${urlVariable()}`);
    return await run(command, db.url);
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: { code?: unknown; message?: string; toString(): string }) => {
    // One line: stable code first (MIGRATION_FAILED, ECONNREFUSED, 42P01, ...), then the cause, worded
    // like the gateway's start-up errors where it knows them (never echoing DATABASE_URL).
    const code = typeof err?.code === "string" ? err.code : "ERROR";
    const known = describeStartupError(err, {
      host: "",
      port: 0,
      databaseUrl: databaseLocation().sessionDatabaseUrl,
      databaseUrlName: urlVariable(),
    });
    console.error(`error [${code}] ${(known ?? err?.message ?? String(err)).replaceAll("\n", " ")}`);
    process.exit(1);
  },
);
