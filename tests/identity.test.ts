// Who is calling (issue 9), through the real gateway and, for the same caller, straight at PostgreSQL:
//   D1  an anonymous sign-in (role authenticated, is_anonymous: true) reads and decides nothing;
//   D3  operators do not read the vault's audit rows through decisionLogs;
//   D4  the audit trail cannot be forged: reserved scopes/actions are refused, every row names its
//       real caller, and an approval's auditTrail shows only what the database wrote;
//   D5  agents (service_role) submit, only operators decide;
//   DECISION_MIN_AAL=aal2: only multi-factor sessions decide, in both layers.
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";
import { signDevToken } from "../src/context/auth.ts";
import { applyMigrations, DEFAULT_MIGRATIONS_DIR } from "../src/db/migrate.ts";
import { sqlAs, sqlState } from "./support/sql-as.ts";
import { loadVaultKeys } from "../src/vault/index.ts";
import { configureVault } from "./support/vault.ts";
import { firstError, startTestGateway, TEST_JWT_SECRET, type GqlOptions, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

let db: TestDatabase;
let gw: TestGateway;
beforeAll(async () => {
  db = await createTestDatabase();
  gw = await startTestGateway({ databaseUrl: db.url });
  configureVault(loadVaultKeys({ CREDS_ENCRYPTION_KEY: randomBytes(32).toString("base64") }));
});
afterAll(async () => {
  await gw?.close();
  await db?.close();
});

const ANONYMOUS_SUB = "6b1c9b4e-0000-4000-8000-000000000001";
const ANONYMOUS_CLAIMS = { is_anonymous: true, amr: [{ method: "anonymous" }], aal: "aal1" };

/** An HTTP caller with extra claims on an authenticated (session) token. */
async function session(sub: string, claims: Record<string, unknown> = {}): Promise<GqlOptions> {
  return { authorization: `Bearer ${await signDevToken(TEST_JWT_SECRET, "authenticated", { sub, expiresIn: "1h", claims })}` };
}
const anonymous = () => session(ANONYMOUS_SUB, ANONYMOUS_CLAIMS);

const sql = <T = Record<string, unknown>>(role: string, claims: object, text: string, params: unknown[] = []) =>
  sqlAs<T>(db.pool, role, claims, text, params);

let n = 0;
async function submit(options: GqlOptions = { role: "service_role" }): Promise<string> {
  n++;
  const res = await gw.gql(
    `mutation($input: SubmitAgentApprovalInput!) { submitAgentApproval(input: $input) { id } }`,
    { input: { kind: "refund", summary: `Refund $${n}00`, agent: "support-bot", conversationId: `conv-${n}` } },
    options,
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data.submitAgentApproval.id;
}
const DECIDE = `mutation($id: UUID!, $decision: AgentApprovalDecision!, $note: String) { decideAgentApproval(id: $id, decision: $decision, note: $note) { status decidedBy } }`;
const statusOf = async (id: string) => (await db.pool.query(`SELECT status, "decidedBy" FROM "AgentApproval" WHERE id = $1`, [id])).rows[0];

describe("D1: an anonymous sign-in is not an operator", () => {
  test("every policy asks gateway.is_operator() once per statement (a sub-select), not once per row", async () => {
    // A bare call in USING parses the claims for every row: 25x slower on the dashboard's 450,000-row snapshot scan.
    const { rows } = await db.pool.query<{ policy: string; expr: string }>(
      `SELECT tablename || '.' || policyname AS policy, coalesce(qual, '') || ' ' || coalesce(with_check, '') AS expr
         FROM pg_policies WHERE schemaname = 'public' AND (qual LIKE '%is_operator%' OR with_check LIKE '%is_operator%')`,
    );
    expect(rows.length).toBeGreaterThan(10);
    for (const { policy, expr } of rows) {
      expect({ policy, bare: expr.replaceAll("( SELECT gateway.is_operator() AS is_operator)", "").includes("is_operator(") }).toEqual({
        policy,
        bare: false,
      });
    }
  });

  test("GraphQL: FORBIDDEN for the queue, the dashboard, the decision log, decisions and feedback", async () => {
    const id = await submit();
    const who = await anonymous();
    for (const [query, variables] of [
      [`{ agentApprovals(first: 1) { totalCount edges { node { summary payload } } } }`, {}],
      [`{ dashboard { asOf } }`, {}],
      [`{ decisionLogs { totalCount } }`, {}],
      [`{ observabilityLogs { totalCount } }`, {}],
      [DECIDE, { id, decision: "APPROVE" }],
      [`mutation($id: UUID!) { submitAgentFeedback(input: { approvalId: $id, rating: 5 }) { id } }`, { id }],
    ] as const) {
      const res = await gw.gql(query, variables, who);
      expect(res.body.errors?.[0]?.extensions, query).toMatchObject({ code: "FORBIDDEN", reason: "ANONYMOUS" });
    }
    expect(await statusOf(id)).toEqual({ status: "pending", decidedBy: null });
    // The viewer still says who the caller is, and that it may do nothing.
    const viewer = await gw.data(`{ viewer { role subject access { table select insert } } }`, {}, who);
    expect(viewer.viewer).toMatchObject({ role: "authenticated", subject: ANONYMOUS_SUB });
    expect(viewer.viewer.access.filter((a: { select: boolean; insert: boolean }) => a.select || a.insert)).toEqual([]);
  });

  test("SQL as the same caller: no rows, no feedback, no decision", async () => {
    const id = await submit();
    const claims = { role: "authenticated", sub: ANONYMOUS_SUB, ...ANONYMOUS_CLAIMS };
    expect(await sql("authenticated", claims, `SELECT * FROM "AgentApproval"`)).toEqual([]);
    expect(await sql("authenticated", claims, `SELECT * FROM "DecisionLog"`)).toEqual([]);
    expect(
      await sqlState(
        sql("authenticated", claims, `INSERT INTO "AgentFeedback" ("conversationId", "approvalId", annotator) VALUES ('c', $1, $2)`, [
          id,
          ANONYMOUS_SUB,
        ]),
      ),
    ).toBe("42501");
    expect(await sqlState(sql("authenticated", claims, `SELECT gateway.decide_agent_approval($1, 'APPROVE', NULL)`, [id]))).toBe("42501");
    expect(await statusOf(id)).toEqual({ status: "pending", decidedBy: null });
  });

  test("it gets anon's budgets too: a 40 KB body is refused before it is read, an operator's is not", async () => {
    const body = JSON.stringify({ query: `{ viewer { role } }`, variables: { pad: "x".repeat(40 * 1024) } });
    const post = async (who: GqlOptions) =>
      fetch(gw.url, { method: "POST", headers: { "content-type": "application/json", authorization: who.authorization! }, body });
    const refused = await post(await anonymous());
    expect(refused.status).toBe(413);
    expect((await refused.json()).errors[0].extensions.code).toBe("PAYLOAD_TOO_LARGE");
    expect((await post(await session("olga"))).status).toBe(200);
  });

  test("a signed-in operator (is_anonymous: false) still reads and decides", async () => {
    const id = await submit();
    const res = await gw.gql(DECIDE, { id, decision: "APPROVE" }, await session("olga", { is_anonymous: false }));
    expect(res.body.data.decideAgentApproval).toEqual({ status: "APPROVED", decidedBy: "olga" });
  });
});

describe("D5: decisions only by humans", () => {
  test("an agent's service_role token with an operator's sub cannot approve its own request, in either layer", async () => {
    const agent = { authorization: `Bearer ${await signDevToken(TEST_JWT_SECRET, "service_role", { sub: "alice", expiresIn: "1h" })}` };
    const id = await submit(agent);
    const res = await gw.gql(DECIDE, { id, decision: "APPROVE" }, agent);
    expect(firstError(res).extensions.code).toBe("FORBIDDEN");
    expect(
      await sqlState(sql("service_role", { role: "service_role", sub: "alice" }, `SELECT gateway.decide_agent_approval($1, 'APPROVE', NULL)`, [id])),
    ).toBe("42501");
    expect(
      await sqlState(
        sql(
          "service_role",
          { role: "service_role", sub: "alice" },
          `UPDATE "AgentApproval" SET status = 'approved', "decidedBy" = 'alice', "decidedAt" = now() WHERE id = $1`,
          [id],
        ),
      ),
    ).toBe("42501");
    expect(await statusOf(id)).toEqual({ status: "pending", decidedBy: null });
  });

  test("decidedBy is the verified sub of the deciding session", async () => {
    const id = await submit();
    const res = await gw.gql(DECIDE, { id, decision: "REJECT", note: "no" }, await session("bob"));
    expect(res.body.data.decideAgentApproval).toEqual({ status: "REJECTED", decidedBy: "bob" });
  });
});

describe("viewer: who the console is signed in as", () => {
  const ask = `{ viewer { role kind subject name email mayDecideApprovals } }`;

  test("an operator's session: the person's name (user_metadata.full_name, else name) and email, and that they may decide", async () => {
    const claims = { email: "ada@hotrodan.com", user_metadata: { full_name: "Ada Lovelace", name: "ada" } };
    const token = await signDevToken(TEST_JWT_SECRET, "authenticated", { sub: "ada", expiresIn: "1h", claims });
    expect((await gw.data(ask, {}, { authorization: `Bearer ${token}` })).viewer).toEqual({
      role: "authenticated",
      kind: "authenticated",
      subject: "ada",
      name: "Ada Lovelace",
      email: "ada@hotrodan.com",
      mayDecideApprovals: true,
    });
    const nameOnly = await signDevToken(TEST_JWT_SECRET, "authenticated", {
      sub: "bo",
      expiresIn: "1h",
      claims: { user_metadata: { name: " Bo " } },
    });
    expect((await gw.data(ask, {}, { authorization: `Bearer ${nameOnly}` })).viewer).toMatchObject({ name: "Bo", email: null });
  });

  test("everyone else: what kind of caller, and no deciding", async () => {
    const anonymous = await signDevToken(TEST_JWT_SECRET, "authenticated", { sub: ANONYMOUS_SUB, expiresIn: "1h", claims: ANONYMOUS_CLAIMS });
    const cases = [
      [{ role: "anon" as const }, { role: "anon", kind: "anon" }],
      [{ authorization: `Bearer ${anonymous}` }, { role: "authenticated", kind: "anonymous" }],
      [{ role: "service_role" as const }, { role: "service_role", kind: "service_role" }],
    ] as const;
    for (const [who, expected] of cases) expect((await gw.data(ask, {}, who)).viewer).toMatchObject({ ...expected, mayDecideApprovals: false });
  });
});

describe("D4: an audit trail nobody can forge", () => {
  const LOG = `mutation($input: LogDecisionInput!) { logDecision(input: $input) { id actor action requestRole requestSubject system } }`;

  test("logDecision refuses the scopes and actions the database and the vault write; SQL refuses them too", async () => {
    const id = await submit();
    for (const input of [
      { scope: "agent_approval", action: "approval.approved", actor: "alice", externalRef: id },
      { scope: "ops", action: "approval.approved", actor: "alice", externalRef: id },
      { scope: "credentials", action: "credential.read", actor: "alice", externalRef: "creds_meta:stripe.live_key" },
      { scope: "inventory", action: "Credential.Write", actor: "alice" },
      { scope: " Agent_Approval ", action: "noted", actor: "alice", externalRef: id },
    ]) {
      const res = await gw.gql(LOG, { input }, { role: "service_role" });
      expect(firstError(res).extensions, JSON.stringify(input)).toMatchObject({ code: "FORBIDDEN", reason: "RESERVED_AUDIT" });
    }
    expect(
      await sqlState(
        sql(
          "service_role",
          { role: "service_role" },
          `INSERT INTO "DecisionLog" (scope, actor, action, "externalRef") VALUES ('agent_approval', 'alice', 'approval.approved', $1)`,
          [id],
        ),
      ),
    ).toBe("42501");
    // Only the database's own row: the proposal, written at submission.
    const { rows } = await db.pool.query(`SELECT action, system FROM "DecisionLog" WHERE "externalRef" = $1`, [id]);
    expect(rows).toEqual([{ action: "approval.proposed", system: true }]);
  });

  test("every row carries the real request role and subject, whatever the caller wrote", async () => {
    const agent = { authorization: `Bearer ${await signDevToken(TEST_JWT_SECRET, "service_role", { sub: "agent:support-bot", expiresIn: "1h" })}` };
    const logged = await gw.data(
      LOG,
      { input: { scope: "cx", action: "reply.sent", actor: "alice", payload: { requestRole: "authenticated", requestSubject: "alice" } } },
      agent,
    );
    expect(logged.logDecision).toMatchObject({
      action: "reply.sent",
      requestRole: "service_role",
      requestSubject: "agent:support-bot",
      system: false,
    });
    // A direct insert cannot set them either.
    const [row] = await sql<{ requestRole: string; requestSubject: string; system: boolean }>(
      "service_role",
      { role: "service_role", sub: "agent:support-bot" },
      `INSERT INTO "DecisionLog" (scope, actor, action, "requestRole", "requestSubject", system) VALUES ('cx', 'alice', 'noted', 'authenticated', 'alice', true) RETURNING "requestRole", "requestSubject", system`,
    );
    expect(row).toEqual({ requestRole: "service_role", requestSubject: "agent:support-bot", system: false });
  });

  test("auditTrail shows only the rows the database wrote, each naming its real caller", async () => {
    const id = await submit();
    await gw.data(DECIDE, { id, decision: "REJECT", note: "no" }, await session("alice"));
    // D4's reproduction: a forged approval.approved row in alice's name. Refused now; what an API role
    // may still log about the approval (another scope) stays out of its trail.
    const forged = await gw.gql(
      LOG,
      { input: { scope: "agent_approval", action: "approval.approved", actor: "alice", externalRef: id, rationale: "ok" } },
      { role: "service_role" },
    );
    expect(firstError(forged).extensions.code).toBe("FORBIDDEN");
    await gw.data(LOG, { input: { scope: "cx", action: "noted", actor: "alice", externalRef: id, rationale: "ok" } }, { role: "service_role" });
    const res = await gw.data(
      `query($id: UUID!) { agentApproval(id: $id) { status auditTrail { actor action rationale requestRole requestSubject system } } }`,
      { id },
      await session("carol"),
    );
    expect(res.agentApproval).toEqual({
      status: "REJECTED",
      auditTrail: [
        {
          actor: "service_role-user",
          action: "approval.proposed",
          rationale: null,
          requestRole: "service_role",
          requestSubject: "service_role-user",
          system: true,
        },
        { actor: "alice", action: "approval.rejected", rationale: "no", requestRole: "authenticated", requestSubject: "alice", system: true },
      ],
    });
  });
});

describe("D3: the vault's audit rows are service_role only", () => {
  test("operators see none of them through decisionLogs (not even whether a name exists); service_role sees them", async () => {
    const put = await gw.gql(
      `mutation { putCredential(input: { name: "stripe.live_key", provider: "stripe", secret: "sk_live_x", reason: "rotated after the Oct incident" }) { id } }`,
      {},
      { role: "service_role", sub: "ops-script" },
    );
    expect(put.body.errors).toBeUndefined();
    const query = `{ decisionLogs(filter: { scopes: ["credentials"] }) { totalCount edges { node { actor action externalRef rationale requestRole requestSubject system } } } }`;
    const operator = await gw.data(query, {}, await session("alice"));
    expect(operator.decisionLogs).toEqual({ totalCount: 0, edges: [] });
    const byRef = await gw.data(`{ decisionLogs(filter: { externalRef: "creds_meta:stripe.live_key" }) { totalCount } }`, {}, await session("alice"));
    expect(byRef.decisionLogs.totalCount).toBe(0);

    const service = await gw.data(query, {}, { role: "service_role" });
    expect(service.decisionLogs.edges.map((e: { node: unknown }) => e.node)).toEqual([
      {
        actor: "ops-script",
        action: "credential.write",
        externalRef: "creds_meta:stripe.live_key",
        rationale: "rotated after the Oct incident",
        requestRole: "service_role",
        requestSubject: "ops-script",
        system: true,
      },
    ]);
    // SQL as an operator: the same.
    expect(await sql("authenticated", { role: "authenticated", sub: "alice" }, `SELECT * FROM "DecisionLog" WHERE scope = 'credentials'`)).toEqual(
      [],
    );
  });
});

describe("DECISION_MIN_AAL=aal2", () => {
  let strict: TestGateway;
  let strictDb: TestDatabase;
  beforeAll(async () => {
    strictDb = await createTestDatabase();
    strict = await startTestGateway({ databaseUrl: strictDb.url, env: { DECISION_MIN_AAL: "aal2" } });
  });
  afterAll(async () => {
    await strict?.close();
    await strictDb?.close();
  });
  const aal = async (level: string) => ({
    authorization: `Bearer ${await signDevToken(TEST_JWT_SECRET, "authenticated", { sub: "mfa-olga", expiresIn: "1h", claims: { aal: level } })}`,
  });
  const submitTo = async () =>
    (await strict.data(`mutation { submitAgentApproval(input: { kind: "refund", summary: "Refund $50", agent: "a", conversationId: "c" }) { id } }`))
      .submitAgentApproval.id as string;

  test("the setting: aal1 by default, aal1 or aal2 (any case), anything else refused at start", () => {
    expect(loadConfig({}).decisionMinAal).toBe("aal1");
    expect(loadConfig({ DECISION_MIN_AAL: " AAL2 " }).decisionMinAal).toBe("aal2");
    expect(() => loadConfig({ DECISION_MIN_AAL: "aal3" })).toThrow(ConfigError);
    expect(() => loadConfig({ DECISION_MIN_AAL: "mfa" })).toThrow(/DECISION_MIN_AAL: must be aal1 or aal2 \(got "mfa"\)/);
  });

  test("the gateway wrote the setting into the database at start", async () => {
    const { rows } = await strictDb.pool.query(`SELECT value FROM gateway.settings WHERE key = 'decision_min_aal'`);
    expect(rows).toEqual([{ value: "aal2" }]);
  });

  test("an aal1 session (or one without aal) may read but not decide; an aal2 session decides", async () => {
    const id = await submitTo();
    for (const who of [await aal("aal1"), { role: "authenticated" as const, sub: "mfa-olga" }]) {
      expect((await strict.gql(`{ agentApprovals { totalCount } }`, {}, who)).body.errors).toBeUndefined();
      const refused = await strict.gql(DECIDE, { id, decision: "APPROVE" }, who);
      expect(firstError(refused).extensions).toMatchObject({ code: "FORBIDDEN", reason: "AAL_REQUIRED", required: "aal2" });
    }
    const decided = await strict.gql(DECIDE, { id, decision: "APPROVE" }, await aal("aal2"));
    expect(decided.body.data.decideAgentApproval).toEqual({ status: "APPROVED", decidedBy: "mfa-olga" });
  });

  test("viewer says whether this session may decide (mayDecideApprovals), as decideAgentApproval would", async () => {
    const ask = `{ viewer { kind mayDecideApprovals } }`;
    expect((await strict.data(ask, {}, await aal("aal1"))).viewer).toEqual({ kind: "authenticated", mayDecideApprovals: false });
    expect((await strict.data(ask, {}, await aal("aal2"))).viewer).toEqual({ kind: "authenticated", mayDecideApprovals: true });
  });

  test("the database refuses an aal1 session on its own", async () => {
    const id = await submitTo();
    const client = await strictDb.pool.connect();
    try {
      const as = (claims: object) =>
        client.query(`SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
      await client.query("BEGIN");
      await as({ role: "authenticated", sub: "mfa-olga", aal: "aal1" });
      await expect(client.query(`SELECT gateway.decide_agent_approval($1, 'APPROVE', NULL)`, [id])).rejects.toMatchObject({
        code: "42501",
        message: expect.stringMatching(/multi-factor/),
      });
      await client.query("ROLLBACK");
      await client.query("BEGIN");
      await as({ role: "authenticated", sub: "mfa-olga", aal: "aal2" });
      await client.query(`SELECT gateway.decide_agent_approval($1, 'REJECT', NULL)`, [id]);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    const { rows } = await strictDb.pool.query(`SELECT status FROM "AgentApproval" WHERE id = $1`, [id]);
    expect(rows[0].status).toBe("rejected");
  });
});

describe("upgrading a database that has audit rows from before", () => {
  test("the approvals' trigger-written rows become system rows; anything else (a forgery) does not", async () => {
    const old = await createTestDatabase({ empty: true });
    const dir = mkdtempSync(path.join(os.tmpdir(), "hd-identity-"));
    try {
      // Every migration before this one, then history written the old way, then the rest.
      const names = readdirSync(DEFAULT_MIGRATIONS_DIR)
        .filter((n) => /^\d+_/.test(n))
        .sort();
      for (const name of names.filter((n) => n < "20251020000600"))
        cpSync(path.join(DEFAULT_MIGRATIONS_DIR, name), path.join(dir, name), { recursive: true });
      cpSync(path.join(DEFAULT_MIGRATIONS_DIR, "migration_lock.toml"), path.join(dir, "migration_lock.toml"));
      await applyMigrations(old.url, { migrationsDir: dir });

      const { rows } = await old.pool.query(
        `INSERT INTO "AgentApproval" ("conversationId", agent, kind, summary) VALUES ('c', 'a', 'refund', 'Refund') RETURNING id`,
      );
      const id = rows[0].id as string;
      const client = await old.pool.connect();
      try {
        await client.query("BEGIN");
        // The forgery D4 describes, inserted before the real decision so that it even comes first.
        await client.query(`SELECT set_config('role', 'service_role', true)`);
        await client.query(
          `INSERT INTO "DecisionLog" (scope, actor, action, "externalRef") VALUES ('agent_approval', 'alice', 'approval.approved', $1)`,
          [id],
        );
        await client.query(`SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"sub":"alice"}', true)`);
        await client.query(`SELECT gateway.decide_agent_approval($1, 'REJECT', 'no')`, [id]);
        await client.query("COMMIT");
      } finally {
        client.release();
      }

      await applyMigrations(old.url); // the real folder: this migration and any after it
      const { rows: audit } = await old.pool.query(
        `SELECT action, actor, system, "requestRole", "requestSubject" FROM "DecisionLog" WHERE "externalRef" = $1 ORDER BY "createdAt", action`,
        [id],
      );
      expect(audit).toEqual([
        { action: "approval.approved", actor: "alice", system: false, requestRole: null, requestSubject: null },
        { action: "approval.rejected", actor: "alice", system: true, requestRole: "authenticated", requestSubject: "alice" },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await old.close();
    }
  });
});
