/**
 * Introspection per role (INTROSPECTION_ROLES, default authenticated and service_role; the policy is
 * mayIntrospect in src/auth/policy.ts). An operation that asks for __schema or __type, anywhere in
 * the operation or the fragments it spreads, is refused whole for any other caller: HTTP 400
 * INTROSPECTION_DISABLED, like the other refusals before execution (src/plugins/limits.ts), so
 * nothing of the schema is sent and no SQL runs. `__typename` is not introspection and stays open.
 *
 * Checked in onExecute, where the viewer is known (useAuthentication ran on onRequestParse), not as a
 * validation rule: yoga caches validation per document, and the same document is fine for an
 * operator. Subscriptions need no check: __schema and __type exist only on the query root.
 */
import { getOperationAST, Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { mayIntrospect, type PolicyRole } from "../auth/policy.ts";
import type { GatewayContext } from "../context/types.ts";
import { ClientError } from "../errors.ts";

const INTROSPECTION_FIELDS = new Set(["__schema", "__type"]);

/** Whether the operation selects __schema or __type (fragments followed once each). */
export function asksForIntrospection(document: DocumentNode, operationName: string | null | undefined): boolean {
  const operation = getOperationAST(document, operationName);
  if (!operation) return false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const seen = new Set<string>();
  const walk = (selectionSet: SelectionSetNode): boolean =>
    selectionSet.selections.some((selection) => {
      switch (selection.kind) {
        case Kind.FIELD:
          return INTROSPECTION_FIELDS.has(selection.name.value) || (selection.selectionSet !== undefined && walk(selection.selectionSet));
        case Kind.INLINE_FRAGMENT:
          return walk(selection.selectionSet);
        case Kind.FRAGMENT_SPREAD: {
          const fragment = fragments.get(selection.name.value);
          if (!fragment || seen.has(fragment.name.value)) return false;
          seen.add(fragment.name.value);
          return walk(fragment.selectionSet);
        }
      }
    });
  return walk(operation.selectionSet);
}

export function introspectionDisabled(allowed: readonly PolicyRole[]): ClientError {
  const who =
    allowed.length > 0
      ? `Send the token of a caller allowed to introspect: ${allowed.join(", ")}.`
      : "It is disabled for everyone (INTROSPECTION_ROLES=none).";
  return new ClientError(`Introspection (__schema, __type) is not available to this caller. ${who}`, "INTROSPECTION_DISABLED", {
    extensions: { http: { status: 400 } },
  });
}

export function useIntrospectionPolicy(allowed: readonly PolicyRole[]): Plugin<GatewayContext> {
  return {
    // Before the RLS transaction plugin (plugin order): a refused operation opens no transaction.
    onExecute({ args, setResultAndStopExecution }) {
      if (mayIntrospect(args.contextValue.viewer, allowed)) return;
      if (asksForIntrospection(args.document as DocumentNode, args.operationName as string | null | undefined))
        setResultAndStopExecution({ errors: [introspectionDisabled(allowed)] });
    },
  };
}
