// The live approval queue: a GraphQL subscription over server-sent events, fed by PostgreSQL
// LISTEN/NOTIFY, so a change committed through one gateway instance reaches the subscribers of every
// instance on the same database; each event is re-read with the subscriber's role.
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { Fanout } from "../src/pubsub/fanout.ts";
import { perEventTransactions } from "../src/pubsub/rls-events.ts";
import type { GatewayContext } from "../src/context/types.ts";
import { startTestGateway, useTestGateway, type TestGateway } from "./support/gateway.ts";
import { SUBSCRIPTION_DB_GUARD } from "../src/plugins/rls-transaction.ts";
import { createTestDatabase, createVectorTestDatabase, type TestDatabase } from "./support/test-database.ts";
import { openSse, type SseStream } from "./support/sse.ts";

const QUEUE = `subscription($filter: ApprovalQueueEventFilter) {
  approvalQueueEvents(filter: $filter) { event approval { id kind status decidedBy run { id } feedback { id } } }
}`;

type Sse = SseStream;

/** Subscribes as a role (a token from the test gateway), over the shared SSE client. */
async function subscribe(
  gw: TestGateway,
  query: string,
  options: { role: "anon" | "authenticated" | "service_role"; sub?: string; variables?: object },
): Promise<Sse> {
  const headers: Record<string, string> = options.role === "anon" ? {} : { authorization: `Bearer ${await gw.token(options.role, options.sub)}` };
  return openSse(gw.url, query, headers, options.variables ?? {});
}

const SUBMIT = `mutation($input: SubmitAgentApprovalInput!) { submitAgentApproval(input: $input) { id } }`;
const submitOn = async (gw: TestGateway, input: Record<string, unknown> = {}) => {
  const res = await gw.gql(SUBMIT, {
    input: { kind: "send_reply", summary: "Reply", agent: "support-agent", conversationId: "conv-live", ...input },
  });
  expect(res.body.errors).toBeUndefined();
  return res.body.data.submitAgentApproval.id as string;
};
const decideOn = (gw: TestGateway, id: string, sub = "alice") =>
  gw.gql(`mutation($id: UUID!) { decideAgentApproval(id: $id, decision: APPROVE) { status } }`, { id }, { role: "authenticated", sub });

// Cross-instance delivery needs a real PostgreSQL server: when the suite runs on embedded PGlite
// (no server reachable), every connection shares one session and LISTEN cannot see other
// instances' commits; that mode is covered by "embedded PGlite (one shared session)" below.
describe.skipIf(inject("testDatabase").kind === "pglite")("two gateway instances on one PostgreSQL database", () => {
  let db: TestDatabase;
  let a: TestGateway;
  let b: TestGateway;
  const open: Sse[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestGateway({ databaseUrl: db.url, events: {} });
    b = await startTestGateway({ databaseUrl: db.url, events: { expirySweepMs: 200 } });
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await a?.close();
    await b?.close();
    await db?.close();
  });
  const sub = async (gw: TestGateway, options: Parameters<typeof subscribe>[2]) => {
    const s = await subscribe(gw, QUEUE, options);
    open.push(s);
    return s;
  };

  test("both instances really LISTEN", () => {
    expect(a.events?.delivery).toBe("listen");
    expect(b.events?.delivery).toBe("listen");
  });

  test("a submission and a decision made on A arrive at B's subscribers, each as its role may see them", async () => {
    const operator = await sub(b, { role: "authenticated", sub: "watcher" });
    const agent = await sub(b, { role: "service_role" });
    expect(operator.status).toBe(200);
    expect(operator.contentType).toMatch(/text\/event-stream/);

    const run = (await a.gql(`mutation { recordAgentRun(input: { agentName: "support-agent" }) { id } }`)).body.data.recordAgentRun.id;
    const id = await submitOn(a, { runId: run });

    const submittedToOperator = await operator.next();
    expect(submittedToOperator.errors).toBeUndefined();
    expect(submittedToOperator.data.approvalQueueEvents).toEqual({
      event: "SUBMITTED",
      approval: { id, kind: "send_reply", status: "PENDING", decidedBy: null, run: null, feedback: [] },
    });
    expect((await agent.next()).data.approvalQueueEvents).toMatchObject({ event: "SUBMITTED", approval: { id, run: { id: run } } });

    expect((await decideOn(a, id)).body.data.decideAgentApproval.status).toBe("APPROVED");
    expect((await operator.next()).data.approvalQueueEvents).toMatchObject({
      event: "DECIDED",
      approval: { id, status: "APPROVED", decidedBy: "alice", run: null },
    });
    expect((await agent.next()).data.approvalQueueEvents).toMatchObject({ event: "DECIDED", approval: { id, status: "APPROVED", run: { id: run } } });
  });

  test("a rolled-back decision sends nothing; the next committed change is the next event", async () => {
    const watcher = await sub(b, { role: "authenticated" });
    const id = await submitOn(a);
    expect((await watcher.next()).data.approvalQueueEvents.event).toBe("SUBMITTED");

    const failed = await a.gql(
      `mutation($id: UUID!) { ok: decideAgentApproval(id: $id, decision: REJECT) { id } missing: decideAgentApproval(id: "00000000-0000-4000-8000-0000000000ff", decision: REJECT) { id } }`,
      { id },
      { role: "authenticated", sub: "alice" },
    );
    expect(failed.body.data).toBeNull();
    const later = await submitOn(a, { kind: "after_rollback" });
    expect((await watcher.next()).data.approvalQueueEvents).toMatchObject({ event: "SUBMITTED", approval: { id: later, kind: "after_rollback" } });
  });

  test("filters narrow the stream", async () => {
    const refunds = await sub(a, { role: "authenticated", variables: { filter: { kinds: ["refund"], events: ["DECIDED"] } } });
    const id = await submitOn(b, { kind: "refund" });
    await submitOn(b, { kind: "send_reply" });
    await decideOn(b, id);
    expect((await refunds.next()).data.approvalQueueEvents).toMatchObject({ event: "DECIDED", approval: { id, kind: "refund" } });
    expect(await refunds.quietFor(300)).toBe(true);
  });

  test("deadlines turn into EXPIRED events without anyone calling expireAgentApprovals", async () => {
    const watcher = await sub(a, { role: "authenticated" });
    const id = await submitOn(a, { kind: "short_lived", expiresAt: new Date(Date.now() + 800).toISOString() });
    expect((await watcher.next()).data.approvalQueueEvents).toMatchObject({ event: "SUBMITTED", approval: { id, status: "PENDING" } });
    // Instance B runs the sweep every 200 ms; the event reaches A's subscriber through the database.
    expect((await watcher.next(5_000)).data.approvalQueueEvents).toMatchObject({ event: "EXPIRED", approval: { id, status: "EXPIRED" } });
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM "DecisionLog" WHERE "externalRef" = $1 AND action = 'approval.expired'`, [
      id,
    ]);
    expect(rows[0].n).toBe(1);
  });

  test("the listener reconnects after its connection is killed", async () => {
    const watcher = await sub(b, { role: "service_role" });
    const killed = await db.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hotdash-gateway-listener' AND datname = current_database()`,
    );
    expect(killed.rowCount).toBe(2);
    // Wait until both instances listen again (first retry after 250 ms).
    for (let i = 0; i < 50; i++) {
      const { rows } = await db.pool.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'hotdash-gateway-listener' AND datname = current_database()`,
      );
      if (rows[0].n === 2 && a.events && b.events) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 200)); // connected is not yet LISTENing
    const id = await submitOn(a, { kind: "after_reconnect" });
    expect((await watcher.next()).data.approvalQueueEvents).toMatchObject({ event: "SUBMITTED", approval: { id } });
  });

  test("anon may not subscribe: UNAUTHENTICATED, and nothing is streamed", async () => {
    const anon = await sub(b, { role: "anon" });
    const first = await anon.next();
    expect(first.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    expect(first.data ?? null).toBeNull();
    await submitOn(a);
    expect(await anon.quietFor(300)).toBe(true);
  });
});

describe("per-event transactions", () => {
  let db: TestDatabase;
  let gw: TestGateway;
  useTestGateway((database, gateway) => {
    db = database;
    gw = gateway;
  });

  test("each event is loaded in its own transaction as the subscriber, which ends before the next event", async () => {
    const prisma = gw.database.prisma;
    const ctx = {
      viewer: { role: "authenticated", subject: "olga", claims: { sub: "olga", role: "authenticated" } },
      db: SUBSCRIPTION_DB_GUARD,
      requestId: "t",
      loaders: new Map(),
    } as GatewayContext;
    const source = new Fanout<number>();
    const stream = perEventTransactions(ctx, prisma, source.subscribe(), {
      accept: (n) => n !== 6, // filtered before any transaction
      load: async (tx, n) => {
        const [row] = await tx.$queryRaw<
          { role: string; sub: string; xid: string }[]
        >`SELECT current_user::text AS role, gateway.jwt_subject() AS sub, txid_current()::text AS xid`;
        return n % 2 === 0 ? { n, ...row } : undefined; // odd events are "not visible" and skipped
      },
    });
    for (const n of [1, 2, 3, 6, 4]) source.publish(n);

    const first = await stream.next();
    expect(first.value).toMatchObject({ n: 2, role: "authenticated", sub: "olga" });
    // While the event is delivered, ctx.db is its transaction (as the subscriber)...
    const [during] = await ctx.db.$queryRaw<{ xid: string; role: string }[]>`SELECT txid_current()::text AS xid, current_user::text AS role`;
    expect(during).toEqual({ xid: first.value.xid, role: "authenticated" });
    const second = await stream.next();
    expect(second.value).toMatchObject({ n: 4, role: "authenticated" });
    expect(second.value.xid).not.toBe(first.value.xid);
    await stream.return!();
    // ...and between events and afterwards it refuses, like the runtime's guard.
    expect(() => ctx.db.$queryRaw`SELECT 1`).toThrow(/not available in subscriptions/);
    expect(source.size).toBe(0);
    // Nothing is left open: the pool has no transaction idling.
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`,
    );
    expect(rows[0].n).toBe(0);
  });
});

describe("embedded PGlite (one shared session)", () => {
  let db: TestDatabase;
  let gw: TestGateway;
  beforeAll(async () => {
    db = await createVectorTestDatabase();
    gw = await startTestGateway({ databaseUrl: db.url, events: {} });
  });
  afterAll(async () => {
    await gw?.close();
    await db?.close();
  });

  test("is detected, and delivers this gateway's own changes in-process", async () => {
    expect(gw.events?.delivery).toBe("shared-session");
    const watcher = await subscribe(gw, QUEUE, { role: "authenticated" });
    try {
      const id = await submitOn(gw);
      expect((await watcher.next()).data.approvalQueueEvents).toMatchObject({ event: "SUBMITTED", approval: { id, status: "PENDING" } });
      await decideOn(gw, id);
      expect((await watcher.next()).data.approvalQueueEvents).toMatchObject({ event: "DECIDED", approval: { id, status: "APPROVED" } });
    } finally {
      watcher.close();
    }
  });
});
