-- Agent workflows: the approval state machine, enforced by the database itself.
--
--   pending ──approve──▶ approved
--      │    ──reject───▶ rejected
--      └────deadline───▶ expired        (nothing else: a decided approval never changes its decision)
--
-- * A BEFORE trigger guards every write to "AgentApproval", whoever sends it (the gateway, a
--   service_role script, PostgREST): new rows are pending; what the operator decides on (kind,
--   summary, payload, agent, conversation) never changes; the decision columns change once, from
--   pending; nobody approves or rejects past the deadline; decidedAt is the database's clock.
-- * An AFTER trigger writes one "DecisionLog" row per transition in the same transaction, so a
--   decision that commits has exactly one audit row and one that rolls back has none.
-- * gateway.decide_agent_approval() is the one narrow door for operators (authenticated may not
--   UPDATE the table): it locks the row, so of two simultaneous decisions exactly one wins and the
--   other gets SQLSTATE HDA09.
-- * gateway.expire_agent_approvals() is the deadline sweep (service_role; the gateway runs it).
-- * A NOTIFY on channel agent_approval_events feeds the live queue of every gateway instance.
--
-- SQLSTATEs raised here (src/resolvers/agents.ts maps them to GraphQL error codes):
--   HDA04  the approval does not exist                       → NOT_FOUND
--   HDA09  the approval is already decided                   → CONFLICT (reason ALREADY_DECIDED)
--   HDA10  the deadline has passed                           → CONFLICT (reason EXPIRED)
--   22023  a bad argument (decision, note)                   → BAD_USER_INPUT
--   23514  a write that would break the rules above          → BAD_USER_INPUT
--   42501  an operator token without a sub                   → FORBIDDEN

-- The sweep and the queue look for pending items by deadline.
CREATE INDEX "AgentApproval_pending_expiresAt_idx" ON public."AgentApproval" ("expiresAt")
  WHERE "status" = 'pending' AND "expiresAt" IS NOT NULL;

-- ───────────── Guard: the only transitions, for every writer ─────────────
CREATE OR REPLACE FUNCTION gateway.agent_approval_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW."status" IS DISTINCT FROM 'pending' THEN
      RAISE EXCEPTION 'A new AgentApproval must be pending, not %: decisions go through gateway.decide_agent_approval()', NEW."status"
        USING ERRCODE = 'check_violation', CONSTRAINT = 'AgentApproval_transition';
    END IF;
    IF NEW."decisionNote" IS NOT NULL THEN
      RAISE EXCEPTION 'A new AgentApproval has no decision note'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'AgentApproval_transition';
    END IF;
    IF NEW."expiresAt" IS NOT NULL AND NEW."expiresAt" <= NEW."createdAt" THEN
      RAISE EXCEPTION 'AgentApproval expiresAt (%) must be after createdAt (%)', NEW."expiresAt", NEW."createdAt"
        USING ERRCODE = 'check_violation', CONSTRAINT = 'AgentApproval_deadline';
    END IF;
    RETURN NEW;
  END IF;

  -- What the operator saw and decided on is fixed at submission: an agent that wants something
  -- else submits a new approval.
  IF (NEW."id", NEW."conversationId", NEW."agent", NEW."kind", NEW."summary", NEW."payload", NEW."createdAt")
     IS DISTINCT FROM (OLD."id", OLD."conversationId", OLD."agent", OLD."kind", OLD."summary", OLD."payload", OLD."createdAt") THEN
    RAISE EXCEPTION 'AgentApproval %: id, conversationId, agent, kind, summary, payload and createdAt cannot change after submission', OLD."id"
      USING ERRCODE = 'check_violation', CONSTRAINT = 'AgentApproval_immutable';
  END IF;

  IF OLD."status" <> 'pending' THEN
    -- Decided: the decision is final. (runId and lastInterruptions stay writable: the run link is
    -- bookkeeping that ON DELETE SET NULL must be able to clear.)
    IF (NEW."status", NEW."decidedBy", NEW."decidedAt", NEW."decisionNote", NEW."expiresAt")
       IS DISTINCT FROM (OLD."status", OLD."decidedBy", OLD."decidedAt", OLD."decisionNote", OLD."expiresAt") THEN
      RAISE EXCEPTION 'AgentApproval % is already %; its decision cannot change', OLD."id", OLD."status"
        USING ERRCODE = 'HDA09';
    END IF;
    RETURN NEW;
  END IF;

  IF NEW."status" = 'pending' THEN
    -- Still pending: the deadline may move; the decision columns stay empty (the CHECK covers decidedBy/At).
    IF NEW."decisionNote" IS NOT NULL THEN
      RAISE EXCEPTION 'AgentApproval %: a pending approval has no decision note', OLD."id"
        USING ERRCODE = 'check_violation', CONSTRAINT = 'AgentApproval_transition';
    END IF;
    IF NEW."expiresAt" IS NOT NULL AND NEW."expiresAt" <= OLD."createdAt" THEN
      RAISE EXCEPTION 'AgentApproval expiresAt (%) must be after createdAt (%)', NEW."expiresAt", OLD."createdAt"
        USING ERRCODE = 'check_violation', CONSTRAINT = 'AgentApproval_deadline';
    END IF;
    RETURN NEW;
  END IF;

  -- pending → approved | rejected | expired (the status CHECK rules out anything else).
  IF NEW."expiresAt" IS DISTINCT FROM OLD."expiresAt" THEN
    RAISE EXCEPTION 'AgentApproval %: the deadline cannot change in the same write as the decision', OLD."id"
      USING ERRCODE = 'check_violation', CONSTRAINT = 'AgentApproval_transition';
  END IF;
  IF NEW."status" IN ('approved', 'rejected') THEN
    IF OLD."expiresAt" IS NOT NULL AND OLD."expiresAt" <= now() THEN
      RAISE EXCEPTION 'AgentApproval % expired at %; it can no longer be %', OLD."id", OLD."expiresAt", NEW."status"
        USING ERRCODE = 'HDA10';
    END IF;
    NEW."decidedAt" := now();
  ELSE
    -- Expired: when the deadline passed, or now when an agent withdraws it early.
    NEW."decidedAt" := least(now(), coalesce(OLD."expiresAt", now()));
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "AgentApproval_guard" BEFORE INSERT OR UPDATE ON public."AgentApproval"
  FOR EACH ROW EXECUTE FUNCTION gateway.agent_approval_guard();

-- ───────────── Audit: one DecisionLog row per transition, same transaction ─────────────
-- SECURITY DEFINER so the audit row is written whoever made the transition; DecisionLog is
-- append-only (its own trigger), so the record cannot be edited or deleted afterwards. It carries
-- the payload that was decided on, so it stays meaningful even if the approval is deleted later.
CREATE OR REPLACE FUNCTION gateway.agent_approval_audit() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  INSERT INTO public."DecisionLog" ("scope", "actor", "action", "rationale", "externalRef", "payload")
  VALUES (
    'agent_approval',
    coalesce(NEW."decidedBy", 'system:expiry'),
    'approval.' || NEW."status",
    NEW."decisionNote",
    NEW."id"::text,
    jsonb_build_object(
      'approvalId', NEW."id",
      'from', OLD."status",
      'to', NEW."status",
      'kind', NEW."kind",
      'agent', NEW."agent",
      'conversationId', NEW."conversationId",
      'runId', NEW."runId",
      'summary', NEW."summary",
      'payload', NEW."payload",
      'expiresAt', NEW."expiresAt",
      'decidedAt', NEW."decidedAt",
      -- Who sent the statement (the role and JWT sub of the request), next to who is recorded as deciding.
      'requestRole', nullif(current_setting('role', true), 'none'),
      'requestSubject', gateway.jwt_subject()));
  RETURN NULL;
END;
$$;

CREATE TRIGGER "AgentApproval_audit" AFTER UPDATE ON public."AgentApproval"
  FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status")
  EXECUTE FUNCTION gateway.agent_approval_audit();

-- ───────────── Live queue: NOTIFY on submit and on every transition ─────────────
-- NOTIFY is transactional: listeners hear of a change only once it commits, never of one that
-- rolls back. The payload stays small (well under the 8000-byte limit); listeners re-read the row
-- with their own role, so nothing here needs to be secret.
CREATE OR REPLACE FUNCTION gateway.agent_approval_notify() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  PERFORM pg_notify('agent_approval_events', json_build_object(
    'id', NEW."id",
    'status', NEW."status",
    'event', CASE WHEN TG_OP = 'INSERT' THEN 'submitted' WHEN NEW."status" = 'expired' THEN 'expired' ELSE 'decided' END
  )::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "AgentApproval_notify_insert" AFTER INSERT ON public."AgentApproval"
  FOR EACH ROW EXECUTE FUNCTION gateway.agent_approval_notify();
CREATE TRIGGER "AgentApproval_notify_update" AFTER UPDATE ON public."AgentApproval"
  FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status")
  EXECUTE FUNCTION gateway.agent_approval_notify();

-- ───────────── The decision: the one door operators have ─────────────
CREATE OR REPLACE FUNCTION gateway.decide_agent_approval(approval_id uuid, decision text, note text DEFAULT NULL)
RETURNS public."AgentApproval"
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  caller_role text := nullif(current_setting('role', true), 'none');
  actor text := nullif(btrim(gateway.jwt_subject()), '');
  target text;
  approval public."AgentApproval";
BEGIN
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
  IF actor IS NULL THEN
    -- An operator's decision must name the operator; service_role (agents, scripts) may lack a sub.
    IF caller_role IS DISTINCT FROM 'service_role' THEN
      RAISE EXCEPTION 'deciding an approval needs the caller''s identity: the token has no sub claim'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    actor := 'service_role';
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
    -- Refused; the sweep (gateway.expire_agent_approvals) records the expiry. Reads already show it as expired.
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

-- ───────────── The deadline sweep ─────────────
-- Marks every pending approval past its deadline as expired (one DecisionLog row and one NOTIFY
-- each, through the triggers) and returns how many. Rows a decider holds locked right now are
-- skipped: that decision started before the deadline and wins, or fails and the next sweep expires it.
CREATE OR REPLACE FUNCTION gateway.expire_agent_approvals() RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  expired integer;
BEGIN
  WITH due AS (
    SELECT "id" FROM public."AgentApproval"
     WHERE "status" = 'pending' AND "expiresAt" <= now()
     ORDER BY "expiresAt", "id"
     FOR UPDATE SKIP LOCKED
  )
  UPDATE public."AgentApproval" AS a SET "status" = 'expired'
    FROM due WHERE a."id" = due."id";
  GET DIAGNOSTICS expired = ROW_COUNT;
  RETURN expired;
END;
$$;

-- Who may execute what (mirrored by ROUTINES in src/auth/policy.ts).
REVOKE ALL ON FUNCTION gateway.agent_approval_guard() FROM PUBLIC;
REVOKE ALL ON FUNCTION gateway.agent_approval_audit() FROM PUBLIC;
REVOKE ALL ON FUNCTION gateway.agent_approval_notify() FROM PUBLIC;
REVOKE ALL ON FUNCTION gateway.decide_agent_approval(uuid, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION gateway.expire_agent_approvals() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gateway.decide_agent_approval(uuid, text, text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION gateway.expire_agent_approvals() TO service_role;
