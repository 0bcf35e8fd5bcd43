/**
 * The agent system: the human-in-the-loop approval queue (agents submit, operators decide, every
 * decision audited), operator feedback, agent runs / quality checks / LLM-call logs, and the live
 * queue subscription. See docs/agent-workflows.md.
 */
import { GraphQLError } from "graphql";
import { access, builder, executes } from "./builder.ts";
import { meetsDecisionAal } from "../auth/policy.ts";
import { cappedStringList, DateTimeRangeInput, exposeEnum, guardedList, guardedRelation, orderInput, tableById, tableConnection } from "./common.ts";
import { dateTimeRangeWhere } from "../lib/dates.ts";
import { listBound } from "./bounds.ts";
import { DecisionLog } from "./analytics.ts";
import { badInput } from "../errors.ts";
import { nonEmpty, nonNegativeInt, validate, z } from "../lib/validation.ts";
import {
  ageSeconds,
  approvalQueueStats,
  approvalWhere,
  auditTrailLoader,
  decideApproval,
  effectiveStatus,
  expireApprovals,
  finishRun,
  recordQcChecks,
  recordQueries,
  queryByIdLoader,
  recordRun,
  runByIdLoader,
  submitApproval,
  submitFeedback,
} from "../data/agents.ts";
import { perEventTransactions } from "../pubsub/rls-events.ts";
import type { ApprovalQueueEventKind } from "../pubsub/index.ts";
import type { Prisma } from "../generated/prisma/client.ts";

/** Most rows one batch mutation writes (and so returns). */
const MAX_BATCH = 1000;
/** Most labels on one feedback row: checked on write, capped on read. */
const MAX_LABELS = 50;
/** Most audit entries listed per approval (one per transition: a handful in practice). */
const MAX_AUDIT_TRAIL = 50;

// ───────────── Enums ─────────────

export const AgentApprovalStatus = builder.enumType("AgentApprovalStatus", {
  description: "Where an approval is in its life: PENDING → APPROVED | REJECTED | EXPIRED, and nothing else.",
  values: {
    PENDING: { value: "pending", description: "Waiting for an operator; its deadline (if any) has not passed." },
    APPROVED: { value: "approved", description: "An operator approved it; the agent may act." },
    REJECTED: { value: "rejected", description: "An operator rejected it; the agent must not act." },
    EXPIRED: { value: "expired", description: "Its deadline passed (or the agent withdrew it) before anyone decided." },
  } as const,
});

const AgentApprovalDecision = builder.enumType("AgentApprovalDecision", {
  values: { APPROVE: { value: "APPROVE" }, REJECT: { value: "REJECT" } } as const,
});

const AgentRunResolution = builder.enumType("AgentRunResolution", {
  values: { RESOLVED: { value: "resolved" }, ESCALATED: { value: "escalated" }, FAILED: { value: "failed" } } as const,
});

const AgentQueryOutcome = builder.enumType("AgentQueryOutcome", {
  values: { SUCCESS: { value: "success" }, ERROR: { value: "error" }, TIMEOUT: { value: "timeout" }, REFUSED: { value: "refused" } } as const,
});

const ApprovalQueueEventKindEnum = builder.enumType("ApprovalQueueEventKind", {
  values: {
    SUBMITTED: { value: "submitted", description: "An agent submitted a new approval." },
    DECIDED: { value: "decided", description: "An operator approved or rejected it." },
    EXPIRED: { value: "expired", description: "Its deadline passed and the sweep recorded it (or the agent withdrew it)." },
  } as const,
});

// ───────────── Types ─────────────

type ApprovalRow = Prisma.AgentApprovalGetPayload<object>;

export const AgentApproval = builder.prismaObject("AgentApproval", {
  description: "An action an agent asks an operator to approve (table AgentApproval): the human-in-the-loop queue.",
  authScopes: access("AgentApproval"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    kind: t.exposeString("kind", { description: "What the agent wants to do, e.g. send_reply or update_inventory." }),
    summary: t.exposeString("summary", { description: "What the operator reads before deciding." }),
    payload: t.expose("payload", { type: "JSON", description: "The action itself, exactly as submitted (it cannot change afterwards)." }),
    agent: t.exposeString("agent"),
    conversationId: t.exposeString("conversationId", { description: "The conversation or thread the action came from." }),
    lastInterruptions: t.expose("lastInterruptions", { type: "JSON", description: "The agent runtime's pending interruptions, to resume the run after the decision." }),
    status: t.field({
      type: AgentApprovalStatus,
      description: "A pending approval past its deadline reads EXPIRED, even before the sweep records it.",
      resolve: (row) => effectiveStatus(row),
    }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true, description: "The deadline; null = waits until decided." }),
    decidedBy: t.exposeString("decidedBy", { nullable: true, description: "The deciding operator's verified id (their session's JWT sub); null while pending and for expiries." }),
    decidedAt: t.expose("decidedAt", { type: "DateTime", nullable: true, description: "When it was decided (the database clock), or the deadline it expired at." }),
    decisionNote: t.exposeString("decisionNote", { nullable: true }),
    ageSeconds: t.int({
      description: "Seconds it waited: until its decision, or until now while pending.",
      resolve: (row) => ageSeconds(row),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    run: t.field({
      type: AgentRun,
      nullable: true,
      description: "The agent run that asked; null for roles that may not read agent runs (operators).",
      authScopes: access("agent_run"),
      unauthorizedResolver: () => null,
      resolve: (row, _args, ctx) => (row.runId ? runByIdLoader(ctx).load(row.runId) : null),
    }),
    feedback: guardedList(t, "feedback", "AgentFeedback", 50, {
      description: "Operator feedback on this approval, oldest first.",
      query: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
    }),
    auditTrail: t.field({
      type: [DecisionLog],
      ...listBound(MAX_AUDIT_TRAIL),
      description: `The DecisionLog entries the database wrote for this approval (one per transition; nothing logged by hand), oldest first; the first ${MAX_AUDIT_TRAIL}.`,
      authScopes: access("DecisionLog"),
      unauthorizedResolver: () => [],
      resolve: async (row, _args, ctx) => (await auditTrailLoader(ctx).load(row.id)).slice(0, MAX_AUDIT_TRAIL),
    }),
  }),
});

export const AgentFeedback = builder.prismaObject("AgentFeedback", {
  description: "An operator's rating and notes on an agent suggestion (table AgentFeedback): what agents learn from.",
  authScopes: access("AgentFeedback"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    conversationId: t.exposeString("conversationId"),
    approval: guardedRelation(t, "approval", "AgentApproval"),
    query: t.field({
      type: AgentQuery,
      nullable: true,
      description: "The LLM call it is about; null for roles that may not read LLM calls (operators).",
      authScopes: access("AgentQuery"),
      unauthorizedResolver: () => null,
      resolve: (row, _args, ctx) => (row.queryId ? queryByIdLoader(ctx).load(row.queryId) : null),
    }),
    rating: t.exposeInt("rating", { nullable: true, description: "1 (bad) to 5 (excellent)." }),
    safeToSend: t.exposeBoolean("safeToSend", { nullable: true, description: "Could the draft have gone out as it was?" }),
    labels: cappedStringList(t, "labels", MAX_LABELS),
    rubric: t.expose("rubric", { type: "JSON", description: "Scores per criterion, e.g. { tone: 4, accuracy: 5 }." }),
    notes: t.exposeString("notes", { nullable: true }),
    inputText: t.exposeString("inputText", { nullable: true, description: "What the customer or system said." }),
    modelDraft: t.exposeString("modelDraft", { nullable: true, description: "What the agent proposed." }),
    annotator: t.exposeString("annotator", { nullable: true, description: "Who gave the feedback (an operator's JWT sub)." }),
    meta: t.expose("meta", { type: "JSON" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

export const AgentRun = builder.prismaObject("AgentRun", {
  description: "One execution of an agent (table agent_run). service_role only.",
  authScopes: access("agent_run"),
  fields: (t) => ({
    id: t.expose("runId", { type: "UUID" }),
    agentName: t.exposeString("agentName"),
    inputKind: t.exposeString("inputKind", { nullable: true }),
    startedAt: t.expose("startedAt", { type: "DateTime" }),
    endedAt: t.expose("endedAt", { type: "DateTime", nullable: true, description: "Null while the run is going." }),
    durationSeconds: t.float({
      nullable: true,
      description: "endedAt − startedAt; null while running.",
      resolve: (run) => (run.endedAt ? (run.endedAt.getTime() - run.startedAt.getTime()) / 1000 : null),
    }),
    resolution: exposeEnum(t, "resolution", AgentRunResolution, { nullable: true, description: "Null while running." }),
    tokensInput: t.exposeInt("tokensInput"),
    tokensOutput: t.exposeInt("tokensOutput"),
    costUsd: t.expose("costUsd", { type: "Decimal" }),
    selfCorrected: t.exposeBoolean("selfCorrected"),
    slaTargetSeconds: t.exposeInt("slaTargetSeconds", { nullable: true }),
    slaBreached: t.boolean({
      nullable: true,
      description: "Whether the run took (or, still running, has taken) longer than its SLA; null without an SLA.",
      resolve: (run) =>
        run.slaTargetSeconds == null ? null : ((run.endedAt ?? new Date()).getTime() - run.startedAt.getTime()) / 1000 > run.slaTargetSeconds,
    }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    qcChecks: guardedList(t, "qcChecks", "agent_qc", 100, { query: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] } }),
    queries: guardedList(t, "queries", "AgentQuery", 200, {
      description: "The run's LLM calls, oldest first.",
      query: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
    }),
    approvals: guardedList(t, "approvals", "AgentApproval", 100, { query: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] } }),
  }),
});

export const AgentQcCheck = builder.prismaObject("AgentQc", {
  name: "AgentQcCheck",
  description: "A quality check of an agent run's output (table agent_qc). service_role only.",
  authScopes: access("agent_qc"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    qualityScore: t.exposeInt("qualityScore", { description: "1 (poor) to 5 (excellent)." }),
    checker: t.exposeString("checker", { nullable: true, description: "Who or what checked: an operator, a grader model, a rule." }),
    notes: t.exposeString("notes", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    run: t.relation("run", { authScopes: access("agent_run") }),
  }),
});

export const AgentQuery = builder.prismaObject("AgentQuery", {
  description: "One LLM call made by an agent (table AgentQuery). service_role only.",
  authScopes: access("AgentQuery"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    conversationId: t.exposeString("conversationId"),
    agent: t.exposeString("agent"),
    model: t.exposeString("model"),
    prompt: t.exposeString("query", { description: 'The prompt text ("" when only its digest was kept).' }),
    response: t.expose("result", { type: "JSON", nullable: true, description: "The model's response, when kept." }),
    promptDigest: t.exposeString("promptDigest", { nullable: true }),
    responseDigest: t.exposeString("responseDigest", { nullable: true }),
    tokensInput: t.exposeInt("tokensInput"),
    tokensOutput: t.exposeInt("tokensOutput"),
    latencyMs: t.exposeInt("latencyMs", { nullable: true }),
    costUsd: t.expose("costUsd", { type: "Decimal" }),
    outcome: exposeEnum(t, "outcome", AgentQueryOutcome),
    approved: t.exposeBoolean("approved", { nullable: true, description: "Whether its output was approved, when it went through review." }),
    humanEdited: t.exposeBoolean("humanEdited"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    run: guardedRelation(t, "run", "agent_run"),
    feedback: guardedList(t, "feedback", "AgentFeedback", 50, { query: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] } }),
  }),
});

const QueueStats = builder.simpleObject("AgentApprovalQueueStats", {
  description: "The approval queue at a glance (statuses as readers see them: past-deadline pending items count as expired).",
  fields: (t) => ({
    pending: t.int(),
    approved: t.int(),
    rejected: t.int(),
    expired: t.int(),
    oldestPendingAt: t.field({ type: "DateTime", nullable: true, description: "When the longest-waiting pending item was submitted." }),
    oldestPendingAgeSeconds: t.int({ nullable: true }),
    nextDeadline: t.field({ type: "DateTime", nullable: true, description: "The earliest deadline among pending items." }),
  }),
});

// ───────────── Queries ─────────────

const ApprovalFilter = builder.inputType("AgentApprovalFilter", {
  fields: (t) => ({
    statuses: t.field({ type: [AgentApprovalStatus], required: false, description: "Any of these (as readers see them: PENDING excludes past-deadline items)." }),
    kinds: t.stringList({ required: false }),
    agents: t.stringList({ required: false }),
    conversationId: t.string({ required: false }),
    createdDuring: t.field({ type: DateTimeRangeInput, required: false }),
    olderThanSeconds: t.int({ required: false, description: "Only items submitted at least this many seconds ago." }),
  }),
});
const approvalOrder = orderInput("AgentApproval", { CREATED_AT: "createdAt", UPDATED_AT: "updatedAt" }, "CREATED_AT", "ASC");

const FeedbackFilter = builder.inputType("AgentFeedbackFilter", {
  fields: (t) => ({
    approvalId: t.field({ type: "UUID", required: false }),
    queryId: t.field({ type: "UUID", required: false }),
    conversationId: t.string({ required: false }),
    annotator: t.string({ required: false }),
    labels: t.stringList({ required: false, description: "Feedback carrying any of these labels." }),
    minRating: t.int({ required: false }),
    maxRating: t.int({ required: false }),
    createdDuring: t.field({ type: DateTimeRangeInput, required: false }),
  }),
});
const feedbackOrder = orderInput("AgentFeedback", { CREATED_AT: "createdAt" }, "CREATED_AT");

const RunFilter = builder.inputType("AgentRunFilter", {
  fields: (t) => ({
    agentNames: t.stringList({ required: false }),
    resolutions: t.field({ type: [AgentRunResolution], required: false }),
    running: t.boolean({ required: false, description: "true: only runs without endedAt; false: only finished runs." }),
    inputKind: t.string({ required: false }),
    startedDuring: t.field({ type: DateTimeRangeInput, required: false }),
  }),
});
const runOrder = orderInput("AgentRun", { STARTED_AT: "startedAt", CREATED_AT: "createdAt", COST_USD: "costUsd" }, "STARTED_AT");

const QueryFilter = builder.inputType("AgentQueryFilter", {
  fields: (t) => ({
    agents: t.stringList({ required: false }),
    models: t.stringList({ required: false }),
    outcomes: t.field({ type: [AgentQueryOutcome], required: false }),
    conversationId: t.string({ required: false }),
    runId: t.field({ type: "UUID", required: false }),
    createdDuring: t.field({ type: DateTimeRangeInput, required: false }),
  }),
});
const queryOrder = orderInput("AgentQuery", { CREATED_AT: "createdAt", COST_USD: "costUsd" }, "CREATED_AT");

const ratingBound = (value: number | null | undefined, field: string) => {
  if (value != null && (value < 1 || value > 5)) throw badInput(field, "must be between 1 and 5");
  return value ?? undefined;
};

builder.queryFields((t) => ({
  agentApprovals: tableConnection(t, {
    table: "AgentApproval",
    type: "AgentApproval",
    description: "The approval queue: filter by status, kind, agent, conversation and age. Oldest first by default.",
    args: { filter: t.arg({ type: ApprovalFilter, required: false }), orderBy: t.arg({ type: approvalOrder.input, required: false }) },
    where: (args) => approvalWhere(args.filter),
    orderBy: (args) => approvalOrder.toPrisma(args.orderBy),
  }),
  agentApproval: tableById(t, { table: "AgentApproval", type: "AgentApproval", description: "One approval by id." }),
  agentApprovalQueueStats: t.field({
    type: QueueStats,
    description: "Counts by status and the oldest pending item, optionally for some kinds or agents.",
    authScopes: access("AgentApproval"),
    args: { kinds: t.arg.stringList({ required: false }), agents: t.arg.stringList({ required: false }) },
    resolve: async (_root, args, ctx) => {
      const stats = await approvalQueueStats(ctx.db, args);
      return { ...stats, oldestPendingAgeSeconds: stats.oldestPendingAt ? ageSeconds({ createdAt: stats.oldestPendingAt, decidedAt: null }) : null };
    },
  }),
  agentFeedback: tableConnection(t, {
    table: "AgentFeedback",
    type: "AgentFeedback",
    description: "Operator feedback on agent suggestions, newest first by default.",
    args: { filter: t.arg({ type: FeedbackFilter, required: false }), orderBy: t.arg({ type: feedbackOrder.input, required: false }) },
    where: (args) => {
      const f = args.filter;
      if (!f) return {};
      const min = ratingBound(f.minRating, "filter.minRating");
      const max = ratingBound(f.maxRating, "filter.maxRating");
      return {
        ...(f.approvalId ? { approvalId: f.approvalId } : {}),
        ...(f.queryId ? { queryId: f.queryId } : {}),
        ...(f.conversationId ? { conversationId: f.conversationId } : {}),
        ...(f.annotator ? { annotator: f.annotator } : {}),
        ...(f.labels?.length ? { labels: { hasSome: f.labels } } : {}),
        ...(min !== undefined || max !== undefined ? { rating: { ...(min !== undefined ? { gte: min } : {}), ...(max !== undefined ? { lte: max } : {}) } } : {}),
        ...(f.createdDuring ? { createdAt: dateTimeRangeWhere(f.createdDuring, "filter.createdDuring") } : {}),
      };
    },
    orderBy: (args) => feedbackOrder.toPrisma(args.orderBy),
  }),
  agentRuns: tableConnection(t, {
    table: "agent_run",
    type: "AgentRun",
    cursor: "runId",
    description: "Agent runs, newest first by default. service_role only.",
    args: { filter: t.arg({ type: RunFilter, required: false }), orderBy: t.arg({ type: runOrder.input, required: false }) },
    where: (args) => {
      const f = args.filter;
      if (!f) return {};
      return {
        ...(f.agentNames?.length ? { agentName: { in: f.agentNames } } : {}),
        ...(f.resolutions?.length ? { resolution: { in: f.resolutions } } : {}),
        ...(f.running != null ? { endedAt: f.running ? null : { not: null } } : {}),
        ...(f.inputKind ? { inputKind: f.inputKind } : {}),
        ...(f.startedDuring ? { startedAt: dateTimeRangeWhere(f.startedDuring, "filter.startedDuring") } : {}),
      };
    },
    orderBy: (args) => runOrder.toPrisma(args.orderBy, "runId"),
  }),
  agentRun: tableById(t, { table: "agent_run", type: "AgentRun", idField: "runId", description: "One agent run by id. service_role only." }),
  agentQueries: tableConnection(t, {
    table: "AgentQuery",
    type: "AgentQuery",
    description: "LLM calls made by agents, newest first by default. service_role only.",
    args: { filter: t.arg({ type: QueryFilter, required: false }), orderBy: t.arg({ type: queryOrder.input, required: false }) },
    where: (args) => {
      const f = args.filter;
      if (!f) return {};
      return {
        ...(f.agents?.length ? { agent: { in: f.agents } } : {}),
        ...(f.models?.length ? { model: { in: f.models } } : {}),
        ...(f.outcomes?.length ? { outcome: { in: f.outcomes } } : {}),
        ...(f.conversationId ? { conversationId: f.conversationId } : {}),
        ...(f.runId ? { runId: f.runId } : {}),
        ...(f.createdDuring ? { createdAt: dateTimeRangeWhere(f.createdDuring, "filter.createdDuring") } : {}),
      };
    },
    orderBy: (args) => queryOrder.toPrisma(args.orderBy),
  }),
  agentQuery: tableById(t, { table: "AgentQuery", type: "AgentQuery", description: "One LLM call by id. service_role only." }),
}));

// ───────────── Mutations ─────────────

const jsonObject = z.record(z.string(), z.unknown(), { error: "must be a JSON object" });
const MAX_PAYLOAD_CHARS = 100_000;
const boundedJson = (schema: z.ZodType<Record<string, unknown>>) =>
  schema.refine((v) => JSON.stringify(v).length <= MAX_PAYLOAD_CHARS, `must serialise to at most ${MAX_PAYLOAD_CHARS} characters`);
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);
const shortName = nonEmpty.max(200, "must be at most 200 characters");
const score = z.number().int("must be an integer").min(1, "must be between 1 and 5").max(5, "must be between 1 and 5");
const cost = z.any().refine((v) => v == null || Number(v) >= 0, "must be ≥ 0").optional();

const SubmitApprovalInput = builder.inputType("SubmitAgentApprovalInput", {
  fields: (t) => ({
    kind: t.string({ required: true, description: "What the agent wants to do, e.g. send_reply." }),
    summary: t.string({ required: true, description: "Human-readable: what the operator reads before deciding." }),
    payload: t.field({ type: "JSON", required: false, description: "The action as a JSON object (default {}). Fixed once submitted." }),
    agent: t.string({ required: true }),
    conversationId: t.string({ required: true, description: "The conversation or thread the action came from." }),
    runId: t.field({ type: "UUID", required: false, description: "The agent run that asks." }),
    expiresAt: t.field({ type: "DateTime", required: false, description: "Deadline; must be in the future. Omitted: no deadline." }),
  }),
});
const submitApprovalSchema = z.object({
  kind: shortName,
  summary: nonEmpty.max(4000, "must be at most 4000 characters"),
  payload: boundedJson(jsonObject).nullish(),
  agent: shortName,
  conversationId: shortName,
  runId: z.string().nullish(),
  expiresAt: z.date().refine((d) => d.getTime() > Date.now(), "must be in the future").nullish(),
});

const FeedbackInput = builder.inputType("SubmitAgentFeedbackInput", {
  description: "Feedback on an approval and/or an LLM call (at least one). The conversation is taken from the approval when omitted.",
  fields: (t) => ({
    approvalId: t.field({ type: "UUID", required: false }),
    queryId: t.field({ type: "UUID", required: false }),
    conversationId: t.string({ required: false }),
    rating: t.int({ required: false, description: "1 (bad) to 5 (excellent)." }),
    safeToSend: t.boolean({ required: false }),
    labels: t.stringList({ required: false }),
    rubric: t.field({ type: "JSON", required: false, description: "A JSON object of per-criterion scores." }),
    notes: t.string({ required: false }),
    inputText: t.string({ required: false }),
    modelDraft: t.string({ required: false }),
    meta: t.field({ type: "JSON", required: false }),
    annotator: t.string({ required: false, description: "service_role only. Operators always annotate as their token's sub." }),
  }),
});
const feedbackSchema = z
  .object({
    approvalId: z.string().nullish(),
    queryId: z.string().nullish(),
    conversationId: shortName.nullish(),
    rating: score.nullish(),
    safeToSend: z.boolean().nullish(),
    labels: z.array(nonEmpty.max(100, "must be at most 100 characters")).max(MAX_LABELS, `must contain at most ${MAX_LABELS} labels`).nullish(),
    rubric: boundedJson(jsonObject).nullish(),
    notes: text(10_000).nullish(),
    inputText: text(MAX_PAYLOAD_CHARS).nullish(),
    modelDraft: text(MAX_PAYLOAD_CHARS).nullish(),
    meta: boundedJson(jsonObject).nullish(),
    annotator: shortName.nullish(),
  })
  .refine((v) => !!v.approvalId || !!v.queryId, { message: "give approvalId, queryId or both: feedback is about something", path: ["approvalId"] });

const QcCheckFields = (t: any) => ({
  qualityScore: t.int({ required: true, description: "1 (poor) to 5 (excellent)." }),
  checker: t.string({ required: false }),
  notes: t.string({ required: false }),
});
const qcFields = { qualityScore: score, checker: shortName.nullish(), notes: text(10_000).nullish() };
const RunQcCheckInput = builder.inputType("AgentRunQcCheckInput", { fields: (t) => QcCheckFields(t) });
const QcCheckInput = builder.inputType("AgentQcCheckInput", {
  fields: (t) => ({ runId: t.field({ type: "UUID", required: true }), ...QcCheckFields(t) }),
});

const QueryCallFields = (t: any) => ({
  conversationId: t.string({ required: true }),
  model: t.string({ required: true }),
  prompt: t.string({ required: false, description: "The prompt text; may be omitted when promptDigest is given." }),
  response: t.field({ type: "JSON", required: false }),
  promptDigest: t.string({ required: false, description: "e.g. a sha256 of the prompt, when the text is not kept." }),
  responseDigest: t.string({ required: false }),
  tokensInput: t.int({ required: false, defaultValue: 0 }),
  tokensOutput: t.int({ required: false, defaultValue: 0 }),
  latencyMs: t.int({ required: false }),
  costUsd: t.field({ type: "Decimal", required: false }),
  outcome: t.field({ type: AgentQueryOutcome, required: false, defaultValue: "success" }),
  approved: t.boolean({ required: false }),
  humanEdited: t.boolean({ required: false }),
  createdAt: t.field({ type: "DateTime", required: false, description: "When the call was made (default: now). Lists order calls by it." }),
});
const callFields = {
  conversationId: shortName,
  model: shortName,
  prompt: text(MAX_PAYLOAD_CHARS).nullish(),
  response: z.unknown().refine((v) => v == null || JSON.stringify(v).length <= MAX_PAYLOAD_CHARS, `must serialise to at most ${MAX_PAYLOAD_CHARS} characters`).optional(),
  promptDigest: nonEmpty.max(256, "must be at most 256 characters").nullish(),
  responseDigest: nonEmpty.max(256, "must be at most 256 characters").nullish(),
  tokensInput: nonNegativeInt,
  tokensOutput: nonNegativeInt,
  latencyMs: nonNegativeInt.nullish(),
  costUsd: cost,
  outcome: z.string(),
  approved: z.boolean().nullish(),
  humanEdited: z.boolean().nullish(),
  createdAt: z.date().nullish(),
};
const promptOrDigest = { message: "give prompt, promptDigest or both", path: ["prompt"] };
const hasPrompt = (v: { prompt?: string | null; promptDigest?: string | null }) => (v.prompt ?? "") !== "" || !!v.promptDigest;
const RunQueryInput = builder.inputType("AgentRunQueryInput", { description: "An LLM call of the run being recorded (agent = the run's agent).", fields: (t) => QueryCallFields(t) });
const QueryInput = builder.inputType("AgentQueryInput", {
  fields: (t) => ({ runId: t.field({ type: "UUID", required: false }), agent: t.string({ required: true }), ...QueryCallFields(t) }),
});

const RecordRunInput = builder.inputType("RecordAgentRunInput", {
  fields: (t) => ({
    id: t.field({ type: "UUID", required: false, description: "The run's id if the agent chose one (e.g. to correlate logs); generated otherwise." }),
    agentName: t.string({ required: true }),
    inputKind: t.string({ required: false }),
    startedAt: t.field({ type: "DateTime", required: false, description: "Default: now." }),
    endedAt: t.field({ type: "DateTime", required: false, description: "For a run recorded after the fact." }),
    resolution: t.field({ type: AgentRunResolution, required: false }),
    tokensInput: t.int({ required: false }),
    tokensOutput: t.int({ required: false }),
    costUsd: t.field({ type: "Decimal", required: false }),
    selfCorrected: t.boolean({ required: false }),
    slaTargetSeconds: t.int({ required: false }),
    metadata: t.field({ type: "JSON", required: false }),
    qcChecks: t.field({ type: [RunQcCheckInput], required: false }),
    queries: t.field({ type: [RunQueryInput], required: false }),
  }),
});
const recordRunSchema = z
  .object({
    id: z.string().nullish(),
    agentName: shortName,
    inputKind: shortName.nullish(),
    startedAt: z.date().nullish(),
    endedAt: z.date().nullish(),
    resolution: z.string().nullish(),
    tokensInput: nonNegativeInt.nullish(),
    tokensOutput: nonNegativeInt.nullish(),
    costUsd: cost,
    selfCorrected: z.boolean().nullish(),
    slaTargetSeconds: nonNegativeInt.min(1, "must be > 0").nullish(),
    metadata: boundedJson(jsonObject).nullish(),
    qcChecks: z.array(z.object(qcFields)).max(MAX_BATCH, `must contain at most ${MAX_BATCH} items`).nullish(),
    queries: z.array(z.object(callFields).refine(hasPrompt, promptOrDigest)).max(MAX_BATCH, `must contain at most ${MAX_BATCH} items`).nullish(),
  })
  .refine((v) => !v.endedAt || v.endedAt >= (v.startedAt ?? new Date(0)), { message: "must not be before startedAt", path: ["endedAt"] })
  .refine((v) => !v.resolution || !!v.endedAt, { message: "a resolved run needs endedAt (or record it, then finishAgentRun)", path: ["resolution"] });

const FinishRunInput = builder.inputType("FinishAgentRunInput", {
  description: "Token and cost totals left out are summed from the run's recorded LLM calls (when it has any).",
  fields: (t) => ({
    resolution: t.field({ type: AgentRunResolution, required: true }),
    endedAt: t.field({ type: "DateTime", required: false, description: "Default: now." }),
    tokensInput: t.int({ required: false }),
    tokensOutput: t.int({ required: false }),
    costUsd: t.field({ type: "Decimal", required: false }),
    selfCorrected: t.boolean({ required: false }),
  }),
});
const finishRunSchema = z.object({
  resolution: z.string(),
  endedAt: z.date().nullish(),
  tokensInput: nonNegativeInt.nullish(),
  tokensOutput: nonNegativeInt.nullish(),
  costUsd: cost,
  selfCorrected: z.boolean().nullish(),
});

const RecordQcChecksInput = builder.inputType("RecordAgentQcChecksInput", {
  fields: (t) => ({ checks: t.field({ type: [QcCheckInput], required: true }) }),
});
const qcChecksSchema = z.object({
  checks: z
    .array(z.object({ runId: z.string(), ...qcFields }))
    .min(1, "must contain at least one check")
    .max(MAX_BATCH, `must contain at most ${MAX_BATCH} checks`),
});
const RecordQueriesInput = builder.inputType("RecordAgentQueriesInput", {
  fields: (t) => ({ queries: t.field({ type: [QueryInput], required: true }) }),
});
const queriesSchema = z.object({
  queries: z
    .array(z.object({ runId: z.string().nullish(), agent: shortName, ...callFields }).refine(hasPrompt, promptOrDigest))
    .min(1, "must contain at least one call")
    .max(MAX_BATCH, `must contain at most ${MAX_BATCH} calls`),
});

const ExpirePayload = builder.simpleObject("ExpireAgentApprovalsPayload", {
  fields: (t) => ({ expired: t.int({ description: "Pending approvals past their deadline that are now EXPIRED." }) }),
});

builder.mutationFields((t) => ({
  submitAgentApproval: t.prismaField({
    type: "AgentApproval",
    description:
      "An agent asks an operator to approve an action. service_role only. With an agent key the approval's agent is the key's agent " +
      "(input.agent is ignored), so no agent can submit in another's name.",
    authScopes: access("AgentApproval", "insert"),
    args: { input: t.arg({ type: SubmitApprovalInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      const v = validate(submitApprovalSchema, input);
      return submitApproval(ctx.db, query, ctx.viewer.agent ? { ...v, agent: ctx.viewer.agent.name } : v);
    },
  }),
  decideAgentApproval: t.prismaField({
    type: "AgentApproval",
    description:
      "Approve or reject a PENDING approval, once: a second decision (even a simultaneous one) gets CONFLICT (reason ALREADY_DECIDED), " +
      "a past-deadline one CONFLICT (reason EXPIRED), an unknown id NOT_FOUND. Only an operator's own session decides: service_role " +
      "tokens and agent keys, anonymous sign-ins and (with DECISION_MIN_AAL=aal2) single-factor sessions get FORBIDDEN. Your token's " +
      "sub is recorded as decidedBy; a DecisionLog entry is written in the same transaction.",
    authScopes: executes("decide_agent_approval"),
    args: {
      id: t.arg({ type: "UUID", required: true }),
      decision: t.arg({ type: AgentApprovalDecision, required: true }),
      note: t.arg.string({ required: false, description: "Why; at most 4000 characters." }),
    },
    resolve: async (query, _root, args, ctx) => {
      // The policy's half of DECISION_MIN_AAL (the database's is in gateway.decide_agent_approval).
      const minimum = ctx.decisionMinAal ?? "aal1";
      if (!meetsDecisionAal(ctx.viewer, minimum)) {
        throw new GraphQLError(`Deciding an approval needs a multi-factor sign-in (${minimum}); sign in again with your second factor.`, {
          extensions: { code: "FORBIDDEN", reason: "AAL_REQUIRED", required: minimum },
        });
      }
      const note = validate(text(4000).nullish(), args.note, "note");
      const id = await decideApproval(ctx.db, args.id, args.decision, note?.trim() || null);
      return ctx.db.agentApproval.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  expireAgentApprovals: t.field({
    type: ExpirePayload,
    description: "Records every pending approval past its deadline as EXPIRED (the gateway also does this periodically). service_role only.",
    authScopes: executes("expire_agent_approvals"),
    resolve: async (_root, _args, ctx) => ({ expired: await expireApprovals(ctx.db) }),
  }),
  submitAgentFeedback: t.prismaField({
    type: "AgentFeedback",
    description: "Rate and annotate an agent suggestion. Operators annotate as themselves; service_role may name the annotator.",
    authScopes: access("AgentFeedback", "insert"),
    args: { input: t.arg({ type: FeedbackInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => submitFeedback(ctx, query, validate(feedbackSchema, input)),
  }),
  recordAgentRun: t.prismaField({
    type: "AgentRun",
    description: "Records a run, optionally with its quality checks and LLM calls, in three statements. service_role only.",
    authScopes: { $all: { access: { table: "agent_run", op: "insert" }, $all: { access: { table: "agent_qc", op: "insert" }, $all: access("AgentQuery", "insert") } } },
    args: { input: t.arg({ type: RecordRunInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      const { qcChecks, queries, ...run } = validate(recordRunSchema, input);
      return recordRun(ctx.db, query, run, { qcChecks: qcChecks ?? [], queries: queries ?? [] });
    },
  }),
  finishAgentRun: t.prismaField({
    type: "AgentRun",
    description: "Ends a running run with its resolution; CONFLICT if it already ended. service_role only.",
    authScopes: access("agent_run", ["select", "update"]),
    args: { id: t.arg({ type: "UUID", required: true }), input: t.arg({ type: FinishRunInput, required: true }) },
    resolve: (query, _root, { id, input }, ctx) => finishRun(ctx.db, query, id, validate(finishRunSchema, input)),
  }),
  recordAgentQcChecks: t.prismaField({
    type: ["AgentQc"],
    ...listBound(MAX_BATCH, ({ input }) => (input as { checks?: unknown[] } | undefined)?.checks?.length ?? MAX_BATCH, "input.checks"),
    description: "Records quality checks in one statement; returns them in input order. service_role only.",
    authScopes: access("agent_qc", "insert"),
    args: { input: t.arg({ type: RecordQcChecksInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => recordQcChecks(ctx.db, query, validate(qcChecksSchema, input).checks),
  }),
  recordAgentQueries: t.prismaField({
    type: ["AgentQuery"],
    ...listBound(MAX_BATCH, ({ input }) => (input as { queries?: unknown[] } | undefined)?.queries?.length ?? MAX_BATCH, "input.queries"),
    description: "Records LLM calls in one statement; returns them in input order. service_role only.",
    authScopes: access("AgentQuery", "insert"),
    args: { input: t.arg({ type: RecordQueriesInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => recordQueries(ctx.db, query, validate(queriesSchema, input).queries),
  }),
}));

// ───────────── Subscription: the live queue ─────────────

interface QueueEvent {
  event: ApprovalQueueEventKind;
  approval: ApprovalRow;
}

const ApprovalQueueEvent = builder.objectRef<QueueEvent>("ApprovalQueueEvent").implement({
  description: "A change of the approval queue, with the approval as it is now (read with your role).",
  fields: (t) => ({
    event: t.field({ type: ApprovalQueueEventKindEnum, resolve: (e) => e.event }),
    approval: t.field({ type: AgentApproval, resolve: (e) => e.approval }),
  }),
});

const QueueEventFilter = builder.inputType("ApprovalQueueEventFilter", {
  fields: (t) => ({
    events: t.field({ type: [ApprovalQueueEventKindEnum], required: false }),
    kinds: t.stringList({ required: false }),
    agents: t.stringList({ required: false }),
    conversationId: t.string({ required: false }),
  }),
});

builder.subscriptionField("approvalQueueEvents", (t) =>
  t.field({
    type: ApprovalQueueEvent,
    description:
      "Live approval-queue changes (SUBMITTED, DECIDED, EXPIRED) from every gateway instance on this database, over SSE " +
      "(Accept: text/event-stream). Each event is re-read with your role. Changes while you are not connected are not replayed: " +
      "query agentApprovals when you (re)subscribe.",
    authScopes: access("AgentApproval"),
    args: { filter: t.arg({ type: QueueEventFilter, required: false }) },
    subscribe: (_root, { filter }, ctx) => {
      const events = ctx.events;
      if (!events) {
        throw new GraphQLError("Live events are not enabled on this gateway.", { extensions: { code: "SERVICE_UNAVAILABLE" } });
      }
      const wanted = (row: ApprovalRow) =>
        (!filter?.kinds?.length || filter.kinds.includes(row.kind)) &&
        (!filter?.agents?.length || filter.agents.includes(row.agent)) &&
        (!filter?.conversationId || filter.conversationId === row.conversationId);
      return perEventTransactions<{ id: string; event: ApprovalQueueEventKind }, QueueEvent>(ctx, events.prisma, events.approvalQueue(ctx.viewer), {
        accept: (notice) => !filter?.events?.length || filter.events.includes(notice.event),
        load: async (tx, notice) => {
          // RLS applies here: a role that may not read the row gets nothing.
          const approval = await tx.agentApproval.findUnique({ where: { id: notice.id } });
          return approval && wanted(approval) ? { event: notice.event, approval } : undefined;
        },
      });
    },
    resolve: (event) => event,
  }),
);
