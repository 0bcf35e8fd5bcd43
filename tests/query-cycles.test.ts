// Item 5 of issue 8: the schema's relation cycles (A → B → A and longer), found from the schema
// itself, walked as deep as each role's limits allow, against the demo data. Each query is refused
// with a clear code or answered quickly, /health keeps answering meanwhile, and memory stays
// bounded. A new relation forms new cycles here; one whose list has no bound (or a bound the cost
// does not see) makes its cycle queries run long and fails this (and tests/list-bounds.test.ts).
import { getNamedType, getNullableType, isListType, isObjectType, parse, type GraphQLObjectType } from "graphql";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Role } from "../src/context/types.ts";
import { DEFAULT_BUDGETS } from "../src/config.ts";
import { seedDemoData } from "../src/db/seed/index.ts";
import { estimateOperation } from "../src/plugins/limits.ts";
import { listBoundOf } from "../src/schema/bounds.ts";
import { schema } from "../src/schema/index.ts";
import { useTestGateway, type TestGateway } from "./support/gateway.ts";
import { cycleQuery, entryPaths, relationCycles, type Hop } from "./support/query-cycles.ts";
import type { TestDatabase } from "./support/test-database.ts";

const ROLES: Role[] = ["anon", "authenticated", "service_role"];
/** Generous on a busy 2-core box: a refused query takes milliseconds, an accepted one well under a second here. */
const ANSWER_WITHIN_MS = 15_000;
const HEALTH_WITHIN_MS = 2_000;
/** Loose: the whole test process (gateway, database driver, vitest) may grow by this much at most. */
const MAX_RSS_GROWTH_BYTES = 1024 * 1024 * 1024;
/** Codes that mean a query got through the limits and then hurt: never acceptable here. */
const FAILURE_CODES = new Set(["TIMEOUT", "INTERNAL_SERVER_ERROR", "DATABASE_UNAVAILABLE"]);

const cycles = relationCycles(schema);
const entries = entryPaths(schema);
const describeCycle = (cycle: Hop[]) => cycle.map((h) => `${h.from}.${h.field}`).join(" → ");
/** Where the cycle is entered: the member type nearest to Query. */
const entryFor = (cycle: Hop[]) =>
  cycle
    .map((h) => entries.get(h.from))
    .filter((p): p is Hop[] => p !== undefined)
    .sort((a, b) => a.length - b.length)[0];
/** Smallest pages: the most rounds of the cycle a budget can let through. */
const smallestPages = (hop: Hop) => {
  const type = schema.getType(hop.from);
  const field = isObjectType(type) ? type.getFields()[hop.field] : undefined;
  return field?.args.some((a) => a.name === "first") ? "(first: 1)" : "";
};

const fieldOf = (hop: Hop) => (schema.getType(hop.from) as GraphQLObjectType).getFields()[hop.field];

/** Lists in `value` (the answer to the query along `path`) longer than their field's declared bound. */
function overlongLists(value: unknown, path: Hop[]): string[] {
  if (value == null || path.length === 0) return [];
  const [hop, ...rest] = path as [Hop, ...Hop[]];
  if (Array.isArray(value)) return value.flatMap((item) => overlongLists(item, path));
  const child = (value as Record<string, unknown>)[hop.field];
  const bound = listBoundOf(fieldOf(hop));
  const own = Array.isArray(child) && bound && child.length > bound.max ? [`${hop.from}.${hop.field}: ${child.length} > ${bound.max}`] : [];
  return [...own, ...overlongLists(child, rest)];
}

describe("relation cycles", () => {
  test("the schema's cycles are found, including the back-references of issue 8", () => {
    const found = cycles.map(describeCycle);
    for (const known of [
      "AdsCampaign.dailyMetrics → AdsDailyMetric.campaign",
      "AgentApproval.feedback → AgentFeedback.approval",
      "AgentApproval.run → AgentRun.approvals",
      "ReorderPoint.supplier → SupplierLeadTime.reorderPoints",
      "KnowledgeChunk.document → KnowledgeDocument.chunks",
    ]) {
      expect(found).toContain(known);
    }
    expect(
      cycles.some((c) => c.length > 2),
      "longer cycles too",
    ).toBe(true);
  });

  test("every cycle goes through a bounded list and can be entered from Query", () => {
    for (const cycle of cycles) {
      const lists = cycle.filter((hop) => {
        const field = fieldOf(hop);
        return isListType(getNullableType(field.type)) || getNamedType(field.type).name.endsWith("Connection");
      });
      expect(lists.length, describeCycle(cycle)).toBeGreaterThan(0);
      for (const hop of lists) {
        const field = fieldOf(hop);
        if (isListType(getNullableType(field.type))) expect(listBoundOf(field), `${hop.from}.${hop.field}`).toBeDefined();
      }
      expect(entryFor(cycle), describeCycle(cycle)).toBeDefined();
    }
  });
});

describe("the deepest cyclic queries, as each role, against the demo data", () => {
  let db: TestDatabase;
  let gw: TestGateway;
  useTestGateway((d, g) => ((db = d), (gw = g)));

  let polling = true;
  let poller: Promise<void> | undefined;
  const health = { checks: 0, slowestMs: 0, failures: 0 };
  let baselineRss = 0;
  let peakRss = 0;

  beforeAll(async () => {
    const seeded = await seedDemoData(db.url);
    expect(seeded.seeded).toBe(true);
    baselineRss = process.memoryUsage().rss;
    peakRss = baselineRss;
    const base = new URL(gw.url).origin;
    poller = (async () => {
      while (polling) {
        const started = performance.now();
        const ok = await fetch(`${base}/health`).then(
          (r) => r.ok,
          () => false,
        );
        health.checks++;
        health.slowestMs = Math.max(health.slowestMs, performance.now() - started);
        if (!ok) health.failures++;
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
  });
  afterAll(async () => {
    polling = false;
    await poller;
  });

  async function run(query: string, role: Role) {
    const started = performance.now();
    const res = await gw.gql(query, {}, { role });
    const ms = performance.now() - started;
    const codes = (res.body.errors ?? []).map((e) => String(e.extensions?.code));
    return { status: res.status, codes, ms, body: res.body };
  }

  test.each(cycles.map((c) => [describeCycle(c), c] as const))(
    "%s",
    async (_name, cycle) => {
      for (const role of ROLES) {
        const budget = DEFAULT_BUDGETS[role];
        const entry = entryFor(cycle);

        // 1. As deep as the depth limit allows, default page sizes: the cost refuses it, or it is cheap.
        const deepest = cycleQuery(entry, cycle, budget.maxDepth);
        if (deepest) {
          const res = await run(deepest.query, role);
          const context = `${role}: ${deepest.query} → ${res.status} ${res.codes.join(",")} in ${Math.round(res.ms)} ms`;
          expect(res.ms, context).toBeLessThan(ANSWER_WITHIN_MS);
          if (res.status === 400) expect(res.codes, context).toEqual(["QUERY_TOO_COSTLY"]);
          else expect(res.status, context).toBe(200);
          expect(
            res.codes.filter((c) => FAILURE_CODES.has(c)),
            context,
          ).toEqual([]);
        }

        // 2. The deepest the cost lets through (pages of 1, fewer rounds): it runs, and quickly.
        for (let depth = budget.maxDepth; depth > 0; depth--) {
          const accepted = cycleQuery(entry, cycle, depth, smallestPages);
          if (!accepted) break;
          const estimate = estimateOperation(schema, parse(accepted.query), null, {})!;
          if (estimate.cost > budget.maxCost) continue;
          const res = await run(accepted.query, role);
          const context = `${role}: ${accepted.query} (estimate ${estimate.cost}) → ${res.status} ${res.codes.join(",")} in ${Math.round(res.ms)} ms`;
          expect(res.status, context).toBe(200);
          expect(res.ms, context).toBeLessThan(ANSWER_WITHIN_MS);
          expect(
            res.codes.filter((c) => FAILURE_CODES.has(c)),
            context,
          ).toEqual([]);
          // The bounds the estimate trusted held: no list in the answer is longer than its field declares.
          expect(overlongLists(res.body.data, accepted.path), context).toEqual([]);
          break;
        }
      }
    },
    120_000,
  );

  test("/health answered within 2 s throughout, and memory stayed bounded", () => {
    expect(health.checks).toBeGreaterThan(0);
    expect(health.failures).toBe(0);
    expect(health.slowestMs).toBeLessThan(HEALTH_WITHIN_MS);
    expect(peakRss - baselineRss).toBeLessThan(MAX_RSS_GROWTH_BYTES);
  });
});
