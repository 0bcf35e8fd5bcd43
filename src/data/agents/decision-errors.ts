/**
 * The errors gateway.decide_agent_approval raises on purpose (see the agent_workflows and identity
 * migrations), mapped from their SQLSTATE to the client's error; anything else passes unchanged.
 */
import { pgCauseOf } from "../../db/errors.ts";
import { ClientError, conflict, notFound } from "../../errors.ts";

function parseDetail(detail: string | undefined): Record<string, unknown> {
  try {
    return detail ? (JSON.parse(detail) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const text = (value: unknown, fallback: string) => (typeof value === "string" || typeof value === "number" ? String(value) : fallback);

/** Maps the decision function's SQLSTATEs to client errors; anything else is returned unchanged. */
export function decisionError(error: unknown, id: string): unknown {
  const cause = pgCauseOf(error);
  switch (cause?.code) {
    case "HDA04":
      return notFound("AgentApproval", id);
    case "HDA09": {
      const d = parseDetail(cause.detail);
      return conflict(`AgentApproval ${id} was already decided: it is ${text(d.status, "no longer pending")}.`, {
        reason: "ALREADY_DECIDED",
        id,
        status: typeof d.status === "string" ? d.status.toUpperCase() : undefined,
        decidedBy: d.decidedBy ?? null,
        decidedAt: d.decidedAt ?? null,
      });
    }
    case "HDA10": {
      const d = parseDetail(cause.detail);
      return conflict(`AgentApproval ${id} expired at ${text(d.expiresAt, "its deadline")}; it can no longer be decided.`, {
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
      return new ClientError(cause.message ?? "Invalid argument.", "BAD_USER_INPUT");
    case "42501": {
      // The function's refusals (migration 20251020000600_identity) name their reason in DETAIL.
      const d = parseDetail(cause.detail);
      if (typeof d.reason !== "string") return error;
      const message =
        d.reason === "NO_SUBJECT"
          ? "Deciding an approval needs your identity: the token has no sub claim."
          : d.reason === "AAL_REQUIRED"
            ? `Deciding an approval needs a multi-factor sign-in (${text(d.required, "aal2")}); this session is ${text(d.actual, "aal1")}.`
            : d.reason === "ANONYMOUS"
              ? "An anonymous sign-in is not an operator: it cannot decide approvals."
              : "Only an operator's own session decides approvals; agents and service tokens submit them.";
      return new ClientError(message, "FORBIDDEN", { extensions: { reason: d.reason, ...(d.required !== undefined && { required: d.required }) } });
    }
    default:
      return error;
  }
}
