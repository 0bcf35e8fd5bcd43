/**
 * The approval queue's API: listing and statistics, agents submitting, operators deciding (only an
 * operator's own session, every decision audited by the database), and the expiry sweep on demand.
 */
import { access, builder, decides, executes } from "../builder.ts";
import { badInput } from "../../errors.ts";
import { DateTimeRangeInput, orderInput, tableById, tableConnection } from "../common.ts";
import {
  ageSeconds,
  approvalFilter,
  approvalQueueStats,
  approvalWhere,
  decideApproval,
  decisionNote,
  expireApprovals,
  submitApproval,
  submitApprovalInput,
} from "../../data/agents/approvals.ts";
import { AgentApprovalStatus, QueueStats } from "./types.ts";

const AgentApprovalDecision = builder.enumType("AgentApprovalDecision", {
  values: { APPROVE: { value: "APPROVE" }, REJECT: { value: "REJECT" } } as const,
});

const ApprovalFilter = builder
  .inputType("AgentApprovalFilter", {
    fields: (t) => ({
      statuses: t.field({
        type: [AgentApprovalStatus],
        required: false,
        description: "Any of these (as readers see them: PENDING excludes past-deadline items).",
      }),
      kinds: t.stringList({ required: false }),
      agents: t.stringList({ required: false }),
      conversationId: t.string({ required: false }),
      createdDuring: t.field({ type: DateTimeRangeInput, required: false }),
      olderThanSeconds: t.int({ required: false, description: "Only items submitted at least this many seconds ago." }),
    }),
  })
  .validate(approvalFilter);
const approvalOrder = orderInput("AgentApproval", { CREATED_AT: "createdAt", UPDATED_AT: "updatedAt" }, "CREATED_AT", "ASC");

const SubmitApprovalInput = builder
  .inputType("SubmitAgentApprovalInput", {
    fields: (t) => ({
      kind: t.string({ required: true, description: "What the agent wants to do, e.g. send_reply." }),
      summary: t.string({ required: true, description: "Human-readable: what the operator reads before deciding." }),
      payload: t.field({ type: "JSON", required: false, description: "The action as a JSON object (default {}). Fixed once submitted." }),
      agent: t.string({ required: true }),
      conversationId: t.string({ required: true, description: "The conversation or thread the action came from." }),
      runId: t.field({ type: "UUID", required: false, description: "The agent run that asks." }),
      expiresAt: t.field({ type: "DateTime", required: false, description: "Deadline; must be in the future. Omitted: no deadline." }),
    }),
  })
  .validate(submitApprovalInput);

const ExpirePayload = builder.simpleObject("ExpireAgentApprovalsPayload", {
  fields: (t) => ({ expired: t.int({ description: "Pending approvals past their deadline that are now EXPIRED." }) }),
});

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
}));

builder.mutationFields((t) => ({
  submitAgentApproval: t.prismaField({
    type: "AgentApproval",
    description:
      "An agent asks an operator to approve an action. service_role only. With an agent key the approval's agent is the key's agent " +
      "(input.agent is ignored), so no agent can submit in another's name, and payload.documentId is refused: a gated mutation is " +
      "proposed by sending its catalogue operation.",
    authScopes: access("AgentApproval", "insert"),
    args: { input: t.arg({ type: SubmitApprovalInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      if (!ctx.viewer.agent) return submitApproval(ctx.db, query, input);
      // An executable proposal (one executeApprovedAction runs) is the gate's to write, from the operation itself.
      if (input.payload && "documentId" in input.payload)
        throw badInput(
          "input.payload.documentId",
          "is reserved for gated operations: send the catalogue operation itself, which proposes it (APPROVAL_PENDING)",
        );
      return submitApproval(ctx.db, query, { ...input, agent: ctx.viewer.agent.name });
    },
  }),
  decideAgentApproval: t.prismaField({
    type: "AgentApproval",
    description:
      "Approve or reject a PENDING approval, once: a second decision (even a simultaneous one) gets CONFLICT (reason ALREADY_DECIDED), " +
      "a past-deadline one CONFLICT (reason EXPIRED), an unknown id NOT_FOUND. Only an operator's own session decides: service_role " +
      "tokens and agent keys, anonymous sign-ins and (with DECISION_MIN_AAL=aal2) single-factor sessions get FORBIDDEN. Your token's " +
      "sub is recorded as decidedBy; a DecisionLog entry is written in the same transaction.",
    // The policy's half of DECISION_MIN_AAL (the database's is in gateway.decide_agent_approval).
    authScopes: decides,
    args: {
      id: t.arg({ type: "UUID", required: true }),
      decision: t.arg({ type: AgentApprovalDecision, required: true }),
      note: t.arg.string({ required: false, description: "Why; at most 4000 characters.", validate: decisionNote }),
    },
    resolve: async (query, _root, args, ctx) => {
      const id = await decideApproval(ctx.db, args.id, args.decision, args.note?.trim() || null);
      return ctx.db.agentApproval.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  expireAgentApprovals: t.field({
    type: ExpirePayload,
    description: "Records every pending approval past its deadline as EXPIRED (the gateway also does this periodically). service_role only.",
    authScopes: executes("expire_agent_approvals"),
    resolve: async (_root, _args, ctx) => ({ expired: await expireApprovals(ctx.db) }),
  }),
}));
