/**
 * Which kinds of caller may run a document, derived from the policy table: the same auth scopes the
 * schema checks at run time (src/schema/builder.ts, each read from src/auth/policy.ts) evaluated for a
 * caller of each kind. Row rules are not: "may run" means the role reaches every field; which rows it
 * then sees is row-level security's answer.
 */
import { TypeInfo, getNamedType, isObjectType, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from "graphql";
import type { PolicyRole } from "../auth/policy.ts";
import type { Viewer } from "../auth/viewer.ts";
import type { GatewayContext } from "../context/types.ts";
import { builder } from "../schema/builder.ts";

type ScopeOwner = { extensions?: { pothosOptions?: { authScopes?: unknown } } | null | Readonly<Record<string, unknown>> };
type ScopeFunction = (parent: unknown, ...rest: unknown[]) => unknown;

function viewerOf(role: PolicyRole): Viewer {
  if (role === "anon") return { role: "anon", subject: null, claims: { role: "anon" } };
  if (role === "anonymous") return { role: "authenticated", subject: "catalogue", claims: { role: "authenticated", is_anonymous: true } };
  return { role, subject: "catalogue", claims: { role } };
}

/** A context with just what the scopes read: the viewer and the decision's minimum sign-in strength. */
const contextFor = (role: PolicyRole) => ({ viewer: viewerOf(role), decisionMinAal: "aal1" }) as unknown as GatewayContext;

/** A type's scopes take (row, ctx), a field's (parent, args, ctx, info). */
function granted(ctx: GatewayContext, owner: ScopeOwner, kind: "type" | "field"): boolean {
  let scopes = (owner.extensions as { pothosOptions?: { authScopes?: unknown } } | null | undefined)?.pothosOptions?.authScopes;
  // Row-dependent scopes (a type's rule on the row) are asked about a row without values.
  if (typeof scopes === "function") scopes = kind === "type" ? (scopes as ScopeFunction)({}, ctx) : (scopes as ScopeFunction)({}, {}, ctx, {});
  if (scopes === undefined || scopes === true) return true;
  if (scopes === false || typeof scopes !== "object" || scopes === null) return false;
  try {
    const pending = builder.runAuthScopes(ctx, scopes);
    if (pending instanceof Promise) throw new Error("the catalogue evaluates only synchronous scopes");
    return true;
  } catch {
    return false;
  }
}

/** Whether a caller of this kind passes the auth scopes of every type and field the document selects. */
export function rolesAllowedToRun(schema: GraphQLSchema, document: DocumentNode, role: PolicyRole): boolean {
  const ctx = contextFor(role);
  const typeInfo = new TypeInfo(schema);
  let allowed = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        const type = field && getNamedType(field.type);
        if (parent && !granted(ctx, parent, "type")) allowed = false;
        if (field && !granted(ctx, field, "field")) allowed = false;
        if (type && isObjectType(type) && !granted(ctx, type, "type")) allowed = false;
      },
    }),
  );
  return allowed;
}
