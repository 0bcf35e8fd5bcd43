/**
 * The approval queue's data: statuses as readers see them (past-deadline items are expired), its
 * filter, the decision through gateway.decide_agent_approval, the expiry sweep and queue statistics.
 *
 * Input pattern: each input's zod schema is declared once, here in the data layer; data functions take
 * its `z.infer` type, and the schema side attaches the same schema with `builder.inputType(…).validate(schema)`,
 * so resolvers receive the parsed value (the Pothos fields describe only the GraphQL shape).
 */
import type { Prisma } from "../../generated/prisma/client.ts";
import type { Db } from "../../db/rls.ts";
import { badInput } from "../../errors.ts";
import { allOf, anyOf, text as textMatch } from "../../lib/filters.ts";
import { dateTimeRangeWhere } from "../../lib/dates.ts";
import { nonEmpty, range, z } from "../../lib/validation.ts";
import type { ApprovalStatus } from "../../pubsub/types.ts";
import { boundedJson, jsonObject, names, shortName, text } from "./rules.ts";
import { decisionError } from "./decision-errors.ts";

/**
 * The status a reader sees: a pending approval whose deadline has passed is expired, even before
 * the sweep has written that down (the database refuses to decide it either way).
 */
export function effectiveStatus(row: { status: string; expiresAt: Date | null }, now = new Date()): ApprovalStatus {
  if (row.status === "pending" && row.expiresAt !== null && row.expiresAt <= now) return "expired";
  return row.status as ApprovalStatus;
}

/** Prisma filter for approvals whose effective status is one of `statuses`. */
export function approvalStatusWhere(statuses: readonly ApprovalStatus[], now: Date): Prisma.AgentApprovalWhereInput {
  const alive: Prisma.AgentApprovalWhereInput = { OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
  return {
    OR: [...new Set(statuses)].map((status): Prisma.AgentApprovalWhereInput => {
      if (status === "pending") return { status: "pending", ...alive };
      if (status === "expired") return { OR: [{ status: "expired" }, { status: "pending", expiresAt: { lte: now } }] };
      return { status };
    }),
  };
}

export const approvalFilter = z.object({
  statuses: z.array(z.enum(["pending", "approved", "rejected", "expired"] as const satisfies readonly ApprovalStatus[])).nullish(),
  kinds: names,
  agents: names,
  conversationId: z.string().nullish(),
  createdDuring: range,
  olderThanSeconds: z.number().min(0, "must be ≥ 0").nullish(),
});
export type ApprovalFilter = z.infer<typeof approvalFilter>;

export function approvalWhere(filter: ApprovalFilter | null | undefined, now = new Date()): Prisma.AgentApprovalWhereInput {
  if (!filter) return {};
  return allOf<Prisma.AgentApprovalWhereInput>([
    filter.statuses ? approvalStatusWhere(filter.statuses, now) : undefined, // [] matches nothing (Prisma: an empty OR)
    { kind: anyOf(filter.kinds) },
    { agent: anyOf(filter.agents) },
    { conversationId: textMatch(filter.conversationId, "equals", { caseSensitive: true }) },
    { createdAt: dateTimeRangeWhere(filter.createdDuring, "filter.createdDuring") },
    { createdAt: filter.olderThanSeconds == null ? undefined : { lte: new Date(now.getTime() - filter.olderThanSeconds * 1000) } },
  ]);
}

/** Seconds the approval has waited: until its decision, or until now while it is pending. */
export function ageSeconds(row: { createdAt: Date; decidedAt: Date | null }, now = new Date()): number {
  return Math.max(0, Math.floor(((row.decidedAt ?? now).getTime() - row.createdAt.getTime()) / 1000));
}

export interface QueueStats {
  pending: number;
  approved: number;
  rejected: number;
  expired: number;
  oldestPendingAt: Date | null;
  nextDeadline: Date | null;
}

/** Counts by effective status and the oldest pending item, in one aggregate statement. */
export async function approvalQueueStats(db: Db, filter: { kinds?: string[] | null; agents?: string[] | null }): Promise<QueueStats> {
  const kinds = filter.kinds?.length ? filter.kinds : null;
  const agents = filter.agents?.length ? filter.agents : null;
  const [row] = await db.$queryRaw<
    { pending: bigint; approved: bigint; rejected: bigint; expired: bigint; oldest_pending_at: Date | null; next_deadline: Date | null }[]
  >`
    WITH a AS (
      SELECT CASE WHEN "status" = 'pending' AND "expiresAt" <= now() THEN 'expired' ELSE "status" END AS status,
             "createdAt", "expiresAt"
        FROM "AgentApproval"
       WHERE (${kinds}::text[] IS NULL OR "kind" = ANY(${kinds}::text[]))
         AND (${agents}::text[] IS NULL OR "agent" = ANY(${agents}::text[]))
    )
    SELECT count(*) FILTER (WHERE status = 'pending')  AS pending,
           count(*) FILTER (WHERE status = 'approved') AS approved,
           count(*) FILTER (WHERE status = 'rejected') AS rejected,
           count(*) FILTER (WHERE status = 'expired')  AS expired,
           min("createdAt") FILTER (WHERE status = 'pending') AS oldest_pending_at,
           min("expiresAt") FILTER (WHERE status = 'pending') AS next_deadline
      FROM a`;
  return {
    pending: Number(row?.pending ?? 0),
    approved: Number(row?.approved ?? 0),
    rejected: Number(row?.rejected ?? 0),
    expired: Number(row?.expired ?? 0),
    oldestPendingAt: row?.oldest_pending_at ?? null,
    nextDeadline: row?.next_deadline ?? null,
  };
}

/** An operator's note on a decision. */
export const decisionNote = text(4000).nullish();

/**
 * Approves or rejects through gateway.decide_agent_approval: the row lock makes concurrent decisions
 * safe (one wins, the other gets CONFLICT), decidedBy is the token's verified sub, and the trigger
 * writes the DecisionLog row in this same transaction. The function itself refuses every caller but an
 * operator session meeting the store's DECISION_MIN_AAL (FORBIDDEN with a reason).
 */
export async function decideApproval(db: Db, id: string, decision: "APPROVE" | "REJECT", note: string | null): Promise<string> {
  try {
    const rows = await db.$queryRaw<{ id: string }[]>`SELECT "id" FROM gateway.decide_agent_approval(${id}::uuid, ${decision}, ${note})`;
    return rows[0].id;
  } catch (error) {
    throw decisionError(error, id);
  }
}

/** Marks every pending approval past its deadline as expired; returns how many. */
export async function expireApprovals(db: Db): Promise<number> {
  const [row] = await db.$queryRaw<{ expired: number }[]>`SELECT gateway.expire_agent_approvals() AS expired`;
  return row?.expired ?? 0;
}

export const submitApprovalInput = z.object({
  kind: shortName,
  summary: nonEmpty.max(4000, "must be at most 4000 characters"),
  payload: boundedJson(jsonObject).nullish(),
  agent: shortName,
  conversationId: shortName,
  runId: z.string().nullish(),
  expiresAt: z
    .date()
    .refine((d) => d.getTime() > Date.now(), "must be in the future")
    .nullish(),
});
export type SubmitApprovalInput = z.infer<typeof submitApprovalInput>;

export async function submitApproval<Q extends object>(db: Db, query: Q, input: SubmitApprovalInput) {
  if (input.runId) {
    const run = await db.agentRun.findUnique({ where: { runId: input.runId }, select: { runId: true } });
    if (!run) throw badInput("input.runId", `no agent run ${input.runId}`);
  }
  return db.agentApproval.create({
    ...query,
    data: {
      kind: input.kind,
      summary: input.summary,
      payload: (input.payload ?? {}) as Prisma.InputJsonValue,
      agent: input.agent,
      conversationId: input.conversationId,
      runId: input.runId ?? null,
      expiresAt: input.expiresAt ?? null,
    },
  });
}
