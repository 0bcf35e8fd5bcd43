/**
 * The credentials vault: its keyring, made once by the entry point from Config (openVault) and
 * passed to data code on the context (ctx.vault). A malformed key refuses to start (VaultKeyError);
 * a missing key leaves the vault unavailable: its GraphQL fields then fail with VAULT_UNAVAILABLE
 * while the rest of the gateway serves. No module state: each Vault is a value.
 */
import { KEY_ENV, loadVaultKeys, VaultKeyError, type Keyring } from "./keys.ts";

export { keyIdOf, loadVaultKeys, VaultKeyError, KEY_BYTES, KEY_ENV, PREVIOUS_KEYS_ENV, type Keyring, type VaultKey } from "./keys.ts";
export { open, seal, VaultError, NONCE_BYTES, TAG_BYTES, type Sealed } from "./cipher.ts";
export { checkVaultKeys, judgeVaultKeys, KEY_MISMATCH_HINT, type KeyUsage, type VaultHealth } from "./health.ts";

/** The vault has no usable key; the message says which variable to set and how. */
export class VaultUnavailableError extends Error {
  override name = "VaultUnavailableError";
  readonly code = "VAULT_UNAVAILABLE";
}

export interface VaultStatus {
  enabled: boolean;
  /** Current key id when enabled. */
  keyId?: string;
  /** Key ids the vault can still read (previous keys included). */
  readableKeyIds?: string[];
  /** Why the vault is disabled, for the start-up log. */
  warning?: string;
}

/** The keys a process runs with, or why it has none. */
export interface Vault {
  /** The keyring for an operation that encrypts or decrypts; throws VaultUnavailableError without one. */
  requireKeyring(): Keyring;
  /** The keyring, or null while the vault is disabled (for health checks, which must not throw). */
  currentKeyring(): Keyring | null;
  /**
   * Told how each reveal ended: "ok", or the refusal's code (NOT_FOUND, VAULT_UNAVAILABLE, VAULT_KEY_UNKNOWN,
   * VAULT_DECRYPT_FAILED; "error" for anything else). The gateway counts them for its metrics; the vault keeps nothing.
   */
  revealed?(outcome: RevealOutcome): void;
}

export type RevealOutcome = "ok" | "NOT_FOUND" | "VAULT_UNAVAILABLE" | "VAULT_KEY_UNKNOWN" | "VAULT_DECRYPT_FAILED" | "error";

/** The same vault, telling `onReveal` as well about each reveal (the metrics: the vault knows no metrics library). */
export function observingReveals(vault: Vault, onReveal: (outcome: RevealOutcome) => void): Vault {
  return {
    requireKeyring: () => vault.requireKeyring(),
    currentKeyring: () => vault.currentKeyring(),
    revealed: (outcome) => {
      vault.revealed?.(outcome);
      onReveal(outcome);
    },
  };
}

/** A vault over `keyring`; null is a disabled vault, `unavailable` saying why. */
export function vaultOf(keyring: Keyring | null, unavailable = `${KEY_ENV} is not set`): Vault {
  return {
    requireKeyring() {
      if (keyring === null) throw new VaultUnavailableError(`The credentials vault is unavailable: ${unavailable}.`);
      return keyring;
    },
    currentKeyring: () => keyring,
  };
}

/**
 * For the entry point, once at start: the vault for these keys (CREDS_ENCRYPTION_KEY and
 * CREDS_PREVIOUS_KEYS, from Config) and its status for the start-up log. Throws VaultKeyError
 * (VAULT_KEY_INVALID) for a malformed key, so a typo never silently disables the vault; a missing key
 * disables the vault with a warning.
 */
export function openVault(keys: Record<string, string | undefined>): { vault: Vault; status: VaultStatus } {
  try {
    const keyring = loadVaultKeys(keys);
    return { vault: vaultOf(keyring), status: { enabled: true, keyId: keyring.current.id, readableKeyIds: [...keyring.byId.keys()] } };
  } catch (error) {
    if (!(error instanceof VaultKeyError) || error.code !== "VAULT_KEY_MISSING") throw error;
    const unavailable = error.problems.join("; ");
    return { vault: vaultOf(null, unavailable), status: { enabled: false, warning: `Credentials vault disabled: ${unavailable}` } };
  }
}

/** The start-up check alone: openVault's status. */
export const initVault = (keys: Record<string, string | undefined>): VaultStatus => openVault(keys).status;
