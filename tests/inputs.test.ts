/**
 * Each input is declared once: its fields in the Pothos input, its rules in one zod schema attached
 * with `.validate()` (src/data/*). zod drops keys its object does not list, so a field added to the
 * GraphQL input but not to the schema would vanish silently. This walks every validated input, nested
 * inputs included, and requires the zod object to name exactly the GraphQL fields.
 */
import { getNamedType, isInputObjectType, type GraphQLInputObjectType } from "graphql";
import { describe, expect, test } from "vitest";
import { schema } from "../src/schema/index.ts";

/** The parts of zod 4's runtime definition this needs. */
interface ZodDef {
  type: string;
  shape?: Record<string, { _zod: { def: ZodDef } }>;
  innerType?: { _zod: { def: ZodDef } };
  element?: { _zod: { def: ZodDef } };
  in?: { _zod: { def: ZodDef } };
}

/** The object schema under optional / nullable / default / array / pipe wrappers, if there is one. */
function objectDef(def: ZodDef): ZodDef | undefined {
  if (def.type === "object") return def;
  const inner = def.innerType ?? def.element ?? def.in;
  return inner ? objectDef(inner._zod.def) : undefined;
}

function mismatches(type: GraphQLInputObjectType, def: ZodDef, path: string): string[] {
  const fields = type.getFields();
  const keys = Object.keys(def.shape ?? {});
  const problems = [
    ...Object.keys(fields)
      .filter((f) => !keys.includes(f))
      .map((f) => `${path}.${f}: in the GraphQL input, not in its zod schema`),
    ...keys.filter((k) => !(k in fields)).map((k) => `${path}.${k}: in the zod schema, not in the GraphQL input`),
  ];
  for (const [name, field] of Object.entries(fields)) {
    const nested = getNamedType(field.type);
    const child = def.shape?.[name] && objectDef(def.shape[name]._zod.def);
    if (isInputObjectType(nested) && child) problems.push(...mismatches(nested, child, `${path}.${name}`));
  }
  return problems;
}

describe("inputs declared once", () => {
  const validated = Object.values(schema.getTypeMap())
    .filter(isInputObjectType)
    .flatMap((type) => {
      const schemas =
        (type.extensions as Record<string, { schemas?: Array<{ _zod: { def: ZodDef } }> } | undefined>)["@pothos/plugin-validation"]?.schemas ?? [];
      return schemas.map((s) => ({ type, def: objectDef(s._zod.def) }));
    });

  test("the mutation inputs and filters carry their zod rules", () => {
    expect(validated.length).toBeGreaterThan(30);
    expect(validated.filter((v) => v.def === undefined).map((v) => v.type.name)).toEqual([]);
  });

  test("each zod schema names exactly its GraphQL input's fields, nested inputs included", () => {
    expect(validated.flatMap(({ type, def }) => (def ? mismatches(type, def, type.name) : []))).toEqual([]);
  });
});
