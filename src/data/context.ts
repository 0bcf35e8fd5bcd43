/**
 * What a data function gets from the request: who is calling, the database handle (inside a request,
 * the RLS transaction) and the request's DataLoaders. The GraphQL context extends it; nothing here
 * knows GraphQL.
 */
import type { Viewer } from "../auth/viewer.ts";
import type { Db } from "../db/rls.ts";
import type { Vault } from "../vault/index.ts";

export interface DataContext {
  viewer: Viewer;
  db: Db;
  /** The request's id (x-request-id), recorded with audited writes. */
  requestId: string;
  /** Request-scoped DataLoaders, created lazily by src/data/loaders.ts. */
  loaders: Map<string, unknown>;
  /** The credentials vault's keys (src/data/credentials.ts); absent = disabled (a context made outside a gateway). */
  vault?: Vault;
}
