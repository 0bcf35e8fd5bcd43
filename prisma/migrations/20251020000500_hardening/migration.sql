-- Hardening found in review:
--  * a blank JWT sub is no identity (it could otherwise annotate feedback as '');
--  * gateway.vector_enabled() must recognise pgvector installed in another schema (Supabase puts it
--    in "extensions", where format_type() prints "extensions.vector(1536)");
--  * TRUNCATE bypasses row triggers, so the append-only DecisionLog needs a statement trigger too;
--  * the migration history is nobody's business but the owner's (Supabase grants new public tables
--    to anon and authenticated by default);
--  * ads_metrics_daily gets the created_at/updated_at indexes every other table has.

CREATE OR REPLACE FUNCTION gateway.jwt_subject() RETURNS text
LANGUAGE sql STABLE AS $$ SELECT nullif(btrim(gateway.jwt_claims() ->> 'sub'), '') $$;

CREATE OR REPLACE FUNCTION gateway.vector_enabled() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce((
    SELECT t.typname = 'vector'
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
    WHERE a.attrelid = 'public.knowledge_chunks'::regclass AND a.attname = 'embedding' AND NOT a.attisdropped
  ), false)
$$;

CREATE TRIGGER "DecisionLog_no_truncate" BEFORE TRUNCATE ON "DecisionLog"
  FOR EACH STATEMENT EXECUTE FUNCTION public.decision_log_append_only();

DO $$
BEGIN
  IF to_regclass('public._prisma_migrations') IS NOT NULL THEN
    REVOKE ALL ON public._prisma_migrations FROM PUBLIC, anon, authenticated, service_role;
  END IF;
END $$;

CREATE INDEX "idx_ads_metrics_daily_created_at" ON "ads_metrics_daily" ("created_at");
CREATE INDEX "idx_ads_metrics_daily_updated_at" ON "ads_metrics_daily" ("updated_at");
