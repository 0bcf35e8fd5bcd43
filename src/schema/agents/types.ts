/**
 * The agent system's object types and enums: approvals, feedback, agent runs, quality checks and
 * LLM calls, and the queue statistics. The queries and mutations are in the sibling files.
 */
import { access, builder } from "../builder.ts";
import { cappedStringList, exposeEnum, guardedList, guardedRelation } from "../common.ts";
import { listBound } from "../bounds.ts";
import { DecisionLog } from "../analytics.ts";
import { ageSeconds, effectiveStatus } from "../../data/agents/approvals.ts";
import { auditTrailLoader, queryByIdLoader, runByIdLoader } from "../../data/agents/loaders.ts";
import { MAX_LABELS } from "../../data/agents/rules.ts";

/** Most audit entries listed per approval (one per transition: a handful in practice). */
const MAX_AUDIT_TRAIL = 50;

export const AgentApprovalStatus = builder.enumType("AgentApprovalStatus", {
  description: "Where an approval is in its life: PENDING → APPROVED | REJECTED | EXPIRED, and nothing else.",
  values: {
    PENDING: { value: "pending", description: "Waiting for an operator; its deadline (if any) has not passed." },
    APPROVED: { value: "approved", description: "An operator approved it; the agent may act." },
    REJECTED: { value: "rejected", description: "An operator rejected it; the agent must not act." },
    EXPIRED: { value: "expired", description: "Its deadline passed (or the agent withdrew it) before anyone decided." },
  } as const,
});

export const AgentRunResolution = builder.enumType("AgentRunResolution", {
  values: { RESOLVED: { value: "resolved" }, ESCALATED: { value: "escalated" }, FAILED: { value: "failed" } } as const,
});

export const AgentQueryOutcome = builder.enumType("AgentQueryOutcome", {
  values: { SUCCESS: { value: "success" }, ERROR: { value: "error" }, TIMEOUT: { value: "timeout" }, REFUSED: { value: "refused" } } as const,
});

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
    lastInterruptions: t.expose("lastInterruptions", {
      type: "JSON",
      description: "The agent runtime's pending interruptions, to resume the run after the decision.",
    }),
    status: t.field({
      type: AgentApprovalStatus,
      description: "A pending approval past its deadline reads EXPIRED, even before the sweep records it.",
      resolve: (row) => effectiveStatus(row),
    }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true, description: "The deadline; null = waits until decided." }),
    decidedBy: t.exposeString("decidedBy", {
      nullable: true,
      description: "The deciding operator's verified id (their session's JWT sub); null while pending and for expiries.",
    }),
    decidedByName: t.exposeString("decidedByName", {
      nullable: true,
      description:
        "The deciding operator's name as their session carried it (user_metadata.full_name, else user_metadata.name, else email), recorded by the database at the decision; null while pending, for expiries and for tokens without one. For display: decidedBy is the identity.",
    }),
    decidedAt: t.expose("decidedAt", {
      type: "DateTime",
      nullable: true,
      description: "When it was decided (the database clock), or the deadline it expired at.",
    }),
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
    execution: guardedRelation(t, "execution", "AgentApprovalExecution"),
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

export const QueueStats = builder.simpleObject("AgentApprovalQueueStats", {
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
