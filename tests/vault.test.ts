// The credentials vault: key handling, AES-256-GCM sealing, and the GraphQL API over creds_meta
// through the real gateway, checked against the table and DecisionLog read directly with pg.
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { initVault, keyIdOf, loadVaultKeys, open, seal, VaultError, VaultKeyError, type Keyring } from "../src/vault/index.ts";
import { configureVault } from "./support/vault.ts";
import { startTestGateway, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const KEY_A = randomBytes(32).toString("base64");
const KEY_B = randomBytes(32).toString("base64");
const ringA = () => loadVaultKeys({ CREDS_ENCRYPTION_KEY: KEY_A });
const ringB = () => loadVaultKeys({ CREDS_ENCRYPTION_KEY: KEY_B });
const ringBReadingA = () => loadVaultKeys({ CREDS_ENCRYPTION_KEY: KEY_B, CREDS_PREVIOUS_KEYS: KEY_A });
const ID_A = keyIdOf(Buffer.from(KEY_A, "base64"));
const ID_B = keyIdOf(Buffer.from(KEY_B, "base64"));

// Distinctive secrets, so a search for their bytes anywhere cannot match by accident.
const secretFor = (name: string) => `sk_live_${name}_${randomBytes(12).toString("hex")}`;

// ───────────────────────────── keys ─────────────────────────────

describe("loadVaultKeys / initVault", () => {
  const problem = (env: Record<string, string | undefined>) => {
    try {
      loadVaultKeys(env);
    } catch (error) {
      expect(error).toBeInstanceOf(VaultKeyError);
      return error as VaultKeyError;
    }
    throw new Error("expected a VaultKeyError");
  };

  test("a missing key is VAULT_KEY_MISSING with how to make one", () => {
    for (const value of [undefined, "", "   "]) {
      const error = problem({ CREDS_ENCRYPTION_KEY: value });
      expect(error.code).toBe("VAULT_KEY_MISSING");
      expect(error.message).toMatch(/CREDS_ENCRYPTION_KEY is not set.*openssl rand -base64 32/);
    }
  });

  test("a short, long or non-base64 key is VAULT_KEY_INVALID, naming the variable but never echoing the value", () => {
    const short = randomBytes(16).toString("base64");
    const long = randomBytes(48).toString("base64");
    const cases: [Record<string, string>, RegExp, string][] = [
      [{ CREDS_ENCRYPTION_KEY: short }, /CREDS_ENCRYPTION_KEY must decode to exactly 32 bytes, but decodes to 16/, short],
      [{ CREDS_ENCRYPTION_KEY: long }, /CREDS_ENCRYPTION_KEY must decode to exactly 32 bytes, but decodes to 48/, long],
      [{ CREDS_ENCRYPTION_KEY: "not base64 at all!!" }, /CREDS_ENCRYPTION_KEY is not valid base64/, "not base64 at all!!"],
      [{ CREDS_ENCRYPTION_KEY: "a".repeat(32) }, /decodes to 24/, "a".repeat(32)], // 32 characters is not 32 bytes
      [{ CREDS_ENCRYPTION_KEY: KEY_A, CREDS_PREVIOUS_KEYS: `${KEY_B},${short}` }, /CREDS_PREVIOUS_KEYS\[1\] must decode to exactly 32 bytes/, short],
    ];
    for (const [env, message, value] of cases) {
      const error = problem(env);
      expect(error.code).toBe("VAULT_KEY_INVALID");
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(value);
    }
    // Every problem at once, so one restart fixes them all.
    expect(problem({ CREDS_ENCRYPTION_KEY: short, CREDS_PREVIOUS_KEYS: "%%%" }).problems).toHaveLength(2);
  });

  test("accepts standard and URL-safe base64, with or without padding; key ids are stable fingerprints", () => {
    const raw = randomBytes(32);
    const ids = [raw.toString("base64"), raw.toString("base64").replace(/=+$/, ""), raw.toString("base64url"), ` ${raw.toString("base64")}\n`].map(
      (k) => loadVaultKeys({ CREDS_ENCRYPTION_KEY: k }).current.id,
    );
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^[0-9a-f]{16}$/);
    const ring = ringBReadingA();
    expect(ring.current.id).toBe(ID_B);
    expect([...ring.byId.keys()]).toEqual([ID_B, ID_A]);
  });

  test("the start-up check refuses a malformed key outright and disables the vault without one", () => {
    try {
      expect(() => initVault({ CREDS_ENCRYPTION_KEY: randomBytes(31).toString("base64") })).toThrow(/decodes to 31/);
      expect(initVault({})).toMatchObject({ enabled: false, warning: expect.stringMatching(/CREDS_ENCRYPTION_KEY is not set/) });
      expect(initVault({ CREDS_ENCRYPTION_KEY: KEY_B, CREDS_PREVIOUS_KEYS: KEY_A })).toEqual({
        enabled: true,
        keyId: ID_B,
        readableKeyIds: [ID_B, ID_A],
      });
    } finally {
      configureVault(null);
    }
  });
});

// ───────────────────────────── sealing ─────────────────────────────

describe("seal / open (AES-256-GCM)", () => {
  const decryptError = (ring: Keyring, name: string, sealed: Parameters<typeof open>[2]) => {
    try {
      open(ring, name, sealed);
    } catch (error) {
      expect(error).toBeInstanceOf(VaultError);
      return error as VaultError;
    }
    throw new Error("expected a VaultError");
  };

  test("round trip, with a fresh 12-byte nonce and 16-byte tag each time", () => {
    const secret = "pässwörd 🔑 with unicode";
    const one = seal(ringA(), "shopify.token", secret);
    const two = seal(ringA(), "shopify.token", secret);
    expect(open(ringA(), "shopify.token", one)).toBe(secret);
    expect(one.nonce).toHaveLength(12);
    expect(one.authTag).toHaveLength(16);
    expect(one.keyId).toBe(ID_A);
    expect(Buffer.from(one.nonce).equals(Buffer.from(two.nonce))).toBe(false);
    expect(Buffer.from(one.ciphertext).equals(Buffer.from(two.ciphertext))).toBe(false);
  });

  test("any altered byte, another row's name, a relabelled key id or a wrong key is a clear error, never garbage", () => {
    const sealed = seal(ringA(), "a", "the secret");
    const flip = (b: Uint8Array, i = 0) => {
      const copy = Buffer.from(b);
      copy[i] ^= 1;
      return copy;
    };
    const tampered = [
      { ...sealed, ciphertext: flip(sealed.ciphertext) },
      { ...sealed, nonce: flip(sealed.nonce, 11) },
      { ...sealed, authTag: flip(sealed.authTag, 15) },
      { ...sealed, authTag: sealed.authTag.subarray(0, 12) }, // truncated tags must not be accepted
    ];
    for (const t of tampered) expect(decryptError(ringA(), "a", t).code).toBe("VAULT_DECRYPT_FAILED");
    expect(decryptError(ringA(), "b", sealed).message).toBe(
      `Credential "b" could not be decrypted with key ${ID_A}: the key is wrong or the stored ciphertext, nonce, tag or name was altered.`,
    );
    // Key id relabelled to the current key: authenticated data no longer matches.
    expect(decryptError(ringB(), "a", { ...sealed, keyId: ID_B }).code).toBe("VAULT_DECRYPT_FAILED");
    // Wrong keyring: the row's key is simply not known.
    const unknown = decryptError(ringB(), "a", sealed);
    expect(unknown.code).toBe("VAULT_KEY_UNKNOWN");
    expect(unknown.message).toMatch(new RegExp(`key ${ID_A}, which is neither CREDS_ENCRYPTION_KEY nor listed in CREDS_PREVIOUS_KEYS`));
  });
});

// ───────────────────────────── GraphQL + database ─────────────────────────────

const CREDENTIAL_FIELDS = "id name provider description keyId lastRotatedAt lastAccessedAt createdAt updatedAt";
const PUT = `mutation($input: PutCredentialInput!) { putCredential(input: $input) { ${CREDENTIAL_FIELDS} } }`;
const REVEAL = `mutation($name: String!, $reason: String!) { revealCredential(name: $name, reason: $reason) { name secret keyId accessedAt } }`;
const DELETE = `mutation($name: String!) { deleteCredential(name: $name) { id name } }`;
const ROTATE = `mutation { rotateCredentialKey(reason: "scheduled rotation") { keyId rotated alreadyCurrent } }`;

let db: TestDatabase;
let gateway: TestGateway;
const secrets = new Map<string, string>();
// Everything the gateway process writes to stdout/stderr (its logs), to prove no secret is ever logged.
const output: string[] = [];

beforeAll(async () => {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, "write").mockImplementation((chunk: unknown, ...rest: unknown[]) => {
      output.push(String(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    });
  }
  db = await createTestDatabase();
  gateway = await startTestGateway({ databaseUrl: db.url, env: { LOG_LEVEL: "debug" } });
});

afterEach(() => configureVault(ringA()));

afterAll(async () => {
  await gateway?.close();
  await db?.close();
  vi.restoreAllMocks();
});

async function put(name: string, extra: Record<string, unknown> = {}, options = {}) {
  const secret = (extra.secret as string | undefined) ?? secretFor(name);
  const res = await gateway.gql(PUT, { input: { name, provider: "shopify", description: `${name} token`, secret, ...extra } }, options);
  if (!res.body.errors) secrets.set(name, secret);
  return res;
}
const reveal = (name: string, reason = "sync orders") => gateway.gql(REVEAL, { name, reason });

async function auditRows(name?: string) {
  const { rows } = await db.pool.query(
    `select scope, actor, action, rationale, "externalRef", payload from "DecisionLog"
     where scope = 'credentials' and ($1::text is null or "externalRef" = 'creds_meta:' || $1) order by "createdAt", "externalRef"`,
    [name ?? null],
  );
  return rows;
}
const auditCount = async () => (await db.pool.query(`select count(*)::int as n from "DecisionLog" where scope = 'credentials'`)).rows[0].n as number;
const storedRow = async (name: string) => (await db.pool.query("select * from creds_meta where name = $1", [name])).rows[0];

describe("credentials through GraphQL", () => {
  beforeAll(() => configureVault(ringA()));

  test("put, list and reveal round trip; each write and read leaves exactly one DecisionLog row", async () => {
    const created = await put("shopify.admin", {}, { sub: "agent-7" });
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data.putCredential).toMatchObject({
      name: "shopify.admin",
      provider: "shopify",
      description: "shopify.admin token",
      keyId: ID_A,
      lastRotatedAt: null,
      lastAccessedAt: null,
    });
    expect(await auditRows("shopify.admin")).toEqual([
      {
        scope: "credentials",
        actor: "agent-7",
        action: "credential.write",
        rationale: null,
        externalRef: "creds_meta:shopify.admin",
        payload: { keyId: ID_A, provider: "shopify", created: true, requestId: expect.any(String) },
      },
    ]);

    const listed = await gateway.gql(
      `{ credentials { totalCount edges { node { name keyId } } } credential(name: "shopify.admin") { id provider } }`,
    );
    expect(listed.body.data.credentials).toEqual({ totalCount: 1, edges: [{ node: { name: "shopify.admin", keyId: ID_A } }] });
    expect(listed.body.data.credential).toEqual({ id: created.body.data.putCredential.id, provider: "shopify" });
    const ambiguous = await gateway.gql(`{ credential { id } }`);
    expect(ambiguous.body.errors?.[0]).toMatchObject({ message: "name: give exactly one of name and id", extensions: { code: "BAD_USER_INPUT" } });
    expect(await auditCount()).toBe(1); // metadata reads decrypt nothing and are not audited

    const revealed = await gateway.gql(REVEAL, { name: "shopify.admin", reason: "nightly order sync" }, { sub: "agent-7" });
    expect(revealed.body.errors).toBeUndefined();
    expect(revealed.body.data.revealCredential).toMatchObject({ name: "shopify.admin", secret: secrets.get("shopify.admin"), keyId: ID_A });
    const read = (await auditRows("shopify.admin"))[1];
    expect(read).toEqual({
      scope: "credentials",
      actor: "agent-7",
      action: "credential.read",
      rationale: "nightly order sync",
      externalRef: "creds_meta:shopify.admin",
      payload: { keyId: ID_A, provider: "shopify", requestId: expect.any(String) },
    });
    expect(await auditCount()).toBe(2);
    expect((await storedRow("shopify.admin")).last_accessed_at).toEqual(new Date(revealed.body.data.revealCredential.accessedAt));
  });

  test("the Credential type has no field for the secret or its ciphertext; only revealCredential returns a secret", async () => {
    const res = await gateway.gql(
      `{ credential: __type(name: "Credential") { fields { name } } revealed: __type(name: "RevealedCredential") { fields { name } } }`,
    );
    expect(res.body.data.credential.fields.map((f: { name: string }) => f.name).sort()).toEqual([
      "createdAt",
      "description",
      "id",
      "keyId",
      "lastAccessedAt",
      "lastRotatedAt",
      "name",
      "provider",
      "updatedAt",
    ]);
    expect(res.body.data.revealed.fields.map((f: { name: string }) => f.name).sort()).toEqual(["accessedAt", "keyId", "name", "secret"]);
  });

  test("the table holds only ciphertext: no column of any row contains the secret's bytes", async () => {
    await put("chatwoot.api", { provider: "chatwoot", secret: "short" });
    await put("google.ads", { provider: "google", secret: "x".repeat(4096) });
    const { rows } = await db.pool.query("select * from creds_meta");
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) {
      const plaintext = Buffer.from(secrets.get(row.name)!, "utf8");
      expect(row.ciphertext).toBeInstanceOf(Buffer);
      expect(row.ciphertext.length).toBe(plaintext.length); // GCM: ciphertext as long as the plaintext, no padding
      for (const [column, value] of Object.entries(row)) {
        const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value), "utf8");
        expect(bytes.includes(plaintext), `creds_meta.${column} of ${row.name}`).toBe(false);
      }
      expect(row.nonce).toHaveLength(12);
      expect(row.auth_tag).toHaveLength(16);
      expect(row.key_id).toBe(ID_A);
    }
    // Nor the audit trail.
    const { rows: audit } = await db.pool.query(`select row_to_json(d)::text as json from "DecisionLog" d`);
    for (const secret of secrets.values()) expect(audit.some((r) => r.json.includes(secret))).toBe(false);
  });

  test("replacing a secret keeps the id, reseals with a new nonce, stamps lastRotatedAt and is audited", async () => {
    const before = await storedRow("chatwoot.api");
    const replaced = await gateway.gql(PUT, { input: { name: "chatwoot.api", provider: "chatwoot", secret: "rotated-secret-value" } });
    secrets.set("chatwoot.api", "rotated-secret-value");
    expect(replaced.body.data.putCredential).toMatchObject({ id: before.id, description: "chatwoot.api token", lastRotatedAt: expect.any(String) });
    const after = await storedRow("chatwoot.api");
    expect(after.nonce.equals(before.nonce)).toBe(false);
    expect((await reveal("chatwoot.api")).body.data.revealCredential.secret).toBe("rotated-secret-value");
    expect((await auditRows("chatwoot.api")).map((r) => [r.action, r.payload.created])).toEqual([
      ["credential.write", true],
      ["credential.write", false],
      ["credential.read", undefined],
    ]);
    // An explicit null clears the description.
    const cleared = await gateway.gql(PUT, {
      input: { name: "chatwoot.api", provider: "chatwoot", description: null, secret: "rotated-secret-value" },
    });
    expect(cleared.body.data.putCredential.description).toBeNull();
  });

  test("delete removes the row and is audited; a second delete is NOT_FOUND and leaves no audit row", async () => {
    await put("temp.token");
    const deleted = await gateway.gql(DELETE, { name: "temp.token" });
    expect(deleted.body.data.deleteCredential).toEqual({ id: expect.any(String), name: "temp.token" });
    expect(await storedRow("temp.token")).toBeUndefined();
    expect((await auditRows("temp.token")).map((r) => r.action)).toEqual(["credential.write", "credential.delete"]);
    const count = await auditCount();
    const again = await gateway.gql(DELETE, { name: "temp.token" });
    expect(again.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    expect(await auditCount()).toBe(count);
  });

  test("failed operations roll back and leave no audit row: unknown name, invalid input, a later field failing", async () => {
    const count = await auditCount();
    expect((await reveal("no.such")).body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const invalid: [Record<string, unknown>, RegExp][] = [
      [{ name: "Bad Name", provider: "x", secret: "s3cr3t-value-1" }, /^input\.name: must be lowercase letters/],
      [{ name: "ok.name", provider: " ", secret: "s3cr3t-value-2" }, /^input\.provider: must not be empty/],
      [{ name: "ok.name", provider: "x", secret: "" }, /^input\.secret: must not be empty/],
      [{ name: "ok.name", provider: "x", secret: "s".repeat(65_537) }, /^input\.secret: must be at most 65536 characters/],
    ];
    for (const [input, message] of invalid) {
      const res = await gateway.gql(PUT, { input });
      expect(res.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(res.body.errors?.[0]?.message).toMatch(message);
      if (input.secret) expect(JSON.stringify(res.body)).not.toContain(input.secret);
    }
    expect((await gateway.gql(REVEAL, { name: "shopify.admin", reason: "  " })).body.errors?.[0]?.message).toMatch(/^reason: must not be empty/);
    // Refused by the database (NUL in text) after the secret was sealed: the error is masked and logged, the secret in neither.
    const refused = await gateway.gql(PUT, { input: { name: "db.refuses", provider: "x", description: "bad \u0000", secret: "s3cr3t-value-3" } });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(JSON.stringify(refused.body)).not.toContain("s3cr3t-value-3");
    // One operation: the write succeeds, then the reveal fails, so the write and its audit row roll back too.
    const both = await gateway.gql(
      `mutation($input: PutCredentialInput!) { putCredential(input: $input) { id } revealCredential(name: "no.such", reason: "x") { secret } }`,
      { input: { name: "rolled.back", provider: "x", secret: "never-stored-secret" } },
    );
    expect(both.body.data).toBeNull();
    expect(await storedRow("rolled.back")).toBeUndefined();
    expect(await auditCount()).toBe(count);
  });

  test("tampering in the table (ciphertext, tag, nonce, name, swapped rows) fails with VAULT_DECRYPT_FAILED: no garbage, no audit row", async () => {
    await put("tamper.target");
    await put("tamper.other");
    const original = await storedRow("tamper.target");
    const other = await storedRow("tamper.other");
    const restore = () =>
      db.pool.query("update creds_meta set name = 'tamper.target', ciphertext = $2, nonce = $3, auth_tag = $4 where id = $1", [
        original.id,
        original.ciphertext,
        original.nonce,
        original.auth_tag,
      ]);
    const flip = (b: Buffer) => Buffer.from(b.map((x, i) => (i === 0 ? x ^ 0x80 : x)));
    const edits: [string, string, unknown[]][] = [
      ["ciphertext", "update creds_meta set ciphertext = $2 where id = $1", [flip(original.ciphertext)]],
      ["auth tag", "update creds_meta set auth_tag = $2 where id = $1", [flip(original.auth_tag)]],
      ["nonce", "update creds_meta set nonce = $2 where id = $1", [flip(original.nonce)]],
      [
        "another row's ciphertext",
        "update creds_meta set ciphertext = $2, nonce = $3, auth_tag = $4 where id = $1",
        [other.ciphertext, other.nonce, other.auth_tag],
      ],
    ];
    for (const [what, sql, params] of edits) {
      await db.pool.query(sql, [original.id, ...params]);
      const count = await auditCount();
      const res = await reveal("tamper.target");
      expect(res.body.errors?.[0]?.extensions?.code, what).toBe("VAULT_DECRYPT_FAILED");
      expect(res.body.errors?.[0]?.message).toMatch(/^Credential "tamper.target" could not be decrypted/);
      expect(res.body.data).toBeNull();
      expect(await auditCount()).toBe(count);
      expect((await storedRow("tamper.target")).last_accessed_at).toBeNull(); // the stamp rolled back too
      await restore();
    }
    // The name is authenticated: the same ciphertext under another name does not open.
    await db.pool.query("update creds_meta set name = 'tamper.renamed' where id = $1", [original.id]);
    expect((await reveal("tamper.renamed")).body.errors?.[0]?.extensions?.code).toBe("VAULT_DECRYPT_FAILED");
    await restore();
    expect((await reveal("tamper.target")).body.data.revealCredential.secret).toBe(secrets.get("tamper.target"));
  });

  test("a key the vault does not hold is VAULT_KEY_UNKNOWN; no key at all is VAULT_UNAVAILABLE (metadata stays readable)", async () => {
    configureVault(ringB());
    const wrong = await reveal("shopify.admin");
    expect(wrong.body.errors?.[0]?.extensions?.code).toBe("VAULT_KEY_UNKNOWN");
    expect(wrong.body.errors?.[0]?.message).toMatch(new RegExp(`encrypted with key ${ID_A}`));

    configureVault(null);
    const count = await auditCount();
    for (const [query, variables] of [
      [REVEAL, { name: "shopify.admin", reason: "x" }],
      [PUT, { input: { name: "new.one", provider: "x", secret: "unstorable-secret" } }],
      [ROTATE, {}],
    ] as const) {
      const res = await gateway.gql(query, variables);
      expect(res.body.errors?.[0]?.extensions?.code).toBe("VAULT_UNAVAILABLE");
      expect(res.body.errors?.[0]?.message).toMatch(/The credentials vault is unavailable: CREDS_ENCRYPTION_KEY is not set/);
    }
    expect(await auditCount()).toBe(count);
    const listed = await gateway.gql(`{ credentials { totalCount } }`);
    expect(listed.body.data.credentials.totalCount).toBeGreaterThan(0);
    expect((await gateway.gql(DELETE, { name: "tamper.other" })).body.data.deleteCredential.name).toBe("tamper.other");
  });
});

describe("credentials search is literal (D9)", () => {
  beforeAll(() => configureVault(ringA()));

  test("_ in a name search matches only names that contain it; a_b does not match axb; % matches nothing", async () => {
    for (const name of ["d9.a_b", "d9.axb", "d9.plain"]) expect((await put(name, { provider: "d9literal" })).body.errors).toBeUndefined();
    const found = async (search: string) => {
      const res = await gateway.gql(`query($filter: CredentialFilter) { credentials(filter: $filter, first: 50) { edges { node { name } } } }`, {
        filter: { provider: "d9literal", search },
      });
      expect(res.body.errors).toBeUndefined();
      return res.body.data.credentials.edges.map((e: { node: { name: string } }) => e.node.name);
    };
    expect(await found("a_b")).toEqual(["d9.a_b"]);
    expect(await found("_")).toEqual(["d9.a_b"]);
    expect(await found("%")).toEqual([]);
    expect(await found("d9.%")).toEqual([]);
    expect(await found("D9.A")).toEqual(["d9.a_b", "d9.axb"]);
    for (const name of ["d9.a_b", "d9.axb", "d9.plain"]) await gateway.gql(DELETE, { name });
  });
});

describe("key rotation", () => {
  beforeAll(async () => {
    configureVault(ringA());
    // Rotation works on the whole table: start from a clean slate.
    await db.pool.query("delete from creds_meta");
    secrets.clear();
  });

  test("old rows stay readable with the previous key; rotation moves every row to the new key id, audited per credential", async () => {
    for (const name of ["rot.a", "rot.b", "rot.c"]) expect((await put(name)).body.errors).toBeUndefined();
    configureVault(ringBReadingA());
    expect((await put("rot.new")).body.data.putCredential.keyId).toBe(ID_B);
    expect((await reveal("rot.a")).body.data.revealCredential).toMatchObject({ secret: secrets.get("rot.a"), keyId: ID_A });

    const onA = await gateway.gql(`query($k: String) { credentials(filter: { keyId: $k }) { totalCount } }`, { k: ID_A });
    expect(onA.body.data.credentials.totalCount).toBe(3);

    const before = await auditCount();
    const rotation = await gateway.gql(ROTATE, {}, { sub: "ops-lead" });
    expect(rotation.body.errors).toBeUndefined();
    expect(rotation.body.data.rotateCredentialKey).toEqual({ keyId: ID_B, rotated: ["rot.a", "rot.b", "rot.c"], alreadyCurrent: 1 });
    const { rows } = await db.pool.query("select name, key_id, last_rotated_at from creds_meta order by name");
    expect(rows.map((r) => r.key_id)).toEqual([ID_B, ID_B, ID_B, ID_B]);
    expect(rows.filter((r) => r.name !== "rot.new").every((r) => r.last_rotated_at instanceof Date)).toBe(true);
    const audit = (await auditRows()).slice(before);
    expect(audit.map((r) => [r.action, r.externalRef, r.actor, r.rationale, r.payload.fromKeyId, r.payload.keyId])).toEqual([
      ["credential.rotate", "creds_meta:rot.a", "ops-lead", "scheduled rotation", ID_A, ID_B],
      ["credential.rotate", "creds_meta:rot.b", "ops-lead", "scheduled rotation", ID_A, ID_B],
      ["credential.rotate", "creds_meta:rot.c", "ops-lead", "scheduled rotation", ID_A, ID_B],
    ]);

    // The old key can now be retired: everything opens with the new key alone.
    configureVault(ringB());
    for (const name of ["rot.a", "rot.b", "rot.c", "rot.new"]) {
      expect((await reveal(name)).body.data.revealCredential.secret).toBe(secrets.get(name));
    }
    // Nothing left to do: a second rotation changes nothing and logs nothing.
    const count = await auditCount();
    expect((await gateway.gql(ROTATE)).body.data.rotateCredentialKey).toEqual({ keyId: ID_B, rotated: [], alreadyCurrent: 4 });
    expect(await auditCount()).toBe(count);
  });

  test("a row that fails to decrypt aborts the whole rotation: nothing re-encrypted, nothing audited", async () => {
    configureVault(ringB());
    const keyC = randomBytes(32).toString("base64");
    const ringCReadingB = loadVaultKeys({ CREDS_ENCRYPTION_KEY: keyC, CREDS_PREVIOUS_KEYS: KEY_B });
    // rot.b sorts between healthy rows, so some rows would already be rewritten if this were not atomic.
    const tag = (await storedRow("rot.b")).auth_tag as Buffer;
    await db.pool.query("update creds_meta set auth_tag = $1 where name = 'rot.b'", [Buffer.from(tag.map((x) => x ^ 0xff))]);
    const snapshot = async () =>
      (await db.pool.query("select name, key_id, ciphertext, nonce, auth_tag, last_rotated_at from creds_meta order by name")).rows;
    const before = await snapshot();
    const count = await auditCount();

    configureVault(ringCReadingB);
    const res = await gateway.gql(ROTATE);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("VAULT_DECRYPT_FAILED");
    expect(res.body.errors?.[0]?.message).toMatch(/^Credential "rot.b" could not be decrypted/);
    expect(res.body.data).toBeNull();
    expect(await snapshot()).toEqual(before);
    expect(await auditCount()).toBe(count);

    // Same for a row on a key the vault no longer has.
    await db.pool.query("update creds_meta set auth_tag = $1 where name = 'rot.b'", [tag]);
    const { rows } = await db.pool.query("update creds_meta set key_id = 'ffffffffffffffff' where name = 'rot.c' returning 1");
    expect(rows).toHaveLength(1);
    const unknown = await gateway.gql(ROTATE);
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe("VAULT_KEY_UNKNOWN");
    expect((await snapshot()).filter((r) => r.key_id === ID_B).map((r) => r.name)).toEqual(["rot.a", "rot.b", "rot.new"]);
  });
});

// ───────────────────────────── access ─────────────────────────────

describe("access: service_role only, in GraphQL and in the database", () => {
  const operations: [string, string, Record<string, unknown>][] = [
    ["credentials", `{ credentials { totalCount } }`, {}],
    ["credential", `{ credential(name: "rot.a") { id } }`, {}],
    ["putCredential", PUT, { input: { name: "intruder", provider: "x", secret: "intruder-secret" } }],
    ["revealCredential", REVEAL, { name: "rot.a", reason: "curious" }],
    ["deleteCredential", DELETE, { name: "rot.a" }],
    ["rotateCredentialKey", ROTATE, {}],
  ];

  test("authenticated gets FORBIDDEN and anon UNAUTHENTICATED for every vault field, with nothing read, written or audited", async () => {
    configureVault(ringB());
    const before = (await db.pool.query("select name, key_id, last_accessed_at, updated_at from creds_meta order by name")).rows;
    const count = await auditCount();
    for (const [field, query, variables] of operations) {
      for (const [role, code] of [
        ["authenticated", "FORBIDDEN"],
        ["anon", "UNAUTHENTICATED"],
      ] as const) {
        const res = await gateway.gql(query, variables, { role });
        expect(
          res.body.errors?.map((e) => e.extensions?.code),
          `${role} ${field}`,
        ).toEqual([code]);
        expect(JSON.stringify(res.body)).not.toContain(secrets.get("rot.a"));
      }
    }
    expect((await db.pool.query("select name, key_id, last_accessed_at, updated_at from creds_meta order by name")).rows).toEqual(before);
    expect(await auditCount()).toBe(count);
  });

  test("the database itself refuses authenticated and anon every operation on creds_meta", async () => {
    const client = await db.pool.connect();
    try {
      for (const role of ["authenticated", "anon"]) {
        for (const sql of [
          "select * from creds_meta",
          "insert into creds_meta (name, provider, ciphertext, nonce, auth_tag, key_id) values ('x', 'x', '\\x00', '\\x000000000000000000000000', '\\x00000000000000000000000000000000', 'k')",
          "update creds_meta set provider = 'x'",
          "delete from creds_meta",
        ]) {
          await client.query("begin");
          await client.query(`set local role ${role}`);
          await expect(client.query(sql), `${role}: ${sql}`).rejects.toMatchObject({ code: "42501" });
          await client.query("rollback");
        }
      }
    } finally {
      client.release();
    }
  });
});

describe("secrets never reach the logs", () => {
  test("no secret used in this file appears in anything the gateway wrote to stdout or stderr", () => {
    const logged = output.join("");
    expect(secrets.size).toBeGreaterThan(0);
    for (const secret of [...secrets.values(), "never-stored-secret", "unstorable-secret", "intruder-secret", "s3cr3t-value-1", "s3cr3t-value-3"]) {
      expect(logged.includes(secret), "a secret was logged").toBe(false);
    }
  });
});
