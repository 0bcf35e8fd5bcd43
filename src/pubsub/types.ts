/**
 * The shapes of live events, shared by the listener, the data layer and the schema. Imports nothing,
 * so any layer may use them without pulling another in.
 */

/** An approval's status as stored (and as readers see it once effectiveStatus has applied the deadline). */
export type ApprovalStatus = "pending" | "approved" | "rejected" | "expired";

export type ApprovalQueueEventKind = "submitted" | "decided" | "expired";

/** One NOTIFY on the approval-queue channel. */
export interface ApprovalQueueNotice {
  id: string;
  status: ApprovalStatus;
  event: ApprovalQueueEventKind;
}

/** How this instance hears changes: "listen" = every committed change; "shared-session" = embedded PGlite, its own changes only. */
export type ListenMode = "listen" | "shared-session";

/** Where agent-key changes are heard: the gateway's events (src/pubsub/index.ts). */
export interface AgentKeyChanges {
  /** Called with a key id, or undefined when anything may have changed (the listener reconnected). */
  onAgentKeyChange(listener: (keyId: string | undefined) => void): () => void;
  /** Whether every committed key change, from any client of the database, is heard right now. */
  hearsEveryKeyChange(): boolean;
}
