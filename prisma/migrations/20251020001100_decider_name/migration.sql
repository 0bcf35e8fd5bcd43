-- The decider's display name, next to their id: "decidedBy" is the verified sub (a UUID), which
-- tells an operator reading the queue nothing. At the decision the database copies the person's
-- name from the deciding session's claims (user_metadata.full_name, else user_metadata.name, else
-- email, as src/auth/viewer.ts personOf reads them); null for a token without one and for expiries.
-- Nobody writes it: a BEFORE trigger sets it on every write, whatever the statement said.

ALTER TABLE public."AgentApproval" ADD COLUMN "decidedByName" TEXT;

CREATE OR REPLACE FUNCTION gateway.agent_approval_decider_name() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
  claims jsonb := coalesce(gateway.jwt_claims(), '{}'::jsonb);
  metadata jsonb := CASE WHEN jsonb_typeof(claims -> 'user_metadata') = 'object' THEN claims -> 'user_metadata' ELSE '{}'::jsonb END;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD."status" = 'pending' AND NEW."status" IN ('approved', 'rejected') THEN
    -- The decision itself (only gateway.decide_agent_approval() makes it for an API role): the
    -- name of the session deciding, read here so it is the same request as "decidedBy".
    NEW."decidedByName" := coalesce(
      nullif(btrim(CASE WHEN jsonb_typeof(metadata -> 'full_name') = 'string' THEN metadata ->> 'full_name' END), ''),
      nullif(btrim(CASE WHEN jsonb_typeof(metadata -> 'name') = 'string' THEN metadata ->> 'name' END), ''),
      nullif(btrim(CASE WHEN jsonb_typeof(claims -> 'email') = 'string' THEN claims ->> 'email' END), ''));
  ELSIF TG_OP = 'UPDATE' THEN
    NEW."decidedByName" := OLD."decidedByName";
  ELSE
    NEW."decidedByName" := NULL;
  END IF;
  RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION gateway.agent_approval_decider_name() FROM PUBLIC;

CREATE TRIGGER "AgentApproval_decider_name" BEFORE INSERT OR UPDATE ON public."AgentApproval"
  FOR EACH ROW EXECUTE FUNCTION gateway.agent_approval_decider_name();
