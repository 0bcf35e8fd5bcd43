// The gateway behind a real PgBouncer in transaction mode (what Supavisor on port 6543 is for the
// gateway): a server connection belongs to a client for one transaction only, and a few of them serve
// many clients. Every operation's role and claims are transaction-local (src/db/rls.ts; BEGIN travels
// with the role switch, src/db/begin.ts), so no request sees another's, and nothing is left on the
// server connections. The live queue's LISTEN needs a session: DATABASE_LISTEN_URL.
import { GraphQLObjectType, GraphQLSchema, GraphQLString } from "graphql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import type { Viewer } from "../src/auth/viewer.ts";
import { signDevToken } from "../src/context/auth.ts";
import type { GatewayContext } from "../src/context/types.ts";
import { createDatabase, type Database } from "../src/db/client.ts";
import { createLogger } from "../src/logger.ts";
import { NO_CATALOGUE } from "../src/catalogue/index.ts";
import { createGateway, type Gateway } from "../src/server.ts";
import { databaseLocation, loadConfig } from "../src/config.ts";
import { applyMigrations, MigrationError, PRISMA_ADVISORY_LOCK_KEY } from "../src/db/migrate.ts";
import { withRls } from "../src/db/rls.ts";
import { ListenDeliveryError, startGatewayEvents } from "../src/pubsub/index.ts";
import { describeStartupError } from "../src/startup.ts";
import { startTestGateway, TEST_JWT_SECRET, type TestGateway } from "./support/gateway.ts";
import { runEntryPoint } from "./support/entry-point.ts";
import { startPgBouncer, type PgBouncer } from "./support/pgbouncer.ts";
import { openSse, type SseStream } from "./support/sse.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";
import { configProblems } from "./support/config.ts";

/** Server connections PgBouncer keeps per database: far fewer than the clients sharing them. */
const SERVER_CONNECTIONS = 3;
/** Requests in flight at once, over the gateway's pool of POOL_MAX connections to PgBouncer. */
const CONCURRENCY = 32;
const POOL_MAX = 24;

/** Runs `tasks` with at most `limit` in flight; resolves with their results in order. */
async function inParallel<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

interface SessionState {
  pid: number;
  current_user: string;
  role: string;
  claims: string | null;
  operation: string | null;
  statement_timeout: string;
  prepared: number;
}

/**
 * What each of PgBouncer's server connections carries now, seen as a fresh client would: one client
 * per server connection, each holding a transaction open until all have answered, so each is on its own.
 */
async function serverSessions(bouncer: PgBouncer, databaseUrl: string, count = SERVER_CONNECTIONS): Promise<SessionState[]> {
  const clients = Array.from({ length: count }, () => new pg.Client({ connectionString: bouncer.url(databaseUrl) }));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    return await Promise.all(
      clients.map(async (c) => {
        await c.query("BEGIN");
        const { rows } = await c.query<SessionState>(
          `SELECT pg_backend_pid() AS pid, current_user::text AS current_user, current_setting('role') AS role,
                  current_setting('request.jwt.claims', true) AS claims, current_setting('hotdash.operation', true) AS operation,
                  current_setting('statement_timeout') AS statement_timeout, (SELECT count(*)::int FROM pg_prepared_statements) AS prepared`,
        );
        return rows[0];
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.query("COMMIT").catch(() => {})));
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

/** A session as PgBouncer hands it out after the gateway is done with it: no role, no claims, no statements. */
const CLEAN_SESSION = {
  current_user: "postgres",
  role: "none",
  claims: expect.toSatisfy((v: string | null) => v === null || v === ""),
  operation: expect.toSatisfy((v: string | null) => v === null || v === ""),
  statement_timeout: "0",
  prepared: 0,
};

describe.skipIf(inject("testDatabase").kind === "pglite")("behind PgBouncer in transaction mode", () => {
  let db: TestDatabase;
  let bouncer: PgBouncer;
  let gw: TestGateway;
  /** Every backend pid a gateway statement ran on. */
  const pidsSeen = new Set<number>();

  beforeAll(async () => {
    db = await createTestDatabase();
    bouncer = await startPgBouncer({ serverUrl: db.url, poolSize: SERVER_CONNECTIONS });
    // anon's 2 s budget includes the wait in PgBouncer's queue for one of 3 server connections: roomier
    // on a loaded 2-core machine, so the test is about isolation, not speed.
    gw = await startTestGateway({ databaseUrl: bouncer.url(db.url), poolMax: POOL_MAX, env: { ANON_TIMEOUT_MS: "10000" } });
  });
  afterAll(async () => {
    await gw?.close();
    await bouncer?.stop();
    await db?.close();
  });

  test("the pooler really shares sessions: a session-level setting leaks to later clients (what the gateway never does)", async () => {
    const client = new pg.Client({ connectionString: bouncer.url(db.url) });
    await client.connect();
    await client.query(`SELECT set_config('request.jwt.claims', '{"sub":"leaked"}', false)`); // session-level, autocommit
    await client.end();
    const clients = Array.from({ length: SERVER_CONNECTIONS }, () => new pg.Client({ connectionString: bouncer.url(db.url) }));
    await Promise.all(clients.map((c) => c.connect()));
    const seen = await Promise.all(
      clients.map(async (c) => {
        await c.query("BEGIN");
        return (await c.query<{ claims: string | null }>(`SELECT current_setting('request.jwt.claims', true) AS claims`)).rows[0].claims;
      }),
    );
    // One of the server connections carries the first client's claims to whoever gets it next.
    expect(seen).toContain('{"sub":"leaked"}');
    await Promise.all(clients.map((c) => c.query("RESET ALL; COMMIT")));
    await Promise.all(clients.map((c) => c.end()));
    for (const session of await serverSessions(bouncer, db.url)) expect(session).toMatchObject(CLEAN_SESSION);
  });

  test(`300 concurrent requests of anon, two operators and service_role on ${SERVER_CONNECTIONS} server connections: each runs with its own role and claims`, async () => {
    const approvals = (
      await db.pool.query<{ id: string }>(
        `INSERT INTO "AgentApproval" (id, "conversationId", agent, kind, summary)
         SELECT gen_random_uuid(), 'conv-pooler', 'support-agent', 'send_reply', 'pooler ' || n FROM generate_series(1, 120) n RETURNING id`,
      )
    ).rows.map((r) => r.id);
    const prisma = gw.database.prisma;
    const probeAs = (viewer: Viewer) =>
      withRls(prisma, viewer, async (tx) => {
        const [row] = await tx.$queryRaw<{ user: string; claims: string; pid: number }[]>`
          SELECT current_user::text AS "user", current_setting('request.jwt.claims', true) AS claims, pg_backend_pid() AS pid`;
        pidsSeen.add(row.pid);
        return row;
      });

    type Outcome = { kind: string; ok: boolean; detail: unknown };
    const tasks: (() => Promise<Outcome>)[] = [];
    let decided = 0;
    for (let i = 0; i < 300; i++) {
      switch (i % 6) {
        case 0:
          tasks.push(async () => {
            const res = await gw.gql(`query Anon { viewer { role subject } }`, {}, { role: "anon" });
            return { kind: "anon", ok: res.body.data?.viewer?.role === "anon" && res.body.data.viewer.subject === null, detail: res.body };
          });
          break;
        case 1:
        case 2: {
          // An operator's decision: the database records decidedBy from the transaction's claims (gateway.jwt_subject()).
          const sub = i % 6 === 1 ? "alice" : "bob";
          const id = approvals[decided++];
          tasks.push(async () => {
            const res = await gw.gql(
              `mutation Decide($id: UUID!) { decideAgentApproval(id: $id, decision: APPROVE) { id status decidedBy } }`,
              { id },
              { role: "authenticated", sub },
            );
            const approval = res.body.data?.decideAgentApproval;
            return { kind: sub, ok: approval?.id === id && approval.status === "APPROVED" && approval.decidedBy === sub, detail: res.body };
          });
          break;
        }
        case 3: {
          // service_role, a sub of its own per request: the database stamps requestRole and requestSubject.
          const sub = `svc-${i}`;
          tasks.push(async () => {
            const res = await gw.gql(
              `mutation Log($ref: String!) { logDecision(input: { scope: "pooler", action: "probe", externalRef: $ref }) { requestRole requestSubject } }`,
              { ref: sub },
              { role: "service_role", sub },
            );
            const entry = res.body.data?.logDecision;
            return { kind: "service_role", ok: entry?.requestRole === "service_role" && entry.requestSubject === sub, detail: res.body };
          });
          break;
        }
        case 4:
          tasks.push(async () => {
            // An operator's read, RLS-filtered: operators see the queue, never the vault's audit rows.
            const res = await gw.gql(`query Queue { agentApprovals(first: 3) { edges { node { id } } } }`, {}, { role: "authenticated", sub: "bob" });
            return { kind: "read", ok: res.body.errors === undefined && res.body.data?.agentApprovals?.edges?.length === 3, detail: res.body };
          });
          break;
        case 5: {
          // The same path as every operation (withRls → applyViewer), asked directly: role and claims as the database sees them.
          const viewers: Viewer[] = [
            { role: "anon", subject: null, claims: { role: "anon", probe: i } },
            { role: "authenticated", subject: "alice", claims: { role: "authenticated", sub: "alice", probe: i } },
            { role: "authenticated", subject: "bob", claims: { role: "authenticated", sub: "bob", probe: i } },
            { role: "service_role", subject: null, claims: { role: "service_role", probe: i } },
          ];
          const viewer = viewers[Math.floor(i / 6) % viewers.length];
          tasks.push(async () => {
            const row = await probeAs(viewer);
            return { kind: `probe-${viewer.role}`, ok: row.user === viewer.role && row.claims === JSON.stringify(viewer.claims), detail: row };
          });
          break;
        }
      }
    }

    const outcomes = await inParallel(tasks, CONCURRENCY);
    const wrong = outcomes.filter((o) => !o.ok);
    expect(wrong.slice(0, 3), `${wrong.length} of ${outcomes.length} requests saw the wrong role or claims`).toEqual([]);

    // The database's own record agrees: each decision and each log entry by its caller.
    const { rows: decisions } = await db.pool.query<{ decidedBy: string; requestRole: string; requestSubject: string }>(
      `SELECT a."decidedBy", d."requestRole", d."requestSubject" FROM "AgentApproval" a
       JOIN "DecisionLog" d ON d."externalRef" = a.id::text AND d.action = 'approval.approved' WHERE a."conversationId" = 'conv-pooler'`,
    );
    expect(decisions.length).toBe(decided);
    for (const d of decisions) expect(d).toEqual({ decidedBy: d.requestSubject, requestRole: "authenticated", requestSubject: d.decidedBy });
    expect(new Set(decisions.map((d) => d.decidedBy))).toEqual(new Set(["alice", "bob"]));
    const { rows: logged } = await db.pool.query(
      `SELECT count(*)::int AS n FROM "DecisionLog" WHERE scope = 'pooler' AND "requestSubject" = "externalRef"`,
    );
    expect(logged[0].n).toBe(50);

    // Many clients, few sessions: the work really was spread over PgBouncer's shared server connections.
    expect(pidsSeen.size).toBeGreaterThan(1);
    expect(pidsSeen.size).toBeLessThanOrEqual(SERVER_CONNECTIONS);
    const servers = await bouncer.admin<{ database: string }>("SHOW SERVERS");
    expect(servers.filter((s) => s.database === new URL(db.url).pathname.slice(1)).length).toBeLessThanOrEqual(SERVER_CONNECTIONS);
  });

  test("afterwards no server connection carries a role, claims, a statement timeout or a prepared statement", async () => {
    const sessions = await serverSessions(bouncer, db.url);
    for (const session of sessions) expect(session).toMatchObject(CLEAN_SESSION);
    // Every server connection was looked at, each on its own.
    expect(new Set(sessions.map((s) => s.pid)).size).toBe(SERVER_CONNECTIONS);
  });

  test("a mutation stays all-or-nothing: when its second field fails, nothing of the first is kept", async () => {
    const pending = (
      await db.pool.query<{ id: string }>(
        `INSERT INTO "AgentApproval" (id, "conversationId", agent, kind, summary)
         SELECT gen_random_uuid(), 'conv-atomic', 'support-agent', 'send_reply', 'atomic ' || n FROM generate_series(1, 20) n RETURNING id`,
      )
    ).rows.map((r) => r.id);
    const MISSING = "00000000-0000-4000-8000-0000000000ff";
    // Interleaved with other work, so the failing mutations run on every server connection.
    const tasks: (() => Promise<unknown>)[] = [];
    for (const [i, id] of pending.entries()) {
      tasks.push(() =>
        gw.gql(
          `mutation Two($id: UUID!, $missing: UUID!) { ok: decideAgentApproval(id: $id, decision: REJECT) { id } missing: decideAgentApproval(id: $missing, decision: REJECT) { id } }`,
          { id, missing: MISSING },
          { role: "authenticated", sub: i % 2 ? "alice" : "bob" },
        ),
      );
      tasks.push(() =>
        gw.gql(
          `mutation Both($ref: String!) { first: logDecision(input: { scope: "atomic", action: "kept?", externalRef: $ref }) { id } second: logDecision(input: { scope: "credentials", action: "credential.read", externalRef: $ref }) { id } }`,
          { ref: `atomic-${i}` },
        ),
      );
      tasks.push(() => gw.gql(`query { viewer { role } }`, {}, { role: "anon" }));
    }
    const results = (await inParallel(tasks, CONCURRENCY)) as Awaited<ReturnType<TestGateway["gql"]>>[];
    const mutations = results.filter((_, i) => i % 3 !== 2);
    for (const res of mutations) {
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.length).toBeGreaterThan(0);
    }
    expect(mutations.map((res) => res.body.errors![0].extensions?.code).sort()).toEqual(
      [...Array(20).fill("FORBIDDEN"), ...Array(20).fill("NOT_FOUND")].sort(),
    );
    // Nothing of the failed mutations; each approval keeps only its proposal row, written at submission.
    const { rows } = await db.pool.query(
      `SELECT (SELECT count(*)::int FROM "AgentApproval" WHERE "conversationId" = 'conv-atomic' AND status <> 'pending') AS decided,
              (SELECT count(*)::int FROM "DecisionLog" WHERE scope = 'atomic' OR ("externalRef" = ANY($1) AND action <> 'approval.proposed')) AS logged`,
      [pending],
    );
    expect(rows[0]).toEqual({ decided: 0, logged: 0 });
    for (const session of await serverSessions(bouncer, db.url)) expect(session).toMatchObject(CLEAN_SESSION);
  });

  test("prepared statements: the gateway sends only unnamed ones, so the same queries repeated over every server connection never break", async () => {
    // The hazard, shown: a NAMED statement is prepared on one server connection; PgBouncer 1.18 hands
    // the client another one next time ("prepared statement ... does not exist"). Prisma's adapter-pg
    // names statements only with its statementNameGenerator option, which the gateway does not set.
    const named = new pg.Client({ connectionString: bouncer.url(db.url) });
    await named.connect();
    const probe = { name: "pooler_probe", text: "SELECT pg_backend_pid() AS pid" };
    const preparedOn = (await named.query<{ pid: number }>(probe)).rows[0].pid;
    const holders: pg.Client[] = [];
    let holdsIt: pg.Client | undefined;
    while (!holdsIt && holders.length < SERVER_CONNECTIONS) {
      const holder = new pg.Client({ connectionString: bouncer.url(db.url) });
      await holder.connect();
      holders.push(holder);
      await holder.query("BEGIN");
      if ((await holder.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0].pid === preparedOn) holdsIt = holder;
    }
    expect(holdsIt).toBeDefined();
    for (const holder of holders) if (holder !== holdsIt) await holder.query("COMMIT");
    // With the statement's server connection held, the named statement must run elsewhere.
    await expect(named.query(probe)).rejects.toThrow(/prepared statement "pooler_probe" does not exist/);
    await holdsIt!.query("DEALLOCATE pooler_probe; COMMIT"); // the control's own leftover, on the connection it was prepared on
    await Promise.all([named, ...holders].map((c) => c.end()));

    // The gateway: the same documents 150 times each, 32 at a time, over the same 3 server connections.
    const read = `query Again($first: Int!) { agentApprovals(first: $first) { edges { node { id status } } } decisionLogs(first: 2) { edges { node { id } } } }`;
    const write = `mutation Again($ref: String!) { logDecision(input: { scope: "repeat", action: "again", externalRef: $ref }) { id requestRole } }`;
    const tasks = Array.from({ length: 300 }, (_, i) =>
      i % 2 ? () => gw.gql(read, { first: 2 }, { role: "authenticated", sub: "alice" }) : () => gw.gql(write, { ref: `r-${i}` }),
    );
    const results = await inParallel(tasks, CONCURRENCY);
    const failed = results.filter((r) => r.body.errors !== undefined);
    expect(
      failed.slice(0, 2).map((r) => r.body.errors),
      `${failed.length} of ${results.length} failed`,
    ).toEqual([]);
    for (const session of await serverSessions(bouncer, db.url)) expect(session).toMatchObject(CLEAN_SESSION);
  });
});

describe.skipIf(inject("testDatabase").kind === "pglite")("an operation stopped by its budget behind PgBouncer", () => {
  /** authenticated's budget, and when lateSleep starts its statement within it (as in tests/resilience.test.ts). */
  const BUDGET_MS = 4_000;
  const LATE_START_MS = 3_000;
  // Starts a long statement late in its budget: statement_timeout alone would let it run a whole budget on.
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType<unknown, GatewayContext>({
      name: "Query",
      fields: {
        lateSleep: {
          type: GraphQLString,
          resolve: async (_root, _args, ctx) => {
            await new Promise((resolve) => setTimeout(resolve, LATE_START_MS));
            await ctx.db.$queryRaw`select pg_sleep(60)::text`;
            return "woke";
          },
        },
        whoami: {
          type: GraphQLString,
          resolve: async (_root, _args, ctx) => (await ctx.db.$queryRaw<{ sub: string }[]>`select gateway.jwt_subject() as sub`)[0].sub,
        },
      },
    }),
  });
  let db: TestDatabase;
  let bouncer: PgBouncer;
  let database: Database;
  let gateway: Gateway;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    bouncer = await startPgBouncer({ serverUrl: db.url, poolSize: SERVER_CONNECTIONS });
    const pooled = bouncer.url(db.url);
    const config = {
      ...loadConfig({ DATABASE_URL: pooled, SUPABASE_JWT_SECRET: TEST_JWT_SECRET, AUTHENTICATED_TIMEOUT_MS: String(BUDGET_MS), LOG_LEVEL: "error" }),
      port: 0,
    };
    database = createDatabase(pooled, { ...config.db, poolMax: 4 });
    // This file's own small schema: no catalogue, any document.
    gateway = createGateway({
      config: { ...config, trustedDocuments: "off" },
      database,
      schema,
      logger: createLogger("error"),
      catalogue: NO_CATALOGUE,
    });
    ({ url } = await gateway.listen());
  });
  afterAll(async () => {
    await gateway?.close();
    await database?.close();
    await bouncer?.stop();
    await db?.close();
  });

  const post = async (query: string, sub: string) => {
    const headers = {
      "content-type": "application/json",
      accept: "application/graphql-response+json",
      authorization: `Bearer ${await signDevToken(TEST_JWT_SECRET, "authenticated", { sub, expiresIn: "1h" })}`,
    };
    const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query }) });
    return (await response.json()) as { data?: Record<string, unknown> | null; errors?: Array<{ extensions: Record<string, unknown> }> };
  };

  test("TIMEOUT; the statement is stopped on the server through the pooler (its cancel request and dropped socket), and the pooler serves on, clean", async () => {
    const res = await post("{ lateSleep }", "sleeper");
    expect(res.errors?.[0]?.extensions?.code).toBe("TIMEOUT");
    // The statement began ~1 s before the deadline; statement_timeout alone would end it a whole budget after it began.
    let oldestMs = 0;
    await expect
      .poll(
        async () => {
          const { rows } = await db.pool.query<{ ms: number }>(
            "select (extract(epoch from now() - query_start) * 1000)::int as ms from pg_stat_activity where datname = current_database() and state = 'active' and query like '%pg_sleep(60)%' and pid <> pg_backend_pid()",
          );
          for (const row of rows) oldestMs = Math.max(oldestMs, row.ms);
          return rows.length;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(0);
    expect(oldestMs).toBeLessThan(BUDGET_MS - 1_000);
    // The pooler replaced what was dropped; every later operation runs as its own caller.
    const subs = Array.from({ length: 30 }, (_, i) => `after-${i}`);
    const answers = await inParallel(
      subs.map((sub) => () => post("{ whoami }", sub)),
      10,
    );
    expect(answers.map((a) => a.data?.whoami)).toEqual(subs);
    for (const session of await serverSessions(bouncer, db.url)) expect(session).toMatchObject(CLEAN_SESSION);
  });
});

const QUEUE = `subscription { approvalQueueEvents { event approval { id kind status decidedBy } } }`;
const SUBMIT = `mutation($input: SubmitAgentApprovalInput!) { submitAgentApproval(input: $input) { id } }`;

describe.skipIf(inject("testDatabase").kind === "pglite")("the live queue behind PgBouncer: DATABASE_LISTEN_URL", () => {
  let db: TestDatabase;
  let bouncer: PgBouncer;
  let a: TestGateway;
  let b: TestGateway;
  const open: SseStream[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    bouncer = await startPgBouncer({ serverUrl: db.url, poolSize: SERVER_CONNECTIONS });
    // Both instances query through the pooler and LISTEN on a direct connection.
    a = await startTestGateway({ databaseUrl: bouncer.url(db.url), events: { listenUrl: db.url } });
    b = await startTestGateway({ databaseUrl: bouncer.url(db.url), events: { listenUrl: db.url } });
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await a?.close();
    await b?.close();
    await bouncer?.stop();
    await db?.close();
  });

  test("two instances whose queries go through the pooler: a subscriber on A sees what is submitted and decided on B", async () => {
    expect(a.events?.delivery).toBe("listen");
    expect(b.events?.delivery).toBe("listen");
    const watcher = await openSse(a.url, QUEUE, { authorization: `Bearer ${await a.token("authenticated", "watcher")}` });
    open.push(watcher);
    expect(watcher.status).toBe(200);

    const submitted = await b.gql(SUBMIT, { input: { kind: "send_reply", summary: "Reply", agent: "support-agent", conversationId: "conv-pooled" } });
    const id = submitted.body.data.submitAgentApproval.id as string;
    expect((await watcher.next()).data.approvalQueueEvents).toEqual({
      event: "SUBMITTED",
      approval: { id, kind: "send_reply", status: "PENDING", decidedBy: null },
    });
    const decided = await b.gql(
      `mutation($id: UUID!) { decideAgentApproval(id: $id, decision: APPROVE) { status } }`,
      { id },
      { role: "authenticated", sub: "alice" },
    );
    expect(decided.body.data.decideAgentApproval.status).toBe("APPROVED");
    // The event is re-read through the pooler, as the subscriber.
    expect((await watcher.next()).data.approvalQueueEvents).toEqual({
      event: "DECIDED",
      approval: { id, kind: "send_reply", status: "APPROVED", decidedBy: "alice" },
    });
  });

  test("LISTEN through the transaction pooler hears nothing, silently; the gateway refuses to start on it", async () => {
    // The evidence: LISTEN succeeds through the pooler, the commit's NOTIFY reaches the direct listener
    // only, and PgBouncer drops it ("got packet 'A' from server when not linked").
    const pooled = new pg.Client({ connectionString: bouncer.url(db.url) });
    const direct = new pg.Client({ connectionString: db.url });
    await Promise.all([pooled.connect(), direct.connect()]);
    const heard = { pooled: [] as string[], direct: [] as string[] };
    pooled.on("notification", (m) => heard.pooled.push(m.payload ?? ""));
    direct.on("notification", (m) => heard.direct.push(m.payload ?? ""));
    await pooled.query("LISTEN pooler_evidence");
    await direct.query("LISTEN pooler_evidence");
    await db.pool.query("SELECT pg_notify('pooler_evidence', 'committed')");
    await expect.poll(() => heard.direct, { timeout: 10_000 }).toEqual(["committed"]);
    await pooled.query("SELECT 1"); // anything still queued for this client would come with this answer
    expect(heard.pooled).toEqual([]);
    await Promise.all([pooled.end(), direct.end()]);

    // The gateway checks delivery at start, so this cannot go unnoticed (a revoked agent key would stay cached).
    const error = await startGatewayEvents({ databaseUrl: bouncer.url(db.url), prisma: a.database.prisma, deliveryCheckMs: 1_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ListenDeliveryError);
    expect(describeStartupError(error, { host: "127.0.0.1", port: 4000 })).toMatch(
      /^LISTEN\/NOTIFY does not work on DATABASE_LISTEN_URL .* transaction-mode pooler .* Set DATABASE_LISTEN_URL to a direct or session-mode connection/,
    );
    expect(bouncer.log()).toMatch(/got packet 'A' from server when not linked/);
  });

  test("migrations through the pooler can leave their lock held on a pooled connection: the run says so at once", async () => {
    const url = bouncer.url(db.url);
    // Other clients keep the server connections turning over, as a gateway's traffic would.
    const busy = Array.from({ length: SERVER_CONNECTIONS }, () => new pg.Client({ connectionString: url }));
    await Promise.all(busy.map((c) => c.connect()));
    let running = true;
    const traffic = busy.map(async (c) => {
      while (running) await c.query("SELECT pg_sleep(0.002)");
    });
    let lost: unknown;
    try {
      // A run whose lock and unlock land on one server connection leaves nothing behind; the first one that does not is reported.
      for (let attempt = 0; attempt < 50 && lost === undefined; attempt++) await applyMigrations(url).catch((error: unknown) => (lost = error));
    } finally {
      running = false;
      await Promise.all(traffic);
      await Promise.all(busy.map((c) => c.end()));
    }
    expect(lost).toBeInstanceOf(MigrationError);
    expect((lost as MigrationError).code).toBe("MIGRATION_LOCK_LOST");
    const holders = async () =>
      (
        await db.pool.query<{ pid: number }>(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`, [
          PRISMA_ADVISORY_LOCK_KEY,
        ])
      ).rows;
    const [holder] = await holders();
    expect(holder).toBeDefined();
    expect((lost as Error).message).toContain(`by backend ${holder.pid}; pg_terminate_backend frees it`);
    expect(describeStartupError(lost, { host: "127.0.0.1", port: 4000 })).toMatch(
      /transaction-mode pooler .* set DATABASE_LISTEN_URL .*\[MIGRATION_LOCK_LOST\]\.$/,
    );
    await db.pool.query("SELECT pg_terminate_backend($1)", [holder.pid]);
    // On a session connection (DATABASE_LISTEN_URL) the lock is taken and released by one session.
    await applyMigrations(db.url);
    expect(await holders()).toEqual([]);
  });

  test("npm start: DATABASE_URL through the pooler and DATABASE_LISTEN_URL direct starts; both through the pooler stops with one line", async () => {
    const env = {
      PORT: "0",
      DATABASE_URL: bouncer.url(db.url),
      SUPABASE_JWT_SECRET: TEST_JWT_SECRET,
      CREDS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
    };
    const good = await runEntryPoint({ ...env, DATABASE_LISTEN_URL: db.url }, { until: /HotDash Gateway is running|Cannot start/ });
    await good.stop();
    expect(good.stdout + good.stderr).toContain("HotDash Gateway is running");

    const bad = await runEntryPoint(env);
    // A lock left on a pooled connection by that run would hold up later migrations on this database.
    await db.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted AND pid <> pg_backend_pid()`,
      [PRISMA_ADVISORY_LOCK_KEY],
    );
    expect(bad.code).toBe(1);
    // Usually the delivery check; the migrations before it stop first when their lock was released on another server connection.
    expect(bad.stderr).toMatch(
      /^Cannot start: (LISTEN\/NOTIFY does not work on DATABASE_LISTEN_URL \(default DATABASE_URL\)|The migration lock was released on another database session)/m,
    );
    expect(bad.stderr + bad.stdout).not.toContain(db.url);
  }, 120_000); // two starts of the real entry point, one waiting out the 5 s delivery check
});

describe("DATABASE_LISTEN_URL configuration", () => {
  const base = { SUPABASE_JWT_SECRET: TEST_JWT_SECRET };
  const problems = configProblems;

  test("defaults to DATABASE_URL; set, it is the session URL for LISTEN and the migrations (npm start and scripts/db.ts)", () => {
    const pooled = "postgres://app:pw@pooler.example:6543/postgres";
    const direct = "postgres://app:pw@db.example:5432/postgres";
    expect(loadConfig({ ...base, DATABASE_URL: pooled }).databaseListenUrl).toBe(pooled);
    expect(loadConfig({ ...base, DATABASE_URL: pooled, DATABASE_LISTEN_URL: direct }).databaseListenUrl).toBe(direct);
    expect(loadConfig({}).databaseListenUrl).toBeNull();
    expect(databaseLocation({ DATABASE_URL: pooled, DATABASE_LISTEN_URL: direct }).sessionDatabaseUrl).toBe(direct);
    expect(databaseLocation({ DATABASE_URL: pooled }).sessionDatabaseUrl).toBe(pooled);
    expect(databaseLocation({}).sessionDatabaseUrl).toBeNull();
  });

  test("a malformed value is one problem that does not echo it; without DATABASE_URL it is refused", () => {
    const secret = "not-a-url-with-password-s3cret";
    const found = problems({ ...base, DATABASE_URL: "postgres://app:pw@db.example/postgres", DATABASE_LISTEN_URL: secret });
    expect(found).toEqual(["DATABASE_LISTEN_URL: must be a postgres:// or postgresql:// connection URL (a direct or session-mode connection)"]);
    expect(problems({ DATABASE_LISTEN_URL: "postgres://app:pw@db.example/postgres" })).toEqual([
      "DATABASE_LISTEN_URL: needs DATABASE_URL (the embedded database is one session already); set DATABASE_URL or remove it",
    ]);
  });

  test("a start-up failure on it names DATABASE_LISTEN_URL, never the URL", () => {
    const url = "postgres://app:s3cret@db.example:5432/postgres";
    const line = describeStartupError(Object.assign(new Error("password authentication failed"), { code: "28P01" }), {
      host: "127.0.0.1",
      port: 4000,
      databaseUrl: url,
      databaseUrlName: "DATABASE_LISTEN_URL",
    });
    expect(line).toBe('PostgreSQL at db.example:5432 rejected the password for user "app". Fix the user name or password in DATABASE_LISTEN_URL.');
  });
});
