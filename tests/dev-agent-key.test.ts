// The embedded demo prints a ready-made development agent key next to its tokens: kept in the data
// folder (0600) so it survives restarts, made anew when revoked, and only its hash in the database.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEV_AGENT_NAME, ensureDevAgentKey, revokeAgentKeys } from "../src/auth/agent-keys.ts";
import { createDatabase, type Database } from "../src/db/client.ts";
import { bannerUrl, runEntryPoint } from "./support/entry-point.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

describe("ensureDevAgentKey", () => {
  let db: TestDatabase;
  let database: Database;
  let dataDir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    database = createDatabase(db.url, { poolMax: 2 });
    dataDir = mkdtempSync(path.join(os.tmpdir(), "hotdash-agent-key-"));
  });
  afterAll(async () => {
    await database?.close();
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("made once and kept in the data folder; the same key on the next start; a new one once revoked", async () => {
    const first = await ensureDevAgentKey(database.prisma, dataDir);
    expect(first).toMatchObject({ agent: DEV_AGENT_NAME, created: true, file: path.join(dataDir, "agent.key") });
    expect(readFileSync(first.file, "utf8").trim()).toBe(first.key);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);

    expect(await ensureDevAgentKey(database.prisma, dataDir)).toMatchObject({ key: first.key, id: first.id, created: false });

    await revokeAgentKeys(database.prisma, first.id);
    const renewed = await ensureDevAgentKey(database.prisma, dataDir);
    expect(renewed.created).toBe(true);
    expect(renewed.key).not.toBe(first.key);
    expect(readFileSync(first.file, "utf8").trim()).toBe(renewed.key);
  });
});

describe("npm start in embedded mode", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "hotdash-start-agent-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test("prints a development agent key that works against the gateway it started", { timeout: 180_000 }, async () => {
    const run = await runEntryPoint({ DATA_DIR: dataDir, PORT: "0" }, { until: /Development agent key[\s\S]*\n\s+hdk_\S+\n/, timeoutMs: 150_000 });
    try {
      expect(run.code, run.stdout + run.stderr).toBeNull();
      const key = /\n\s+(hdk_[A-Za-z0-9_-]{43})\n/.exec(run.stdout)![1];
      expect(run.stdout).toContain(`agent ${DEV_AGENT_NAME}`);
      const res = await fetch(bannerUrl(run)!, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: "{ viewer { role subject } }" }),
      });
      expect(await res.json()).toEqual({ data: { viewer: { role: "service_role", subject: `agent:${DEV_AGENT_NAME}` } } });
    } finally {
      await run.stop();
    }
  });
});
