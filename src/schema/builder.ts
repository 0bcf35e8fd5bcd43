/**
 * The one Pothos builder. Plugins are wired here once:
 *  - scope-auth: every type and field checks the policy table (src/auth/policy.ts);
 *  - prisma: types from Prisma models, relations loaded without N+1 through ctx.db (the request's RLS transaction);
 *  - relay: cursor connections with a maximum page size;
 *  - simple-objects: plain output types (tiles, payloads, statistics) without a backing model;
 *  - validation: zod schemas on inputs and arguments, checked before the resolver runs (after the
 *    field's auth scopes: auth-before-arguments.ts); every failure is shaped once (src/lib/validation.ts invalidInput).
 */
import SchemaBuilder from "@pothos/core";
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from "@pothos/plugin-scope-auth";
import PrismaPlugin from "@pothos/plugin-prisma";
import RelayPlugin from "@pothos/plugin-relay";
import SimpleObjectsPlugin from "@pothos/plugin-simple-objects";
import ValidationPlugin from "@pothos/plugin-validation";
import AuthBeforeArgumentsPlugin from "./auth-before-arguments.ts";
import { ClientError } from "../errors.ts";
import type PrismaTypes from "../generated/pothos-types.ts";
import { getDatamodel } from "../generated/pothos-types.ts";
import type { PrismaClient, Prisma } from "../generated/prisma/client.ts";
import type { GatewayContext } from "../context/types.ts";
import { invalidInput } from "../lib/validation.ts";
import { can, canExecute, meetsDecisionAal, policyRoleOf, type Aal, type Operation, type RoutineName, type TableName } from "../auth/policy.ts";

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** Scope parameter: the operation(s) on a table the field needs; all must be granted. */
export interface AccessScope {
  table: TableName;
  op: Operation | Operation[];
}

export const decisionMinAal = (ctx: GatewayContext): Aal => ctx.decisionMinAal ?? "aal1";

/** The names of the scopes a scope-auth failure says were missing (empty when it names none). */
function failedScopes(failure: AuthFailure): string[] {
  if (failure.kind === AuthScopeFailureType.AuthScope) return [failure.scope];
  if (failure.kind === AuthScopeFailureType.AllAuthScopes || failure.kind === AuthScopeFailureType.AnyAuthScopes)
    return failure.failures.flatMap(failedScopes);
  return [""];
}

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  PrismaTypes: PrismaTypes;
  AuthScopes: {
    access: AccessScope;
    signedIn: boolean;
    execute: RoutineName;
    /** The session is strong enough to decide an approval (DECISION_MIN_AAL); the parameter is ignored. */
    decisionAal: true;
  };
  Scalars: {
    UUID: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
    Date: { Input: Date; Output: Date };
    Decimal: { Input: Prisma.Decimal | string; Output: Prisma.Decimal | string | number };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  // Scope-auth first, so it wraps every other resolver wrapper. Pothos validates arguments outside all
  // of them; auth-before-arguments (first too) checks a field's scopes before its inputs.
  plugins: [AuthBeforeArgumentsPlugin, ScopeAuthPlugin, PrismaPlugin, RelayPlugin, SimpleObjectsPlugin, ValidationPlugin],
  validation: {
    validationError: (failure) => invalidInput(failure.issues),
  },
  scopeAuth: {
    // One check per object instead of per field; results are cached per request.
    runScopesOnType: true,
    // Subscriptions are refused when they start, not only when their first event arrives.
    authorizeOnSubscribe: true,
    cacheKey: (value) =>
      typeof value === "object" && value !== null ? `${(value as AccessScope).table}:${String((value as AccessScope).op)}` : String(value),
    authScopes: (ctx) => {
      // An anonymous sign-in is signed in but no operator: it gets what anon gets (D1).
      const role = policyRoleOf(ctx.viewer);
      return {
        signedIn: role !== "anon" && role !== "anonymous",
        access: ({ table, op }: AccessScope) => (Array.isArray(op) ? op : [op]).every((o) => can(role, table, o)),
        execute: (routine: RoutineName) => canExecute(role, routine),
        // A function, so in a $all it is evaluated after `execute` (scope-auth checks booleans first).
        decisionAal: () => meetsDecisionAal(ctx.viewer, decisionMinAal(ctx)),
      };
    },
    // No valid token and the field needs one: UNAUTHENTICATED. A valid token whose role may not: FORBIDDEN.
    unauthorizedError: (_parent, ctx, _info, result) =>
      ctx.viewer.role === "anon"
        ? new ClientError("Authentication required: send Authorization: Bearer <token>.", "UNAUTHENTICATED")
        : policyRoleOf(ctx.viewer) === "anonymous"
          ? new ClientError("An anonymous sign-in is not an operator: sign in with an operator account.", "FORBIDDEN", {
              extensions: { reason: "ANONYMOUS" },
            })
          : failedScopes(result.failure).every((scope) => scope === "decisionAal")
            ? new ClientError(
                `Deciding an approval needs a multi-factor sign-in (${decisionMinAal(ctx)}); sign in again with your second factor.`,
                "FORBIDDEN",
                {
                  extensions: { reason: "AAL_REQUIRED", required: decisionMinAal(ctx) },
                },
              )
            : new ClientError(`The ${ctx.viewer.role} role may not access this.`, "FORBIDDEN"),
  },
  prisma: {
    // Resolvers always go through the request's transaction, so RLS applies to every statement.
    client: (ctx) => ctx.db as PrismaClient,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    // Pothos' unused-query check proxies every query object (a cost on each relation); what an unused
    // query leads to, a relation loaded per parent, is caught by tests/statement-count.test.ts instead.
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});

/** Scope requiring `op` on `table` per the policy table. */
export const access = (table: TableName, op: Operation | Operation[] = "select") => ({ access: { table, op } });
/** Scope requiring EXECUTE on a database function per the policy's ROUTINES. */
export const executes = (routine: RoutineName) => ({ execute: routine });
/** Deciding an approval: EXECUTE on the decision function, then a session as strong as DECISION_MIN_AAL. */
export const decides = { $all: { execute: "decide_agent_approval", decisionAal: true } } as const;

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
