// The human-in-the-loop approval queue through the real gateway: agents submit, operators list and
// decide exactly once (even concurrently), deadlines expire items, every decision leaves exactly one
// audit row that commits or rolls back with it, and the database holds the same line for writes that
// bypass the gateway.
import { describe, expect, test } from "vitest";
import { signDevToken } from "../src/context/auth.ts";
import { ROUTINES, canExecute, type RoutineName } from "../src/auth/policy.ts";
import { firstError, useTestGateway, TEST_JWT_SECRET, type TestGateway } from "./support/gateway.ts";
import type { TestDatabase } from "./support/test-database.ts";
import { sqlAs, sqlState } from "./support/sql-as.ts";

let db: TestDatabase;
let gw: TestGateway;

useTestGateway(
  (database, gateway) => {
    db = database;
    gw = gateway;
  },
  { poolMax: 10 },
);

const APPROVAL_FIELDS = `id kind summary payload agent conversationId status expiresAt decidedBy decidedAt decisionNote ageSeconds createdAt`;

let counter = 0;
async function submit(input: Record<string, unknown> = {}) {
  counter++;
  const res = await gw.gql(
    `mutation($input: SubmitAgentApprovalInput!) { submitAgentApproval(input: $input) { ${APPROVAL_FIELDS} } }`,
    {
      input: {
        kind: "send_reply",
        summary: `Reply to customer #${counter}`,
        payload: { draft: `hello ${counter}` },
        agent: "support-agent",
        conversationId: `conv-${counter}`,
        ...input,
      },
    },
    { role: "service_role" },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data.submitAgentApproval;
}

const DECIDE = `mutation($id: UUID!, $decision: AgentApprovalDecision!, $note: String) {
  decideAgentApproval(id: $id, decision: $decision, note: $note) { id status decidedBy decidedAt decisionNote auditTrail { actor action rationale payload requestRole requestSubject system } }
}`;
const decide = (id: string, decision: "APPROVE" | "REJECT", sub = "alice", note?: string) =>
  gw.gql(DECIDE, { id, decision, note }, { role: "authenticated", sub });

/** The approval's transition rows (the decision, expiry or withdrawal); its proposal row (approval.proposed, at INSERT) aside. */
async function auditRows(id: string) {
  const { rows } = await db.pool.query(
    `SELECT actor, action, rationale, payload FROM "DecisionLog" WHERE "externalRef" = $1 AND action <> 'approval.proposed' ORDER BY "createdAt"`,
    [id],
  );
  return rows;
}

/** Inserts an approval directly (as the migration owner), e.g. one whose deadline has already passed. */
async function insertApproval(values: { createdAt?: string; expiresAt?: string | null; kind?: string; agent?: string } = {}) {
  const { rows } = await db.pool.query(
    `INSERT INTO "AgentApproval" ("conversationId", agent, kind, summary, payload, "createdAt", "expiresAt")
     VALUES ('conv-direct', $1, $2, 'Direct', '{"n":1}', coalesce($3::timestamptz, now()), $4::timestamptz) RETURNING id`,
    [values.agent ?? "inventory-agent", values.kind ?? "update_inventory", values.createdAt ?? null, values.expiresAt ?? null],
  );
  return rows[0].id as string;
}

describe("submitting and deciding", () => {
  test("an agent submits; operators see it pending; one decision records who, when and why, with exactly one audit entry", async () => {
    const approval = await submit({ kind: "refund", summary: "Refund order #1001 ($25)", payload: { orderId: 1001, amountCents: 2500 } });
    expect(approval).toMatchObject({
      kind: "refund",
      status: "PENDING",
      decidedBy: null,
      decidedAt: null,
      payload: { orderId: 1001, amountCents: 2500 },
    });

    const seen = await gw.gql(`query($id: UUID!) { agentApproval(id: $id) { id status summary } }`, { id: approval.id }, { role: "authenticated" });
    expect(seen.body.data.agentApproval).toEqual({ id: approval.id, status: "PENDING", summary: "Refund order #1001 ($25)" });

    const decided = await decide(approval.id, "APPROVE", "alice", "  customer is a regular  ");
    expect(decided.body.errors).toBeUndefined();
    const result = decided.body.data.decideAgentApproval;
    expect(result).toMatchObject({ status: "APPROVED", decidedBy: "alice", decisionNote: "customer is a regular" });
    expect(Math.abs(Date.parse(result.decidedAt) - Date.now())).toBeLessThan(60_000);
    // The proposal (written at submission, actor = the submitting token's sub), then the decision.
    expect(result.auditTrail).toHaveLength(2);
    expect(result.auditTrail[0]).toMatchObject({
      action: "approval.proposed",
      actor: "service_role-user",
      payload: { from: null, to: "pending" },
      system: true,
    });
    expect(result.auditTrail[1]).toMatchObject({
      actor: "alice",
      action: "approval.approved",
      rationale: "customer is a regular",
      payload: {
        approvalId: approval.id,
        from: "pending",
        to: "approved",
        kind: "refund",
        payload: { orderId: 1001, amountCents: 2500 },
        requestRole: "authenticated",
        requestSubject: "alice",
      },
      // Stamped by the database from the request, not from anything the caller sent.
      requestRole: "authenticated",
      requestSubject: "alice",
      system: true,
    });
    expect(await auditRows(approval.id)).toHaveLength(1);
  });

  test("a second decision gets CONFLICT naming the first one, and changes nothing", async () => {
    const { id } = await submit();
    expect((await decide(id, "REJECT", "alice", "wrong tone")).body.errors).toBeUndefined();

    const again = await decide(id, "APPROVE", "bob");
    expect(again.body.data).toBeNull();
    expect(firstError(again).extensions).toMatchObject({ code: "CONFLICT", reason: "ALREADY_DECIDED", status: "REJECTED", decidedBy: "alice" });
    expect(firstError(again).message).toMatch(/already decided: it is rejected/);

    const row = await gw.gql(`query($id: UUID!) { agentApproval(id: $id) { status decidedBy decisionNote } }`, { id }, { role: "authenticated" });
    expect(row.body.data.agentApproval).toEqual({ status: "REJECTED", decidedBy: "alice", decisionNote: "wrong tone" });
    expect(await auditRows(id)).toHaveLength(1);
  });

  test("of many simultaneous decisions exactly one wins; the others get CONFLICT; one audit row", async () => {
    const { id } = await submit();
    const operators = ["ann", "ben", "cat", "dan", "eve", "fay"];
    const results = await Promise.all(operators.map((sub, i) => decide(id, i % 2 ? "REJECT" : "APPROVE", sub)));

    const winners = results.filter((r) => !r.body.errors);
    const losers = results.filter((r) => r.body.errors);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(operators.length - 1);
    for (const loser of losers) expect(firstError(loser).extensions).toMatchObject({ code: "CONFLICT", reason: "ALREADY_DECIDED" });

    const winner = winners[0].body.data.decideAgentApproval;
    const audit = await auditRows(id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: winner.decidedBy, action: `approval.${winner.status.toLowerCase()}` });
  });

  test("unknown ids are NOT_FOUND; bad input is BAD_USER_INPUT naming the field", async () => {
    const missing = await decide("00000000-0000-4000-8000-000000000000", "APPROVE");
    expect(firstError(missing).extensions).toMatchObject({ code: "NOT_FOUND", id: "00000000-0000-4000-8000-000000000000" });

    const { id } = await submit();
    const longNote = await decide(id, "APPROVE", "alice", "x".repeat(4001));
    expect(firstError(longNote).extensions.code).toBe("BAD_USER_INPUT");
    expect(firstError(longNote).message).toMatch(/^note: must be at most 4000 characters/);

    const bad = await gw.gql(`mutation($input: SubmitAgentApprovalInput!) { submitAgentApproval(input: $input) { id } }`, {
      input: { kind: " ", summary: "s", agent: "a", conversationId: "c", payload: [1, 2], expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    expect(firstError(bad).extensions.code).toBe("BAD_USER_INPUT");
    const fields = firstError(bad).extensions.issues.map((i: { field: string }) => i.field);
    expect(fields).toEqual(expect.arrayContaining(["input.kind", "input.payload", "input.expiresAt"]));

    const noRun = await gw.gql(`mutation($input: SubmitAgentApprovalInput!) { submitAgentApproval(input: $input) { id } }`, {
      input: { kind: "k", summary: "s", agent: "a", conversationId: "c", runId: "00000000-0000-4000-8000-000000000001" },
    });
    expect(firstError(noRun)).toMatchObject({
      message: expect.stringMatching(/^input\.runId: no agent run/),
      extensions: { code: "BAD_USER_INPUT" },
    });
  });

  // D5: an agent's own service_role token (whatever sub it carries) submits, never decides.
  test("service_role may not decide, not even with an operator's sub: FORBIDDEN, and the approval stays pending", async () => {
    const { id } = await submit({ summary: "Refund $5000" });
    for (const token of [
      await signDevToken(TEST_JWT_SECRET, "service_role"),
      await signDevToken(TEST_JWT_SECRET, "service_role", { sub: "alice" }),
    ]) {
      const res = await gw.gql(DECIDE, { id, decision: "APPROVE" }, { authorization: `Bearer ${token}` });
      expect(res.body.data?.decideAgentApproval ?? null).toBeNull();
      expect(firstError(res).extensions.code).toBe("FORBIDDEN");
    }
    const { rows } = await db.pool.query(`SELECT status, "decidedBy" FROM "AgentApproval" WHERE id = $1`, [id]);
    expect(rows[0]).toEqual({ status: "pending", decidedBy: null });
    expect(await auditRows(id)).toHaveLength(0);
  });
});

describe("the audit row commits or rolls back with the decision", () => {
  test("a decision in a mutation that fails as a whole leaves the approval pending and no audit row", async () => {
    const { id } = await submit();
    const res = await gw.gql(
      `mutation($id: UUID!) {
        ok: decideAgentApproval(id: $id, decision: APPROVE) { id status }
        missing: decideAgentApproval(id: "00000000-0000-4000-8000-0000000000ff", decision: APPROVE) { id }
      }`,
      { id },
      { role: "authenticated", sub: "alice" },
    );
    expect(res.body.data).toBeNull();
    expect(res.body.errors!.map((e) => e.extensions?.code)).toContain("NOT_FOUND");
    expect(await auditRows(id)).toHaveLength(0);
    const { rows } = await db.pool.query(`SELECT status FROM "AgentApproval" WHERE id = $1`, [id]);
    expect(rows[0].status).toBe("pending");

    // The same decision on its own commits, with exactly one audit row.
    expect((await decide(id, "APPROVE")).body.data.decideAgentApproval.status).toBe("APPROVED");
    expect(await auditRows(id)).toHaveLength(1);
  });

  test("the database function alone: ROLLBACK leaves nothing, COMMIT leaves exactly one row", async () => {
    const id = await insertApproval();
    const client = await db.pool.connect();
    try {
      const asOperator = `SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"sub":"olga"}', true)`;
      await client.query("BEGIN");
      await client.query(asOperator);
      await client.query(`SELECT gateway.decide_agent_approval($1, 'approve', 'first try')`, [id]);
      await client.query("ROLLBACK");
      expect(await auditRows(id)).toHaveLength(0);

      await client.query("BEGIN");
      await client.query(asOperator);
      await client.query(`SELECT gateway.decide_agent_approval($1, 'reject', 'second try')`, [id]);
      await client.query("COMMIT");
      expect(await auditRows(id)).toEqual([expect.objectContaining({ actor: "olga", action: "approval.rejected", rationale: "second try" })]);
    } finally {
      client.release();
    }
  });
});

describe("deadlines", () => {
  test("past its deadline an item reads EXPIRED, cannot be decided, and the sweep records it once", async () => {
    const id = await insertApproval({
      createdAt: new Date(Date.now() - 3_600_000).toISOString(),
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    });
    const alive = await insertApproval({ expiresAt: new Date(Date.now() + 3_600_000).toISOString() });

    const read = await gw.gql(`query($id: UUID!) { agentApproval(id: $id) { status } }`, { id }, { role: "authenticated" });
    expect(read.body.data.agentApproval.status).toBe("EXPIRED");
    const pending = await gw.gql(
      `{ agentApprovals(filter: { statuses: [PENDING], agents: ["inventory-agent"] }) { edges { node { id } } } }`,
      {},
      { role: "authenticated" },
    );
    const pendingIds = pending.body.data.agentApprovals.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(pendingIds).toContain(alive);
    expect(pendingIds).not.toContain(id);
    const expired = await gw.gql(`{ agentApprovals(filter: { statuses: [EXPIRED] }) { edges { node { id } } } }`, {}, { role: "authenticated" });
    expect(expired.body.data.agentApprovals.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(id);

    const late = await decide(id, "APPROVE");
    expect(firstError(late).extensions).toMatchObject({ code: "CONFLICT", reason: "EXPIRED", status: "EXPIRED" });
    expect(await auditRows(id)).toHaveLength(0);

    const swept = await gw.gql(`mutation { expireAgentApprovals { expired } }`);
    expect(swept.body.data.expireAgentApprovals.expired).toBeGreaterThanOrEqual(1);
    const again = await gw.gql(`mutation { expireAgentApprovals { expired } }`);
    expect(again.body.data.expireAgentApprovals.expired).toBe(0);

    const { rows } = await db.pool.query(`SELECT status, "decidedAt" = "expiresAt" AS at_deadline, "decidedBy" FROM "AgentApproval" WHERE id = $1`, [
      id,
    ]);
    expect(rows[0]).toEqual({ status: "expired", at_deadline: true, decidedBy: null });
    expect(await auditRows(id)).toEqual([expect.objectContaining({ actor: "system:expiry", action: "approval.expired" })]);
    const { rows: aliveRow } = await db.pool.query(`SELECT status FROM "AgentApproval" WHERE id = $1`, [alive]);
    expect(aliveRow[0].status).toBe("pending");
  });
});

describe("the database enforces the state machine for every writer", () => {
  const asRole = (role: string, claims: object, sql: string, params: unknown[] = []) => sqlAs(db.pool, role, claims, sql, params);

  test("service_role cannot reopen, re-decide or edit a decided approval, nor create a decided one", async () => {
    const { id } = await submit({ payload: { amount: 1 } });
    await decide(id, "APPROVE");
    const sr = (sql: string) => sqlState(asRole("service_role", { role: "service_role" }, sql, [id]));
    expect(await sr(`UPDATE "AgentApproval" SET status = 'pending', "decidedBy" = NULL, "decidedAt" = NULL WHERE id = $1`)).toBe("HDA09");
    expect(await sr(`UPDATE "AgentApproval" SET status = 'rejected' WHERE id = $1`)).toBe("HDA09");
    expect(await sr(`UPDATE "AgentApproval" SET "decisionNote" = 'rewritten' WHERE id = $1`)).toBe("HDA09");
    expect(await sr(`UPDATE "AgentApproval" SET payload = '{"amount": 1000}' WHERE id = $1`)).toBe("23514");
    expect(
      await sqlState(
        asRole(
          "service_role",
          {},
          `INSERT INTO "AgentApproval" ("conversationId", agent, kind, summary, status, "decidedBy", "decidedAt") VALUES ('c', 'a', 'k', 's', 'approved', 'x', now())`,
        ),
      ),
    ).toBe("23514");
    expect(await auditRows(id)).toHaveLength(1);
  });

  test("what is pending cannot change under the operator's eyes, and approving past the deadline is refused", async () => {
    const { id } = await submit({ payload: { amount: 1 } });
    expect(await sqlState(asRole("service_role", {}, `UPDATE "AgentApproval" SET summary = 'something else' WHERE id = $1`, [id]))).toBe("23514");
    const late = await insertApproval({
      createdAt: new Date(Date.now() - 7_200_000).toISOString(),
      expiresAt: new Date(Date.now() - 3_600_000).toISOString(),
    });
    // Even the table owner (who may write decided rows, e.g. the demo seeder) cannot approve past the deadline.
    expect(
      await sqlState(db.pool.query(`UPDATE "AgentApproval" SET status = 'approved', "decidedBy" = 'x', "decidedAt" = now() WHERE id = $1`, [late])),
    ).toBe("HDA10");
  });

  // D5 at the database: a direct UPDATE is no way around the decision function for any API role.
  test("no API role decides by a direct UPDATE; an agent may still withdraw its item, which the trigger audits", async () => {
    const { id } = await submit();
    const update = `UPDATE "AgentApproval" SET status = 'approved', "decidedBy" = 'ops-script', "decidedAt" = now() WHERE id = $1`;
    expect(await sqlState(asRole("service_role", { role: "service_role", sub: "alice" }, update, [id]))).toBe("42501");
    expect(await auditRows(id)).toHaveLength(0);

    await asRole("service_role", { role: "service_role", sub: "support-agent" }, `UPDATE "AgentApproval" SET status = 'expired' WHERE id = $1`, [id]);
    const { rows } = await db.pool.query(`SELECT status, "decidedAt" > now() - interval '1 minute' AS fresh FROM "AgentApproval" WHERE id = $1`, [
      id,
    ]);
    expect(rows[0]).toEqual({ status: "expired", fresh: true });
    expect(await auditRows(id)).toEqual([
      expect.objectContaining({
        actor: "system:expiry",
        action: "approval.expired",
        payload: expect.objectContaining({ requestRole: "service_role", requestSubject: "support-agent" }),
      }),
    ]);
  });

  test("operators cannot UPDATE the table or execute the sweep; anon cannot execute anything; an operator needs a sub", async () => {
    const { id } = await submit();
    expect(
      await sqlState(
        asRole(
          "authenticated",
          { sub: "mallory" },
          `UPDATE "AgentApproval" SET status = 'approved', "decidedBy" = 'mallory', "decidedAt" = now() WHERE id = $1`,
          [id],
        ),
      ),
    ).toBe("42501");
    expect(
      await sqlState(
        asRole(
          "authenticated",
          { sub: "mallory" },
          `INSERT INTO "DecisionLog" (scope, actor, action) VALUES ('agent_approval', 'mallory', 'approval.approved')`,
        ),
      ),
    ).toBe("42501");
    expect(await sqlState(asRole("authenticated", { sub: "mallory" }, `SELECT gateway.expire_agent_approvals()`))).toBe("42501");
    expect(await sqlState(asRole("anon", {}, `SELECT gateway.decide_agent_approval($1, 'approve', NULL)`, [id]))).toBe("42501");
    expect(await sqlState(asRole("authenticated", {}, `SELECT gateway.decide_agent_approval($1, 'approve', NULL)`, [id]))).toBe("42501");
    expect(
      await sqlState(
        asRole("service_role", { role: "service_role", sub: "alice" }, `SELECT gateway.decide_agent_approval($1, 'approve', NULL)`, [id]),
      ),
    ).toBe("42501");
    expect(await auditRows(id)).toHaveLength(0);
  });

  test("ROUTINES in the policy table match the database's EXECUTE grants", async () => {
    for (const [name, routine] of Object.entries(ROUTINES)) {
      for (const role of ["anon", "authenticated", "service_role"] as const) {
        const { rows } = await db.pool.query(`SELECT has_function_privilege($1, $2, 'EXECUTE') AS allowed`, [role, routine.signature]);
        expect({ name, role, allowed: rows[0].allowed }).toEqual({ name, role, allowed: canExecute(role, name as RoutineName) });
      }
    }
  });
});

describe("roles that may not", () => {
  test("anon: UNAUTHENTICATED for the queue, decisions and the sweep", async () => {
    const { id } = await submit();
    for (const [query, variables] of [
      [`{ agentApprovals { totalCount } }`, {}],
      [`query($id: UUID!) { agentApproval(id: $id) { id } }`, { id }],
      [`{ agentApprovalQueueStats { pending } }`, {}],
      [DECIDE, { id, decision: "APPROVE" }],
      [`mutation { expireAgentApprovals { expired } }`, {}],
    ] as const) {
      const res = await gw.gql(query, variables, { role: "anon" });
      expect(res.body.errors?.[0]?.extensions?.code, query).toBe("UNAUTHENTICATED");
    }
    expect(await auditRows(id)).toHaveLength(0);
  });

  test("authenticated: FORBIDDEN to submit or sweep; a token without sub may not decide", async () => {
    const submitted = await gw.gql(
      `mutation { submitAgentApproval(input: { kind: "k", summary: "s", agent: "a", conversationId: "c" }) { id } }`,
      {},
      { role: "authenticated" },
    );
    expect(firstError(submitted).extensions.code).toBe("FORBIDDEN");
    const swept = await gw.gql(`mutation { expireAgentApprovals { expired } }`, {}, { role: "authenticated" });
    expect(firstError(swept).extensions.code).toBe("FORBIDDEN");

    const { id } = await submit();
    const token = await signDevToken(TEST_JWT_SECRET, "authenticated");
    const anonymous = await gw.gql(DECIDE, { id, decision: "APPROVE" }, { authorization: `Bearer ${token}` });
    expect(firstError(anonymous).extensions.code).toBe("FORBIDDEN");
    expect(await auditRows(id)).toHaveLength(0);
  });
});

describe("the queue", () => {
  test("filters by status, kind, agent, conversation and age; oldest first by default; stats agree", async () => {
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const old = await insertApproval({ createdAt: hourAgo, kind: "queue_test", agent: "queue-agent" });
    const fresh = await insertApproval({ kind: "queue_test", agent: "queue-agent" });
    const other = await insertApproval({ kind: "queue_other", agent: "queue-agent" });
    await decide(other, "REJECT");

    const list = await gw.gql(
      `query($f: AgentApprovalFilter, $o: AgentApprovalOrder) { agentApprovals(filter: $f, orderBy: $o) { totalCount edges { node { id status ageSeconds } } } }`,
      { f: { kinds: ["queue_test"], statuses: ["PENDING"] } },
      { role: "authenticated" },
    );
    expect(list.body.data.agentApprovals.totalCount).toBe(2);
    expect(list.body.data.agentApprovals.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([old, fresh]);
    expect(list.body.data.agentApprovals.edges[0].node.ageSeconds).toBeGreaterThanOrEqual(3_599);

    const newestFirst = await gw.gql(
      `query($f: AgentApprovalFilter, $o: AgentApprovalOrder) { agentApprovals(filter: $f, orderBy: $o) { edges { node { id } } } }`,
      { f: { kinds: ["queue_test"] }, o: { field: "CREATED_AT", direction: "DESC" } },
      { role: "authenticated" },
    );
    expect(newestFirst.body.data.agentApprovals.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([fresh, old]);

    const aged = await gw.gql(
      `{ agentApprovals(filter: { agents: ["queue-agent"], olderThanSeconds: 600 }) { edges { node { id } } } }`,
      {},
      { role: "authenticated" },
    );
    expect(aged.body.data.agentApprovals.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([old]);

    const rejected = await gw.gql(
      `{ agentApprovals(filter: { agents: ["queue-agent"], statuses: [REJECTED, APPROVED] }) { edges { node { id status } } } }`,
      {},
      { role: "authenticated" },
    );
    expect(rejected.body.data.agentApprovals.edges).toEqual([{ node: { id: other, status: "REJECTED" } }]);

    const stats = await gw.gql(
      `{ agentApprovalQueueStats(agents: ["queue-agent"]) { pending approved rejected expired oldestPendingAt oldestPendingAgeSeconds } }`,
      {},
      { role: "authenticated" },
    );
    expect(stats.body.data.agentApprovalQueueStats).toMatchObject({ pending: 2, approved: 0, rejected: 1, expired: 0, oldestPendingAt: hourAgo });
    expect(stats.body.data.agentApprovalQueueStats.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(3_599);
  });
});
