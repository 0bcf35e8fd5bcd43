/**
 * /mcp's tools: one per catalogue query or mutation (subscriptions are not tools: a tool call is one
 * request and one answer). Built once from the catalogue; each request lists the ones its caller's role
 * may run (CatalogueOperation.roles, from the policy table).
 */
import { OperationTypeNode, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { PolicyRole } from "../auth/policy.ts";
import type { Catalogue, CatalogueOperation } from "../catalogue/index.ts";
import { dataJsonSchema, variablesJsonSchema, type JsonSchema } from "../catalogue/json-schema.ts";

/** The tool that waits for an approval's decision (wait.ts): not a catalogue operation. */
export const WAIT_TOOL = "waitForApprovalDecision";

/** The optional tool argument of a gated tool: what the proposed approval says (sent as the `approval` extension). */
export const APPROVAL_ARGUMENT = "approval";

/**
 * Root fields that only add rows or fill one in once (a run's end): everything else a mutation does may
 * overwrite or delete what the store holds (an upsert replaces a day's figure), so it is destructive.
 */
const ADDITIVE_ROOT_FIELD = /^(record|log|submit|finish)[A-Z]|^ingestKnowledgeDocument$/;

export interface CatalogueTool {
  tool: Tool;
  operation: CatalogueOperation;
}

/** DashboardTiles → dashboardTiles. */
export const toolName = (operationName: string): string => operationName.charAt(0).toLowerCase() + operationName.slice(1);

/** "DashboardTiles" → "Dashboard tiles". */
const titleOf = (operationName: string): string => {
  const words = operationName.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const APPROVAL_INPUT: JsonSchema = {
  type: "object",
  description:
    "Optional, for an agent key: what the approval this call proposes says. The operator sees the summary; conversationId groups your approvals; expiresAt bounds the wait.",
  properties: {
    summary: { type: "string", description: "One line for the operator: what you propose and why." },
    conversationId: { type: "string", description: "Your conversation's id (filter agentApprovals by it)." },
    expiresAt: { type: "string", format: "date-time", description: "When the proposal expires if nobody decides it." },
  },
  additionalProperties: false,
};

/** What a gated tool returns instead of its data when an agent key calls it (APPROVAL_PENDING). */
export const PROPOSAL_OUTPUT: JsonSchema = {
  type: "object",
  properties: {
    approval: {
      type: "object",
      properties: {
        id: { type: "string", format: "uuid" },
        status: { type: "string", const: "PENDING" },
        kind: { type: "string" },
      },
      required: ["id", "status", "kind"],
      additionalProperties: false,
    },
  },
  required: ["approval"],
  additionalProperties: false,
};

function toolOf(schema: GraphQLSchema, op: CatalogueOperation): Tool {
  const definition = op.document.definitions[0] as OperationDefinitionNode; // the catalogue puts the operation first
  const variables = variablesJsonSchema(schema, definition);
  const data = dataJsonSchema(schema, op.document);
  const query = op.type === OperationTypeNode.QUERY;
  const destructive = !query && !op.rootFields.every((f) => ADDITIVE_ROOT_FIELD.test(f));
  if (op.gated && (variables.properties as Record<string, JsonSchema>)[APPROVAL_ARGUMENT])
    throw new TypeError(`${op.name}: a gated operation may not have a variable named $${APPROVAL_ARGUMENT} (the tool's approval argument)`);
  const inputSchema = op.gated
    ? { ...variables, properties: { ...(variables.properties as Record<string, JsonSchema>), [APPROVAL_ARGUMENT]: APPROVAL_INPUT } }
    : variables;
  const description = op.gated
    ? `${op.description} Gated: called with an agent key it does not run; it proposes the action to a human operator and returns { approval: { id, status: "PENDING", kind } }. Wait for the decision (${WAIT_TOOL}), then run ${toolName("ExecuteApprovedAction")} with { approvalId }.`
    : op.description;
  return {
    name: toolName(op.name),
    title: titleOf(op.name),
    description,
    inputSchema: inputSchema as Tool["inputSchema"],
    outputSchema: (op.gated ? { type: "object", anyOf: [data, PROPOSAL_OUTPUT] } : data) as Tool["outputSchema"],
    annotations: {
      title: titleOf(op.name),
      readOnlyHint: query,
      destructiveHint: destructive,
      idempotentHint: op.idempotent,
      openWorldHint: false,
    },
    _meta: { "hotdash/operationId": op.id, "hotdash/operationName": op.name },
  };
}

export class CatalogueTools {
  private readonly byName: Map<string, CatalogueTool>;

  constructor(schema: GraphQLSchema, catalogue: Catalogue) {
    const tools = catalogue.operations
      .filter((op) => op.type !== OperationTypeNode.SUBSCRIPTION)
      .map((operation) => ({ tool: toolOf(schema, operation), operation }));
    this.byName = new Map(tools.map((t) => [t.tool.name, t]));
  }

  /** A tool that runs a catalogue operation its own way (wait.ts), listed for the roles that may run the operation. */
  add(tool: CatalogueTool): void {
    this.byName.set(tool.tool.name, tool);
  }

  /** The tools a kind of caller may run, in catalogue order. */
  forRole(role: PolicyRole): Tool[] {
    return [...this.byName.values()].filter((t) => t.operation.roles.includes(role)).map((t) => t.tool);
  }

  get(name: string): CatalogueTool | undefined {
    return this.byName.get(name);
  }
}
