// Supabase-style JWT rules for the legacy HS256 secret, first against src/context/auth.ts directly,
// then over HTTP against a real gateway on a real database (a rejected token must cost no SQL and
// return no data). The project's asymmetric keys (ES256/RS256, JWKS) are in tests/jwks.test.ts.
import { GraphQLError, GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import { SignJWT, generateKeyPair, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../src/config.ts";
import { ANON_VIEWER, CLOCK_TOLERANCE_SECONDS, createAuthenticator, signDevToken, type AuthFailureReason } from "../src/context/auth.ts";
import type { GatewayContext } from "../src/context/types.ts";
import { createDatabase, type Database } from "../src/db/client.ts";
import { createLogger } from "../src/logger.ts";
import { NO_CATALOGUE } from "../src/catalogue/index.ts";
import { createGateway, type Gateway } from "../src/server.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const SECRET = "auth-test-secret-0123456789-abcdefghijklmn";
const OTHER_SECRET = "some-other-projects-secret-0123456789-xyz";
const now = () => Math.floor(Date.now() / 1000);
const key = (secret: string) => new TextEncoder().encode(secret);

/** The claims of a legacy session token (issuer "supabase", audience "authenticated"). */
const session = (payload: JWTPayload): JWTPayload => ({ iss: "supabase", aud: "authenticated", ...payload });

/** A token with exactly these claims (no defaults added), HS256 unless told otherwise. */
function hs256(payload: JWTPayload, { secret = SECRET, alg = "HS256" } = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: "JWT" }).sign(key(secret));
}

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** The classic forgery: alg "none" and an empty signature. */
const unsignedToken = () => `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ role: "service_role", iss: "supabase", exp: now() + 3600 })}.`;

async function rs256Token(): Promise<string> {
  const { privateKey } = await generateKeyPair("RS256");
  return new SignJWT({ role: "service_role", iss: "supabase", exp: now() + 3600 }).setProtectedHeader({ alg: "RS256" }).sign(privateKey);
}

/** Every way a token can be wrong, with the reason the gateway must give. */
const REJECTED: Array<[string, () => Promise<string>, AuthFailureReason]> = [
  ["Basic credentials", () => Promise.resolve("Basic dXNlcjpwYXNz"), "MALFORMED_HEADER"],
  ["Bearer without a token", () => Promise.resolve("Bearer"), "MALFORMED_HEADER"],
  ["a token with spaces", () => Promise.resolve("Bearer abc def"), "MALFORMED_HEADER"],
  ["garbage token", () => Promise.resolve("Bearer not-a-jwt"), "MALFORMED_TOKEN"],
  ["three garbage segments", () => Promise.resolve("Bearer aaa.bbb.ccc"), "MALFORMED_TOKEN"],
  ["expired token", async () => `Bearer ${await hs256(session({ role: "authenticated", exp: now() - 60 }))}`, "TOKEN_EXPIRED"],
  [
    "wrong secret",
    async () => `Bearer ${await hs256(session({ role: "authenticated", exp: now() + 60 }), { secret: OTHER_SECRET })}`,
    "INVALID_SIGNATURE",
  ],
  ["alg none", () => Promise.resolve(`Bearer ${unsignedToken()}`), "UNSUPPORTED_ALGORITHM"],
  ["RS256 without a key set", async () => `Bearer ${await rs256Token()}`, "UNSUPPORTED_ALGORITHM"],
  [
    "HS512 with the right secret",
    async () => `Bearer ${await hs256(session({ role: "authenticated", exp: now() + 60 }), { alg: "HS512" })}`,
    "UNSUPPORTED_ALGORITHM",
  ],
  ["unknown role", async () => `Bearer ${await hs256(session({ role: "admin", exp: now() + 60 }))}`, "UNSUPPORTED_ROLE"],
  ["no role", async () => `Bearer ${await hs256(session({ sub: "u", exp: now() + 60 }))}`, "UNSUPPORTED_ROLE"],
  ["no exp", async () => `Bearer ${await hs256(session({ role: "authenticated" }))}`, "INVALID_CLAIMS"],
  [
    "numeric sub",
    async () => `Bearer ${await hs256(session({ role: "authenticated", sub: 42, exp: now() + 60 } as unknown as JWTPayload))}`,
    "INVALID_CLAIMS",
  ],
  [
    "not valid yet",
    async () => `Bearer ${await hs256(session({ role: "authenticated", nbf: now() + 600, exp: now() + 3600 }))}`,
    "TOKEN_NOT_YET_VALID",
  ],
  // D10: an iat ten years ahead was accepted, and so was any issuer and audience.
  [
    "iat in the future (D10)",
    async () => `Bearer ${await hs256({ role: "service_role", iss: "supabase", iat: now() + 315_360_000, exp: now() + 3600 })}`,
    "TOKEN_ISSUED_IN_FUTURE",
  ],
  [
    "another issuer (D10)",
    async () => `Bearer ${await hs256({ role: "service_role", aud: "other", iss: "https://evil.example/auth/v1", exp: now() + 3600 })}`,
    "INVALID_ISSUER",
  ],
  ["no issuer (D10)", async () => `Bearer ${await hs256({ role: "service_role", exp: now() + 3600 })}`, "INVALID_ISSUER"],
  [
    "another audience (D10)",
    async () => `Bearer ${await hs256({ role: "authenticated", aud: "other", iss: "supabase", exp: now() + 3600 })}`,
    "INVALID_AUDIENCE",
  ],
  [
    "a session token without audience (D10)",
    async () => `Bearer ${await hs256({ role: "authenticated", iss: "supabase", exp: now() + 3600 })}`,
    "INVALID_AUDIENCE",
  ],
  [
    "a service_role key with another audience (D10)",
    async () => `Bearer ${await hs256({ role: "service_role", aud: "other", iss: "supabase", exp: now() + 3600 })}`,
    "INVALID_AUDIENCE",
  ],
];

describe("auth.ts", () => {
  const authenticate = createAuthenticator(SECRET);

  test("no Authorization header: anon", async () => {
    expect(await authenticate(null)).toBe(ANON_VIEWER);
    expect(await authenticate(undefined)).toEqual({ role: "anon", subject: null, claims: { role: "anon" } });
  });

  test("a valid authenticated token: role, subject and all claims", async () => {
    const token = await signDevToken(SECRET, "authenticated", { sub: "user-7" });
    const viewer = await authenticate(`Bearer ${token}`);
    expect(viewer).toMatchObject({ role: "authenticated", subject: "user-7", claims: { role: "authenticated", sub: "user-7" } });
    expect(viewer.claims.exp).toBeGreaterThan(now() + 29 * 24 * 3600); // signDevToken's 30-day default
  });

  test("a legacy service_role key (issuer supabase, no audience, no sub); the scheme is case-insensitive", async () => {
    const exp = now() + 60;
    const token = await hs256({ role: "service_role", exp, iss: "supabase", ref: "abcd" });
    expect(await authenticate(`bearer ${token}`)).toEqual({
      role: "service_role",
      subject: null,
      claims: { role: "service_role", exp, iss: "supabase", ref: "abcd" },
      expiresAt: exp * 1000,
    });
  });

  test("the legacy anon key gets what no token gets: role anon", async () => {
    const token = await hs256({ role: "anon", iss: "supabase", ref: "abcd", iat: now() - 100, exp: now() + 10 * 365 * 86_400 });
    expect(await authenticate(`Bearer ${token}`)).toMatchObject({ role: "anon", subject: null });
  });

  test("signDevToken: the claims the default configuration accepts, plus extra claims", async () => {
    const user = await authenticate(
      `Bearer ${await signDevToken(SECRET, "authenticated", { sub: "u", claims: { is_anonymous: true, aal: "aal2", iss: "ignored" } })}`,
    );
    expect(user.claims).toMatchObject({ iss: "supabase", aud: "authenticated", role: "authenticated", sub: "u", is_anonymous: true, aal: "aal2" });
    const service = await authenticate(`Bearer ${await signDevToken(SECRET, "service_role")}`);
    expect(service.claims).toMatchObject({ iss: "supabase", role: "service_role" });
    expect(service.claims.aud).toBeUndefined();
  });

  test("a legacy session token of the project's issuer is accepted once the issuer is configured", async () => {
    const issuer = "https://abcd.supabase.co/auth/v1";
    const token = await hs256({ role: "authenticated", iss: issuer, aud: "authenticated", sub: "u", exp: now() + 60 });
    await expect(authenticate(`Bearer ${token}`)).rejects.toMatchObject({ extensions: { reason: "INVALID_ISSUER" } });
    const withIssuer = createAuthenticator({ secret: SECRET, issuer });
    expect((await withIssuer(`Bearer ${token}`)).subject).toBe("u");
    // JWT_AUDIENCE: another audience, and then "authenticated" is no longer enough.
    const dashboard = createAuthenticator({ secret: SECRET, issuer, audience: "dashboard" });
    await expect(dashboard(`Bearer ${token}`)).rejects.toMatchObject({ extensions: { reason: "INVALID_AUDIENCE" } });
    expect((await dashboard(`Bearer ${await hs256({ role: "authenticated", iss: issuer, aud: "dashboard", exp: now() + 60 })}`)).role).toBe(
      "authenticated",
    );
  });

  test(`expiry, nbf and iat have a ${CLOCK_TOLERANCE_SECONDS}s clock tolerance, no more`, async () => {
    const justExpired = await hs256(session({ role: "authenticated", exp: now() - 2, iat: now() + 2 }));
    expect((await authenticate(`Bearer ${justExpired}`)).role).toBe("authenticated");
    const expired = await hs256(session({ role: "authenticated", exp: now() - CLOCK_TOLERANCE_SECONDS - 5 }));
    await expect(authenticate(`Bearer ${expired}`)).rejects.toMatchObject({ extensions: { reason: "TOKEN_EXPIRED" } });
    const early = await hs256(session({ role: "authenticated", exp: now() + 600, iat: now() + CLOCK_TOLERANCE_SECONDS + 5 }));
    await expect(authenticate(`Bearer ${early}`)).rejects.toMatchObject({ extensions: { reason: "TOKEN_ISSUED_IN_FUTURE" } });
  });

  test("signDevToken accepts seconds for expiresIn", async () => {
    const token = await signDevToken(SECRET, "service_role", { expiresIn: 120 });
    const viewer = await authenticate(`Bearer ${token}`);
    expect(viewer.claims.exp).toBeGreaterThanOrEqual(now() + 119);
    expect(viewer.claims.exp).toBeLessThanOrEqual(now() + 121);
  });

  test.each(REJECTED)("%s: UNAUTHENTICATED %s", async (_name, header, reason) => {
    const error = await authenticate(await header()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions).toMatchObject({ code: "UNAUTHENTICATED", reason, http: { status: 401 } });
  });
});

// ───────────────────────────── over HTTP ─────────────────────────────

const schema = new GraphQLSchema({
  query: new GraphQLObjectType<unknown, GatewayContext>({
    name: "Query",
    fields: {
      role: { type: GraphQLString, resolve: (_root, _args, ctx) => ctx.viewer.role },
      subject: { type: GraphQLString, resolve: (_root, _args, ctx) => ctx.viewer.subject },
      dbRole: {
        type: GraphQLString,
        resolve: async (_root, _args, ctx) => (await ctx.db.$queryRaw<Array<{ r: string }>>`select current_user::text as r`)[0].r,
      },
    },
  }),
});

describe("over HTTP", () => {
  let db: TestDatabase;
  let database: Database;
  let gateway: Gateway;
  let endpoint: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig({ DATABASE_URL: db.url, SUPABASE_JWT_SECRET: SECRET, PORT: "0" });
    database = createDatabase(db.url, { poolMax: 2 });
    // This file's own small schema: no catalogue, any document.
    gateway = createGateway({
      config: { ...config, trustedDocuments: "off" },
      database,
      schema,
      logger: createLogger("silent"),
      catalogue: NO_CATALOGUE,
    });
    ({ url: endpoint } = await gateway.listen());
  });
  afterAll(async () => {
    await gateway?.close();
    await database?.close();
    await db?.close();
  });

  async function post(authorization?: string) {
    const res = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json",
        ...(authorization !== undefined && { authorization }),
      },
      body: JSON.stringify({ query: "{ role subject dbRole }" }),
    });
    return { status: res.status, headers: res.headers, body: await res.json() };
  }

  test("no token: anon, and the SQL runs as anon", async () => {
    expect(await post()).toMatchObject({ status: 200, body: { data: { role: "anon", subject: null, dbRole: "anon" } } });
  });

  test("authenticated and service_role tokens", async () => {
    const user = await post(`Bearer ${await signDevToken(SECRET, "authenticated", { sub: "user-9" })}`);
    expect(user).toMatchObject({ status: 200, body: { data: { role: "authenticated", subject: "user-9", dbRole: "authenticated" } } });
    const service = await post(`Bearer ${await signDevToken(SECRET, "service_role")}`);
    expect(service).toMatchObject({ status: 200, body: { data: { role: "service_role", subject: null, dbRole: "service_role" } } });
  });

  test.each(REJECTED)("%s: 401 %s, no data, no SQL", async (_name, header, reason) => {
    const before = database.statementCount();
    const res = await post(await header());
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].extensions).toEqual({ code: "UNAUTHENTICATED", reason, requestId: res.headers.get("x-request-id") });
    expect(database.statementCount()).toBe(before);
  });
});
