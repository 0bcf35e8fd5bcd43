// D14: a valid but wrong CREDS_ENCRYPTION_KEY used to start "ready" although no stored secret opens.
// Now the start says so loudly (error level, key ids and counts, what to do), /ready answers 503
// naming the vault problem, and putCredential refuses to add more secrets no right key would open.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { keyIdOf, loadVaultKeys, seal } from "../src/vault/index.ts";
import { configureVault } from "./support/vault.ts";
import { bannerUrl, runEntryPoint } from "./support/entry-point.ts";
import { startTestGateway, TEST_JWT_SECRET, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const KEY_A = randomBytes(32).toString("base64");
const KEY_B = randomBytes(32).toString("base64");
const ID_A = keyIdOf(Buffer.from(KEY_A, "base64"));
const ID_B = keyIdOf(Buffer.from(KEY_B, "base64"));

let db: TestDatabase;

/** Stores a credential sealed with `key`, as a gateway running with that key would have. */
async function storeSealed(name: string, key: string): Promise<void> {
  const sealed = seal(loadVaultKeys({ CREDS_ENCRYPTION_KEY: key }), name, `secret-of-${name}`);
  await db.pool.query(`INSERT INTO creds_meta (name, provider, ciphertext, nonce, auth_tag, key_id) VALUES ($1, 'shopify', $2, $3, $4, $5)`, [
    name,
    sealed.ciphertext,
    sealed.nonce,
    sealed.authTag,
    sealed.keyId,
  ]);
}

beforeAll(async () => {
  db = await createTestDatabase();
  await storeSealed("shopify.admin", KEY_A);
  await storeSealed("chatwoot.token", KEY_A);
});
afterAll(() => db?.close());

describe("the start with a key that opens none of the stored secrets", () => {
  const start = (env: Record<string, string>) =>
    runEntryPoint(
      { DATABASE_URL: db.url, SUPABASE_JWT_SECRET: TEST_JWT_SECRET, PORT: "0", ...env },
      { until: /HotDash Gateway is running|Cannot start/ },
    );

  test("is loud and not ready; with the right key among the configured ones it is ready", { timeout: 90_000 }, async () => {
    const wrong = await start({ CREDS_ENCRYPTION_KEY: KEY_B });
    try {
      const output = wrong.stdout + wrong.stderr;
      expect(output).toContain(
        `Credentials vault KEY_MISMATCH: 2 of 2 stored secrets cannot be opened (2 on key ${ID_A}); the configured keys are ${ID_B}.`,
      );
      expect(output).toMatch(/Set CREDS_ENCRYPTION_KEY to the key they were sealed with/);
      const logged = output
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l));
      expect(logged).toContainEqual(expect.objectContaining({ level: "error", code: "VAULT_KEY_MISMATCH", orphaned: [{ keyId: ID_A, count: 2 }] }));
      expect(output).not.toMatch(/credentials vault ready/);
      expect(wrong.stdout).toMatch(/Vault\s+KEY MISMATCH/);
      const ready = await fetch(new URL("/ready", bannerUrl(wrong)));
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: "unavailable", vault: "KEY_MISMATCH" });
      // Liveness is unaffected: the process is healthy, only not ready for traffic.
      expect((await fetch(new URL("/health", bannerUrl(wrong)))).status).toBe(200);
    } finally {
      await wrong.stop();
    }

    // The new key with the old one as previous key (mid-rotation): everything opens, so ready.
    const rotating = await start({ CREDS_ENCRYPTION_KEY: KEY_B, CREDS_PREVIOUS_KEYS: KEY_A });
    try {
      expect(rotating.stdout + rotating.stderr).not.toMatch(/KEY_MISMATCH/);
      const ready = await fetch(new URL("/ready", bannerUrl(rotating)));
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: "ready" });
    } finally {
      await rotating.stop();
    }
  });
});

describe("putCredential with a key that would orphan the new secret", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ databaseUrl: db.url });
  });
  afterAll(async () => {
    configureVault(null);
    await gw?.close();
  });
  const PUT = `mutation($input: PutCredentialInput!) { putCredential(input: $input) { name keyId } }`;

  test("is refused with VAULT_KEY_MISMATCH while other secrets are on keys the vault lacks; nothing is written", async () => {
    configureVault(loadVaultKeys({ CREDS_ENCRYPTION_KEY: KEY_B }));
    const err = await gw.failure(PUT, { input: { name: "klaviyo.key", provider: "klaviyo", secret: "would-be-orphaned" } });
    expect(err.extensions.code).toBe("VAULT_KEY_MISMATCH");
    expect(err.extensions.keyIds).toEqual([ID_A]);
    expect(err.message).toMatch(new RegExp(`^Refusing to seal a new secret with key ${ID_B}: .*2 on key ${ID_A}`));
    expect(err.message).not.toContain("would-be-orphaned");
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM creds_meta WHERE name = 'klaviyo.key'`);
    expect(rows[0].n).toBe(0);
  });

  test("is accepted once the right key is configured (current or previous)", async () => {
    configureVault(loadVaultKeys({ CREDS_ENCRYPTION_KEY: KEY_B, CREDS_PREVIOUS_KEYS: KEY_A }));
    expect(await gw.data(PUT, { input: { name: "klaviyo.key", provider: "klaviyo", secret: "sealed-with-b" } })).toEqual({
      putCredential: { name: "klaviyo.key", keyId: ID_B },
    });
  });
});
