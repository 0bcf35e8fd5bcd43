// Probing row-level security the way the gateway runs a request: inside a transaction,
//   select set_config('role', $role, true), set_config('request.jwt.claims', $claims, true)
// then one statement, then ROLLBACK. PostgreSQL denies in three ways, all counted as "denied":
// permission denied (42501, no GRANT), an RLS violation on a written row (42501), or a USING clause
// that hides every row (0 rows visible or affected).
// Shared by tests/rls.test.ts (the database against a hand-written expectation) and
// tests/rls-parity.test.ts (the database against the GraphQL policy table).
import type pg from "pg";

export type Role = "anon" | "authenticated" | "service_role";
export type Operation = "select" | "insert" | "update" | "delete";
export const ROLES: readonly Role[] = ["anon", "authenticated", "service_role"];
/**
 * The kinds of callers: the three database roles, plus "anonymous", a Supabase anonymous sign-in
 * (role authenticated, is_anonymous: true), which must get no more than anon (D1).
 */
export type Caller = Role | "anonymous";
export const CALLERS: readonly Caller[] = ["anon", "anonymous", "authenticated", "service_role"];
/** The database role a caller's requests run as. */
export const dbRoleOf = (caller: Caller): Role => (caller === "anonymous" ? "authenticated" : caller);
export const OPERATIONS: readonly Operation[] = ["select", "insert", "update", "delete"];

// ───────────────────────────── Fixtures ─────────────────────────────

export const OPERATOR_SUB = "6f1d3c8e-2b7a-4c1e-9a55-0d2f1e7b3a01";
export const ANONYMOUS_SUB = "6b1c9b4e-0000-4000-8000-000000000001";
export const CLAIMS: Record<Caller, Record<string, unknown>> = {
  anon: { role: "anon" },
  anonymous: { sub: ANONYMOUS_SUB, role: "authenticated", is_anonymous: true, amr: [{ method: "anonymous" }], aal: "aal1" },
  authenticated: { sub: OPERATOR_SUB, role: "authenticated", email: "justin@hotrodan.com" },
  service_role: { role: "service_role" },
};

const id = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
export const ID = {
  campaign: id(1),
  metric: id(2),
  legacy: id(3),
  run: id(4),
  qc: id(5),
  approval: id(6),
  query: id(7),
  feedback: id(8),
  document: id(9),
  chunk: id(10),
  metadata: id(11),
  snapshot: id(12),
  supplier: id(13),
  reorder: id(14),
  fact: id(15),
  decision: id(16),
  reply: id(17),
  logInfo: id(18),
  logWarn: id(19),
  logError: id(20),
  logDebug: id(21),
  creds: id(22),
  vaultAudit: id(23),
  executedApproval: id(24),
  approvedAction: id(25),
};
const BYTES = (n: number) => `decode(repeat('ab', ${n}), 'hex')`;

// One existing row per table (inserted by the owner), for SELECT, UPDATE and DELETE to act on.
export const SEED_SQL = `
  INSERT INTO ads_campaigns (id, campaign_id, platform, campaign_name, start_date) VALUES ('${ID.campaign}', 'rls-1', 'meta', 'RLS', '2025-01-01');
  INSERT INTO ads_daily_metrics (id, campaign_id, metric_date, spend_cents, clicks) VALUES ('${ID.metric}', '${ID.campaign}', '2025-01-01', 100, 4);
  INSERT INTO ads_metrics_daily (id, campaign_id, platform, date) VALUES ('${ID.legacy}', 'rls-1', 'meta', '2025-01-01');
  INSERT INTO agent_run (run_id, agent_name) VALUES ('${ID.run}', 'cx-agent');
  INSERT INTO agent_qc (id, run_id, quality_score) VALUES ('${ID.qc}', '${ID.run}', 4);
  INSERT INTO "AgentApproval" (id, "conversationId", agent, kind, summary) VALUES ('${ID.approval}', 'cw-1', 'cx-agent', 'cx_reply', 'Reply');
  INSERT INTO "AgentQuery" (id, "conversationId", agent, model, query) VALUES ('${ID.query}', 'cw-1', 'cx-agent', 'gpt-4o-mini', 'q');
  -- Two approved gated proposals: one already executed (AgentApprovalExecution's row), one not yet (gateway.begin_approved_execution's probe).
  INSERT INTO "AgentApproval" (id, "conversationId", agent, kind, summary, payload) VALUES
    ('${ID.executedApproval}', 'cw-1', 'cx-agent', 'ArchiveAdsCampaign', 'Archive', '{"operation":"ArchiveAdsCampaign","documentId":"sha256:probe","variables":{}}'),
    ('${ID.approvedAction}', 'cw-1', 'cx-agent', 'ArchiveAdsCampaign', 'Archive', '{"operation":"ArchiveAdsCampaign","documentId":"sha256:probe","variables":{}}');
  UPDATE "AgentApproval" SET status = 'approved', "decidedBy" = '${OPERATOR_SUB}', "decidedAt" = now() WHERE id IN ('${ID.executedApproval}', '${ID.approvedAction}');
  INSERT INTO "AgentApprovalExecution" ("approvalId", "executedBy", operation, "documentId") VALUES ('${ID.executedApproval}', 'agent:cx-agent', 'ArchiveAdsCampaign', 'sha256:probe');
  INSERT INTO "AgentFeedback" (id, "approvalId", "conversationId", annotator) VALUES ('${ID.feedback}', '${ID.approval}', 'cw-1', '${OPERATOR_SUB}');
  INSERT INTO knowledge_documents (id, title, source, content) VALUES ('${ID.document}', 'Doc', 'test', 'Content');
  INSERT INTO knowledge_chunks (id, document_id, chunk_index, content) VALUES ('${ID.chunk}', '${ID.document}', 0, 'Content');
  INSERT INTO knowledge_metadata (id, document_id, key, value) VALUES ('${ID.metadata}', '${ID.document}', 'category', 'x');
  INSERT INTO inventory_snapshots (id, sku, snapshot_date) VALUES ('${ID.snapshot}', 'RLS-SKU', '2025-01-01');
  INSERT INTO supplier_lead_times (id, supplier, lead_time_days) VALUES ('${ID.supplier}', 'RLS supplier', 7);
  INSERT INTO reorder_points (id, sku, supplier_id) VALUES ('${ID.reorder}', 'RLS-SKU', '${ID.supplier}');
  INSERT INTO "DashboardFact" (id, "shopDomain", metric, "factDate", value) VALUES ('${ID.fact}', 'hotrodan.myshopify.com', 'orders', '2025-01-01', 3);
  INSERT INTO "DecisionLog" (id, scope, actor, action) VALUES ('${ID.decision}', 'ops', 'system', 'noted');
  INSERT INTO "DecisionLog" (id, scope, actor, action, "externalRef") VALUES ('${ID.vaultAudit}', 'credentials', 'service_role', 'credential.read', 'creds_meta:shopify-admin');
  INSERT INTO support_curated_replies (id, message_body, approver) VALUES ('${ID.reply}', 'Hello', 'ops@hotrodan.com');
  INSERT INTO observability_logs (id, level, message) VALUES
    ('${ID.logInfo}', 'INFO', 'i'), ('${ID.logWarn}', 'WARN', 'w'), ('${ID.logError}', 'ERROR', 'e'), ('${ID.logDebug}', 'DEBUG', 'd');
  INSERT INTO creds_meta (id, name, provider, ciphertext, nonce, auth_tag, key_id)
    VALUES ('${ID.creds}', 'shopify-admin', 'shopify', ${BYTES(8)}, ${BYTES(12)}, ${BYTES(16)}, 'k1');
  INSERT INTO agent_keys (id, agent, key_hash) VALUES ('ak_000000000001', 'cx-agent', ${BYTES(32)});
`;

export interface Statements {
  insert: string;
  /** A harmless change of the seeded row (trigger- and CHECK-safe). */
  set: string;
  /** The seeded row's key. */
  where: string;
}

export const STATEMENTS: Record<string, Statements> = {
  ads_campaigns: {
    insert: `INSERT INTO ads_campaigns (campaign_id, platform, campaign_name, start_date) VALUES ('rls-2', 'google', 'New', '2025-02-01')`,
    set: `campaign_name = 'Renamed'`,
    where: `id = '${ID.campaign}'`,
  },
  ads_daily_metrics: {
    insert: `INSERT INTO ads_daily_metrics (campaign_id, metric_date) VALUES ('${ID.campaign}', '2025-01-02')`,
    set: `clicks = 5`,
    where: `id = '${ID.metric}'`,
  },
  ads_metrics_daily: {
    insert: `INSERT INTO ads_metrics_daily (campaign_id, platform, date) VALUES ('rls-1', 'meta', '2025-01-02')`,
    set: `clicks = 5`,
    where: `id = '${ID.legacy}'`,
  },
  agent_run: {
    insert: `INSERT INTO agent_run (agent_name) VALUES ('inventory-agent')`,
    set: `input_kind = 'schedule'`,
    where: `run_id = '${ID.run}'`,
  },
  agent_qc: { insert: `INSERT INTO agent_qc (run_id, quality_score) VALUES ('${ID.run}', 5)`, set: `notes = 'checked'`, where: `id = '${ID.qc}'` },
  AgentApproval: {
    insert: `INSERT INTO "AgentApproval" ("conversationId", agent, kind, summary) VALUES ('cw-2', 'cx-agent', 'refund', 'Refund')`,
    set: `"lastInterruptions" = '[{"type": "requires_human"}]'`,
    where: `id = '${ID.approval}'`,
  },
  AgentApprovalExecution: {
    insert: `INSERT INTO "AgentApprovalExecution" ("approvalId", "executedBy", operation, "documentId") VALUES ('${ID.approvedAction}', 'x', 'ArchiveAdsCampaign', 'sha256:probe')`,
    set: `"executedBy" = 'someone else'`,
    where: `"approvalId" = '${ID.executedApproval}'`,
  },
  AgentFeedback: {
    insert: `INSERT INTO "AgentFeedback" ("conversationId", "queryId", annotator, rating) VALUES ('cw-1', '${ID.query}', '${OPERATOR_SUB}', 4)`,
    set: `notes = 'n'`,
    where: `id = '${ID.feedback}'`,
  },
  AgentQuery: {
    insert: `INSERT INTO "AgentQuery" ("conversationId", agent, model, query) VALUES ('cw-2', 'cx-agent', 'gpt-4.1', 'q2')`,
    set: `"latencyMs" = 12`,
    where: `id = '${ID.query}'`,
  },
  knowledge_documents: {
    insert: `INSERT INTO knowledge_documents (title, source, content) VALUES ('Doc 2', 'test', 'More')`,
    set: `title = 'Doc 1'`,
    where: `id = '${ID.document}'`,
  },
  knowledge_chunks: {
    insert: `INSERT INTO knowledge_chunks (document_id, chunk_index, content) VALUES ('${ID.document}', 1, 'More')`,
    set: `token_count = 2`,
    where: `id = '${ID.chunk}'`,
  },
  knowledge_metadata: {
    insert: `INSERT INTO knowledge_metadata (document_id, key, value) VALUES ('${ID.document}', 'tags', 'a,b')`,
    set: `value = 'y'`,
    where: `id = '${ID.metadata}'`,
  },
  inventory_snapshots: {
    insert: `INSERT INTO inventory_snapshots (sku, snapshot_date) VALUES ('RLS-SKU', '2025-01-02')`,
    set: `units_sold = 1`,
    where: `id = '${ID.snapshot}'`,
  },
  reorder_points: { insert: `INSERT INTO reorder_points (sku) VALUES ('RLS-SKU-2')`, set: `safety_stock = 3`, where: `id = '${ID.reorder}'` },
  supplier_lead_times: {
    insert: `INSERT INTO supplier_lead_times (supplier, lead_time_days) VALUES ('RLS supplier 2', 9)`,
    set: `lead_time_days = 8`,
    where: `id = '${ID.supplier}'`,
  },
  DashboardFact: {
    insert: `INSERT INTO "DashboardFact" ("shopDomain", metric, "factDate", value) VALUES ('hotrodan.myshopify.com', 'orders', '2025-01-02', 5)`,
    set: `value = 4`,
    where: `id = '${ID.fact}'`,
  },
  DecisionLog: {
    insert: `INSERT INTO "DecisionLog" (scope, actor, action) VALUES ('ops', 'tester', 'noted')`,
    set: `rationale = 'rewritten'`,
    where: `id = '${ID.decision}'`,
  },
  support_curated_replies: {
    insert: `INSERT INTO support_curated_replies (message_body, approver) VALUES ('Hi again', 'ops@hotrodan.com')`,
    set: `tags = '{greeting}'`,
    where: `id = '${ID.reply}'`,
  },
  observability_logs: {
    insert: `INSERT INTO observability_logs (level, message) VALUES ('INFO', 'new')`,
    set: `message = 'edited'`,
    where: `id = '${ID.logInfo}'`,
  },
  creds_meta: {
    insert: `INSERT INTO creds_meta (name, provider, ciphertext, nonce, auth_tag, key_id) VALUES ('openai', 'openai', ${BYTES(8)}, ${BYTES(12)}, ${BYTES(16)}, 'k1')`,
    set: `description = 'd'`,
    where: `id = '${ID.creds}'`,
  },
  agent_keys: {
    insert: `INSERT INTO agent_keys (id, agent, key_hash) VALUES ('ak_000000000002', 'cx-agent', decode(repeat('cd', 32), 'hex'))`,
    set: `revoked_at = now()`,
    where: `id = 'ak_000000000001'`,
  },
};

/**
 * One call per database function an API role may execute (ROUTINES in src/auth/policy.ts), valid on
 * the seeded rows: allowed = it ran (a row came back), denied = PostgreSQL refused (42501).
 */
export const ROUTINE_CALLS: Record<string, string> = {
  decide_agent_approval: `SELECT gateway.decide_agent_approval('${ID.approval}', 'REJECT', NULL)`,
  expire_agent_approvals: `SELECT gateway.expire_agent_approvals()`,
  begin_approved_execution: `SELECT gateway.begin_approved_execution('${ID.approvedAction}', 'sha256:probe', '{}')`,
  // It needs an execution begun in the same transaction: both in one statement.
  finish_approved_execution: `SELECT gateway.finish_approved_execution(e."approvalId", '{}') FROM gateway.begin_approved_execution('${ID.approvedAction}', 'sha256:probe', '{}') AS e`,
  record_vault_audit: `SELECT gateway.record_vault_audit('[{"action":"credential.read","name":"shopify-admin","rationale":"probe"}]')`,
};

export function sqlFor(table: string, op: Operation): string {
  const s = STATEMENTS[table];
  if (!s) throw new Error(`no RLS probe statements for table ${table}: add them to tests/support/rls-probe.ts`);
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

export type Outcome =
  | { allowed: true; rows: number; result: pg.QueryResult }
  | { allowed: false; why: "permission denied" | "row-level security" | "no rows" | "refused"; message?: string };

/** Runs `fn` as `role` (a caller's database role) with JWT `claims`, the gateway's way, and always rolls back. */
export async function asRole<T>(pool: pg.Pool, role: Caller, claims: object, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(`SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`, [dbRoleOf(role), JSON.stringify(claims)]);
    return await fn(client);
  } finally {
    await client.query("ROLLBACK").catch(() => {});
    client.release();
  }
}

/** One statement as a caller: allowed (rows seen / affected) or denied, and how PostgreSQL denied it. */
export async function attempt(pool: pg.Pool, role: Caller, sql: string, claims: object = CLAIMS[role]): Promise<Outcome> {
  return asRole(pool, role, claims, async (client) => {
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
