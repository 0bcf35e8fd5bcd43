-- Row-level security on every table, as the schema document states it:
--   * authenticated reads (dashboards, analytics), service_role writes;
--   * service_role only: creds_meta and the agent internals (agent_run, agent_qc, AgentQuery, knowledge_*);
--   * observability_logs: authenticated sees INFO and WARN rows only;
--   * anon sees nothing.
-- The GraphQL layer mirrors this from one table in code (src/auth/policy.ts); tests/rls-parity.test.ts
-- proves the two agree. Supabase already has these roles; elsewhere they are created here.

DO $$
DECLARE r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', r);
    END IF;
    -- The gateway's login user switches into these roles per request (SET LOCAL ROLE).
    IF NOT pg_has_role(current_user, r, 'MEMBER') THEN
      EXECUTE format('GRANT %I TO %I', r, current_user);
    END IF;
  END LOOP;
END $$;

GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;

-- The verified JWT claims of the current request (set per transaction by the gateway, as PostgREST does).
-- current_setting returns '' rather than NULL once a transaction that set it has ended.
CREATE SCHEMA IF NOT EXISTS gateway;
GRANT USAGE ON SCHEMA gateway TO anon, authenticated, service_role;
CREATE OR REPLACE FUNCTION gateway.jwt_claims() RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb)
$$;
CREATE OR REPLACE FUNCTION gateway.jwt_subject() RETURNS text
LANGUAGE sql STABLE AS $$ SELECT gateway.jwt_claims() ->> 'sub' $$;

-- Start from nothing: every table locked, no grants to the API roles.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'ads_campaigns', 'ads_daily_metrics', 'ads_metrics_daily',
    'agent_run', 'agent_qc', 'AgentApproval', 'AgentFeedback', 'AgentQuery',
    'knowledge_documents', 'knowledge_chunks', 'knowledge_metadata',
    'inventory_snapshots', 'reorder_points', 'supplier_lead_times',
    'DashboardFact', 'DecisionLog', 'support_curated_replies', 'observability_logs', 'creds_meta'
  ] LOOP
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('REVOKE ALL ON public.%I FROM PUBLIC, anon, authenticated, service_role', t);
  END LOOP;
END $$;

-- ───────────── Authenticated read, service_role full access ─────────────
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'ads_campaigns', 'ads_daily_metrics', 'ads_metrics_daily', 'AgentApproval', 'AgentFeedback',
    'inventory_snapshots', 'reorder_points', 'supplier_lead_times', 'DashboardFact', 'support_curated_replies'
  ] LOOP
    EXECUTE format('GRANT SELECT ON public.%I TO authenticated', t);
    EXECUTE format('CREATE POLICY %I ON public.%I FOR SELECT TO authenticated USING (true)', t || '_authenticated_read', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO service_role', t);
    EXECUTE format('CREATE POLICY %I ON public.%I FOR ALL TO service_role USING (true) WITH CHECK (true)', t || '_service_role_all', t);
  END LOOP;
END $$;

-- Operators rate agent suggestions; the annotator is always the caller.
GRANT INSERT ON public."AgentFeedback" TO authenticated;
CREATE POLICY "AgentFeedback_authenticated_insert_own" ON public."AgentFeedback"
  FOR INSERT TO authenticated WITH CHECK ("annotator" IS NOT NULL AND "annotator" = gateway.jwt_subject());

-- ───────────── service_role only ─────────────
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'agent_run', 'agent_qc', 'AgentQuery', 'knowledge_documents', 'knowledge_chunks', 'knowledge_metadata', 'creds_meta'
  ] LOOP
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO service_role', t);
    EXECUTE format('CREATE POLICY %I ON public.%I FOR ALL TO service_role USING (true) WITH CHECK (true)', t || '_service_role_all', t);
  END LOOP;
END $$;

-- ───────────── DecisionLog: readable audit trail, append-only ─────────────
GRANT SELECT ON public."DecisionLog" TO authenticated;
GRANT SELECT, INSERT ON public."DecisionLog" TO service_role;
CREATE POLICY "DecisionLog_authenticated_read" ON public."DecisionLog" FOR SELECT TO authenticated USING (true);
CREATE POLICY "DecisionLog_service_role_read" ON public."DecisionLog" FOR SELECT TO service_role USING (true);
CREATE POLICY "DecisionLog_service_role_insert" ON public."DecisionLog" FOR INSERT TO service_role WITH CHECK (true);

-- ───────────── observability_logs: authenticated sees INFO and WARN only ─────────────
GRANT SELECT ON public.observability_logs TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.observability_logs TO service_role;
CREATE POLICY "observability_logs_authenticated_read_info_warn" ON public.observability_logs
  FOR SELECT TO authenticated USING ("level" IN ('INFO', 'WARN'));
CREATE POLICY "observability_logs_service_role_all" ON public.observability_logs
  FOR ALL TO service_role USING (true) WITH CHECK (true);
