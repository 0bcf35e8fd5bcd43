// Every list the schema can return has a bound the cost estimate knows (src/schema/bounds.ts), and
// the bounds hold at run time. A new list field without one fails here.
import { getNamedType, getNullableType, isInterfaceType, isListType, isObjectType, type GraphQLField } from "graphql";
import { describe, expect, test } from "vitest";
import { schema } from "../src/schema/index.ts";
import { randomBytes } from "node:crypto";
import { connectionPageOf, listBoundOf } from "../src/schema/bounds.ts";
import { MAX_ROTATION_BATCH } from "../src/data/credentials.ts";
import { loadVaultKeys, seal } from "../src/vault/index.ts";
import { configureVault } from "./support/vault.ts";
import { useTestGateway, type TestGateway } from "./support/gateway.ts";
import type { TestDatabase } from "./support/test-database.ts";

function outputFields(): { coordinate: string; field: GraphQLField<unknown, unknown> }[] {
  const fields = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__") || !(isObjectType(type) || isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) fields.push({ coordinate: `${type.name}.${field.name}`, field });
  }
  return fields;
}

describe("list bounds in the schema", () => {
  test("every list-typed output field declares its bound", () => {
    const lists = outputFields().filter(({ field }) => isListType(getNullableType(field.type)));
    expect(lists.length).toBeGreaterThan(30);
    const unbounded = lists.filter(({ field }) => !((listBoundOf(field)?.max ?? 0) > 0)).map((f) => f.coordinate);
    expect(unbounded, "list fields without a bound (use listBound/guardedList/tableConnection from src/schema)").toEqual([]);
  });

  test("a connection's edges follow the page of every field that returns the connection", () => {
    const pagedEdges = outputFields().filter(({ field }) => listBoundOf(field)?.page);
    expect(pagedEdges.length).toBeGreaterThan(10);
    const connectionTypes = new Set(pagedEdges.map(({ coordinate }) => coordinate.split(".")[0]));
    const withoutPage = outputFields()
      .filter(({ field }) => connectionTypes.has(getNamedType(field.type).name) && !connectionPageOf(field))
      .map((f) => f.coordinate);
    expect(withoutPage).toEqual([]);
  });
});

describe("list bounds hold at run time", () => {
  let db: TestDatabase;
  let gw: TestGateway;
  useTestGateway((d, g) => ((db = d), (gw = g)));

  test("dailyMetrics: a range longer than 366 days is BAD_USER_INPUT; an open range returns at most 366 rows", async () => {
    const { rows } = await db.pool.query(
      `insert into ads_campaigns (campaign_id, platform, campaign_name, status, budget_cents, start_date)
       values ('bounds-1', 'meta', 'Bounds', 'active', 100, '2020-01-01') returning id`,
    );
    const id = rows[0].id;
    await db.pool.query(
      `insert into ads_daily_metrics (campaign_id, metric_date, spend_cents, impressions, clicks, conversions, revenue_cents)
       select $1, d::date, 1, 1, 1, 1, 1 from generate_series('2020-01-01'::date, '2021-12-31'::date, '1 day') d`,
      [id],
    );
    const query = `query ($id: UUID!, $range: DateRange) { adsCampaign(id: $id) { dailyMetrics(range: $range) { metricDate } } }`;
    const tooLong = await gw.failure(query, { id, range: { from: "2020-01-01", to: "2021-01-01" } });
    expect(tooLong).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
    expect(tooLong.message).toMatch(/at most 366 days \(got 367\)/);

    const full = await gw.data(query, { id, range: { from: "2020-01-01", to: "2020-12-31" } });
    expect(full.adsCampaign.dailyMetrics).toHaveLength(366);

    const open = await gw.data(query, { id });
    expect(open.adsCampaign.dailyMetrics).toHaveLength(366);
    // The latest rows, oldest first.
    expect(open.adsCampaign.dailyMetrics.at(0).metricDate).toBe("2020-12-31");
    expect(open.adsCampaign.dailyMetrics.at(-1).metricDate).toBe("2021-12-31");
  });

  test("a back-reference list returns at most its cap (approval.feedback: 50)", async () => {
    const { rows } = await db.pool.query(
      `insert into "AgentApproval" (kind, summary, agent, "conversationId") values ('send_reply', 'cap test', 'bot', 'c-1') returning id`,
    );
    const id = rows[0].id;
    await db.pool.query(
      `insert into "AgentFeedback" ("conversationId", "approvalId", rubric, meta) select 'c-1', $1, '{}', '{}' from generate_series(1, 60)`,
      [id],
    );
    const data = await gw.data(`query ($id: UUID!) { agentApproval(id: $id) { feedback { id } } }`, { id });
    expect(data.agentApproval.feedback).toHaveLength(50);
  });

  test("a key rotation re-encrypts at most 1000 credentials per call; the next call takes the rest", async () => {
    const previous = randomBytes(32).toString("base64");
    const current = randomBytes(32).toString("base64");
    const old = loadVaultKeys({ CREDS_ENCRYPTION_KEY: previous });
    const names = Array.from({ length: MAX_ROTATION_BATCH + 5 }, (_, i) => `bulk.${String(i).padStart(4, "0")}`);
    const sealed = names.map((name) => seal(old, name, `secret-${name}`));
    const hex = (b: Uint8Array) => `\\x${Buffer.from(b).toString("hex")}`;
    await db.pool.query(
      `insert into creds_meta (name, provider, ciphertext, nonce, auth_tag, key_id)
       select * from unnest($1::text[], $2::text[], $3::bytea[], $4::bytea[], $5::bytea[], $6::text[])`,
      [
        names,
        names.map(() => "bulk"),
        sealed.map((s) => hex(s.ciphertext)),
        sealed.map((s) => hex(s.nonce)),
        sealed.map((s) => hex(s.authTag)),
        sealed.map((s) => s.keyId),
      ],
    );
    configureVault(loadVaultKeys({ CREDS_ENCRYPTION_KEY: current, CREDS_PREVIOUS_KEYS: previous }));
    try {
      const rotate = `mutation { rotateCredentialKey(reason: "bulk") { rotated alreadyCurrent } }`;
      const first = await gw.data(rotate);
      expect(first.rotateCredentialKey.rotated).toHaveLength(MAX_ROTATION_BATCH);
      expect(first.rotateCredentialKey.alreadyCurrent).toBe(0);
      const second = await gw.data(rotate);
      expect(second.rotateCredentialKey).toEqual({ rotated: names.slice(MAX_ROTATION_BATCH), alreadyCurrent: MAX_ROTATION_BATCH });
    } finally {
      configureVault(null);
    }
  });
});
