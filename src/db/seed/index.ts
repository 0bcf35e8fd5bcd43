// Demo data for the HotDash dashboard: a realistic, deterministic picture of the Hot Rodan store over
// the last 90 days (180 for the shop facts, so a 90-day window can be compared with the previous one).
//
// * Idempotent: a DecisionLog row (scope 'seed', action 'demo_data_loaded') marks a seeded database; it
//   cannot be edited or deleted (DecisionLog is append-only). A database that already has the marker or
//   any ads campaign is left alone, so this never mixes demo rows into real data.
// * Deterministic: every value and every id comes from a seeded PRNG; only the dates move with `now`.
// * Fast: one transaction, one INSERT … SELECT FROM unnest(...) per table (~20 statements), see insert.ts.
// * creds_meta is NOT seeded: secrets need the vault key (src/vault), which demo data must not know.
//
// The builders, one file per domain, are pure; the text they use is in content/.
import pg from "pg";
import { buildCampaigns, buildDailyMetrics, buildLegacyMetrics } from "./ads.ts";
import { buildAgents } from "./agents.ts";
import { buildApprovals, buildFeedback } from "./approvals.ts";
import { DEMO_SEED_MARKER, DEMO_SHOP_DOMAIN } from "./constants.ts";
import { buildDashboardFacts } from "./facts.ts";
import { insertRows, type Row, TS } from "./insert.ts";
import { buildInventory } from "./inventory.ts";
import { buildKnowledge } from "./knowledge.ts";
import { buildDecisions, buildLogs } from "./logs.ts";
import { createRandom, fnv1a } from "./random.ts";
import { buildCuratedReplies } from "./support.ts";
import { isoDay } from "./values.ts";

export { EMBEDDING_DIMENSIONS } from "../../lib/embedding.ts";
export { DEMO_OPERATORS, DEMO_SEED_MARKER, DEMO_SHOP_DOMAIN } from "./constants.ts";
export { embeddingLiteral, embedText, tokenize } from "./embedding.ts";

export interface SeedDemoOptions {
  /** The moment the demo is "now" (default: the current time). Dates are relative to its UTC day. */
  now?: Date;
  /** PRNG seed (default 20251020). The same seed and `now` give byte-identical data. */
  seed?: number;
}

export interface SeedDemoResult {
  /** false when demo data (or any campaign) was already present: nothing was written. */
  seeded: boolean;
  /** Rows inserted per table (empty when nothing was seeded). */
  counts: Record<string, number>;
  /** Why nothing was seeded. */
  reason?: string;
  /** The UTC day the data ends on (YYYY-MM-DD). */
  today: string;
  durationMs: number;
}

/**
 * Loads the demo data set once. Returns `{ seeded: false, reason }` without writing anything when the
 * database already holds it (or any campaign). Requires a migrated database.
 */
export async function seedDemoData(databaseUrl: string, options: SeedDemoOptions = {}): Promise<SeedDemoResult> {
  const startedAt = Date.now();
  const now = options.now ?? new Date();
  const today = new Date(`${isoDay(now)}T00:00:00.000Z`);
  const seed = options.seed ?? 20251020;
  // One stream per section: weekday-dependent draws in one section never shift the values of another,
  // so e.g. the approvals look the same whichever day the demo is seeded on.
  const stream = (section: string) => createRandom((seed ^ fnv1a(section)) >>> 0);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "hotdash-seed" });
  client.on("error", () => {}); // a dropped connection surfaces as a failed query instead of a crash
  await client.connect();
  const done = (seeded: boolean, counts: Record<string, number>, reason?: string): SeedDemoResult => ({
    seeded,
    counts,
    ...(reason ? { reason } : {}),
    today: isoDay(today),
    durationMs: Date.now() - startedAt,
  });
  try {
    const migrated = await client.query<{ ok: boolean }>(
      `SELECT to_regclass('public.ads_campaigns') IS NOT NULL AND to_regprocedure('gateway.vector_enabled()') IS NOT NULL AS ok`,
    );
    if (!migrated.rows[0]?.ok) throw new Error("the database is not migrated; run `npm run db:migrate` first");

    await client.query("BEGIN");
    try {
      // Two seeders at once (e.g. two app instances booting) queue here; the second then sees the marker.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('hotdash.seed.demo'))`);
      const present = await client.query<{ marker: boolean; campaigns: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM public."DecisionLog" WHERE scope = $1 AND action = $2) AS marker,
                EXISTS (SELECT 1 FROM public.ads_campaigns) AS campaigns`,
        [DEMO_SEED_MARKER.scope, DEMO_SEED_MARKER.action],
      );
      const { marker, campaigns: hasCampaigns } = present.rows[0];
      if (marker || hasCampaigns) {
        await client.query("ROLLBACK");
        return done(
          false,
          {},
          marker
            ? "demo data already present (DecisionLog marker scope 'seed')"
            : "ads_campaigns already has rows; demo data is only loaded into an empty database",
        );
      }
      const vectorEnabled = (await client.query<{ v: boolean }>(`SELECT gateway.vector_enabled() AS v`)).rows[0].v;

      // Build everything first (pure, deterministic), then write it in a fixed order (parents first).
      const campaigns = buildCampaigns(stream("campaigns"), today, now);
      const dailyMetrics = buildDailyMetrics(stream("ads_daily_metrics"), campaigns, today, now);
      const legacy = buildLegacyMetrics(stream("ads_metrics_daily"), campaigns, today);
      const inventory = buildInventory(stream("inventory"), today, now);
      const facts = buildDashboardFacts(stream("facts"), today, now);
      const agents = buildAgents(stream("agents"), now);
      const approvals = buildApprovals(stream("approvals"), now, agents.runIds);
      const feedback = buildFeedback(stream("feedback"), now, approvals.info, agents.queryInfo);
      const logs = buildLogs(stream("logs"), now);
      const decisions = buildDecisions(stream("decisions"), now);
      const replies = buildCuratedReplies(stream("replies"), now);
      const knowledge = buildKnowledge(stream("knowledge"), now, vectorEnabled);

      const counts: Record<string, number> = {};
      const put = async (table: string, types: Record<string, string>, rows: Row[]) => {
        counts[table] = (counts[table] ?? 0) + (await insertRows(client, table, types, rows));
      };
      const metricTypes = {
        spend_cents: "int",
        impressions: "int",
        clicks: "int",
        conversions: "int",
        revenue_cents: "int",
        created_at: TS,
        updated_at: TS,
      };

      await put(
        "ads_campaigns",
        {
          id: "uuid",
          campaign_id: "text",
          platform: "text",
          campaign_name: "text",
          status: "text",
          budget_cents: "int",
          target_roas: "numeric",
          start_date: "date",
          end_date: "date",
          utm_source: "text",
          utm_medium: "text",
          utm_campaign: "text",
          created_at: TS,
          updated_at: TS,
          metadata: "jsonb",
        },
        campaigns.map((c) => c.row),
      );
      await put("ads_daily_metrics", { id: "uuid", campaign_id: "uuid", metric_date: "date", ...metricTypes }, dailyMetrics);
      await put("ads_metrics_daily", { id: "uuid", campaign_id: "text", platform: "text", date: "date", ...metricTypes }, legacy);

      await put(
        "supplier_lead_times",
        { id: "uuid", supplier: "text", lead_time_days: "int", max_lead_days: "int", created_at: TS, updated_at: TS },
        inventory.supplierRows,
      );
      await put(
        "reorder_points",
        { id: "uuid", sku: "text", supplier_id: "uuid", safety_stock: "int", lead_time_days: "int", created_at: TS, updated_at: TS },
        inventory.reorderRows,
      );
      await put(
        "inventory_snapshots",
        {
          id: "uuid",
          sku: "text",
          variant_id: "text",
          product_title: "text",
          snapshot_date: "date",
          on_hand_quantity: "int",
          available_quantity: "int",
          committed_quantity: "int",
          incoming_quantity: "int",
          units_sold: "int",
          created_at: TS,
          updated_at: TS,
        },
        inventory.snapshots,
      );

      await put(
        "DashboardFact",
        {
          id: "uuid",
          shopDomain: "text",
          metric: "text",
          factDate: "date",
          value: "numeric",
          unit: "text",
          scope: "text",
          metadata: "jsonb",
          evidenceUrl: "text",
          createdAt: TS,
          updatedAt: TS,
        },
        facts,
      );

      await put(
        "agent_run",
        {
          run_id: "uuid",
          agent_name: "text",
          started_at: TS,
          ended_at: TS,
          input_kind: "text",
          resolution: "text",
          tokens_input: "int",
          tokens_output: "int",
          cost_usd: "numeric",
          self_corrected: "boolean",
          sla_target_seconds: "int",
          metadata: "jsonb",
          created_at: TS,
          updated_at: TS,
        },
        agents.runs,
      );
      await put("agent_qc", { id: "uuid", run_id: "uuid", quality_score: "int", checker: "text", notes: "text", created_at: TS }, agents.qc);
      await put(
        "AgentQuery",
        {
          id: "uuid",
          runId: "uuid",
          conversationId: "text",
          agent: "text",
          model: "text",
          query: "text",
          result: "jsonb",
          promptDigest: "text",
          responseDigest: "text",
          tokensInput: "int",
          tokensOutput: "int",
          latencyMs: "int",
          costUsd: "numeric",
          outcome: "text",
          approved: "boolean",
          humanEdited: "boolean",
          createdAt: TS,
          updatedAt: TS,
        },
        agents.queries,
      );
      const approvalTypes = {
        id: "uuid",
        conversationId: "text",
        runId: "uuid",
        agent: "text",
        kind: "text",
        summary: "text",
        payload: "jsonb",
        lastInterruptions: "jsonb",
        status: "text",
        expiresAt: TS,
        decidedBy: "text",
        decidedByName: "text",
        decidedAt: TS,
        decisionNote: "text",
        createdAt: TS,
        updatedAt: TS,
      };
      // The queue goes in through the guard like any agent submission (which also takes each payload's
      // digest). Its proposal audit rows are written with the rest of the log below, dated when each
      // was submitted, so the trigger that would date them now() is off for these statements.
      await client.query(`ALTER TABLE public."AgentApproval" DISABLE TRIGGER "AgentApproval_audit_insert"`);
      await put(
        "AgentApproval",
        approvalTypes,
        approvals.rows.filter((a) => a.status === "pending"),
      );
      // History does not: the guard (migration 20251020000300) admits only pending rows and stamps
      // decisions with now(), right for live writes but unable to express decisions made days ago. It is
      // switched off for this one statement only, inside this transaction (ALTER TABLE is transactional
      // and its lock keeps every other session off the table until COMMIT), and the DecisionLog rows its
      // audit trigger would have written are inserted with the rest of the log below.
      await client.query(`ALTER TABLE public."AgentApproval" DISABLE TRIGGER "AgentApproval_guard"`);
      // So is the one that takes the decider's name from the deciding session (there is none): the rows carry it.
      await client.query(`ALTER TABLE public."AgentApproval" DISABLE TRIGGER "AgentApproval_decider_name"`);
      await put(
        "AgentApproval",
        approvalTypes,
        approvals.rows.filter((a) => a.status !== "pending"),
      );
      // The digest the guard takes at submission (migration 20251020001000), while it is still off.
      await client.query(`ALTER TABLE public."AgentApproval" DISABLE TRIGGER "update_AgentApproval_updated_at"`);
      await client.query(
        `UPDATE public."AgentApproval" SET "payloadDigest" = gateway.agent_approval_digest("kind", "payload") WHERE "payloadDigest" = ''`,
      );
      await client.query(`ALTER TABLE public."AgentApproval" ENABLE TRIGGER "update_AgentApproval_updated_at"`);
      await client.query(`ALTER TABLE public."AgentApproval" ENABLE TRIGGER "AgentApproval_decider_name"`);
      await client.query(`ALTER TABLE public."AgentApproval" ENABLE TRIGGER "AgentApproval_guard"`);
      await client.query(`ALTER TABLE public."AgentApproval" ENABLE TRIGGER "AgentApproval_audit_insert"`);
      await put(
        "AgentFeedback",
        {
          id: "uuid",
          approvalId: "uuid",
          queryId: "uuid",
          conversationId: "text",
          inputText: "text",
          modelDraft: "text",
          safeToSend: "boolean",
          rating: "int",
          labels: "text[]",
          rubric: "jsonb",
          annotator: "text",
          notes: "text",
          meta: "jsonb",
          createdAt: TS,
          updatedAt: TS,
        },
        feedback,
      );

      await put(
        "observability_logs",
        { id: "uuid", level: "text", message: "text", metadata: "jsonb", request_id: "text", user_agent: "text", created_at: TS },
        logs,
      );
      await put(
        "support_curated_replies",
        {
          id: "uuid",
          message_body: "text",
          tags: "text[]",
          approver: "text",
          approved_at: TS,
          source_message_id: "text",
          conversation_id: "text",
          created_at: TS,
          updated_at: TS,
        },
        replies,
      );

      await put(
        "knowledge_documents",
        { id: "uuid", title: "text", source: "text", source_url: "text", content: "text", created_at: TS, updated_at: TS },
        knowledge.documents,
      );
      await put(
        "knowledge_chunks",
        {
          id: "uuid",
          document_id: "uuid",
          chunk_index: "int",
          content: "text",
          token_count: "int",
          embedding: vectorEnabled ? "vector" : "real[]",
          created_at: TS,
          updated_at: TS,
        },
        knowledge.chunks,
      );
      await put(
        "knowledge_metadata",
        { id: "uuid", document_id: "uuid", key: "text", value: "text", created_at: TS, updated_at: TS },
        knowledge.metadata,
      );

      const decisionTypes = {
        id: "uuid",
        scope: "text",
        actor: "text",
        action: "text",
        rationale: "text",
        evidenceUrl: "text",
        shopDomain: "text",
        externalRef: "text",
        payload: "jsonb",
        createdAt: TS,
      };
      await put("DecisionLog", decisionTypes, [...decisions, ...approvals.audit]);
      // The marker goes last, so it exists only if everything before it was written.
      await put("DecisionLog", decisionTypes, [
        {
          id: stream("marker").uuid(),
          scope: DEMO_SEED_MARKER.scope,
          actor: "system:seed",
          action: DEMO_SEED_MARKER.action,
          rationale: "Demo data for the HotDash dashboard (src/db/seed/).",
          evidenceUrl: null,
          shopDomain: DEMO_SHOP_DOMAIN,
          externalRef: null,
          payload: { today: isoDay(today), seed, vectorEnabled, counts: { ...counts } },
          createdAt: now,
        },
      ]);

      await client.query("COMMIT");
      return done(true, counts);
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    }
  } finally {
    await client.end().catch(() => {});
  }
}
