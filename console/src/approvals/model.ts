/** The queue as the console holds it: every approval it knows of, by id, as last read or streamed. */
import type { ConsoleApprovalItemFragment } from "../../../src/generated/operations/graphql.ts";

export type Approval = ConsoleApprovalItemFragment;

/** An approval with when this page received it: ages tick from the server's ageSeconds, not the browser's clock. */
export interface Known extends Approval {
  receivedAt: number;
}

/** What the page says on an item the operator acted on (it stays in place until dismissed). */
export type Notice = { kind: "sending"; decision: "APPROVE" | "REJECT" } | { kind: "conflict"; text: string } | { kind: "failed"; text: string };

export const known = (approval: Approval, receivedAt = Date.now()): Known => ({ ...approval, receivedAt });

/** Seconds the item has waited, now. */
export const ageNow = (item: Known, now: number) => item.ageSeconds + (item.status === "PENDING" ? Math.max(0, now - item.receivedAt) / 1000 : 0);

/** The server's clock at `now` (ms), from the item's ageSeconds: deadlines are the server's. */
export const serverNow = (item: Known, now: number) =>
  new Date(item.createdAt).getTime() + item.ageSeconds * 1000 + (item.status === "PENDING" ? now - item.receivedAt : 0);

/** Seconds left before the deadline (negative once passed); null without one. */
export function secondsLeft(item: Known, now: number): number | null {
  if (!item.expiresAt) return null;
  return (new Date(item.expiresAt).getTime() - serverNow(item, now)) / 1000;
}

/** Who decided, for people: the name (or email) the database recorded, else the id; expiries are the deadline's. */
export function deciderOf(item: Pick<Approval, "status" | "decidedBy" | "decidedByName">): string {
  if (item.status === "EXPIRED") return "the deadline";
  return item.decidedByName ?? item.decidedBy ?? "unknown";
}

/** A person's id (an audit actor, a feedback annotator) as a name where this page knows one. */
export function personName(
  id: string | null,
  approval: Pick<Approval, "decidedBy" | "decidedByName">,
  viewer: { subject: string | null; name: string | null; email: string | null },
) {
  if (id === null) return "unknown";
  if (id === viewer.subject) return viewer.name ?? viewer.email ?? id;
  if (id === approval.decidedBy && approval.decidedByName) return approval.decidedByName;
  if (id === "system:expiry") return "the deadline (expiry sweep)";
  return id;
}

export const STATUS_WORDS: Record<Approval["status"], string> = {
  PENDING: "Pending",
  APPROVED: "Approved",
  REJECTED: "Rejected",
  EXPIRED: "Expired",
};

/** Newest decision first. */
export const byDecidedAt = (a: Known, b: Known) => (b.decidedAt ?? b.createdAt).localeCompare(a.decidedAt ?? a.createdAt);
/** Oldest submission first. */
export const byCreatedAt = (a: Known, b: Known) => a.createdAt.localeCompare(b.createdAt);
