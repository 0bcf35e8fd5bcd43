// The data model as the database enforces it: constraints (with the SQLSTATE and constraint name a
// caller sees), ON DELETE actions, the ads metrics trigger, updated_at triggers, defaults, the append-only
// DecisionLog, RLS being on everywhere, the embedding column with and without pgvector, and the demo seed.
// Everything runs against real databases (tests/support): the local server and embedded PGlite.
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from "vitest";
import type pg from "pg";
import {
  DEMO_OPERATORS,
  DEMO_SEED_MARKER,
  DEMO_SHOP_DOMAIN,
  EMBEDDING_DIMENSIONS,
  embedText,
  embeddingLiteral,
  seedDemoData,
} from "../src/db/seed/index.ts";
import { createTestDatabase, createVectorTestDatabase, type TestDatabase } from "./support/test-database.ts";

const ALL_TABLES = [
  "AgentApproval",
  "AgentFeedback",
  "AgentQuery",
  "DashboardFact",
  "DecisionLog",
  "ads_campaigns",
  "ads_daily_metrics",
  "ads_metrics_daily",
  "agent_qc",
  "agent_run",
  "creds_meta",
  "inventory_snapshots",
  "knowledge_chunks",
  "knowledge_documents",
  "knowledge_metadata",
  "observability_logs",
  "reorder_points",
  "supplier_lead_times",
  "support_curated_replies",
] as const;
/**
 * The gateway's own tables beside the document's (agent_keys: hashes of agents' keys, keyed by their printed ak_ id;
 * AgentApprovalExecution: one row per executed approval, keyed by the approval's id).
 */
const GATEWAY_TABLES = ["agent_keys", "AgentApprovalExecution"] as const;

let db: TestDatabase;

// Parent rows the statements below point at (committed once; every test rolls back its own writes).
const BASE_SQL = `
  INSERT INTO ads_campaigns (campaign_id, platform, campaign_name, start_date) VALUES ('base', 'meta', 'Base', '2025-01-01');
  INSERT INTO ads_daily_metrics (campaign_id, metric_date) SELECT id, '2025-01-01' FROM ads_campaigns WHERE campaign_id = 'base';
  INSERT INTO ads_metrics_daily (campaign_id, platform, date) VALUES ('legacy-base', 'google', '2025-01-01');
  INSERT INTO agent_run (run_id, agent_name) VALUES ('00000000-0000-4000-8000-000000000001', 'cx-agent');
  INSERT INTO "AgentApproval" (id, "conversationId", agent, kind, summary)
    VALUES ('00000000-0000-4000-8000-000000000002', 'cw-1', 'cx-agent', 'cx_reply', 'Reply to cw-1');
  INSERT INTO "AgentQuery" (id, "conversationId", agent, model, query)
    VALUES ('00000000-0000-4000-8000-000000000003', 'cw-1', 'cx-agent', 'gpt-4o-mini', 'Where is my order?');
  INSERT INTO knowledge_documents (id, title, source, content)
    VALUES ('00000000-0000-4000-8000-000000000004', 'Base doc', 'test', 'Base content');
  INSERT INTO supplier_lead_times (id, supplier, lead_time_days) VALUES ('00000000-0000-4000-8000-000000000005', 'Base supplier', 7);
  INSERT INTO reorder_points (sku) VALUES ('BASE-SKU');
  INSERT INTO inventory_snapshots (sku, snapshot_date) VALUES ('BASE-SKU', '2025-01-01');
  INSERT INTO "DashboardFact" ("shopDomain", metric, "factDate", value) VALUES ('base.myshopify.com', 'orders', '2025-01-01', 1);
  INSERT INTO knowledge_metadata (document_id, key, value) VALUES ('00000000-0000-4000-8000-000000000004', 'category', 'x');
  INSERT INTO creds_meta (name, provider, ciphertext, nonce, auth_tag, key_id)
    VALUES ('base', 'shopify', '\\x00', decode(repeat('00', 12), 'hex'), decode(repeat('00', 16), 'hex'), 'k1');
`;

const RUN = `'00000000-0000-4000-8000-000000000001'`;
const APPROVAL = `'00000000-0000-4000-8000-000000000002'`;
const QUERY = `'00000000-0000-4000-8000-000000000003'`;
const DOC = `'00000000-0000-4000-8000-000000000004'`;
const SUPPLIER = `'00000000-0000-4000-8000-000000000005'`;
const BASE_CAMPAIGN = `(SELECT id FROM ads_campaigns WHERE campaign_id = 'base')`;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query(BASE_SQL);
});
afterAll(() => db?.close());

/** Runs fn in a transaction that is always rolled back, so tests never see each other's rows. */
async function inRollback<T>(fn: (client: pg.PoolClient) => Promise<T>, pool: pg.Pool = db.pool): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    return await fn(client);
  } finally {
    await client.query("ROLLBACK").catch(() => {});
    client.release();
  }
}

/** The error a statement raises (inside a savepoint, so the transaction stays usable); fails if none. */
async function errorOf(client: pg.ClientBase, sql: string, params: unknown[] = []): Promise<pg.DatabaseError> {
  await client.query("SAVEPOINT expect_error");
  try {
    await client.query(sql, params);
  } catch (err) {
    await client.query("ROLLBACK TO SAVEPOINT expect_error");
    return err as pg.DatabaseError;
  }
  await client.query("RELEASE SAVEPOINT expect_error");
  throw new Error(`expected the statement to fail, but it succeeded:\n${sql}`);
}

const one = async <T = Record<string, unknown>>(client: pg.ClientBase | pg.Pool, sql: string, params: unknown[] = []) =>
  (await client.query(sql, params)).rows[0] as T;

// ───────────────────────────── Constraints ─────────────────────────────

describe("constraints reject bad rows with the SQLSTATE and constraint name callers map to errors", () => {
  const check = "23514";
  const unique = "23505";
  const foreignKey = "23503";
  const notNull = "23502";
  const campaign = (platform: string, status = "active", extra = "") =>
    `INSERT INTO ads_campaigns (campaign_id, platform, campaign_name, start_date, status${extra ? ", end_date" : ""})
     VALUES ('c-' || gen_random_uuid(), '${platform}', 'n', '2025-03-01', '${status}'${extra ? `, '${extra}'` : ""})`;

  const violations: Array<{ rule: string; sql: string; code: string; constraint?: string }> = [
    {
      rule: "ads_campaigns.platform is one of meta|google|organic|tiktok|pinterest",
      sql: campaign("facebook"),
      code: check,
      constraint: "ads_campaigns_platform_check",
    },
    {
      rule: "ads_campaigns.status is one of active|paused|draft|archived",
      sql: campaign("meta", "completed"),
      code: check,
      constraint: "ads_campaigns_status_check",
    },
    {
      rule: "ads_campaigns.end_date is not before start_date",
      sql: campaign("meta", "active", "2025-02-01"),
      code: check,
      constraint: "ads_campaigns_dates_check",
    },
    {
      rule: "ads_campaigns.budget_cents is not negative",
      sql: `INSERT INTO ads_campaigns (campaign_id, platform, campaign_name, start_date, budget_cents) VALUES ('neg', 'meta', 'n', '2025-01-01', -1)`,
      code: check,
      constraint: "ads_campaigns_budget_check",
    },
    {
      rule: "ads_campaigns.campaign_id is unique",
      sql: `INSERT INTO ads_campaigns (campaign_id, platform, campaign_name, start_date) VALUES ('base', 'google', 'n', '2025-01-01')`,
      code: unique,
      constraint: "ads_campaigns_campaign_id_key",
    },
    {
      rule: "one ads_daily_metrics row per campaign and day",
      sql: `INSERT INTO ads_daily_metrics (campaign_id, metric_date) SELECT ${BASE_CAMPAIGN}, '2025-01-01'`,
      code: unique,
      constraint: "ads_daily_metrics_campaign_id_metric_date_key",
    },
    {
      rule: "ads_daily_metrics.campaign_id references ads_campaigns",
      sql: `INSERT INTO ads_daily_metrics (campaign_id, metric_date) VALUES (gen_random_uuid(), '2025-01-02')`,
      code: foreignKey,
      constraint: "ads_daily_metrics_campaign_id_fkey",
    },
    {
      rule: "ads_daily_metrics counters are not negative",
      sql: `INSERT INTO ads_daily_metrics (campaign_id, metric_date, clicks) SELECT ${BASE_CAMPAIGN}, '2025-01-03', -1`,
      code: check,
      constraint: "ads_daily_metrics_counts_check",
    },
    {
      rule: "legacy ads_metrics_daily.platform is one of meta|google|unknown",
      sql: `INSERT INTO ads_metrics_daily (campaign_id, platform, date) VALUES ('x', 'tiktok', '2025-01-01')`,
      code: check,
      constraint: "ads_metrics_daily_platform_check",
    },
    {
      rule: "one legacy row per campaign and date",
      sql: `INSERT INTO ads_metrics_daily (campaign_id, platform, date) VALUES ('legacy-base', 'meta', '2025-01-01')`,
      code: unique,
      constraint: "ads_metrics_daily_campaign_id_date_key",
    },
    {
      rule: "agent_qc.quality_score is at least 1",
      sql: `INSERT INTO agent_qc (run_id, quality_score) VALUES (${RUN}, 0)`,
      code: check,
      constraint: "agent_qc_quality_score_check",
    },
    {
      rule: "agent_qc.quality_score is at most 5",
      sql: `INSERT INTO agent_qc (run_id, quality_score) VALUES (${RUN}, 6)`,
      code: check,
      constraint: "agent_qc_quality_score_check",
    },
    {
      rule: "agent_qc.run_id references agent_run",
      sql: `INSERT INTO agent_qc (run_id, quality_score) VALUES (gen_random_uuid(), 3)`,
      code: foreignKey,
      constraint: "agent_qc_run_id_fkey",
    },
    { rule: "agent_qc belongs to a run", sql: `INSERT INTO agent_qc (run_id, quality_score) VALUES (NULL, 3)`, code: notNull },
    {
      rule: "agent_run.resolution is resolved|escalated|failed (or NULL while running)",
      sql: `INSERT INTO agent_run (agent_name, resolution) VALUES ('a', 'done')`,
      code: check,
      constraint: "agent_run_resolution_check",
    },
    {
      rule: "agent_run ends after it starts",
      sql: `INSERT INTO agent_run (agent_name, started_at, ended_at) VALUES ('a', now(), now() - interval '1 s')`,
      code: check,
      constraint: "agent_run_times_check",
    },
    {
      rule: "a pending AgentApproval names no decider",
      sql: `INSERT INTO "AgentApproval" ("conversationId", agent, kind, summary, "decidedBy") VALUES ('c', 'a', 'k', 's', 'someone')`,
      code: check,
      constraint: "AgentApproval_decision_check",
    },
    {
      rule: "AgentApproval.kind is not blank",
      sql: `INSERT INTO "AgentApproval" ("conversationId", agent, kind, summary) VALUES ('c', 'a', '  ', 's')`,
      code: check,
      constraint: "AgentApproval_kind_check",
    },
    {
      rule: "AgentFeedback.rating is 1-5",
      sql: `INSERT INTO "AgentFeedback" ("conversationId", rating) VALUES ('c', 6)`,
      code: check,
      constraint: "AgentFeedback_rating_check",
    },
    {
      rule: "AgentFeedback.approvalId references AgentApproval",
      sql: `INSERT INTO "AgentFeedback" ("conversationId", "approvalId") VALUES ('c', gen_random_uuid())`,
      code: foreignKey,
      constraint: "AgentFeedback_approvalId_fkey",
    },
    {
      rule: "AgentQuery.outcome is success|error|timeout|refused",
      sql: `INSERT INTO "AgentQuery" ("conversationId", agent, model, query, outcome) VALUES ('c', 'a', 'm', 'q', 'ok')`,
      code: check,
      constraint: "AgentQuery_outcome_check",
    },
    {
      rule: "AgentQuery cost is not negative",
      sql: `INSERT INTO "AgentQuery" ("conversationId", agent, model, query, "costUsd") VALUES ('c', 'a', 'm', 'q', -0.000001)`,
      code: check,
      constraint: "AgentQuery_numbers_check",
    },
    {
      rule: "observability_logs.level is DEBUG|INFO|WARN|ERROR",
      sql: `INSERT INTO observability_logs (level, message) VALUES ('TRACE', 'm')`,
      code: check,
      constraint: "observability_logs_level_check",
    },
    {
      rule: "observability_logs.level is upper case",
      sql: `INSERT INTO observability_logs (level, message) VALUES ('info', 'm')`,
      code: check,
      constraint: "observability_logs_level_check",
    },
    {
      rule: "creds_meta.nonce is 12 bytes (AES-GCM)",
      sql: `INSERT INTO creds_meta (name, provider, ciphertext, nonce, auth_tag, key_id) VALUES ('n11', 'p', '\\x01', decode(repeat('00', 11), 'hex'), decode(repeat('00', 16), 'hex'), 'k')`,
      code: check,
      constraint: "creds_meta_nonce_check",
    },
    {
      rule: "creds_meta.auth_tag is 16 bytes (AES-GCM)",
      sql: `INSERT INTO creds_meta (name, provider, ciphertext, nonce, auth_tag, key_id) VALUES ('t15', 'p', '\\x01', decode(repeat('00', 12), 'hex'), decode(repeat('00', 15), 'hex'), 'k')`,
      code: check,
      constraint: "creds_meta_auth_tag_check",
    },
    {
      rule: "creds_meta.name is a lower-case slug",
      sql: `INSERT INTO creds_meta (name, provider, ciphertext, nonce, auth_tag, key_id) VALUES ('Shopify Token', 'p', '\\x01', decode(repeat('00', 12), 'hex'), decode(repeat('00', 16), 'hex'), 'k')`,
      code: check,
      constraint: "creds_meta_name_check",
    },
    {
      rule: "creds_meta.name is unique",
      sql: `INSERT INTO creds_meta (name, provider, ciphertext, nonce, auth_tag, key_id) VALUES ('base', 'p', '\\x01', decode(repeat('00', 12), 'hex'), decode(repeat('00', 16), 'hex'), 'k')`,
      code: unique,
      constraint: "creds_meta_name_key",
    },
    {
      rule: "DashboardFact.unit is cents|count|ratio|seconds",
      sql: `INSERT INTO "DashboardFact" ("shopDomain", metric, "factDate", value, unit) VALUES ('s', 'revenue', '2025-01-01', 1, 'dollars')`,
      code: check,
      constraint: "DashboardFact_unit_check",
    },
    {
      rule: "DashboardFact.metric is a lower-case dotted name",
      sql: `INSERT INTO "DashboardFact" ("shopDomain", metric, "factDate", value) VALUES ('s', 'Revenue', '2025-01-01', 1)`,
      code: check,
      constraint: "DashboardFact_metric_check",
    },
    {
      rule: "one DashboardFact per shop, metric and day",
      sql: `INSERT INTO "DashboardFact" ("shopDomain", metric, "factDate", value) VALUES ('base.myshopify.com', 'orders', '2025-01-01', 2)`,
      code: unique,
      constraint: "DashboardFact_shopDomain_metric_factDate_key",
    },
    {
      rule: "DecisionLog needs scope, actor and action",
      sql: `INSERT INTO "DecisionLog" (scope, actor, action) VALUES ('ops', ' ', 'x')`,
      code: check,
      constraint: "DecisionLog_required_check",
    },
    {
      rule: "one inventory snapshot per SKU and day",
      sql: `INSERT INTO inventory_snapshots (sku, snapshot_date) VALUES ('BASE-SKU', '2025-01-01')`,
      code: unique,
      constraint: "inventory_snapshots_sku_snapshot_date_key",
    },
    {
      rule: "on-hand stock is not negative",
      sql: `INSERT INTO inventory_snapshots (sku, on_hand_quantity) VALUES ('S', -1)`,
      code: check,
      constraint: "inventory_snapshots_quantities_check",
    },
    {
      rule: "a supplier's worst-case lead time is not shorter than its usual one",
      sql: `INSERT INTO supplier_lead_times (supplier, lead_time_days, max_lead_days) VALUES ('S', 10, 5)`,
      code: check,
      constraint: "supplier_lead_times_lead_check",
    },
    {
      rule: "supplier names are unique",
      sql: `INSERT INTO supplier_lead_times (supplier, lead_time_days) VALUES ('Base supplier', 3)`,
      code: unique,
      constraint: "supplier_lead_times_supplier_key",
    },
    {
      rule: "one reorder point per SKU",
      sql: `INSERT INTO reorder_points (sku) VALUES ('BASE-SKU')`,
      code: unique,
      constraint: "reorder_points_sku_key",
    },
    {
      rule: "safety stock is not negative",
      sql: `INSERT INTO reorder_points (sku, safety_stock) VALUES ('S2', -1)`,
      code: check,
      constraint: "reorder_points_safety_stock_check",
    },
    {
      rule: "knowledge documents are not empty",
      sql: `INSERT INTO knowledge_documents (title, source, content) VALUES ('t', 's', '   ')`,
      code: check,
      constraint: "knowledge_documents_content_not_empty",
    },
    {
      rule: "one metadata value per document and key",
      sql: `INSERT INTO knowledge_metadata (document_id, key, value) VALUES (${DOC}, 'category', 'y')`,
      code: unique,
      constraint: "knowledge_metadata_document_id_key_key",
    },
    {
      rule: "one chunk per document and index",
      sql: `INSERT INTO knowledge_chunks (document_id, chunk_index, content) VALUES (${DOC}, 0, 'a'), (${DOC}, 0, 'b')`,
      code: unique,
      constraint: "knowledge_chunks_document_id_chunk_index_key",
    },
    {
      rule: "support replies are not empty",
      sql: `INSERT INTO support_curated_replies (message_body, approver) VALUES ('', 'x')`,
      code: check,
      constraint: "support_curated_replies_body_check",
    },
  ];

  test.each(violations)("$rule", async ({ sql, code, constraint }) => {
    await inRollback(async (client) => {
      const err = await errorOf(client, sql);
      expect({ code: err.code, constraint: err.constraint }).toEqual({ code, constraint: constraint ?? undefined });
    });
  });

  test("the limits themselves are accepted: quality 1 and 5, 12-byte nonce with 16-byte tag, every log level, oversold stock", async () => {
    await inRollback(async (client) => {
      await client.query(`INSERT INTO agent_qc (run_id, quality_score) VALUES (${RUN}, 1), (${RUN}, 5)`);
      await client.query(
        `INSERT INTO creds_meta (name, provider, ciphertext, nonce, auth_tag, key_id)
         VALUES ('ok-key', 'p', '\\x01', decode(repeat('ab', 12), 'hex'), decode(repeat('cd', 16), 'hex'), 'k')`,
      );
      await client.query(`INSERT INTO observability_logs (level, message) VALUES ('DEBUG', 'm'), ('INFO', 'm'), ('WARN', 'm'), ('ERROR', 'm')`);
      // available may go negative (orders taken while out of stock); on hand may not.
      await client.query(
        `INSERT INTO inventory_snapshots (sku, on_hand_quantity, committed_quantity, available_quantity) VALUES ('OVERSOLD', 0, 2, -2)`,
      );
      const { n } = await one<{ n: string }>(client, `SELECT count(*) AS n FROM agent_qc WHERE run_id = ${RUN}`);
      expect(Number(n)).toBe(2);
    });
  });

  test("the approval status CHECK allows exactly pending, approved, rejected and expired", async () => {
    const def = await one<{ def: string }>(
      db.pool,
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'AgentApproval_status_check'`,
    );
    expect(def.def).toMatch(/ARRAY\['pending'::text, 'approved'::text, 'rejected'::text, 'expired'::text\]/);
    await inRollback(async (client) => {
      // Inserts must be pending (the workflow guard), so the CHECK is reached through an update. Upstream's
      // Chatwoot routes wrote 'escalated'; it is refused. (PostgreSQL checks constraints in name order, so
      // the decision CHECK, which no unknown status satisfies either, is the one it names.)
      const err = await errorOf(client, `UPDATE "AgentApproval" SET status = 'escalated', "decidedBy" = 'op' WHERE id = ${APPROVAL}`);
      expect(err.code).toBe("23514");
      expect(err.constraint).toMatch(/^AgentApproval_(decision|status)_check$/);
    });
  });

  test("a decided approval must say who decided: approving without decidedBy is refused", async () => {
    await inRollback(async (client) => {
      const err = await errorOf(client, `UPDATE "AgentApproval" SET status = 'approved' WHERE id = ${APPROVAL}`);
      expect({ code: err.code, constraint: err.constraint }).toEqual({ code: "23514", constraint: "AgentApproval_decision_check" });
      const ok = await one(
        client,
        `UPDATE "AgentApproval" SET status = 'approved', "decidedBy" = 'op-1' WHERE id = ${APPROVAL} RETURNING status, "decidedAt" IS NOT NULL AS decided`,
      );
      expect(ok).toEqual({ status: "approved", decided: true });
    });
  });
});

// ───────────────────────────── ON DELETE ─────────────────────────────

describe("ON DELETE actions", () => {
  test("deleting a campaign deletes its daily metrics (CASCADE)", async () => {
    await inRollback(async (client) => {
      await client.query(`INSERT INTO ads_daily_metrics (campaign_id, metric_date) SELECT ${BASE_CAMPAIGN}, '2025-01-02'`);
      await client.query(`DELETE FROM ads_campaigns WHERE campaign_id = 'base'`);
      expect((await one<{ n: string }>(client, `SELECT count(*) AS n FROM ads_daily_metrics`)).n).toBe("0");
    });
  });

  test("deleting a run deletes its QC checks and unlinks (SET NULL) its approvals and queries", async () => {
    await inRollback(async (client) => {
      await client.query(`INSERT INTO agent_qc (run_id, quality_score) VALUES (${RUN}, 4)`);
      await client.query(`UPDATE "AgentApproval" SET "runId" = ${RUN} WHERE id = ${APPROVAL}`);
      await client.query(`UPDATE "AgentQuery" SET "runId" = ${RUN} WHERE id = ${QUERY}`);
      await client.query(`DELETE FROM agent_run WHERE run_id = ${RUN}`);
      const state = await one(
        client,
        `SELECT (SELECT count(*)::int FROM agent_qc) AS qc,
                (SELECT "runId" FROM "AgentApproval" WHERE id = ${APPROVAL}) AS approval_run,
                (SELECT "runId" FROM "AgentQuery" WHERE id = ${QUERY}) AS query_run`,
      );
      expect(state).toEqual({ qc: 0, approval_run: null, query_run: null });
    });
  });

  test("deleting an approval or a query deletes the feedback on it", async () => {
    await inRollback(async (client) => {
      await client.query(`INSERT INTO "AgentFeedback" ("conversationId", "approvalId") VALUES ('cw-1', ${APPROVAL})`);
      await client.query(`INSERT INTO "AgentFeedback" ("conversationId", "queryId") VALUES ('cw-1', ${QUERY})`);
      await client.query(`DELETE FROM "AgentApproval" WHERE id = ${APPROVAL}`);
      expect((await one<{ n: number }>(client, `SELECT count(*)::int AS n FROM "AgentFeedback"`)).n).toBe(1);
      await client.query(`DELETE FROM "AgentQuery" WHERE id = ${QUERY}`);
      expect((await one<{ n: number }>(client, `SELECT count(*)::int AS n FROM "AgentFeedback"`)).n).toBe(0);
    });
  });

  test("deleting a knowledge document deletes its chunks and metadata", async () => {
    await inRollback(async (client) => {
      await client.query(`INSERT INTO knowledge_chunks (document_id, chunk_index, content) VALUES (${DOC}, 0, 'chunk')`);
      await client.query(`DELETE FROM knowledge_documents WHERE id = ${DOC}`);
      const left = await one(
        client,
        `SELECT (SELECT count(*)::int FROM knowledge_chunks) AS chunks, (SELECT count(*)::int FROM knowledge_metadata) AS meta`,
      );
      expect(left).toEqual({ chunks: 0, meta: 0 });
    });
  });

  test("deleting a supplier keeps the reorder points and clears their supplier (SET NULL)", async () => {
    await inRollback(async (client) => {
      await client.query(`UPDATE reorder_points SET supplier_id = ${SUPPLIER} WHERE sku = 'BASE-SKU'`);
      await client.query(`DELETE FROM supplier_lead_times WHERE id = ${SUPPLIER}`);
      expect(await one(client, `SELECT sku, supplier_id FROM reorder_points`)).toEqual({ sku: "BASE-SKU", supplier_id: null });
    });
  });
});

// ───────────────────────────── DecisionLog ─────────────────────────────

describe("DecisionLog is append-only", () => {
  test("INSERT works; UPDATE, DELETE and TRUNCATE are refused (42501) even for the table owner", async () => {
    await inRollback(async (client) => {
      const { id } = await one<{ id: string }>(
        client,
        `INSERT INTO "DecisionLog" (scope, actor, action) VALUES ('ops', 'tester', 'noted') RETURNING id`,
      );
      const update = await errorOf(client, `UPDATE "DecisionLog" SET rationale = 'rewritten' WHERE id = $1`, [id]);
      expect(update.code).toBe("42501");
      expect(update.message).toMatch(/append-only: UPDATE/);
      const del = await errorOf(client, `DELETE FROM "DecisionLog" WHERE id = $1`, [id]);
      expect(del.code).toBe("42501");
      expect(del.message).toMatch(/append-only: DELETE/);
      // Row triggers do not fire on TRUNCATE; a statement trigger refuses it as well.
      const truncate = await errorOf(client, `TRUNCATE "DecisionLog"`);
      expect(truncate.code).toBe("42501");
      expect(truncate.message).toMatch(/append-only: TRUNCATE/);
      expect(await one(client, `SELECT action, rationale FROM "DecisionLog" WHERE id = $1`, [id])).toEqual({ action: "noted", rationale: null });
    });
  });
});

// ───────────────────────────── Ads metrics trigger ─────────────────────────────

describe.each([
  {
    table: "ads_daily_metrics",
    insertPrefix: `INSERT INTO ads_daily_metrics (campaign_id, metric_date,`,
    keyValues: (day: string) => `${BASE_CAMPAIGN}, '${day}',`,
  },
  {
    table: "ads_metrics_daily",
    insertPrefix: `INSERT INTO ads_metrics_daily (campaign_id, platform, date,`,
    keyValues: (day: string) => `'trigger-test', 'meta', '${day}',`,
  },
])("ads metrics trigger on $table", ({ table, insertPrefix, keyValues }) => {
  let day = 0; // one row per (campaign, day): each insert takes the next day
  const metrics = async (
    client: pg.ClientBase,
    values: { spend: number; impressions: number; clicks: number; conversions: number; revenue: number },
    extra = "",
  ) => {
    const columns = `spend_cents, impressions, clicks, conversions, revenue_cents${extra ? ", cpc_cents, roas" : ""}`;
    const v = `${values.spend}, ${values.impressions}, ${values.clicks}, ${values.conversions}, ${values.revenue}${extra ? `, ${extra}` : ""}`;
    const date = new Date(Date.UTC(2025, 5, 1) + day++ * 86_400_000).toISOString().slice(0, 10);
    return one<{
      id: string;
      cpc_cents: number | null;
      cpa_cents: number | null;
      roas: string | null;
      ctr: string | null;
      conversion_rate: string | null;
    }>(client, `${insertPrefix} ${columns}) SELECT ${keyValues(date)} ${v} RETURNING id, cpc_cents, cpa_cents, roas, ctr, conversion_rate`);
  };
  const ratios = (row: Record<string, unknown>) => {
    const { id: _id, ...rest } = row;
    return rest;
  };

  test("computes CPC, CPA, ROAS, CTR and conversion rate (hand-computed)", async () => {
    await inRollback(async (client) => {
      // $123.45 spend, 4321 impressions, 100 clicks, 7 orders, $500 revenue:
      // CPC 12345/100 = 123.45 -> 123 c; CPA 12345/7 = 1763.57 -> 1764 c; ROAS 50000/12345 = 4.0502 -> 4.05;
      // CTR 100/4321 = 0.023143 -> 0.0231; conversion rate 7/100 = 0.0700 (fractions, not percentages).
      const row = await metrics(client, { spend: 12345, impressions: 4321, clicks: 100, conversions: 7, revenue: 50000 });
      expect(ratios(row)).toEqual({ cpc_cents: 123, cpa_cents: 1764, roas: "4.05", ctr: "0.0231", conversion_rate: "0.0700" });
    });
  });

  test("rounds half up on exact decimals (numeric arithmetic, not floating point)", async () => {
    await inRollback(async (client) => {
      // CPC 250/100 = 2.5 -> 3; CPA 250/4 = 62.5 -> 63; ROAS 251.25/250 = 1.005 -> 1.01;
      // CTR 1/20000 = 0.00005 -> 0.0001; conversion rate 4/100 = 0.04.
      const row = await metrics(client, { spend: 250, impressions: 20000, clicks: 1, conversions: 0, revenue: 0 });
      expect(row.ctr).toBe("0.0001");
      const row2 = await metrics(client, { spend: 250, impressions: 10, clicks: 100, conversions: 4, revenue: 251 });
      expect(row2.cpc_cents).toBe(3);
      expect(row2.cpa_cents).toBe(63);
      const row3 = await metrics(client, { spend: 1000, impressions: 10, clicks: 1, conversions: 1, revenue: 1005 });
      expect(row3.roas).toBe("1.01");
    });
  });

  test("every ratio is NULL when its divisor is 0 (an all-zero day)", async () => {
    await inRollback(async (client) => {
      const row = await metrics(client, { spend: 0, impressions: 0, clicks: 0, conversions: 0, revenue: 0 });
      expect(ratios(row)).toEqual({ cpc_cents: null, cpa_cents: null, roas: null, ctr: null, conversion_rate: null });
    });
  });

  test("each divisor on its own: no clicks, no conversions, no spend", async () => {
    await inRollback(async (client) => {
      // Impressions but no click: CTR 0, CPC and conversion rate undefined.
      const noClicks = await metrics(client, { spend: 500, impressions: 1000, clicks: 0, conversions: 0, revenue: 0 });
      expect(ratios(noClicks)).toEqual({ cpc_cents: null, cpa_cents: null, roas: "0.00", ctr: "0.0000", conversion_rate: null });
      // Organic: clicks and revenue without spend — ROAS undefined, CPC 0.
      const organic = await metrics(client, { spend: 0, impressions: 1000, clicks: 50, conversions: 2, revenue: 30000 });
      expect(ratios(organic)).toEqual({ cpc_cents: 0, cpa_cents: 0, roas: null, ctr: "0.0500", conversion_rate: "0.0400" });
    });
  });

  test("values sent by the writer are overwritten, and an UPDATE recalculates", async () => {
    await inRollback(async (client) => {
      const row = await metrics(client, { spend: 1000, impressions: 1000, clicks: 10, conversions: 1, revenue: 5000 }, "999, 99.99");
      expect([row.cpc_cents, row.roas]).toEqual([100, "5.00"]);
      const updated = await one(
        client,
        `UPDATE ${table} SET clicks = 40, conversions = 2, roas = 0 WHERE id = $1 RETURNING cpc_cents, cpa_cents, roas, ctr, conversion_rate`,
        [row.id],
      );
      expect(updated).toEqual({ cpc_cents: 25, cpa_cents: 500, roas: "5.00", ctr: "0.0400", conversion_rate: "0.0500" });
    });
  });
});

// ───────────────────────────── updated_at and defaults ─────────────────────────────

/** The smallest valid row of each table: only NOT NULL columns without a default. */
const MINIMAL_ROWS: Record<(typeof ALL_TABLES)[number], string> = {
  ads_campaigns: `INSERT INTO ads_campaigns (campaign_id, platform, campaign_name, start_date) VALUES ('min', 'google', 'Minimal', '2025-01-01')`,
  ads_daily_metrics: `INSERT INTO ads_daily_metrics (campaign_id, metric_date) SELECT ${BASE_CAMPAIGN}, '2024-06-01'`,
  ads_metrics_daily: `INSERT INTO ads_metrics_daily (campaign_id, platform, date) VALUES ('min', 'unknown', '2024-06-01')`,
  agent_run: `INSERT INTO agent_run (agent_name) VALUES ('min-agent')`,
  agent_qc: `INSERT INTO agent_qc (run_id, quality_score) VALUES (${RUN}, 3)`,
  AgentApproval: `INSERT INTO "AgentApproval" ("conversationId", agent, kind, summary) VALUES ('min', 'a', 'k', 's')`,
  AgentFeedback: `INSERT INTO "AgentFeedback" ("conversationId") VALUES ('min')`,
  AgentQuery: `INSERT INTO "AgentQuery" ("conversationId", agent, model, query) VALUES ('min', 'a', 'm', 'q')`,
  knowledge_documents: `INSERT INTO knowledge_documents (title, source, content) VALUES ('t', 's', 'c')`,
  knowledge_chunks: `INSERT INTO knowledge_chunks (document_id, chunk_index, content) VALUES (${DOC}, 7, 'c')`,
  knowledge_metadata: `INSERT INTO knowledge_metadata (document_id, key, value) VALUES (${DOC}, 'tags', 'a,b')`,
  inventory_snapshots: `INSERT INTO inventory_snapshots (sku) VALUES ('MIN-SKU')`,
  reorder_points: `INSERT INTO reorder_points (sku) VALUES ('MIN-SKU')`,
  supplier_lead_times: `INSERT INTO supplier_lead_times (supplier, lead_time_days) VALUES ('Min supplier', 3)`,
  DashboardFact: `INSERT INTO "DashboardFact" ("shopDomain", metric, "factDate", value) VALUES ('min.myshopify.com', 'sessions', '2025-01-01', 10)`,
  DecisionLog: `INSERT INTO "DecisionLog" (scope, actor, action) VALUES ('ops', 'a', 'b')`,
  support_curated_replies: `INSERT INTO support_curated_replies (message_body, approver) VALUES ('Hello', 'ops@hotrodan.com')`,
  observability_logs: `INSERT INTO observability_logs (message) VALUES ('m')`,
  creds_meta: `INSERT INTO creds_meta (name, provider, ciphertext, nonce, auth_tag, key_id) VALUES ('min', 'p', '\\x01', decode(repeat('00', 12), 'hex'), decode(repeat('00', 16), 'hex'), 'k')`,
};

/** A harmless column change per table, for the updated_at test. */
const TOUCH: Partial<Record<(typeof ALL_TABLES)[number], string>> = {
  ads_campaigns: `campaign_name = 'Renamed'`,
  ads_daily_metrics: `clicks = 1`,
  ads_metrics_daily: `clicks = 1`,
  agent_run: `input_kind = 'schedule'`,
  AgentApproval: `"lastInterruptions" = '[{"type": "requires_human"}]'`,
  AgentFeedback: `notes = 'n'`,
  AgentQuery: `"latencyMs" = 10`,
  knowledge_documents: `title = 'T2'`,
  knowledge_chunks: `token_count = 3`,
  knowledge_metadata: `value = 'c'`,
  inventory_snapshots: `units_sold = 2`,
  reorder_points: `safety_stock = 4`,
  supplier_lead_times: `lead_time_days = 4`,
  DashboardFact: `value = 11`,
  support_curated_replies: `tags = '{greeting}'`,
  creds_meta: `description = 'd'`,
};

const pkOf = (table: string) => (table === "agent_run" ? "run_id" : "id");

describe("updated_at triggers", () => {
  test("exactly the tables with an updated_at column are covered below", async () => {
    const { rows } = await db.pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name IN ('updated_at', 'updatedAt') ORDER BY table_name`,
    );
    expect(rows.map((r) => r.table_name).sort()).toEqual(Object.keys(TOUCH).sort());
  });

  test.each(Object.entries(TOUCH))("%s: an UPDATE sets updated_at to now(), whatever value the writer sends", async (table, touch) => {
    await inRollback(async (client) => {
      const column = table === table.toLowerCase() ? "updated_at" : `"updatedAt"`; // camelCase on Prisma-born tables
      const { pk } = await one<{ pk: string }>(client, `${MINIMAL_ROWS[table as keyof typeof MINIMAL_ROWS]} RETURNING ${pkOf(table)} AS pk`);
      // A writer replaying an old row (or forging a timestamp) still gets the real modification time.
      const row = await one<{ fresh: boolean }>(
        client,
        `UPDATE "${table}" SET ${touch}, ${column} = '2001-01-01T00:00:00Z' WHERE ${pkOf(table)} = $1 RETURNING ${column} = now() AS fresh`,
        [pk],
      );
      expect(row.fresh).toBe(true);
    });
  });
});

describe("defaults", () => {
  test("every table's primary key is a UUID defaulting to gen_random_uuid()", async () => {
    const { rows } = await db.pool.query<{ table: string; column: string; type: string; def: string | null }>(
      `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
              pg_get_expr(d.adbin, d.adrelid) AS def
         FROM pg_index i
         JOIN pg_class c ON c.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
         LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
        WHERE i.indisprimary AND c.relname <> '_prisma_migrations' AND c.relname <> ALL ($1)
        ORDER BY c.relname`,
      [GATEWAY_TABLES],
    );
    expect(rows.map((r) => r.table).sort()).toEqual([...ALL_TABLES].sort());
    for (const row of rows) expect(row).toEqual({ table: row.table, column: pkOf(row.table), type: "uuid", def: "gen_random_uuid()" });
  });

  test.each(ALL_TABLES)("%s: a minimal row gets a fresh v4 UUID id and created_at = now()", async (table) => {
    await inRollback(async (client) => {
      const created = table === table.toLowerCase() ? "created_at" : `"createdAt"`;
      const a = await one<{ pk: string; fresh: boolean }>(
        client,
        `${MINIMAL_ROWS[table]} RETURNING ${pkOf(table)} AS pk, ${created} = now() AS fresh`,
      );
      expect(a.pk).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(a.fresh).toBe(true);
    });
  });

  test("column defaults callers rely on", async () => {
    await inRollback(async (client) => {
      const get = (table: keyof typeof MINIMAL_ROWS, columns: string) => one(client, `${MINIMAL_ROWS[table]} RETURNING ${columns}`);
      expect(await get("ads_campaigns", "status, budget_cents, target_roas, end_date, metadata")).toEqual({
        status: "active",
        budget_cents: 0,
        target_roas: null,
        end_date: null,
        metadata: {},
      });
      expect(await get("ads_daily_metrics", "spend_cents, impressions, clicks, conversions, revenue_cents")).toEqual({
        spend_cents: 0,
        impressions: 0,
        clicks: 0,
        conversions: 0,
        revenue_cents: 0,
      });
      expect(
        await get(
          "agent_run",
          "started_at = now() AS started_now, ended_at, resolution, tokens_input, tokens_output, cost_usd, self_corrected, metadata",
        ),
      ).toEqual({
        started_now: true,
        ended_at: null,
        resolution: null,
        tokens_input: 0,
        tokens_output: 0,
        cost_usd: "0.000000",
        self_corrected: false,
        metadata: {},
      });
      expect(await get("AgentApproval", `status, payload, "lastInterruptions", "expiresAt", "decidedBy", "decidedAt"`)).toEqual({
        status: "pending",
        payload: {},
        lastInterruptions: [],
        expiresAt: null,
        decidedBy: null,
        decidedAt: null,
      });
      expect(await get("AgentFeedback", `labels, rubric, meta, "safeToSend", rating, annotator`)).toEqual({
        labels: [],
        rubric: {},
        meta: {},
        safeToSend: null,
        rating: null,
        annotator: null,
      });
      expect(await get("AgentQuery", `outcome, "costUsd", "tokensInput", "tokensOutput", approved, "humanEdited"`)).toEqual({
        outcome: "success",
        costUsd: "0.000000",
        tokensInput: 0,
        tokensOutput: 0,
        approved: null,
        humanEdited: false,
      });
      expect(
        await get(
          "inventory_snapshots",
          "snapshot_date = CURRENT_DATE AS today, on_hand_quantity, available_quantity, committed_quantity, incoming_quantity, units_sold",
        ),
      ).toEqual({
        today: true,
        on_hand_quantity: 0,
        available_quantity: 0,
        committed_quantity: 0,
        incoming_quantity: 0,
        units_sold: 0,
      });
      expect(await get("reorder_points", "safety_stock, lead_time_days, supplier_id")).toEqual({
        safety_stock: 0,
        lead_time_days: null,
        supplier_id: null,
      });
      expect(await get("DashboardFact", `unit, scope, metadata`)).toEqual({ unit: "count", scope: null, metadata: {} });
      expect(await get("DecisionLog", `payload, "createdAt" = now() AS now`)).toEqual({ payload: {}, now: true });
      expect(await get("support_curated_replies", "tags, approved_at = now() AS approved_now")).toEqual({ tags: [], approved_now: true });
      expect(await get("observability_logs", "level, metadata, request_id")).toEqual({ level: "INFO", metadata: {}, request_id: null });
      expect(await get("knowledge_chunks", "token_count, embedding")).toEqual({ token_count: 0, embedding: null });
    });
  });
});

// ───────────────────────────── RLS is on ─────────────────────────────

test("the schema document's verification query lists all 19 tables (plus the gateway's agent_keys and AgentApprovalExecution) with rowsecurity = true", async () => {
  // Verbatim from the schema document ("RLS Policy Summary").
  const { rows } = await db.pool.query(`SELECT tablename, rowsecurity
FROM pg_tables
WHERE schemaname = 'public' AND rowsecurity = true
ORDER BY tablename;`);
  expect(rows).toEqual([...ALL_TABLES, ...GATEWAY_TABLES].sort().map((tablename) => ({ tablename, rowsecurity: true })));
});

// ───────────────────────────── Embeddings: pgvector or real[] ─────────────────────────────

describe("knowledge_chunks.embedding", () => {
  test("on the test server: vector(1536) when pgvector is available, otherwise real[] with a 1536-dims CHECK", async () => {
    const { vector } = await one<{ vector: boolean }>(
      db.pool,
      `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS vector`,
    );
    const info = await one(
      db.pool,
      `SELECT format_type(atttypid, atttypmod) AS type, gateway.vector_enabled() AS enabled FROM pg_attribute WHERE attrelid = 'public.knowledge_chunks'::regclass AND attname = 'embedding'`,
    );
    if (vector) {
      expect(info).toEqual({ type: "vector(1536)", enabled: true });
      return;
    }
    expect(info).toEqual({ type: "real[]", enabled: false });
    await inRollback(async (client) => {
      const err = await errorOf(
        client,
        `INSERT INTO knowledge_chunks (document_id, chunk_index, content, embedding) VALUES (${DOC}, 1, 'c', ARRAY[0.1, 0.2, 0.3]::real[])`,
      );
      expect({ code: err.code, constraint: err.constraint }).toEqual({ code: "23514", constraint: "knowledge_chunks_embedding_dims_check" });
      // The seed's literal format round-trips exactly as a real[] of 1536 values.
      const literal = embeddingLiteral(embedText("AN-6 PTFE hose for E85"), false);
      const row = await one<{ dims: number }>(
        client,
        `INSERT INTO knowledge_chunks (document_id, chunk_index, content, embedding) VALUES (${DOC}, 2, 'c', $1::real[]) RETURNING cardinality(embedding) AS dims`,
        [literal],
      );
      expect(row.dims).toBe(EMBEDDING_DIMENSIONS);
      const indexes = await client.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'knowledge_chunks' AND indexdef ILIKE '%hnsw%'`);
      expect(indexes.rowCount).toBe(0);
    });
  });

  test("on PGlite with pgvector: a vector(1536) column with an HNSW cosine index", async () => {
    const vdb = await createVectorTestDatabase();
    onTestFinished(() => vdb.close());
    const info = await one(
      vdb.pool,
      `SELECT format_type(atttypid, atttypmod) AS type, gateway.vector_enabled() AS enabled FROM pg_attribute WHERE attrelid = 'public.knowledge_chunks'::regclass AND attname = 'embedding'`,
    );
    expect(info).toEqual({ type: "vector(1536)", enabled: true });
    const { rows } = await vdb.pool.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'knowledge_chunks' AND indexname = 'idx_knowledge_chunks_embedding_hnsw'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].indexdef).toMatch(/USING hnsw \(embedding vector_cosine_ops\)/);
    const checks = await vdb.pool.query(`SELECT 1 FROM pg_constraint WHERE conname = 'knowledge_chunks_embedding_dims_check'`);
    expect(checks.rowCount).toBe(0); // vector(1536) itself enforces the dimension
    await inRollback(async (client) => {
      await client.query(`INSERT INTO knowledge_documents (id, title, source, content) VALUES (${DOC}, 't', 's', 'c')`);
      const err = await errorOf(
        client,
        `INSERT INTO knowledge_chunks (document_id, chunk_index, content, embedding) VALUES (${DOC}, 0, 'c', '[0.1,0.2,0.3]'::vector)`,
      );
      expect(err.code).toBe("22000");
      expect(err.message).toMatch(/expected 1536 dimensions, not 3/);
    }, vdb.pool);
  });
});

// ───────────────────────────── Demo seed ─────────────────────────────

describe("embedText", () => {
  test("is deterministic, 1536-dimensional and L2-normalised; empty text is the zero vector", () => {
    const a = embedText("Inline EFI fuel pump, 340 LPH");
    expect(a).toHaveLength(EMBEDDING_DIMENSIONS);
    expect(embedText("Inline EFI fuel pump, 340 LPH")).toEqual(a);
    expect(Math.hypot(...a)).toBeCloseTo(1, 10);
    expect(embedText("  the, and! ").every((x) => x === 0)).toBe(true);
  });

  test("similar texts score higher than unrelated ones", () => {
    const cos = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);
    const q = embedText("can I return a fuel pump");
    expect(cos(q, embedText("Returns: unused parts such as fuel pumps can be returned within 30 days"))).toBeGreaterThan(
      cos(q, embedText("AN fittings seal on a 37 degree flare")),
    );
  });
});

const SEEDED_TABLES = ALL_TABLES.filter((t) => t !== "creds_meta");
const FIXED_NOW = new Date("2025-10-20T15:30:00.000Z");

async function tableCounts(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<Record<string, number>>(
    `SELECT ${ALL_TABLES.map((t) => `(SELECT count(*)::int FROM public."${t}") AS "${t}"`).join(", ")}`,
  );
  return rows[0];
}

describe("seedDemoData on the test server", () => {
  let seeded: TestDatabase;
  let result: Awaited<ReturnType<typeof seedDemoData>>;
  beforeAll(async () => {
    seeded = await createTestDatabase();
    result = await seedDemoData(seeded.url);
  });
  afterAll(() => seeded?.close());
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => one<T>(seeded.pool, sql, params);
  // The seed's "today" is the UTC day (the server's CURRENT_DATE follows its time zone setting).
  const TODAY = `'${new Date().toISOString().slice(0, 10)}'::date`;

  test("loads every table except creds_meta and reports what it wrote", async () => {
    expect(result.seeded).toBe(true);
    const counts = await tableCounts(seeded.pool);
    expect(counts.creds_meta).toBe(0); // secrets need the vault key; the seed never writes them
    for (const table of SEEDED_TABLES) {
      expect(counts[table], table).toBeGreaterThan(0);
      expect(result.counts[table], table).toBe(counts[table]);
    }
    expect(counts).toMatchObject({ ads_campaigns: 40, inventory_snapshots: 300 * 90, supplier_lead_times: 8 });
  });

  test("each demo decision names its operator as a session would have (decidedByName); expiries name nobody", async () => {
    const { rows } = await seeded.pool.query<{ status: string; decidedBy: string | null; decidedByName: string | null }>(
      `SELECT status, "decidedBy", "decidedByName" FROM "AgentApproval" WHERE status <> 'pending'`,
    );
    const names = new Map<string, string>(DEMO_OPERATORS.map((o) => [o.sub, o.name]));
    expect(rows.some((r) => r.status === "approved") && rows.some((r) => r.status === "expired")).toBe(true);
    for (const row of rows) expect(row.decidedByName, row.status).toBe(row.decidedBy === null ? null : names.get(row.decidedBy));
  });

  test("a second run does nothing and says so", async () => {
    const before = await tableCounts(seeded.pool);
    const again = await seedDemoData(seeded.url);
    expect(again).toMatchObject({ seeded: false, counts: {} });
    expect(again.reason).toMatch(/already present/);
    expect(await tableCounts(seeded.pool)).toEqual(before);
    expect(
      await q(`SELECT count(*)::int AS n FROM "DecisionLog" WHERE scope = $1 AND action = $2`, [DEMO_SEED_MARKER.scope, DEMO_SEED_MARKER.action]),
    ).toEqual({ n: 1 });
  });

  test("the data ends today: 90 days of ads and inventory, 180 days of shop facts", async () => {
    const today = new Date().toISOString().slice(0, 10);
    expect(result.today).toBe(today);
    const span = await q(
      `SELECT (SELECT max(metric_date)::text FROM ads_daily_metrics) AS ads_last,
              (SELECT max(metric_date) - min(metric_date) FROM ads_daily_metrics) AS ads_days,
              (SELECT max(snapshot_date)::text FROM inventory_snapshots) AS inv_last,
              (SELECT count(DISTINCT snapshot_date)::int FROM inventory_snapshots) AS inv_days,
              (SELECT max(created_at) <= now() FROM ads_daily_metrics) AS no_future_rows`,
    );
    expect(span).toEqual({ ads_last: today, ads_days: 89, inv_last: today, inv_days: 90, no_future_rows: true });
    const { rows } = await seeded.pool.query(
      `SELECT metric, unit, count(*)::int AS days, max("factDate")::text AS last, count(DISTINCT "shopDomain")::int AS shops
         FROM "DashboardFact" GROUP BY metric, unit ORDER BY metric`,
    );
    expect(rows).toEqual([
      { metric: "aov", unit: "cents", days: 180, last: today, shops: 1 },
      { metric: "orders", unit: "count", days: 180, last: today, shops: 1 },
      { metric: "revenue", unit: "cents", days: 180, last: today, shops: 1 },
      { metric: "sessions", unit: "count", days: 180, last: today, shops: 1 },
    ]);
    expect(await q(`SELECT DISTINCT "shopDomain" AS shop FROM "DashboardFact"`)).toEqual({ shop: DEMO_SHOP_DOMAIN });
    // Revenue grows: the last 90 days beat the 90 before them, so the comparison tile has something to say.
    const growth = await q<{ up: boolean }>(
      `SELECT sum(value) FILTER (WHERE "factDate" > ${TODAY} - 90) > sum(value) FILTER (WHERE "factDate" <= ${TODAY} - 90) AS up
         FROM "DashboardFact" WHERE metric = 'revenue'`,
    );
    expect(growth.up).toBe(true);
  });

  test("campaigns cover every platform and status, with UTM tags, cents budgets and trigger-computed ratios", async () => {
    const combos = await q<{ platforms: string[]; statuses: string[]; pairs: number }>(
      `SELECT array_agg(DISTINCT platform ORDER BY platform) AS platforms, array_agg(DISTINCT status ORDER BY status) AS statuses,
              count(DISTINCT (platform, status))::int AS pairs FROM ads_campaigns`,
    );
    expect(combos).toEqual({
      platforms: ["google", "meta", "organic", "pinterest", "tiktok"],
      statuses: ["active", "archived", "draft", "paused"],
      pairs: 20,
    });
    const shape = await q(
      `SELECT bool_and(budget_cents % 100 = 0) AS whole_dollars,
              count(*) FILTER (WHERE utm_campaign IS NOT NULL)::int > 30 AS tagged,
              bool_and(target_roas IS NULL) FILTER (WHERE platform = 'organic') AS organic_no_target
         FROM ads_campaigns`,
    );
    expect(shape).toEqual({ whole_dollars: true, tagged: true, organic_no_target: true });
    const edge = await q(
      `SELECT count(*) FILTER (WHERE spend_cents = 0 AND impressions = 0 AND roas IS NULL AND ctr IS NULL)::int > 0 AS zero_days,
              count(*) FILTER (WHERE clicks = 0 AND impressions > 0 AND cpc_cents IS NULL AND ctr = 0)::int > 0 AS zero_click_days,
              bool_and(cpc_cents = round(spend_cents::numeric / clicks)) FILTER (WHERE clicks > 0) AS cpc_ok,
              (SELECT count(*)::int FROM ads_daily_metrics m JOIN ads_campaigns c ON c.id = m.campaign_id WHERE c.status = 'draft') AS draft_rows
         FROM ads_daily_metrics`,
    );
    expect(edge).toEqual({ zero_days: true, zero_click_days: true, cpc_ok: true, draft_rows: 0 });
    const legacy = await q(
      `SELECT array_agg(DISTINCT platform ORDER BY platform) AS platforms, bool_and(roas IS NOT NULL OR spend_cents = 0) AS computed FROM ads_metrics_daily`,
    );
    expect(legacy).toEqual({ platforms: ["google", "meta", "unknown"], computed: true });
  });

  test("inventory has out-of-stock, below-reorder-point and never-sold SKUs, with supplier and override lead times", async () => {
    // The dashboard's formula: ROP = ceil(avg daily sales × lead time + safety stock), lead time = override or supplier's.
    const stats = await q<Record<string, number>>(
      `WITH last AS (SELECT * FROM inventory_snapshots WHERE snapshot_date = ${TODAY}),
            sales AS (SELECT sku, avg(units_sold) FILTER (WHERE snapshot_date > ${TODAY} - 30) AS avg30, sum(units_sold) AS total FROM inventory_snapshots GROUP BY sku),
            rop AS (SELECT l.sku, l.on_hand_quantity AS on_hand, l.available_quantity AS available, s.total,
                           ceil(s.avg30 * coalesce(r.lead_time_days, sl.lead_time_days) + r.safety_stock) AS rop
                      FROM last l JOIN sales s USING (sku) JOIN reorder_points r USING (sku) LEFT JOIN supplier_lead_times sl ON sl.id = r.supplier_id)
       SELECT (SELECT count(DISTINCT sku)::int FROM inventory_snapshots) AS skus,
              count(*) FILTER (WHERE on_hand = 0)::int AS out_of_stock,
              count(*) FILTER (WHERE on_hand > 0 AND on_hand <= rop)::int AS below_rop,
              count(*) FILTER (WHERE total = 0)::int AS never_sold,
              count(*) FILTER (WHERE available < 0)::int AS oversold,
              (SELECT count(*)::int FROM reorder_points WHERE lead_time_days IS NOT NULL) AS overrides,
              (SELECT count(*)::int FROM reorder_points WHERE supplier_id IS NULL) AS no_supplier
         FROM rop`,
    );
    expect(stats.skus).toBe(300);
    expect(stats.out_of_stock).toBeGreaterThanOrEqual(10);
    expect(stats.below_rop).toBeGreaterThanOrEqual(20);
    expect(stats.never_sold).toBeGreaterThanOrEqual(10);
    expect(stats.oversold).toBeGreaterThan(0);
    expect(stats.overrides).toBeGreaterThan(10);
    expect(stats.no_supplier).toBeGreaterThan(0);
    // Stock only ever moves by what was sold and what arrived: yesterday - sold today (+ receipts) = today.
    const consistent = await q<{ bad: number }>(
      `SELECT count(*)::int AS bad FROM (
         SELECT on_hand_quantity - lag(on_hand_quantity) OVER w + units_sold AS received
           FROM inventory_snapshots WINDOW w AS (PARTITION BY sku ORDER BY snapshot_date)) t
        WHERE received < 0`,
    );
    expect(consistent.bad).toBe(0);
  });

  test("approvals exist in every status and respect the workflow rules; each decision has its audit row", async () => {
    const { rows } = await seeded.pool.query(
      `SELECT status, count(*)::int AS n,
              count(*) FILTER (WHERE "expiresAt" IS NOT NULL)::int AS with_expiry,
              count(DISTINCT kind)::int AS kinds,
              bool_and("decidedAt" IS NULL OR ("decidedAt" >= "createdAt" AND "decidedAt" <= now())) AS sane_times
         FROM "AgentApproval" GROUP BY status ORDER BY status`,
    );
    expect(rows.map((r) => r.status)).toEqual(["approved", "expired", "pending", "rejected"]);
    const pending = rows.find((r) => r.status === "pending")!;
    expect(pending.kinds).toBeGreaterThan(3);
    expect(pending.with_expiry).toBeGreaterThan(0);
    expect(pending.with_expiry).toBeLessThan(pending.n);
    expect(rows.every((r) => r.sane_times)).toBe(true);
    const ages = await q(
      `SELECT min(now() - "createdAt") < interval '10 minutes' AS fresh, max(now() - "createdAt") > interval '2 days' AS old FROM "AgentApproval" WHERE status = 'pending'`,
    );
    expect(ages).toEqual({ fresh: true, old: true });
    // Operators decide before the deadline, as themselves (JWT sub); the sweep decides expiries at the deadline.
    const decided = await q(
      `SELECT bool_and("decidedBy" = ANY ($1::text[])) FILTER (WHERE status IN ('approved', 'rejected')) AS by_operators,
              bool_and("expiresAt" IS NULL OR "decidedAt" < "expiresAt") FILTER (WHERE status IN ('approved', 'rejected')) AS before_deadline,
              bool_and("decidedAt" = "expiresAt" AND "decidedBy" IS NULL) FILTER (WHERE status = 'expired') AS swept
         FROM "AgentApproval"`,
      [DEMO_OPERATORS.map((o) => o.sub)],
    );
    expect(decided).toEqual({ by_operators: true, before_deadline: true, swept: true });
    const audit = await q(
      `SELECT count(*)::int AS decided,
              count(*) FILTER (WHERE (SELECT count(*) FROM "DecisionLog" d WHERE d.scope = 'agent_approval' AND d."externalRef" = a.id::text AND d.action = 'approval.' || a.status) = 1)::int AS audited
         FROM "AgentApproval" a WHERE status <> 'pending'`,
    );
    expect(audit.audited).toBe(audit.decided);
    // The workflow guard the seed switches off for its history is back on.
    expect(await q(`SELECT tgenabled FROM pg_trigger WHERE tgname = 'AgentApproval_guard'`)).toEqual({ tgenabled: "O" });
  });

  test("agent runs, QC checks, queries and feedback hang together", async () => {
    const agents = await q(
      `SELECT (SELECT count(*)::int FROM agent_run WHERE ended_at IS NULL AND resolution IS NULL) > 0 AS running,
              (SELECT array_agg(DISTINCT resolution ORDER BY resolution) FROM agent_run WHERE resolution IS NOT NULL) AS resolutions,
              (SELECT bool_and(r.cost_usd = (SELECT sum(q."costUsd") FROM "AgentQuery" q WHERE q."runId" = r.run_id)) FROM agent_run r) AS run_cost_is_sum,
              (SELECT array_agg(DISTINCT outcome ORDER BY outcome) FROM "AgentQuery") AS outcomes,
              (SELECT count(DISTINCT model)::int FROM "AgentQuery") AS models,
              (SELECT min("costUsd") > 0 AND min("costUsd") < 0.01 FROM "AgentQuery") AS sub_cent_costs,
              (SELECT count(DISTINCT quality_score)::int FROM agent_qc) AS scores`,
    );
    expect(agents).toEqual({
      running: true,
      resolutions: ["escalated", "failed", "resolved"],
      run_cost_is_sum: true,
      outcomes: ["error", "refused", "success", "timeout"],
      models: 4,
      sub_cent_costs: true,
      scores: 5,
    });
    const feedback = await q(
      `SELECT count(*) FILTER (WHERE "approvalId" IS NOT NULL)::int > 0 AS on_approvals,
              count(*) FILTER (WHERE "queryId" IS NOT NULL)::int > 0 AS on_queries,
              bool_and(annotator IS NULL OR annotator = ANY ($1::text[])) AS annotators_are_subs,
              bool_and(f."conversationId" = coalesce(a."conversationId", q."conversationId")) AS same_conversation
         FROM "AgentFeedback" f LEFT JOIN "AgentApproval" a ON a.id = f."approvalId" LEFT JOIN "AgentQuery" q ON q.id = f."queryId"`,
      [DEMO_OPERATORS.map((o) => o.sub)],
    );
    expect(feedback).toEqual({ on_approvals: true, on_queries: true, annotators_are_subs: true, same_conversation: true });
  });

  test("logs at every level with request ids, decisions, curated replies and knowledge with metadata", async () => {
    const { rows } = await seeded.pool.query(
      `SELECT level, count(request_id)::int > 0 AS with_ids FROM observability_logs GROUP BY level ORDER BY level`,
    );
    expect(rows).toEqual(["DEBUG", "ERROR", "INFO", "WARN"].map((level) => ({ level, with_ids: true })));
    const other = await q(
      `SELECT (SELECT count(DISTINCT scope)::int FROM "DecisionLog") >= 5 AS scopes,
              (SELECT bool_and(cardinality(tags) > 0) FROM support_curated_replies) AS tagged_replies,
              (SELECT bool_and(EXISTS (SELECT 1 FROM knowledge_chunks c WHERE c.document_id = d.id)) FROM knowledge_documents d) AS chunked,
              (SELECT array_agg(DISTINCT key ORDER BY key) FROM knowledge_metadata) AS meta_keys`,
    );
    expect(other).toEqual({ scopes: true, tagged_replies: true, chunked: true, meta_keys: ["category", "confidence_score", "language", "tags"] });
    const { enabled } = await q<{ enabled: boolean }>(`SELECT gateway.vector_enabled() AS enabled`);
    const dims = await q(
      `SELECT bool_and(${enabled ? "vector_dims(embedding)" : "cardinality(embedding)"} = ${EMBEDDING_DIMENSIONS}) AS all_embedded FROM knowledge_chunks`,
    );
    expect(dims).toEqual({ all_embedded: true });
  });

  test("the stored embeddings make similarity search find the right document", async () => {
    const { enabled } = await q<{ enabled: boolean }>(`SELECT gateway.vector_enabled() AS enabled`);
    const query = embeddingLiteral(embedText("how long do refunds take to show up"), enabled);
    // Cosine similarity in plain SQL for real[] (the stored vectors are unit length); pgvector's <=> otherwise.
    const similarity = enabled ? `1 - (c.embedding <=> $1::vector)` : `(SELECT sum(a * b) FROM unnest(c.embedding, $1::real[]) AS t(a, b))`;
    const { rows } = await seeded.pool.query(
      `SELECT d.title, ${similarity} AS score FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id ORDER BY score DESC LIMIT 3`,
      [query],
    );
    expect(rows[0].title).toBe("Returns and refunds");
    expect(Number(rows[0].score)).toBeGreaterThan(0.2);
  });
});

describe("seedDemoData behaviour", () => {
  test("is deterministic: the same seed and clock give identical databases", async () => {
    const a = await createTestDatabase();
    onTestFinished(() => a.close());
    const b = await createTestDatabase();
    onTestFinished(() => b.close());
    await Promise.all([seedDemoData(a.url, { now: FIXED_NOW }), seedDemoData(b.url, { now: FIXED_NOW })]);
    const digest = (pool: pg.Pool) =>
      pool
        .query(
          `SELECT ${SEEDED_TABLES.map((t) => `(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM public."${t}" x) AS "${t}"`).join(", ")}`,
        )
        .then((r) => r.rows[0]);
    const [da, db2] = await Promise.all([digest(a.pool), digest(b.pool)]);
    expect(da).toEqual(db2);
    expect(await one(a.pool, `SELECT max(snapshot_date)::text AS last FROM inventory_snapshots`)).toEqual({ last: "2025-10-20" });
  });

  test("two seeders at once: exactly one loads the data", async () => {
    const target = await createTestDatabase();
    onTestFinished(() => target.close());
    const results = await Promise.all([seedDemoData(target.url), seedDemoData(target.url)]);
    expect(results.map((r) => r.seeded).sort()).toEqual([false, true]);
    expect(await one(target.pool, `SELECT count(*)::int AS n FROM ads_campaigns`)).toEqual({ n: 40 });
  });

  test("never mixes demo rows into a database that already has campaigns", async () => {
    const target = await createTestDatabase();
    onTestFinished(() => target.close());
    await target.pool.query(
      `INSERT INTO ads_campaigns (campaign_id, platform, campaign_name, start_date) VALUES ('real-1', 'meta', 'Real', '2025-01-01')`,
    );
    const result = await seedDemoData(target.url);
    expect(result).toMatchObject({ seeded: false, counts: {} });
    expect(result.reason).toMatch(/ads_campaigns already has rows/);
    expect(await one(target.pool, `SELECT count(*)::int AS n FROM inventory_snapshots`)).toEqual({ n: 0 });
  });

  test("a failed seed leaves nothing behind and can be retried", async () => {
    const target = await createTestDatabase();
    onTestFinished(() => target.close());
    // A supplier the seed also wants to create: its INSERT fails half-way through the transaction.
    await target.pool.query(`INSERT INTO supplier_lead_times (supplier, lead_time_days) VALUES ('Aeromotive Inc.', 9)`);
    await expect(seedDemoData(target.url)).rejects.toMatchObject({ code: "23505", constraint: "supplier_lead_times_supplier_key" });
    expect(await tableCounts(target.pool)).toMatchObject({ ads_campaigns: 0, ads_daily_metrics: 0, DecisionLog: 0 });
    await target.pool.query(`DELETE FROM supplier_lead_times`);
    expect((await seedDemoData(target.url)).seeded).toBe(true);
  });

  test("refuses a database that is not migrated", async () => {
    const empty = await createTestDatabase({ empty: true });
    onTestFinished(() => empty.close());
    await expect(seedDemoData(empty.url)).rejects.toThrow(/not migrated/);
  });

  test("on PGlite with pgvector: seeds in one go and pgvector's cosine search ranks the right document first", async () => {
    const vdb = await createVectorTestDatabase();
    onTestFinished(() => vdb.close());
    const result = await seedDemoData(vdb.url);
    expect(result.seeded).toBe(true);
    // A generous bound: bulk statements take ~1.5 s here; row-by-row inserts would take minutes.
    expect(result.durationMs).toBeLessThan(20_000);
    const query = embeddingLiteral(embedText("is PTFE hose safe with E85 ethanol"), true);
    const { rows } = await vdb.pool.query(
      `SELECT d.title FROM knowledge_chunks c JOIN knowledge_documents d ON d.id = c.document_id
        ORDER BY c.embedding <=> $1::vector LIMIT 1`,
      [query],
    );
    expect(rows[0].title).toBe("E85 and ethanol compatibility");
    expect((await seedDemoData(vdb.url)).seeded).toBe(false);
  });
});
