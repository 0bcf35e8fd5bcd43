// Start-up failures read like the configuration errors (issue 8, item 6): the real entry point, one
// plain line on stderr saying what is wrong and what to do, no JSON log line or stack trace, exit 1,
// and never the password from DATABASE_URL. Plus the first embedded start: progress, the lock on the
// data folder, the vault key kept in it.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { inject } from "vitest";
import { startEmbeddedPostgres } from "../src/db/embedded.ts";
import { applyMigrations } from "../src/db/migrate.ts";
import { seedDemoData } from "../src/db/seed/index.ts";
import { describeStartupError } from "../src/startup.ts";
import { ensureEmbeddedVaultKey, VaultKeyFileError } from "../src/vault/key-file.ts";
import { bannerUrl, runEntryPoint, type EntryRun } from "./support/entry-point.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const SECRET = "test-secret-for-the-hotdash-gateway-suite-0123456789";
const PASSWORD = "hunter2-do-not-print";

/** Listens on a free loopback port; `silent` accepts connections and never answers (an unreachable host). */
async function holdPort(silent = false): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    if (!silent) socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Exactly one non-empty line on stderr, plain text (no JSON log line, no stack), and exit code 1. */
function expectOnePlainLine(run: EntryRun, pattern: RegExp): void {
  const output = run.stdout + run.stderr;
  const lines = run.stderr.split("\n").filter((l) => l.trim() !== "");
  expect(run.code, output).toBe(1);
  expect(lines, output).toHaveLength(1);
  expect(lines[0]).toMatch(/^Cannot start: /);
  expect(lines[0]).toMatch(pattern);
  expect(output).not.toMatch(/"level":"error"|\n\s+at /);
  expect(output).not.toContain(PASSWORD);
}

const start = (env: Record<string, string>) => runEntryPoint({ SUPABASE_JWT_SECRET: SECRET, PORT: "0", ...env });

describe("start-up failures are one plain line and exit 1", () => {
  const isServer = inject("testDatabase").kind !== "pglite";
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    if (isServer) db = await createTestDatabase();
  });
  afterAll(() => db?.close());

  /** The test database's URL with a password, and optionally another user or database. */
  const urlWith = (change: { user?: string; database?: string }) => {
    const u = new URL(db!.url);
    u.password = PASSWORD;
    if (change.user) u.username = change.user;
    if (change.database) u.pathname = `/${change.database}`;
    return u.toString();
  };

  test("a refused connection", async () => {
    const run = await start({ DATABASE_URL: `postgres://postgres:${PASSWORD}@127.0.0.1:1/hotdash` });
    expectOnePlainLine(run, /Cannot connect to PostgreSQL at 127\.0\.0\.1:1: connection refused\. Start PostgreSQL/);
  });

  test("a host that never answers, within DB_CONNECT_TIMEOUT_MS", async () => {
    const blackhole = await holdPort(true);
    try {
      const run = await start({ DATABASE_URL: `postgres://postgres:${PASSWORD}@127.0.0.1:${blackhole.port}/hotdash`, DB_CONNECT_TIMEOUT_MS: "500" });
      expectOnePlainLine(
        run,
        new RegExp(`Cannot reach PostgreSQL at 127\\.0\\.0\\.1:${blackhole.port}: no answer within 500 ms \\(DB_CONNECT_TIMEOUT_MS\\)`),
      );
    } finally {
      await blackhole.close();
    }
  });

  test("a port already in use, reported before the database is even tried", async () => {
    const held = await holdPort();
    try {
      // The database is unreachable too: the port must be the problem reported, i.e. checked first.
      const run = await start({ PORT: String(held.port), DATABASE_URL: `postgres://postgres:${PASSWORD}@127.0.0.1:1/hotdash` });
      expectOnePlainLine(run, new RegExp(`Port ${held.port} on 127\\.0\\.0\\.1 is already in use.*set PORT to a free port`));
    } finally {
      await held.close();
    }
  });

  test.runIf(isServer)("a database that does not exist (3D000)", async () => {
    const run = await start({ DATABASE_URL: urlWith({ database: "hotdash_no_such_database" }) });
    expectOnePlainLine(
      run,
      /Database "hotdash_no_such_database" does not exist on PostgreSQL at .*Create it \(createdb .*\), or fix the database name in DATABASE_URL/,
    );
  });

  test.runIf(isServer)("credentials the server refuses", async () => {
    const run = await start({ DATABASE_URL: urlWith({ user: "hotdash_no_such_user" }) });
    expectOnePlainLine(run, /refused user "hotdash_no_such_user": .*Fix the user in DATABASE_URL/);
  });
});

describe("the embedded database", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "hotdash-start-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test(
    "first start shows progress and keeps a vault key; a second start on the same DATA_DIR is refused; a restart reuses the key",
    { timeout: 180_000 },
    async () => {
      const env = { DATA_DIR: dataDir, PORT: "0" };
      const first = await runEntryPoint(env, { until: /HotDash Gateway is running/, timeoutMs: 150_000 });
      try {
        expect(first.code, first.stdout + first.stderr).toBeNull();
        // Progress: the database being created, each migration, the demo data.
        expect(first.stdout).toMatch(/Creating the embedded database in .*first start/);
        expect(first.stdout).toMatch(/Applying \d+ database migrations…/);
        expect(first.stdout).toMatch(/\[1\/\d+\] 20251020000000_init/);
        expect(first.stdout).toMatch(/Loaded the demo data \(\d+ rows ending \d{4}-\d{2}-\d{2}\)/);
        // The vault works out of the box, with a key generated once and kept in the data folder.
        const keyFile = path.join(dataDir, "vault.key");
        expect(first.stdout).toMatch(new RegExp(`Vault\\s+key [0-9a-f]{16} generated and kept in ${keyFile.replaceAll("/", "\\/")}`));
        expect(statSync(keyFile).mode & 0o777).toBe(0o600);
        const key = readFileSync(keyFile, "utf8");
        expect(Buffer.from(key.trim(), "base64")).toHaveLength(32);
        const ready = await fetch(new URL("/ready", bannerUrl(first)));
        expect(ready.status).toBe(200);

        const second = await runEntryPoint(env, { timeoutMs: 60_000 });
        const lines = second.stderr.split("\n").filter((l) => l.trim() !== "");
        expect(second.code, second.stdout + second.stderr).toBe(1);
        expect(lines).toEqual([
          expect.stringMatching(
            new RegExp(
              `^Cannot start: The embedded database in .* is in use by another process \\(pid ${first.child.pid}\\).*Stop that process, or set DATA_DIR`,
            ),
          ),
        ]);
        expect(readFileSync(keyFile, "utf8")).toBe(key);
      } finally {
        await first.stop();
      }

      const restart = await runEntryPoint(env, { until: /HotDash Gateway is running/, timeoutMs: 60_000 });
      try {
        expect(restart.stdout).not.toMatch(/Applying|Loaded the demo data/);
        expect(restart.stdout).toMatch(/Vault\s+key [0-9a-f]{16} kept in /);
        expect(/Vault\s+key ([0-9a-f]{16})/.exec(restart.stdout)?.[1]).toBe(/Vault\s+key ([0-9a-f]{16})/.exec(first.stdout)?.[1]);
      } finally {
        await restart.stop();
      }
    },
  );
});

describe("the embedded demo on a later start", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "hotdash-stale-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test("demo data loaded 60 days ago is moved to today at start: the tiles read live figures", { timeout: 180_000 }, async () => {
    // A data folder as the first start left it, two months ago.
    const pglite = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "pglite") });
    try {
      await applyMigrations(pglite.url);
      await seedDemoData(pglite.url, { now: new Date(Date.now() - 60 * 86_400_000) });
    } finally {
      await pglite.stop();
    }

    const run = await runEntryPoint({ DATA_DIR: dataDir, PORT: "0" }, { until: /HotDash Gateway is running/, timeoutMs: 150_000 });
    try {
      expect(run.stdout, run.stdout + run.stderr).toMatch(/Moved the demo data 60 days forward/);
      const token = /authenticated \(sub [^)]*\):\s+(\S+)/.exec(run.stdout)![1];
      const res = await fetch(bannerUrl(run)!, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: "{ dashboard { revenue { totalCents } supportQueue { pendingCount expiringWithinHourCount } } }" }),
      });
      const body = (await res.json()) as { data: { dashboard: { revenue: { totalCents: string }; supportQueue: { pendingCount: number } } } };
      expect(BigInt(body.data.dashboard.revenue.totalCents)).toBeGreaterThan(0n);
      expect(body.data.dashboard.supportQueue.pendingCount).toBeGreaterThan(0);
    } finally {
      await run.stop();
    }
  });
});

describe("describeStartupError", () => {
  const context = { host: "127.0.0.1", port: 4000, databaseUrl: `postgres://app:${PASSWORD}@db.internal:6543/shop`, connectTimeoutMs: 5000 };
  const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

  test("names host, port, database and user, never the password", () => {
    const lines = [
      describeStartupError(pgError("28P01", 'password authentication failed for user "app"'), context),
      describeStartupError(pgError("3D000", 'database "shop" does not exist'), context),
      describeStartupError(new Error("Connection terminated due to connection timeout"), context),
      describeStartupError(Object.assign(new Error("getaddrinfo ENOTFOUND db.internal"), { code: "ENOTFOUND" }), context),
    ];
    expect(lines).toEqual([
      'PostgreSQL at db.internal:6543 rejected the password for user "app". Fix the user name or password in DATABASE_URL.',
      'Database "shop" does not exist on PostgreSQL at db.internal:6543. Create it (createdb -h db.internal -p 6543 -U app shop), or fix the database name in DATABASE_URL.',
      "Cannot reach PostgreSQL at db.internal:6543: no answer within 5000 ms (DB_CONNECT_TIMEOUT_MS). Check the host and port in DATABASE_URL, the network and any firewall.",
      'Cannot resolve the database host "db.internal". Check the host name in DATABASE_URL and this machine\'s DNS.',
    ]);
    for (const line of lines) expect(line).not.toContain(PASSWORD);
  });

  test("an unexpected error is not dressed up: null, so its stack trace is logged", () => {
    expect(describeStartupError(new TypeError("x is not a function"), context)).toBeNull();
  });
});

describe("the embedded vault key file", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "hotdash-key-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("is created once (0600) and then reused; a loosened mode is tightened", () => {
    const created = ensureEmbeddedVaultKey(dir);
    expect(created.created).toBe(true);
    expect(statSync(created.file).mode & 0o777).toBe(0o600);
    chmodSync(created.file, 0o644);
    const again = ensureEmbeddedVaultKey(dir);
    expect(again).toEqual({ key: created.key, file: created.file, created: false });
    expect(statSync(created.file).mode & 0o777).toBe(0o600);
  });

  test("a damaged file stops the start with one line instead of silently replacing the key", () => {
    writeFileSync(path.join(dir, "vault.key"), "not a key\n");
    expect(() => ensureEmbeddedVaultKey(dir)).toThrow(VaultKeyFileError);
    try {
      ensureEmbeddedVaultKey(dir);
    } catch (err) {
      expect(describeStartupError(err, { host: "127.0.0.1", port: 4000 })).toMatch(
        /^The vault key file .*vault\.key does not hold a 32-byte base64 key\. Restore it/,
      );
    }
    expect(readFileSync(path.join(dir, "vault.key"), "utf8")).toBe("not a key\n");
  });
});
