// Analytics through the real gateway: dashboard-fact ingestion (idempotent, exact decimals,
// all-or-nothing, validated), fact lists, and the append-only decision log (logDecision, filters,
// newest-first order, and no way for anyone to change or delete an entry).
import { beforeAll, describe, expect, test } from "vitest";
import { useTestGateway, type GqlOptions, type TestGateway } from "./support/gateway.ts";
import type { TestDatabase } from "./support/test-database.ts";

let db: TestDatabase;
let gw: TestGateway;

useTestGateway((database, gateway) => {
  db = database;
  gw = gateway;
});

const data: TestGateway["data"] = (...args) => gw.data(...args);

const failure: TestGateway["failure"] = (...args) => gw.failure(...args);

const count = async (sql: string) => Number((await db.pool.query(sql)).rows[0].n);

const INGEST = /* GraphQL */ `
  mutation ($facts: [DashboardFactInput!]!) {
    ingestDashboardFacts(input: { facts: $facts }) {
      inserted
      updated
      unchanged
    }
  }
`;

const FACTS = /* GraphQL */ `
  query ($filter: DashboardFactFilter, $orderBy: DashboardFactOrder, $first: Int, $after: String) {
    dashboardFacts(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          shopDomain
          metric
          factDate
          value
          unit
          scope
          metadata
          evidenceUrl
          updatedAt
        }
      }
    }
  }
`;

const SHOP = "hotdash.myshopify.com";

describe("ingestDashboardFacts", () => {
  const batch = [
    {
      shopDomain: SHOP,
      metric: "ing.revenue",
      factDate: "2025-10-01",
      value: "123456789012.3456",
      unit: "CENTS",
      scope: "dashboard",
      metadata: { source: "shopify" },
    },
    { shopDomain: SHOP, metric: "ing.orders", factDate: "2025-10-01", value: "42" },
    {
      shopDomain: SHOP,
      metric: "ing.conversion",
      factDate: "2025-10-01",
      value: "0.0312",
      unit: "RATIO",
      evidenceUrl: "https://admin.shopify.com/x",
    },
  ];
  const stamps = async () =>
    (await db.pool.query(`SELECT metric, "updatedAt"::text AS u FROM "DashboardFact" WHERE metric LIKE 'ing.%' ORDER BY 1`)).rows;

  test("inserts once, a replay changes nothing (updatedAt stays), and only changed facts are updated", async () => {
    expect((await data(INGEST, { facts: batch })).ingestDashboardFacts).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
    const before = await stamps();
    expect((await data(INGEST, { facts: batch })).ingestDashboardFacts).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
    expect(await stamps()).toEqual(before);

    // "42.00" is the same number as "42"; a metadata change is a change.
    const next = [batch[0], { ...batch[1], value: "42.00" }, { ...batch[2], metadata: { note: "recomputed" } }];
    expect((await data(INGEST, { facts: next })).ingestDashboardFacts).toEqual({ inserted: 0, updated: 1, unchanged: 2 });
    const after = await stamps();
    expect(after.find((r) => r.metric === "ing.orders")).toEqual(before.find((r) => r.metric === "ing.orders"));
    expect(after.find((r) => r.metric === "ing.conversion")!.u).not.toBe(before.find((r) => r.metric === "ing.conversion")!.u);
  });

  test("values come back exactly as decimal strings, with their unit", async () => {
    const facts = (await data(FACTS, { filter: { metricPrefix: "ing." }, orderBy: { field: "METRIC" } })).dashboardFacts.edges.map(
      (e: any) => e.node,
    );
    expect(facts.map((f: any) => [f.metric, f.value, f.unit])).toEqual([
      ["ing.conversion", "0.0312", "RATIO"],
      ["ing.orders", "42", "COUNT"],
      ["ing.revenue", "123456789012.3456", "CENTS"],
    ]);
    expect(facts[2]).toMatchObject({ scope: "dashboard", metadata: { source: "shopify" } });
    expect(facts[1].metadata).toEqual({});
  });

  test("each bad field is named with its rule, and a batch with one bad row writes nothing", async () => {
    const before = await count(`SELECT count(*) AS n FROM "DashboardFact"`);
    const error = await failure(INGEST, {
      facts: [
        { shopDomain: SHOP, metric: "ok.metric", factDate: "2025-10-02", value: "1" },
        { shopDomain: SHOP, metric: "Revenue", factDate: "2025-10-02", value: "1" },
        { shopDomain: SHOP, metric: "ok.precise", factDate: "2025-10-02", value: "1.23456" },
        { shopDomain: " ", metric: "ok.metric", factDate: "2025-10-03", value: "99999999999999999" },
      ],
    });
    expect(error.extensions?.code).toBe("BAD_USER_INPUT");
    expect(error.extensions?.issues).toEqual([
      { field: "input.facts[1].metric", rule: "must be dotted lowercase (^[a-z][a-z0-9_.]*$), e.g. revenue or shopify.sessions" },
      { field: "input.facts[2].value", rule: "must have at most 4 decimal places" },
      { field: "input.facts[3].shopDomain", rule: "must not be empty" },
      { field: "input.facts[3].value", rule: "must be less than 10^16 in absolute value" },
    ]);
    expect(await count(`SELECT count(*) AS n FROM "DashboardFact"`)).toBe(before);
  });

  test("the same shop, metric and day twice in one batch is rejected with the duplicate's path", async () => {
    const error = await failure(INGEST, {
      facts: [
        { shopDomain: SHOP, metric: "dup.m", factDate: "2025-10-02", value: "1" },
        { shopDomain: "other.myshopify.com", metric: "dup.m", factDate: "2025-10-02", value: "1" },
        { shopDomain: SHOP, metric: "dup.m", factDate: "2025-10-02", value: "2" },
      ],
    });
    expect(error.extensions?.issues).toEqual([{ field: "input.facts[2].factDate", rule: "duplicates row 0: one fact per shop, metric and day" }]);
    expect(await count(`SELECT count(*) AS n FROM "DashboardFact" WHERE metric = 'dup.m'`)).toBe(0);
  });

  test("anon is UNAUTHENTICATED, authenticated is FORBIDDEN, and neither writes", async () => {
    const facts = [{ shopDomain: SHOP, metric: "role.m", factDate: "2025-10-02", value: "1" }];
    expect((await failure(INGEST, { facts }, { role: "anon" })).extensions?.code).toBe("UNAUTHENTICATED");
    expect((await failure(INGEST, { facts }, { role: "authenticated" })).extensions?.code).toBe("FORBIDDEN");
    expect(await count(`SELECT count(*) AS n FROM "DashboardFact" WHERE metric = 'role.m'`)).toBe(0);
  });
});

describe("dashboardFacts", () => {
  const shops = ["a.myshopify.com", "b.myshopify.com"];
  const metrics = ["lst.revenue", "lst.orders", "other.sessions"];
  const days = ["2025-11-01", "2025-11-02", "2025-11-03"];

  beforeAll(async () => {
    const facts = shops.flatMap((shopDomain) =>
      metrics.flatMap((metric) =>
        days.map((factDate, i) => ({ shopDomain, metric, factDate, value: String(i % 2), scope: metric.startsWith("lst") ? "dashboard" : "ops" })),
      ),
    );
    expect((await data(INGEST, { facts })).ingestDashboardFacts.inserted).toBe(18);
  });

  const list = async (variables: Record<string, unknown>, options?: GqlOptions) =>
    (await data(FACTS, { first: 100, ...variables }, options)).dashboardFacts;
  const keys = (conn: any) => conn.edges.map((e: any) => `${e.node.factDate} ${e.node.metric} ${e.node.shopDomain[0]}`);

  test("filters by metrics, metric prefix, shop, scope and date range; totalCount follows", async () => {
    expect((await list({ filter: { metrics: ["lst.revenue"] } })).totalCount).toBe(6);
    expect((await list({ filter: { metrics: ["lst.revenue", "other.sessions"], shopDomain: "a.myshopify.com" } })).totalCount).toBe(6);
    expect((await list({ filter: { metricPrefix: "lst." } })).totalCount).toBe(12);
    expect((await list({ filter: { scope: "ops" } })).totalCount).toBe(6);
    const ranged = await list({ filter: { metricPrefix: "lst.", factDate: { from: "2025-11-02" } } });
    expect(ranged.totalCount).toBe(8);
    const error = await failure(FACTS, { filter: { factDate: { from: "2025-11-03", to: "2025-11-01" } } });
    expect(error.message).toContain("filter.factDate");
  });

  test("newest day first, then metric and shop A→Z; VALUE order keeps that as the tie-break", async () => {
    const byDate = keys(await list({ filter: { metricPrefix: "lst." } }));
    expect(byDate.slice(0, 4)).toEqual([
      "2025-11-03 lst.orders a",
      "2025-11-03 lst.orders b",
      "2025-11-03 lst.revenue a",
      "2025-11-03 lst.revenue b",
    ]);
    const byValue = keys(await list({ filter: { metricPrefix: "lst." }, orderBy: { field: "VALUE", direction: "DESC" } }));
    // value 1 only on 2025-11-02 (i = 1), then the zeros newest first.
    expect(byValue.slice(0, 5)).toEqual([
      "2025-11-02 lst.orders a",
      "2025-11-02 lst.orders b",
      "2025-11-02 lst.revenue a",
      "2025-11-02 lst.revenue b",
      "2025-11-03 lst.orders a",
    ]);
  });

  test("pages of 4 return every fact exactly once, in the order of one big page", async () => {
    const filter = { metricPrefix: "lst." };
    for (const orderBy of [null, { field: "VALUE" }, { field: "FACT_DATE", direction: "ASC" }]) {
      const whole = (await list({ filter, orderBy })).edges.map((e: any) => e.node.id);
      const paged: string[] = [];
      let after: string | null = null;
      do {
        const conn: any = await list({ filter, orderBy, first: 4, after });
        paged.push(...conn.edges.map((e: any) => e.node.id));
        after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
      } while (after);
      expect(paged).toEqual(whole);
      expect(new Set(paged).size).toBe(12);
    }
  });

  test("authenticated reads facts; anon is UNAUTHENTICATED", async () => {
    expect((await list({ filter: { metrics: ["lst.orders"] } }, { role: "authenticated" })).totalCount).toBe(6);
    expect((await failure(FACTS, {}, { role: "anon" })).extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("decision log", () => {
  const LOG = /* GraphQL */ `
    mutation ($input: LogDecisionInput!) {
      logDecision(input: $input) {
        id
        scope
        actor
        action
        rationale
        evidenceUrl
        shopDomain
        externalRef
        payload
        createdAt
      }
    }
  `;
  const DECISIONS = /* GraphQL */ `
    query ($filter: DecisionLogFilter, $orderBy: DecisionLogOrder, $first: Int) {
      decisionLogs(filter: $filter, orderBy: $orderBy, first: $first) {
        totalCount
        edges {
          node {
            id
            action
            actor
            createdAt
          }
        }
      }
    }
  `;

  test("logDecision appends an entry; the actor defaults to the token's sub", async () => {
    const entry = (
      await data(
        LOG,
        {
          input: {
            scope: "inventory",
            action: "reorder.approved",
            rationale: "WOS < 2",
            externalRef: "shopify:SKU-003",
            shopDomain: SHOP,
            payload: { qty: 24 },
          },
        },
        { sub: "agent:inventory" },
      )
    ).logDecision;
    expect(entry).toMatchObject({
      scope: "inventory",
      actor: "agent:inventory",
      action: "reorder.approved",
      externalRef: "shopify:SKU-003",
      payload: { qty: 24 },
    });
    const explicit = (await data(LOG, { input: { scope: "cx", action: "reply.sent", actor: "operator@hotdash.com" } })).logDecision;
    expect(explicit).toMatchObject({ actor: "operator@hotdash.com", payload: {}, rationale: null });
  });

  test("required fields are named when blank, and authenticated may read but not log", async () => {
    const blank = await failure(LOG, { input: { scope: " ", action: "x" } });
    expect(blank.extensions?.issues).toEqual([{ field: "input.scope", rule: "must not be empty" }]);
    const forbidden = await failure(LOG, { input: { scope: "cx", action: "sneaky" } }, { role: "authenticated" });
    expect(forbidden.extensions?.code).toBe("FORBIDDEN");
    expect(await count(`SELECT count(*) AS n FROM "DecisionLog" WHERE action = 'sneaky'`)).toBe(0);
    expect((await data(DECISIONS, {}, { role: "authenticated" })).decisionLogs.totalCount).toBeGreaterThan(0);
    expect((await failure(DECISIONS, {}, { role: "anon" })).extensions?.code).toBe("UNAUTHENTICATED");
  });

  test("filters by scope, actor, action, externalRef and time range; newest first by default", async () => {
    await db.pool.query(`
      INSERT INTO "DecisionLog" (scope, actor, action, "externalRef", "createdAt") VALUES
        ('growth', 'agent:ads', 'budget.raised', 'meta:1', '2025-10-01T10:00:00Z'),
        ('growth', 'agent:ads', 'budget.cut',    'meta:1', '2025-10-02T10:00:00Z'),
        ('growth', 'agent:seo', 'page.updated',  'web:2',  '2025-10-03T10:00:00Z'),
        ('ops',    'agent:ads', 'budget.raised', 'meta:3', '2025-10-03T10:00:00Z'),
        ('ops',    'agent:ads', 'budget.raised', 'meta:4', '2025-10-03T10:00:00Z')`);
    const actions = async (filter: object, orderBy?: object) =>
      (await data(DECISIONS, { filter, orderBy, first: 50 })).decisionLogs.edges.map((e: any) => e.node.action);
    expect(await actions({ scopes: ["growth"] })).toEqual(["page.updated", "budget.cut", "budget.raised"]);
    expect(await actions({ scopes: ["growth"] }, { field: "CREATED_AT", direction: "ASC" })).toEqual(["budget.raised", "budget.cut", "page.updated"]);
    expect(await actions({ scopes: ["growth", "ops"], actor: "agent:ads", actions: ["budget.cut", "budget.raised"] })).toHaveLength(4);
    expect(await actions({ externalRef: "meta:1" })).toEqual(["budget.cut", "budget.raised"]);
    // from inclusive, to exclusive
    expect(await actions({ scopes: ["growth"], createdAt: { from: "2025-10-02T10:00:00Z", to: "2025-10-03T10:00:00Z" } })).toEqual(["budget.cut"]);
    // equal timestamps are ordered by id, the same way every time
    const ties = (await data(DECISIONS, { filter: { scopes: ["ops"] } })).decisionLogs.edges.map((e: any) => e.node.id);
    expect(ties).toEqual([...ties].sort().reverse());
  });

  test("nobody can change or delete an entry: no such mutation, and the database refuses even service_role", async () => {
    const { data: schema } = (await gw.gql(`{ __type(name: "Mutation") { fields { name } } }`)).body as any;
    const decisionMutations = schema.__type.fields.map((f: any) => f.name).filter((n: string) => /decision/i.test(n));
    expect(decisionMutations).toEqual(["logDecision"]);

    const client = await db.pool.connect();
    try {
      for (const sql of [`UPDATE "DecisionLog" SET action = 'rewritten'`, `DELETE FROM "DecisionLog"`]) {
        for (const role of ["service_role", "authenticated", null]) {
          await client.query("BEGIN");
          if (role) await client.query(`SET LOCAL ROLE ${role}`);
          await expect(client.query(sql)).rejects.toMatchObject({ code: "42501" });
          await client.query("ROLLBACK");
        }
      }
    } finally {
      client.release();
    }
    expect(await count(`SELECT count(*) AS n FROM "DecisionLog" WHERE action = 'rewritten'`)).toBe(0);
  });
});
