/**
 * Operation limits, checked before anything executes (so a refused operation costs no SQL):
 *  - for every caller: tokens while parsing (graphql-js's maxTokens), aliases while validating
 *    (graphql-armor);
 *  - per role (config.budgets): depth and the worst-case cost, estimated in onExecute/onSubscribe,
 *    where the viewer and the variables are known. Not a validation rule: yoga caches validation
 *    per document, and the same document may be fine for service_role and too costly for anon.
 *
 * The cost is hand-written rather than graphql-armor's cost-limit: armor multiplies only by literal
 * `first`/`last` arguments, so a plain list (AdsCampaign.dailyMetrics) or a back-reference counted
 * as one item and a cyclic query passed. Here every list counts at the bound its field declares
 * (src/schema/bounds.ts), with variables' values, and the estimate multiplies down the tree: the
 * most values the response can hold. Introspection (__schema, __type) is exempt from depth and cost.
 * Refusals are ordinary GraphQL errors with stable codes and HTTP 400.
 */
import {
  type GraphQLError,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import type { RoleBudget } from "../config.ts";
import type { GatewayContext, Role } from "../context/types.ts";
import { budgetRoleOf } from "../auth/policy.ts";
import { connectionPageOf, itemsFor, listBoundOf } from "../schema/bounds.ts";
import { isGraphQLError } from "./errors.ts";
import { ClientError } from "../errors.ts";

/** Limits that hold for every caller. */
export interface QueryLimits {
  maxAliases: number;
  maxTokens: number;
}

export type LimitCode = "QUERY_TOO_DEEP" | "TOO_MANY_ALIASES" | "QUERY_TOO_COSTLY" | "TOO_MANY_TOKENS";

export interface Estimate {
  /** The most values (fields × items) the response can hold. */
  cost: number;
  /** Deepest field nesting (the root's fields are depth 1). */
  depth: number;
  /** The field path whose lists multiply to the most items, e.g. adsCampaigns.edges.node.dailyMetrics. */
  driver: string[];
  /** The items at the end of `driver` (product of the bounds along it). */
  driverItems: number;
}

interface Walked {
  cost: number;
  depth: number;
  driver: string[];
  driverItems: number;
}

const INTROSPECTION = new Set(["__schema", "__type"]);

/**
 * The worst case of one operation. Linear in the document: fragments are walked once per
 * (fragment, type, page) and reused, so spreading a fragment many times costs nothing extra here.
 * Throws nothing for valid documents; variables that do not coerce estimate as their defaults'
 * bounds (execution refuses them anyway).
 */
export function estimateOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Record<string, unknown> | null | undefined,
): Estimate | null {
  const operation = getOperationAST(document, operationName);
  if (!operation) return null;
  const root = schema.getRootType(operation.operation);
  if (!root) return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  const variables = coerced.coerced ?? {};
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const memo = new Map<string, Walked>();

  // `page`: the enclosing connection's page size, which bounds its `edges` (unknown: their maximum).
  const walk = (selectionSet: SelectionSetNode, type: GraphQLCompositeType, page: number | undefined): Walked => {
    let cost = 0;
    let depth = 0;
    let driver: string[] = [];
    let driverItems = 1;
    const add = (w: Walked) => {
      cost += w.cost;
      depth = Math.max(depth, w.depth);
      if (w.driverItems > driverItems || (w.driverItems === driverItems && w.driver.length > driver.length)) {
        driver = w.driver;
        driverItems = w.driverItems;
      }
    };
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT || selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
        if (!fragment) continue;
        const conditionType = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
        if (!conditionType || !isCompositeType(conditionType)) continue;
        if (selection.kind === Kind.FRAGMENT_SPREAD) {
          const key = `${selection.name.value}:${conditionType.name}:${page ?? ""}`;
          let walked = memo.get(key);
          if (!walked) memo.set(key, (walked = walk(fragment.selectionSet, conditionType, page)));
          add(walked);
        } else {
          add(walk(fragment.selectionSet, conditionType, page));
        }
        continue;
      }
      const name = selection.name.value;
      if (INTROSPECTION.has(name)) continue;
      if (name === "__typename" || !(isObjectType(type) || isInterfaceType(type))) {
        add({ cost: 1, depth: 1, driver: [name], driverItems: 1 });
        continue;
      }
      const field = type.getFields()[name];
      if (!field) continue; // validation reports it
      let args: Record<string, unknown> = {};
      try {
        args = getArgumentValues(field, selection, variables);
      } catch {
        // an argument that does not coerce: count the bounds at their maximum
      }
      const bound = listBoundOf(field);
      const isList = isListType(getNullableType(field.type));
      const items = bound ? (bound.page ? Math.min(page ?? bound.max, bound.max) : itemsFor(bound, args)) : 1;
      const connection = connectionPageOf(field);
      const childPage = connection ? itemsFor(connection, args) : page;
      const namedType = getNamedType(field.type);
      const child = selection.selectionSet && isCompositeType(namedType) ? walk(selection.selectionSet, namedType, childPage) : undefined;
      // An unbounded list (a schema without declared bounds) counts as one item: tests/list-bounds.test.ts keeps ours bounded.
      const n = isList ? items : 1;
      add({
        cost: 1 + n * (child ? child.cost : isList ? 1 : 0),
        depth: 1 + (child?.depth ?? 0),
        // The path ends at the last list on it: that is the field to ask fewer items of.
        driver: child && child.driverItems > 1 ? [name, ...child.driver] : [name],
        driverItems: n * (child?.driverItems ?? 1),
      });
    }
    return { cost, depth, driver, driverItems };
  };

  return walk(operation.selectionSet, root, undefined);
}

const refuse = (code: LimitCode, message: string, extra: Record<string, unknown> = {}) =>
  new ClientError(message, code, { extensions: { ...extra, http: { status: 400 } } });

const formatCount = (n: number) => (n >= 1e15 ? n.toExponential(2) : Math.round(n).toLocaleString("en-US"));

/** Why an operation is refused for this role's budget, or null when it fits. */
export function checkBudget(estimate: Estimate, role: Role, budget: Pick<RoleBudget, "maxDepth" | "maxCost">): ClientError | null {
  if (estimate.depth > budget.maxDepth) {
    return refuse("QUERY_TOO_DEEP", `Query depth ${estimate.depth} exceeds the ${role} limit of ${budget.maxDepth}.`, {
      depth: estimate.depth,
      maxDepth: budget.maxDepth,
    });
  }
  if (estimate.cost > budget.maxCost) {
    const path = estimate.driver.join(".");
    return refuse(
      "QUERY_TOO_COSTLY",
      `Query cost estimate ${formatCount(estimate.cost)} exceeds the ${role} budget of ${formatCount(budget.maxCost)}; ` +
        `the largest term is ${path} (up to ${formatCount(estimate.driverItems)} items). Ask for fewer items (first, range) or fewer nested lists.`,
      { cost: estimate.cost, maxCost: budget.maxCost, path },
    );
  }
  return null;
}

/** armor reports "Syntax Error: <what>"; keep its wording (it names the limit) under our code. */
const aliasRejection = {
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(new ClientError(error.message.replace(/^Syntax Error: /, ""), "TOO_MANY_ALIASES")),
  ],
};

const estimates = new WeakMap<GatewayContext, Estimate>();

/** The estimate useQueryLimits made for the operation of this context (the per-minute cost budget spends it). */
export const estimateOf = (context: GatewayContext): Estimate | undefined => estimates.get(context);

// graphql-js 16 spells it "more that".
const TOKEN_LIMIT_MESSAGE = /Document contains more th(?:an|at) \d+ tokens/;

export function useQueryLimits(limits: QueryLimits, budgets: Record<Role, Pick<RoleBudget, "maxDepth" | "maxCost">>): Plugin<GatewayContext> {
  const aliases = maxAliasesRule({ n: limits.maxAliases, ...aliasRejection });
  type Args = {
    schema: GraphQLSchema;
    document: DocumentNode;
    operationName?: string | null;
    variableValues?: Record<string, unknown> | null;
    contextValue: GatewayContext;
  };
  const check = (args: Args, stop: (result: { errors: GraphQLError[] }) => void) => {
    const estimate = estimateOperation(args.schema, args.document, args.operationName, args.variableValues);
    if (!estimate) return;
    estimates.set(args.contextValue, estimate);
    const role = budgetRoleOf(args.contextValue.viewer); // an anonymous sign-in gets anon's budget
    const refusal = checkBudget(estimate, role, budgets[role]);
    if (refusal) stop({ errors: [refusal] });
  };
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parseFn(source, { ...options, maxTokens: limits.maxTokens }) as DocumentNode;
        } catch (error) {
          if (isGraphQLError(error) && TOKEN_LIMIT_MESSAGE.test(error.message)) {
            throw new ClientError(`Token limit of ${limits.maxTokens} exceeded.`, "TOO_MANY_TOKENS", {
              source: error.source,
              positions: error.positions,
            });
          }
          throw error;
        }
      });
    },
    onValidate({ addValidationRule }) {
      addValidationRule(aliases);
    },
    // Before the RLS transaction plugin (plugin order): a refused operation opens no transaction.
    onExecute({ args, setResultAndStopExecution }) {
      check(args, setResultAndStopExecution);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      check(args, setResultAndStopExecution);
    },
  };
}
