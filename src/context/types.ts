import type { DataContext } from "../data/context.ts";
import type { GatewayEvents } from "../pubsub/index.ts";
import type { StatementTracer } from "../db/statement-trace.ts";

export type { Role, Viewer } from "../auth/viewer.ts";
export type { Db } from "../db/rls.ts";

/** Per-request GraphQL context. Built by src/context/context.ts; `db` is swapped for the
 * request's RLS transaction by the rls-transaction plugin before execution. */
export interface GatewayContext extends DataContext {
  /** Live events (LISTEN/NOTIFY) of this gateway instance; absent when the gateway runs without them. */
  events?: GatewayEvents;
  /** DECISION_MIN_AAL: the sign-in strength deciding an approval needs (the database checks it too); absent = aal1. */
  decisionMinAal?: "aal1" | "aal2";
  /** Set by the tracing plugin for a traced operation: the spans of its SQL statements (src/db/statement-trace.ts). */
  statementTracer?: StatementTracer;
  /** Runs approved catalogue operations for executeApprovedAction (src/plugins/agent-gate.ts sets it). */
  approvedOperations?: ApprovedOperations;
}

/**
 * What executeApprovedAction needs from the catalogue, without the schema layer importing it: the
 * operation a stored document id names, and running it inside the current operation's transaction.
 */
export interface ApprovedOperations {
  /** The name of the catalogue operation with this id; undefined when the catalogue no longer has it. */
  nameOf(documentId: string): string | undefined;
  /**
   * Runs that operation with exactly these variables, as ctx's viewer in ctx's transaction, past the
   * agent gate (this one execution only). Returns its data; throws the operation's error if it reports any.
   */
  run(documentId: string, variables: Record<string, unknown>, ctx: GatewayContext): Promise<Record<string, unknown>>;
}
