-- HotDash data model: every table of the schema document, with the constraints, indexes and
-- triggers it states. Row-level security follows in the next migration.
-- gen_random_uuid() is built into PostgreSQL 13+; no extension needed.

-- ───────────── Shared trigger functions ─────────────

-- Keeps updated_at honest whatever the writer sends.
CREATE OR REPLACE FUNCTION public.set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;

-- Same for the Prisma-born tables, whose column is "updatedAt".
CREATE OR REPLACE FUNCTION public.set_updated_at_camel() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW."updatedAt" := now();
  RETURN NEW;
END;
$$;

-- CPC, CPA, ROAS, CTR and conversion rate, each NULL when its divisor is 0.
-- CTR and conversion rate are fractions (0.0123), not percentages. Cents are rounded half up.
CREATE OR REPLACE FUNCTION public.calculate_ads_metrics() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.cpc_cents       := CASE WHEN NEW.clicks      > 0 THEN round(NEW.spend_cents::numeric / NEW.clicks)::integer      END;
  NEW.cpa_cents       := CASE WHEN NEW.conversions > 0 THEN round(NEW.spend_cents::numeric / NEW.conversions)::integer END;
  NEW.roas            := CASE WHEN NEW.spend_cents > 0 THEN round(NEW.revenue_cents::numeric / NEW.spend_cents, 2)     END;
  NEW.ctr             := CASE WHEN NEW.impressions > 0 THEN round(NEW.clicks::numeric / NEW.impressions, 4)            END;
  NEW.conversion_rate := CASE WHEN NEW.clicks      > 0 THEN round(NEW.conversions::numeric / NEW.clicks, 4)            END;
  RETURN NEW;
END;
$$;

-- ───────────── Ads & marketing ─────────────

CREATE TABLE "ads_campaigns" (
  "id"            UUID         NOT NULL DEFAULT gen_random_uuid(),
  "campaign_id"   TEXT         NOT NULL,
  "platform"      TEXT         NOT NULL,
  "campaign_name" TEXT         NOT NULL,
  "status"        TEXT         NOT NULL DEFAULT 'active',
  "budget_cents"  INTEGER      NOT NULL DEFAULT 0,
  "target_roas"   DECIMAL(10,2),
  "start_date"    DATE         NOT NULL,
  "end_date"      DATE,
  "utm_source"    TEXT,
  "utm_medium"    TEXT,
  "utm_campaign"  TEXT,
  "created_at"    TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updated_at"    TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "metadata"      JSONB        DEFAULT '{}'::jsonb,
  CONSTRAINT "ads_campaigns_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "ads_campaigns_platform_check" CHECK ("platform" IN ('meta', 'google', 'organic', 'tiktok', 'pinterest')),
  CONSTRAINT "ads_campaigns_status_check" CHECK ("status" IN ('active', 'paused', 'draft', 'archived')),
  CONSTRAINT "ads_campaigns_budget_check" CHECK ("budget_cents" >= 0),
  CONSTRAINT "ads_campaigns_target_roas_check" CHECK ("target_roas" IS NULL OR "target_roas" >= 0),
  CONSTRAINT "ads_campaigns_dates_check" CHECK ("end_date" IS NULL OR "end_date" >= "start_date")
);
CREATE UNIQUE INDEX "ads_campaigns_campaign_id_key" ON "ads_campaigns" ("campaign_id");
CREATE INDEX "idx_ads_campaigns_platform" ON "ads_campaigns" ("platform");
CREATE INDEX "idx_ads_campaigns_status" ON "ads_campaigns" ("status");
CREATE INDEX "idx_ads_campaigns_dates" ON "ads_campaigns" ("start_date", "end_date");
CREATE INDEX "idx_ads_campaigns_utm" ON "ads_campaigns" ("utm_source", "utm_medium", "utm_campaign");
CREATE INDEX "idx_ads_campaigns_created_at" ON "ads_campaigns" ("created_at");
CREATE INDEX "idx_ads_campaigns_updated_at" ON "ads_campaigns" ("updated_at");
CREATE TRIGGER "update_ads_campaigns_updated_at" BEFORE UPDATE ON "ads_campaigns"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TABLE "ads_daily_metrics" (
  "id"              UUID          NOT NULL DEFAULT gen_random_uuid(),
  "campaign_id"     UUID          NOT NULL,
  "metric_date"     DATE          NOT NULL,
  "spend_cents"     INTEGER       NOT NULL DEFAULT 0,
  "impressions"     INTEGER       NOT NULL DEFAULT 0,
  "clicks"          INTEGER       NOT NULL DEFAULT 0,
  "conversions"     INTEGER       NOT NULL DEFAULT 0,
  "revenue_cents"   INTEGER       NOT NULL DEFAULT 0,
  "cpc_cents"       INTEGER,
  "cpa_cents"       INTEGER,
  "roas"            DECIMAL(10,2),
  "ctr"             DECIMAL(10,4),
  "conversion_rate" DECIMAL(10,4),
  "created_at"      TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updated_at"      TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "ads_daily_metrics_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "ads_daily_metrics_campaign_id_fkey" FOREIGN KEY ("campaign_id")
    REFERENCES "ads_campaigns" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "ads_daily_metrics_counts_check" CHECK (
    "spend_cents" >= 0 AND "impressions" >= 0 AND "clicks" >= 0 AND "conversions" >= 0 AND "revenue_cents" >= 0)
);
CREATE UNIQUE INDEX "ads_daily_metrics_campaign_id_metric_date_key" ON "ads_daily_metrics" ("campaign_id", "metric_date");
CREATE INDEX "idx_ads_daily_metrics_campaign" ON "ads_daily_metrics" ("campaign_id");
CREATE INDEX "idx_ads_daily_metrics_date" ON "ads_daily_metrics" ("metric_date");
CREATE INDEX "idx_ads_daily_metrics_campaign_date" ON "ads_daily_metrics" ("campaign_id", "metric_date" DESC);
CREATE INDEX "idx_ads_daily_metrics_created_at" ON "ads_daily_metrics" ("created_at");
CREATE INDEX "idx_ads_daily_metrics_updated_at" ON "ads_daily_metrics" ("updated_at");
CREATE TRIGGER "calculate_ads_metrics_trigger" BEFORE INSERT OR UPDATE ON "ads_daily_metrics"
  FOR EACH ROW EXECUTE FUNCTION public.calculate_ads_metrics();
CREATE TRIGGER "update_ads_daily_metrics_updated_at" BEFORE UPDATE ON "ads_daily_metrics"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- Legacy table, superseded by the two above; same cents and fraction conventions and trigger.
CREATE TABLE "ads_metrics_daily" (
  "id"              UUID          NOT NULL DEFAULT gen_random_uuid(),
  "campaign_id"     TEXT          NOT NULL,
  "platform"        TEXT          NOT NULL,
  "date"            DATE          NOT NULL,
  "spend_cents"     INTEGER       NOT NULL DEFAULT 0,
  "impressions"     INTEGER       NOT NULL DEFAULT 0,
  "clicks"          INTEGER       NOT NULL DEFAULT 0,
  "conversions"     INTEGER       NOT NULL DEFAULT 0,
  "revenue_cents"   INTEGER       NOT NULL DEFAULT 0,
  "cpc_cents"       INTEGER,
  "cpa_cents"       INTEGER,
  "roas"            DECIMAL(10,2),
  "ctr"             DECIMAL(10,4),
  "conversion_rate" DECIMAL(10,4),
  "created_at"      TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updated_at"      TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "ads_metrics_daily_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "ads_metrics_daily_platform_check" CHECK ("platform" IN ('meta', 'google', 'unknown')),
  CONSTRAINT "ads_metrics_daily_counts_check" CHECK (
    "spend_cents" >= 0 AND "impressions" >= 0 AND "clicks" >= 0 AND "conversions" >= 0 AND "revenue_cents" >= 0)
);
CREATE UNIQUE INDEX "ads_metrics_daily_campaign_id_date_key" ON "ads_metrics_daily" ("campaign_id", "date");
CREATE INDEX "idx_ads_metrics_platform_date" ON "ads_metrics_daily" ("platform", "date" DESC);
CREATE INDEX "idx_ads_metrics_date" ON "ads_metrics_daily" ("date" DESC);
CREATE TRIGGER "calculate_ads_metrics_daily_trigger" BEFORE INSERT OR UPDATE ON "ads_metrics_daily"
  FOR EACH ROW EXECUTE FUNCTION public.calculate_ads_metrics();
CREATE TRIGGER "update_ads_metrics_daily_updated_at" BEFORE UPDATE ON "ads_metrics_daily"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- ───────────── Agent system ─────────────

CREATE TABLE "agent_run" (
  "run_id"             UUID          NOT NULL DEFAULT gen_random_uuid(),
  "agent_name"         TEXT          NOT NULL,
  "started_at"         TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "ended_at"           TIMESTAMPTZ(6),
  "input_kind"         TEXT,
  "resolution"         TEXT,
  "tokens_input"       INTEGER       NOT NULL DEFAULT 0,
  "tokens_output"      INTEGER       NOT NULL DEFAULT 0,
  "cost_usd"           DECIMAL(12,6) NOT NULL DEFAULT 0,
  "self_corrected"     BOOLEAN       NOT NULL DEFAULT false,
  "sla_target_seconds" INTEGER,
  "metadata"           JSONB         DEFAULT '{}'::jsonb,
  "created_at"         TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updated_at"         TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "agent_run_pkey" PRIMARY KEY ("run_id"),
  -- NULL while the run is still going.
  CONSTRAINT "agent_run_resolution_check" CHECK ("resolution" IS NULL OR "resolution" IN ('resolved', 'escalated', 'failed')),
  CONSTRAINT "agent_run_tokens_check" CHECK ("tokens_input" >= 0 AND "tokens_output" >= 0 AND "cost_usd" >= 0),
  CONSTRAINT "agent_run_sla_check" CHECK ("sla_target_seconds" IS NULL OR "sla_target_seconds" > 0),
  CONSTRAINT "agent_run_times_check" CHECK ("ended_at" IS NULL OR "ended_at" >= "started_at")
);
CREATE INDEX "idx_agent_run_agent_time" ON "agent_run" ("agent_name", "started_at");
CREATE INDEX "idx_agent_run_created_at" ON "agent_run" ("created_at");
CREATE INDEX "idx_agent_run_updated_at" ON "agent_run" ("updated_at");
CREATE TRIGGER "update_agent_run_updated_at" BEFORE UPDATE ON "agent_run"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TABLE "agent_qc" (
  "id"            UUID          NOT NULL DEFAULT gen_random_uuid(),
  "run_id"        UUID          NOT NULL,
  "quality_score" INTEGER       NOT NULL,
  "checker"       TEXT,
  "notes"         TEXT,
  "created_at"    TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "agent_qc_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "agent_qc_run_id_fkey" FOREIGN KEY ("run_id")
    REFERENCES "agent_run" ("run_id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "agent_qc_quality_score_check" CHECK ("quality_score" BETWEEN 1 AND 5)
);
CREATE INDEX "idx_agent_qc_run" ON "agent_qc" ("run_id");
CREATE INDEX "idx_agent_qc_created_at" ON "agent_qc" ("created_at");

CREATE TABLE "AgentApproval" (
  "id"                UUID          NOT NULL DEFAULT gen_random_uuid(),
  "conversationId"    TEXT          NOT NULL,
  "runId"             UUID,
  "agent"             TEXT          NOT NULL,
  "kind"              TEXT          NOT NULL,
  "summary"           TEXT          NOT NULL,
  "payload"           JSONB         NOT NULL DEFAULT '{}'::jsonb,
  "lastInterruptions" JSONB         NOT NULL DEFAULT '[]'::jsonb,
  "status"            TEXT          NOT NULL DEFAULT 'pending',
  "expiresAt"         TIMESTAMPTZ(6),
  "decidedBy"         TEXT,
  "decidedAt"         TIMESTAMPTZ(6),
  "decisionNote"      TEXT,
  "createdAt"         TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updatedAt"         TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "AgentApproval_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "AgentApproval_runId_fkey" FOREIGN KEY ("runId")
    REFERENCES "agent_run" ("run_id") ON DELETE SET NULL ON UPDATE CASCADE,
  CONSTRAINT "AgentApproval_status_check" CHECK ("status" IN ('pending', 'approved', 'rejected', 'expired')),
  CONSTRAINT "AgentApproval_kind_check" CHECK (length(btrim("kind")) > 0),
  CONSTRAINT "AgentApproval_summary_check" CHECK (length(btrim("summary")) > 0),
  -- A decided approval says who decided and when; a pending one says neither.
  CONSTRAINT "AgentApproval_decision_check" CHECK (
    ("status" = 'pending' AND "decidedAt" IS NULL AND "decidedBy" IS NULL)
    OR ("status" IN ('approved', 'rejected') AND "decidedAt" IS NOT NULL AND "decidedBy" IS NOT NULL)
    OR ("status" = 'expired' AND "decidedAt" IS NOT NULL))
);
CREATE INDEX "AgentApproval_conversationId_idx" ON "AgentApproval" ("conversationId");
CREATE INDEX "AgentApproval_status_idx" ON "AgentApproval" ("status");
CREATE INDEX "AgentApproval_createdAt_idx" ON "AgentApproval" ("createdAt");
CREATE INDEX "AgentApproval_updatedAt_idx" ON "AgentApproval" ("updatedAt");
CREATE INDEX "AgentApproval_runId_idx" ON "AgentApproval" ("runId");
-- The support-queue tile: pending items oldest first.
CREATE INDEX "AgentApproval_pending_createdAt_idx" ON "AgentApproval" ("createdAt", "id") WHERE "status" = 'pending';
CREATE TRIGGER "update_AgentApproval_updated_at" BEFORE UPDATE ON "AgentApproval"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_camel();

CREATE TABLE "AgentQuery" (
  "id"             UUID          NOT NULL DEFAULT gen_random_uuid(),
  "runId"          UUID,
  "conversationId" TEXT          NOT NULL,
  "agent"          TEXT          NOT NULL,
  "model"          TEXT          NOT NULL,
  "query"          TEXT          NOT NULL,
  "result"         JSONB,
  "promptDigest"   TEXT,
  "responseDigest" TEXT,
  "tokensInput"    INTEGER       NOT NULL DEFAULT 0,
  "tokensOutput"   INTEGER       NOT NULL DEFAULT 0,
  "latencyMs"      INTEGER,
  "costUsd"        DECIMAL(12,6) NOT NULL DEFAULT 0,
  "outcome"        TEXT          NOT NULL DEFAULT 'success',
  "approved"       BOOLEAN,
  "humanEdited"    BOOLEAN       NOT NULL DEFAULT false,
  "createdAt"      TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updatedAt"      TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "AgentQuery_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "AgentQuery_runId_fkey" FOREIGN KEY ("runId")
    REFERENCES "agent_run" ("run_id") ON DELETE SET NULL ON UPDATE CASCADE,
  CONSTRAINT "AgentQuery_outcome_check" CHECK ("outcome" IN ('success', 'error', 'timeout', 'refused')),
  CONSTRAINT "AgentQuery_numbers_check" CHECK (
    "tokensInput" >= 0 AND "tokensOutput" >= 0 AND "costUsd" >= 0 AND ("latencyMs" IS NULL OR "latencyMs" >= 0))
);
CREATE INDEX "AgentQuery_conversationId_idx" ON "AgentQuery" ("conversationId");
CREATE INDEX "AgentQuery_agent_createdAt_idx" ON "AgentQuery" ("agent", "createdAt" DESC);
CREATE INDEX "AgentQuery_runId_idx" ON "AgentQuery" ("runId");
CREATE INDEX "AgentQuery_createdAt_idx" ON "AgentQuery" ("createdAt");
CREATE INDEX "AgentQuery_updatedAt_idx" ON "AgentQuery" ("updatedAt");
CREATE TRIGGER "update_AgentQuery_updated_at" BEFORE UPDATE ON "AgentQuery"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_camel();

CREATE TABLE "AgentFeedback" (
  "id"             UUID          NOT NULL DEFAULT gen_random_uuid(),
  "approvalId"     UUID,
  "queryId"        UUID,
  "conversationId" TEXT          NOT NULL,
  "inputText"      TEXT,
  "modelDraft"     TEXT,
  "safeToSend"     BOOLEAN,
  "rating"         INTEGER,
  "labels"         TEXT[]        NOT NULL DEFAULT '{}',
  "rubric"         JSONB         NOT NULL DEFAULT '{}'::jsonb,
  "annotator"      TEXT,
  "notes"          TEXT,
  "meta"           JSONB         NOT NULL DEFAULT '{}'::jsonb,
  "createdAt"      TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updatedAt"      TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "AgentFeedback_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "AgentFeedback_approvalId_fkey" FOREIGN KEY ("approvalId")
    REFERENCES "AgentApproval" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "AgentFeedback_queryId_fkey" FOREIGN KEY ("queryId")
    REFERENCES "AgentQuery" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "AgentFeedback_rating_check" CHECK ("rating" IS NULL OR "rating" BETWEEN 1 AND 5)
);
CREATE INDEX "AgentFeedback_approvalId_idx" ON "AgentFeedback" ("approvalId");
CREATE INDEX "AgentFeedback_queryId_idx" ON "AgentFeedback" ("queryId");
CREATE INDEX "AgentFeedback_conversationId_idx" ON "AgentFeedback" ("conversationId");
CREATE INDEX "AgentFeedback_createdAt_idx" ON "AgentFeedback" ("createdAt");
CREATE INDEX "AgentFeedback_updatedAt_idx" ON "AgentFeedback" ("updatedAt");
CREATE INDEX "AgentFeedback_labels_gin" ON "AgentFeedback" USING GIN ("labels");
CREATE TRIGGER "update_AgentFeedback_updated_at" BEFORE UPDATE ON "AgentFeedback"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_camel();

-- ───────────── Knowledge base (the embedding column is added by the pgvector migration) ─────────────

CREATE TABLE "knowledge_documents" (
  "id"         UUID          NOT NULL DEFAULT gen_random_uuid(),
  "title"      TEXT          NOT NULL,
  "source"     TEXT          NOT NULL,
  "source_url" TEXT,
  "content"    TEXT          NOT NULL,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "knowledge_documents_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "knowledge_documents_content_not_empty" CHECK (length(btrim("content")) > 0),
  CONSTRAINT "knowledge_documents_title_not_empty" CHECK (length(btrim("title")) > 0)
);
CREATE INDEX "idx_knowledge_documents_source" ON "knowledge_documents" ("source");
CREATE INDEX "idx_knowledge_documents_created_at" ON "knowledge_documents" ("created_at");
CREATE INDEX "idx_knowledge_documents_updated_at" ON "knowledge_documents" ("updated_at");
CREATE TRIGGER "update_knowledge_documents_updated_at" BEFORE UPDATE ON "knowledge_documents"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TABLE "knowledge_chunks" (
  "id"          UUID          NOT NULL DEFAULT gen_random_uuid(),
  "document_id" UUID          NOT NULL,
  "chunk_index" INTEGER       NOT NULL,
  "content"     TEXT          NOT NULL,
  "token_count" INTEGER       NOT NULL DEFAULT 0,
  "created_at"  TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updated_at"  TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "knowledge_chunks_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "knowledge_chunks_document_id_fkey" FOREIGN KEY ("document_id")
    REFERENCES "knowledge_documents" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "knowledge_chunks_index_check" CHECK ("chunk_index" >= 0 AND "token_count" >= 0),
  CONSTRAINT "knowledge_chunks_content_not_empty" CHECK (length(btrim("content")) > 0)
);
CREATE UNIQUE INDEX "knowledge_chunks_document_id_chunk_index_key" ON "knowledge_chunks" ("document_id", "chunk_index");
CREATE INDEX "idx_knowledge_chunks_created_at" ON "knowledge_chunks" ("created_at");
CREATE INDEX "idx_knowledge_chunks_updated_at" ON "knowledge_chunks" ("updated_at");
CREATE TRIGGER "update_knowledge_chunks_updated_at" BEFORE UPDATE ON "knowledge_chunks"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TABLE "knowledge_metadata" (
  "id"          UUID          NOT NULL DEFAULT gen_random_uuid(),
  "document_id" UUID          NOT NULL,
  "key"         TEXT          NOT NULL,
  "value"       TEXT          NOT NULL,
  "created_at"  TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updated_at"  TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "knowledge_metadata_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "knowledge_metadata_document_id_fkey" FOREIGN KEY ("document_id")
    REFERENCES "knowledge_documents" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "knowledge_metadata_key_check" CHECK (length(btrim("key")) > 0)
);
CREATE UNIQUE INDEX "knowledge_metadata_document_id_key_key" ON "knowledge_metadata" ("document_id", "key");
CREATE INDEX "idx_knowledge_metadata_key_value" ON "knowledge_metadata" ("key", "value");
CREATE INDEX "idx_knowledge_metadata_created_at" ON "knowledge_metadata" ("created_at");
CREATE INDEX "idx_knowledge_metadata_updated_at" ON "knowledge_metadata" ("updated_at");
CREATE TRIGGER "update_knowledge_metadata_updated_at" BEFORE UPDATE ON "knowledge_metadata"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- ───────────── Inventory ─────────────

CREATE TABLE "inventory_snapshots" (
  "id"                 UUID          NOT NULL DEFAULT gen_random_uuid(),
  "sku"                TEXT          NOT NULL,
  "variant_id"         TEXT,
  "product_title"      TEXT,
  "snapshot_date"      DATE          NOT NULL DEFAULT CURRENT_DATE,
  "on_hand_quantity"   INTEGER       NOT NULL DEFAULT 0,
  "available_quantity" INTEGER       NOT NULL DEFAULT 0,
  "committed_quantity" INTEGER       NOT NULL DEFAULT 0,
  "incoming_quantity"  INTEGER       NOT NULL DEFAULT 0,
  "units_sold"         INTEGER       NOT NULL DEFAULT 0,
  "created_at"         TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updated_at"         TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "inventory_snapshots_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "inventory_snapshots_sku_check" CHECK (length(btrim("sku")) > 0),
  -- available may go negative (oversold); the others cannot.
  CONSTRAINT "inventory_snapshots_quantities_check" CHECK (
    "on_hand_quantity" >= 0 AND "committed_quantity" >= 0 AND "incoming_quantity" >= 0 AND "units_sold" >= 0)
);
CREATE UNIQUE INDEX "inventory_snapshots_sku_snapshot_date_key" ON "inventory_snapshots" ("sku", "snapshot_date");
CREATE INDEX "idx_inventory_snapshots_date" ON "inventory_snapshots" ("snapshot_date");
CREATE INDEX "idx_inventory_snapshots_created_at" ON "inventory_snapshots" ("created_at");
CREATE INDEX "idx_inventory_snapshots_updated_at" ON "inventory_snapshots" ("updated_at");
CREATE TRIGGER "update_inventory_snapshots_updated_at" BEFORE UPDATE ON "inventory_snapshots"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TABLE "supplier_lead_times" (
  "id"             UUID          NOT NULL DEFAULT gen_random_uuid(),
  "supplier"       TEXT          NOT NULL,
  "lead_time_days" INTEGER       NOT NULL,
  "max_lead_days"  INTEGER,
  "created_at"     TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updated_at"     TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "supplier_lead_times_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "supplier_lead_times_lead_check" CHECK (
    "lead_time_days" > 0 AND ("max_lead_days" IS NULL OR "max_lead_days" >= "lead_time_days"))
);
CREATE UNIQUE INDEX "supplier_lead_times_supplier_key" ON "supplier_lead_times" ("supplier");
CREATE INDEX "idx_supplier_lead_times_created_at" ON "supplier_lead_times" ("created_at");
CREATE INDEX "idx_supplier_lead_times_updated_at" ON "supplier_lead_times" ("updated_at");
CREATE TRIGGER "update_supplier_lead_times_updated_at" BEFORE UPDATE ON "supplier_lead_times"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

CREATE TABLE "reorder_points" (
  "id"             UUID          NOT NULL DEFAULT gen_random_uuid(),
  "sku"            TEXT          NOT NULL,
  "supplier_id"    UUID,
  "safety_stock"   INTEGER       NOT NULL DEFAULT 0,
  "lead_time_days" INTEGER,
  "created_at"     TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updated_at"     TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "reorder_points_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "reorder_points_supplier_id_fkey" FOREIGN KEY ("supplier_id")
    REFERENCES "supplier_lead_times" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
  CONSTRAINT "reorder_points_safety_stock_check" CHECK ("safety_stock" >= 0),
  CONSTRAINT "reorder_points_lead_time_check" CHECK ("lead_time_days" IS NULL OR "lead_time_days" > 0)
);
CREATE UNIQUE INDEX "reorder_points_sku_key" ON "reorder_points" ("sku");
CREATE INDEX "idx_reorder_points_supplier" ON "reorder_points" ("supplier_id");
CREATE INDEX "idx_reorder_points_created_at" ON "reorder_points" ("created_at");
CREATE INDEX "idx_reorder_points_updated_at" ON "reorder_points" ("updated_at");
CREATE TRIGGER "update_reorder_points_updated_at" BEFORE UPDATE ON "reorder_points"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- ───────────── Analytics ─────────────

CREATE TABLE "DashboardFact" (
  "id"          UUID          NOT NULL DEFAULT gen_random_uuid(),
  "shopDomain"  TEXT          NOT NULL,
  "metric"      TEXT          NOT NULL,
  "factDate"    DATE          NOT NULL,
  "value"       DECIMAL(20,4) NOT NULL,
  "unit"        TEXT          NOT NULL DEFAULT 'count',
  "scope"       TEXT,
  "metadata"    JSONB         DEFAULT '{}'::jsonb,
  "evidenceUrl" TEXT,
  "createdAt"   TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updatedAt"   TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "DashboardFact_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "DashboardFact_metric_check" CHECK ("metric" ~ '^[a-z][a-z0-9_.]*$'),
  CONSTRAINT "DashboardFact_unit_check" CHECK ("unit" IN ('cents', 'count', 'ratio', 'seconds'))
);
CREATE UNIQUE INDEX "DashboardFact_shopDomain_metric_factDate_key" ON "DashboardFact" ("shopDomain", "metric", "factDate");
CREATE INDEX "DashboardFact_metric_factDate_idx" ON "DashboardFact" ("metric", "factDate");
CREATE INDEX "DashboardFact_createdAt_idx" ON "DashboardFact" ("createdAt");
CREATE INDEX "DashboardFact_updatedAt_idx" ON "DashboardFact" ("updatedAt");
CREATE TRIGGER "update_DashboardFact_updated_at" BEFORE UPDATE ON "DashboardFact"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at_camel();

CREATE TABLE "DecisionLog" (
  "id"          UUID          NOT NULL DEFAULT gen_random_uuid(),
  "scope"       TEXT          NOT NULL,
  "actor"       TEXT          NOT NULL,
  "action"      TEXT          NOT NULL,
  "rationale"   TEXT,
  "evidenceUrl" TEXT,
  "shopDomain"  TEXT,
  "externalRef" TEXT,
  "payload"     JSONB         DEFAULT '{}'::jsonb,
  "createdAt"   TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "DecisionLog_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "DecisionLog_required_check" CHECK (
    length(btrim("scope")) > 0 AND length(btrim("actor")) > 0 AND length(btrim("action")) > 0)
);
CREATE INDEX "DecisionLog_scope_createdAt_idx" ON "DecisionLog" ("scope", "createdAt");
CREATE INDEX "DecisionLog_externalRef_idx" ON "DecisionLog" ("externalRef");
CREATE INDEX "DecisionLog_createdAt_idx" ON "DecisionLog" ("createdAt");

-- An audit trail that can be edited is not one: UPDATE and DELETE are refused for every role.
CREATE OR REPLACE FUNCTION public.decision_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'DecisionLog is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER "DecisionLog_append_only" BEFORE UPDATE OR DELETE ON "DecisionLog"
  FOR EACH ROW EXECUTE FUNCTION public.decision_log_append_only();

-- ───────────── Support ─────────────

CREATE TABLE "support_curated_replies" (
  "id"                UUID          NOT NULL DEFAULT gen_random_uuid(),
  "message_body"      TEXT          NOT NULL,
  "tags"              TEXT[]        NOT NULL DEFAULT '{}',
  "approver"          TEXT          NOT NULL,
  "approved_at"       TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "source_message_id" TEXT,
  "conversation_id"   TEXT,
  "created_at"        TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updated_at"        TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "support_curated_replies_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "support_curated_replies_body_check" CHECK (length(btrim("message_body")) > 0)
);
CREATE INDEX "support_curated_replies_approved_at_idx" ON "support_curated_replies" ("approved_at" DESC);
CREATE INDEX "support_curated_replies_conversation_idx" ON "support_curated_replies" ("conversation_id");
CREATE INDEX "support_curated_replies_source_msg_idx" ON "support_curated_replies" ("source_message_id");
CREATE INDEX "support_curated_replies_created_at_idx" ON "support_curated_replies" ("created_at" DESC);
CREATE INDEX "support_curated_replies_updated_at_idx" ON "support_curated_replies" ("updated_at" DESC);
CREATE INDEX "support_curated_replies_tags_gin" ON "support_curated_replies" USING GIN ("tags");
CREATE TRIGGER "update_support_curated_replies_updated_at" BEFORE UPDATE ON "support_curated_replies"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

-- ───────────── Observability ─────────────

CREATE TABLE "observability_logs" (
  "id"         UUID          NOT NULL DEFAULT gen_random_uuid(),
  "level"      TEXT          NOT NULL DEFAULT 'INFO',
  "message"    TEXT          NOT NULL,
  "metadata"   JSONB         DEFAULT '{}'::jsonb,
  "request_id" TEXT,
  "user_agent" TEXT,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "observability_logs_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "observability_logs_level_check" CHECK ("level" IN ('DEBUG', 'INFO', 'WARN', 'ERROR'))
);
CREATE INDEX "observability_logs_created_at_idx" ON "observability_logs" ("created_at" DESC);
CREATE INDEX "observability_logs_level_idx" ON "observability_logs" ("level", "created_at" DESC);
CREATE INDEX "observability_logs_request_id_idx" ON "observability_logs" ("request_id");

-- ───────────── Credentials ─────────────

CREATE TABLE "creds_meta" (
  "id"               UUID          NOT NULL DEFAULT gen_random_uuid(),
  "name"             TEXT          NOT NULL,
  "provider"         TEXT          NOT NULL,
  "description"      TEXT,
  "ciphertext"       BYTEA         NOT NULL,
  "nonce"            BYTEA         NOT NULL,
  "auth_tag"         BYTEA         NOT NULL,
  "key_id"           TEXT          NOT NULL,
  "last_rotated_at"  TIMESTAMPTZ(6),
  "last_accessed_at" TIMESTAMPTZ(6),
  "created_at"       TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "updated_at"       TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "creds_meta_pkey" PRIMARY KEY ("id"),
  -- AES-256-GCM: 96-bit nonce, 128-bit tag.
  CONSTRAINT "creds_meta_nonce_check" CHECK (octet_length("nonce") = 12),
  CONSTRAINT "creds_meta_auth_tag_check" CHECK (octet_length("auth_tag") = 16),
  CONSTRAINT "creds_meta_name_check" CHECK ("name" ~ '^[a-z0-9][a-z0-9_.-]*$')
);
CREATE UNIQUE INDEX "creds_meta_name_key" ON "creds_meta" ("name");
CREATE INDEX "idx_creds_meta_key_id" ON "creds_meta" ("key_id");
CREATE INDEX "idx_creds_meta_created_at" ON "creds_meta" ("created_at");
CREATE INDEX "idx_creds_meta_updated_at" ON "creds_meta" ("updated_at");
CREATE TRIGGER "update_creds_meta_updated_at" BEFORE UPDATE ON "creds_meta"
  FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
