/**
 * Executing an approved gated operation, once: the database's side. gateway.begin_approved_execution
 * (migration 20251020001000_approved_execution) locks the approval, refuses anything but an approved,
 * unexecuted, untampered one the caller may run, and records the execution and its DecisionLog row in
 * the caller's transaction; the GraphQL layer then runs the operation in that same transaction, so a
 * failing operation rolls the record back with it. The SQLSTATEs it raises map to client errors here.
 */
import type { Prisma } from "../../generated/prisma/client.ts";
import type { Db } from "../../db/rls.ts";
import { pgCauseOf } from "../../db/errors.ts";
import { ClientError, conflict, notFound } from "../../errors.ts";

/** What a gated proposal's payload holds (src/plugins/agent-gate.ts writes it). */
export interface ProposedOperation {
  /** The catalogue operation's name; also the approval's kind. */
  operation: string;
  /** The catalogue operation's id ("sha256:…"). */
  documentId: string;
  /** The variables exactly as the agent sent them. */
  variables: Record<string, unknown>;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The operation an approval proposes, read from its payload (unlocked: the database compares it again
 * under the row lock). A payload without one (a plain submitAgentApproval) reads as empty, and the
 * database refuses it with the reason its status or NOT_EXECUTABLE gives.
 */
export async function proposedOperation(db: Db, approvalId: string): Promise<ProposedOperation> {
  const row = await db.agentApproval.findUnique({ where: { id: approvalId }, select: { kind: true, payload: true } });
  if (!row) throw notFound("AgentApproval", approvalId);
  const payload = isObject(row.payload) ? row.payload : {};
  return {
    operation: row.kind,
    documentId: typeof payload.documentId === "string" ? payload.documentId : "",
    variables: isObject(payload.variables) ? payload.variables : {},
  };
}

/** Records the execution (gateway.begin_approved_execution) or throws why it may not happen. */
export async function beginExecution(db: Db, approvalId: string, proposed: ProposedOperation): Promise<void> {
  try {
    await db.$queryRaw`SELECT 1 FROM gateway.begin_approved_execution(${approvalId}::uuid, ${proposed.documentId}, ${JSON.stringify(proposed.variables)}::jsonb)`;
  } catch (error) {
    throw executionError(error, approvalId);
  }
}

/** Stores the result summary on the execution this transaction began. */
export async function finishExecution(db: Db, approvalId: string, result: Prisma.InputJsonValue | null): Promise<void> {
  await db.$queryRaw`SELECT 1 FROM gateway.finish_approved_execution(${approvalId}::uuid, ${JSON.stringify(result)}::jsonb)`;
}

/**
 * What the execution record keeps of an operation's result: per root field, the id it touched (or
 * the scalar it returned, or how many items), never the whole object.
 */
export function resultSummary(data: Record<string, unknown>): Prisma.InputJsonValue {
  return Object.fromEntries(
    Object.entries(data).map(([field, value]) => [
      field,
      isObject(value) ? { id: value.id ?? null } : Array.isArray(value) ? { count: value.length } : ((value ?? null) as Prisma.InputJsonValue),
    ]),
  );
}

/** Why an approval cannot be executed (CONFLICT reasons); the client re-proposes, waits or gives up. */
export type ExecutionConflict = "PENDING" | "REJECTED" | "EXPIRED" | "ALREADY_EXECUTED" | "TAMPERED" | "NOT_EXECUTABLE" | "OPERATION_UNAVAILABLE";

export const executionConflict = (approvalId: string, reason: ExecutionConflict, message: string, extra: Record<string, unknown> = {}) =>
  conflict(message, { reason, approvalId, ...extra });

function parseDetail(detail: string | undefined): Record<string, unknown> {
  try {
    return detail ? (JSON.parse(detail) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Maps begin_approved_execution's SQLSTATEs to client errors; anything else is returned unchanged. */
export function executionError(error: unknown, id: string): unknown {
  const cause = pgCauseOf(error);
  const d = parseDetail(cause?.detail);
  switch (cause?.code) {
    case "HDA04":
      return notFound("AgentApproval", id);
    case "HDA20":
      return executionConflict(id, "PENDING", `AgentApproval ${id} is still pending: wait until an operator approves it.`, { status: "PENDING" });
    case "HDA21":
      return executionConflict(id, "REJECTED", `AgentApproval ${id} was rejected; it will never run.`, {
        status: "REJECTED",
        decidedBy: d.decidedBy ?? null,
        decisionNote: d.note ?? null,
      });
    case "HDA22":
      return executionConflict(id, "EXPIRED", `AgentApproval ${id} expired before it was executed; propose the action again.`, {
        status: "EXPIRED",
        expiresAt: d.expiresAt ?? null,
      });
    case "HDA23":
      return executionConflict(id, "ALREADY_EXECUTED", `AgentApproval ${id} was already executed; it runs only once.`, {
        executedBy: d.executedBy ?? null,
        executedAt: d.executedAt ?? null,
      });
    case "HDA24":
      return executionConflict(id, "TAMPERED", `AgentApproval ${id} no longer matches what was approved; it will not run. Propose the action again.`);
    case "HDA25":
      return executionConflict(id, "NOT_EXECUTABLE", `AgentApproval ${id} names no catalogue operation: there is nothing to execute.`);
    case "22023":
      return new ClientError(cause.message ?? "Invalid argument.", "BAD_USER_INPUT");
    case "42501": {
      if (typeof d.reason !== "string") return error;
      const message =
        d.reason === "NOT_THE_PROPOSER"
          ? `AgentApproval ${id} was proposed by another agent; only its own agent (or a back-office service_role token) executes it.`
          : "Only service_role (an agent key or a back-office token) executes approved actions.";
      return new ClientError(message, "FORBIDDEN", { extensions: { reason: d.reason } });
    }
    default:
      return error;
  }
}
