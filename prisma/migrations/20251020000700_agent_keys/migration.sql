-- Agent keys (hdk_…): credentials of their own for agents, so that what an agent does is attributed
-- to it rather than to a shared service_role token. Only a SHA-256 hash of each key is stored (the
-- key is 256 random bits, so a fast hash is enough: there is nothing to brute-force).
--
-- Only the gateway's privileged connection reads this table (to verify a key, before any request
-- role is set); no API role has any grant, and RLS is on with no policy, so even a future grant
-- would show nothing. The CLI (npm run agent-key) writes it through the same privileged connection.
CREATE TABLE "agent_keys" (
  "id"           TEXT NOT NULL,
  "agent"        TEXT NOT NULL,
  "key_hash"     BYTEA NOT NULL,
  "created_at"   TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
  "expires_at"   TIMESTAMPTZ(6),
  "revoked_at"   TIMESTAMPTZ(6),
  "last_used_at" TIMESTAMPTZ(6),
  CONSTRAINT "agent_keys_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "agent_keys_key_hash_check" CHECK (octet_length("key_hash") = 32),
  CONSTRAINT "agent_keys_id_check" CHECK ("id" ~ '^ak_[0-9a-f]{12}$'),
  CONSTRAINT "agent_keys_agent_check" CHECK ("agent" ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$')
);
-- The one indexed read per request (when the gateway cannot cache): the key's hash.
CREATE UNIQUE INDEX "agent_keys_key_hash_key" ON "agent_keys" ("key_hash");
CREATE INDEX "agent_keys_agent_idx" ON "agent_keys" ("agent");

ALTER TABLE public."agent_keys" ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public."agent_keys" FROM PUBLIC, anon, authenticated, service_role;

-- Every gateway instance LISTENs here and drops what it cached about a key the moment it is
-- created, revoked, re-dated or deleted (last_used_at updates are not announced). The payload is
-- the key id only.
CREATE OR REPLACE FUNCTION gateway.notify_agent_key_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('agent_key_events', json_build_object(
    'id', CASE WHEN TG_OP = 'DELETE' THEN OLD."id" ELSE NEW."id" END,
    'event', lower(TG_OP)
  )::text);
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION gateway.notify_agent_key_change() FROM PUBLIC;

CREATE TRIGGER "agent_keys_notify_insert" AFTER INSERT OR DELETE ON "agent_keys"
  FOR EACH ROW EXECUTE FUNCTION gateway.notify_agent_key_change();
CREATE TRIGGER "agent_keys_notify_update" AFTER UPDATE OF "revoked_at", "expires_at", "key_hash", "agent" ON "agent_keys"
  FOR EACH ROW EXECUTE FUNCTION gateway.notify_agent_key_change();
