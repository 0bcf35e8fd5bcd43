// src/catalogue/json-schema.ts against the real schema and catalogue: variables (required, defaults,
// input objects as $defs, enums, custom scalars) and data (selection sets, aliases, nullability), checked
// with ajv's JSON Schema 2020-12 validator; recursive inputs and abstract types on a small schema.
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { buildSchema, parse, type OperationDefinitionNode } from "graphql";
import { describe, expect, test } from "vitest";
import { loadCatalogue } from "../src/catalogue/index.ts";
import { dataJsonSchema, variablesJsonSchema, type JsonSchema } from "../src/catalogue/json-schema.ts";
import { schema } from "../src/schema/index.ts";

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
const catalogue = loadCatalogue(schema);

const schemasOf = (name: string) => {
  const op = catalogue.byName(name)!;
  return {
    variables: variablesJsonSchema(schema, op.document.definitions[0] as OperationDefinitionNode),
    data: dataJsonSchema(schema, op.document),
  };
};
const valid = (jsonSchema: JsonSchema, value: unknown): boolean => ajv.validate(jsonSchema, value);

test("every catalogue operation's schemas are valid JSON Schema 2020-12", () => {
  for (const op of catalogue.operations) {
    const { variables, data } = schemasOf(op.name);
    for (const s of [variables, data]) {
      expect(ajv.validateSchema(s), `${op.name}: ${ajv.errorsText(ajv.errors)}`).toBe(true);
      expect(s.type).toBe("object");
    }
  }
});

describe("variables", () => {
  const { variables } = schemasOf("IngestDashboardFacts");
  const fact = { shopDomain: "s.myshopify.com", metric: "revenue.daily", factDate: "2026-01-15", value: "12.50" };

  test("required = non-null without default; input objects are $defs, closed", () => {
    expect(variables.required).toEqual(["input"]);
    const defs = variables.$defs as Record<string, JsonSchema>;
    expect(defs.DashboardFactInput).toMatchObject({
      type: "object",
      required: ["factDate", "metric", "shopDomain", "value"],
      additionalProperties: false,
    });
    expect(valid(variables, { input: { facts: [fact] } })).toBe(true);
    expect(valid(variables, {})).toBe(false);
    expect(valid(variables, { input: { facts: [{ ...fact, extra: 1 }] } })).toBe(false);
  });

  test("scalars: Date a date, Decimal a decimal (text or number), enums their values with the default", () => {
    expect(valid(variables, { input: { facts: [{ ...fact, factDate: "15/01/2026" }] } })).toBe(false);
    expect(valid(variables, { input: { facts: [{ ...fact, value: 12.5 }] } })).toBe(true);
    expect(valid(variables, { input: { facts: [{ ...fact, value: "twelve" }] } })).toBe(false);
    const unit = ((variables.$defs as Record<string, JsonSchema>).DashboardFactInput.properties as Record<string, JsonSchema>).unit;
    expect(unit.default).toBe("COUNT");
    expect(valid(variables, { input: { facts: [{ ...fact, unit: "RATIO" }] } })).toBe(true);
    expect(valid(variables, { input: { facts: [{ ...fact, unit: "LITRES" }] } })).toBe(false);
  });

  test("a variable with a default is optional and carries it; UUID has its format", () => {
    const approvals = schemasOf("AgentApprovals").variables;
    expect(approvals.required).toBeUndefined();
    expect((approvals.properties as Record<string, JsonSchema>).first).toMatchObject({ default: 50 });
    const decision = schemasOf("AgentApprovalDecision").variables;
    expect(decision.required).toEqual(["id"]);
    expect(valid(decision, { id: "8a6e0804-2bd0-4672-b79d-d97027f9071a" })).toBe(true);
    expect(valid(decision, { id: "not-a-uuid" })).toBe(false);
  });

  test("a recursive input type refers to itself through $defs", () => {
    const small = buildSchema(`
      input Filter { name: String, and: [Filter!], not: Filter }
      type Query { items(filter: Filter): [String!]! }
    `);
    const op = parse(`query Items($filter: Filter) { items(filter: $filter) }`).definitions[0] as OperationDefinitionNode;
    const s = variablesJsonSchema(small, op);
    expect(ajv.validateSchema(s)).toBe(true);
    expect(valid(s, { filter: { and: [{ name: "a" }, { not: { name: "b" } }] } })).toBe(true);
    expect(valid(s, { filter: { and: [{ nome: "a" }] } })).toBe(false);
    expect(valid(s, { filter: null })).toBe(true);
  });
});

describe("data", () => {
  test("DashboardTiles: the selected fields, nullability honoured, Decimal as text", () => {
    const { data } = schemasOf("DashboardTiles");
    const dashboard = (data.properties as Record<string, JsonSchema>).dashboard;
    expect(data.required).toEqual(["dashboard"]);
    expect(Object.keys(dashboard.properties as object)).toEqual(["asOf", "revenue", "adsRoas", "inventory", "supportQueue"]);
    expect(valid(data, { dashboard: null })).toBe(false);
  });

  test("aliases are the keys; a fragment on another type and @include make a key optional; __typename", () => {
    const small = buildSchema(`
      interface Named { name: String! }
      type Cat implements Named { name: String!, lives: Int! }
      type Dog implements Named { name: String!, good: Boolean }
      type Query { pets: [Named!]!, count: Int }
    `);
    const document = parse(`
      query Pets($withCount: Boolean!) {
        all: pets { __typename name ...CatFields ... on Dog { good } }
        count @include(if: $withCount)
      }
      fragment CatFields on Cat { lives }
    `);
    const s = dataJsonSchema(small, document);
    expect(ajv.validateSchema(s)).toBe(true);
    expect(s.required).toEqual(["all"]);
    const pets = [
      { __typename: "Cat", name: "Tom", lives: 9 },
      { __typename: "Dog", name: "Rex", good: null },
    ];
    expect(valid(s, { all: pets })).toBe(true);
    expect(valid(s, { all: pets, count: 2 })).toBe(true);
    expect(valid(s, { all: [{ __typename: "Cat", lives: 9 }] })).toBe(false); // name is required
    expect(valid(s, { pets })).toBe(false); // the alias is the key
  });
});
