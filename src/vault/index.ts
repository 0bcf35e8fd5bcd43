/**
 * The credentials vault's process-wide keyring. The entry point calls initVault() at start: a
 * malformed key refuses to start (VaultKeyError), a missing key leaves the vault unavailable (its
 * GraphQL fields then fail with VAULT_UNAVAILABLE while the rest of the gateway serves). Resolvers
 * ask requireKeyring(). Without initVault() the keyring is read from process.env on first use.
 */
import { KEY_ENV, loadVaultKeys, VaultKeyError, type Keyring } from "./keys.ts";

export { keyIdOf, loadVaultKeys, VaultKeyError, KEY_BYTES, KEY_ENV, PREVIOUS_KEYS_ENV, type Keyring, type VaultKey } from "./keys.ts";
export { open, seal, VaultError, NONCE_BYTES, TAG_BYTES, type Sealed } from "./cipher.ts";
export { checkVaultKeys, judgeVaultKeys, KEY_MISMATCH_HINT, type KeyUsage, type VaultHealth } from "./health.ts";

type VaultState = { keyring: Keyring } | { unavailable: string };

let state: VaultState | undefined;

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

/**
 * For the entry point, once at start. Throws VaultKeyError (VAULT_KEY_INVALID) for a malformed key,
 * so a typo never silently disables the vault; a missing key disables the vault with a warning.
 */
export function initVault(env: Record<string, string | undefined> = process.env): VaultStatus {
  try {
    const keyring = loadVaultKeys(env);
    state = { keyring };
    return { enabled: true, keyId: keyring.current.id, readableKeyIds: [...keyring.byId.keys()] };
  } catch (error) {
    if (!(error instanceof VaultKeyError) || error.code !== "VAULT_KEY_MISSING") throw error;
    state = { unavailable: error.problems.join("; ") };
    return { enabled: false, warning: `Credentials vault disabled: ${state.unavailable}` };
  }
}

/** Replaces the keyring (tests, or a reload after rotating keys); null disables the vault as if no key were set. */
export function configureVault(keyring: Keyring | null): void {
  state = keyring ? { keyring } : { unavailable: `${KEY_ENV} is not set` };
}

/** The keyring, or null while the vault is disabled (for health checks, which must not throw). */
export function currentKeyring(): Keyring | null {
  try {
    return requireKeyring();
  } catch (error) {
    if (error instanceof VaultUnavailableError) return null;
    throw error;
  }
}

/** The keyring for an operation that encrypts or decrypts; throws VaultUnavailableError without one. */
export function requireKeyring(): Keyring {
  if (state === undefined) {
    try {
      state = { keyring: loadVaultKeys(process.env) };
    } catch (error) {
      if (!(error instanceof VaultKeyError)) throw error;
      state = { unavailable: error.problems.join("; ") };
    }
  }
  if ("unavailable" in state) throw new VaultUnavailableError(`The credentials vault is unavailable: ${state.unavailable}.`);
  return state.keyring;
}
