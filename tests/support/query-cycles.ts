/**
 * Relation cycles of a GraphQL schema, found from the schema alone, and the queries that walk them:
 * the worst shape a client can send (tests/query-cycles.test.ts). A relation is any field whose type
 * is an object (directly, in a list, or through a connection's edges/node).
 */
import { getNamedType, isObjectType, isNonNullType, type GraphQLField, type GraphQLObjectType, type GraphQLSchema } from "graphql";

export interface Hop {
  from: string;
  field: string;
  to: string;
}

/** Fields that can be selected without arguments we would have to invent. */
const selectable = (field: GraphQLField<unknown, unknown>) => field.args.every((a) => !isNonNullType(a.type) || a.defaultValue !== undefined);

function hops(schema: GraphQLSchema): Map<string, Hop[]> {
  const roots = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name, schema.getSubscriptionType()?.name]);
  const graph = new Map<string, Hop[]>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__") || roots.has(type.name)) continue;
    const out: Hop[] = [];
    for (const field of Object.values(type.getFields())) {
      const target = getNamedType(field.type);
      if (isObjectType(target) && !roots.has(target.name) && selectable(field)) out.push({ from: type.name, field: field.name, to: target.name });
    }
    graph.set(type.name, out);
  }
  return graph;
}

/**
 * Every elementary cycle (no type twice) of at most `maxLength` hops, each once: rotated to start at
 * its smallest type name. Johnson-style DFS from each start over types ordered after it.
 */
export function relationCycles(schema: GraphQLSchema, maxLength = 8): Hop[][] {
  const graph = hops(schema);
  const names = [...graph.keys()].sort();
  const cycles: Hop[][] = [];
  for (const start of names) {
    const path: Hop[] = [];
    const onPath = new Set([start]);
    const visit = (at: string) => {
      if (path.length >= maxLength) return;
      for (const hop of graph.get(at) ?? []) {
        if (hop.to === start) cycles.push([...path, hop]);
        else if (hop.to > start && !onPath.has(hop.to)) {
          path.push(hop);
          onPath.add(hop.to);
          visit(hop.to);
          onPath.delete(hop.to);
          path.pop();
        }
      }
    };
    visit(start);
  }
  return cycles;
}

/** The shortest way from Query to each type: the root field path (selectable fields only). */
export function entryPaths(schema: GraphQLSchema): Map<string, Hop[]> {
  const graph = hops(schema);
  const query = schema.getQueryType() as GraphQLObjectType;
  const paths = new Map<string, Hop[]>();
  const queue: string[] = [];
  for (const field of Object.values(query.getFields())) {
    const target = getNamedType(field.type);
    if (isObjectType(target) && selectable(field) && !paths.has(target.name)) {
      paths.set(target.name, [{ from: query.name, field: field.name, to: target.name }]);
      queue.push(target.name);
    }
  }
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const hop of graph.get(at) ?? []) {
      if (!paths.has(hop.to)) {
        paths.set(hop.to, [...paths.get(at)!, hop]);
        queue.push(hop.to);
      }
    }
  }
  return paths;
}

/** `{ a { b { c { __typename } } } }` for a path of hops, plus optional arguments per field. */
export function selectionFor(path: Hop[], args: (hop: Hop) => string = () => ""): string {
  return path.reduceRight((inner, hop) => `${hop.field}${args(hop)} { ${inner} }`, "__typename");
}

/**
 * The query entering `cycle` from Query and going round it as far as `depth` allows (the leaf
 * __typename counts as one level), or null when the cycle cannot be reached or not even once.
 */
export function cycleQuery(
  entry: Hop[] | undefined,
  cycle: Hop[],
  depth: number,
  args?: (hop: Hop) => string,
): { query: string; rounds: number; path: Hop[] } | null {
  if (!entry) return null;
  const start = cycle.findIndex((h) => h.from === entry.at(-1)!.to);
  const rotated = start < 0 ? null : [...cycle.slice(start), ...cycle.slice(0, start)];
  if (!rotated) return null;
  const room = depth - entry.length - 1;
  if (room < rotated.length) return null;
  const hops: Hop[] = [];
  while (hops.length < room) hops.push(rotated[hops.length % rotated.length]);
  const path = [...entry, ...hops];
  return { query: `{ ${selectionFor(path, args)} }`, rounds: hops.length / rotated.length, path };
}
