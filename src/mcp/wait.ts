/**
 * waitForApprovalDecision: the one tool that is not a catalogue operation. Subscriptions are not tools,
 * so an agent waiting for an operator would otherwise poll agentApprovalDecision turn by turn; this tool
 * polls for it, through /graphql like any call (the same role, RLS and budget: one request per poll),
 * and answers once the approval is no longer PENDING or after at most WAIT_MAX_SECONDS, so no /mcp
 * request is held longer than that. It is listed for the roles that may run AgentApprovalDecision.
 */
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { CatalogueOperation } from "../catalogue/index.ts";
import { callTool, type ToolCall } from "./call.ts";
import { toolName, WAIT_TOOL } from "./tools.ts";

/** The longest a call waits (a proxy's idle timeout is often 30 to 60 s). */
export const WAIT_MAX_SECONDS = 25;
/** Between two reads of the approval: at most ~9 requests against the caller's budget per call. */
const POLL_INTERVAL_MS = 3_000;

/** The tool, from the catalogue operation it polls (its result is that operation's). */
export function waitTool(decision: Tool): Tool {
  return {
    name: WAIT_TOOL,
    title: "Wait for an approval's decision",
    description:
      `Waits (up to ${WAIT_MAX_SECONDS} s) until an operator decides an approval, then returns it as ${decision.name} does. ` +
      `If it is still PENDING when the time is up, call again. Once APPROVED, run ${toolName("ExecuteApprovedAction")} with { approvalId }.`,
    inputSchema: {
      type: "object",
      properties: {
        id: { type: "string", format: "uuid", description: "The approval's id (from a gated tool's result or submitAgentApproval)." },
        timeoutSeconds: { type: "integer", minimum: 1, maximum: WAIT_MAX_SECONDS, default: WAIT_MAX_SECONDS },
      },
      required: ["id"],
      additionalProperties: false,
    },
    ...(decision.outputSchema && { outputSchema: decision.outputSchema }),
    annotations: { title: "Wait for an approval's decision", readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  };
}

type Wait = Omit<ToolCall, "args" | "operation"> & { operation: CatalogueOperation; args: Record<string, unknown> };

/** Reads the approval until it is decided (or gone, or an error), the time is up, or the caller goes away. */
export async function waitForDecision({ args, request, ...call }: Wait): Promise<CallToolResult> {
  const requested = Number(args.timeoutSeconds ?? WAIT_MAX_SECONDS);
  const seconds = Number.isFinite(requested) ? Math.min(Math.max(requested, 1), WAIT_MAX_SECONDS) : WAIT_MAX_SECONDS;
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const result = await callTool({ ...call, request, args: { id: args.id } });
    const approval = (result.structuredContent as { agentApproval?: { status?: unknown } | null } | undefined)?.agentApproval;
    const wait = Math.min(POLL_INTERVAL_MS, deadline - Date.now());
    if (result.isError || approval?.status !== "PENDING" || wait <= 0 || request.signal.aborted) return result;
    await new Promise<void>((resolve) => {
      const stop = () => (clearTimeout(timer), resolve());
      const timer = setTimeout(() => (request.signal.removeEventListener("abort", stop), resolve()), wait);
      request.signal.addEventListener("abort", stop, { once: true });
    });
  }
}
