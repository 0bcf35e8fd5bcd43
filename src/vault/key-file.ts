/**
 * The embedded demo's vault key: generated once, kept in the data folder (mode 0600) beside the
 * database whose secrets it seals, and read back on every later start, so the vault works out of the
 * box and secrets survive restarts. Only for the embedded database: with DATABASE_URL the key must be
 * set explicitly, and an explicit CREDS_ENCRYPTION_KEY always wins.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import path from "node:path";
import { KEY_BYTES } from "./keys.ts";

export const VAULT_KEY_FILE = "vault.key";

/** The key file is unreadable or malformed; the message is one line saying what to do. */
export class VaultKeyFileError extends Error {
  override name = "VaultKeyFileError";
  readonly code = "VAULT_KEY_FILE_INVALID";
}

export interface EmbeddedVaultKey {
  /** Base64, as CREDS_ENCRYPTION_KEY would hold it. */
  key: string;
  file: string;
  /** true when this start generated it. */
  created: boolean;
}

/** Reads `<dataDir>/vault.key`, creating it (32 random bytes, base64, mode 0600) when absent. */
export function ensureEmbeddedVaultKey(dataDir: string): EmbeddedVaultKey {
  const file = path.resolve(dataDir, VAULT_KEY_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(KEY_BYTES).toString("base64");
  try {
    // "wx": never overwrite a key that secrets may already be sealed with, even if two starts race.
    const fd = openSync(file, "wx", 0o600);
    try {
      writeSync(fd, `${key}\n`);
    } finally {
      closeSync(fd);
    }
    return { key, file, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const text = readFileSync(file, "utf8").trim();
  if (Buffer.from(text, "base64").length !== KEY_BYTES || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new VaultKeyFileError(
      `The vault key file ${file} does not hold a ${KEY_BYTES}-byte base64 key. Restore it from a backup, or set CREDS_ENCRYPTION_KEY (secrets sealed with the lost key cannot be opened).`,
    );
  }
  // Tighten a key file whose mode was loosened (copied, restored from a backup).
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return { key: text, file, created: false };
}
