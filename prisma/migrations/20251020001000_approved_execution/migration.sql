-- Approved actions executed exactly once (issue 13): an agent's gated mutation becomes an approval
-- (the gateway submits it; src/plugins/agent-gate.ts), an operator decides it, and the agent's
-- executeApprovedAction runs the approved catalogue operation. The database guarantees the "once":
--
--   pending ──approve──▶ approved ──begin_approved_execution──▶ (an "AgentApprovalExecution" row)
--
-- * "AgentApproval"."payloadDigest": the SHA-256 of the approval's kind and payload, written by the
--   guard trigger at INSERT (whatever the INSERT said) and never updatable. An execution whose payload
--   no longer matches it (someone bypassed the triggers) is refused as tampered.
-- * "AgentApprovalExecution": one row per executed approval (approvalId is the primary key, so a
--   second execution cannot commit); written only by gateway.begin_approved_execution() (SECURITY
--   DEFINER: no API role has a write grant), append-only, with the database clock and the caller's
--   JWT sub. Operators and service_role read it.
-- * gateway.begin_approved_execution(approval_id, document_id, variables) locks the approval FOR
--   UPDATE (ten concurrent executions: the first wins, the others wait and then see its row), checks
--   that the caller may execute it, that it is approved, not past its deadline, not yet executed, and
--   that the document id and variables the gateway is about to run are exactly the approved payload;
--   then records the execution and its DecisionLog row ('approval.executed', actor = the executor) in
--   the caller's transaction. The gateway runs the operation in that same transaction: if the
--   operation fails, everything rolls back and the approval may be executed again.
-- * gateway.finish_approved_execution(approval_id, result) stores the result summary, once, on an
--   execution row this same transaction wrote.
-- * The approval's proposal gets its own DecisionLog row ('approval.proposed', actor = the proposing
--   agent's subject) on INSERT, so the trail shows proposal, decision and execution with their actors.
--
-- Who may execute: service_role only (the gated mutations are service_role's writes). A caller with an
-- agent key (claims.agent) only its own agent's approvals; a back-office service_role token (no agent
-- claim) any approved one. Operators decide; they do not execute.
-- Deadline: expiresAt bounds the execution too. An approved item whose deadline has passed is refused
-- (EXPIRED): the operator approved an action to happen by then; a stale one is proposed again.
--
-- SQLSTATEs raised here (src/data/agents/executions.ts maps them to GraphQL error codes):
--   HDA04  the approval does not exist                          → NOT_FOUND
--   HDA20  the approval is still pending                        → CONFLICT (reason PENDING)
--   HDA21  the approval was rejected                            → CONFLICT (reason REJECTED)
--   HDA22  the approval expired (undecided, or approved but past its deadline) → CONFLICT (reason EXPIRED)
--   HDA23  the approval was already executed                    → CONFLICT (reason ALREADY_EXECUTED)
--   HDA24  the payload differs from what was approved           → CONFLICT (reason TAMPERED)
--   HDA25  the approval names no catalogue operation (a plain submitAgentApproval) → CONFLICT (reason NOT_EXECUTABLE)
--   42501  a caller that may not execute it, DETAIL {"reason": NOT_SERVICE_ROLE | NOT_THE_PROPOSER} → FORBIDDEN

-- ───────────── The digest of what the operator decides on ─────────────
CREATE OR REPLACE FUNCTION gateway.agent_approval_digest(kind text, payload jsonb) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog
AS $$ SELECT encode(sha256(convert_to(jsonb_build_object('kind', kind, 'payload', payload)::text, 'UTF8')), 'hex') $$;
-- Not SECURITY DEFINER: the guard trigger calls it as whoever inserts.
GRANT EXECUTE ON FUNCTION gateway.agent_approval_digest(text, jsonb) TO anon, authenticated, service_role;

-- The default is only a placeholder for writers that omit it: the guard overwrites it on every INSERT.
ALTER TABLE public."AgentApproval" ADD COLUMN "payloadDigest" TEXT NOT NULL DEFAULT '';
-- Existing rows: the guard below does not exist yet, and the current one lets this column change.
UPDATE public."AgentApproval" SET "payloadDigest" = gateway.agent_approval_digest("kind", "payload");

-- The guard of 20251020000300_agent_workflows, plus the digest: computed at INSERT, fixed afterwards.
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
    -- Whatever the INSERT said: the writer cannot choose it.
    NEW."payloadDigest" := gateway.agent_approval_digest(NEW."kind", NEW."payload");
    RETURN NEW;
  END IF;

  -- What the operator saw and decided on is fixed at submission: an agent that wants something
  -- else submits a new approval.
  IF (NEW."id", NEW."conversationId", NEW."agent", NEW."kind", NEW."summary", NEW."payload", NEW."payloadDigest", NEW."createdAt")
     IS DISTINCT FROM (OLD."id", OLD."conversationId", OLD."agent", OLD."kind", OLD."summary", OLD."payload", OLD."payloadDigest", OLD."createdAt") THEN
    RAISE EXCEPTION 'AgentApproval %: id, conversationId, agent, kind, summary, payload, payloadDigest and createdAt cannot change after submission', OLD."id"
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

-- ───────────── The proposal's audit row ─────────────
-- The transition audit of 20251020000300 (unchanged for UPDATE), plus a row on INSERT: the proposal,
-- whose actor is the proposing agent's subject (an agent key's sub is agent:<name>; a token without
-- a sub is recorded as the approval's agent).
CREATE OR REPLACE FUNCTION gateway.agent_approval_audit() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
BEGIN
  INSERT INTO public."DecisionLog" ("scope", "actor", "action", "rationale", "externalRef", "payload")
  VALUES (
    'agent_approval',
    CASE WHEN TG_OP = 'INSERT' THEN coalesce(gateway.jwt_subject(), 'agent:' || NEW."agent")
         ELSE coalesce(NEW."decidedBy", 'system:expiry') END,
    CASE WHEN TG_OP = 'INSERT' THEN 'approval.proposed' ELSE 'approval.' || NEW."status" END,
    NEW."decisionNote",
    NEW."id"::text,
    jsonb_build_object(
      'approvalId', NEW."id",
      'from', CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD."status" END,
      'to', NEW."status",
      'kind', NEW."kind",
      'agent', NEW."agent",
      'conversationId', NEW."conversationId",
      'runId', NEW."runId",
      'summary', NEW."summary",
      'payload', NEW."payload",
      'payloadDigest', NEW."payloadDigest",
      'expiresAt', NEW."expiresAt",
      'decidedAt', NEW."decidedAt",
      -- Who sent the statement (the role and JWT sub of the request), next to who is recorded as acting.
      'requestRole', nullif(current_setting('role', true), 'none'),
      'requestSubject', gateway.jwt_subject()));
  RETURN NULL;
END;
$$;

CREATE TRIGGER "AgentApproval_audit_insert" AFTER INSERT ON public."AgentApproval"
  FOR EACH ROW EXECUTE FUNCTION gateway.agent_approval_audit();

-- ───────────── The execution record ─────────────
CREATE TABLE public."AgentApprovalExecution" (
  -- One execution per approval: the primary key is the "exactly once".
  "approvalId" UUID NOT NULL,
  "executedAt" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "executedBy" TEXT NOT NULL,
  "operation"  TEXT NOT NULL,
  "documentId" TEXT NOT NULL,
  "variables"  JSONB NOT NULL DEFAULT '{}',
  -- What the operation returned, in short (the root field and the id it touched); null until the
  -- gateway records it in the same transaction.
  "result"     JSONB,
  CONSTRAINT "AgentApprovalExecution_pkey" PRIMARY KEY ("approvalId"),
  -- An executed approval stays: its record of what ran is not deleted with it.
  CONSTRAINT "AgentApprovalExecution_approvalId_fkey" FOREIGN KEY ("approvalId")
    REFERENCES public."AgentApproval" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
CREATE INDEX "AgentApprovalExecution_executedAt_idx" ON public."AgentApprovalExecution" ("executedAt");

ALTER TABLE public."AgentApprovalExecution" ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public."AgentApprovalExecution" FROM PUBLIC, anon, authenticated, service_role;
GRANT SELECT ON public."AgentApprovalExecution" TO authenticated, service_role;
CREATE POLICY "AgentApprovalExecution_authenticated_read" ON public."AgentApprovalExecution"
  FOR SELECT TO authenticated USING ((SELECT gateway.is_operator()));
CREATE POLICY "AgentApprovalExecution_service_role_read" ON public."AgentApprovalExecution"
  FOR SELECT TO service_role USING (true);

-- Append-only for everyone, the owner included: only the result may be filled in, once.
CREATE OR REPLACE FUNCTION gateway.agent_approval_execution_guard() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD."result" IS NULL
     AND (NEW."approvalId", NEW."executedAt", NEW."executedBy", NEW."operation", NEW."documentId", NEW."variables")
         IS NOT DISTINCT FROM (OLD."approvalId", OLD."executedAt", OLD."executedBy", OLD."operation", OLD."documentId", OLD."variables") THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'AgentApprovalExecution is append-only: % refused', TG_OP
    USING ERRCODE = 'check_violation', CONSTRAINT = 'AgentApprovalExecution_append_only';
END;
$$;
REVOKE ALL ON FUNCTION gateway.agent_approval_execution_guard() FROM PUBLIC;

CREATE TRIGGER "AgentApprovalExecution_append_only" BEFORE UPDATE OR DELETE ON public."AgentApprovalExecution"
  FOR EACH ROW EXECUTE FUNCTION gateway.agent_approval_execution_guard();
CREATE TRIGGER "AgentApprovalExecution_no_truncate" BEFORE TRUNCATE ON public."AgentApprovalExecution"
  FOR EACH STATEMENT EXECUTE FUNCTION gateway.agent_approval_execution_guard();

-- ───────────── The execution: the one door ─────────────
CREATE OR REPLACE FUNCTION gateway.begin_approved_execution(approval_id uuid, document_id text, variables jsonb)
RETURNS public."AgentApprovalExecution"
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  caller_agent text := nullif(btrim(gateway.jwt_claims() ->> 'agent'), '');
  actor text := coalesce(gateway.jwt_subject(), gateway.request_role(), session_user);
  approval public."AgentApproval";
  execution public."AgentApprovalExecution";
BEGIN
  -- Who first: a caller that may not execute learns nothing about the approval.
  IF gateway.request_role() IS DISTINCT FROM 'service_role' THEN
    RAISE EXCEPTION 'only service_role (an agent key or a back-office token) executes approved actions, not %', coalesce(gateway.request_role(), session_user)
      USING ERRCODE = 'insufficient_privilege', DETAIL = '{"reason":"NOT_SERVICE_ROLE"}';
  END IF;
  IF approval_id IS NULL OR document_id IS NULL THEN
    RAISE EXCEPTION 'approval_id and document_id are required' USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- The row lock serialises concurrent executions: the second one waits, then sees the first's row.
  SELECT * INTO approval FROM public."AgentApproval" WHERE "id" = approval_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'AgentApproval % does not exist', approval_id USING ERRCODE = 'HDA04';
  END IF;
  IF caller_agent IS NOT NULL AND caller_agent IS DISTINCT FROM approval."agent" THEN
    RAISE EXCEPTION 'AgentApproval % was proposed by agent %, not by %', approval_id, approval."agent", caller_agent
      USING ERRCODE = 'insufficient_privilege', DETAIL = json_build_object('reason', 'NOT_THE_PROPOSER', 'agent', approval."agent")::text;
  END IF;

  SELECT * INTO execution FROM public."AgentApprovalExecution" WHERE "approvalId" = approval_id;
  IF FOUND THEN
    RAISE EXCEPTION 'AgentApproval % was already executed by % at %', approval_id, execution."executedBy", execution."executedAt"
      USING ERRCODE = 'HDA23',
            DETAIL = json_build_object('executedBy', execution."executedBy", 'executedAt', execution."executedAt")::text;
  END IF;
  IF approval."status" = 'rejected' THEN
    RAISE EXCEPTION 'AgentApproval % was rejected by %', approval_id, approval."decidedBy"
      USING ERRCODE = 'HDA21', DETAIL = json_build_object('decidedBy', approval."decidedBy", 'decidedAt', approval."decidedAt", 'note', approval."decisionNote")::text;
  END IF;
  IF approval."status" = 'expired' OR (approval."expiresAt" IS NOT NULL AND approval."expiresAt" <= now()) THEN
    RAISE EXCEPTION 'AgentApproval % expired at %; propose it again', approval_id, coalesce(approval."expiresAt", approval."decidedAt")
      USING ERRCODE = 'HDA22', DETAIL = json_build_object('status', approval."status", 'expiresAt', coalesce(approval."expiresAt", approval."decidedAt"))::text;
  END IF;
  IF approval."status" = 'pending' THEN
    RAISE EXCEPTION 'AgentApproval % is still pending: an operator must approve it first', approval_id
      USING ERRCODE = 'HDA20', DETAIL = json_build_object('expiresAt', approval."expiresAt")::text;
  END IF;

  -- approved. It must name a catalogue operation, and be exactly what the operator approved.
  IF jsonb_typeof(approval."payload" -> 'documentId') IS DISTINCT FROM 'string'
     OR approval."payload" ->> 'operation' IS DISTINCT FROM approval."kind" THEN
    RAISE EXCEPTION 'AgentApproval % names no catalogue operation to execute', approval_id USING ERRCODE = 'HDA25';
  END IF;
  IF approval."payloadDigest" IS DISTINCT FROM gateway.agent_approval_digest(approval."kind", approval."payload") THEN
    RAISE EXCEPTION 'AgentApproval %: its payload no longer matches the digest taken at submission', approval_id
      USING ERRCODE = 'HDA24', DETAIL = '{"what":"digest"}';
  END IF;
  IF approval."payload" ->> 'documentId' IS DISTINCT FROM document_id
     OR (approval."payload" -> 'variables') IS DISTINCT FROM coalesce(variables, '{}'::jsonb) THEN
    RAISE EXCEPTION 'AgentApproval %: the document or variables to run differ from the approved ones', approval_id
      USING ERRCODE = 'HDA24', DETAIL = '{"what":"payload"}';
  END IF;

  INSERT INTO public."AgentApprovalExecution" ("approvalId", "executedBy", "operation", "documentId", "variables")
  VALUES (approval_id, actor, approval."kind", document_id, coalesce(variables, '{}'::jsonb))
  RETURNING * INTO execution;

  INSERT INTO public."DecisionLog" ("scope", "actor", "action", "rationale", "externalRef", "payload")
  VALUES ('agent_approval', actor, 'approval.executed', NULL, approval_id::text, jsonb_build_object(
    'approvalId', approval_id,
    'kind', approval."kind",
    'agent', approval."agent",
    'conversationId', approval."conversationId",
    'operation', approval."kind",
    'documentId', document_id,
    'variables', execution."variables",
    'payloadDigest', approval."payloadDigest",
    'decidedBy', approval."decidedBy",
    'executedAt', execution."executedAt",
    'requestRole', gateway.request_role(),
    'requestSubject', gateway.jwt_subject()));
  RETURN execution;
END;
$$;

-- The result summary, once, on the execution this very transaction recorded.
CREATE OR REPLACE FUNCTION gateway.finish_approved_execution(approval_id uuid, result jsonb)
RETURNS public."AgentApprovalExecution"
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  execution public."AgentApprovalExecution";
BEGIN
  IF gateway.request_role() IS DISTINCT FROM 'service_role' THEN
    RAISE EXCEPTION 'only service_role executes approved actions' USING ERRCODE = 'insufficient_privilege', DETAIL = '{"reason":"NOT_SERVICE_ROLE"}';
  END IF;
  UPDATE public."AgentApprovalExecution" AS e SET "result" = coalesce(finish_approved_execution.result, 'null'::jsonb)
   WHERE e."approvalId" = approval_id AND e."result" IS NULL AND e.xmin = pg_current_xact_id()::xid
  RETURNING * INTO execution;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'AgentApproval % has no execution begun in this transaction', approval_id USING ERRCODE = 'HDA04';
  END IF;
  RETURN execution;
END;
$$;

-- Who may execute what (mirrored by ROUTINES in src/auth/policy.ts).
REVOKE ALL ON FUNCTION gateway.begin_approved_execution(uuid, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION gateway.finish_approved_execution(uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION gateway.begin_approved_execution(uuid, text, jsonb) TO service_role;
GRANT EXECUTE ON FUNCTION gateway.finish_approved_execution(uuid, jsonb) TO service_role;
