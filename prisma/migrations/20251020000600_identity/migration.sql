-- Who is calling (issue 9): the database holds the same line as the gateway's policy table
-- (src/auth/policy.ts), so a caller that bypasses the gateway gets no more.
--
-- * Anonymous sign-ins are not operators (D1). Supabase's signInAnonymously() issues role
--   `authenticated` with `is_anonymous: true`; every `authenticated` policy, the feedback insert rule
--   and gateway.decide_agent_approval() now ask gateway.is_operator(), which such a token fails.
-- * Decisions only by humans (D5). gateway.decide_agent_approval() is executable by `authenticated`
--   only and refuses anything but an operator session with a sub that meets the store's minimum
--   assurance level (gateway.settings 'decision_min_aal', written by the gateway from DECISION_MIN_AAL
--   at start). The approval guard refuses a direct approve/reject by any API role: decisions go
--   through the function. decidedBy is the verified sub, never an argument.
-- * An audit trail nobody can forge (D4). Every DecisionLog row is stamped by a BEFORE INSERT trigger
--   with the request's real role and JWT subject and with `system` (written by the database itself:
--   a trigger, a SECURITY DEFINER function, or the owner), whatever the INSERT said. The scopes and
--   actions the database and the vault write (agent_approval, credentials, approval.*, credential.*)
--   are refused for direct inserts by API roles; the vault writes its rows through
--   gateway.record_vault_audit(), which names the caller itself.
-- * The vault's audit rows are service_role only (D3): operators no longer read scope 'credentials'.
--
-- SQLSTATEs added (src/resolvers/agents.ts maps them): 42501 with a JSON DETAIL {"reason": ...}:
--   NOT_AN_OPERATOR, ANONYMOUS, NO_SUBJECT, AAL_REQUIRED → FORBIDDEN.

-- ───────────── Settings the gateway writes at start (owner only) ─────────────
CREATE TABLE gateway.settings (
  "key"       TEXT PRIMARY KEY,
  "value"     TEXT NOT NULL,
  "updatedAt" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  CONSTRAINT "settings_decision_min_aal_check" CHECK ("key" <> 'decision_min_aal' OR "value" IN ('aal1', 'aal2'))
);
REVOKE ALL ON gateway.settings FROM PUBLIC, anon, authenticated, service_role;
INSERT INTO gateway.settings ("key", "value") VALUES ('decision_min_aal', 'aal1');

-- Read only from SECURITY DEFINER code (the decision function), so no API role needs access.
CREATE OR REPLACE FUNCTION gateway.decision_min_aal() RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog
AS $$ SELECT coalesce((SELECT "value" FROM gateway.settings WHERE "key" = 'decision_min_aal'), 'aal1') $$;
REVOKE ALL ON FUNCTION gateway.decision_min_aal() FROM PUBLIC;

-- ───────────── Who is calling ─────────────
-- The request's role as the gateway (or PostgREST) set it: SET LOCAL ROLE. Inside a SECURITY DEFINER
-- function current_user is the owner, but this setting still names the caller's role.
CREATE OR REPLACE FUNCTION gateway.request_role() RETURNS text
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('role', true), 'none') $$;

-- An operator: an `authenticated` session that is not an anonymous sign-in. The one test every
-- operator policy and the decision function use.
CREATE OR REPLACE FUNCTION gateway.is_operator() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT gateway.request_role() = 'authenticated'
     AND (gateway.jwt_claims() -> 'is_anonymous') IS DISTINCT FROM 'true'::jsonb
$$;

-- The audit rows only the database and the vault write (mirrored by isReservedAudit in src/auth/policy.ts).
CREATE OR REPLACE FUNCTION gateway.is_reserved_audit(scope text, action text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT lower(btrim(coalesce(scope, ''))) IN ('agent_approval', 'credentials')
      OR lower(btrim(coalesce(action, ''))) LIKE 'approval.%'
      OR lower(btrim(coalesce(action, ''))) LIKE 'credential.%'
$$;

GRANT EXECUTE ON FUNCTION gateway.request_role(), gateway.is_operator(), gateway.is_reserved_audit(text, text) TO anon, authenticated, service_role;

-- ───────────── Operator policies: anonymous sign-ins get nothing (D1) ─────────────
-- Always as (SELECT gateway.is_operator()): a sub-select is evaluated once per statement (an
-- InitPlan); the bare call would parse the claims again for every row (25x slower on a 450,000-row scan).
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'ads_campaigns', 'ads_daily_metrics', 'ads_metrics_daily', 'AgentApproval', 'AgentFeedback',
    'inventory_snapshots', 'reorder_points', 'supplier_lead_times', 'DashboardFact', 'support_curated_replies'
  ] LOOP
    EXECUTE format('ALTER POLICY %I ON public.%I USING ((SELECT gateway.is_operator()))', t || '_authenticated_read', t);
  END LOOP;
END $$;

ALTER POLICY "AgentFeedback_authenticated_insert_own" ON public."AgentFeedback"
  WITH CHECK ((SELECT gateway.is_operator()) AND "annotator" IS NOT NULL AND "annotator" = gateway.jwt_subject());

ALTER POLICY "observability_logs_authenticated_read_info_warn" ON public.observability_logs
  USING ((SELECT gateway.is_operator()) AND "level" IN ('INFO', 'WARN'));

-- The vault's audit rows are service_role only, like the vault itself (D3).
ALTER POLICY "DecisionLog_authenticated_read" ON public."DecisionLog"
  USING ((SELECT gateway.is_operator()) AND "scope" <> 'credentials');

-- Direct inserts may not write what only the database and the vault write (D4).
ALTER POLICY "DecisionLog_service_role_insert" ON public."DecisionLog"
  WITH CHECK (NOT gateway.is_reserved_audit("scope", "action"));

-- ───────────── DecisionLog: who really wrote each row ─────────────
ALTER TABLE public."DecisionLog"
  ADD COLUMN "requestRole"    TEXT,
  ADD COLUMN "requestSubject" TEXT,
  ADD COLUMN "system"         BOOLEAN NOT NULL DEFAULT false;

-- Rows from before this migration: the trigger-written approval rows are recognisable (one per
-- transition, matching the approval's recorded decision, note and decision time; the first if
-- several match). Everything else stays system = false with an unknown request role: it cannot be
-- told from a forgery any more.
-- The append-only trigger is off for this one statement only, inside the migration's transaction
-- (its lock keeps every other session off the table): the new columns are filled, nothing else changes.
ALTER TABLE public."DecisionLog" DISABLE TRIGGER "DecisionLog_append_only";
WITH trail AS (
  SELECT d."id", row_number() OVER (PARTITION BY d."externalRef", d."action" ORDER BY d."createdAt", d."id") AS n
    FROM public."DecisionLog" d
    JOIN public."AgentApproval" a ON d."externalRef" = a."id"::text
   WHERE d."scope" = 'agent_approval'
     AND d."action" = 'approval.' || a."status"
     AND d."actor" = coalesce(a."decidedBy", 'system:expiry')
     AND d."rationale" IS NOT DISTINCT FROM a."decisionNote"
     -- The trigger's row of a decision is dated by the decision's own transaction clock.
     AND (a."status" = 'expired' OR d."createdAt" = a."decidedAt")
)
UPDATE public."DecisionLog" d
   SET "system" = true,
       "requestRole" = d."payload" ->> 'requestRole',
       "requestSubject" = d."payload" ->> 'requestSubject'
  FROM trail
 WHERE d."id" = trail."id" AND trail.n = 1;
ALTER TABLE public."DecisionLog" ENABLE TRIGGER "DecisionLog_append_only";

-- Overrides whatever the INSERT gave: the caller cannot choose these columns.
CREATE OR REPLACE FUNCTION gateway.decision_log_stamp() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  NEW."requestRole" := coalesce(gateway.request_role(), session_user);
  NEW."requestSubject" := gateway.jwt_subject();
  -- Not SECURITY DEFINER, so current_user is whoever runs the INSERT: an API role for a direct insert,
  -- the owner inside a SECURITY DEFINER trigger or function (or for the owner's own writes: migrations, the seeder).
  NEW."system" := current_user NOT IN ('anon', 'authenticated', 'service_role');
  RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION gateway.decision_log_stamp() FROM PUBLIC;

CREATE TRIGGER "DecisionLog_stamp" BEFORE INSERT ON public."DecisionLog"
  FOR EACH ROW EXECUTE FUNCTION gateway.decision_log_stamp();

-- ───────────── The vault's audit rows (scope credentials) ─────────────
-- The one way to write them: the actor is the caller's verified sub (else its role), never an
-- argument, and the credential must exist (or, for credential.delete, be gone) in this transaction.
-- entries: [{ "action": "credential.read", "name": "...", "rationale": "...", "payload": {...} }, ...]
CREATE OR REPLACE FUNCTION gateway.record_vault_audit(entries jsonb) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  entry jsonb;
  entry_action text;
  entry_name text;
  present boolean;
  actor text := coalesce(gateway.jwt_subject(), gateway.request_role(), session_user);
  written integer := 0;
BEGIN
  IF gateway.request_role() IS DISTINCT FROM 'service_role' THEN
    RAISE EXCEPTION 'only service_role writes vault audit rows' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF jsonb_typeof(entries) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION 'entries must be a JSON array' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR entry IN SELECT value FROM jsonb_array_elements(entries) LOOP
    entry_action := entry ->> 'action';
    entry_name := nullif(btrim(entry ->> 'name'), '');
    IF entry_action IS NULL OR entry_action NOT IN ('credential.read', 'credential.write', 'credential.delete', 'credential.rotate') THEN
      RAISE EXCEPTION 'not a vault audit action: %', coalesce(quote_literal(entry_action), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF entry_name IS NULL THEN
      RAISE EXCEPTION 'a vault audit entry names its credential' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    present := EXISTS (SELECT 1 FROM public.creds_meta WHERE "name" = entry_name);
    IF present IS DISTINCT FROM (entry_action <> 'credential.delete') THEN
      RAISE EXCEPTION '% of credential %: it %', entry_action, quote_literal(entry_name),
        CASE WHEN present THEN 'still exists' ELSE 'does not exist' END USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO public."DecisionLog" ("scope", "actor", "action", "rationale", "externalRef", "payload")
    VALUES ('credentials', actor, entry_action, nullif(btrim(entry ->> 'rationale'), ''), 'creds_meta:' || entry_name,
            coalesce(CASE WHEN jsonb_typeof(entry -> 'payload') = 'object' THEN entry -> 'payload' END, '{}'::jsonb));
    written := written + 1;
  END LOOP;
  RETURN written;
END;
$$;
REVOKE ALL ON FUNCTION gateway.record_vault_audit(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gateway.record_vault_audit(jsonb) TO service_role;

-- ───────────── Decisions only by humans (D1, D5) ─────────────
-- Approve/reject only inside gateway.decide_agent_approval() (which runs as the owner): a direct
-- UPDATE by an API role may still withdraw (expire) a pending item, never decide it.
CREATE OR REPLACE FUNCTION gateway.agent_approval_decider_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF OLD."status" = 'pending' AND NEW."status" IN ('approved', 'rejected')
     AND current_user IN ('anon', 'authenticated', 'service_role') THEN
    RAISE EXCEPTION 'AgentApproval %: only an operator decides, through gateway.decide_agent_approval()', OLD."id"
      USING ERRCODE = 'insufficient_privilege', DETAIL = '{"reason":"NOT_AN_OPERATOR"}';
  END IF;
  RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION gateway.agent_approval_decider_check() FROM PUBLIC;

CREATE TRIGGER "AgentApproval_decider" BEFORE UPDATE ON public."AgentApproval"
  FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status")
  EXECUTE FUNCTION gateway.agent_approval_decider_check();

CREATE OR REPLACE FUNCTION gateway.decide_agent_approval(approval_id uuid, decision text, note text DEFAULT NULL)
RETURNS public."AgentApproval"
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  actor text := gateway.jwt_subject();
  min_aal text := gateway.decision_min_aal();
  caller_aal text := coalesce(gateway.jwt_claims() ->> 'aal', 'aal1');
  target text;
  approval public."AgentApproval";
BEGIN
  -- Who first: a caller that may not decide learns nothing about the approval.
  IF gateway.request_role() IS DISTINCT FROM 'authenticated' THEN
    RAISE EXCEPTION 'only an operator''s own session decides approvals, not %', coalesce(gateway.request_role(), session_user)
      USING ERRCODE = 'insufficient_privilege', DETAIL = '{"reason":"NOT_AN_OPERATOR"}';
  END IF;
  IF NOT gateway.is_operator() THEN
    RAISE EXCEPTION 'an anonymous sign-in is not an operator: it cannot decide approvals'
      USING ERRCODE = 'insufficient_privilege', DETAIL = '{"reason":"ANONYMOUS"}';
  END IF;
  IF actor IS NULL THEN
    RAISE EXCEPTION 'deciding an approval needs the caller''s identity: the token has no sub claim'
      USING ERRCODE = 'insufficient_privilege', DETAIL = '{"reason":"NO_SUBJECT"}';
  END IF;
  IF min_aal = 'aal2' AND caller_aal NOT IN ('aal2', 'aal3') THEN
    RAISE EXCEPTION 'deciding an approval needs a multi-factor sign-in (aal2); this session is %', caller_aal
      USING ERRCODE = 'insufficient_privilege', DETAIL = json_build_object('reason', 'AAL_REQUIRED', 'required', min_aal, 'actual', caller_aal)::text;
  END IF;

  IF approval_id IS NULL THEN
    RAISE EXCEPTION 'approval_id is required' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  target := CASE upper(btrim(decision)) WHEN 'APPROVE' THEN 'approved' WHEN 'REJECT' THEN 'rejected' END;
  IF target IS NULL THEN
    RAISE EXCEPTION 'decision must be APPROVE or REJECT, not %', coalesce(quote_literal(decision), 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  note := nullif(btrim(note), '');
  IF length(note) > 4000 THEN
    RAISE EXCEPTION 'note must be at most 4000 characters, not %', length(note) USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- The row lock serialises concurrent deciders: the second one waits, then sees the first's decision.
  SELECT * INTO approval FROM public."AgentApproval" WHERE "id" = approval_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'AgentApproval % does not exist', approval_id USING ERRCODE = 'HDA04';
  END IF;
  IF approval."status" <> 'pending' THEN
    RAISE EXCEPTION 'AgentApproval % was already % by % at %', approval_id, approval."status",
      coalesce(approval."decidedBy", 'the deadline'), approval."decidedAt"
      USING ERRCODE = 'HDA09',
            DETAIL = json_build_object('status', approval."status", 'decidedBy', approval."decidedBy", 'decidedAt', approval."decidedAt")::text;
  END IF;
  IF approval."expiresAt" IS NOT NULL AND approval."expiresAt" <= now() THEN
    RAISE EXCEPTION 'AgentApproval % expired at %; it can no longer be decided', approval_id, approval."expiresAt"
      USING ERRCODE = 'HDA10',
            DETAIL = json_build_object('status', 'expired', 'expiresAt', approval."expiresAt")::text;
  END IF;

  UPDATE public."AgentApproval"
     SET "status" = target, "decidedBy" = actor, "decidedAt" = now(), "decisionNote" = note
   WHERE "id" = approval_id
  RETURNING * INTO approval;
  RETURN approval;
END;
$$;

-- Agents (service_role, agent keys) submit; only operators decide (mirrored by ROUTINES in src/auth/policy.ts).
REVOKE ALL ON FUNCTION gateway.decide_agent_approval(uuid, text, text) FROM PUBLIC, service_role;
GRANT EXECUTE ON FUNCTION gateway.decide_agent_approval(uuid, text, text) TO authenticated;
