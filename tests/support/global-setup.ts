// Vitest global setup: decides once per run where test databases come from and prepares ONE migrated
// template, which every test file then copies (tests/support/test-database.ts). Order of preference:
//   1. TEST_DATABASE_URL (any PostgreSQL where that user may CREATE DATABASE)
//   2. the PostgreSQL server on 127.0.0.1:5432 (user postgres)
//   3. a testcontainers PostgreSQL, only when a Docker engine is reachable
//   4. embedded PGlite (a migrated dumpDataDir() snapshot)
// TEST_DATABASE=pglite skips 1-3 (to exercise the embedded path on a machine that has a server).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { pgliteSnapshot } from "../../src/db/embedded.ts";
import { applyMigrations } from "../../src/db/migrate.ts";
import type { TestDatabaseSource } from "./context.ts";
import { databaseUrl, dropDatabase, quoteIdent, withAdmin } from "./server.ts";
import { isAlive } from "../../src/lib/process.ts";

const LOCAL_URL = "postgres://postgres@127.0.0.1:5432/postgres";

const log = (message: string) => console.log(`[test-db] ${message}`);

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function startContainer(): Promise<{ url: string; stop: () => Promise<void> } | null> {
  if (!process.env.DOCKER_HOST && !existsSync("/var/run/docker.sock")) return null;
  try {
    // Lazy: testcontainers costs ~0.3 s to import and is useless without a Docker engine.
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const container = await new PostgreSqlContainer("postgres:15-alpine").start();
    return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) };
  } catch (err) {
    log(`testcontainers unavailable (${(err as Error).message.split("\n")[0]}); falling back to PGlite`);
    return null;
  }
}

const isLocalHost = (url: string) => ["127.0.0.1", "localhost", "[::1]"].includes(new URL(url).hostname);

/** Drops databases left by earlier runs on this machine that were killed before their teardown. */
async function sweepDeadRuns(adminUrl: string): Promise<void> {
  const { rows } = await withAdmin(adminUrl, (c) =>
    c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname ~ '^hd_(tpl|test)_[0-9]+'`),
  );
  for (const { datname } of rows) {
    const pid = Number(/^hd_(?:tpl|test)_(\d+)/.exec(datname)?.[1]);
    if (pid && !isAlive(pid)) await dropDatabase(adminUrl, datname).catch(() => {});
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), "hd-test-db-"));
  const cleanups: Array<() => Promise<void>> = [
    () =>
      new Promise<void>((resolve) => {
        rmSync(cacheDir, { recursive: true, force: true });
        resolve();
      }),
  ];
  const teardown = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => log(`cleanup failed: ${err}`));
  };

  try {
    let adminUrl: string | undefined;
    let origin: "TEST_DATABASE_URL" | "local" | "testcontainers" | undefined;
    if (process.env.TEST_DATABASE === "pglite") {
      // forced embedded path
    } else if (process.env.TEST_DATABASE_URL) {
      adminUrl = process.env.TEST_DATABASE_URL;
      origin = "TEST_DATABASE_URL";
    } else if (await reachable(LOCAL_URL)) {
      adminUrl = LOCAL_URL;
      origin = "local";
    } else {
      const container = await startContainer();
      if (container) {
        cleanups.push(container.stop);
        adminUrl = container.url;
        origin = "testcontainers";
      }
    }

    let source: TestDatabaseSource;
    if (adminUrl && origin) {
      const template = `hd_tpl_${process.pid}`;
      const testPrefix = `hd_test_${process.pid}_`;
      if (isLocalHost(adminUrl)) await sweepDeadRuns(adminUrl);
      await dropDatabase(adminUrl, template);
      await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(template)} TEMPLATE template0`));
      cleanups.push(async () => {
        // Sweep test databases whose file never reached its own cleanup (crashed worker), then the template.
        const { rows } = await withAdmin(adminUrl, (c) =>
          c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [testPrefix]),
        );
        for (const { datname } of rows) await dropDatabase(adminUrl, datname);
        await dropDatabase(adminUrl, template);
      });
      const started = Date.now();
      await applyMigrations(databaseUrl(adminUrl, template));
      log(`${origin} PostgreSQL; template ${template} migrated in ${Date.now() - started} ms`);
      source = { kind: "server", origin, adminUrl, template, testPrefix, cacheDir };
    } else {
      const started = Date.now();
      const { file } = await pgliteSnapshot({ cacheDir });
      log(
        `embedded PGlite (${process.env.TEST_DATABASE === "pglite" ? "forced by TEST_DATABASE=pglite" : "no PostgreSQL server reachable"}); snapshot built in ${Date.now() - started} ms`,
      );
      source = { kind: "pglite", origin: "pglite", snapshotFile: file!, cacheDir };
    }
    project.provide("testDatabase", source);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
