/**
 * Credentials vault operations. Everything runs in the operation's transaction (ctx.db), and every
 * decrypted read and every write appends its DecisionLog row in that same transaction, so the
 * audit row exists exactly when the access happened: a failed operation rolls both back.
 * Secrets exist in plaintext only in this process, between the GraphQL argument and seal(), or
 * between open() and the one field that returns them; they are never logged or put in an error.
 */
import type { Prisma } from "../generated/prisma/client.ts";
import type { Db } from "../db/rls.ts";
import type { DataContext } from "./context.ts";
import { ClientError, isClientError, notFound } from "../errors.ts";
import { allOf, text } from "../lib/filters.ts";
import { nonEmpty, z } from "../lib/validation.ts";
import { VAULT_AUDIT_SCOPE } from "../auth/policy.ts";
import { judgeVaultKeys, open, seal, vaultOf, VaultError, VaultUnavailableError, type Keyring, type RevealOutcome } from "../vault/index.ts";

/** The vault's DecisionLog scope: service_role only in both layers (D3). */
export const AUDIT_SCOPE = VAULT_AUDIT_SCOPE;
export type AuditAction = "credential.read" | "credential.write" | "credential.delete" | "credential.rotate";

/** DecisionLog.externalRef of a credential's rows: how to find its whole history. */
export const auditRef = (name: string) => `creds_meta:${name}`;

interface AuditEntry {
  action: AuditAction;
  name: string;
  rationale?: string | null;
  payload: Record<string, unknown>;
}

/**
 * Appends the audit rows through gateway.record_vault_audit(): direct inserts of scope credentials are
 * refused (D4), and the function names the actor itself (the token's sub, else its role), so no
 * caller can attribute a vault access to someone else. One statement for any number of entries.
 */
async function audit(ctx: DataContext, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => ({
    action: e.action,
    name: e.name,
    rationale: e.rationale ?? null,
    payload: { ...e.payload, requestId: ctx.requestId },
  }));
  await ctx.db.$queryRaw`SELECT gateway.record_vault_audit(${JSON.stringify(rows)}::jsonb)`;
}

/** Vault failures as client errors with stable codes (their messages carry no secret material). */
function vaultError(error: unknown): never {
  if (error instanceof VaultUnavailableError) {
    throw new ClientError(error.message, error.code);
  }
  if (error instanceof VaultError) {
    throw new ClientError(error.message, error.code, { extensions: { credential: error.credential } });
  }
  throw error;
}

function keyring(ctx: DataContext): Keyring {
  try {
    return (ctx.vault ?? vaultOf(null)).requireKeyring();
  } catch (error) {
    vaultError(error);
  }
}

interface StoredSecret {
  id: string;
  name: string;
  provider: string;
  ciphertext: Uint8Array;
  nonce: Uint8Array;
  auth_tag: Uint8Array;
  key_id: string;
}

function decrypt(ring: Keyring, row: StoredSecret): string {
  try {
    return open(ring, row.name, { ciphertext: row.ciphertext, nonce: row.nonce, authTag: row.auth_tag, keyId: row.key_id });
  } catch (error) {
    vaultError(error);
  }
}

/**
 * When other stored secrets are on keys this keyring lacks, the current key is most likely the wrong
 * one (D14): sealing with it would add secrets that become unreadable once the right key is back.
 * Refused with VAULT_KEY_MISMATCH until the keys are fixed. The credential being replaced does not
 * count: overwriting it with a fresh secret loses nothing.
 */
async function refuseOnKeyMismatch(ctx: DataContext, ring: Keyring, name: string): Promise<void> {
  const keys = await ctx.db.$queryRaw<{ keyId: string; count: number }[]>`
    SELECT key_id AS "keyId", count(*)::int AS count FROM creds_meta WHERE name <> ${name} GROUP BY 1 ORDER BY 1`;
  const health = judgeVaultKeys(ring, keys);
  if (health.status !== "KEY_MISMATCH") return;
  throw new ClientError(`Refusing to seal a new secret with key ${ring.current.id}: ${health.message}`, "VAULT_KEY_MISMATCH", {
    extensions: { keyIds: health.orphaned.map((k) => k.keyId) },
  });
}

const NAME_RULE = "must be lowercase letters, digits, '.', '_' or '-', starting with a letter or digit (at most 128)";
/** A credential's name, e.g. shopify.admin_token. */
export const credentialName = z
  .string()
  .max(128, NAME_RULE)
  .regex(/^[a-z0-9][a-z0-9_.-]*$/, NAME_RULE);
/** Why a vault operation happens: the audit row's rationale. */
export const auditReason = z.string().trim().min(1, "must not be empty").max(1000, "must be at most 1000 characters");
// Rules only: a zod message must never quote the value, since this one is a secret.
const secret = z.string().min(1, "must not be empty").max(65_536, "must be at most 65536 characters");

export const putCredentialInput = z.object({
  name: credentialName,
  provider: nonEmpty.pipe(z.string().max(100, "must be at most 100 characters")),
  /** undefined (omitted) keeps the current description on replace; null clears it (nullish keeps the two apart). */
  description: z.string().max(1000, "must be at most 1000 characters").nullish(),
  secret,
  reason: auditReason.nullish(),
});
export type PutCredentialInput = z.infer<typeof putCredentialInput>;

export const credentialFilter = z.object({ provider: z.string().nullish(), keyId: z.string().nullish(), search: z.string().nullish() });
export type CredentialFilter = z.infer<typeof credentialFilter>;

/** Prisma filter for credentials: provider, key, literal name search (D9). */
export function credentialWhere(filter: CredentialFilter | null | undefined): Prisma.CredsMetaWhereInput {
  return allOf<Prisma.CredsMetaWhereInput>([
    { provider: text(filter?.provider, "equals", { caseSensitive: true }) },
    { keyId: text(filter?.keyId, "equals", { caseSensitive: true }) },
    { name: text(filter?.search, "contains") },
  ]);
}

/** Creates or replaces a credential (new nonce, current key); returns its id. Audited. */
export async function putCredential(ctx: DataContext, input: PutCredentialInput): Promise<string> {
  const ring = keyring(ctx);
  await refuseOnKeyMismatch(ctx, ring, input.name);
  const sealed = seal(ring, input.name, input.secret);
  const [row] = await ctx.db.$queryRaw<{ id: string; created: boolean }[]>`
    INSERT INTO creds_meta AS c (name, provider, description, ciphertext, nonce, auth_tag, key_id)
    VALUES (${input.name}, ${input.provider}, ${input.description ?? null},
            ${sealed.ciphertext}, ${sealed.nonce}, ${sealed.authTag}, ${sealed.keyId})
    ON CONFLICT (name) DO UPDATE SET
      provider = EXCLUDED.provider,
      description = CASE WHEN ${input.description !== undefined} THEN EXCLUDED.description ELSE c.description END,
      ciphertext = EXCLUDED.ciphertext, nonce = EXCLUDED.nonce, auth_tag = EXCLUDED.auth_tag, key_id = EXCLUDED.key_id,
      last_rotated_at = now()
    RETURNING id::text AS id, (xmax = 0) AS created`;
  await audit(ctx, [
    {
      action: "credential.write",
      name: input.name,
      rationale: input.reason,
      payload: { keyId: sealed.keyId, provider: input.provider, created: row.created },
    },
  ]);
  return row.id;
}

export interface RevealedSecret {
  name: string;
  secret: string;
  keyId: string;
  accessedAt: Date;
}

/** The one audited read of a decrypted secret; also stamps last_accessed_at. */
export async function revealCredential(ctx: DataContext, name: string, reason: string): Promise<RevealedSecret> {
  try {
    const revealed = await reveal(ctx, name, reason);
    ctx.vault?.revealed?.("ok");
    return revealed;
  } catch (error) {
    ctx.vault?.revealed?.(revealOutcomeOf(error));
    throw error;
  }
}

const REFUSALS = new Set<RevealOutcome>(["NOT_FOUND", "VAULT_UNAVAILABLE", "VAULT_KEY_UNKNOWN", "VAULT_DECRYPT_FAILED"]);

function revealOutcomeOf(error: unknown): RevealOutcome {
  const code = isClientError(error) ? error.extensions.code : undefined;
  return REFUSALS.has(code as RevealOutcome) ? (code as RevealOutcome) : "error";
}

async function reveal(ctx: DataContext, name: string, reason: string): Promise<RevealedSecret> {
  const ring = keyring(ctx);
  const [row] = await ctx.db.$queryRaw<(StoredSecret & { accessed_at: Date })[]>`
    UPDATE creds_meta SET last_accessed_at = now() WHERE name = ${name}
    RETURNING id::text AS id, name, provider, ciphertext, nonce, auth_tag, key_id, last_accessed_at AS accessed_at`;
  if (!row) throw notFound("Credential", name);
  const secret = decrypt(ring, row);
  await audit(ctx, [{ action: "credential.read", name, rationale: reason, payload: { keyId: row.key_id, provider: row.provider } }]);
  return { name, secret, keyId: row.key_id, accessedAt: row.accessed_at };
}

/** Deletes a credential; audited. Needs no key: nothing is decrypted. */
export async function deleteCredential(ctx: DataContext, name: string, reason?: string | null): Promise<{ id: string; name: string }> {
  const [row] = await ctx.db.$queryRaw<{ id: string; key_id: string; provider: string }[]>`
    DELETE FROM creds_meta WHERE name = ${name} RETURNING id::text AS id, key_id, provider`;
  if (!row) throw notFound("Credential", name);
  await audit(ctx, [{ action: "credential.delete", name, rationale: reason, payload: { keyId: row.key_id, provider: row.provider } }]);
  return { id: row.id, name };
}

export interface KeyRotation {
  keyId: string;
  rotated: string[];
  alreadyCurrent: number;
}

/** Most credentials one rotation re-encrypts (and lists); the next call takes the rest. */
export const MAX_ROTATION_BATCH = 1000;

/**
 * Re-encrypts every credential not on the current key with it, all or nothing: the rows are locked,
 * all are decrypted before anything is written, and any row that fails aborts the whole rotation.
 * One DecisionLog row per re-encrypted credential (it was decrypted and rewritten).
 */
export async function rotateCredentialKey(ctx: DataContext, reason?: string | null): Promise<KeyRotation> {
  const ring = keyring(ctx);
  const current = ring.current.id;
  const stale = await ctx.db.$queryRaw<StoredSecret[]>`
    SELECT id::text AS id, name, provider, ciphertext, nonce, auth_tag, key_id
    FROM creds_meta WHERE key_id <> ${current} ORDER BY name LIMIT ${MAX_ROTATION_BATCH} FOR UPDATE`;
  const resealed = stale.map((row) => ({ row, sealed: seal(ring, row.name, decrypt(ring, row)) }));
  if (resealed.length > 0)
    await writeSealed(
      ctx.db,
      resealed.map(({ row, sealed }) => ({ id: row.id, ...sealed })),
    );
  await audit(
    ctx,
    resealed.map(({ row }) => ({
      action: "credential.rotate",
      name: row.name,
      rationale: reason,
      payload: { fromKeyId: row.key_id, keyId: current, provider: row.provider },
    })),
  );
  // Rows on the current key now, less the ones this call moved there (others may still be stale: next call).
  const [{ onCurrent }] = await ctx.db.$queryRaw<
    { onCurrent: number }[]
  >`SELECT count(*)::int AS "onCurrent" FROM creds_meta WHERE key_id = ${current}`;
  return { keyId: current, rotated: stale.map((r) => r.name), alreadyCurrent: onCurrent - stale.length };
}

/** Writes new ciphertexts for many rows in one statement. */
async function writeSealed(db: Db, rows: { id: string; ciphertext: Uint8Array; nonce: Uint8Array; authTag: Uint8Array; keyId: string }[]) {
  // bytea arrays travel as hex text: one parameter per column whatever the row count.
  const hex = (b: Uint8Array) => `\\x${Buffer.from(b).toString("hex")}`;
  await db.$executeRaw`
    UPDATE creds_meta AS c SET ciphertext = n.ciphertext, nonce = n.nonce, auth_tag = n.auth_tag, key_id = n.key_id,
      last_rotated_at = now()
    FROM unnest(${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => hex(r.ciphertext))}::bytea[],
                ${rows.map((r) => hex(r.nonce))}::bytea[], ${rows.map((r) => hex(r.authTag))}::bytea[],
                ${rows.map((r) => r.keyId)}::text[]) AS n(id, ciphertext, nonce, auth_tag, key_id)
    WHERE c.id = n.id`;
}
