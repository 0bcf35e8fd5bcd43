/**
 * Does the configured keyring open what is stored? A valid key that is simply the wrong one (or a
 * previous key dropped too early) passes every format check, so the start and /ready compare the key
 * ids stored in creds_meta with the keyring's. Needs a connection that sees every creds_meta row: the
 * gateway's own pool (the DATABASE_URL user), not an RLS-scoped role.
 */
import type { Keyring } from "./keys.ts";

/** What to do about secrets on unknown keys (the same advice at start, in /ready's log and in putCredential). */
export const KEY_MISMATCH_HINT =
  "Set CREDS_ENCRYPTION_KEY to the key they were sealed with (or list it in CREDS_PREVIOUS_KEYS and run rotateCredentialKey), " +
  "or delete those credentials if the key is lost; see docs/credentials-vault.md.";

export interface Queryable {
  query<R extends Record<string, unknown>>(sql: string): Promise<{ rows: R[] }>;
}

export interface KeyUsage {
  keyId: string;
  count: number;
}

export type VaultHealth =
  | { status: "ok"; keys: KeyUsage[] }
  /** The vault has no key (CREDS_ENCRYPTION_KEY unset): its fields answer VAULT_UNAVAILABLE. */
  | { status: "disabled"; keys: KeyUsage[] }
  /** Some stored secrets are sealed with keys the keyring does not hold: they cannot be opened. */
  | { status: "KEY_MISMATCH"; keys: KeyUsage[]; orphaned: KeyUsage[]; message: string };

export async function vaultKeyUsage(db: Queryable): Promise<KeyUsage[]> {
  const { rows } = await db.query<{ key_id: string; count: number }>(
    `SELECT key_id, count(*)::int AS count FROM public.creds_meta GROUP BY 1 ORDER BY 1`,
  );
  return rows.map((r) => ({ keyId: r.key_id, count: r.count }));
}

/** Rows on keys outside the keyring, with what to do about them. */
export function judgeVaultKeys(keyring: Keyring | null, keys: KeyUsage[]): VaultHealth {
  if (!keyring) return { status: "disabled", keys };
  const orphaned = keys.filter((k) => !keyring.byId.has(k.keyId));
  if (orphaned.length === 0) return { status: "ok", keys };
  const total = keys.reduce((n, k) => n + k.count, 0);
  const lost = orphaned.reduce((n, k) => n + k.count, 0);
  const list = orphaned.map((k) => `${k.count} on key ${k.keyId}`).join(", ");
  const message =
    `Credentials vault KEY_MISMATCH: ${lost} of ${total} stored secret${total === 1 ? "" : "s"} cannot be opened (${list}); ` +
    `the configured keys are ${[...keyring.byId.keys()].join(", ")}. ${KEY_MISMATCH_HINT}`;
  return { status: "KEY_MISMATCH", keys, orphaned, message };
}

export async function checkVaultKeys(db: Queryable, keyring: Keyring | null): Promise<VaultHealth> {
  return judgeVaultKeys(keyring, await vaultKeyUsage(db));
}
