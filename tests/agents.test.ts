// Agent logs and the learning loop through the real gateway: runs with their quality checks and LLM
// calls written in batches (constant statements however many rows), feedback linked to what it is
// about, operators annotating as themselves, and the agent internals hidden from operators at both
// layers (GraphQL and the database).
import { describe, expect, test } from "vitest";
import { firstError, useTestGateway, type TestGateway } from "./support/gateway.ts";
import type { TestDatabase } from "./support/test-database.ts";

let db: TestDatabase;
let gw: TestGateway;

useTestGateway((database, gateway) => {
  db = database;
  gw = gateway;
});

const call = (i: number, extra: Record<string, unknown> = {}) => ({
  conversationId: "conv-runs",
  model: "gpt-4o-mini",
  prompt: `prompt ${i}`,
  response: { text: `answer ${i}` },
  tokensInput: 100 + i,
  tokensOutput: 10 + i,
  latencyMs: 250,
  costUsd: "0.001",
  ...extra,
});

const RECORD_RUN = `mutation($input: RecordAgentRunInput!) {
  recordAgentRun(input: $input) {
    id agentName endedAt resolution tokensInput costUsd
    qcChecks { qualityScore checker }
    queries { prompt model tokensInput outcome response }
  }
}`;

/** Statements the gateway sent to PostgreSQL while `fn` ran (BEGIN, set_config and COMMIT included). */
async function statements<T>(fn: () => Promise<T>): Promise<{ result: T; count: number }> {
  const before = gw.database.statementCount();
  const result = await fn();
  return { result, count: gw.database.statementCount() - before };
}

describe("agent runs, quality checks and LLM calls", () => {
  test("a run with its checks and calls is recorded in a constant number of statements", async () => {
    const record = (n: number) =>
      statements(() =>
        gw.gql(RECORD_RUN, {
          input: {
            agentName: "support-agent",
            inputKind: "email",
            slaTargetSeconds: 60,
            qcChecks: Array.from({ length: n }, (_, i) => ({ qualityScore: 1 + (i % 5), checker: "grader" })),
            queries: Array.from({ length: n }, (_, i) => call(i)),
          },
        }),
      );
    const small = await record(2);
    const large = await record(40);
    expect(small.result.body.errors).toBeUndefined();
    const run = large.result.body.data.recordAgentRun;
    expect(run).toMatchObject({ agentName: "support-agent", endedAt: null, resolution: null });
    expect(run.qcChecks).toHaveLength(40);
    expect(run.queries).toHaveLength(40);
    expect(run.queries.find((q: { prompt: string }) => q.prompt === "prompt 3")).toEqual({
      prompt: "prompt 3",
      model: "gpt-4o-mini",
      tokensInput: 103,
      outcome: "SUCCESS",
      response: { text: "answer 3" },
    });
    expect(large.count).toBe(small.count);
  });

  test("finishing a run sums tokens and cost from its calls unless given; a run finishes once", async () => {
    const created = await gw.gql(RECORD_RUN, { input: { agentName: "ops-agent", queries: [call(0), call(1), call(2, { costUsd: "0.5" })] } });
    const id = created.body.data.recordAgentRun.id;
    const finish = (input: Record<string, unknown>) =>
      gw.gql(
        `mutation($id: UUID!, $input: FinishAgentRunInput!) { finishAgentRun(id: $id, input: $input) { resolution endedAt durationSeconds tokensInput tokensOutput costUsd selfCorrected } }`,
        { id, input },
      );
    const done = await finish({ resolution: "RESOLVED", tokensOutput: 7, selfCorrected: true });
    expect(done.body.data.finishAgentRun).toMatchObject({
      resolution: "RESOLVED",
      tokensInput: 303,
      tokensOutput: 7,
      costUsd: "0.502",
      selfCorrected: true,
    });
    expect(done.body.data.finishAgentRun.durationSeconds).toBeGreaterThanOrEqual(0);

    const again = await finish({ resolution: "FAILED" });
    expect(firstError(again).extensions).toMatchObject({ code: "CONFLICT", reason: "ALREADY_FINISHED" });
    const missing = await gw.gql(`mutation { finishAgentRun(id: "00000000-0000-4000-8000-000000000000", input: { resolution: FAILED }) { id } }`);
    expect(firstError(missing).extensions.code).toBe("NOT_FOUND");
  });

  test("quality checks and LLM calls are written in batches, returned in input order, and listed with filters", async () => {
    const run = (await gw.gql(RECORD_RUN, { input: { agentName: "batch-agent" } })).body.data.recordAgentRun.id;
    const checks = await statements(() =>
      gw.gql(`mutation($input: RecordAgentQcChecksInput!) { recordAgentQcChecks(input: $input) { qualityScore notes run { id } } }`, {
        input: { checks: [5, 3, 4].map((qualityScore) => ({ runId: run, qualityScore, notes: `score ${qualityScore}` })) },
      }),
    );
    expect(checks.result.body.data.recordAgentQcChecks).toEqual([5, 3, 4].map((s) => ({ qualityScore: s, notes: `score ${s}`, run: { id: run } })));

    const calls = Array.from({ length: 30 }, (_, i) => ({
      ...call(i),
      agent: "batch-agent",
      runId: run,
      outcome: i % 10 === 0 ? "ERROR" : "SUCCESS",
    }));
    const written = await statements(() =>
      gw.gql(`mutation($input: RecordAgentQueriesInput!) { recordAgentQueries(input: $input) { prompt outcome } }`, { input: { queries: calls } }),
    );
    expect(written.result.body.data.recordAgentQueries.map((q: { prompt: string }) => q.prompt)).toEqual(calls.map((c) => c.prompt));
    // BEGIN, role switch, one INSERT, one SELECT (plus Prisma's COMMIT): not one statement per row.
    expect(written.count).toBeLessThanOrEqual(checks.count + 1);

    const errors = await gw.gql(`query($run: UUID!) { agentQueries(filter: { runId: $run, outcomes: [ERROR] }) { totalCount } }`, { run });
    expect(errors.body.data.agentQueries.totalCount).toBe(3);
    const runs = await gw.gql(
      `{ agentRuns(filter: { agentNames: ["batch-agent"], running: true }) { edges { node { id queries { id } qcChecks { qualityScore } } } } }`,
    );
    expect(runs.body.data.agentRuns.edges).toHaveLength(1);
    expect(runs.body.data.agentRuns.edges[0].node.queries).toHaveLength(30);
  });

  test("listing runs with their calls does not go N+1", async () => {
    const list = (first: number) =>
      statements(() =>
        gw.gql(`query($n: Int) { agentRuns(first: $n) { edges { node { id qcChecks { id } queries { id feedback { id } } approvals { id } } } } }`, {
          n: first,
        }),
      );
    const one = await list(1);
    const many = await list(20);
    expect(many.result.body.errors).toBeUndefined();
    expect(many.result.body.data.agentRuns.edges.length).toBeGreaterThan(1);
    expect(many.count).toBe(one.count);
  });

  test("invalid batches are refused whole, naming the row and field", async () => {
    const before = await db.pool.query(`SELECT count(*)::int AS n FROM "AgentQuery"`);
    const res = await gw.gql(`mutation($input: RecordAgentQueriesInput!) { recordAgentQueries(input: $input) { id } }`, {
      input: {
        queries: [
          { ...call(0), agent: "x" },
          { ...call(1), agent: "x", tokensInput: -1 },
          { ...call(2), agent: "x", prompt: null },
        ],
      },
    });
    expect(firstError(res).extensions.code).toBe("BAD_USER_INPUT");
    expect(firstError(res).extensions.issues).toEqual(
      expect.arrayContaining([
        { field: "input.queries[1].tokensInput", rule: "must be ≥ 0" },
        { field: "input.queries[2].prompt", rule: "give prompt, promptDigest or both" },
      ]),
    );
    const after = await db.pool.query(`SELECT count(*)::int AS n FROM "AgentQuery"`);
    expect(after.rows[0].n).toBe(before.rows[0].n);

    const badRun = await gw.gql(
      `mutation { recordAgentQcChecks(input: { checks: [{ runId: "00000000-0000-4000-8000-000000000000", qualityScore: 3 }] }) { id } }`,
    );
    expect(firstError(badRun).extensions.code).toBe("BAD_USER_INPUT");
  });
});

describe("feedback", () => {
  async function approval() {
    const res = await gw.gql(
      `mutation { submitAgentApproval(input: { kind: "send_reply", summary: "Reply", agent: "support-agent", conversationId: "conv-fb" }) { id } }`,
    );
    return res.body.data.submitAgentApproval.id as string;
  }
  const SUBMIT = `mutation($input: SubmitAgentFeedbackInput!) {
    submitAgentFeedback(input: $input) { id conversationId annotator rating labels rubric approval { id } query { id } }
  }`;

  test("operators rate an approval as themselves; it shows on the approval and agents read it back", async () => {
    const approvalId = await approval();
    const res = await gw.gql(
      SUBMIT,
      { input: { approvalId, rating: 2, labels: ["tone", "too-long"], rubric: { tone: 2 }, notes: "too formal" } },
      { role: "authenticated", sub: "alice" },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.submitAgentFeedback).toMatchObject({
      conversationId: "conv-fb",
      annotator: "alice",
      rating: 2,
      labels: ["tone", "too-long"],
      approval: { id: approvalId },
      query: null,
    });

    const onApproval = await gw.gql(
      `query($id: UUID!) { agentApproval(id: $id) { feedback { annotator rating } } }`,
      { id: approvalId },
      { role: "authenticated" },
    );
    expect(onApproval.body.data.agentApproval.feedback).toEqual([{ annotator: "alice", rating: 2 }]);

    const learned = await gw.gql(`{ agentFeedback(filter: { labels: ["tone"], maxRating: 3 }) { edges { node { notes approval { id kind } } } } }`);
    expect(learned.body.data.agentFeedback.edges).toContainEqual({ node: { notes: "too formal", approval: { id: approvalId, kind: "send_reply" } } });
  });

  test("feedback on an LLM call links to it for agents; operators see the link hidden", async () => {
    const created = await gw.gql(RECORD_RUN, { input: { agentName: "fb-agent", queries: [{ ...call(0), conversationId: "conv-q" }] } });
    const queryId = (await gw.gql(`{ agentQueries(filter: { agents: ["fb-agent"] }) { edges { node { id } } } }`)).body.data.agentQueries.edges[0]
      .node.id;
    expect(created.body.errors).toBeUndefined();

    const res = await gw.gql(SUBMIT, { input: { queryId, rating: 5, annotator: "grader-v2" } });
    expect(res.body.data.submitAgentFeedback).toMatchObject({ conversationId: "conv-q", annotator: "grader-v2", query: { id: queryId } });
    const fromQuery = await gw.gql(`query($id: UUID!) { agentQuery(id: $id) { feedback { rating annotator } } }`, { id: queryId });
    expect(fromQuery.body.data.agentQuery.feedback).toEqual([{ rating: 5, annotator: "grader-v2" }]);

    // An operator may rate the call (the database checks it exists) but cannot read it back.
    const operator = await gw.gql(SUBMIT, { input: { queryId, conversationId: "conv-q", rating: 4 } }, { role: "authenticated", sub: "bob" });
    expect(operator.body.errors).toBeUndefined();
    expect(operator.body.data.submitAgentFeedback).toMatchObject({ annotator: "bob", query: null });
  });

  test("feedback must be about something, in its conversation, by its author", async () => {
    const approvalId = await approval();
    const nothing = await gw.gql(SUBMIT, { input: { conversationId: "c", rating: 3 } }, { role: "authenticated", sub: "alice" });
    expect(firstError(nothing).extensions.issues).toEqual([
      { field: "input.approvalId", rule: "give approvalId, queryId or both: feedback is about something" },
    ]);

    const wrongConversation = await gw.gql(SUBMIT, { input: { approvalId, conversationId: "other" } }, { role: "authenticated", sub: "alice" });
    expect(firstError(wrongConversation)).toMatchObject({
      message: "input.approvalId: belongs to conversation conv-fb, not other",
      extensions: { code: "BAD_USER_INPUT" },
    });

    const rating = await gw.gql(SUBMIT, { input: { approvalId, rating: 6 } }, { role: "authenticated", sub: "alice" });
    expect(firstError(rating).extensions.issues).toEqual([{ field: "input.rating", rule: "must be between 1 and 5" }]);

    const impersonation = await gw.gql(SUBMIT, { input: { approvalId, annotator: "bob" } }, { role: "authenticated", sub: "alice" });
    expect(firstError(impersonation).extensions.code).toBe("FORBIDDEN");

    const missing = await gw.gql(SUBMIT, { input: { approvalId: "00000000-0000-4000-8000-000000000000" } }, { role: "authenticated", sub: "alice" });
    expect(firstError(missing).message).toMatch(/^input\.approvalId: no approval/);

    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM "AgentFeedback" WHERE "approvalId" = $1`, [approvalId]);
    expect(rows[0].n).toBe(0);
  });

  test("anon may neither read nor write feedback", async () => {
    const approvalId = await approval();
    for (const [query, variables] of [
      [`{ agentFeedback { totalCount } }`, {}],
      [SUBMIT, { input: { approvalId, rating: 1 } }],
    ] as const) {
      const res = await gw.gql(query, variables, { role: "anon" });
      expect(firstError(res).extensions.code, query).toBe("UNAUTHENTICATED");
    }
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM "AgentFeedback" WHERE "approvalId" = $1`, [approvalId]);
    expect(rows[0].n).toBe(0);
  });

  test("the database also refuses an operator writing feedback under another name", async () => {
    const approvalId = await approval();
    const client = await db.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query(`SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"sub":"alice"}', true)`);
      const error = await client
        .query(`INSERT INTO "AgentFeedback" ("approvalId", "conversationId", annotator) VALUES ($1, 'conv-fb', 'bob')`, [approvalId])
        .then(
          () => undefined,
          (e: { code: string }) => e.code,
        );
      expect(error).toBe("42501");
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  });
});

describe("agent internals are service_role only", () => {
  test("operators get FORBIDDEN for runs, calls, checks and their writers, and see approval.run as null", async () => {
    const run = (await gw.gql(RECORD_RUN, { input: { agentName: "hidden-agent" } })).body.data.recordAgentRun.id;
    const approvalRes = await gw.gql(
      `mutation($run: UUID!) { submitAgentApproval(input: { kind: "k", summary: "s", agent: "hidden-agent", conversationId: "c", runId: $run }) { id run { id } } }`,
      { run },
    );
    expect(approvalRes.body.data.submitAgentApproval.run).toEqual({ id: run });
    const approvalId = approvalRes.body.data.submitAgentApproval.id;

    for (const query of [
      `{ agentRuns { totalCount } }`,
      `{ agentQueries { totalCount } }`,
      `{ agentRun(id: "${run}") { id } }`,
      `mutation { recordAgentRun(input: { agentName: "x" }) { id } }`,
      `mutation { finishAgentRun(id: "${run}", input: { resolution: FAILED }) { id } }`,
      `mutation { recordAgentQcChecks(input: { checks: [{ runId: "${run}", qualityScore: 1 }] }) { id } }`,
      `mutation { recordAgentQueries(input: { queries: [{ agent: "x", conversationId: "c", model: "m", prompt: "p" }] }) { id } }`,
    ]) {
      const res = await gw.gql(query, {}, { role: "authenticated" });
      expect(res.body.errors?.[0]?.extensions?.code, query).toBe("FORBIDDEN");
      const anon = await gw.gql(query, {}, { role: "anon" });
      expect(anon.body.errors?.[0]?.extensions?.code, query).toBe("UNAUTHENTICATED");
    }

    const seen = await gw.gql(
      `query($id: UUID!) { agentApproval(id: $id) { id run { id } } agentApprovals(filter: { agents: ["hidden-agent"] }) { edges { node { run { id } } } } }`,
      { id: approvalId },
      { role: "authenticated" },
    );
    expect(seen.body.errors).toBeUndefined();
    expect(seen.body.data.agentApproval).toEqual({ id: approvalId, run: null });
    expect(seen.body.data.agentApprovals.edges).toEqual([{ node: { run: null } }]);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM agent_run WHERE agent_name = 'x'`);
    expect(rows[0].n).toBe(0);
  });

  test("the database hides them from operators too", async () => {
    const client = await db.pool.connect();
    try {
      for (const table of ["agent_run", "agent_qc", '"AgentQuery"']) {
        await client.query("BEGIN");
        await client.query(`SELECT set_config('role', 'authenticated', true)`);
        const code = await client.query(`SELECT * FROM ${table} LIMIT 1`).then(
          () => "ok",
          (e: { code: string }) => e.code,
        );
        await client.query("ROLLBACK");
        expect({ table, code }).toEqual({ table, code: "42501" });
      }
    } finally {
      client.release();
    }
  });
});
