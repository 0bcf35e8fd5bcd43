// Inventory through the real gateway: snapshot ingestion (idempotent, all-or-nothing, validated),
// lists with filters, stable ordering and pagination, suppliers and reorder points with their
// relations, the batched latest-snapshot field, and who may read or write what.
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

const INGEST = /* GraphQL */ `
  mutation ($snapshots: [InventorySnapshotInput!]!) {
    ingestInventorySnapshots(input: { snapshots: $snapshots }) {
      inserted
      updated
      unchanged
    }
  }
`;

const SNAPSHOTS = /* GraphQL */ `
  query ($filter: InventorySnapshotFilter, $orderBy: InventorySnapshotOrder, $first: Int, $after: String) {
    inventorySnapshots(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          sku
          snapshotDate
          onHandQuantity
          availableQuantity
          unitsSold
          updatedAt
        }
      }
    }
  }
`;

const skusOf = (conn: any) => conn.edges.map((e: any) => `${e.node.sku}@${e.node.snapshotDate}`);

async function snapshotCount(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM inventory_snapshots");
  return rows[0].n;
}

describe("ingestInventorySnapshots", () => {
  const batch = [
    {
      sku: "ING-A",
      snapshotDate: "2025-09-01",
      onHandQuantity: 10,
      availableQuantity: 8,
      committedQuantity: 2,
      unitsSold: 3,
      productTitle: "Hot sauce",
    },
    { sku: "ING-A", snapshotDate: "2025-09-02", onHandQuantity: 7, availableQuantity: -1, committedQuantity: 8, unitsSold: 3 },
    { sku: "ING-B", snapshotDate: "2025-09-01", onHandQuantity: 0, variantId: "gid://shopify/ProductVariant/1" },
  ];
  const updatedAts = async () =>
    (
      await db.pool.query<{ sku: string; d: string; u: string }>(
        "SELECT sku, snapshot_date::text AS d, updated_at::text AS u FROM inventory_snapshots WHERE sku LIKE 'ING-%' ORDER BY 1, 2",
      )
    ).rows;

  test("inserts once, then a replay changes nothing (updatedAt stays), and a changed row is updated alone", async () => {
    expect((await data(INGEST, { snapshots: batch })).ingestInventorySnapshots).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
    const before = await updatedAts();

    expect((await data(INGEST, { snapshots: batch })).ingestInventorySnapshots).toEqual({ inserted: 0, updated: 0, unchanged: 3 });
    expect(await updatedAts()).toEqual(before);

    const changed = [batch[0], { ...batch[1], unitsSold: 4 }, batch[2], { sku: "ING-B", snapshotDate: "2025-09-02" }];
    expect((await data(INGEST, { snapshots: changed })).ingestInventorySnapshots).toEqual({ inserted: 1, updated: 1, unchanged: 2 });
    const after = await updatedAts();
    expect(after.filter((r) => r.sku === "ING-A" && r.d === "2025-09-01")).toEqual(before.filter((r) => r.sku === "ING-A" && r.d === "2025-09-01"));
    expect(after.find((r) => r.sku === "ING-A" && r.d === "2025-09-02")!.u).not.toBe(
      before.find((r) => r.sku === "ING-A" && r.d === "2025-09-02")!.u,
    );
  });

  test("each row replaces the whole snapshot: omitted quantities become 0 and omitted texts null", async () => {
    await data(INGEST, { snapshots: [{ sku: "ING-R", snapshotDate: "2025-09-01", onHandQuantity: 5, productTitle: "Old" }] });
    expect((await data(INGEST, { snapshots: [{ sku: "ING-R", snapshotDate: "2025-09-01" }] })).ingestInventorySnapshots.updated).toBe(1);
    const { rows } = await db.pool.query("SELECT on_hand_quantity, product_title FROM inventory_snapshots WHERE sku = 'ING-R'");
    expect(rows).toEqual([{ on_hand_quantity: 0, product_title: null }]);
  });

  test("a bad row names its field and rule, and nothing of the batch is written", async () => {
    const before = await snapshotCount();
    const error = await failure(INGEST, {
      snapshots: [
        { sku: "BAD-1", snapshotDate: "2025-09-01", onHandQuantity: 1 },
        { sku: "BAD-2", snapshotDate: "2025-09-01", onHandQuantity: -1 },
      ],
    });
    expect(error.extensions?.code).toBe("BAD_USER_INPUT");
    expect(error.extensions?.issues).toEqual([{ field: "input.snapshots[1].onHandQuantity", rule: "must be ≥ 0" }]);
    expect(error.message).toContain("input.snapshots[1].onHandQuantity");
    expect(await snapshotCount()).toBe(before);

    const blank = await failure(INGEST, { snapshots: [{ sku: "  ", snapshotDate: "2025-09-01" }] });
    expect(blank.extensions?.issues).toEqual([{ field: "input.snapshots[0].sku", rule: "must not be empty" }]);
    const empty = await failure(INGEST, { snapshots: [] });
    expect(empty.extensions?.issues).toEqual([{ field: "input.snapshots", rule: "must contain at least one row" }]);
  });

  test("the same SKU-day twice in one batch is rejected with the duplicate's path", async () => {
    const before = await snapshotCount();
    const error = await failure(INGEST, {
      snapshots: [
        { sku: "DUP", snapshotDate: "2025-09-01" },
        { sku: "DUP", snapshotDate: "2025-09-02" },
        { sku: "DUP", snapshotDate: "2025-09-01", onHandQuantity: 4 },
      ],
    });
    expect(error.extensions?.code).toBe("BAD_USER_INPUT");
    expect(error.extensions?.issues).toEqual([{ field: "input.snapshots[2].snapshotDate", rule: "duplicates row 0: one snapshot per SKU per day" }]);
    expect(await snapshotCount()).toBe(before);
  });

  test("anon is UNAUTHENTICATED and authenticated is FORBIDDEN; nothing is written", async () => {
    const before = await snapshotCount();
    const snapshots = [{ sku: "ROLE-1", snapshotDate: "2025-09-01" }];
    expect((await failure(INGEST, { snapshots }, { role: "anon" })).extensions?.code).toBe("UNAUTHENTICATED");
    expect((await failure(INGEST, { snapshots }, { role: "authenticated" })).extensions?.code).toBe("FORBIDDEN");
    expect(await snapshotCount()).toBe(before);
  });
});

describe("inventorySnapshots", () => {
  // 3 SKUs × 4 days with many equal quantities, so orderings have ties to break.
  const skus = ["LST-B", "LST-A", "LST-C%"];
  const days = ["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04"];
  const all = skus.flatMap((sku, i) => days.map((snapshotDate, j) => ({ sku, snapshotDate, onHandQuantity: (i + j) % 2, unitsSold: j })));

  beforeAll(async () => {
    await data(INGEST, { snapshots: all });
  });

  const list = async (variables: Record<string, unknown>, options?: GqlOptions) =>
    (await data(SNAPSHOTS, { first: 100, ...variables }, options)).inventorySnapshots;

  test("filters by one or many SKUs, a literal case-insensitive prefix, and a date range; totalCount follows", async () => {
    expect((await list({ filter: { skus: ["LST-A"] } })).totalCount).toBe(4);
    expect((await list({ filter: { skus: ["LST-A", "LST-B", "NOPE"] } })).totalCount).toBe(8);
    expect((await list({ filter: { skuPrefix: "lst-" } })).totalCount).toBe(12);
    // % and _ are literal characters, not wildcards.
    expect(skusOf(await list({ filter: { skuPrefix: "LST-C%" } }))).toHaveLength(4);
    expect((await list({ filter: { skuPrefix: "LST-_" } })).totalCount).toBe(0);
    const ranged = await list({ filter: { skuPrefix: "LST-", snapshotDate: { from: "2025-10-02", to: "2025-10-03" } } });
    expect(ranged.totalCount).toBe(6);
    expect(new Set(ranged.edges.map((e: any) => e.node.snapshotDate))).toEqual(new Set(["2025-10-02", "2025-10-03"]));
    expect((await list({ filter: { skus: [] } })).totalCount).toBe(0);
  });

  test("a reversed date range is a clear input error", async () => {
    const error = await failure(SNAPSHOTS, { filter: { snapshotDate: { from: "2025-10-03", to: "2025-10-01" } } });
    expect(error.extensions?.code).toBe("BAD_USER_INPUT");
    expect(error.message).toContain("filter.snapshotDate");
  });

  test("default order: newest day first, SKUs A→Z within a day; SKU order: SKU, then newest day", async () => {
    const byDate = skusOf(await list({ filter: { skuPrefix: "LST-" } }));
    expect(byDate.slice(0, 3)).toEqual(["LST-A@2025-10-04", "LST-B@2025-10-04", "LST-C%@2025-10-04"]);
    expect(byDate.at(-1)).toBe("LST-C%@2025-10-01");
    const bySku = skusOf(await list({ filter: { skuPrefix: "LST-" }, orderBy: { field: "SKU" } }));
    expect(bySku.slice(0, 5)).toEqual(["LST-A@2025-10-04", "LST-A@2025-10-03", "LST-A@2025-10-02", "LST-A@2025-10-01", "LST-B@2025-10-04"]);
    const bySkuDesc = skusOf(await list({ filter: { skuPrefix: "LST-" }, orderBy: { field: "SKU", direction: "DESC" } }));
    expect(bySkuDesc[0]).toBe("LST-C%@2025-10-04");
  });

  test("pages of 5 walk the whole list once, ties included, in the same order as one big page", async () => {
    for (const orderBy of [{ field: "ON_HAND" }, { field: "UNITS_SOLD", direction: "DESC" }, null]) {
      const filter = { skuPrefix: "LST-" };
      const whole = (await list({ filter, orderBy })).edges.map((e: any) => e.node.id);
      const paged: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 10; page++) {
        const conn: any = await list({ filter, orderBy, first: 5, after });
        expect(conn.totalCount).toBe(12);
        paged.push(...conn.edges.map((e: any) => e.node.id));
        if (!conn.pageInfo.hasNextPage) break;
        after = conn.pageInfo.endCursor;
      }
      expect(paged).toEqual(whole);
      expect(new Set(paged).size).toBe(12);
    }
  });

  test("ties on the order field are broken by id", async () => {
    const rows = (await list({ filter: { skuPrefix: "LST-" }, orderBy: { field: "ON_HAND" } })).edges.map((e: any) => e.node);
    // ON_HAND ties → newest day → SKU → id; (sku, day) is unique so the order is total and stable.
    const expected = [...rows].sort(
      (a: any, b: any) =>
        a.onHandQuantity - b.onHandQuantity || b.snapshotDate.localeCompare(a.snapshotDate) || a.sku.localeCompare(b.sku) || a.id.localeCompare(b.id),
    );
    expect(rows).toEqual(expected);
  });

  test("page size: 20 by default, and asking for more than 100 is capped at 100 (hasNextPage tells there is more)", async () => {
    const many = Array.from({ length: 110 }, (_, i) => ({ sku: `CAP-${String(i).padStart(3, "0")}`, snapshotDate: "2025-08-01" }));
    await data(INGEST, { snapshots: many });
    const filter = { skuPrefix: "CAP-" };
    const byDefault = (await data(SNAPSHOTS, { filter })).inventorySnapshots;
    expect(byDefault.edges).toHaveLength(20);
    const capped = (await data(SNAPSHOTS, { filter, first: 500 })).inventorySnapshots;
    expect(capped.edges).toHaveLength(100);
    expect(capped.pageInfo.hasNextPage).toBe(true);
    expect(capped.totalCount).toBe(110);
  });

  test("authenticated reads; anon is UNAUTHENTICATED", async () => {
    expect((await list({ filter: { skus: ["LST-A"] } }, { role: "authenticated" })).totalCount).toBe(4);
    const error = await failure(SNAPSHOTS, {}, { role: "anon" });
    expect(error.extensions?.code).toBe("UNAUTHENTICATED");
  });

  test("inventorySnapshot(id) returns the row, or null for an unknown id", async () => {
    const id = (await list({ filter: { skus: ["LST-A"] }, first: 1 })).edges[0].node.id;
    const q = `query ($id: UUID!) { inventorySnapshot(id: $id) { sku } }`;
    expect((await data(q, { id }, { role: "authenticated" })).inventorySnapshot).toEqual({ sku: "LST-A" });
    expect((await data(q, { id: "00000000-0000-0000-0000-000000000000" })).inventorySnapshot).toBeNull();
  });
});

describe("suppliers and reorder points", () => {
  const SUPPLIER = /* GraphQL */ `
    mutation ($input: UpsertSupplierLeadTimeInput!) {
      upsertSupplierLeadTime(input: $input) {
        id
        name
        leadTimeDays
        maxLeadDays
        updatedAt
      }
    }
  `;
  const REORDER = /* GraphQL */ `
    mutation ($input: UpsertReorderPointInput!) {
      upsertReorderPoint(input: $input) {
        id
        sku
        safetyStock
        leadTimeDays
        effectiveLeadTimeDays
        updatedAt
        supplier {
          id
          name
        }
      }
    }
  `;

  test("upsertSupplierLeadTime creates by name, replaces on change, and a replay leaves updatedAt alone", async () => {
    const created = (await data(SUPPLIER, { input: { name: "Acme Chili Co", leadTimeDays: 7, maxLeadDays: 10 } })).upsertSupplierLeadTime;
    expect(created).toMatchObject({ name: "Acme Chili Co", leadTimeDays: 7, maxLeadDays: 10 });
    const replay = (await data(SUPPLIER, { input: { name: "Acme Chili Co", leadTimeDays: 7, maxLeadDays: 10 } })).upsertSupplierLeadTime;
    expect(replay).toEqual(created);
    const changed = (await data(SUPPLIER, { input: { name: "Acme Chili Co", leadTimeDays: 9 } })).upsertSupplierLeadTime;
    expect(changed).toMatchObject({ id: created.id, leadTimeDays: 9, maxLeadDays: null });
    expect(changed.updatedAt).not.toBe(created.updatedAt);
  });

  test("supplier validation names the field and the rule", async () => {
    const error = await failure(SUPPLIER, { input: { name: "Slow Co", leadTimeDays: 10, maxLeadDays: 5 } });
    expect(error.extensions?.issues).toEqual([{ field: "input.maxLeadDays", rule: "must be ≥ leadTimeDays" }]);
    const zero = await failure(SUPPLIER, { input: { name: "Slow Co", leadTimeDays: 0 } });
    expect(zero.extensions?.issues).toEqual([{ field: "input.leadTimeDays", rule: "must be ≥ 1" }]);
  });

  test("upsertReorderPoint names the supplier by name or id, falls back to its lead time, and replays idempotently", async () => {
    const supplier = (await data(SUPPLIER, { input: { name: "Pepper Farm", leadTimeDays: 14 } })).upsertSupplierLeadTime;
    const byName = (await data(REORDER, { input: { sku: "ROP-1", supplierName: "Pepper Farm", safetyStock: 5 } })).upsertReorderPoint;
    expect(byName).toMatchObject({
      sku: "ROP-1",
      safetyStock: 5,
      leadTimeDays: null,
      effectiveLeadTimeDays: 14,
      supplier: { id: supplier.id, name: "Pepper Farm" },
    });
    const replay = (await data(REORDER, { input: { sku: "ROP-1", supplierId: supplier.id, safetyStock: 5 } })).upsertReorderPoint;
    expect(replay).toEqual(byName);
    const own = (await data(REORDER, { input: { sku: "ROP-1", supplierId: supplier.id, safetyStock: 5, leadTimeDays: 3 } })).upsertReorderPoint;
    expect(own).toMatchObject({ id: byName.id, leadTimeDays: 3, effectiveLeadTimeDays: 3 });
    const none = (await data(REORDER, { input: { sku: "ROP-1" } })).upsertReorderPoint;
    expect(none).toMatchObject({ id: byName.id, safetyStock: 0, supplier: null, effectiveLeadTimeDays: null });
  });

  test("an unknown supplier or both ways of naming it are input errors, and nothing is written", async () => {
    const unknown = await failure(REORDER, { input: { sku: "ROP-X", supplierName: "Nobody" } });
    expect(unknown.extensions?.code).toBe("BAD_USER_INPUT");
    expect(unknown.extensions?.issues).toEqual([{ field: "input.supplierName", rule: "must name an existing supplier (no supplier Nobody)" }]);
    const unknownId = await failure(REORDER, { input: { sku: "ROP-X", supplierId: "00000000-0000-0000-0000-000000000000" } });
    expect(unknownId.extensions?.issues?.[0]?.field).toBe("input.supplierId");
    const both = await failure(REORDER, { input: { sku: "ROP-X", supplierName: "Pepper Farm", supplierId: "00000000-0000-0000-0000-000000000000" } });
    expect(both.extensions?.issues).toEqual([{ field: "input.supplierName", rule: "give at most one of supplierId and supplierName" }]);
    const { rows } = await db.pool.query("SELECT 1 FROM reorder_points WHERE sku = 'ROP-X'");
    expect(rows).toHaveLength(0);
  });

  test("lists filter by SKU and supplier; supplier.reorderPoints lists its SKUs", async () => {
    await data(SUPPLIER, { input: { name: "Bottle Works", leadTimeDays: 21 } });
    for (const sku of ["FLT-2", "FLT-1"]) await data(REORDER, { input: { sku, supplierName: "Bottle Works" } });
    await data(REORDER, { input: { sku: "FLT-3" } });
    const q = /* GraphQL */ `
      query ($filter: ReorderPointFilter) {
        reorderPoints(filter: $filter, first: 50) {
          totalCount
          edges {
            node {
              sku
              supplier {
                name
              }
            }
          }
        }
      }
    `;
    const skus = async (filter: object) => (await data(q, { filter }, { role: "authenticated" })).reorderPoints.edges.map((e: any) => e.node.sku);
    expect(await skus({ supplierName: "bottle works" })).toEqual(["FLT-1", "FLT-2"]);
    expect(await skus({ skuPrefix: "FLT-", hasSupplier: false })).toEqual(["FLT-3"]);
    expect(await skus({ skus: ["FLT-3", "FLT-1"] })).toEqual(["FLT-1", "FLT-3"]);

    const suppliers = await data(
      `{ supplierLeadTimes(filter: { search: "bottle" }) { totalCount edges { node { name reorderPoints { sku } } } } }`,
      {},
      { role: "authenticated" },
    );
    expect(suppliers.supplierLeadTimes).toEqual({
      totalCount: 1,
      edges: [{ node: { name: "Bottle Works", reorderPoints: [{ sku: "FLT-1" }, { sku: "FLT-2" }] } }],
    });

    const bySku = await data(`{ reorderPointBySku(sku: "FLT-1") { sku supplier { name } } missing: reorderPointBySku(sku: "nope") { sku } }`);
    expect(bySku).toEqual({ reorderPointBySku: { sku: "FLT-1", supplier: { name: "Bottle Works" } }, missing: null });
  });

  test("supplierName is exact: % and _ are literal characters, not wildcards; case still does not matter (D9)", async () => {
    await data(SUPPLIER, { input: { name: "Salt Mine", leadTimeDays: 5 } });
    await data(SUPPLIER, { input: { name: "100% Pure", leadTimeDays: 5 } });
    await data(REORDER, { input: { sku: "D9-1", supplierName: "Salt Mine" } });
    await data(REORDER, { input: { sku: "D9-2", supplierName: "100% Pure" } });
    const q = /* GraphQL */ `
      query ($filter: ReorderPointFilter) {
        reorderPoints(filter: $filter, first: 50) {
          totalCount
          edges {
            node {
              sku
            }
          }
        }
      }
    `;
    const skus = async (supplierName: string) =>
      (await data(q, { filter: { supplierName, skuPrefix: "D9-" } }, { role: "authenticated" })).reorderPoints.edges.map((e: any) => e.node.sku);
    expect(await skus("%")).toEqual([]);
    expect(await skus("Salt Min_")).toEqual([]);
    expect(await skus("100% Pur_")).toEqual([]);
    expect(await skus("sALT mINE")).toEqual(["D9-1"]);
    expect(await skus("100% pure")).toEqual(["D9-2"]);
  });

  test("latestSnapshot is the newest snapshot of the SKU, loaded in one statement however many reorder points", async () => {
    const skus = Array.from({ length: 12 }, (_, i) => `LAT-${String(i).padStart(2, "0")}`);
    await data(INGEST, {
      snapshots: skus.flatMap((sku, i) => [
        { sku, snapshotDate: "2025-07-01", onHandQuantity: 1 },
        { sku, snapshotDate: "2025-07-05", onHandQuantity: 100 + i },
        { sku, snapshotDate: "2025-07-03", onHandQuantity: 3 },
      ]),
    });
    for (const sku of [...skus, "LAT-NONE"]) await data(REORDER, { input: { sku } });

    const q = /* GraphQL */ `
      query ($first: Int) {
        reorderPoints(filter: { skuPrefix: "LAT-" }, first: $first) {
          edges {
            node {
              sku
              latestSnapshot {
                snapshotDate
                onHandQuantity
              }
            }
          }
        }
      }
    `;
    const statements = async (first: number) => {
      const before = gw.database.statementCount();
      const result = (await data(q, { first }, { role: "authenticated" })).reorderPoints.edges.map((e: any) => e.node);
      return { result, count: gw.database.statementCount() - before };
    };
    const small = await statements(2);
    const large = await statements(13);
    expect(large.count).toBe(small.count);
    expect(large.result[0]).toEqual({ sku: "LAT-00", latestSnapshot: { snapshotDate: "2025-07-05", onHandQuantity: 100 } });
    expect(large.result[11]).toEqual({ sku: "LAT-11", latestSnapshot: { snapshotDate: "2025-07-05", onHandQuantity: 111 } });
    expect(large.result[12]).toEqual({ sku: "LAT-NONE", latestSnapshot: null });
  });

  test("authenticated reads suppliers and reorder points but may not write them", async () => {
    const supplier = await failure(SUPPLIER, { input: { name: "Sneaky", leadTimeDays: 1 } }, { role: "authenticated" });
    expect(supplier.extensions?.code).toBe("FORBIDDEN");
    const rop = await failure(REORDER, { input: { sku: "SNEAKY" } }, { role: "authenticated" });
    expect(rop.extensions?.code).toBe("FORBIDDEN");
    const { rows } = await db.pool.query(
      "SELECT (SELECT count(*) FROM supplier_lead_times WHERE supplier = 'Sneaky') + (SELECT count(*) FROM reorder_points WHERE sku = 'SNEAKY') AS n",
    );
    expect(Number(rows[0].n)).toBe(0);
    expect((await failure(`{ reorderPoints { totalCount } }`, {}, { role: "anon" })).extensions?.code).toBe("UNAUTHENTICATED");
  });
});
