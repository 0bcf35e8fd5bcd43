/**
 * Execution of a query operation whose root lists are drawn by PostgreSQL. For each root field
 * hinted as a connection or a single row (tableConnection, tableById):
 *
 *  1. its own resolver runs as graphql-js would call it (scope-auth, argument validation, filters,
 *     ordering, cursor paging, totalCount: all Pothos' and the gateway's code, unchanged), but with
 *     a selection that asks for nothing beyond the rows' ids;
 *  2. one statement renders those rows, in that order, as the JSON text the selection asks for
 *     (compile.ts), inside the request's RLS transaction, so PostgreSQL still enforces RLS;
 *  3. the connection around them (edges, cursors, pageInfo, totalCount) is serialized from the
 *     resolver's own connection object, and the field's value is that text, spliced into the
 *     response as it is (RawJson): never parsed, never walked value by value.
 *
 * Root fields that cannot be rendered exactly (NotRenderable: a computed field, a denied type or
 * field, a nested argument its check refuses, a value the API would not send as is) and every other root field
 * run through graphql-js in one execution of the remaining selection, and the two halves are joined
 * in the response's key order. A root resolver's error is reported as graphql-js reports it (at the
 * field's path); a rendered field is otherwise error-free, so errors and partial results are
 * graphql-js' own.
 */
import {
  GraphQLObjectType,
  Kind,
  OperationTypeNode,
  defaultFieldResolver,
  getNamedType,
  getNullableType,
  isLeafType,
  isListType,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLResolveInfo,
  type OperationDefinitionNode,
  type SelectionSetNode,
  getArgumentValues,
  getVariableValues,
  isNonNullType,
  locatedError,
  type GraphQLError,
} from "graphql";
import { collectFields, collectSubFields } from "@graphql-tools/utils";
import { Prisma } from "../generated/prisma/client.ts";
import type { GatewayContext } from "../context/types.ts";
import { RENDER_SELECT, renderHintOf } from "../schema/render-hints.ts";
import { quoteIdent } from "../lib/sql.ts";
import type { Catalog, ModelInfo } from "./catalog.ts";
import { authorize, NotRenderable, objectSql, type CompileContext } from "./compile.ts";
import { UNRENDERABLE } from "./values.ts";

/** JSON text computed elsewhere, spliced into the response unchanged by `stringifyResult`. */
export class RawJson {
  constructor(readonly text: string) {}
  /** For any other serializer (e.g. an event stream): the same value, parsed. */
  toJSON(): unknown {
    return JSON.parse(this.text) as unknown;
  }
}

/** JSON.stringify for a result whose `data` holds RawJson values at the top level: same bytes, no parse. */
export function stringifyResult(result: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(result)) {
    if (value === undefined || typeof value === "function") continue;
    if (key === "data" && value !== null && typeof value === "object") {
      const fields = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${JSON.stringify(k)}:${v instanceof RawJson ? v.text : JSON.stringify(v)}`);
      parts.push(`"data":{${fields.join(",")}}`);
    } else {
      parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
    }
  }
  return `{${parts.join(",")}}`;
}

type Execute = (args: ExecutionArgs) => Promise<ExecutionResult> | ExecutionResult;

function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  return fragments;
}

/** The field node with its selection replaced: the resolver then loads what `selection` asks for. */
const withSelection = (nodes: readonly FieldNode[], selection: SelectionSetNode): FieldNode[] => [{ ...nodes[0], selectionSet: selection }];

/** `{ a { b { __typename } } }` for path ["a", "b"]: a selection that asks for rows, not their fields. */
function rowsAt(path: string[]): SelectionSetNode {
  const [head, ...rest] = path;
  const field = (name: string, selectionSet?: SelectionSetNode): FieldNode => ({
    kind: Kind.FIELD,
    name: { kind: Kind.NAME, value: name },
    selectionSet,
  });
  return { kind: Kind.SELECTION_SET, selections: [head ? field(head, rowsAt(rest)) : field("__typename")] };
}
const ROW = rowsAt([]);
const EDGE_ROWS = rowsAt(["edges", "node"]);

/** The scope function of a type whose rule is checked per row (e.g. ObservabilityLog), if it has one. */
type RowScopes = (row: unknown, ctx: GatewayContext) => unknown;
function rowScopesOf(type: GraphQLObjectType): RowScopes | undefined {
  const scopes = (type.extensions as { pothosOptions?: { authScopes?: unknown } } | undefined)?.pothosOptions?.authScopes;
  return typeof scopes === "function" ? (scopes as RowScopes) : undefined;
}

/**
 * What the resolver must load of each row: its id and cursor, and for a type checked per row every
 * column, so the check sees the row as graphql-js would. A Prisma `select` (RENDER_SELECT on `info`).
 */
function loadedColumns(type: GraphQLObjectType, model: ModelInfo): Record<string, true> {
  const select: Record<string, true> = { [model.idField]: true };
  if (rowScopesOf(type)) {
    for (const f of Object.values(type.getFields())) {
      const hint = renderHintOf(f);
      const column = hint?.kind === "column" ? hint.field : (f.extensions as { pothosExposedField?: string }).pothosExposedField;
      if (column !== undefined && model.columns.has(column)) select[column] = true;
    }
  }
  return select;
}

/** The node type of a connection type (edges.node). */
function nodeTypeOf(connection: GraphQLObjectType): GraphQLObjectType {
  const edges = connection.getFields().edges;
  const edge = edges && getNamedType(edges.type);
  const node = edge instanceof GraphQLObjectType ? edge.getFields().node : undefined;
  const type = node && getNamedType(node.type);
  if (!(type instanceof GraphQLObjectType)) throw new NotRenderable(`${connection.name} has no edges.node`);
  return type;
}

/**
 * The root field's own resolver threw: graphql-js would call it the same way and get the same error
 * (a refused argument, FORBIDDEN, a database error that has already aborted the transaction), so
 * that error is the field's answer, without a second attempt.
 */
class ResolverFailed extends Error {
  constructor(readonly error: unknown) {
    super("The root field's resolver failed");
  }
}

class Renderer {
  readonly c: CompileContext;
  constructor(
    private readonly args: ExecutionArgs,
    private readonly operation: OperationDefinitionNode,
    fragments: Record<string, FragmentDefinitionNode>,
    variables: Record<string, unknown>,
    catalog: Catalog,
  ) {
    this.c = {
      schema: args.schema,
      fragments,
      variables,
      ctx: args.contextValue as GatewayContext,
      catalog,
      aliases: 0,
      granted: new WeakSet(),
    };
  }

  /** What a resolver needs of `info`: a root field's, with its selection replaced. */
  private rootInfo(field: GraphQLField<unknown, unknown>, nodes: FieldNode[], key: string): GraphQLResolveInfo {
    return {
      fieldName: field.name,
      fieldNodes: nodes,
      returnType: field.type,
      parentType: this.args.schema.getQueryType()!,
      path: { prev: undefined, key, typename: "Query" },
      schema: this.args.schema,
      fragments: this.c.fragments,
      rootValue: this.args.rootValue,
      operation: this.operation,
      variableValues: this.c.variables,
    };
  }

  /** The root field's JSON, or NotRenderable. */
  async root(field: GraphQLField<unknown, unknown>, nodes: readonly FieldNode[], key: string): Promise<RawJson> {
    const hint = renderHintOf(field);
    const resolve = field.resolve ?? defaultFieldResolver;
    const args = getArgumentValues(field, nodes[0], this.c.variables);
    const type = getNamedType(field.type);
    if (hint?.kind === "row" && type instanceof GraphQLObjectType) {
      const info = this.rootInfo(field, withSelection(nodes, ROW), key);
      const row = await this.call(resolve, args, this.selecting(info, type));
      if (row === null || row === undefined) return new RawJson("null");
      const [text] = await this.rows(type, nodes, [row]);
      return new RawJson(text);
    }
    if (hint?.kind !== "connection" || !(type instanceof GraphQLObjectType)) throw new NotRenderable("not a rendered root field");
    // Only a count or page info: no rows to draw, and Pothos then skips loading them.
    const asked = collectSubFields(this.c.schema, this.c.fragments, this.c.variables, type, [...nodes]).fields;
    if (![...asked.values()].some((n) => n[0].name.value === "edges")) throw new NotRenderable("no rows selected");
    const info = this.rootInfo(field, withSelection(nodes, EDGE_ROWS), key);
    const connection = await this.call(resolve, args, this.selecting(info, nodeTypeOf(type)));
    if (connection === null || connection === undefined) return new RawJson("null");
    return new RawJson(await this.envelope(type, nodes, connection, info));
  }

  /** `info` asking the resolver to load only what drawing `type`'s rows needs (RENDER_SELECT). */
  private selecting(info: GraphQLResolveInfo, type: GraphQLObjectType): GraphQLResolveInfo {
    return { ...info, [RENDER_SELECT]: loadedColumns(type, this.modelOf(type)) } as GraphQLResolveInfo;
  }

  private modelOf(type: GraphQLObjectType): ModelInfo {
    const model = this.c.catalog.get((type.extensions as { pothosPrismaModel?: string }).pothosPrismaModel ?? "");
    if (!model) throw new NotRenderable(`${type.name} is not a Prisma model`);
    return model;
  }

  private async call(resolve: (...a: never[]) => unknown, args: Record<string, unknown>, info: GraphQLResolveInfo): Promise<unknown> {
    try {
      return await (resolve as (root: unknown, args: unknown, ctx: unknown, info: GraphQLResolveInfo) => unknown)(
        this.args.rootValue,
        args,
        this.c.ctx,
        info,
      );
    } catch (error) {
      throw new ResolverFailed(error);
    }
  }

  /** The JSON text of each row (in order) of an object type, one statement for all of them. */
  private async rows(type: GraphQLObjectType, nodes: readonly FieldNode[], rows: unknown[]): Promise<string[]> {
    if (rows.length === 0) return [];
    const model = this.modelOf(type);
    const rowScopes = rowScopesOf(type);
    if (rowScopes) {
      // The type's own rule, per row, on the row the resolver loaded (as graphql-js would check it).
      for (const row of rows) {
        const scopes = await rowScopes(row, this.c.ctx);
        if (scopes === false) throw new NotRenderable("a row the rule refuses: graphql-js answers with the error");
        if (scopes !== true) await authorize(this.c, { extensions: { pothosOptions: { authScopes: scopes } } });
      }
    }
    const ids = rows.map((row) => (row as Record<string, unknown>)[model.idField]);
    const alias = `r${this.c.aliases++}`;
    const object = await objectSql(this.c, type, nodes, alias, rowScopes !== undefined);
    const id = Prisma.raw(`${alias}.${quoteIdent(model.id.name)}`);
    const result = await this.c.ctx.db.$queryRaw<Array<{ json: string }>>`
      SELECT ${object} AS json
      FROM unnest(${ids}::${Prisma.raw(model.id.type)}[]) WITH ORDINALITY AS ids(id, ord)
      JOIN ${Prisma.raw(quoteIdent(model.table))} ${Prisma.raw(alias)} ON ${id} = ids.id
      ORDER BY ids.ord`;
    // A row gone since the resolver read it, or a value the API would not send as is.
    if (result.length !== rows.length || result.some((r) => r.json.includes(UNRENDERABLE))) throw new NotRenderable("rows changed or unrenderable");
    return result.map((r) => r.json);
  }

  /**
   * A connection's JSON: its own fields resolved and serialized as graphql-js would (resolver, then
   * the leaf type's serialize), each `node` list drawn by `rows`, once per distinct node selection.
   */
  private async envelope(type: GraphQLObjectType, nodes: readonly FieldNode[], value: unknown, info: GraphQLResolveInfo): Promise<string> {
    const drawn = new Map<string, Promise<string[]>>();
    const walk = async (
      parentType: GraphQLObjectType,
      fieldNodes: readonly FieldNode[],
      parent: unknown,
      path: string,
      index: number,
    ): Promise<string> => {
      await authorize(this.c, parentType);
      const parts: string[] = [];
      for (const [key, selection] of collectSubFields(this.c.schema, this.c.fragments, this.c.variables, parentType, [...fieldNodes]).fields) {
        const name = selection[0].name.value;
        if (name === "__typename") {
          parts.push(`${JSON.stringify(key)}:${JSON.stringify(parentType.name)}`);
          continue;
        }
        const field = parentType.getFields()[name];
        if (!field) throw new NotRenderable(`unknown field ${parentType.name}.${name}`);
        await authorize(this.c, field);
        const named = getNamedType(field.type);
        const nodeModel = named instanceof GraphQLObjectType && (named.extensions as { pothosPrismaModel?: string }).pothosPrismaModel;
        if (nodeModel && (name === "node" || name === "nodes")) {
          const where = `${path}/${key}`;
          if (!drawn.has(where)) drawn.set(where, this.rows(named, selection, this.nodesOf(value)));
          const texts = await drawn.get(where)!;
          parts.push(`${JSON.stringify(key)}:${name === "node" ? texts[index] : `[${texts.join(",")}]`}`);
          continue;
        }
        const resolve = field.resolve ?? defaultFieldResolver;
        let result: unknown;
        try {
          result = await resolve(parent, getArgumentValues(field, selection[0], this.c.variables), this.c.ctx, {
            ...info,
            fieldName: name,
            fieldNodes: selection,
          });
        } catch {
          throw new NotRenderable("a connection field failed: graphql-js answers with the error");
        }
        parts.push(`${JSON.stringify(key)}:${await this.value(field.type, selection, result, `${path}/${key}`, walk)}`);
      }
      return `{${parts.join(",")}}`;
    };
    return walk(type, nodes, value, "", 0);
  }

  /** The rows a connection's edges hold, in order (the resolver's own connection object). */
  private nodesOf(connection: unknown): unknown[] {
    const edges = (connection as { edges?: Array<{ node: unknown } | null> }).edges;
    if (!Array.isArray(edges) || edges.some((e) => e === null || e.node === null)) throw new NotRenderable("edges without nodes");
    return edges.map((e) => e!.node);
  }

  private async value(
    type: GraphQLField<unknown, unknown>["type"],
    selection: readonly FieldNode[],
    result: unknown,
    path: string,
    walk: (t: GraphQLObjectType, n: readonly FieldNode[], parent: unknown, path: string, index: number) => Promise<string>,
    index = 0,
  ): Promise<string> {
    if (result === null || result === undefined) {
      if (type !== getNullableType(type)) throw new NotRenderable("null in a non-null field");
      return "null";
    }
    const inner = getNullableType(type);
    if (isListType(inner)) {
      if (!Array.isArray(result)) throw new NotRenderable("list expected");
      const items = await Promise.all(result.map((item, i) => this.value(inner.ofType, selection, item, path, walk, i)));
      return `[${items.join(",")}]`;
    }
    if (isLeafType(inner)) return JSON.stringify(inner.serialize(result));
    if (inner instanceof GraphQLObjectType) return walk(inner, selection, result, path, index);
    throw new NotRenderable("abstract types are resolved by graphql-js");
  }
}

/**
 * Wraps `execute`: renders what it can of a query's root fields and lets `execute` run the rest.
 * `catalog` loads the table map once (the first rendered request waits for it); undefined: none yet, all to graphql-js.
 */
export function renderingExecute(execute: Execute, catalog: () => Promise<Catalog | undefined>): Execute {
  return async (args) => {
    const operation = operationOf(args);
    if (!operation || operation.operation !== OperationTypeNode.QUERY) return execute(args);
    const query = args.schema.getQueryType()!;
    // Coerced as graphql-js will coerce them; invalid variables are its to report.
    const coerced = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {});
    if (coerced.errors) return execute(args);
    const variables = coerced.coerced;
    const fragments = fragmentsOf(args.document);
    const fields = collectFields(args.schema, fragments, variables, query, operation.selectionSet).fields;
    const candidates = [...fields].filter(([, nodes]) => {
      const hint = renderHintOf(query.getFields()[nodes[0].name.value] ?? ({} as GraphQLField<unknown, unknown>));
      return hint?.kind === "connection" || hint?.kind === "row";
    });
    if (candidates.length === 0) return execute(args);

    const tables = await catalog();
    if (!tables) return execute(args);
    const renderer = new Renderer(args, operation, fragments, variables, tables);
    const rendered = new Map<string, RawJson | null>();
    const errors: GraphQLError[] = [];
    for (const [key, nodes] of candidates) {
      const field = query.getFields()[nodes[0].name.value];
      try {
        rendered.set(key, await renderer.root(field, nodes, key));
      } catch (error) {
        if (error instanceof ResolverFailed) {
          // As graphql-js reports a resolver's error: at the field's path, the field null (or, for a
          // non-null field, the whole data).
          errors.push(locatedError(error.error, nodes, [key]));
          if (isNonNullType(field.type)) return { errors, data: null };
          rendered.set(key, null);
        } else if (!(error instanceof NotRenderable)) throw error;
      }
    }
    if (rendered.size === 0) return execute(args);

    const rest = [...fields].filter(([key]) => !rendered.has(key));
    let restResult: ExecutionResult = {};
    if (rest.length > 0) {
      const selectionSet: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: rest.flatMap(([, nodes]) => nodes) };
      const document: DocumentNode = {
        ...args.document,
        definitions: args.document.definitions.map((d) => (d === operation ? { ...operation, selectionSet } : d)),
      };
      restResult = await execute({ ...args, document });
      // A non-null root field failed: the whole data is null, rendered fields included (GraphQL's rule).
      // graphql-js stops at that field, so only errors of the fields before it are reported, in order.
      if (restResult.data === null) return { ...restResult, errors: errorsBefore(fields, errors, restResult.errors ?? []) };
    }
    const data: Record<string, unknown> = {};
    for (const [key] of fields) data[key] = rendered.has(key) ? rendered.get(key) : restResult.data?.[key];
    errors.push(...(restResult.errors ?? []));
    return {
      ...(errors.length > 0 && { errors }),
      data,
      ...(restResult.extensions && { extensions: restResult.extensions }),
      stringify: stringifyResult,
    } as ExecutionResult;
  };
}

/** The errors graphql-js reports when a non-null root field (the last to fail) nulls the data: those of earlier fields, then its own. */
function errorsBefore(fields: Map<string, FieldNode[]>, rendered: GraphQLError[], failed: readonly GraphQLError[]): GraphQLError[] {
  const order = [...fields.keys()];
  const at = (error: GraphQLError) => order.indexOf(String(error.path?.[0]));
  const stop = failed.length > 0 ? Math.max(...failed.map(at)) : order.length;
  return [...rendered.filter((e) => at(e) < stop), ...failed].sort((a, b) => at(a) - at(b));
}

function operationOf(args: ExecutionArgs): OperationDefinitionNode | undefined {
  const operations = args.document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return args.operationName ? operations.find((o) => o.name?.value === args.operationName) : operations.length === 1 ? operations[0] : undefined;
}
