/**
 * Data access for the agent system: the approval queue (filters that treat past-deadline items as
 * expired, the decision through gateway.decide_agent_approval, the expiry sweep, queue statistics),
 * operator feedback, and the batch writers of agent runs, quality checks and LLM-call logs.
 */
import { GraphQLError } from "graphql";
import { Prisma, type PrismaClient } from "../generated/prisma/client.ts";
import type { Db } from "../db/rls.ts";
import type { Viewer } from "../auth/viewer.ts";
import type { DataContext } from "./context.ts";
import { canRead } from "../auth/policy.ts";
import { dateTimeRangeWhere } from "../lib/dates.ts";
import { badInput, conflict, notFound } from "../errors.ts";
import { rowAllowed } from "../auth/policy.ts";
import type { ApprovalStatus } from "../pubsub/types.ts";
import { groupByKeys, loaderFor } from "./loaders.ts";

// ───────────── Approval status ─────────────


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

export interface ApprovalFilter {
  statuses?: ApprovalStatus[] | null;
  kinds?: string[] | null;
  agents?: string[] | null;
  conversationId?: string | null;
  createdDuring?: { from?: Date | null; to?: Date | null } | null;
  olderThanSeconds?: number | null;
}

export function approvalWhere(filter: ApprovalFilter | null | undefined, now = new Date()): Prisma.AgentApprovalWhereInput {
  if (!filter) return {};
  const and: Prisma.AgentApprovalWhereInput[] = [];
  if (filter.statuses?.length) and.push(approvalStatusWhere(filter.statuses, now));
  if (filter.kinds?.length) and.push({ kind: { in: filter.kinds } });
  if (filter.agents?.length) and.push({ agent: { in: filter.agents } });
  if (filter.conversationId) and.push({ conversationId: filter.conversationId });
  const created = dateTimeRangeWhere(filter.createdDuring, "filter.createdDuring");
  if (created) and.push({ createdAt: created });
  if (filter.olderThanSeconds != null) {
    if (filter.olderThanSeconds < 0) throw badInput("filter.olderThanSeconds", "must be ≥ 0");
    and.push({ createdAt: { lte: new Date(now.getTime() - filter.olderThanSeconds * 1000) } });
  }
  return and.length ? { AND: and } : {};
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

// ───────────── Loaders (one statement per request each) ─────────────

/** The audit entries of many approvals: one statement per request. */
export const auditTrailLoader = (ctx: DataContext) =>
  loaderFor<string, Prisma.DecisionLogGetPayload<object>[]>(ctx, "agents.auditTrail", async (ids) => {
    // Only the rows the database wrote: anything logged by hand is not part of an approval's record (D4).
    const rows = await ctx.db.decisionLog.findMany({
      where: { scope: "agent_approval", system: true, externalRef: { in: [...ids] } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    return groupByKeys(ids, rows, (row) => row.externalRef!);
  });

/**
 * Agent runs and LLM calls by id, for relations out of tables operators may read (AgentApproval.run,
 * AgentFeedback.query). These are loaders, not Prisma relations, on purpose: a relation would be
 * planned into the parent's query as an include even for a role that may not read the target, and
 * the database would then refuse the whole parent (42501) instead of the field reading null.
 */
export const runByIdLoader = (ctx: DataContext) =>
  loaderFor<string, Prisma.AgentRunGetPayload<object> | null>(ctx, "agents.runById", async (ids) => {
    const rows = await ctx.db.agentRun.findMany({ where: { runId: { in: [...ids] } } });
    const byId = new Map(rows.map((row) => [row.runId, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
export const queryByIdLoader = (ctx: DataContext) =>
  loaderFor<string, Prisma.AgentQueryGetPayload<object> | null>(ctx, "agents.queryById", async (ids) => {
    const rows = await ctx.db.agentQuery.findMany({ where: { id: { in: [...ids] } } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });

// ───────────── Database errors raised on purpose (see the agent_workflows migration) ─────────────

interface PgCause {
  code?: string;
  message?: string;
  detail?: string;
}

/** The PostgreSQL error behind a Prisma error (raw queries arrive as P2010 with the driver's cause). */
export function pgCauseOf(error: unknown): PgCause | undefined {
  const cause = (error as { meta?: { driverAdapterError?: { cause?: { originalCode?: string; originalMessage?: string; detail?: string } } } })?.meta
    ?.driverAdapterError?.cause;
  if (cause?.originalCode) return { code: cause.originalCode, message: cause.originalMessage, detail: cause.detail };
  const raw = error as { code?: unknown; message?: string; detail?: string; severity?: unknown };
  if (typeof raw?.code === "string" && raw.code.length === 5 && raw.severity !== undefined) return { code: raw.code, message: raw.message, detail: raw.detail };
  return undefined;
}

function parseDetail(detail: string | undefined): Record<string, unknown> {
  try {
    return detail ? (JSON.parse(detail) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Maps the decision function's SQLSTATEs to GraphQL errors; anything else is rethrown unchanged. */
function decisionError(error: unknown, id: string): unknown {
  const cause = pgCauseOf(error);
  switch (cause?.code) {
    case "HDA04":
      return notFound("AgentApproval", id);
    case "HDA09": {
      const d = parseDetail(cause.detail);
      return conflict(`AgentApproval ${id} was already decided: it is ${d.status ?? "no longer pending"}.`, {
        reason: "ALREADY_DECIDED",
        id,
        status: typeof d.status === "string" ? d.status.toUpperCase() : undefined,
        decidedBy: d.decidedBy ?? null,
        decidedAt: d.decidedAt ?? null,
      });
    }
    case "HDA10": {
      const d = parseDetail(cause.detail);
      return conflict(`AgentApproval ${id} expired at ${d.expiresAt ?? "its deadline"}; it can no longer be decided.`, {
        reason: "EXPIRED",
        id,
        status: "EXPIRED",
        expiresAt: d.expiresAt ?? null,
      });
    }
    case "40001":
    case "40P01":
      return conflict(`AgentApproval ${id} was decided concurrently; read it again.`, { reason: "CONCURRENT_DECISION", id });
    case "22023":
      return new GraphQLError(cause.message ?? "Invalid argument.", { extensions: { code: "BAD_USER_INPUT" } });
    case "42501": {
      // The function's refusals (migration 20251020000600_identity) name their reason in DETAIL.
      const d = parseDetail(cause.detail);
      if (typeof d.reason !== "string") return error;
      const message =
        d.reason === "NO_SUBJECT"
          ? "Deciding an approval needs your identity: the token has no sub claim."
          : d.reason === "AAL_REQUIRED"
            ? `Deciding an approval needs a multi-factor sign-in (${d.required ?? "aal2"}); this session is ${d.actual ?? "aal1"}.`
            : d.reason === "ANONYMOUS"
              ? "An anonymous sign-in is not an operator: it cannot decide approvals."
              : "Only an operator's own session decides approvals; agents and service tokens submit them.";
      return new GraphQLError(message, { extensions: { code: "FORBIDDEN", reason: d.reason, ...(d.required !== undefined && { required: d.required }) } });
    }
    default:
      return error;
  }
}

// ───────────── Approvals ─────────────

/**
 * Approves or rejects through gateway.decide_agent_approval: the row lock makes concurrent decisions
 * safe (one wins, the other gets CONFLICT), decidedBy is the token's verified sub, and the trigger
 * writes the DecisionLog row in this same transaction. The function itself refuses every caller but an
 * operator session meeting the store's DECISION_MIN_AAL (FORBIDDEN with a reason).
 */
export async function decideApproval(db: Db, id: string, decision: "APPROVE" | "REJECT", note: string | null): Promise<string> {
  try {
    const rows = await db.$queryRaw<{ id: string }[]>`SELECT "id" FROM gateway.decide_agent_approval(${id}::uuid, ${decision}, ${note})`;
    return rows[0]!.id;
  } catch (error) {
    throw decisionError(error, id);
  }
}

/** Marks every pending approval past its deadline as expired; returns how many. */
export async function expireApprovals(db: Db): Promise<number> {
  const [row] = await db.$queryRaw<{ expired: number }[]>`SELECT gateway.expire_agent_approvals() AS expired`;
  return row?.expired ?? 0;
}

export interface SubmitApprovalInput {
  kind: string;
  summary: string;
  payload?: unknown;
  agent: string;
  conversationId: string;
  runId?: string | null;
  expiresAt?: Date | null;
}

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

// ───────────── Feedback ─────────────

export interface FeedbackInput {
  approvalId?: string | null;
  queryId?: string | null;
  conversationId?: string | null;
  rating?: number | null;
  safeToSend?: boolean | null;
  labels?: string[] | null;
  rubric?: unknown;
  notes?: string | null;
  inputText?: string | null;
  modelDraft?: string | null;
  meta?: unknown;
  annotator?: string | null;
}

/**
 * Records operator feedback on an approval and/or an LLM call. Operators (authenticated) always
 * annotate as their token's sub (the RLS insert policy demands it too); service_role may name one.
 * The conversation comes from what the feedback is about, and must agree with it.
 */
export async function submitFeedback<Q extends object>(ctx: DataContext, query: Q, input: FeedbackInput) {
  const { viewer, db } = ctx;
  let annotator = input.annotator ?? null;
  if (viewer.role === "authenticated") {
    if (!viewer.subject) throw new GraphQLError("Feedback needs your identity: the token has no sub claim.", { extensions: { code: "FORBIDDEN" } });
    if (annotator !== null && annotator !== viewer.subject) {
      throw new GraphQLError("Operators record feedback as themselves: input.annotator must be omitted or equal your token's sub.", {
        extensions: { code: "FORBIDDEN", field: "input.annotator" },
      });
    }
    annotator = viewer.subject;
  }
  if (!rowAllowed(viewer, "AgentFeedback", "insert", { annotator })) {
    throw new GraphQLError(`The ${viewer.role} role may not record this feedback.`, { extensions: { code: "FORBIDDEN" } });
  }

  const conversations = new Map<string, string>(); // field → conversationId it implies
  if (input.approvalId) {
    const approval = await db.agentApproval.findUnique({ where: { id: input.approvalId }, select: { conversationId: true } });
    if (!approval) throw badInput("input.approvalId", `no approval ${input.approvalId}`);
    conversations.set("input.approvalId", approval.conversationId);
  }
  if (input.queryId && canRead(ctx, "AgentQuery")) {
    const call = await db.agentQuery.findUnique({ where: { id: input.queryId }, select: { conversationId: true } });
    if (!call) throw badInput("input.queryId", `no agent query ${input.queryId}`);
    conversations.set("input.queryId", call.conversationId);
  }
  // Roles that cannot read AgentQuery still link one: the foreign key proves it exists (else BAD_USER_INPUT).
  let conversationId = input.conversationId ?? null;
  for (const [field, implied] of conversations) {
    if (conversationId === null) conversationId = implied;
    else if (conversationId !== implied) {
      throw badInput(field, `belongs to conversation ${implied}, not ${conversationId}`);
    }
  }
  if (conversationId === null) throw badInput("input.conversationId", "is required when the conversation cannot be taken from input.approvalId");

  return db.agentFeedback.create({
    ...query,
    data: {
      approvalId: input.approvalId ?? null,
      queryId: input.queryId ?? null,
      conversationId,
      rating: input.rating ?? null,
      safeToSend: input.safeToSend ?? null,
      labels: input.labels ?? [],
      rubric: (input.rubric ?? {}) as Prisma.InputJsonValue,
      notes: input.notes ?? null,
      inputText: input.inputText ?? null,
      modelDraft: input.modelDraft ?? null,
      meta: (input.meta ?? {}) as Prisma.InputJsonValue,
      annotator,
    },
  });
}

// ───────────── Agent runs, quality checks, LLM calls (service_role) ─────────────

export interface QcCheckInput {
  runId: string;
  qualityScore: number;
  checker?: string | null;
  notes?: string | null;
}

export interface AgentQueryInput {
  runId?: string | null;
  conversationId: string;
  agent: string;
  model: string;
  prompt?: string | null;
  response?: unknown;
  promptDigest?: string | null;
  responseDigest?: string | null;
  tokensInput: number;
  tokensOutput: number;
  latencyMs?: number | null;
  costUsd?: string | number | Prisma.Decimal | null;
  outcome: string;
  approved?: boolean | null;
  humanEdited?: boolean | null;
  createdAt?: Date | null;
}

export interface RunInput {
  id?: string | null;
  agentName: string;
  startedAt?: Date | null;
  endedAt?: Date | null;
  inputKind?: string | null;
  resolution?: string | null;
  tokensInput?: number | null;
  tokensOutput?: number | null;
  costUsd?: string | number | Prisma.Decimal | null;
  selfCorrected?: boolean | null;
  slaTargetSeconds?: number | null;
  metadata?: unknown;
}

const qcRow = (c: QcCheckInput): Prisma.AgentQcCreateManyInput => ({
  runId: c.runId,
  qualityScore: c.qualityScore,
  checker: c.checker ?? null,
  notes: c.notes ?? null,
});

const queryRow = (q: AgentQueryInput): Prisma.AgentQueryCreateManyInput => ({
  runId: q.runId ?? null,
  conversationId: q.conversationId,
  agent: q.agent,
  model: q.model,
  // The column is NOT NULL; a caller that keeps only digests stores no prompt text.
  query: q.prompt ?? "",
  result: q.response === undefined || q.response === null ? Prisma.DbNull : (q.response as Prisma.InputJsonValue),
  promptDigest: q.promptDigest ?? null,
  responseDigest: q.responseDigest ?? null,
  tokensInput: q.tokensInput,
  tokensOutput: q.tokensOutput,
  latencyMs: q.latencyMs ?? null,
  costUsd: q.costUsd ?? 0,
  outcome: q.outcome,
  approved: q.approved ?? null,
  humanEdited: q.humanEdited ?? false,
  ...(q.createdAt ? { createdAt: q.createdAt } : {}),
});

/** Returns rows in the order of `ids` (the order the caller sent them). */
function inOrder<R>(ids: string[], rows: R[], idOf: (row: R) => string): R[] {
  const byId = new Map(rows.map((r) => [idOf(r), r]));
  return ids.map((id) => byId.get(id)!);
}

/** Inserts quality checks in one statement; returns them (with the caller's selection) in input order. */
export async function recordQcChecks<Q extends object>(db: Db, query: Q, checks: QcCheckInput[]) {
  const created = await db.agentQc.createManyAndReturn({ data: checks.map(qcRow), select: { id: true } });
  const ids = created.map((c) => c.id);
  const rows = await db.agentQc.findMany({ ...query, where: { id: { in: ids } } });
  return inOrder(ids, rows, (r) => (r as { id: string }).id);
}

/** Inserts LLM-call records in one statement; returns them in input order. */
export async function recordQueries<Q extends object>(db: Db, query: Q, calls: AgentQueryInput[]) {
  const created = await db.agentQuery.createManyAndReturn({ data: calls.map(queryRow), select: { id: true } });
  const ids = created.map((c) => c.id);
  const rows = await db.agentQuery.findMany({ ...query, where: { id: { in: ids } } });
  return inOrder(ids, rows, (r) => (r as { id: string }).id);
}

/** One run with its quality checks and LLM calls: three statements however many children. */
export async function recordRun<Q extends object>(
  db: Db,
  query: Q,
  run: RunInput,
  children: { qcChecks: Omit<QcCheckInput, "runId">[]; queries: Omit<AgentQueryInput, "runId" | "agent">[] },
) {
  const { runId } = await db.agentRun.create({
    data: {
      ...(run.id ? { runId: run.id } : {}),
      agentName: run.agentName,
      ...(run.startedAt ? { startedAt: run.startedAt } : {}),
      endedAt: run.endedAt ?? null,
      inputKind: run.inputKind ?? null,
      resolution: run.resolution ?? null,
      tokensInput: run.tokensInput ?? 0,
      tokensOutput: run.tokensOutput ?? 0,
      costUsd: run.costUsd ?? 0,
      selfCorrected: run.selfCorrected ?? false,
      slaTargetSeconds: run.slaTargetSeconds ?? null,
      metadata: (run.metadata ?? {}) as Prisma.InputJsonValue,
    },
    select: { runId: true },
  });
  if (children.qcChecks.length) await db.agentQc.createMany({ data: children.qcChecks.map((c) => qcRow({ ...c, runId })) });
  if (children.queries.length) {
    await db.agentQuery.createMany({ data: children.queries.map((q) => queryRow({ ...q, runId, agent: run.agentName })) });
  }
  return db.agentRun.findUniqueOrThrow({ ...query, where: { runId } });
}

export interface FinishRunInput {
  resolution: string;
  endedAt?: Date | null;
  tokensInput?: number | null;
  tokensOutput?: number | null;
  costUsd?: string | number | Prisma.Decimal | null;
  selfCorrected?: boolean | null;
}

/**
 * Closes a run in one statement. Token and cost totals the caller leaves out are summed from the
 * run's recorded LLM calls (when it has any); a run is finished once (CONFLICT the second time).
 */
export async function finishRun<Q extends object>(db: Db, query: Q, runId: string, input: FinishRunInput) {
  const cost = input.costUsd == null ? null : String(input.costUsd);
  const updated = await db.$queryRaw<{ run_id: string }[]>`
    UPDATE agent_run AS r SET
      ended_at       = coalesce(${input.endedAt ?? null}::timestamptz, now()),
      resolution     = ${input.resolution},
      tokens_input   = coalesce(${input.tokensInput ?? null}::int, q.tokens_input, r.tokens_input),
      tokens_output  = coalesce(${input.tokensOutput ?? null}::int, q.tokens_output, r.tokens_output),
      cost_usd       = coalesce(${cost}::numeric, q.cost_usd, r.cost_usd),
      self_corrected = coalesce(${input.selfCorrected ?? null}::boolean, r.self_corrected)
    FROM (
      SELECT sum("tokensInput")::int AS tokens_input, sum("tokensOutput")::int AS tokens_output, sum("costUsd") AS cost_usd
        FROM "AgentQuery" WHERE "runId" = ${runId}::uuid
    ) AS q
    WHERE r.run_id = ${runId}::uuid AND r.ended_at IS NULL
    RETURNING r.run_id`;
  if (updated.length === 0) {
    const run = await db.agentRun.findUnique({ where: { runId }, select: { endedAt: true } });
    if (!run) throw notFound("AgentRun", runId);
    throw conflict(`AgentRun ${runId} already finished at ${run.endedAt?.toISOString()}.`, { reason: "ALREADY_FINISHED", id: runId });
  }
  return db.agentRun.findUniqueOrThrow({ ...query, where: { runId } });
}
