// Curated support replies and observability logs through the real gateway: filters (tags, text,
// ranges), ordering and pagination, service_role writes, and the log-level row rule: authenticated
// sees INFO and WARN only, in lists, counts, filters and single-row lookups alike.
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

describe("support curated replies", () => {
  const CREATE = /* GraphQL */ `
    mutation ($input: CreateSupportCuratedReplyInput!) {
      createSupportCuratedReply(input: $input) {
        id
        body
        tags
        approver
        approvedAt
        conversationId
        sourceMessageId
        updatedAt
      }
    }
  `;
  const REPLIES = /* GraphQL */ `
    query ($filter: SupportCuratedReplyFilter, $orderBy: SupportCuratedReplyOrder, $first: Int, $after: String) {
      supportCuratedReplies(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            body
            tags
            approvedAt
          }
        }
      }
    }
  `;

  beforeAll(async () => {
    await db.pool.query(`
      INSERT INTO support_curated_replies (message_body, tags, approver, approved_at, conversation_id) VALUES
        ('Your order ships within 2 business days.', '{shipping,orders}', 'ana@hotdash.com', '2025-10-01T09:00:00Z', 'c-1'),
        ('Refunds take 5-7 days to appear.',         '{refunds}',         'ana@hotdash.com', '2025-10-02T09:00:00Z', 'c-2'),
        ('We ship to Canada; duties are included.',  '{shipping,intl}',   'ben@hotdash.com', '2025-10-03T09:00:00Z', 'c-3'),
        ('Use code HOT_50 for 50% off your next order.', '{promo}',       'ben@hotdash.com', '2025-10-03T09:00:00Z', 'c-3')`);
  });

  const bodies = async (filter: object, options?: GqlOptions, orderBy?: object) =>
    (await data(REPLIES, { filter, orderBy, first: 50 }, options)).supportCuratedReplies.edges.map((e: any) => e.node.body.slice(0, 12));

  test("tagsAny is an overlap, tagsAll a containment; results are most recently approved first", async () => {
    expect(await bodies({ tagsAny: ["shipping", "refunds"] })).toEqual(["We ship to C", "Refunds take", "Your order s"]);
    expect(await bodies({ tagsAll: ["shipping", "intl"] })).toEqual(["We ship to C"]);
    expect(await bodies({ tagsAll: ["shipping", "refunds"] })).toEqual([]);
    expect(await bodies({ tagsAny: [] })).toEqual([]);
  });

  test("filters by conversation, approver, approval time and body text (case-insensitive, literal)", async () => {
    expect(await bodies({ conversationId: "c-3", approver: "ben@hotdash.com" }, undefined, { field: "APPROVED_AT", direction: "ASC" })).toHaveLength(
      2,
    );
    expect(await bodies({ approvedAt: { from: "2025-10-02T09:00:00Z", to: "2025-10-03T09:00:00Z" } })).toEqual(["Refunds take"]);
    expect(await bodies({ search: "SHIP" })).toEqual(["We ship to C", "Your order s"]);
    expect(await bodies({ search: "50%" })).toEqual(["Use code HOT"]);
    expect(await bodies({ search: "HOT_5" })).toEqual(["Use code HOT"]);
    expect(await bodies({ search: "T_5" })).toEqual(["Use code HOT"]);
    expect(await bodies({ search: "2_b" })).toEqual([]);
  });

  test("equal approval times are ordered by id, and pages of 1 walk the list exactly once", async () => {
    const whole = (await data(REPLIES, { first: 50 })).supportCuratedReplies.edges.map((e: any) => e.node.id);
    const paged: string[] = [];
    let after: string | null = null;
    do {
      const conn: any = (await data(REPLIES, { first: 1, after }, { role: "authenticated" })).supportCuratedReplies;
      expect(conn.totalCount).toBe(whole.length);
      paged.push(...conn.edges.map((e: any) => e.node.id));
      after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
    } while (after);
    expect(paged).toEqual(whole);
  });

  test("service_role creates (tags trimmed and deduplicated, approver defaults to the token's sub), updates and deletes", async () => {
    const created = (
      await data(
        CREATE,
        { input: { body: "Thanks for waiting!", tags: [" thanks ", "thanks", "general"], conversationId: "c-9" } },
        { sub: "agent:support" },
      )
    ).createSupportCuratedReply;
    expect(created).toMatchObject({
      body: "Thanks for waiting!",
      tags: ["thanks", "general"],
      approver: "agent:support",
      conversationId: "c-9",
      sourceMessageId: null,
    });

    const UPDATE = `mutation ($id: UUID!, $input: UpdateSupportCuratedReplyInput!) { updateSupportCuratedReply(id: $id, input: $input) { body tags approver conversationId } }`;
    const updated = (await data(UPDATE, { id: created.id, input: { tags: ["general"], conversationId: null } })).updateSupportCuratedReply;
    expect(updated).toEqual({ body: "Thanks for waiting!", tags: ["general"], approver: "agent:support", conversationId: null });

    const DELETE = `mutation ($id: UUID!) { deleteSupportCuratedReply(id: $id) }`;
    expect((await data(DELETE, { id: created.id })).deleteSupportCuratedReply).toBe(created.id);
    const again = await failure(DELETE, { id: created.id });
    expect(again.extensions?.code).toBe("NOT_FOUND");
    expect((await failure(UPDATE, { id: created.id, input: { body: "x" } })).extensions?.code).toBe("NOT_FOUND");
  });

  test("validation names the field; authenticated reads but may not write; anon is UNAUTHENTICATED", async () => {
    const blank = await failure(CREATE, { input: { body: "   ", tags: ["ok", ""] } });
    expect(blank.extensions?.code).toBe("BAD_USER_INPUT");
    expect(blank.extensions?.issues).toEqual([
      { field: "input.body", rule: "must not be empty" },
      { field: "input.tags[1]", rule: "must not be empty" },
    ]);
    const forbidden = await failure(CREATE, { input: { body: "sneaky" } }, { role: "authenticated" });
    expect(forbidden.extensions?.code).toBe("FORBIDDEN");
    expect(await count("SELECT count(*) AS n FROM support_curated_replies WHERE message_body = 'sneaky'")).toBe(0);
    expect(await bodies({ tagsAny: ["refunds"] }, { role: "authenticated" })).toEqual(["Refunds take"]);
    expect((await failure(REPLIES, {}, { role: "anon" })).extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("observability logs", () => {
  const RECORD = /* GraphQL */ `
    mutation ($logs: [ObservabilityLogInput!]!) {
      recordObservabilityLogs(input: { logs: $logs }) {
        recorded
      }
    }
  `;
  const LOGS = /* GraphQL */ `
    query ($filter: ObservabilityLogFilter, $orderBy: ObservabilityLogOrder, $first: Int, $after: String) {
      observabilityLogs(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            level
            message
            requestId
            metadata
            createdAt
          }
        }
      }
    }
  `;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const logs = [
      { level: "DEBUG", message: "cache warm", createdAt: "2025-10-01T10:00:00Z", requestId: "r-1" },
      { level: "INFO", message: "tile rendered", createdAt: "2025-10-01T10:01:00Z", requestId: "r-1", metadata: { duration_ms: 41 } },
      { level: "WARN", message: "slow tile", createdAt: "2025-10-01T10:02:00Z", requestId: "r-1" },
      { level: "ERROR", message: "db password rejected", createdAt: "2025-10-01T10:03:00Z", requestId: "r-1" },
      { message: "defaulted to INFO", createdAt: "2025-10-01T10:04:00Z", requestId: "r-2" },
      { level: "ERROR", message: "upstream 500", createdAt: "2025-10-01T10:05:00Z", requestId: "r-2" },
    ];
    expect((await data(RECORD, { logs })).recordObservabilityLogs).toEqual({ recorded: 6 });
    const { rows } = await db.pool.query<{ id: string; message: string }>("SELECT id, message FROM observability_logs");
    for (const row of rows) ids[row.message] = row.id;
  });

  const messages = async (variables: Record<string, unknown>, options?: GqlOptions) => {
    const conn = (await data(LOGS, { first: 50, ...variables }, options)).observabilityLogs;
    return { total: conn.totalCount, messages: conn.edges.map((e: any) => e.node.message) };
  };

  test("service_role sees every level, newest first; the level, requestId, time and text filters combine", async () => {
    expect(await messages({})).toEqual({
      total: 6,
      messages: ["upstream 500", "defaulted to INFO", "db password rejected", "slow tile", "tile rendered", "cache warm"],
    });
    expect((await messages({ filter: { levels: ["ERROR"] } })).messages).toEqual(["upstream 500", "db password rejected"]);
    expect((await messages({ filter: { levels: ["INFO", "WARN"], requestId: "r-1" } })).messages).toEqual(["slow tile", "tile rendered"]);
    expect((await messages({ filter: { createdAt: { from: "2025-10-01T10:01:00Z", to: "2025-10-01T10:03:00Z" } } })).messages).toEqual([
      "slow tile",
      "tile rendered",
    ]);
    expect((await messages({ filter: { search: "TILE" }, orderBy: { field: "CREATED_AT", direction: "ASC" } })).messages).toEqual([
      "tile rendered",
      "slow tile",
    ]);
  });

  test("authenticated sees INFO and WARN only, and totalCount agrees", async () => {
    const asUser = { role: "authenticated" as const };
    expect(await messages({}, asUser)).toEqual({ total: 3, messages: ["defaulted to INFO", "slow tile", "tile rendered"] });
    expect(await messages({ filter: { requestId: "r-1" } }, asUser)).toEqual({ total: 2, messages: ["slow tile", "tile rendered"] });
  });

  test("authenticated asking for ERROR or DEBUG gets an empty list, not an error", async () => {
    const res = await gw.gql(LOGS, { filter: { levels: ["ERROR", "DEBUG"] } }, { role: "authenticated" });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.observabilityLogs).toMatchObject({ totalCount: 0, edges: [] });
    expect((await messages({ filter: { levels: ["ERROR", "WARN"] } }, { role: "authenticated" })).messages).toEqual(["slow tile"]);
  });

  test("a single-row lookup never reveals an ERROR row to authenticated", async () => {
    const q = `query ($id: UUID!) { observabilityLog(id: $id) { id level message } }`;
    const error = ids["db password rejected"];
    const asUser = await gw.gql(q, { id: error }, { role: "authenticated" });
    expect(asUser.body).toEqual({ data: { observabilityLog: null } });
    expect((await data(q, { id: ids["slow tile"] }, { role: "authenticated" })).observabilityLog).toMatchObject({ level: "WARN" });
    expect((await data(q, { id: error })).observabilityLog).toMatchObject({ level: "ERROR", message: "db password rejected" });
  });

  test("pages of 2 walk the visible rows exactly once for authenticated", async () => {
    const paged: string[] = [];
    let after: string | null = null;
    do {
      const conn: any = (await data(LOGS, { first: 2, after }, { role: "authenticated" })).observabilityLogs;
      paged.push(...conn.edges.map((e: any) => e.node.level));
      after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
    } while (after);
    expect(paged).toEqual(["INFO", "WARN", "INFO"]);
  });

  test("a batch with one bad row writes nothing, and the field is named", async () => {
    const before = await count("SELECT count(*) AS n FROM observability_logs");
    const error = await failure(RECORD, { logs: [{ message: "fine" }, { level: "WARN", message: "  " }] });
    expect(error.extensions?.issues).toEqual([{ field: "input.logs[1].message", rule: "must not be empty" }]);
    expect(await count("SELECT count(*) AS n FROM observability_logs")).toBe(before);
  });

  test("authenticated may not record logs and anon may not read them", async () => {
    const forbidden = await failure(RECORD, { logs: [{ message: "sneaky" }] }, { role: "authenticated" });
    expect(forbidden.extensions?.code).toBe("FORBIDDEN");
    expect(await count("SELECT count(*) AS n FROM observability_logs WHERE message = 'sneaky'")).toBe(0);
    expect((await failure(LOGS, {}, { role: "anon" })).extensions?.code).toBe("UNAUTHENTICATED");
  });
});
