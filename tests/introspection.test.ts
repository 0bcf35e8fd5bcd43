// Introspection per role, against a real gateway on a real database: anon (and an anonymous sign-in)
// gets no schema, however the request spells __schema / __type, and no SQL runs for it; operators and
// service_role get the whole schema; __typename stays open; INTROSPECTION_ROLES changes who may and
// is validated at start.
import { getIntrospectionQuery } from "graphql";
import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";
import { signDevToken } from "../src/context/auth.ts";
import { startTestGateway, TEST_JWT_SECRET, useTestGateway, type GqlResponse, type TestGateway } from "./support/gateway.ts";
import type { TestDatabase } from "./support/test-database.ts";

let db: TestDatabase;
let gw: TestGateway;
useTestGateway((d, g) => {
  db = d;
  gw = g;
});

function expectRefused(res: GqlResponse) {
  expect(res.status).toBe(400);
  expect(res.body.data).toBeUndefined();
  expect(res.body.errors).toHaveLength(1);
  expect(res.body.errors![0].extensions?.code).toBe("INTROSPECTION_DISABLED");
  expect(res.body.errors![0].message).toMatch(/^Introspection \(__schema, __type\) is not available to this caller\. .*authenticated, service_role/);
  // Nothing of the schema: not one type name beyond what the request itself said.
  expect(JSON.stringify(res.body)).not.toMatch(/AdsCampaign|SupplierLeadTime|Mutation/);
}

/** Every way a document can reach __schema / __type. */
const INTROSPECTION_DOCUMENTS = {
  "the full introspection query (GraphiQL, codegen)": getIntrospectionQuery(),
  "__type of one type": `{ __type(name: "AdsCampaign") { name fields { name } } }`,
  "an alias": `{ s: __schema { queryType { name } } }`,
  "beside ordinary fields": `{ viewer { role } __schema { types { name } } }`,
  "in a named fragment": `query Q { ...F } fragment F on Query { __schema { types { name } } }`,
  "in a fragment inside a fragment": `{ ...A } fragment A on Query { ...B } fragment B on Query { __type(name: "Query") { name } }`,
  "in an inline fragment": `{ ... on Query { __type(name: "Mutation") { fields { name } } } }`,
};

describe("anon gets no schema", () => {
  test.each(Object.entries(INTROSPECTION_DOCUMENTS))("%s: INTROSPECTION_DISABLED, HTTP 400, no SQL", async (_name, query) => {
    // An allowed operation of anon's runs in its RLS transaction (statements counted)...
    const start = gw.database.statementCount();
    await gw.data("{ viewer { role } }", undefined, { role: "anon" });
    const before = gw.database.statementCount();
    expect(before).toBeGreaterThan(start);
    // ...a refused one is stopped before it: not a statement sent.
    expectRefused(await gw.gql(query, undefined, { role: "anon" }));
    expect(gw.database.statementCount()).toBe(before);
  });

  test("nor by GET", async () => {
    const url = new URL(gw.url);
    url.searchParams.set("query", "{ __schema { types { name } } }");
    const res = await fetch(url, { headers: { accept: "application/graphql-response+json" } });
    expectRefused({ status: res.status, headers: res.headers, body: (await res.json()) as GqlResponse["body"] });
  });

  test("an anonymous sign-in (role authenticated, is_anonymous) is no operator: refused too", async () => {
    const token = await signDevToken(TEST_JWT_SECRET, "authenticated", { sub: "visitor", claims: { is_anonymous: true } });
    expectRefused(await gw.gql(getIntrospectionQuery(), undefined, { authorization: `Bearer ${token}` }));
  });

  test("__typename is not introspection, and a document's other operation still runs", async () => {
    expect(await gw.gql("{ __typename }", undefined, { role: "anon" })).toMatchObject({ status: 200, body: { data: { __typename: "Query" } } });
    const document = `query Plain { __typename viewer { role } } query Schema { __schema { queryType { name } } }`;
    const plain = await gw.gql(document, undefined, { role: "anon", operationName: "Plain" });
    expect(plain.body).toEqual({ data: { __typename: "Query", viewer: expect.objectContaining({ role: "anon" }) } });
    expectRefused(await gw.gql(document, undefined, { role: "anon", operationName: "Schema" }));
  });
});

describe("operators and service_role get the schema", () => {
  test.each(["authenticated", "service_role"] as const)("%s: the full introspection query answers", async (role) => {
    const res = await gw.gql(getIntrospectionQuery(), undefined, { role });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    const types = (res.body.data as { __schema: { types: { name: string }[] } }).__schema.types.map((t) => t.name);
    expect(types).toEqual(expect.arrayContaining(["Query", "Mutation", "AdsCampaign", "SupplierLeadTime"]));
  });

  test("in a fragment too", async () => {
    const data = await gw.data(INTROSPECTION_DOCUMENTS["in a named fragment"], undefined, { role: "authenticated" });
    expect(data.__schema.types.length).toBeGreaterThan(10);
  });
});

describe("INTROSPECTION_ROLES", () => {
  test("service_role only: an operator is refused, service_role is not; none: nobody", async () => {
    const serviceOnly = await startTestGateway({ databaseUrl: db.url, env: { INTROSPECTION_ROLES: "service_role" } });
    const nobody = await startTestGateway({ databaseUrl: db.url, env: { INTROSPECTION_ROLES: "none" } });
    try {
      const operator = await serviceOnly.gql(`{ __type(name: "Query") { name } }`, undefined, { role: "authenticated" });
      expect(operator.status).toBe(400);
      expect(operator.body.errors?.[0]).toMatchObject({ extensions: { code: "INTROSPECTION_DISABLED" } });
      expect(operator.body.errors?.[0].message).toMatch(/allowed to introspect: service_role\.$/);
      expect(await serviceOnly.data(`{ __type(name: "Query") { name } }`, undefined, { role: "service_role" })).toEqual({
        __type: { name: "Query" },
      });

      const service = await nobody.gql(`{ __type(name: "Query") { name } }`, undefined, { role: "service_role" });
      expect(service.status).toBe(400);
      expect(service.body.errors?.[0].message).toMatch(/disabled for everyone \(INTROSPECTION_ROLES=none\)/);
    } finally {
      await Promise.all([serviceOnly.close(), nobody.close()]);
    }
  });

  test("parsed and validated at start", () => {
    expect(loadConfig({}).introspectionRoles).toEqual(["authenticated", "service_role"]);
    expect(loadConfig({ INTROSPECTION_ROLES: " Service_Role , anon,service_role " }).introspectionRoles).toEqual(["service_role", "anon"]);
    expect(loadConfig({ INTROSPECTION_ROLES: "none" }).introspectionRoles).toEqual([]);
    let error: unknown;
    try {
      loadConfig({ INTROSPECTION_ROLES: "authenticated,admin" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'INTROSPECTION_ROLES: must be a comma-separated list of anon, anonymous, authenticated, service_role, or none (got "authenticated,admin")',
    ]);
  });
});
