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
import type pg from "pg";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

type Role = "anon" | "authenticated" | "service_role";
type Operation = "select" | "insert" | "update" | "delete";
const ROLES: readonly Role[] = ["anon", "authenticated", "service_role"];
const OPERATIONS: readonly Operation[] = ["select", "insert", "update", "delete"];

const NONE: Operation[] = [];
const READ: Operation[] = ["select"];
const ALL: Operation[] = ["select", "insert", "update", "delete"];

/**
 * Who may do what. anon may do nothing anywhere. Row rules narrow some entries (tested below):
 *   ¹ AgentFeedback INSERT by authenticated: only with annotator = the JWT sub.
 *   ² observability_logs SELECT by authenticated: only INFO and WARN rows.
 *   ³ DecisionLog: append-only; nobody (not even the owner) may UPDATE or DELETE.
 */
const expectedAccess = {
  ads_campaigns: { anon: NONE, authenticated: READ, service_role: ALL },
  ads_daily_metrics: { anon: NONE, authenticated: READ, service_role: ALL },
  ads_metrics_daily: { anon: NONE, authenticated: READ, service_role: ALL },
  agent_run: { anon: NONE, authenticated: NONE, service_role: ALL },
  agent_qc: { anon: NONE, authenticated: NONE, service_role: ALL },
  AgentApproval: { anon: NONE, authenticated: READ, service_role: ALL },
  AgentFeedback: { anon: NONE, authenticated: ["select", "insert"], service_role: ALL }, // ¹
  AgentQuery: { anon: NONE, authenticated: NONE, service_role: ALL },
  knowledge_documents: { anon: NONE, authenticated: NONE, service_role: ALL },
  knowledge_chunks: { anon: NONE, authenticated: NONE, service_role: ALL },
  knowledge_metadata: { anon: NONE, authenticated: NONE, service_role: ALL },
  inventory_snapshots: { anon: NONE, authenticated: READ, service_role: ALL },
  reorder_points: { anon: NONE, authenticated: READ, service_role: ALL },
  supplier_lead_times: { anon: NONE, authenticated: READ, service_role: ALL },
  DashboardFact: { anon: NONE, authenticated: READ, service_role: ALL },
  DecisionLog: { anon: NONE, authenticated: READ, service_role: ["select", "insert"] }, // ³
  support_curated_replies: { anon: NONE, authenticated: READ, service_role: ALL },
  observability_logs: { anon: NONE, authenticated: READ, service_role: ALL }, // ²
  creds_meta: { anon: NONE, authenticated: NONE, service_role: ALL },
} as const satisfies Record<string, Record<Role, readonly Operation[]>>;

type Table = keyof typeof expectedAccess;

/** Database functions the API roles may execute (everything else is revoked from PUBLIC). */
const expectedRoutines = {
  "gateway.decide_agent_approval(uuid, text, text)": ["authenticated", "service_role"],
  "gateway.expire_agent_approvals()": ["service_role"],
} as const satisfies Record<string, readonly Role[]>;

// ───────────────────────────── Fixtures ─────────────────────────────

const OPERATOR_SUB = "6f1d3c8e-2b7a-4c1e-9a55-0d2f1e7b3a01";
const CLAIMS: Record<Role, object> = {
  anon: { role: "anon" },
  authenticated: { sub: OPERATOR_SUB, role: "authenticated", email: "justin@hotrodan.com" },
  service_role: { role: "service_role" },
};

const id = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
const ID = {
  campaign: id(1), metric: id(2), legacy: id(3), run: id(4), qc: id(5), approval: id(6), query: id(7), feedback: id(8),
  document: id(9), chunk: id(10), metadata: id(11), snapshot: id(12), supplier: id(13), reorder: id(14), fact: id(15),
  decision: id(16), reply: id(17), logInfo: id(18), logWarn: id(19), logError: id(20), logDebug: id(21), creds: id(22),
};
const BYTES = (n: number) => `decode(repeat('ab', ${n}), 'hex')`;

// One existing row per table (inserted by the owner), for SELECT, UPDATE and DELETE to act on.
const SEED_SQL = `
  INSERT INTO ads_campaigns (id, campaign_id, platform, campaign_name, start_date) VALUES ('${ID.campaign}', 'rls-1', 'meta', 'RLS', '2025-01-01');
  INSERT INTO ads_daily_metrics (id, campaign_id, metric_date, spend_cents, clicks) VALUES ('${ID.metric}', '${ID.campaign}', '2025-01-01', 100, 4);
  INSERT INTO ads_metrics_daily (id, campaign_id, platform, date) VALUES ('${ID.legacy}', 'rls-1', 'meta', '2025-01-01');
  INSERT INTO agent_run (run_id, agent_name) VALUES ('${ID.run}', 'cx-agent');
  INSERT INTO agent_qc (id, run_id, quality_score) VALUES ('${ID.qc}', '${ID.run}', 4);
  INSERT INTO "AgentApproval" (id, "conversationId", agent, kind, summary) VALUES ('${ID.approval}', 'cw-1', 'cx-agent', 'cx_reply', 'Reply');
  INSERT INTO "AgentQuery" (id, "conversationId", agent, model, query) VALUES ('${ID.query}', 'cw-1', 'cx-agent', 'gpt-4o-mini', 'q');
  INSERT INTO "AgentFeedback" (id, "approvalId", "conversationId", annotator) VALUES ('${ID.feedback}', '${ID.approval}', 'cw-1', '${OPERATOR_SUB}');
  INSERT INTO knowledge_documents (id, title, source, content) VALUES ('${ID.document}', 'Doc', 'test', 'Content');
  INSERT INTO knowledge_chunks (id, document_id, chunk_index, content) VALUES ('${ID.chunk}', '${ID.document}', 0, 'Content');
  INSERT INTO knowledge_metadata (id, document_id, key, value) VALUES ('${ID.metadata}', '${ID.document}', 'category', 'x');
  INSERT INTO inventory_snapshots (id, sku, snapshot_date) VALUES ('${ID.snapshot}', 'RLS-SKU', '2025-01-01');
  INSERT INTO supplier_lead_times (id, supplier, lead_time_days) VALUES ('${ID.supplier}', 'RLS supplier', 7);
  INSERT INTO reorder_points (id, sku, supplier_id) VALUES ('${ID.reorder}', 'RLS-SKU', '${ID.supplier}');
  INSERT INTO "DashboardFact" (id, "shopDomain", metric, "factDate", value) VALUES ('${ID.fact}', 'hotrodan.myshopify.com', 'orders', '2025-01-01', 3);
  INSERT INTO "DecisionLog" (id, scope, actor, action) VALUES ('${ID.decision}', 'ops', 'system', 'noted');
  INSERT INTO support_curated_replies (id, message_body, approver) VALUES ('${ID.reply}', 'Hello', 'ops@hotrodan.com');
  INSERT INTO observability_logs (id, level, message) VALUES
    ('${ID.logInfo}', 'INFO', 'i'), ('${ID.logWarn}', 'WARN', 'w'), ('${ID.logError}', 'ERROR', 'e'), ('${ID.logDebug}', 'DEBUG', 'd');
  INSERT INTO creds_meta (id, name, provider, ciphertext, nonce, auth_tag, key_id)
    VALUES ('${ID.creds}', 'shopify-admin', 'shopify', ${BYTES(8)}, ${BYTES(12)}, ${BYTES(16)}, 'k1');
`;

interface Statements {
  insert: string;
  /** A harmless change of the seeded row (trigger- and CHECK-safe). */
  set: string;
  /** The seeded row's key. */
  where: string;
}

const STATEMENTS: Record<Table, Statements> = {
  ads_campaigns: { insert: `INSERT INTO ads_campaigns (campaign_id, platform, campaign_name, start_date) VALUES ('rls-2', 'google', 'New', '2025-02-01')`, set: `campaign_name = 'Renamed'`, where: `id = '${ID.campaign}'` },
  ads_daily_metrics: { insert: `INSERT INTO ads_daily_metrics (campaign_id, metric_date) VALUES ('${ID.campaign}', '2025-01-02')`, set: `clicks = 5`, where: `id = '${ID.metric}'` },
  ads_metrics_daily: { insert: `INSERT INTO ads_metrics_daily (campaign_id, platform, date) VALUES ('rls-1', 'meta', '2025-01-02')`, set: `clicks = 5`, where: `id = '${ID.legacy}'` },
  agent_run: { insert: `INSERT INTO agent_run (agent_name) VALUES ('inventory-agent')`, set: `input_kind = 'schedule'`, where: `run_id = '${ID.run}'` },
  agent_qc: { insert: `INSERT INTO agent_qc (run_id, quality_score) VALUES ('${ID.run}', 5)`, set: `notes = 'checked'`, where: `id = '${ID.qc}'` },
  AgentApproval: { insert: `INSERT INTO "AgentApproval" ("conversationId", agent, kind, summary) VALUES ('cw-2', 'cx-agent', 'refund', 'Refund')`, set: `"lastInterruptions" = '[{"type": "requires_human"}]'`, where: `id = '${ID.approval}'` },
  AgentFeedback: { insert: `INSERT INTO "AgentFeedback" ("conversationId", "queryId", annotator, rating) VALUES ('cw-1', '${ID.query}', '${OPERATOR_SUB}', 4)`, set: `notes = 'n'`, where: `id = '${ID.feedback}'` },
  AgentQuery: { insert: `INSERT INTO "AgentQuery" ("conversationId", agent, model, query) VALUES ('cw-2', 'cx-agent', 'gpt-4.1', 'q2')`, set: `"latencyMs" = 12`, where: `id = '${ID.query}'` },
  knowledge_documents: { insert: `INSERT INTO knowledge_documents (title, source, content) VALUES ('Doc 2', 'test', 'More')`, set: `title = 'Doc 1'`, where: `id = '${ID.document}'` },
  knowledge_chunks: { insert: `INSERT INTO knowledge_chunks (document_id, chunk_index, content) VALUES ('${ID.document}', 1, 'More')`, set: `token_count = 2`, where: `id = '${ID.chunk}'` },
  knowledge_metadata: { insert: `INSERT INTO knowledge_metadata (document_id, key, value) VALUES ('${ID.document}', 'tags', 'a,b')`, set: `value = 'y'`, where: `id = '${ID.metadata}'` },
  inventory_snapshots: { insert: `INSERT INTO inventory_snapshots (sku, snapshot_date) VALUES ('RLS-SKU', '2025-01-02')`, set: `units_sold = 1`, where: `id = '${ID.snapshot}'` },
  reorder_points: { insert: `INSERT INTO reorder_points (sku) VALUES ('RLS-SKU-2')`, set: `safety_stock = 3`, where: `id = '${ID.reorder}'` },
  supplier_lead_times: { insert: `INSERT INTO supplier_lead_times (supplier, lead_time_days) VALUES ('RLS supplier 2', 9)`, set: `lead_time_days = 8`, where: `id = '${ID.supplier}'` },
  DashboardFact: { insert: `INSERT INTO "DashboardFact" ("shopDomain", metric, "factDate", value) VALUES ('hotrodan.myshopify.com', 'orders', '2025-01-02', 5)`, set: `value = 4`, where: `id = '${ID.fact}'` },
  DecisionLog: { insert: `INSERT INTO "DecisionLog" (scope, actor, action) VALUES ('ops', 'tester', 'noted')`, set: `rationale = 'rewritten'`, where: `id = '${ID.decision}'` },
  support_curated_replies: { insert: `INSERT INTO support_curated_replies (message_body, approver) VALUES ('Hi again', 'ops@hotrodan.com')`, set: `tags = '{greeting}'`, where: `id = '${ID.reply}'` },
  observability_logs: { insert: `INSERT INTO observability_logs (level, message) VALUES ('INFO', 'new')`, set: `message = 'edited'`, where: `id = '${ID.logInfo}'` },
  creds_meta: { insert: `INSERT INTO creds_meta (name, provider, ciphertext, nonce, auth_tag, key_id) VALUES ('openai', 'openai', ${BYTES(8)}, ${BYTES(12)}, ${BYTES(16)}, 'k1')`, set: `description = 'd'`, where: `id = '${ID.creds}'` },
};

function sqlFor(table: Table, op: Operation): string {
  const s = STATEMENTS[table];
  switch (op) {
    case "select":
      return `SELECT * FROM public."${table}"`;
    case "insert":
      return s.insert;
    case "update":
      return `UPDATE public."${table}" SET ${s.set} WHERE ${s.where}`;
    case "delete":
      return `DELETE FROM public."${table}" WHERE ${s.where}`;
  }
}

// ───────────────────────────── Running as a role ─────────────────────────────

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query(SEED_SQL);
});
afterAll(() => db?.close());

type Outcome =
  | { allowed: true; rows: number; result: pg.QueryResult }
  | { allowed: false; why: "permission denied" | "row-level security" | "no rows" | "refused"; message?: string };

/** Runs `fn` as `role` with JWT `claims`, the gateway's way, and always rolls back. */
async function asRole<T>(role: Role, claims: object, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(`SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`, [role, JSON.stringify(claims)]);
    return await fn(client);
  } finally {
    await client.query("ROLLBACK").catch(() => {});
    client.release();
  }
}

/** One statement as a role: allowed (rows seen / affected) or denied, and how PostgreSQL denied it. */
async function attempt(role: Role, sql: string, claims: object = CLAIMS[role]): Promise<Outcome> {
  return asRole(role, claims, async (client) => {
    try {
      const result = await client.query(sql);
      const rows = result.rowCount ?? 0;
      return rows > 0 ? { allowed: true, rows, result } : { allowed: false, why: "no rows" };
    } catch (err) {
      const e = err as pg.DatabaseError;
      if (e.code !== "42501") throw err; // anything else is a broken fixture, not a policy decision
      const why = /row-level security/.test(e.message) ? "row-level security" : /permission denied/.test(e.message) ? "permission denied" : "refused";
      return { allowed: false, why, message: e.message };
    }
  });
}

// ───────────────────────────── The matrix ─────────────────────────────

const cases = (Object.keys(expectedAccess) as Table[]).flatMap((table) =>
  ROLES.flatMap((role) =>
    OPERATIONS.map((op) => ({ table, role, op, expected: (expectedAccess[table][role] as readonly Operation[]).includes(op) ? "allowed" : "denied" })),
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
    expect(got, `${role} ${op} on ${table}: ${outcome.allowed ? `${outcome.rows} row(s)` : `${outcome.why}${outcome.message ? ` (${outcome.message})` : ""}`}`).toBe(expected);
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
    expect(await attempt("authenticated", `SELECT * FROM observability_logs WHERE id = '${ID.logError}'`)).toEqual({ allowed: false, why: "no rows" });
  });

  test("authenticated may insert AgentFeedback only as itself (annotator = JWT sub)", async () => {
    const insert = (annotator: string | null) =>
      `INSERT INTO "AgentFeedback" ("conversationId", "approvalId", annotator, rating, labels)
       VALUES ('cw-1', '${ID.approval}', ${annotator === null ? "NULL" : `'${annotator}'`}, 5, '{helpful}')`;
    expect((await attempt("authenticated", insert(OPERATOR_SUB))).allowed).toBe(true);
    expect(await attempt("authenticated", insert("someone-else"))).toMatchObject({ allowed: false, why: "row-level security" });
    expect(await attempt("authenticated", insert(null))).toMatchObject({ allowed: false, why: "row-level security" });
    // A token without a sub can annotate as nobody.
    expect(await attempt("authenticated", insert(OPERATOR_SUB), { role: "authenticated" })).toMatchObject({ allowed: false, why: "row-level security" });
    // Once written, feedback is not the operator's to edit or delete.
    expect(await attempt("authenticated", `UPDATE "AgentFeedback" SET rating = 1 WHERE annotator = '${OPERATOR_SUB}'`)).toMatchObject({ allowed: false, why: "permission denied" });
    expect(await attempt("authenticated", `DELETE FROM "AgentFeedback" WHERE annotator = '${OPERATOR_SUB}'`)).toMatchObject({ allowed: false, why: "permission denied" });
  });

  // KNOWN DEFECT, reported to the lead: the policy compares annotator with gateway.jwt_subject() as is, so
  // a token whose sub is "" writes feedback attributed to nobody (gateway.decide_agent_approval already
  // treats a blank sub as no identity). Fix: annotator = nullif(btrim(gateway.jwt_subject()), '') in the
  // policy (or in jwt_subject() itself). This test then passes and vitest flags the .fails marker.
  test("a blank sub is no identity: it cannot annotate either", async () => {
    const outcome = await attempt(
      "authenticated",
      `INSERT INTO "AgentFeedback" ("conversationId", annotator) VALUES ('cw-1', '')`,
      { role: "authenticated", sub: "" },
    );
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

  test("anon sees nothing anywhere: every table refuses it outright", async () => {
    for (const table of Object.keys(expectedAccess) as Table[]) {
      expect(await attempt("anon", `SELECT count(*) FROM public."${table}"`), table).toMatchObject({ allowed: false, why: "permission denied" });
    }
  });

  test("service_role-only tables are invisible to authenticated, not just empty", async () => {
    const serviceOnly = (Object.keys(expectedAccess) as Table[]).filter((t) => expectedAccess[t].authenticated.length === 0);
    expect(serviceOnly.sort()).toEqual(["AgentQuery", "agent_qc", "agent_run", "creds_meta", "knowledge_chunks", "knowledge_documents", "knowledge_metadata"]);
    for (const table of serviceOnly) {
      expect(await attempt("authenticated", `SELECT count(*) FROM public."${table}"`), table).toMatchObject({ allowed: false, why: "permission denied" });
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
      await client.query(`SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [JSON.stringify(CLAIMS.authenticated)]);
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
      asRole("authenticated", { sub: "user-b", role: "authenticated" }, async (c) => (await c.query(`SELECT gateway.jwt_subject() AS sub`)).rows[0].sub),
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

  test("anon cannot even call the approval decision door", async () => {
    const outcome = await attempt("anon", `SELECT gateway.decide_agent_approval('${ID.approval}', 'APPROVE', NULL)`);
    expect(outcome).toMatchObject({ allowed: false, why: "permission denied" });
  });
});
