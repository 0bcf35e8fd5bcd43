/**
 * JSON Schemas of a catalogue operation: of its variables (what /mcp's tools take as arguments) and of
 * its `data` (what they return), derived from the GraphQL schema. MCP's dialect is JSON Schema 2020-12;
 * the schemas use only keywords draft-07 validators read the same way (no `$schema`, `$defs` + `$ref`,
 * nullability as `"null"` in `type` or an `anyOf`), because MCP clients validate with either.
 *
 *  - variables: required = non-null without a default; input objects are `$defs` (so recursive inputs
 *    work) with `additionalProperties: false`; enums list their values; the custom scalars carry a
 *    format or pattern (SCALARS).
 *  - data: from the selection set, aliases as keys, nullability honoured; a field under @skip/@include
 *    or under a fragment on another type (an interface's or union's member) may be absent.
 */
import {
  Kind,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isScalarType,
  astFromValue,
  typeFromAST,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLInputType,
  type GraphQLEnumType,
  type GraphQLInputObjectType,
  type GraphQLList,
  type GraphQLScalarType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

/** A JSON Schema object: JSON values only. */
export type JsonSchema = { [keyword: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

type NullableInputType = GraphQLScalarType | GraphQLEnumType | GraphQLInputObjectType | GraphQLList<GraphQLInputType>;
type NullableOutputType = GraphQLScalarType | GraphQLEnumType | GraphQLCompositeType | GraphQLList<GraphQLOutputType>;

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

/** The custom scalars (src/schema/scalars.ts) as JSON; `input` where a variable accepts more than the output gives. */
const SCALARS: Record<string, { output: JsonSchema; input?: JsonSchema }> = {
  String: { output: { type: "string" } },
  Boolean: { output: { type: "boolean" } },
  Int: { output: { type: "integer", minimum: INT_MIN, maximum: INT_MAX } },
  Float: { output: { type: "number" } },
  ID: { output: { type: "string" }, input: { type: ["string", "integer"] } },
  UUID: { output: { type: "string", format: "uuid" } },
  DateTime: { output: { type: "string", format: "date-time" } },
  Date: { output: { type: "string", format: "date", description: 'A calendar date, "YYYY-MM-DD" (UTC).' } },
  Decimal: {
    output: { type: "string", pattern: "^-?\\d+(\\.\\d+)?$", description: 'An exact decimal number as a string, e.g. "3.25".' },
    input: { type: ["string", "number"], pattern: "^-?\\d+(\\.\\d+)?$", description: 'An exact decimal number, e.g. "3.25".' },
  },
  JSON: { output: { description: "Any JSON value." } },
};

/** `schema`, also admitting null. */
export function nullable(schema: JsonSchema): JsonSchema {
  const { type } = schema;
  if (typeof type === "string" && schema.enum === undefined) return { ...schema, type: [type, "null"] };
  if (Array.isArray(type) && schema.enum === undefined && schema.pattern === undefined) return { ...schema, type: [...type, "null"] };
  if (Object.keys(schema).length === 0 || (Object.keys(schema).length === 1 && schema.description !== undefined)) return schema; // any value
  return { anyOf: [schema, { type: "null" }] };
}

/** The JSON Schema of an operation's variables, an object with one property per variable. */
export function variablesJsonSchema(schema: GraphQLSchema, operation: OperationDefinitionNode): JsonSchema {
  const defs: Record<string, JsonSchema> = {};
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (!type) throw new TypeError(`variable $${name}: unknown type`);
    const property = inputSchema(type, defs);
    // The default as written in the document (a literal: no variables in it).
    const fallback = definition.defaultValue && valueFromASTUntyped(definition.defaultValue);
    properties[name] = fallback === undefined || fallback === null ? property : { ...property, default: toJson(fallback) };
    if (isNonNullType(type) && !definition.defaultValue) required.push(name);
  }
  return {
    type: "object",
    properties,
    ...(required.length > 0 && { required }),
    additionalProperties: false,
    ...(Object.keys(defs).length > 0 && { $defs: defs }),
  };
}

function inputSchema(type: GraphQLInputType, defs: Record<string, JsonSchema>): JsonSchema {
  return isNonNullType(type) ? inputTypeSchema(type.ofType, defs) : nullable(inputTypeSchema(type, defs));
}

/** The schema of a (nullable) input type's values, null aside. */
function inputTypeSchema(inner: NullableInputType, defs: Record<string, JsonSchema>): JsonSchema {
  if (isListType(inner)) return { type: "array", items: inputSchema(inner.ofType, defs) };
  if (isEnumType(inner))
    return enumSchema(
      inner.getValues().map((v) => v.name),
      inner.description,
    );
  if (isScalarType(inner)) return scalarSchema(inner.name, inner.description, "input");
  if (isInputObjectType(inner)) {
    if (!(inner.name in defs)) {
      defs[inner.name] = {}; // placeholder first: a recursive input refers to itself
      const properties: Record<string, JsonSchema> = {};
      const required: string[] = [];
      for (const field of Object.values(inner.getFields())) {
        const property = inputSchema(field.type, defs);
        const described = field.description ? { ...property, description: field.description } : property;
        const fallback = field.defaultValue === undefined ? null : astFromValue(field.defaultValue, field.type);
        properties[field.name] = fallback ? { ...described, default: toJson(valueFromASTUntyped(fallback)) } : described;
        if (isNonNullType(field.type) && field.defaultValue === undefined) required.push(field.name);
      }
      defs[inner.name] = {
        type: "object",
        ...(inner.description && { description: inner.description }),
        properties,
        ...(required.length > 0 && { required }),
        additionalProperties: false,
        // @oneOf: exactly one field set.
        ...(inner.isOneOf && { minProperties: 1, maxProperties: 1 }),
      };
    }
    return { $ref: `#/$defs/${inner.name}` };
  }
  throw new TypeError(`unexpected input type ${String(inner)}`);
}

function enumSchema(values: string[], description: string | null | undefined): JsonSchema {
  return { type: "string", enum: values, ...(description && { description }) };
}

function scalarSchema(name: string, description: string | null | undefined, direction: "input" | "output"): JsonSchema {
  const known = SCALARS[name];
  if (known) return (direction === "input" && known.input) || known.output;
  return description ? { description } : {}; // a scalar we know nothing about: any value
}

/** The JSON Schema of an operation's `data` (the document holds the operation and its fragments). */
export function dataJsonSchema(schema: GraphQLSchema, document: DocumentNode): JsonSchema {
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation) throw new TypeError("the document has no operation");
  const root = schema.getRootType(operation.operation);
  if (!root) throw new TypeError(`the schema has no ${operation.operation} type`);
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  return selectionSchema(schema, root, [operation.selectionSet], fragments);
}

interface CollectedField {
  /** The field's nodes, each with the type it is selected on (a fragment's type condition, or the parent). */
  nodes: Array<{ node: FieldNode; on: GraphQLCompositeType }>;
  /** Under @skip/@include, or a fragment on another type: the key may be missing. */
  optional: boolean;
}

/** Fields by response key, as GraphQL's CollectFields groups them (fragments flattened). */
function collectFields(
  schema: GraphQLSchema,
  parent: GraphQLCompositeType,
  selectionSets: readonly SelectionSetNode[],
  fragments: Map<string, FragmentDefinitionNode>,
  optional = false,
  into = new Map<string, CollectedField>(),
): Map<string, CollectedField> {
  for (const set of selectionSets)
    for (const selection of set.selections) {
      const conditional = optional || (selection.directives ?? []).some((d) => d.name.value === "skip" || d.name.value === "include");
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const seen = into.get(key);
        if (seen) {
          seen.nodes.push({ node: selection, on: parent });
          seen.optional &&= conditional;
        } else into.set(key, { nodes: [{ node: selection, on: parent }], optional: conditional });
        continue;
      }
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
      if (!fragment) continue;
      const named = fragment.typeCondition && schema.getType(fragment.typeCondition.name.value);
      const condition = named && isCompositeType(named) ? named : parent;
      // A fragment always applies on its own type, and on an object type that is one of its condition's.
      const always = condition === parent || (isObjectType(parent) && isAbstractType(condition) && schema.isSubType(condition, parent));
      collectFields(schema, always ? parent : condition, [fragment.selectionSet], fragments, conditional || !always, into);
    }
  return into;
}

function selectionSchema(
  schema: GraphQLSchema,
  parent: GraphQLCompositeType,
  selectionSets: readonly SelectionSetNode[],
  fragments: Map<string, FragmentDefinitionNode>,
): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [key, { nodes, optional }] of collectFields(schema, parent, selectionSets, fragments)) {
    const { node, on } = nodes[0];
    const fieldName = node.name.value;
    if (fieldName === "__typename") {
      properties[key] = isAbstractType(on) ? { type: "string" } : { type: "string", const: on.name };
    } else {
      const field = fieldOf(on, fieldName);
      const subSets = nodes.flatMap((n) => (n.node.selectionSet ? [n.node.selectionSet] : []));
      const output = outputSchema(schema, field.type, subSets, fragments);
      properties[key] = field.description ? { ...output, description: field.description } : output;
    }
    if (!optional) required.push(key);
  }
  return { type: "object", properties, ...(required.length > 0 && { required }), additionalProperties: false };
}

function fieldOf(parent: GraphQLCompositeType, name: string): { type: GraphQLOutputType; description?: string | null } {
  if (isObjectType(parent) || isInterfaceType(parent)) {
    const field = parent.getFields()[name];
    if (field) return field;
  }
  // A field of a union's member is selected under a fragment on that member, not on the union itself.
  throw new TypeError(`${parent.name} has no field ${name}`);
}

function outputSchema(
  schema: GraphQLSchema,
  type: GraphQLOutputType,
  selectionSets: readonly SelectionSetNode[],
  fragments: Map<string, FragmentDefinitionNode>,
): JsonSchema {
  if (isNonNullType(type)) return outputTypeSchema(schema, type.ofType, selectionSets, fragments);
  return nullable(outputTypeSchema(schema, type, selectionSets, fragments));
}

function outputTypeSchema(
  schema: GraphQLSchema,
  inner: NullableOutputType,
  selectionSets: readonly SelectionSetNode[],
  fragments: Map<string, FragmentDefinitionNode>,
): JsonSchema {
  if (isListType(inner)) return { type: "array", items: outputSchema(schema, inner.ofType, selectionSets, fragments) };
  if (isEnumType(inner))
    return enumSchema(
      inner.getValues().map((v) => v.name),
      inner.description,
    );
  if (isScalarType(inner)) return scalarSchema(inner.name, inner.description, "output");
  return selectionSchema(schema, inner, selectionSets, fragments);
}

/** A default value read from its literal, as JSON. */
function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}
