// The committed artefacts of `npm run codegen` stay true: schema.graphql matches the schema the code
// builds, and every operation the dashboard UI ships (operations/*.graphql) validates and runs on the
// demo data as an operator, without errors.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { parse, validate, type OperationDefinitionNode, Kind, OperationTypeNode } from "graphql";
import { describe, expect, test } from "vitest";
import { seedDemoData } from "../src/db/seed/index.ts";
import { printSchemaFile } from "../src/schema/print.ts";
import { schema } from "../src/schema/index.ts";
import { useTestGateway, type TestGateway } from "./support/gateway.ts";
import type { TestDatabase } from "./support/test-database.ts";

const root = path.resolve(import.meta.dirname, "..");

test("schema.graphql is up to date (run `npm run codegen` after changing src/schema)", () => {
  expect(readFileSync(path.join(root, "schema.graphql"), "utf8")).toBe(printSchemaFile());
});

const files = readdirSync(path.join(root, "operations")).filter((f) => f.endsWith(".graphql"));
const documents = files.map((file) => ({ file, document: parse(readFileSync(path.join(root, "operations", file), "utf8")) }));

test.each(documents)("operations/$file validates against the schema", ({ document }) => {
  expect(validate(schema, document).map((e) => e.message)).toEqual([]);
});

let db: TestDatabase;
let gw: TestGateway;
useTestGateway((database, gateway) => {
  db = database;
  gw = gateway;
});

const queries = documents.flatMap(({ file, document }) =>
  document.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.operation === OperationTypeNode.QUERY)
    .map((operation) => ({ file, name: operation.name!.value, source: readFileSync(path.join(root, "operations", file), "utf8") })),
);

/** The variables a query needs: one item's id is one from the demo data. */
async function variablesFor(name: string): Promise<Record<string, unknown>> {
  if (name !== "ConsoleApprovalDetails") return {};
  const { rows } = await db.pool.query<{ id: string }>(`SELECT id FROM "AgentApproval" WHERE status <> 'pending' ORDER BY "createdAt" LIMIT 1`);
  return { id: rows[0]?.id };
}

describe("the UI's queries on demo data, as an operator", () => {
  test.each(queries)("$name", async ({ name, source }) => {
    await seedDemoData(db.url); // once per database; later calls are no-ops
    const { body } = await gw.gql(source, await variablesFor(name), { role: "authenticated", operationName: name });
    expect(body.errors).toBeUndefined();
    expect(Object.values(body.data ?? {}).every((v) => v !== null)).toBe(true);
  });
});
