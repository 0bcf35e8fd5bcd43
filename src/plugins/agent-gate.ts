/**
 * The agent gate: a caller with an agent key (viewer.agent) does not run a gated mutation
 * (GATED_MUTATIONS, src/auth/policy.ts); it proposes it. Over /graphql and /mcp alike (/mcp's tool
 * calls come through this same yoga instance).
 *
 * - The document is a gated catalogue operation (Catalogue.match: exactly its text, modulo
 *   formatting): the gateway submits an AgentApproval as the caller, in a transaction of its own
 *   (committed, although the response carries no data; useRlsTransaction, after this plugin, never
 *   runs), and answers data: null with one error APPROVAL_PENDING naming the approval.
 * - Anything else that selects a gated field (ad-hoc text, a gated field next to others, behind an
 *   alias, a fragment or @skip): refused before any SQL with APPROVAL_REQUIRED naming the catalogue
 *   operation to send instead. Directives are ignored on purpose: a skipped gated field still counts.
 *
 * executeApprovedAction later runs the approved operation through ctx.approvedOperations (set here on
 * every operation): graphql's own execute inside the current transaction, so this hook never sees it.
 * Back-office service_role tokens (no agent key) are not gated.
 */
import {
  execute,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { Plugin, YogaInitialContext } from "graphql-yoga";
import { GATED_MUTATIONS, budgetRoleOf } from "../auth/policy.ts";
import type { Catalogue, CatalogueOperation } from "../catalogue/index.ts";
import type { RoleBudget } from "../config.ts";
import type { ApprovedOperations, GatewayContext } from "../context/types.ts";
import { submitApproval, submitApprovalInput } from "../data/agents/approvals.ts";
import { shortName } from "../data/agents/rules.ts";
import { withRls } from "../db/rls.ts";
import { ClientError, isClientError } from "../errors.ts";
import type { Role } from "../auth/viewer.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { invalidInput, nonEmpty, validate, z } from "../lib/validation.ts";
import { isGraphQLError } from "./errors.ts";
import { isSealed, openSecrets, sealSecrets } from "./sealed-variables.ts";
import { VaultError, VaultUnavailableError, vaultOf, type Keyring } from "../vault/index.ts";

/** The proposal's secrets opened; a key that is gone or a sealed value that does not open keeps the vault's code. */
function openedSecrets(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  documentId: string,
  variables: Readonly<Record<string, unknown>>,
  ctx: GatewayContext,
): Record<string, unknown> {
  try {
    return openSecrets(schema, operation, documentId, variables, () => keyringOf(ctx));
  } catch (error) {
    if (error instanceof VaultError) throw new ClientError(`The approval's sealed secret could not be opened: ${error.code}.`, error.code);
    throw error;
  }
}

/** The vault's keys, to seal or open a proposal's secrets; VAULT_UNAVAILABLE without them. */
function keyringOf(ctx: GatewayContext): Keyring {
  try {
    return (ctx.vault ?? vaultOf(null)).requireKeyring();
  } catch (error) {
    if (error instanceof VaultUnavailableError) throw new ClientError(error.message, error.code);
    throw error;
  }
}

/** A proposal without extensions.approval.expiresAt waits this long for its decision and execution. */
export const DEFAULT_APPROVAL_TTL_MS = 24 * 60 * 60 * 1000;
/** The default summary lists at most this many variables, each value cut to SUMMARY_VALUE_CHARS. */
const SUMMARY_VARIABLES = 8;
const SUMMARY_VALUE_CHARS = 80;
/** Variables whose name says they are secret are not spelled out in the summary. */
const SECRET_NAME = /secret|password|token|apikey|api_key/i;

export type GateCode = "APPROVAL_PENDING" | "APPROVAL_REQUIRED";

export interface AgentGateOptions {
  /** Time budget per role, for the proposal's own transaction. */
  budgets: Record<Role, Pick<RoleBudget, "timeoutMs">>;
}

/** extensions.approval of a request: what the agent adds to its proposal. */
const approvalExtensions = z
  .object({
    summary: nonEmpty.max(4000, "must be at most 4000 characters").optional(),
    conversationId: shortName.optional(),
    expiresAt: z
      .string()
      .refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date-time")
      .refine((s) => Date.parse(s) > Date.now(), "must be in the future")
      .optional(),
  })
  .strict();

export function useAgentGate(prisma: PrismaClient, catalogue: Catalogue, options: AgentGateOptions): Plugin<GatewayContext> {
  // Made once, on the first operation (the schema comes with it), and lent to every operation after.
  let operations: ApprovedOperations | undefined;
  return {
    onExecute({ args: untyped, extendContext, setResultAndStopExecution }) {
      const args = untyped as ExecutionArgs & { contextValue: GatewayContext };
      extendContext({ approvedOperations: (operations ??= approvedOperations(catalogue, args.schema)) });
      const ctx = args.contextValue;
      if (!ctx.viewer.agent) return;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== OperationTypeNode.MUTATION) return;
      const gated = rootFieldsOf(args.document, operation.selectionSet).filter((f) => GATED_MUTATIONS.has(f));
      if (!gated.length) return;

      const match = catalogue.match(args.document, args.operationName);
      if (!match?.gated) {
        setResultAndStopExecution({ data: null, errors: [approvalRequired(catalogue, gated)] });
        return;
      }
      // Proposing waits for the database; the hook's result is set once it is known.
      const variables = (args.variableValues ?? {}) as Readonly<Record<string, unknown>>;
      return propose(prisma, ctx, match, operation, args.schema, variables, options).then(setResultAndStopExecution);
    },
  };
}

/** The root fields an operation selects, through inline fragments and fragment spreads, whatever their directives say. */
function rootFieldsOf(document: DocumentNode, selectionSet: SelectionSetNode): string[] {
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode): string[] =>
    set.selections.flatMap((selection) => {
      if (selection.kind === Kind.FIELD) return [selection.name.value];
      if (selection.kind === Kind.INLINE_FRAGMENT) return walk(selection.selectionSet);
      const fragment = fragments.get(selection.name.value);
      if (!fragment || seen.has(fragment.name.value)) return [];
      seen.add(fragment.name.value);
      return walk(fragment.selectionSet);
    });
  return walk(selectionSet);
}

function approvalRequired(catalogue: Catalogue, fields: string[]): ClientError {
  const operations = catalogue.operations.filter((op) => op.gated && op.rootFields.some((f) => fields.includes(f))).map((op) => op.name);
  return new ClientError(
    `With an agent key, ${fields.join(", ")} can only be proposed, and only as the catalogue operation ` +
      `${operations.join(" or ") || "(none)"} sent alone and unchanged (by its text or id); an operator approves it, then executeApprovedAction runs it.`,
    "APPROVAL_REQUIRED" satisfies GateCode,
    { extensions: { fields, operations, http: { status: 403 } } },
  );
}

/** Submits the approval as the caller, in its own transaction, and answers APPROVAL_PENDING. */
async function propose(
  prisma: PrismaClient,
  ctx: GatewayContext,
  op: CatalogueOperation,
  operation: OperationDefinitionNode,
  schema: GraphQLSchema,
  variables: Readonly<Record<string, unknown>>,
  options: AgentGateOptions,
): Promise<ExecutionResult> {
  // Variables that could never run are refused now, not after an operator approved them.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) return { data: null, errors: coerced.errors.map((e) => new ClientError(e.message, "BAD_USER_INPUT")) };
  const extensions: unknown = (ctx as GatewayContext & Partial<YogaInitialContext>).params?.extensions?.approval;
  const parsed = approvalExtensions.safeParse(extensions ?? {});
  if (!parsed.success) return { data: null, errors: [invalidInput(parsed.error.issues, ["extensions", "approval"])] };
  const agent = ctx.viewer.agent!;
  const given = parsed.data;
  try {
    // Secrets (PutCredential's) are stored sealed: the approval, its readers and the DecisionLog never hold them.
    const stored = sealSecrets(schema, operation, op.id, variables, () => keyringOf(ctx));
    // The same rules as submitAgentApproval's input (e.g. the payload's size).
    const input = validate(
      submitApprovalInput,
      {
        kind: op.name,
        agent: agent.name,
        summary: given.summary ?? defaultSummary(agent.name, op, stored),
        conversationId: given.conversationId ?? `request:${ctx.requestId}`,
        expiresAt: given.expiresAt ? new Date(given.expiresAt) : new Date(Date.now() + DEFAULT_APPROVAL_TTL_MS),
        payload: {
          operation: op.name,
          documentId: op.id,
          variables: stored,
          // What the operator reads: the exact document and what it does.
          document: op.text,
          description: op.description,
          proposedBy: { agent: agent.name, keyId: agent.keyId },
        },
      },
      "approval",
    );
    const approval = await withRls(prisma, ctx.viewer, (tx) => submitApproval(tx, { select: { id: true, kind: true, expiresAt: true } }, input), {
      timeoutMs: options.budgets[budgetRoleOf(ctx.viewer)].timeoutMs,
    });
    const summary = { id: approval.id, status: "PENDING", kind: approval.kind };
    return {
      data: null,
      errors: [
        new ClientError(
          `${op.name} was not run: it is proposed as AgentApproval ${approval.id} (PENDING). An operator must approve it; ` +
            `then call executeApprovedAction(approvalId: "${approval.id}") to run it, once.`,
          "APPROVAL_PENDING" satisfies GateCode,
          { extensions: { approvalId: approval.id, status: "PENDING", kind: approval.kind, expiresAt: approval.expiresAt?.toISOString() ?? null } },
        ),
      ],
      extensions: { approval: summary },
    };
  } catch (error) {
    // The error policy (before this plugin) classifies and masks what is not a ClientError.
    return {
      data: null,
      errors: [isClientError(error) ? error : new GraphQLError("Could not submit the approval", { originalError: error as Error })],
    };
  }
}

/**
 * The default summary: who proposes which operation, and its variables as `path = value` (at most
 * SUMMARY_VARIABLES, long values cut, secret-looking names hidden), e.g.
 * `agent ads-bot proposes CreateAdsCampaign (Creates an ads campaign.): input.name = "Spring", input.budgetCents = 5000`.
 */
export function defaultSummary(
  agent: string,
  op: Pick<CatalogueOperation, "name" | "description">,
  variables: Readonly<Record<string, unknown>>,
): string {
  const leaves: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (leaves.length > SUMMARY_VARIABLES) return;
    if (isSealed(value)) return void leaves.push(`${path} = «sealed»`);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key);
      return;
    }
    const shown = SECRET_NAME.test(path) ? "«hidden»" : (JSON.stringify(value) ?? "null");
    leaves.push(`${path} = ${shown.length > SUMMARY_VALUE_CHARS ? `${shown.slice(0, SUMMARY_VALUE_CHARS - 1)}…` : shown}`);
  };
  walk(variables, "");
  const listed = leaves.slice(0, SUMMARY_VARIABLES).join(", ") + (leaves.length > SUMMARY_VARIABLES ? ", …" : "");
  return `agent ${agent} proposes ${op.name}${op.description ? ` (${op.description})` : ""}${listed ? `: ${listed}` : ""}`;
}

/** ctx.approvedOperations: the catalogue's operations, run with graphql's execute inside the caller's transaction. */
function approvedOperations(catalogue: Catalogue, schema: GraphQLSchema): ApprovedOperations {
  return {
    nameOf: (documentId) => catalogue.byId(documentId)?.name,
    run: async (documentId, variables, ctx) => {
      const op = catalogue.byId(documentId);
      if (!op) throw new Error(`No catalogue operation ${documentId}`); // executeApprovedAction asks nameOf first
      // Own loaders: the operation's writes must not be answered from this request's earlier reads.
      const contextValue: GatewayContext = { ...ctx, loaders: new Map() };
      const operation = getOperationAST(op.document, op.name)!;
      const variableValues = openedSecrets(schema, operation, op.id, variables, ctx);
      const result = await execute({ schema, document: op.document, operationName: op.name, variableValues, contextValue });
      if (result.errors?.length) throw failureOf(op.name, result.errors);
      return result.data ?? {};
    },
  };
}

/**
 * The operation's first error, as executeApprovedAction's: a deliberate one keeps its code with the
 * operation named; anything else is rethrown as it is, for the error policy to classify and mask.
 */
function failureOf(name: string, errors: readonly GraphQLError[]): Error {
  let cause: unknown = errors[0];
  while (isGraphQLError(cause) && !isClientError(cause) && cause.originalError) cause = cause.originalError;
  if (isGraphQLError(cause)) {
    const code = typeof cause.extensions.code === "string" ? cause.extensions.code : "BAD_USER_INPUT";
    return new ClientError(`The approved operation ${name} failed: ${cause.message}`, code, {
      extensions: { ...cause.extensions, operation: name },
    });
  }
  return cause as Error;
}
