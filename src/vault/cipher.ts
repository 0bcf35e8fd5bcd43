/**
 * AES-256-GCM for credential secrets (node:crypto). Each encryption draws a fresh 12-byte nonce. The
 * additional authenticated data binds a ciphertext to its row's name and key id, so a ciphertext
 * copied to another row, or relabelled with another key id, fails authentication like any tampering.
 * Decryption either returns the exact plaintext or throws VaultError: never garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Keyring } from "./keys.ts";

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const ALGORITHM = "aes-256-gcm";

export type VaultErrorCode = "VAULT_DECRYPT_FAILED" | "VAULT_KEY_UNKNOWN";

/** A decryption problem. Messages name the credential and key id, never secret material. */
export class VaultError extends Error {
  override name = "VaultError";
  constructor(
    readonly code: VaultErrorCode,
    message: string,
    readonly credential: string,
  ) {
    super(message);
  }
}

/** What creds_meta stores for one secret. */
export interface Sealed {
  ciphertext: Uint8Array;
  nonce: Uint8Array;
  authTag: Uint8Array;
  keyId: string;
}

// Versioned so the binding can change later without ambiguity.
const aad = (name: string, keyId: string) => Buffer.from(`creds_meta:v1\0${name}\0${keyId}`, "utf8");

/** Encrypts `secret` for the credential `name` with the keyring's current key. */
export function seal(keyring: Keyring, name: string, secret: string): Sealed {
  const { id, key } = keyring.current;
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(name, id));
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return { ciphertext, nonce, authTag: cipher.getAuthTag(), keyId: id };
}

/** Decrypts a row of credential `name`; throws VaultError if its key is unknown or anything was altered. */
export function open(keyring: Keyring, name: string, sealed: Sealed): string {
  const key = keyring.byId.get(sealed.keyId);
  if (!key) {
    throw new VaultError(
      "VAULT_KEY_UNKNOWN",
      `Credential "${name}" is encrypted with key ${sealed.keyId}, which is neither CREDS_ENCRYPTION_KEY nor listed in CREDS_PREVIOUS_KEYS.`,
      name,
    );
  }
  const failed = () =>
    new VaultError(
      "VAULT_DECRYPT_FAILED",
      `Credential "${name}" could not be decrypted with key ${sealed.keyId}: the key is wrong or the stored ciphertext, nonce, tag or name was altered.`,
      name,
    );
  if (sealed.nonce.length !== NONCE_BYTES || sealed.authTag.length !== TAG_BYTES) throw failed();
  try {
    const decipher = createDecipheriv(ALGORITHM, key.key, sealed.nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(name, sealed.keyId));
    decipher.setAuthTag(sealed.authTag);
    const plaintext = Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
    return plaintext.toString("utf8");
  } catch {
    // OpenSSL's "Unsupported state or unable to authenticate data" says nothing more; ours does.
    throw failed();
  }
}
