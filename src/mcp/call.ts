/**
 * A tool call runs its catalogue operation through the gateway's own /graphql, with the caller's
 * credential and request id: the same role, RLS, limits, budgets, trusted-document rules and errors
 * as any GraphQL request. The answer becomes a tool result; GraphQL errors are a result with
 * isError (never a JSON-RPC failure), and a gated mutation's APPROVAL_PENDING is the proposal.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { CatalogueOperation } from "../catalogue/index.ts";
import type { Logger } from "../logger.ts";
import { APPROVAL_ARGUMENT, toolName, WAIT_TOOL } from "./tools.ts";

/** Request headers a tool call passes on to /graphql: the credential and the trace context. */
const FORWARDED_HEADERS = ["authorization", "apikey", "traceparent", "tracestate"] as const;

/** Runs a GraphQL request in-process (yoga.fetch). */
export type GraphqlFetch = (url: string, init: RequestInit) => Promise<Response>;

export interface GraphqlError {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}
interface GraphqlBody {
  data?: Record<string, unknown> | null;
  errors?: GraphqlError[];
}

export interface ToolCall {
  operation: CatalogueOperation;
  args: Record<string, unknown>;
  /** The /mcp request: its headers carry the credential. */
  request: Request;
  requestId: string;
  graphqlUrl: string;
  fetch: GraphqlFetch;
  logger: Logger;
}

export async function callTool({ operation, args, request, requestId, graphqlUrl, fetch, logger }: ToolCall): Promise<CallToolResult> {
  const { [APPROVAL_ARGUMENT]: approval, ...variables } = args;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/graphql-response+json, application/json",
    "x-request-id": requestId,
  };
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  // By id: /graphql takes the catalogue's own parsed and validated document (nothing parsed or printed again).
  const body = {
    documentId: operation.id,
    operationName: operation.name,
    variables: operation.gated ? variables : args,
    ...(operation.gated && approval !== undefined && { extensions: { approval } }),
  };
  let response: Response;
  let result: GraphqlBody;
  try {
    response = await fetch(graphqlUrl, { method: "POST", headers, body: JSON.stringify(body) });
  } catch (error) {
    logger.error("MCP tool call failed", { requestId, tool: operation.name, error: error instanceof Error ? error : String(error) });
    return failure([{ message: "Internal error.", extensions: { code: "INTERNAL_SERVER_ERROR", requestId } }]);
  }
  try {
    result = (await response.json()) as GraphqlBody;
  } catch {
    return failure([{ message: `/graphql answered HTTP ${response.status} without a GraphQL body.`, extensions: { code: "INTERNAL_SERVER_ERROR" } }]);
  }
  const errors = result.errors ?? [];
  const pending = errors.find((e) => e.extensions?.code === "APPROVAL_PENDING");
  if (pending) return proposal(pending);
  if (errors.length > 0) {
    const retryAfter = response.status === 429 ? Number(response.headers.get("retry-after")) : NaN;
    return failure(errors, Number.isFinite(retryAfter) ? retryAfter : undefined, result.data);
  }
  const data = result.data ?? {};
  return { structuredContent: data, content: [{ type: "text", text: JSON.stringify(data) }] };
}

/** Each error's message and code (and the rest of its extensions), plus any partial data, as the result's text. */
export function failure(errors: GraphqlError[], retryAfterSeconds?: number, data?: Record<string, unknown> | null): CallToolResult {
  const listed = errors.map(({ message, path, extensions = {} }) => ({
    message,
    code: typeof extensions.code === "string" ? extensions.code : "INTERNAL_SERVER_ERROR",
    ...(path && { path }),
    ...(Object.keys(extensions).length > 1 && { extensions }),
  }));
  const summary = listed.map((e) => `${e.code}: ${e.message}`).join("\n");
  const retry = retryAfterSeconds === undefined ? "" : `\nRetry after ${retryAfterSeconds} s.`;
  const detail = { errors: listed, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }), ...(data && { data }) };
  return {
    isError: true,
    content: [
      { type: "text", text: summary + retry },
      { type: "text", text: JSON.stringify(detail) },
    ],
  };
}

/** APPROVAL_PENDING: the gated mutation was proposed, not run. Not an error for the agent: the next step. */
function proposal(error: GraphqlError): CallToolResult {
  const extensions = error.extensions ?? {};
  const approval = { id: String(extensions.approvalId), status: "PENDING" as const, kind: String(extensions.kind) };
  const text =
    `Proposed, not run: approval ${approval.id} (${approval.kind}) is PENDING until an operator decides it. ` +
    `Wait for the decision: call ${WAIT_TOOL} with { "id": "${approval.id}" } (or ${toolName("AgentApprovalDecision")} every few seconds) until its status is not PENDING. ` +
    `If APPROVED, call ${toolName("ExecuteApprovedAction")} with { "approvalId": "${approval.id}" } to run exactly this action, once. If REJECTED or EXPIRED, do not retry the same action unchanged.`;
  return { structuredContent: { approval }, content: [{ type: "text", text }] };
}
