// Supabase's asymmetric keys, with real keys: ES256 and RS256 key pairs made here, a loopback HTTP
// server standing in for the project's /auth/v1/.well-known/jwks.json (it counts its requests), and
// src/context/jwks.ts + src/context/auth.ts on top; then the real gateway reading the dashboard.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { GraphQLError } from "graphql";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK, type JWTPayload } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../src/config.ts";
import { createAuthenticator, signDevToken, type AuthFailureReason } from "../src/context/auth.ts";
import { cacheLifetimeMs, createSigningKeys, type KeySetTiming, type SigningKeys } from "../src/context/jwks.ts";
import { createDatabase, type Database } from "../src/db/client.ts";
import { createLogger } from "../src/logger.ts";
import { schema } from "../src/schema/index.ts";
import { createGateway, type Gateway } from "../src/server.ts";
import { bannerUrl, runEntryPoint } from "./support/entry-point.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";
import { configProblems } from "./support/config.ts";

const SECRET = "jwks-test-legacy-secret-0123456789-abcdefgh";
const JWKS_PATH = "/auth/v1/.well-known/jwks.json";
const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Short cooldown so rotation and retries are quick to test; the bounds below stay generous. */
const TIMING: Partial<KeySetTiming> = { cooldownMs: 300, timeoutMs: 2_000 };

interface TestKey {
  kid: string;
  alg: "ES256" | "RS256";
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function makeKey(alg: "ES256" | "RS256", kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  // The shape Supabase publishes: kid, alg, use and key_ops next to the public key.
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig", key_ops: ["verify"], ext: true };
  return { kid, alg, privateKey, publicKey, jwk };
}

/** A stand-in for the project's JWKS endpoint. */
class JwksServer {
  hits = 0;
  keys: JWK[] = [];
  down = false;
  cacheControl: string | undefined;
  private server: Server = createServer((req, res) => {
    if (req.url !== JWKS_PATH) return void res.writeHead(404).end();
    this.hits++;
    if (this.down) return void res.writeHead(503).end("down");
    res.writeHead(200, { "content-type": "application/json", ...(this.cacheControl && { "cache-control": this.cacheControl }) });
    res.end(JSON.stringify({ keys: this.keys } satisfies JSONWebKeySet));
  });
  origin = "";
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  get url() {
    return `${this.origin}${JWKS_PATH}`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A loopback port nobody listens on (fetch refuses some well-known ports outright, so not 9 or 1). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Waits (generously) until `check` holds; fails with `what` otherwise. */
async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

let server: JwksServer;
let es: TestKey;
let rs: TestKey;
let issuer: string;
const opened: SigningKeys[] = [];

beforeAll(async () => {
  [es, rs] = await Promise.all([makeKey("ES256", "es-1"), makeKey("RS256", "rs-1")]);
  server = await new JwksServer().start();
  server.keys = [es.jwk, rs.jwk];
  issuer = `${server.origin}/auth/v1`;
});
afterAll(async () => {
  await server?.stop();
});
afterEach(() => {
  for (const keys of opened.splice(0)) keys.close();
  server.down = false;
  server.cacheControl = undefined;
  server.keys = [es.jwk, rs.jwk];
});

/** A key set on the loopback server, warmed up, plus an authenticator using it (and optionally the secret). */
async function keySet(options: { secret?: string; timing?: Partial<KeySetTiming> } = {}) {
  const keys = createSigningKeys({ kind: "url", url: server.url }, { timing: { ...TIMING, ...options.timing }, logger: createLogger("silent") });
  opened.push(keys);
  await keys.ready();
  const authenticate = createAuthenticator({ secret: options.secret ?? null, keys, issuer, audience: "authenticated" });
  return { keys, authenticate };
}

/** A session token as Supabase Auth issues it, signed with `key`; `claims` override (undefined removes). */
function session(key: Pick<TestKey, "alg" | "kid" | "privateKey">, claims: JWTPayload = {}, header: Record<string, unknown> = {}): Promise<string> {
  const payload: JWTPayload = {
    iss: issuer,
    aud: "authenticated",
    sub: "5b0c7c1e-0000-4000-8000-000000000001",
    role: "authenticated",
    aal: "aal1",
    session_id: "s-1",
    is_anonymous: false,
    iat: now(),
    exp: now() + 3600,
    ...claims,
  };
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...header }).sign(key.privateKey);
}

async function rejection(promise: Promise<unknown>): Promise<{ code: unknown; reason: unknown; status: unknown }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GraphQLError);
  const { code, reason, http } = (error as GraphQLError).extensions as { code: unknown; reason: unknown; http?: { status?: unknown } };
  return { code, reason, status: http?.status };
}
const unauthenticated = (reason: AuthFailureReason) => ({ code: "UNAUTHENTICATED", reason, status: 401 });
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("the key set", () => {
  test("ES256 and RS256 session tokens verify; the viewer has role, subject, claims and expiresAt", async () => {
    const { authenticate } = await keySet();
    for (const key of [es, rs]) {
      const token = await session(key, { sub: `user-${key.alg}` });
      const viewer = await authenticate(`Bearer ${token}`);
      expect(viewer).toMatchObject({ role: "authenticated", subject: `user-${key.alg}`, claims: { iss: issuer, aud: "authenticated", aal: "aal1" } });
      expect(viewer.expiresAt).toBe((viewer.claims.exp as number) * 1000);
    }
  });

  test("fetched once at start (the warm-up), never per request", async () => {
    const before = server.hits;
    const { keys, authenticate } = await keySet();
    expect(server.hits).toBe(before + 1);
    expect(keys.health()).toMatchObject({ status: "FRESH", keys: 2, lastError: null });
    const tokens = await Promise.all([es, rs, es, rs].map((key) => session(key)));
    for (let i = 0; i < 25; i++) await Promise.all(tokens.map((t) => authenticate(`Bearer ${t}`)));
    expect(server.hits).toBe(before + 1);
  });

  test("a rotated key (added to the set) is picked up without a restart", async () => {
    const { keys, authenticate } = await keySet();
    const next = await makeKey("ES256", "es-2");
    server.keys = [es.jwk, rs.jwk, next.jwk];
    await sleep(400); // past the cooldown after the warm-up fetch
    const hits = server.hits;
    const viewer = await authenticate(`Bearer ${await session(next, { sub: "after-rotation" })}`);
    expect(viewer.subject).toBe("after-rotation");
    expect(server.hits).toBe(hits + 1); // the unknown kid made one refetch
    expect(keys.health().keys).toBe(3);
    // The old key is still in the set, so its tokens keep working, without another fetch.
    await authenticate(`Bearer ${await session(es)}`);
    expect(server.hits).toBe(hits + 1);
  });

  test("a key removed from the set stops verifying after the next refresh", async () => {
    const { authenticate } = await keySet();
    server.keys = [es.jwk];
    await sleep(400);
    // An unknown kid triggers the refresh; the RS256 key is gone from the new set.
    await rejection(authenticate(`Bearer ${await session({ ...es, kid: "nobody" })}`));
    expect(await rejection(authenticate(`Bearer ${await session(rs)}`))).toEqual(unauthenticated("UNKNOWN_KEY"));
  });

  test("an unknown kid: UNKNOWN_KEY, and a flood of them costs the endpoint at most one request per cooldown", async () => {
    const { authenticate } = await keySet({ timing: { cooldownMs: 3_000 } });
    const start = server.hits;
    const flood = async () => {
      const tokens = await Promise.all(Array.from({ length: 40 }, (_, i) => session({ ...es, kid: `bad-${Math.random()}-${i}` })));
      const results = await Promise.all(tokens.map((t) => rejection(authenticate(`Bearer ${t}`))));
      for (const result of results) expect(result).toEqual(unauthenticated("UNKNOWN_KEY"));
    };
    await flood(); // within the cooldown after the warm-up: no fetch at all
    await flood();
    expect(server.hits - start).toBeLessThanOrEqual(1);
    await sleep(3_200);
    await flood(); // past the cooldown: one refetch for the whole flood
    await flood();
    expect(server.hits - start).toBeGreaterThanOrEqual(1);
    expect(server.hits - start).toBeLessThanOrEqual(2);
  });

  test("endpoint down: cached keys keep working, unknown kids get 503 without hammering it, STALE until it is back", async () => {
    const { keys, authenticate } = await keySet({ timing: { cooldownMs: 2_000 } });
    server.down = true;
    await sleep(2_100);
    const hits = server.hits;
    // A refresh attempt (an unknown kid after the cooldown) fails: 503, the token cannot be judged.
    expect(await rejection(authenticate(`Bearer ${await session({ ...es, kid: "new-kid" })}`))).toEqual({
      code: "SIGNING_KEYS_UNAVAILABLE",
      reason: undefined,
      status: 503,
    });
    expect(keys.health()).toMatchObject({ status: "STALE", keys: 2, lastError: "HTTP 503" });
    // Known keys keep verifying, and a flood of unknown kids right after the failure makes no request.
    expect((await authenticate(`Bearer ${await session(es)}`)).role).toBe("authenticated");
    expect((await authenticate(`Bearer ${await session(rs)}`)).role).toBe("authenticated");
    const tokens = await Promise.all(Array.from({ length: 30 }, (_, i) => session({ ...es, kid: `flood-${i}` })));
    await Promise.all(tokens.map((t) => rejection(authenticate(`Bearer ${t}`))));
    expect(server.hits - hits).toBeLessThanOrEqual(2); // the failed attempt, at most one scheduled retry
    // Back up: the scheduled retry (every cooldown while failing) brings it back without any token.
    server.down = false;
    await eventually("the key set is fresh again", () => keys.health().status === "FRESH");
    expect(keys.health().lastError).toBeNull();
  });

  test("no key ever loaded: UNAVAILABLE, tokens get 503, retried on a schedule, not per request", async () => {
    server.down = true;
    const { keys, authenticate } = await keySet({ timing: { cooldownMs: 2_000 } });
    expect(keys.health()).toMatchObject({ status: "UNAVAILABLE", keys: 0, loadedAt: null });
    const hits = server.hits;
    const tokens = await Promise.all(Array.from({ length: 20 }, () => session(es)));
    for (const token of tokens) expect((await rejection(authenticate(`Bearer ${token}`))).code).toBe("SIGNING_KEYS_UNAVAILABLE");
    expect(server.hits - hits).toBeLessThanOrEqual(1);
    server.down = false;
    await eventually("the key set loads", () => keys.health().status === "FRESH");
    expect((await authenticate(`Bearer ${await session(es)}`)).role).toBe("authenticated");
  });

  test("a project still on the legacy secret publishes an empty set: loaded (not an outage), ES256 tokens UNKNOWN_KEY", async () => {
    server.keys = [];
    const keys = createSigningKeys({ kind: "url", url: server.url }, { timing: TIMING });
    opened.push(keys);
    expect(await keys.ready()).toMatchObject({ status: "FRESH", keys: 0 });
    const authenticate = createAuthenticator({ secret: SECRET, keys, issuer });
    expect(await rejection(authenticate(`Bearer ${await session(es)}`))).toEqual(unauthenticated("UNKNOWN_KEY"));
    expect((await authenticate(`Bearer ${await signDevToken(SECRET, "service_role")}`)).role).toBe("service_role");
  });

  test("a response that is not a JWKS is a failed load", async () => {
    server.keys = "nope" as unknown as JWK[];
    const keys = createSigningKeys({ kind: "url", url: server.url }, { timing: TIMING });
    opened.push(keys);
    expect(await keys.ready()).toMatchObject({ status: "UNAVAILABLE", lastError: 'the response is not a JWKS ({"keys":[…]})' });
  });

  test("Cache-Control max-age sets the refresh interval (clamped to cooldown … 10 minutes)", async () => {
    server.cacheControl = "public, max-age=1";
    const before = server.hits;
    await keySet();
    await eventually("a refresh after max-age", () => server.hits >= before + 3, 15_000);
    expect(cacheLifetimeMs(null, { cooldownMs: 30_000, maxAgeMs: 600_000 })).toBe(600_000);
    expect(cacheLifetimeMs("public, max-age=120", { cooldownMs: 30_000, maxAgeMs: 600_000 })).toBe(120_000);
    expect(cacheLifetimeMs("max-age=86400", { cooldownMs: 30_000, maxAgeMs: 600_000 })).toBe(600_000);
    expect(cacheLifetimeMs("max-age=0", { cooldownMs: 30_000, maxAgeMs: 600_000 })).toBe(30_000);
    expect(cacheLifetimeMs("no-store", { cooldownMs: 30_000, maxAgeMs: 600_000 })).toBe(30_000);
  });

  test("without Cache-Control, no refresh before 10 minutes", async () => {
    const before = server.hits;
    await keySet();
    await sleep(1_500);
    expect(server.hits).toBe(before + 1);
  });
});

describe("forged and wrong tokens", () => {
  test("kid of one key, signature of another: INVALID_SIGNATURE", async () => {
    const { authenticate } = await keySet();
    const stranger = await makeKey("ES256", "stranger");
    expect(await rejection(authenticate(`Bearer ${await session({ ...stranger, kid: es.kid })}`))).toEqual(unauthenticated("INVALID_SIGNATURE"));
    const rsStranger = await makeKey("RS256", "rs-stranger");
    expect(await rejection(authenticate(`Bearer ${await session({ ...rsStranger, kid: rs.kid })}`))).toEqual(unauthenticated("INVALID_SIGNATURE"));
  });

  test("alg none (with a real kid): UNSUPPORTED_ALGORITHM", async () => {
    const { authenticate } = await keySet({ secret: SECRET });
    const token = `${b64url({ alg: "none", typ: "JWT", kid: es.kid })}.${b64url({ iss: issuer, aud: "authenticated", role: "service_role", exp: now() + 3600 })}.`;
    expect(await rejection(authenticate(`Bearer ${token}`))).toEqual(unauthenticated("UNSUPPORTED_ALGORITHM"));
  });

  test("HS256 signed with the public key: UNSUPPORTED_ALGORITHM without a secret, INVALID_SIGNATURE with one", async () => {
    const forge = async (secret: Uint8Array, kid: string) =>
      new SignJWT({ iss: issuer, aud: "authenticated", role: "service_role", exp: now() + 3600 })
        .setProtectedHeader({ alg: "HS256", kid })
        .sign(secret);
    const pem = new TextEncoder().encode(await exportSPKI(rs.publicKey));
    const jwkBytes = new TextEncoder().encode(JSON.stringify(es.jwk));
    const jwksOnly = await keySet();
    const both = await keySet({ secret: SECRET });
    for (const token of [await forge(pem, rs.kid), await forge(jwkBytes, es.kid)]) {
      expect(await rejection(jwksOnly.authenticate(`Bearer ${token}`))).toEqual(unauthenticated("UNSUPPORTED_ALGORITHM"));
      expect(await rejection(both.authenticate(`Bearer ${token}`))).toEqual(unauthenticated("INVALID_SIGNATURE"));
    }
  });

  test("an ES256 header naming the RSA key, other asymmetric algorithms", async () => {
    const { authenticate } = await keySet();
    // The RSA key cannot serve ES256: no matching key (the set has no EC key with that kid).
    expect((await rejection(authenticate(`Bearer ${await session({ ...es, kid: rs.kid })}`))).reason).toBe("UNKNOWN_KEY");
    const ps = await generateKeyPair("PS256");
    const psToken = await new SignJWT({ iss: issuer, aud: "authenticated", role: "authenticated", exp: now() + 60 })
      .setProtectedHeader({ alg: "PS256", kid: rs.kid })
      .sign(ps.privateKey);
    expect(await rejection(authenticate(`Bearer ${psToken}`))).toEqual(unauthenticated("UNSUPPORTED_ALGORITHM"));
  });

  const WRONG: Array<[string, JWTPayload, AuthFailureReason]> = [
    ["another project's issuer", { iss: "https://other.supabase.co/auth/v1" }, "INVALID_ISSUER"],
    ["the legacy issuer on an asymmetric token", { iss: "supabase" }, "INVALID_ISSUER"],
    ["no issuer", { iss: undefined }, "INVALID_ISSUER"],
    ["another audience", { aud: "other" }, "INVALID_AUDIENCE"],
    ["no audience", { aud: undefined }, "INVALID_AUDIENCE"],
    ["no audience, service_role (API-key shape is HS256 only)", { aud: undefined, role: "service_role" }, "INVALID_AUDIENCE"],
    ["issued in the future (D10)", { iat: now() + 3600 }, "TOKEN_ISSUED_IN_FUTURE"],
    ["not valid yet", { nbf: now() + 600 }, "TOKEN_NOT_YET_VALID"],
    ["expired", { exp: now() - 60 }, "TOKEN_EXPIRED"],
    ["no exp", { exp: undefined }, "INVALID_CLAIMS"],
    ["an unknown role", { role: "supabase_admin" }, "UNSUPPORTED_ROLE"],
  ];
  test.each(WRONG)("%s: UNAUTHENTICATED %s", async (_name, claims, reason) => {
    const { authenticate } = await keySet();
    expect(await rejection(authenticate(`Bearer ${await session(es, claims)}`))).toEqual(unauthenticated(reason));
  });

  test("the audience may be a list that contains ours; iat within the clock tolerance is fine", async () => {
    const { authenticate } = await keySet();
    expect((await authenticate(`Bearer ${await session(rs, { aud: ["other", "authenticated"], iat: now() + 2 })}`)).role).toBe("authenticated");
  });
});

describe("other key sources and the legacy secret beside them", () => {
  test("an inline JWKS verifies without any fetch", async () => {
    const keys = createSigningKeys({ kind: "inline", jwks: { keys: [es.jwk] } });
    const authenticate = createAuthenticator({ keys, issuer, audience: "authenticated" });
    expect((await authenticate(`Bearer ${await session(es)}`)).role).toBe("authenticated");
    expect(keys.health()).toMatchObject({ status: "FRESH", source: "inline", keys: 1 });
  });

  test("a JWKS file: read at start, an edited file is picked up on an unknown kid", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "jwks-"));
    try {
      const file = path.join(dir, "jwks.json");
      writeFileSync(file, JSON.stringify({ keys: [es.jwk] }));
      const keys = createSigningKeys({ kind: "file", path: file }, { timing: TIMING });
      opened.push(keys);
      expect(await keys.ready()).toMatchObject({ status: "FRESH", keys: 1, source: file });
      const authenticate = createAuthenticator({ keys, issuer });
      expect((await authenticate(`Bearer ${await session(es)}`)).role).toBe("authenticated");
      writeFileSync(file, JSON.stringify({ keys: [es.jwk, rs.jwk] }));
      await sleep(400);
      expect((await authenticate(`Bearer ${await session(rs)}`)).role).toBe("authenticated");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("with both configured, legacy HS256 tokens and API keys still work; asymmetric tokens never use the secret", async () => {
    const { authenticate } = await keySet({ secret: SECRET });
    const hs = (payload: JWTPayload) => new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(SECRET));
    // A legacy session token of this project (its issuer) and one with issuer "supabase".
    expect(
      (await authenticate(`Bearer ${await hs({ iss: issuer, aud: "authenticated", role: "authenticated", sub: "u1", exp: now() + 60 })}`)).subject,
    ).toBe("u1");
    expect((await authenticate(`Bearer ${await signDevToken(SECRET, "authenticated", { sub: "u2" })}`)).subject).toBe("u2");
    // The legacy API keys: issuer supabase, no audience.
    const serviceKey = await hs({ iss: "supabase", ref: "abc", role: "service_role", iat: now() - 86_400, exp: now() + 10 * 365 * 86_400 });
    expect((await authenticate(`Bearer ${serviceKey}`)).role).toBe("service_role");
    const anonKey = await hs({ iss: "supabase", ref: "abc", role: "anon", iat: now() - 86_400, exp: now() + 10 * 365 * 86_400 });
    expect(await authenticate(`Bearer ${anonKey}`)).toMatchObject({ role: "anon", subject: null });
    // Another issuer, or a session token without audience, is refused on the legacy path too.
    expect(
      (
        await rejection(
          authenticate(`Bearer ${await hs({ iss: "https://evil.example/auth/v1", aud: "authenticated", role: "authenticated", exp: now() + 60 })}`),
        )
      ).reason,
    ).toBe("INVALID_ISSUER");
    expect((await rejection(authenticate(`Bearer ${await hs({ iss: "supabase", role: "authenticated", exp: now() + 60 })}`))).reason).toBe(
      "INVALID_AUDIENCE",
    );
  });
});

describe("configuration", () => {
  const DB = "postgres://x@localhost/db";
  test("SUPABASE_URL alone suffices with DATABASE_URL: the project's JWKS and issuer", () => {
    const config = loadConfig({ DATABASE_URL: DB, SUPABASE_URL: "https://abcd.supabase.co/" });
    expect(config.tokens).toMatchObject({
      jwks: { kind: "url", url: "https://abcd.supabase.co/auth/v1/.well-known/jwks.json" },
      issuer: "https://abcd.supabase.co/auth/v1",
      audience: "authenticated",
    });
    expect(config).toMatchObject({ jwtSecret: null, jwtSecretSource: "none", printDevTokens: false });
  });

  test("SUPABASE_JWKS_URL overrides the address; JWT_ISSUER and JWT_AUDIENCE override the claims", () => {
    const config = loadConfig({
      DATABASE_URL: DB,
      SUPABASE_URL: "https://abcd.supabase.co",
      SUPABASE_JWKS_URL: "http://auth:9999/.well-known/jwks.json",
      JWT_ISSUER: "http://localhost:8000/auth/v1",
      JWT_AUDIENCE: "dashboard",
    });
    expect(config.tokens).toMatchObject({
      jwks: { kind: "url", url: "http://auth:9999/.well-known/jwks.json" },
      issuer: "http://localhost:8000/auth/v1",
      audience: "dashboard",
    });
  });

  test("an inline JWKS and a JWKS file (air-gapped)", () => {
    const inline = loadConfig({ DATABASE_URL: DB, SUPABASE_URL: "https://abcd.supabase.co", SUPABASE_JWKS: JSON.stringify({ keys: [es.jwk] }) });
    expect(inline.tokens.jwks).toEqual({ kind: "inline", jwks: { keys: [es.jwk] } });
    const dir = mkdtempSync(path.join(tmpdir(), "jwks-config-"));
    try {
      const file = path.join(dir, "jwks.json");
      writeFileSync(file, JSON.stringify({ keys: [rs.jwk] }));
      expect(loadConfig({ DATABASE_URL: DB, SUPABASE_JWKS_FILE: file, JWT_ISSUER: issuer }).tokens.jwks).toEqual({ kind: "file", path: file });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const problems = configProblems;

  test("neither a key set nor the secret with DATABASE_URL: one clear message", () => {
    expect(problems({ DATABASE_URL: DB })).toEqual([
      expect.stringMatching(/^SUPABASE_URL or SUPABASE_JWT_SECRET: one is required when DATABASE_URL is set/),
    ]);
  });

  test("bad key sets are configuration errors", () => {
    expect(problems({ DATABASE_URL: DB, SUPABASE_URL: "abcd.supabase.co" })).toEqual([
      expect.stringMatching(/^SUPABASE_URL: must be an http\(s\) URL/),
    ]);
    expect(problems({ DATABASE_URL: DB, SUPABASE_URL: "https://a.supabase.co", SUPABASE_JWKS: "{not json" })).toEqual([
      expect.stringMatching(/^SUPABASE_JWKS: is not valid JSON/),
    ]);
    expect(problems({ DATABASE_URL: DB, SUPABASE_URL: "https://a.supabase.co", SUPABASE_JWKS: '{"keys":[]}' })).toEqual([
      "SUPABASE_JWKS: has no keys",
    ]);
    expect(
      problems({ DATABASE_URL: DB, SUPABASE_URL: "https://a.supabase.co", SUPABASE_JWKS: JSON.stringify({ keys: [{ kty: "oct", k: "c2VjcmV0" }] }) }),
    ).toEqual([expect.stringMatching(/^SUPABASE_JWKS: every key must be an EC or RSA public key/)]);
    expect(
      problems({ DATABASE_URL: DB, SUPABASE_URL: "https://a.supabase.co", SUPABASE_JWKS: JSON.stringify({ keys: [{ ...es.jwk, d: "private" }] }) }),
    ).toEqual(["SUPABASE_JWKS: holds private key material: give only the public keys"]);
    expect(problems({ DATABASE_URL: DB, SUPABASE_JWKS_FILE: "/nonexistent/jwks.json", JWT_ISSUER: issuer })).toEqual([
      expect.stringMatching(/^SUPABASE_JWKS_FILE: cannot read \/nonexistent\/jwks.json \(ENOENT\)/),
    ]);
    expect(
      problems({ DATABASE_URL: DB, SUPABASE_JWKS_URL: server.url, SUPABASE_JWKS: JSON.stringify({ keys: [es.jwk] }), JWT_ISSUER: issuer }),
    ).toEqual(["SUPABASE_JWKS, SUPABASE_JWKS_URL: set only one of them (each names the whole key set)"]);
    expect(problems({ DATABASE_URL: DB, SUPABASE_JWKS_URL: server.url })).toEqual([
      expect.stringMatching(/^JWT_ISSUER: required with a key set but no SUPABASE_URL/),
    ]);
    expect(problems({ DATABASE_URL: DB, SUPABASE_URL: "https://a.supabase.co", PRINT_DEV_TOKENS: "true" })).toEqual([
      "PRINT_DEV_TOKENS: development tokens are HS256 and need SUPABASE_JWT_SECRET",
    ]);
  });

  test("embedded mode with only SUPABASE_URL: no public development secret, no dev tokens", () => {
    const config = loadConfig({ SUPABASE_URL: "https://abcd.supabase.co" });
    expect(config).toMatchObject({ jwtSecret: null, jwtSecretSource: "none", printDevTokens: false, warnings: [] });
  });
});

// ─────────────── the real gateway against the loopback stand-in for a project ───────────────

describe("through the gateway", () => {
  let db: TestDatabase;
  let database: Database;
  let gateway: Gateway;
  let endpoint: string;
  let base: string;
  let unreachable: Gateway | undefined;

  const AS_OF = "2025-10-20";
  const DASHBOARD = `{ viewer { role subject } dashboard(asOf: "${AS_OF}") { asOf revenue { totalCents range { days } } } }`;

  async function post(token: string | undefined, url = endpoint) {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json",
        ...(token && { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify({ query: DASHBOARD }),
    });
    return { status: res.status, body: (await res.json()) as { data?: any; errors?: Array<{ extensions: Record<string, unknown> }> } };
  }

  beforeAll(async () => {
    server.keys = [es.jwk, rs.jwk];
    db = await createTestDatabase();
    const loaded = loadConfig({ DATABASE_URL: db.url, SUPABASE_URL: server.origin, SUPABASE_JWT_SECRET: SECRET, LOG_LEVEL: "silent" });
    const config = { ...loaded, port: 0, tokens: { ...loaded.tokens, timing: { ...loaded.tokens.timing, cooldownMs: 300 } } };
    database = createDatabase(db.url, { poolMax: 3 });
    gateway = createGateway({ config, database, schema, logger: createLogger("silent") });
    await gateway.signingKeys!.ready();
    ({ url: endpoint } = await gateway.listen());
    base = new URL(endpoint).origin;
  });
  afterAll(async () => {
    await unreachable?.close();
    await gateway?.close();
    await database?.close();
    await db?.close();
  });

  test("ES256 and RS256 session tokens read the dashboard, as authenticated in PostgreSQL too", async () => {
    for (const key of [es, rs]) {
      const res = await post(await session(key, { sub: `operator-${key.alg}` }));
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data).toMatchObject({
        viewer: { role: "authenticated", subject: `operator-${key.alg}` },
        dashboard: { asOf: AS_OF, revenue: { range: { days: 30 } } },
      });
    }
    // The claims reached the database's RLS context (gateway.jwt_subject() reads them).
  });

  test("a rotated key works without a restart; the legacy HS256 secret still works", async () => {
    const next = await makeKey("RS256", "rs-2");
    server.keys = [es.jwk, rs.jwk, next.jwk];
    await sleep(400);
    expect((await post(await session(next, { sub: "rotated" }))).body.data?.viewer).toEqual({ role: "authenticated", subject: "rotated" });
    expect((await post(await signDevToken(SECRET, "authenticated", { sub: "legacy" }))).body.data?.viewer).toEqual({
      role: "authenticated",
      subject: "legacy",
    });
  });

  test("wrong issuer, audience, signature or alg: 401 with the reason, no data", async () => {
    const stranger = await makeKey("ES256", "stranger");
    const cases: Array<[string, AuthFailureReason]> = [
      [await session(es, { iss: "https://other.supabase.co/auth/v1" }), "INVALID_ISSUER"],
      [await session(es, { aud: "other" }), "INVALID_AUDIENCE"],
      [await session({ ...stranger, kid: es.kid }), "INVALID_SIGNATURE"],
      [
        `${b64url({ alg: "none", kid: es.kid })}.${b64url({ iss: issuer, aud: "authenticated", role: "service_role", exp: now() + 60 })}.`,
        "UNSUPPORTED_ALGORITHM",
      ],
    ];
    for (const [token, reason] of cases) {
      const res = await post(token);
      expect(res.status).toBe(401);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED", reason });
    }
  });

  test("/ready reports the key set: FRESH, then STALE (still ready) while the endpoint is down", async () => {
    expect(await (await fetch(`${base}/ready`)).json()).toEqual({ status: "ready", signingKeys: "FRESH" });
    server.down = true;
    await sleep(400);
    await post(await session({ ...es, kid: "triggers-a-refresh" })); // 503: the refresh failed
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", signingKeys: "STALE" });
    // Cached keys keep serving operators.
    expect((await post(await session(es))).body.data?.viewer.role).toBe("authenticated");
    server.down = false;
    await eventually(
      "the key set is fresh again",
      async () => ((await (await fetch(`${base}/ready`)).json()) as { signingKeys: string }).signingKeys === "FRESH",
    );
  });

  test("a key set that never loaded: /ready 503, session tokens 503, legacy tokens still work", async () => {
    const config = {
      ...loadConfig({
        DATABASE_URL: db.url,
        SUPABASE_URL: `http://127.0.0.1:${await closedPort()}`,
        SUPABASE_JWT_SECRET: SECRET,
        LOG_LEVEL: "silent",
      }),
      port: 0,
    };
    unreachable = createGateway({ config, database, schema, logger: createLogger("silent") });
    expect((await unreachable.signingKeys!.ready()).status).toBe("UNAVAILABLE");
    const { url } = await unreachable.listen();
    const ready = await fetch(`${new URL(url).origin}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "unavailable", signingKeys: "UNAVAILABLE" });
    const res = await post(await session(es), url);
    expect(res.status).toBe(503);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: "SIGNING_KEYS_UNAVAILABLE" });
    expect((await post(await signDevToken(SECRET, "authenticated"), url)).body.data?.viewer.role).toBe("authenticated");
  });

  test("npm start with only SUPABASE_URL: the banner says which tokens it accepts, and an ES256 token works", { timeout: 90_000 }, async () => {
    const run = await runEntryPoint(
      { DATABASE_URL: db.url, SUPABASE_URL: server.origin, PORT: "0" },
      { until: /HotDash Gateway is running[\s\S]*Authorization: Bearer|Cannot start/ },
    );
    try {
      expect(run.stdout).toContain(`Tokens     ES256/RS256 from ${server.url} (2 keys); iss "${issuer}", aud "authenticated"`);
      expect(run.stdout).toMatch(/Send a Supabase session token \(ES256\/RS256 with SUPABASE_URL, or legacy HS256 with SUPABASE_JWT_SECRET/);
      expect(run.stdout).toMatch(/Development tokens need SUPABASE_JWT_SECRET/);
      const url = bannerUrl(run)!;
      expect((await post(await session(es, { sub: "via-npm-start" }), url)).body.data?.viewer).toEqual({
        role: "authenticated",
        subject: "via-npm-start",
      });
      expect((await post(await signDevToken(SECRET, "authenticated"), url)).body.errors?.[0]?.extensions).toMatchObject({
        reason: "UNSUPPORTED_ALGORITHM",
      });
    } finally {
      await run.stop();
    }
  });

  test("npm start with an unreachable key set: said loudly, /ready 503", { timeout: 90_000 }, async () => {
    const port = await closedPort();
    const run = await runEntryPoint(
      { DATABASE_URL: db.url, SUPABASE_URL: `http://127.0.0.1:${port}`, PORT: "0" },
      { until: /HotDash Gateway is running[\s\S]*Authorization: Bearer|Cannot start/ },
    );
    try {
      // stdout and stderr are separate pipes: the banner can arrive before the message printed ahead of it.
      await eventually("the message on stderr", () => run.stderr.includes("***") || run.code !== null);
      expect(run.stderr, run.stdout + run.stderr).toContain(
        `*** The project's signing keys could not be loaded from http://127.0.0.1:${port}/auth/v1/.well-known/jwks.json: fetch failed (ECONNREFUSED).`,
      );
      expect(run.stdout).toMatch(/Tokens {5}ES256\/RS256 from \S+ \(NOT LOADED\)/);
      const ready = await fetch(new URL("/ready", bannerUrl(run)));
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: "unavailable", signingKeys: "UNAVAILABLE" });
    } finally {
      await run.stop();
    }
  });
});
