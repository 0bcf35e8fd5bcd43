/**
 * Executing an approved gated mutation: executeApprovedAction runs exactly the catalogue operation an
 * agent proposed, with exactly its variables, once. The database records the execution (and refuses a
 * second one, a pending, rejected, expired or tampered one) in this operation's transaction, and the
 * operation runs in the same transaction: if it fails, nothing is recorded and it may be retried.
 */
import { access, builder, executes } from "../builder.ts";
import { beginExecution, executionConflict, finishExecution, proposedOperation, resultSummary } from "../../data/agents/executions.ts";

interface Executed {
  approvalId: string;
  operation: string;
  data: Record<string, unknown>;
}

export const AgentApprovalExecution = builder.prismaObject("AgentApprovalExecution", {
  description: "The one execution of an approved gated operation (table AgentApprovalExecution), recorded by the database.",
  authScopes: access("AgentApprovalExecution"),
  fields: (t) => ({
    executedAt: t.expose("executedAt", { type: "DateTime", description: "The database clock at execution." }),
    executedBy: t.exposeString("executedBy", { description: "Who executed it: the request's JWT sub (agent:<name> for an agent key)." }),
    operation: t.exposeString("operation", { description: "The catalogue operation that ran (the approval's kind)." }),
    documentId: t.exposeString("documentId", { description: "Its catalogue id (sha256:…)." }),
    variables: t.expose("variables", { type: "JSON", description: "The variables it ran with: the approved ones." }),
    result: t.expose("result", { type: "JSON", nullable: true, description: "What it returned, in short: per root field the id it touched." }),
  }),
});

const ExecutePayload = builder.objectRef<Executed>("ExecuteApprovedActionPayload").implement({
  fields: (t) => ({
    approval: t.prismaField({
      type: "AgentApproval",
      resolve: (query, parent, _args, ctx) => ctx.db.agentApproval.findUniqueOrThrow({ ...query, where: { id: parent.approvalId } }),
    }),
    operation: t.exposeString("operation", { description: "The catalogue operation that ran, e.g. CreateAdsCampaign." }),
    result: t.field({ type: "JSON", description: "Its data, as the operation itself would have returned it.", resolve: (parent) => parent.data }),
  }),
});

builder.mutationFields((t) => ({
  executeApprovedAction: t.field({
    type: ExecutePayload,
    description:
      "Runs the gated operation an agent proposed and an operator approved: exactly that catalogue operation with exactly the proposed " +
      "variables, once, in this transaction. Refused with CONFLICT and a reason (PENDING, REJECTED, EXPIRED, ALREADY_EXECUTED, TAMPERED, " +
      "NOT_EXECUTABLE, OPERATION_UNAVAILABLE), NOT_FOUND, or FORBIDDEN (another agent's approval; operators decide, they do not execute). " +
      "If the operation fails, nothing is recorded and it may be retried. service_role only.",
    authScopes: executes("begin_approved_execution"),
    args: { approvalId: t.arg({ type: "UUID", required: true }) },
    resolve: async (_root, { approvalId }, ctx) => {
      const operations = ctx.approvedOperations;
      // A wiring error, never the client's: the gate plugin provides it on every operation.
      if (!operations) throw new Error("executeApprovedAction needs ctx.approvedOperations (useAgentGate)");
      const proposed = await proposedOperation(ctx.db, approvalId);
      await beginExecution(ctx.db, approvalId, proposed);
      // The approval is approved and untampered; the catalogue must still hold the operation it names.
      if (operations.nameOf(proposed.documentId) !== proposed.operation)
        throw executionConflict(
          approvalId,
          "OPERATION_UNAVAILABLE",
          `The catalogue no longer has the operation ${proposed.operation} (${proposed.documentId}) this approval names; propose the action again.`,
          { operation: proposed.operation, documentId: proposed.documentId },
        );
      const data = await operations.run(proposed.documentId, proposed.variables, ctx);
      await finishExecution(ctx.db, approvalId, resultSummary(data));
      return { approvalId, operation: proposed.operation, data };
    },
  }),
}));
