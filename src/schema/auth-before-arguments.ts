/**
 * A small Pothos plugin: a field's auth scopes are checked before its arguments are validated.
 * Pothos runs argument mappers (the validation plugin's checks) outside every plugin's resolver
 * wrapper, so without this a caller who may not run a mutation would learn which of its inputs are
 * wrong, and get BAD_USER_INPUT where FORBIDDEN or UNAUTHENTICATED is the answer. It evaluates the
 * field's scopes with scope-auth itself (builder.runAuthScopes: the same loaders and per-request
 * cache) and raises the builder's own unauthorizedError; scope-auth then checks again, from cache.
 * Only fields with argument mappers are wrapped. Root fields carry the validated inputs and root
 * types have no scopes of their own, so the field's scopes are the whole check.
 */
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from "@pothos/core";
import { AuthScopeFailureType, type AuthScopeMap, type ForbiddenResult } from "@pothos/plugin-scope-auth";
import type { GraphQLFieldResolver, GraphQLResolveInfo } from "graphql";

type Resolver<Types extends SchemaTypes> = GraphQLFieldResolver<unknown, Types["Context"], object>;
type FieldScopes<Types extends SchemaTypes> =
  | AuthScopeMap<Types>
  | ((
      parent: unknown,
      args: object,
      context: Types["Context"],
      info: GraphQLResolveInfo,
    ) => AuthScopeMap<Types> | boolean | Promise<AuthScopeMap<Types> | boolean>);

export class AuthBeforeArgumentsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapArgMappers(resolver: Resolver<Types> | undefined, fieldConfig: PothosOutputFieldConfig<Types>): Resolver<Types> | undefined {
    const scopes = (fieldConfig.pothosOptions as { authScopes?: FieldScopes<Types> }).authScopes;
    if (!resolver || fieldConfig.argMappers.length === 0 || scopes === undefined) return resolver;
    const builder = this.builder;
    const unauthorized = builder.options.scopeAuth.unauthorizedError;
    return async (parent, args, context, info) => {
      const fail = (result: ForbiddenResult) => {
        const error = unauthorized?.(parent as object, context, info, result);
        return typeof error === "string" || error === undefined ? new Error(error ?? result.message) : error;
      };
      const map = typeof scopes === "function" ? await scopes(parent, args, context, info) : scopes;
      if (map === false) throw fail({ message: "Unauthorized", failure: { kind: AuthScopeFailureType.AuthScopeFunction, error: null } });
      if (map !== true) await builder.runAuthScopes(context, map, fail);
      return resolver(parent, args, context, info);
    };
  }
}

const pluginName = "authBeforeArguments";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Pothos registers plugins in this global namespace
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      authBeforeArguments: AuthBeforeArgumentsPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin(pluginName, AuthBeforeArgumentsPlugin);

export default pluginName;
