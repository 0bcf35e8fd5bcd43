/**
 * The MCP endpoint (/mcp): the operation catalogue as Model Context Protocol tools, over the Streamable
 * HTTP transport, stateless: every POST gets a fresh Server and transport and answers in JSON, so any
 * gateway instance serves any request and nothing is kept between them. GET (a server-to-client event
 * stream) and DELETE (ending a session) have nothing to do without sessions: 405, as the SDK's
 * stateless examples answer.
 *
 * The caller authenticates exactly as on /graphql (the same authenticator and agent-key verifier, passed
 * in by the server): no credential is anon (which may run no tool), a bad one is the same 401
 * UNAUTHENTICATED with its reason, in a JSON-RPC error body. A tool call runs through /graphql itself
 * (call.ts). It is a yoga plugin answering in onRequest, so the request id, the access log and CORS
 * (plugins listed before it) treat /mcp like any other path.
 */
import type { Plugin } from "graphql-yoga";
import type { GraphQLSchema } from "graphql";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { budgetRoleOf, policyRoleOf } from "../auth/policy.ts";
import type { Role, Viewer } from "../auth/viewer.ts";
import type { Catalogue } from "../catalogue/index.ts";
import { isClientError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { callTool, failure, type GraphqlFetch } from "./call.ts";
import { CatalogueTools, toolName, WAIT_TOOL } from "./tools.ts";
import { waitForDecision, waitTool } from "./wait.ts";

export const MCP_PATH = "/mcp";
/** The catalogue operation waitForApprovalDecision polls. */
const DECISION_OPERATION = "AgentApprovalDecision";
const SERVER_INFO = { name: "hotdash-gateway", version: "0.1.0" };
const INSTRUCTIONS =
  "HotDash Gateway: each tool is one named GraphQL operation of the gateway's catalogue, run under your credential's role. " +
  "Gated tools only propose the action when called with an agent key: they return an approval id; an operator decides.";

export interface McpOptions {
  schema: GraphQLSchema;
  catalogue: Catalogue;
  /** The gateway's own credential check (/graphql's): the viewer, or a ClientError carrying its HTTP status. */
  authenticate: (headers: Headers) => Promise<Viewer>;
  /** Each role's request body limit (BUDGET_*_MAX_BODY_BYTES), as on /graphql. */
  maxBodyBytes: (role: Role) => number;
  requestId: (request: Request) => string;
  /** Runs a request through the gateway itself (yoga.fetch). */
  fetch: GraphqlFetch;
  graphqlPath: string;
  logger: Logger;
}

/** A JSON-RPC error response outside any request (HTTP-level: no id). */
function jsonRpcError(status: number, message: string, data?: Record<string, unknown>, headers: Record<string, string> = {}): Response {
  const error = { code: status === 401 || status === 403 ? -32001 : -32000, message, ...(data && { data }) };
  return Response.json({ jsonrpc: "2.0", error, id: null }, { status, headers });
}

export function useMcp(options: McpOptions): Plugin {
  const tools = new CatalogueTools(options.schema, options.catalogue);
  const decision = options.catalogue.byName(DECISION_OPERATION);
  const decisionTool = decision && tools.get(toolName(decision.name));
  if (decision && decisionTool) tools.add({ tool: waitTool(decisionTool.tool), operation: decision });
  const handle = (request: Request) => handleMcp(request, tools, options);
  return {
    onRequest(payload) {
      const { request, url } = payload;
      if (url.pathname !== MCP_PATH || request.method === "OPTIONS") return; // a preflight is useCors's
      return handle(request)
        .catch((error: unknown) => {
          // Not the caller's fault (the database behind the agent keys, a bug): logged, answered without details.
          const requestId = options.requestId(request);
          options.logger.error("MCP request failed", { requestId, error: error instanceof Error ? error : String(error) });
          return jsonRpcError(500, "Internal error.", { code: "INTERNAL_SERVER_ERROR", requestId });
        })
        .then((response) => payload.endResponse(response));
    },
  };
}

async function handleMcp(request: Request, tools: CatalogueTools, options: McpOptions): Promise<Response> {
  if (request.method !== "POST")
    return jsonRpcError(405, "Method not allowed: this MCP server is stateless; send JSON-RPC messages with POST.", undefined, {
      allow: "POST, OPTIONS",
    });
  let viewer: Viewer;
  try {
    viewer = await options.authenticate(request.headers);
  } catch (error) {
    if (!isClientError(error)) throw error;
    const { http, ...extensions } = error.extensions as { http?: { status?: number; headers?: Record<string, string> } };
    return jsonRpcError(http?.status ?? 401, error.message, { ...extensions, requestId: options.requestId(request) }, http?.headers);
  }
  const requestId = options.requestId(request);
  const role = policyRoleOf(viewer);
  const server = new Server(SERVER_INFO, { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: tools.forRole(role) }));
  server.setRequestHandler(CallToolRequestSchema, async ({ params }): Promise<CallToolResult> => {
    const found = tools.get(params.name);
    if (!found) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${params.name}`);
    if (!found.operation.roles.includes(role)) {
      // Listed for other roles only: refused here, as /graphql would refuse the operation, without running it.
      return failure([{ message: `The ${role} role may not run ${params.name}.`, extensions: { code: "FORBIDDEN" } }]);
    }
    return (params.name === WAIT_TOOL ? waitForDecision : callTool)({
      logger: options.logger,
      operation: found.operation,
      args: params.arguments ?? {},
      request,
      requestId,
      graphqlUrl: new URL(options.graphqlPath, request.url).toString(),
      fetch: options.fetch,
    });
  });
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined, // stateless
    enableJsonResponse: true,
    maxRequestBodySize: options.maxBodyBytes(budgetRoleOf(viewer)),
  });
  transport.onerror = (error) => options.logger.debug("MCP request refused", { requestId, error: error.message });
  try {
    await server.connect(transport);
    return await transport.handleRequest(request);
  } finally {
    await server.close(); // the JSON answer is complete: nothing of this request stays behind
  }
}
