// Agent keys end to end: made with the real CLI (npm run agent-key), used through the real gateway
// (Bearer and apikey), attributed to their agent whatever the input says, listed, revoked (the next
// request is refused on this instance and on a second one that had the key cached), expired, and a
// live stream ending when its key is revoked.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { AgentKeyVerifier } from "../src/auth/agent-keys.ts";
import { withRls } from "../src/db/rls.ts";
import { startTestGateway, type TestGateway } from "./support/gateway.ts";
import { openSse } from "./support/sse.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const run = promisify(execFile);
const onServer = inject("testDatabase").kind !== "pglite";

let db: TestDatabase;
let a: TestGateway;
let b: TestGateway; // a second instance on the same database

beforeAll(async () => {
  db = await createTestDatabase();
  [a, b] = await Promise.all([startTestGateway({ databaseUrl: db.url, events: {} }), startTestGateway({ databaseUrl: db.url, events: {} })]);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.close();
});

/** Runs the CLI as an operator would, against the test database. */
async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run("npx", ["tsx", "scripts/agent-key.ts", ...args], { env: { ...process.env, DATABASE_URL: db.url }, timeout: 60_000 });
}
async function createKey(agent: string, ...extra: string[]): Promise<{ key: string; id: string }> {
  const { stdout } = await cli("create", agent, ...extra);
  const lines = stdout.trim().split("\n");
  const key = lines.at(-1)!;
  const id = /\b(ak_[0-9a-f]{12})\b/.exec(stdout)![1];
  return { key, id };
}

const VIEWER = `{ viewer { role subject } }`;
const SUBMIT = `mutation($input: SubmitAgentApprovalInput!) { submitAgentApproval(input: $input) { id agent } }`;
const LOG = `mutation($input: LogDecisionInput!) { logDecision(input: $input) { actor } }`;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

let support: { key: string; id: string };

describe("create and use", () => {
  beforeAll(async () => {
    support = await createKey("support-bot");
  }, 60_000);

  test("the CLI prints an hdk_ key (32 random bytes, base64url) as its last line; the database keeps only its SHA-256 hash", async () => {
    expect(support.key).toMatch(/^hdk_[A-Za-z0-9_-]{43}$/);
    const { rows } = await db.pool.query(`SELECT * FROM agent_keys WHERE id = $1`, [support.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].agent).toBe("support-bot");
    expect(Buffer.from(rows[0].key_hash).equals(createHash("sha256").update(support.key).digest())).toBe(true);
    expect(JSON.stringify(rows[0])).not.toContain(support.key.slice(4));
  });

  test("Bearer and apikey both authenticate as service_role with the agent's subject", async () => {
    for (const headers of [bearer(support.key), { apikey: support.key }]) {
      const res = await a.gql(VIEWER, {}, { authorization: undefined, role: "anon", headers });
      expect(res.body.errors, JSON.stringify(res.body)).toBeUndefined();
      expect(res.body.data.viewer).toEqual({ role: "service_role", subject: "agent:support-bot" });
    }
  });

  test("PostgreSQL receives the agent in the request's claims", async () => {
    const viewer = await new AgentKeyVerifier(a.database.prisma).verify(support.key);
    const claims = await withRls(a.database.prisma, viewer, async (tx) => {
      const [row] = await tx.$queryRaw<Array<{ claims: string }>>`SELECT current_setting('request.jwt.claims') AS claims`;
      return JSON.parse(row.claims);
    });
    expect(claims).toMatchObject({ role: "service_role", sub: "agent:support-bot", agent: "support-bot", key_id: support.id });
  });

  test("an approval's agent and a DecisionLog actor come from the key, not from the input", async () => {
    const submitted = await a.gql(
      SUBMIT,
      { input: { kind: "refund", summary: "Refund", agent: "some-other-agent", conversationId: "c-1" } },
      { role: "anon", headers: bearer(support.key) },
    );
    expect(submitted.body.errors).toBeUndefined();
    expect(submitted.body.data.submitAgentApproval.agent).toBe("support-bot");

    const logged = await a.gql(LOG, { input: { scope: "cx", action: "reply.sent", actor: "alice" } }, { role: "anon", headers: bearer(support.key) });
    expect(logged.body.errors, JSON.stringify(logged.body)).toBeUndefined();
    expect(logged.body.data.logDecision.actor).toBe("agent:support-bot");

    // A plain service_role token still names the agent itself, as before.
    expect(
      (await a.data(SUBMIT, { input: { kind: "k", summary: "s", agent: "named-agent", conversationId: "c-2" } })).submitAgentApproval.agent,
    ).toBe("named-agent");
  });

  test("unknown, malformed and foreign keys get 401 UNKNOWN_KEY; a non-agent apikey is ignored", async () => {
    const unknown = `hdk_${"A".repeat(43)}`;
    for (const headers of [bearer(unknown), { apikey: unknown }, bearer("hdk_short")]) {
      const res = await a.gql(VIEWER, {}, { role: "anon", headers });
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "UNKNOWN_KEY" });
    }
    // Supabase clients send their project key as apikey on every request: not an agent key, not an error.
    const anon = await a.gql(VIEWER, {}, { role: "anon", headers: { apikey: "sb_publishable_x" } });
    expect(anon.body.data.viewer.role).toBe("anon");
    // Two different credentials at once are refused rather than guessed between.
    const both = await a.gql(
      VIEWER,
      {},
      { role: "anon", headers: { apikey: support.key, authorization: `Bearer ${await a.token("authenticated")}` } },
    );
    expect(both.status).toBe(401);
  });

  test("a key costs at most one indexed read per request, none while the cache is live; malformed keys none at all", async () => {
    const statements = async (headers: Record<string, string>) => {
      const before = a.database.statementCount();
      await a.gql(VIEWER, {}, { role: "anon", headers });
      return a.database.statementCount() - before;
    };
    await statements(bearer(support.key)); // warm: cached, last use recorded
    const jwt = await statements({ authorization: `Bearer ${await a.token("service_role")}` });
    expect(await statements(bearer(support.key))).toBe(onServer ? jwt : jwt + 1);
    expect(await statements(bearer("hdk_not-even-the-right-length"))).toBe(0);
    const unknown = bearer(`hdk_${"B".repeat(43)}`);
    expect(await statements(unknown)).toBe(1);
    expect(await statements(unknown)).toBe(onServer ? 0 : 1); // remembered as unknown until a key changes
  });

  test("list shows agent, key id, state, expiry and last use (never the key)", async () => {
    const { stdout } = await cli("list");
    const line = stdout.split("\n").find((l) => l.includes(support.id))!;
    expect(line).toMatch(/^support-bot\s+ak_[0-9a-f]{12}\s+active\s+\S+Z\s+-\s+-\s+\S+Z$/); // created, no expiry, not revoked, used
    expect(stdout).not.toContain("hdk_");
  }, 60_000);
});

describe("revoke and expire", () => {
  test("a revoked key is refused on the next request, on this instance and on another one that had it cached", async () => {
    const { key, id } = await createKey("inventory-bot");
    // Both instances have verified (and, where they can, cached) the key.
    for (const gw of [a, b])
      expect((await gw.gql(VIEWER, {}, { role: "anon", headers: bearer(key) })).body.data.viewer.subject).toBe("agent:inventory-bot");

    const { stdout } = await cli("revoke", id);
    expect(stdout).toContain(`Revoked ${id}`);
    for (const gw of [a, b]) {
      const res = await gw.gql(VIEWER, {}, { role: "anon", headers: bearer(key) });
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "KEY_REVOKED" });
    }
    // Revoking by agent name, when nothing active is left, says so.
    await expect(cli("revoke", "inventory-bot")).rejects.toMatchObject({ stderr: expect.stringContaining("NOT_FOUND") });
  }, 120_000);

  test("a key past its --expires is refused with KEY_EXPIRED", async () => {
    const { key } = await createKey("short-lived-bot", "--expires", String(3 / 86_400)); // 3 s
    expect((await a.gql(VIEWER, {}, { role: "anon", headers: bearer(key) })).body.data.viewer.subject).toBe("agent:short-lived-bot");
    await new Promise((r) => setTimeout(r, 3_500));
    const res = await a.gql(VIEWER, {}, { role: "anon", headers: bearer(key) });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "KEY_EXPIRED" });
  }, 60_000);

  test("the caches are used only while every key change is heard", () => {
    expect(a.events!.hearsEveryKeyChange()).toBe(onServer);
  });
});

describe("streams end when their key is revoked", () => {
  test("an agent's live stream ends with UNAUTHENTICATED / KEY_REVOKED and gets nothing after", async () => {
    const { key, id } = await createKey("watcher-bot");
    const stream = await openSse(b.url, `subscription { approvalQueueEvents { event approval { summary } } }`, bearer(key));
    try {
      expect(stream.status).toBe(200);
      await b.data(SUBMIT, { input: { kind: "k", summary: "while valid", agent: "x", conversationId: "c" } });
      expect((await stream.next()).data.approvalQueueEvents.approval.summary).toBe("while valid");

      await cli("revoke", id);
      // At once through NOTIFY; at the latest at the 30 s re-check.
      const ended = await stream.next(40_000);
      expect(ended.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "KEY_REVOKED" });
      await b.data(SUBMIT, { input: { kind: "k", summary: "after revocation", agent: "x", conversationId: "c" } });
      expect(await stream.quietFor(1_500)).toBe(true);
      await stream.ended;
    } finally {
      stream.close();
    }
  }, 120_000);
});
