/**
 * Supabase-style JWT verification: `Authorization: Bearer <jwt>`, HS256 signed with the project's
 * JWT secret, `role` claim "authenticated" or "service_role". No header = anon. Anything else that
 * is wrong with the credentials is a 401 UNAUTHENTICATED error with a specific `reason`; the request
 * never executes.
 */
import { GraphQLError } from "graphql";
import { errors as jose, jwtVerify, SignJWT, type JWTPayload } from "jose";
import type { Role, Viewer } from "./types.ts";

export type TokenRole = Exclude<Role, "anon">;
export const TOKEN_ROLES: readonly TokenRole[] = ["authenticated", "service_role"];

export type AuthFailureReason =
  | "MALFORMED_HEADER" // not `Bearer <token>`
  | "MALFORMED_TOKEN" // not a decodable compact JWS/JWT
  | "UNSUPPORTED_ALGORITHM" // alg other than HS256 (none, RS256, …)
  | "INVALID_SIGNATURE"
  | "TOKEN_EXPIRED"
  | "TOKEN_NOT_YET_VALID" // nbf in the future
  | "INVALID_CLAIMS" // exp missing, sub not a string, …
  | "UNSUPPORTED_ROLE"; // role missing or not authenticated / service_role

/** Tolerated clock skew between the token issuer and this server. */
export const CLOCK_TOLERANCE_SECONDS = 5;
/** Real Supabase tokens are well under 2 KB; this only bounds work on garbage input. */
const MAX_TOKEN_LENGTH = 8192;

export const ANON_VIEWER: Viewer = Object.freeze({ role: "anon", subject: null, claims: Object.freeze({ role: "anon" }) });

export function authError(reason: AuthFailureReason, message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: "UNAUTHENTICATED",
      reason,
      // yoga uses this for the HTTP response and strips it from the body (RFC 6750 challenge).
      http: { status: 401, headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' } },
    },
  });
}

/** Resolves the viewer for an Authorization header value (null/undefined = header absent). */
export type Authenticate = (authorization: string | null | undefined) => Promise<Viewer>;

export function createAuthenticator(secret: string): Authenticate {
  // Supabase signs with the secret's UTF-8 bytes (it is not base64-decoded).
  const key = new TextEncoder().encode(secret);
  return async (authorization) => {
    if (authorization === null || authorization === undefined) return ANON_VIEWER;
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match) throw authError("MALFORMED_HEADER", "Authorization header must be `Bearer <token>`.");
    const token = match[1]!;
    if (token.length > MAX_TOKEN_LENGTH) throw authError("MALFORMED_TOKEN", "Invalid token: too long.");

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ["HS256"],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ["exp"],
      }));
    } catch (error) {
      throw toAuthError(error);
    }

    const role = payload.role;
    if (typeof role !== "string" || !(TOKEN_ROLES as readonly string[]).includes(role)) {
      throw authError("UNSUPPORTED_ROLE", `Invalid token: role must be one of ${TOKEN_ROLES.join(", ")}.`);
    }
    if (payload.sub !== undefined && typeof payload.sub !== "string") {
      throw authError("INVALID_CLAIMS", "Invalid token: sub must be a string.");
    }
    return { role: role as TokenRole, subject: payload.sub ?? null, claims: payload as Record<string, unknown> };
  };
}

function toAuthError(error: unknown): GraphQLError {
  if (error instanceof jose.JWTExpired) return authError("TOKEN_EXPIRED", "Invalid token: expired.");
  if (error instanceof jose.JOSEAlgNotAllowed) {
    return authError("UNSUPPORTED_ALGORITHM", "Invalid token: only HS256-signed tokens are accepted.");
  }
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
}

/** Signs a token the way Supabase would, for local development and tests. */
export async function signDevToken(secret: string, role: TokenRole, options: DevTokenOptions = {}): Promise<string> {
  const { sub, expiresIn = "30d" } = options;
  const jwt = new SignJWT({ role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(typeof expiresIn === "number" ? Math.floor(Date.now() / 1000) + expiresIn : expiresIn);
  if (sub !== undefined) jwt.setSubject(sub);
  return jwt.sign(new TextEncoder().encode(secret));
}
