import { describe, expect, test } from "vitest";
import type { TestDatabase } from "./support/test-database.ts";
import { useTestGateway, type TestGateway } from "./support/gateway.ts";

let db: TestDatabase;
let gw: TestGateway;
useTestGateway((database, gateway) => {
  db = database;
  gw = gateway;
});

const CREATE = `mutation($input: CreateAdsCampaignInput!) { createAdsCampaign(input: $input) { id externalId name platform status budgetCents targetRoas startDate endDate } }`;
const UPSERT = `mutation($metrics: [AdsDailyMetricInput!]!) { upsertAdsDailyMetrics(input: { metrics: $metrics }) { inserted updated unchanged } }`;

async function createCampaign(input: Record<string, unknown>) {
  const res = await gw.gql(CREATE, { input: { platform: "META", startDate: "2026-01-01", ...input } });
  expect(res.body.errors).toBeUndefined();
  return res.body.data.createAdsCampaign;
}

describe("campaign mutations (service_role)", () => {
  test("create, update and archive a campaign", async () => {
    const c = await createCampaign({ externalId: "meta-1", name: "Spring sale", budgetCents: 150000, targetRoas: "3.5" });
    expect(c).toMatchObject({
      externalId: "meta-1",
      name: "Spring sale",
      platform: "META",
      status: "ACTIVE",
      budgetCents: 150000,
      targetRoas: "3.5",
      endDate: null,
    });

    const updated = await gw.gql(
      `mutation($id: UUID!) { updateAdsCampaign(id: $id, input: { status: PAUSED, endDate: "2026-03-31" }) { status endDate name } }`,
      { id: c.id },
    );
    expect(updated.body.data.updateAdsCampaign).toEqual({ status: "PAUSED", endDate: "2026-03-31", name: "Spring sale" });

    const archived = await gw.gql(`mutation($id: UUID!) { archiveAdsCampaign(id: $id) { status } }`, { id: c.id });
    expect(archived.body.data.archiveAdsCampaign.status).toBe("ARCHIVED");
    const again = await gw.gql(`mutation($id: UUID!) { archiveAdsCampaign(id: $id) { status } }`, { id: c.id });
    expect(again.body.data.archiveAdsCampaign.status).toBe("ARCHIVED");
  });

  test("validation names the field and the rule; nothing is written", async () => {
    const res = await gw.gql(CREATE, {
      input: { externalId: "bad-1", platform: "GOOGLE", name: " ", startDate: "2026-02-01", endDate: "2026-01-01", budgetCents: -5 },
    });
    expect(res.body.data).toBeNull();
    const issues = res.body.errors![0].extensions!.issues.map((i: { field: string }) => i.field);
    expect(res.body.errors![0].extensions!.code).toBe("BAD_USER_INPUT");
    expect(issues).toEqual(expect.arrayContaining(["input.name", "input.budgetCents", "input.endDate"]));
    const { rows } = await db.pool.query(`select count(*)::int as n from ads_campaigns where campaign_id = 'bad-1'`);
    expect(rows[0].n).toBe(0);
  });

  test("a duplicate external id is a CONFLICT", async () => {
    await createCampaign({ externalId: "dup-1", name: "One" });
    const res = await gw.gql(CREATE, { input: { externalId: "dup-1", platform: "META", name: "Two", startDate: "2026-01-01" } });
    expect(res.body.errors![0].extensions!.code).toBe("CONFLICT");
  });

  test("updating an unknown campaign is NOT_FOUND", async () => {
    const res = await gw.gql(`mutation { updateAdsCampaign(id: "00000000-0000-0000-0000-000000000000", input: { name: "x" }) { id } }`);
    expect(res.body.errors![0].extensions!.code).toBe("NOT_FOUND");
  });
});

describe("daily metrics upsert", () => {
  test("is idempotent, takes external ids, and the trigger computes the ratios", async () => {
    const c = await createCampaign({ externalId: "g-7", platform: "GOOGLE", name: "Brand" });
    const batch = [
      { externalCampaignId: "g-7", metricDate: "2026-01-02", spendCents: 1000, impressions: 4000, clicks: 40, conversions: 4, revenueCents: 3500 },
      { campaignId: c.id, metricDate: "2026-01-03" },
    ];
    expect((await gw.gql(UPSERT, { metrics: batch })).body.data.upsertAdsDailyMetrics).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    const before = await db.pool.query(`select metric_date::text, updated_at from ads_daily_metrics where campaign_id = $1 order by 1`, [c.id]);
    expect((await gw.gql(UPSERT, { metrics: batch })).body.data.upsertAdsDailyMetrics).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    const after = await db.pool.query(`select metric_date::text, updated_at from ads_daily_metrics where campaign_id = $1 order by 1`, [c.id]);
    expect(after.rows).toEqual(before.rows);

    const changed = [{ ...batch[0], clicks: 50 }];
    expect((await gw.gql(UPSERT, { metrics: changed })).body.data.upsertAdsDailyMetrics).toEqual({ inserted: 0, updated: 1, unchanged: 0 });

    const read = await gw.gql(
      `query($id: UUID!) { adsCampaign(id: $id) { dailyMetrics(range: { from: "2026-01-01", to: "2026-01-31" }) { metricDate cpcCents cpaCents roas ctr conversionRate } } }`,
      { id: c.id },
      { role: "authenticated" },
    );
    expect(read.body.data.adsCampaign.dailyMetrics).toEqual([
      { metricDate: "2026-01-02", cpcCents: 20, cpaCents: 250, roas: "3.5", ctr: "0.0125", conversionRate: "0.08" },
      { metricDate: "2026-01-03", cpcCents: null, cpaCents: null, roas: null, ctr: null, conversionRate: null },
    ]);
  });

  test("a batch with one bad row writes nothing", async () => {
    await createCampaign({ externalId: "m-9", name: "Retarget" });
    const res = await gw.gql(UPSERT, {
      metrics: [
        { externalCampaignId: "m-9", metricDate: "2026-01-05", spendCents: 100 },
        { externalCampaignId: "no-such-campaign", metricDate: "2026-01-05" },
      ],
    });
    expect(res.body.errors![0].extensions!.code).toBe("BAD_USER_INPUT");
    expect(res.body.errors![0].message).toContain("input.metrics[1].externalCampaignId");
    const dup = await gw.gql(UPSERT, {
      metrics: [
        { externalCampaignId: "m-9", metricDate: "2026-01-05" },
        { externalCampaignId: "m-9", metricDate: "2026-01-05" },
      ],
    });
    expect(dup.body.errors![0].message).toContain("input.metrics[1].metricDate");
    const { rows } = await db.pool.query(
      `select count(*)::int as n from ads_daily_metrics m join ads_campaigns c on c.id = m.campaign_id where c.campaign_id = 'm-9'`,
    );
    expect(rows[0].n).toBe(0);
  });
});

describe("campaign list", () => {
  test("filters, stable ordering and cursor pagination", async () => {
    for (const [i, platform] of ["TIKTOK", "TIKTOK", "TIKTOK", "PINTEREST"].entries()) {
      await createCampaign({
        externalId: `list-${i}`,
        platform,
        name: `List ${i}`,
        budgetCents: 500,
        utmSource: "newsletter",
        startDate: `2026-04-0${i + 1}`,
      });
    }
    const page = (after?: string) =>
      gw.gql(
        `query($after: String) { adsCampaigns(first: 2, after: $after, filter: { platforms: [TIKTOK], utmSource: "newsletter" }, orderBy: { field: BUDGET, direction: ASC }) { totalCount pageInfo { hasNextPage endCursor } edges { node { externalId } } } }`,
        { after },
        { role: "authenticated" },
      );
    const first = (await page()).body.data.adsCampaigns;
    expect(first.totalCount).toBe(3);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await page(first.pageInfo.endCursor)).body.data.adsCampaigns;
    const ids = [...first.edges, ...second.edges].map((e: { node: { externalId: string } }) => e.node.externalId);
    expect(new Set(ids).size).toBe(3); // equal budgets: ties broken by id, so no row is skipped or repeated
    expect(second.pageInfo.hasNextPage).toBe(false);

    const during = await gw.gql(
      `{ adsCampaigns(filter: { activeDuring: { from: "2026-04-03", to: "2026-04-03" }, search: "list" }) { totalCount } }`,
      {},
      { role: "authenticated" },
    );
    expect(during.body.data.adsCampaigns.totalCount).toBe(3); // started on or before Apr 3, no end date
    const wildcard = await gw.gql(`{ adsCampaigns(filter: { search: "List _" }) { totalCount } }`, {}, { role: "authenticated" });
    expect(wildcard.body.data.adsCampaigns.totalCount).toBe(0); // "_" is literal, not a wildcard
  });

  test("an empty list filter matches nothing, an absent one is no filter (docs/api.md, Filters)", async () => {
    await createCampaign({ externalId: "empty-list-1", platform: "META", name: "Empty list", budgetCents: 100, startDate: "2026-04-01" });
    const count = async (filter: string) =>
      (await gw.data<{ adsCampaigns: { totalCount: number } }>(`{ adsCampaigns(filter: ${filter}) { totalCount } }`, {}, { role: "authenticated" }))
        .adsCampaigns.totalCount;
    expect(await count(`{ platforms: [] }`)).toBe(0);
    expect(await count(`{ statuses: [] }`)).toBe(0);
    expect(await count(`{ search: "Empty list" }`)).toBe(1);
  });

  test("authenticated may read but not write; anon is UNAUTHENTICATED", async () => {
    const write = await gw.gql(
      CREATE,
      { input: { externalId: "x", platform: "META", name: "x", startDate: "2026-01-01" } },
      { role: "authenticated" },
    );
    expect(write.body.errors![0].extensions!.code).toBe("FORBIDDEN");
    const anon = await gw.gql(`{ adsCampaigns { totalCount } }`, {}, { role: "anon" });
    expect(anon.body.errors![0].extensions!.code).toBe("UNAUTHENTICATED");
  });
});

describe("connection arguments", () => {
  test("bad pagination arguments are BAD_USER_INPUT with an explanation", async () => {
    const negative = await gw.gql(`{ adsCampaigns(first: -1) { totalCount } }`, {}, { role: "authenticated" });
    expect(negative.body.errors![0].extensions!.code).toBe("BAD_USER_INPUT");
    expect(negative.body.errors![0].message).toMatch(/first/);
    const badCursor = await gw.gql(`{ adsCampaigns(after: "not-a-cursor") { totalCount } }`, {}, { role: "authenticated" });
    expect(badCursor.body.errors![0].extensions!.code).toBe("BAD_USER_INPUT");
  });
});
