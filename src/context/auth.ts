/**
 * Supabase JWT verification: `Authorization: Bearer <jwt>`. No header = anon. Two kinds of keys:
 *  - the project's asymmetric keys (ES256 / RS256) from its JWKS (src/context/jwks.ts): Supabase's
 *    current session tokens, issuer `${SUPABASE_URL}/auth/v1`, audience `authenticated`;
 *  - the legacy HS256 secret (SUPABASE_JWT_SECRET), while a project migrates: legacy session tokens
 *    (issuer "supabase" or the project's, audience `authenticated`) and the legacy anon /
 *    service_role API keys (issuer "supabase", no audience).
 * The header's alg picks the key kind and must match it (HS256 only with the secret, ES256/RS256
 * only with JWKS keys), so a token cannot choose how it is checked. Anything wrong is a 401
 * UNAUTHENTICATED error with a specific `reason`; keys that cannot be loaded are a 503. The request
 * never executes.
 */
import { ClientError } from "../errors.ts";
import { decodeProtectedHeader, errors as jose, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyResult } from "jose";
import { SigningKeysUnavailable, type SigningKeys } from "./jwks.ts";
import type { Role, Viewer } from "../auth/viewer.ts";

export type TokenRole = Exclude<Role, "anon">;
export const TOKEN_ROLES: readonly TokenRole[] = ["authenticated", "service_role"];
/** Roles a verified token may carry. `anon` is the legacy anon key's (supabase-js sends it when signed out): it gets what no token gets. */
export const KNOWN_ROLES: readonly Role[] = ["anon", ...TOKEN_ROLES];

export type AuthFailureReason =
  | "MALFORMED_HEADER" // not `Bearer <token>`
  | "MALFORMED_TOKEN" // not a decodable compact JWS/JWT
  | "UNSUPPORTED_ALGORITHM" // alg none, HS512, PS256, …, or a kind of key this gateway is not configured with
  | "UNKNOWN_KEY" // the kid is not in the project's key set (after a refresh)
  | "INVALID_SIGNATURE"
  | "TOKEN_EXPIRED"
  | "TOKEN_NOT_YET_VALID" // nbf in the future
  | "TOKEN_ISSUED_IN_FUTURE" // iat in the future (beyond the clock tolerance)
  | "INVALID_ISSUER" // iss missing or not this project's
  | "INVALID_AUDIENCE" // aud missing or not JWT_AUDIENCE
  | "INVALID_CLAIMS" // exp missing, sub not a string, …
  | "UNSUPPORTED_ROLE"; // role missing or not anon / authenticated / service_role

/** Tolerated clock skew between the token issuer and this server (exp, nbf, iat). */
export const CLOCK_TOLERANCE_SECONDS = 5;
/** Real Supabase tokens are well under 2 KB; this only bounds work on garbage input. */
const MAX_TOKEN_LENGTH = 8192;
/** The issuer of Supabase's legacy anon / service_role keys (and of signDevToken's tokens). */
export const LEGACY_ISSUER = "supabase";
/** Supabase's audience for user session tokens. */
export const DEFAULT_AUDIENCE = "authenticated";
const ASYMMETRIC_ALGORITHMS = ["ES256", "RS256"];
const CLAIM_CHECKS = { clockTolerance: CLOCK_TOLERANCE_SECONDS, requiredClaims: ["exp"] };

export const ANON_VIEWER: Viewer = Object.freeze({ role: "anon", subject: null, claims: Object.freeze({ role: "anon" }) });

export function authError(reason: AuthFailureReason, message: string): ClientError {
  return new ClientError(message, "UNAUTHENTICATED", {
    extensions: {
      reason,
      // yoga uses this for the HTTP response and strips it from the body (RFC 6750 challenge).
      http: { status: 401, headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' } },
    },
  });
}

/** The token may be fine, but the keys to check it could not be loaded: retry, do not sign out. */
function keysUnavailable(): ClientError {
  return new ClientError("The signing keys to verify this token are unavailable; try again shortly.", "SIGNING_KEYS_UNAVAILABLE", {
    extensions: { http: { status: 503, headers: { "Retry-After": "30" } } },
  });
}

/** Resolves the viewer for an Authorization header value (null/undefined = header absent). */
export type Authenticate = (authorization: string | null | undefined) => Promise<Viewer>;

export interface AuthenticatorOptions {
  /** The legacy HS256 secret; absent/null = HS256 tokens are refused. */
  secret?: string | null;
  /** The project's ES256/RS256 keys; absent/null = such tokens are refused. */
  keys?: SigningKeys | null;
  /** Expected `iss` of session tokens (`${SUPABASE_URL}/auth/v1` or JWT_ISSUER); null = HS256 tokens of issuer "supabase" only. */
  issuer?: string | null;
  /** Expected `aud` of session tokens (JWT_AUDIENCE); default "authenticated". */
  audience?: string;
}

/** `createAuthenticator(secret)` is the legacy-secret-only form. */
export function createAuthenticator(options: string | AuthenticatorOptions): Authenticate {
  const { secret = null, keys = null, issuer = null, audience = DEFAULT_AUDIENCE } = typeof options === "string" ? { secret: options } : options;
  // Supabase signs with the secret's UTF-8 bytes (it is not base64-decoded).
  const secretKey = secret === null ? null : new TextEncoder().encode(secret);
  const legacyIssuers = issuer === null ? [LEGACY_ISSUER] : [LEGACY_ISSUER, issuer];
  if (keys && issuer === null) throw new TypeError("createAuthenticator: a key set needs the issuer of its tokens");
  const asymmetricIssuers = issuer === null ? [] : [issuer];

  return async (authorization) => {
    if (authorization === null || authorization === undefined) return ANON_VIEWER;
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match) throw authError("MALFORMED_HEADER", "Authorization header must be `Bearer <token>`.");
    const token = match[1];
    if (token.length > MAX_TOKEN_LENGTH) throw authError("MALFORMED_TOKEN", "Invalid token: too long.");

    let alg: unknown;
    try {
      ({ alg } = decodeProtectedHeader(token));
    } catch {
      throw authError("MALFORMED_TOKEN", "Invalid token: malformed.");
    }
    // The key kind follows from alg, and each kind accepts only its own algorithms (no alg confusion).
    const symmetric = alg === "HS256";
    let verify: () => Promise<JWTVerifyResult>;
    if (symmetric && secretKey) verify = () => jwtVerify(token, secretKey, { ...CLAIM_CHECKS, algorithms: ["HS256"] });
    else if (typeof alg === "string" && ASYMMETRIC_ALGORITHMS.includes(alg) && keys)
      verify = () => jwtVerify(token, keys.getKey, { ...CLAIM_CHECKS, algorithms: ASYMMETRIC_ALGORITHMS });
    else throw authError("UNSUPPORTED_ALGORITHM", `Invalid token: ${acceptedAlgorithms(secretKey !== null, keys !== null)}.`);

    let payload: JWTPayload;
    try {
      ({ payload } = await verify());
    } catch (error) {
      throw toAuthError(error);
    }
    // jose checks iat only against maxTokenAge; a token "issued" in the future is refused like PostgREST does (D10).
    if (typeof payload.iat === "number" && payload.iat > Math.floor(Date.now() / 1000) + CLOCK_TOLERANCE_SECONDS) {
      throw authError("TOKEN_ISSUED_IN_FUTURE", "Invalid token: issued in the future (iat).");
    }

    const role = payload.role;
    const issuers = symmetric ? legacyIssuers : asymmetricIssuers;
    if (typeof payload.iss !== "string" || !issuers.includes(payload.iss)) {
      throw authError("INVALID_ISSUER", `Invalid token: issuer must be ${issuers.map((i) => `"${i}"`).join(" or ")}.`);
    }
    // The legacy anon / service_role API keys carry no audience; everything else must be for us.
    const apiKey = symmetric && payload.iss === LEGACY_ISSUER && payload.aud === undefined && (role === "anon" || role === "service_role");
    const audiences = typeof payload.aud === "string" ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
    if (!apiKey && !audiences.includes(audience)) {
      throw authError("INVALID_AUDIENCE", `Invalid token: audience must be "${audience}".`);
    }
    if (typeof role !== "string" || !(KNOWN_ROLES as readonly string[]).includes(role)) {
      throw authError("UNSUPPORTED_ROLE", `Invalid token: role must be one of ${KNOWN_ROLES.join(", ")}.`);
    }
    if (payload.sub !== undefined && typeof payload.sub !== "string") {
      throw authError("INVALID_CLAIMS", "Invalid token: sub must be a string.");
    }
    return { role: role as Role, subject: payload.sub ?? null, claims: payload, expiresAt: payload.exp! * 1000 };
  };
}

function acceptedAlgorithms(secret: boolean, keys: boolean): string {
  if (secret && keys) return "only ES256, RS256 (project keys) and HS256 (legacy secret) tokens are accepted";
  if (keys) return "only ES256 and RS256 tokens are accepted (no legacy HS256 secret is configured)";
  return "only HS256 tokens are accepted (no project key set is configured: set SUPABASE_URL)";
}

function toAuthError(error: unknown): ClientError {
  if (error instanceof SigningKeysUnavailable) return keysUnavailable();
  if (error instanceof jose.JWTExpired) return authError("TOKEN_EXPIRED", "Invalid token: expired.");
  if (error instanceof jose.JOSEAlgNotAllowed) return authError("UNSUPPORTED_ALGORITHM", "Invalid token: algorithm not accepted.");
  if (error instanceof jose.JWKSNoMatchingKey)
    return authError("UNKNOWN_KEY", "Invalid token: signed with a key (kid) not in the project's key set.");
  if (error instanceof jose.JWKSMultipleMatchingKeys) return authError("UNKNOWN_KEY", "Invalid token: no kid, and several keys could match.");
  if (error instanceof jose.JWSSignatureVerificationFailed) {
    return authError("INVALID_SIGNATURE", "Invalid token: signature verification failed.");
  }
  if (error instanceof jose.JWTClaimValidationFailed) {
    if (error.claim === "nbf" && error.reason === "check_failed") {
      return authError("TOKEN_NOT_YET_VALID", "Invalid token: not valid yet.");
    }
    return authError("INVALID_CLAIMS", `Invalid token: bad or missing "${error.claim}" claim.`);
  }
  if (error instanceof jose.JOSEError) return authError("MALFORMED_TOKEN", "Invalid token: malformed.");
  throw error; // not a token problem: let the error plugin mask and log it
}

export interface DevTokenOptions {
  sub?: string;
  /** jose time span ("30d", "1h") or seconds from now. Default 30 days. */
  expiresIn?: string | number;
  /** More claims (is_anonymous, aal, …); they cannot replace role, iss, aud, iat or exp. */
  claims?: Record<string, unknown>;
}

/**
 * Signs an HS256 token the way Supabase's legacy secret would, for local development and tests:
 * authenticated = a legacy session token (iss "supabase", aud "authenticated"), service_role = the
 * legacy service_role key's shape (iss "supabase", no aud). The default configuration accepts both.
 */
export async function signDevToken(secret: string, role: TokenRole, options: DevTokenOptions = {}): Promise<string> {
  const { sub, expiresIn = "30d", claims = {} } = options;
  const jwt = new SignJWT({ ...claims, role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(LEGACY_ISSUER)
    .setIssuedAt()
    .setExpirationTime(typeof expiresIn === "number" ? Math.floor(Date.now() / 1000) + expiresIn : expiresIn);
  if (role === "authenticated") jwt.setAudience(DEFAULT_AUDIENCE);
  if (sub !== undefined) jwt.setSubject(sub);
  return jwt.sign(new TextEncoder().encode(secret));
}
