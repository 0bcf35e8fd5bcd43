/** Who is calling: the identity every layer below the HTTP plugins works with. Imports nothing. */

/** Database roles a request can run as (Supabase's). anon = no token. */
export type Role = "anon" | "authenticated" | "service_role";

/** Who is calling, from the verified credential (a JWT or an agent key). */
export interface Viewer {
  role: Role;
  /** JWT `sub` (`agent:<name>` for agent keys), or null for anon / tokens without one. */
  subject: string | null;
  /** The verified claims, forwarded to PostgreSQL as request.jwt.claims. */
  claims: Record<string, unknown>;
  /** When the credential stops being valid (ms since the epoch): long-lived streams end then. */
  expiresAt?: number;
  /** Set when the caller authenticated with an agent key (hdk_…): whose key it is. */
  agent?: { name: string; keyId: string };
}

/**
 * Who a person is, from a Supabase session's claims: `email`, and the name in `user_metadata`
 * (`full_name`, else `name`, as Supabase's OAuth providers and sign-up forms fill it). For display only.
 */
export function personOf(claims: Record<string, unknown>): { email: string | null; name: string | null } {
  const text = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? value.trim() : null);
  const metadata = typeof claims.user_metadata === "object" && claims.user_metadata !== null ? (claims.user_metadata as Record<string, unknown>) : {};
  return { email: text(claims.email), name: text(metadata.full_name) ?? text(metadata.name) };
}
