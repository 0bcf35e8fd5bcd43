import type { PrismaClient, Prisma } from "../generated/prisma/client.ts";
import type { GatewayEvents } from "../pubsub/index.ts";

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

/** The Prisma client a resolver must use: inside a request it is the RLS transaction. */
export type Db = PrismaClient | Prisma.TransactionClient;

/** Per-request GraphQL context. Built by src/context/context.ts; `db` is swapped for the
 * request's RLS transaction by the rls-transaction plugin before execution. */
export interface GatewayContext {
  viewer: Viewer;
  db: Db;
  requestId: string;
  /** Request-scoped DataLoaders, created lazily by src/resolvers/loaders.ts. */
  loaders: Map<string, unknown>;
  /** Live events (LISTEN/NOTIFY) of this gateway instance; absent when the gateway runs without them. */
  events?: GatewayEvents;
  /** DECISION_MIN_AAL: the sign-in strength deciding an approval needs (the database checks it too); absent = aal1. */
  decisionMinAal?: "aal1" | "aal2";
}
