// Row-level security as PostgreSQL enforces it, for every table × role × operation.
//
// Each attempt runs the way the gateway runs a request: inside a transaction,
//   select set_config('role', $role, true), set_config('request.jwt.claims', $claims, true)
// then the statement, then ROLLBACK. PostgreSQL denies in three ways, all counted as "denied":
// permission denied (42501, no GRANT), an RLS violation on a written row (42501), or a USING clause
// that hides every row (0 rows visible or affected).
//
// `expectedAccess` below is the single statement of intent. It is deliberately NOT imported from
// src/auth/policy.ts: a separate parity test compares the two, so each must be written down on its own.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";
import {
  CALLERS,
  CLAIMS,
  ID,
  OPERATIONS,
  OPERATOR_SUB,
  ROLES,
  SEED_SQL,
  asRole as asRoleOn,
  attempt as attemptOn,
  sqlFor,
  type Caller,
  type Operation,
  type Role,
} from "./support/rls-probe.ts";

const NONE: Operation[] = [];
const READ: Operation[] = ["select"];
const ALL: Operation[] = ["select", "insert", "update", "delete"];

/**
 * Who may do what. anon may do nothing anywhere. Row rules narrow some entries (tested below):
 *   ¹ AgentFeedback INSERT by authenticated: only with annotator = the JWT sub.
 *   ² observability_logs SELECT by authenticated: only INFO and WARN rows.
 *   ³ DecisionLog: append-only; nobody (not even the owner) may UPDATE or DELETE. authenticated does
 *     not see the vault's rows (scope credentials); service_role may not insert the scopes and actions
 *     only the database and the vault write.
 *   ⁴ AgentApprovalExecution: written only by gateway.begin_approved_execution (SECURITY DEFINER); append-only.
 * "anonymous" is a Supabase anonymous sign-in (role authenticated, is_anonymous: true): nothing (D1).
 */
const expectedAccess = {
  ads_campaigns: { anon: NONE, anonymous: NONE, authenticated: READ, service_role: ALL },
  ads_daily_metrics: { anon: NONE, anonymous: NONE, authenticated: READ, service_role: ALL },
  ads_metrics_daily: { anon: NONE, anonymous: NONE, authenticated: READ, service_role: ALL },
  agent_run: { anon: NONE, anonymous: NONE, authenticated: NONE, service_role: ALL },
  agent_qc: { anon: NONE, anonymous: NONE, authenticated: NONE, service_role: ALL },
  AgentApproval: { anon: NONE, anonymous: NONE, authenticated: READ, service_role: ALL },
  AgentApprovalExecution: { anon: NONE, anonymous: NONE, authenticated: READ, service_role: READ }, // ⁴
  AgentFeedback: { anon: NONE, anonymous: NONE, authenticated: ["select", "insert"], service_role: ALL }, // ¹
  AgentQuery: { anon: NONE, anonymous: NONE, authenticated: NONE, service_role: ALL },
  knowledge_documents: { anon: NONE, anonymous: NONE, authenticated: NONE, service_role: ALL },
  knowledge_chunks: { anon: NONE, anonymous: NONE, authenticated: NONE, service_role: ALL },
  knowledge_metadata: { anon: NONE, anonymous: NONE, authenticated: NONE, service_role: ALL },
  inventory_snapshots: { anon: NONE, anonymous: NONE, authenticated: READ, service_role: ALL },
  reorder_points: { anon: NONE, anonymous: NONE, authenticated: READ, service_role: ALL },
  supplier_lead_times: { anon: NONE, anonymous: NONE, authenticated: READ, service_role: ALL },
  DashboardFact: { anon: NONE, anonymous: NONE, authenticated: READ, service_role: ALL },
  DecisionLog: { anon: NONE, anonymous: NONE, authenticated: READ, service_role: ["select", "insert"] }, // ³
  support_curated_replies: { anon: NONE, anonymous: NONE, authenticated: READ, service_role: ALL },
  observability_logs: { anon: NONE, anonymous: NONE, authenticated: READ, service_role: ALL }, // ²
  creds_meta: { anon: NONE, anonymous: NONE, authenticated: NONE, service_role: ALL },
  agent_keys: { anon: NONE, anonymous: NONE, authenticated: NONE, service_role: NONE }, // only the gateway's own connection
} as const satisfies Record<string, Record<Caller, readonly Operation[]>>;

type Table = keyof typeof expectedAccess;

/** Database functions the API roles may execute (everything else is revoked from PUBLIC). */
const expectedRoutines = {
  "gateway.decide_agent_approval(uuid, text, text)": ["authenticated"],
  "gateway.expire_agent_approvals()": ["service_role"],
  "gateway.begin_approved_execution(uuid, text, jsonb)": ["service_role"],
  "gateway.finish_approved_execution(uuid, jsonb)": ["service_role"],
  "gateway.record_vault_audit(jsonb)": ["service_role"],
} as const satisfies Record<string, readonly Role[]>;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query(SEED_SQL);
});
afterAll(() => db?.close());

const asRole = <T>(role: Caller, claims: object, fn: Parameters<typeof asRoleOn<T>>[3]) => asRoleOn(db.pool, role, claims, fn);
const attempt = (role: Caller, sql: string, claims?: object) => attemptOn(db.pool, role, sql, claims);

// ───────────────────────────── The matrix ─────────────────────────────

const cases = (Object.keys(expectedAccess) as Table[]).flatMap((table) =>
  CALLERS.flatMap((role) =>
    OPERATIONS.map((op) => ({
      table,
      role,
      op,
      expected: (expectedAccess[table][role] as readonly Operation[]).includes(op) ? "allowed" : "denied",
    })),
  ),
);

describe("RLS matrix: every table × role × operation", () => {
  test("covers every table of the public schema that has RLS (and only those)", async () => {
    const { rows } = await db.pool.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND rowsecurity ORDER BY tablename`,
    );
    expect(rows.map((r) => r.tablename).sort()).toEqual(Object.keys(expectedAccess).sort());
  });

  test.each(cases)("$table: $role $op → $expected", async ({ table, role, op, expected }) => {
    const outcome = await attempt(role, sqlFor(table, op));
    const got = outcome.allowed ? "allowed" : "denied";
    expect(
      got,
      `${role} ${op} on ${table}: ${outcome.allowed ? `${outcome.rows} row(s)` : `${outcome.why}${outcome.message ? ` (${outcome.message})` : ""}`}`,
    ).toBe(expected);
  });
});

// ───────────────────────────── Row rules ─────────────────────────────

describe("row rules", () => {
  test("authenticated sees only INFO and WARN observability rows; service_role sees every level", async () => {
    const levels = async (role: Role) => {
      const outcome = await attempt(role, `SELECT level FROM observability_logs ORDER BY level`);
      return outcome.allowed ? outcome.result.rows.map((r) => r.level) : [];
    };
    expect(await levels("authenticated")).toEqual(["INFO", "WARN"]);
    expect(await levels("service_role")).toEqual(["DEBUG", "ERROR", "INFO", "WARN"]);
    // Asking for an ERROR row by id does not reveal it either.
    expect(await attempt("authenticated", `SELECT * FROM observability_logs WHERE id = '${ID.logError}'`)).toEqual({
      allowed: false,
      why: "no rows",
    });
  });

  test("authenticated may insert AgentFeedback only as itself (annotator = JWT sub)", async () => {
    const insert = (annotator: string | null) =>
      `INSERT INTO "AgentFeedback" ("conversationId", "approvalId", annotator, rating, labels)
       VALUES ('cw-1', '${ID.approval}', ${annotator === null ? "NULL" : `'${annotator}'`}, 5, '{helpful}')`;
    expect((await attempt("authenticated", insert(OPERATOR_SUB))).allowed).toBe(true);
    expect(await attempt("authenticated", insert("someone-else"))).toMatchObject({ allowed: false, why: "row-level security" });
    expect(await attempt("authenticated", insert(null))).toMatchObject({ allowed: false, why: "row-level security" });
    // A token without a sub can annotate as nobody.
    expect(await attempt("authenticated", insert(OPERATOR_SUB), { role: "authenticated" })).toMatchObject({
      allowed: false,
      why: "row-level security",
    });
    // Once written, feedback is not the operator's to edit or delete.
    expect(await attempt("authenticated", `UPDATE "AgentFeedback" SET rating = 1 WHERE annotator = '${OPERATOR_SUB}'`)).toMatchObject({
      allowed: false,
      why: "permission denied",
    });
    expect(await attempt("authenticated", `DELETE FROM "AgentFeedback" WHERE annotator = '${OPERATOR_SUB}'`)).toMatchObject({
      allowed: false,
      why: "permission denied",
    });
  });

  // KNOWN DEFECT, reported to the lead: the policy compares annotator with gateway.jwt_subject() as is, so
  // a token whose sub is "" writes feedback attributed to nobody (gateway.decide_agent_approval already
  // treats a blank sub as no identity). Fix: annotator = nullif(btrim(gateway.jwt_subject()), '') in the
  // policy (or in jwt_subject() itself). This test then passes and vitest flags the .fails marker.
  test("a blank sub is no identity: it cannot annotate either", async () => {
    const outcome = await attempt("authenticated", `INSERT INTO "AgentFeedback" ("conversationId", annotator) VALUES ('cw-1', '')`, {
      role: "authenticated",
      sub: "",
    });
    expect(outcome).toMatchObject({ allowed: false, why: "row-level security" });
  });

  test("service_role may record feedback for any annotator (agents and imports write on operators' behalf)", async () => {
    const outcome = await attempt("service_role", `INSERT INTO "AgentFeedback" ("conversationId", annotator) VALUES ('cw-9', 'imported-annotator')`);
    expect(outcome.allowed).toBe(true);
  });

  test("DecisionLog UPDATE and DELETE are refused for everyone, the table owner included", async () => {
    for (const role of ROLES) {
      for (const op of ["update", "delete"] as const) {
        const outcome = await attempt(role, sqlFor("DecisionLog", op));
        expect(outcome.allowed, `${role} ${op}`).toBe(false);
      }
    }
    // The owner bypasses RLS and grants; the append-only trigger still refuses.
    const client = await db.pool.connect();
    try {
      for (const op of ["update", "delete"] as const) {
        await expect(client.query(sqlFor("DecisionLog", op))).rejects.toMatchObject({ code: "42501", message: expect.stringMatching(/append-only/) });
      }
    } finally {
      client.release();
    }
    expect((await db.pool.query(`SELECT rationale FROM "DecisionLog" WHERE id = '${ID.decision}'`)).rows).toEqual([{ rationale: null }]);
  });

  // D1: Supabase's anonymous sign-ins run as authenticated but are no operators.
  test("an anonymous sign-in sees no row of any table, writes no feedback and decides nothing", async () => {
    for (const table of Object.keys(expectedAccess) as Table[]) {
      const outcome = await attempt("anonymous", `SELECT * FROM public."${table}"`);
      expect(outcome.allowed, table).toBe(false);
    }
    const feedback = `INSERT INTO "AgentFeedback" ("conversationId", "approvalId", annotator) VALUES ('cw-1', '${ID.approval}', '${String(CLAIMS.anonymous.sub)}')`;
    expect(await attempt("anonymous", feedback)).toMatchObject({ allowed: false, why: "row-level security" });
    expect(await attempt("anonymous", `SELECT gateway.decide_agent_approval('${ID.approval}', 'APPROVE', NULL)`)).toMatchObject({
      allowed: false,
      message: expect.stringMatching(/anonymous sign-in is not an operator/),
    });
    // is_anonymous: false (an ordinary sign-in) is an operator.
    expect((await attempt("authenticated", `SELECT * FROM "AgentApproval"`, { ...CLAIMS.authenticated, is_anonymous: false })).allowed).toBe(true);
  });

  // D3: the vault's audit rows are service_role only, like the vault.
  test("operators read the decision log but not the vault's rows; service_role reads both", async () => {
    const scopes = async (role: Role) => {
      // The seeded approvals' own trail (scope agent_approval, written at INSERT) aside.
      const outcome = await attempt(role, `SELECT scope FROM "DecisionLog" WHERE scope <> 'agent_approval' ORDER BY scope`);
      return outcome.allowed ? outcome.result.rows.map((r) => r.scope) : [];
    };
    expect(await scopes("authenticated")).toEqual(["ops"]);
    expect(await scopes("service_role")).toEqual(["credentials", "ops"]);
    expect(await attempt("authenticated", `SELECT * FROM "DecisionLog" WHERE "externalRef" = 'creds_meta:shopify-admin'`)).toEqual({
      allowed: false,
      why: "no rows",
    });
  });

  // D4: what the database and the vault write cannot be inserted by hand, and every row names its real caller.
  test("service_role cannot insert approval or vault audit rows; the columns naming the caller are the database's", async () => {
    for (const [scope, action] of [
      ["agent_approval", "approval.approved"],
      ["credentials", "credential.read"],
      ["ops", "approval.approved"],
      ["AGENT_APPROVAL", "x"],
    ]) {
      const outcome = await attempt("service_role", `INSERT INTO "DecisionLog" (scope, actor, action) VALUES ('${scope}', 'alice', '${action}')`);
      expect(outcome, `${scope} ${action}`).toMatchObject({ allowed: false, why: "row-level security" });
    }
    const forged = await attempt(
      "service_role",
      `INSERT INTO "DecisionLog" (scope, actor, action, "requestRole", "requestSubject", system) VALUES ('ops', 'alice', 'noted', 'authenticated', 'alice', true)
       RETURNING "requestRole", "requestSubject", system`,
      { role: "service_role", sub: "agent:support-bot" },
    );
    expect(forged.allowed && forged.result.rows[0]).toEqual({ requestRole: "service_role", requestSubject: "agent:support-bot", system: false });
    // The vault's door names the caller itself, and only for a credential that exists.
    const audited = await attempt(
      "service_role",
      `SELECT gateway.record_vault_audit('[{"action":"credential.read","name":"shopify-admin","rationale":"r"}]')`,
      { role: "service_role", sub: "agent:support-bot" },
    );
    expect(audited.allowed).toBe(true);
    await expect(
      attempt("service_role", `SELECT gateway.record_vault_audit('[{"action":"approval.approved","name":"shopify-admin"}]')`),
    ).rejects.toMatchObject({ code: "22023" });
    await expect(
      attempt("service_role", `SELECT gateway.record_vault_audit('[{"action":"credential.read","name":"no-such-secret"}]')`),
    ).rejects.toMatchObject({ code: "22023" });
    expect(await attempt("authenticated", `SELECT gateway.record_vault_audit('[]')`)).toMatchObject({ allowed: false, why: "permission denied" });
  });

  test("anon sees nothing anywhere: every table refuses it outright", async () => {
    for (const table of Object.keys(expectedAccess) as Table[]) {
      expect(await attempt("anon", `SELECT count(*) FROM public."${table}"`), table).toMatchObject({ allowed: false, why: "permission denied" });
    }
  });

  test("service_role-only tables are invisible to authenticated, not just empty", async () => {
    const serviceOnly = (Object.keys(expectedAccess) as Table[]).filter(
      (t) => expectedAccess[t].authenticated.length === 0 && expectedAccess[t].service_role.length > 0,
    );
    expect(serviceOnly.sort()).toEqual([
      "AgentQuery",
      "agent_qc",
      "agent_run",
      "creds_meta",
      "knowledge_chunks",
      "knowledge_documents",
      "knowledge_metadata",
    ]);
    for (const table of serviceOnly) {
      expect(await attempt("authenticated", `SELECT count(*) FROM public."${table}"`), table).toMatchObject({
        allowed: false,
        why: "permission denied",
      });
    }
  });
});

// ───────────────────────────── Transaction scope ─────────────────────────────

describe("the role and claims live only as long as the transaction", () => {
  test.each(["COMMIT", "ROLLBACK"])("after %s the connection is the login user again, with no claims", async (end) => {
    const client = await db.pool.connect();
    try {
      const login = (await client.query(`SELECT current_user AS u`)).rows[0].u;
      await client.query("BEGIN");
      await client.query(`SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [
        JSON.stringify(CLAIMS.authenticated),
      ]);
      const inside = (await client.query(`SELECT current_user AS u, gateway.jwt_subject() AS sub`)).rows[0];
      expect(inside).toEqual({ u: "authenticated", sub: OPERATOR_SUB });
      await client.query(end);
      const after = (
        await client.query(
          `SELECT current_user AS u, current_setting('request.jwt.claims', true) AS raw, gateway.jwt_claims() AS claims, gateway.jwt_subject() AS sub`,
        )
      ).rows[0];
      // current_setting returns '' (not NULL) once a transaction that set it ended; jwt_claims() maps it to {}.
      expect(after).toEqual({ u: login, raw: "", claims: {}, sub: null });
      // And nothing of the previous request leaks into the next one on this pooled connection.
      expect((await client.query(`SELECT count(*)::int AS n FROM creds_meta`)).rows[0].n).toBe(1);
    } finally {
      client.release();
    }
  });

  test("a request's claims never reach a concurrent request on another connection", async () => {
    const [a, b] = await Promise.all([
      asRole("authenticated", { sub: "user-a", role: "authenticated" }, async (c) => {
        await new Promise((r) => setTimeout(r, 20));
        return (await c.query(`SELECT gateway.jwt_subject() AS sub`)).rows[0].sub;
      }),
      asRole(
        "authenticated",
        { sub: "user-b", role: "authenticated" },
        async (c) => (await c.query(`SELECT gateway.jwt_subject() AS sub`)).rows[0].sub,
      ),
    ]);
    expect([a, b]).toEqual(["user-a", "user-b"]);
  });
});

// ───────────────────────────── Functions ─────────────────────────────

describe("database functions", () => {
  test.each(
    Object.entries(expectedRoutines).flatMap(([signature, roles]) =>
      ROLES.map((role) => ({ signature, role, expected: (roles as readonly Role[]).includes(role) })),
    ),
  )("$signature: EXECUTE for $role is $expected", async ({ signature, role, expected }) => {
    const { rows } = await db.pool.query(`SELECT has_function_privilege($1, $2, 'EXECUTE') AS can`, [role, signature]);
    expect(rows[0].can).toBe(expected);
  });

  // D5: agents (service_role, agent keys) submit; only operators decide.
  test("service_role cannot call the decision door, whatever sub its token names", async () => {
    const outcome = await attempt("service_role", `SELECT gateway.decide_agent_approval('${ID.approval}', 'APPROVE', NULL)`, {
      role: "service_role",
      sub: OPERATOR_SUB,
    });
    expect(outcome).toMatchObject({ allowed: false, why: "permission denied" });
  });

  test("with decision_min_aal = aal2 the door needs an aal2 session; the gateway writes the setting", async () => {
    const decide = (claims: object) => attempt("authenticated", `SELECT gateway.decide_agent_approval('${ID.approval}', 'REJECT', NULL)`, claims);
    await db.pool.query(`UPDATE gateway.settings SET value = 'aal2' WHERE key = 'decision_min_aal'`);
    try {
      expect(await decide({ ...CLAIMS.authenticated, aal: "aal1" })).toMatchObject({
        allowed: false,
        message: expect.stringMatching(/multi-factor/),
      });
      expect(await decide(CLAIMS.authenticated)).toMatchObject({ allowed: false }); // no aal claim = aal1
      expect((await decide({ ...CLAIMS.authenticated, aal: "aal2" })).allowed).toBe(true);
    } finally {
      await db.pool.query(`UPDATE gateway.settings SET value = 'aal1' WHERE key = 'decision_min_aal'`);
    }
    expect((await decide({ ...CLAIMS.authenticated, aal: "aal1" })).allowed).toBe(true);
    // Only the owner may change it: no API role reads or writes the settings.
    for (const role of ROLES) {
      expect(await attempt(role, `UPDATE gateway.settings SET value = 'aal1'`), role).toMatchObject({ allowed: false, why: "permission denied" });
    }
  });

  test("anon cannot even call the approval decision door", async () => {
    const outcome = await attempt("anon", `SELECT gateway.decide_agent_approval('${ID.approval}', 'APPROVE', NULL)`);
    expect(outcome).toMatchObject({ allowed: false, why: "permission denied" });
  });
});
