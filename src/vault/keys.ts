/**
 * The vault's keyring, from the environment:
 *   CREDS_ENCRYPTION_KEY  the current key: 32 random bytes in base64 (`openssl rand -base64 32`);
 *   CREDS_PREVIOUS_KEYS   optional, comma-separated: older keys, only to read rows not yet rotated.
 * Each key is known by its id, a fingerprint stored beside every secret, so the vault knows which key
 * a row needs and a rotation knows which rows are still on an old key. Key material never appears in
 * a message: problems say what is wrong (missing, not base64, n bytes), never what was given.
 */
import { createHash } from "node:crypto";

export const KEY_BYTES = 32;
export const KEY_ENV = "CREDS_ENCRYPTION_KEY";
export const PREVIOUS_KEYS_ENV = "CREDS_PREVIOUS_KEYS";

export type VaultKeyErrorCode = "VAULT_KEY_MISSING" | "VAULT_KEY_INVALID";

export class VaultKeyError extends Error {
  override name = "VaultKeyError";
  constructor(
    readonly code: VaultKeyErrorCode,
    /** One line per problem, each naming the variable. */
    readonly problems: string[],
  ) {
    super(`Credentials vault: ${problems.join("; ")}`);
  }
}

export interface VaultKey {
  /** Fingerprint: the first 8 bytes of sha256(key), hex. Safe to store and log. */
  id: string;
  key: Buffer;
}

export interface Keyring {
  /** New secrets and rotations use this key. */
  current: VaultKey;
  /** Every key the vault can decrypt with (current first), by id. */
  byId: ReadonlyMap<string, VaultKey>;
}

/** The id stored beside each secret encrypted with `key`. */
export function keyIdOf(key: Buffer): string {
  return createHash("sha256").update(key).digest().subarray(0, 8).toString("hex");
}

// Standard or URL-safe alphabet, padding optional; whitespace around the value is ignored.
const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;

/** Decodes one key, or returns why it is unusable (without its value). */
function decodeKey(raw: string, label: string): Buffer | string {
  const text = raw.trim();
  if (!BASE64.test(text) || text.replace(/=+$/, "").length % 4 === 1) {
    return `${label} is not valid base64; generate one with \`openssl rand -base64 32\``;
  }
  const key = Buffer.from(text, text.includes("-") || text.includes("_") ? "base64url" : "base64");
  if (key.length !== KEY_BYTES) {
    return `${label} must decode to exactly ${KEY_BYTES} bytes, but decodes to ${key.length}; generate one with \`openssl rand -base64 32\``;
  }
  return key;
}

/**
 * Reads and validates the keyring. Throws VaultKeyError: VAULT_KEY_MISSING when no current key is
 * set, VAULT_KEY_INVALID (listing every problem) when a key is malformed.
 */
export function loadVaultKeys(env: Record<string, string | undefined>): Keyring {
  const rawCurrent = env[KEY_ENV]?.trim();
  if (!rawCurrent) {
    throw new VaultKeyError("VAULT_KEY_MISSING", [
      `${KEY_ENV} is not set; set it to 32 random bytes in base64 (\`openssl rand -base64 32\`) to use the vault`,
    ]);
  }
  const problems: string[] = [];
  const current = decodeKey(rawCurrent, KEY_ENV);
  if (typeof current === "string") problems.push(current);

  const previous: Buffer[] = [];
  const rawPrevious = env[PREVIOUS_KEYS_ENV]?.trim();
  if (rawPrevious) {
    rawPrevious.split(",").forEach((raw, i) => {
      const key = decodeKey(raw, `${PREVIOUS_KEYS_ENV}[${i}]`);
      if (typeof key === "string") problems.push(key);
      else previous.push(key);
    });
  }
  if (problems.length > 0 || typeof current === "string") throw new VaultKeyError("VAULT_KEY_INVALID", problems);

  const currentKey = { id: keyIdOf(current), key: current };
  const byId = new Map<string, VaultKey>([[currentKey.id, currentKey]]);
  for (const key of previous) {
    const id = keyIdOf(key);
    if (!byId.has(id)) byId.set(id, { id, key });
  }
  return { current: currentKey, byId };
}
