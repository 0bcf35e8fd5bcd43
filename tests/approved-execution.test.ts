// Gated mutations end to end, on the real server and database: an agent key's gated mutation becomes
// a pending approval and changes nothing; an operator approves; executeApprovedAction runs exactly the
// proposal, once (the database refuses every further attempt, ten concurrent ones included); pending,
// rejected, expired and tampered approvals are refused with their reason; a failing operation rolls
// its execution back and may be retried; the audit trail shows proposal, decision and execution.
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadVaultKeys } from "../src/vault/index.ts";
import { configureVault } from "./support/vault.ts";
import { createAgentKey } from "../src/auth/agent-keys.ts";
import { useTestGateway, type GqlOptions, type GqlResponse, type TestGateway } from "./support/gateway.ts";
import type { TestDatabase } from "./support/test-database.ts";

let db: TestDatabase;
let gw: TestGateway;
useTestGateway((d, g) => {
  db = d;
  gw = g;
});

const OPERATOR = "6f1d3c8e-2b7a-4c1e-9a55-0d2f1e7b3a01";
const EXECUTE = readFileSync(new URL("../operations/agents/execute.graphql", import.meta.url), "utf8");
/** A catalogue operation's text, as an agent (or /mcp) sends it. */
const opText = (name: string) => gw.gateway.catalogue.byName(name)!.text;
let CREATE_CAMPAIGN: string;
const DECIDE = `mutation($id: UUID!, $decision: AgentApprovalDecision!) { decideAgentApproval(id: $id, decision: $decision) { id status } }`;
const APPROVAL = `query($id: UUID!) { agentApproval(id: $id) { id kind agent status summary payload auditTrail { action actor } execution { executedBy operation result } } }`;

let adsKey: string;
let otherKey: string;
const asAgent = (key: string, operationName?: string): GqlOptions => ({ role: "anon", headers: { authorization: `Bearer ${key}` }, operationName });

beforeAll(async () => {
  CREATE_CAMPAIGN = opText("CreateAdsCampaign");
  adsKey = (await createAgentKey(gw.database.prisma, "ads-bot")).key;
  otherKey = (await createAgentKey(gw.database.prisma, "other-bot")).key;
});

let seq = 0;
const campaignInput = (overrides: Record<string, unknown> = {}) => ({
  externalId: `gate-${++seq}-${Date.now()}`,
  name: `Spring sale ${seq}`,
  platform: "META",
  startDate: "2026-03-01",
  budgetCents: 5000,
  ...overrides,
});

/** Sends a raw body (for extensions), as an agent key. */
async function post(body: Record<string, unknown>, key = adsKey): Promise<GqlResponse> {
  const response = await fetch(gw.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function propose(input: Record<string, unknown>, key = adsKey): Promise<string> {
  const res = await gw.gql(CREATE_CAMPAIGN, { input }, asAgent(key, "CreateAdsCampaign"));
  expect(res.status).toBe(200);
  expect(res.body.data).toBeNull();
  expect(res.body.errors?.[0]?.extensions?.code, JSON.stringify(res.body)).toBe("APPROVAL_PENDING");
  return res.body.errors![0].extensions!.approvalId as string;
}

/** A statement by the owner with every trigger off (session_replication_role = replica), on one connection. */
async function pastTheTriggers(sql: string, params: unknown[]): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(`SET LOCAL session_replication_role = replica`);
    await client.query(sql, params);
    await client.query("COMMIT");
  } finally {
    client.release();
  }
}

const decide = (id: string, decision: "APPROVE" | "REJECT") => gw.data(DECIDE, { id, decision }, { role: "authenticated", sub: OPERATOR });
const execute = (id: string, key = adsKey) => gw.gql(EXECUTE, { approvalId: id }, asAgent(key));
const campaigns = async (externalId: string) =>
  (await db.pool.query(`SELECT campaign_name, budget_cents, platform FROM ads_campaigns WHERE campaign_id = $1`, [externalId])).rows;

describe("proposing", () => {
  test("an agent key's CreateAdsCampaign creates a pending approval and no campaign", async () => {
    const input = campaignInput();
    const res = await gw.gql(CREATE_CAMPAIGN, { input }, asAgent(adsKey, "CreateAdsCampaign"));
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    const [error] = res.body.errors!;
    expect(error.extensions).toMatchObject({ code: "APPROVAL_PENDING", status: "PENDING", kind: "CreateAdsCampaign" });
    expect(error.message).toMatch(/operator must approve/);
    expect(error.message).toMatch(/executeApprovedAction/);
    const id = error.extensions!.approvalId as string;
    expect((res.body as { extensions?: unknown }).extensions).toEqual({ approval: { id, status: "PENDING", kind: "CreateAdsCampaign" } });
    expect(await campaigns(input.externalId)).toEqual([]);

    const { agentApproval } = await gw.data(APPROVAL, { id });
    expect(agentApproval).toMatchObject({ kind: "CreateAdsCampaign", agent: "ads-bot", status: "PENDING", execution: null });
    expect(agentApproval.payload).toMatchObject({
      operation: "CreateAdsCampaign",
      documentId: gw.gateway.catalogue.byName("CreateAdsCampaign")!.id,
      variables: { input },
      proposedBy: { agent: "ads-bot" },
    });
    expect(agentApproval.summary).toContain("CreateAdsCampaign");
    expect(agentApproval.summary).toContain(`input.name = "${input.name}"`);
    expect(agentApproval.auditTrail).toEqual([{ action: "approval.proposed", actor: "agent:ads-bot" }]);
  });

  test("extensions.approval sets the summary, conversation and deadline; bad values are refused", async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const query = CREATE_CAMPAIGN;
    const res = await post({
      query,
      variables: { input: campaignInput() },
      extensions: { approval: { summary: "Launch the spring sale", conversationId: "thread-7", expiresAt } },
    });
    const id = res.body.errors![0].extensions!.approvalId as string;
    const { rows } = await db.pool.query(`SELECT summary, "conversationId", "expiresAt" FROM "AgentApproval" WHERE id = $1`, [id]);
    expect(rows[0]).toEqual({ summary: "Launch the spring sale", conversationId: "thread-7", expiresAt: new Date(expiresAt) });

    const bad = await post({ query, variables: { input: campaignInput() }, extensions: { approval: { expiresAt: "2001-01-01T00:00:00Z" } } });
    expect(bad.body.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(bad.body.errors![0].message).toContain("extensions.approval.expiresAt");
  });

  test("variables that could never run are refused at once, without an approval", async () => {
    const before = (await db.pool.query(`SELECT count(*)::int AS n FROM "AgentApproval"`)).rows[0].n;
    const res = await gw.gql(CREATE_CAMPAIGN, { input: { name: "no externalId" } }, asAgent(adsKey, "CreateAdsCampaign"));
    expect(res.body.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM "AgentApproval"`)).rows[0].n).toBe(before);
  });

  test("a back-office service_role token runs CreateAdsCampaign directly", async () => {
    const input = campaignInput();
    const data = await gw.data(CREATE_CAMPAIGN, { input }, { role: "service_role", operationName: "CreateAdsCampaign" });
    expect(data.createAdsCampaign).toMatchObject({ externalId: input.externalId, name: input.name });
    expect(await campaigns(input.externalId)).toHaveLength(1);
  });

  // Every way around the gate that GraphQL offers: each must be refused before any SQL, nothing written.
  const input = { externalId: "walk-around", name: "x", platform: "META", startDate: "2026-03-01" };
  const sneaky: Record<string, () => string> = {
    "ad-hoc text": () =>
      `mutation { createAdsCampaign(input: { externalId: "walk-around", name: "x", platform: META, startDate: "2026-03-01" }) { id } }`,
    "an alias": () => `mutation($input: CreateAdsCampaignInput!) { harmless: createAdsCampaign(input: $input) { id } }`,
    "a fragment": () => `mutation($input: CreateAdsCampaignInput!) { ...F } fragment F on Mutation { createAdsCampaign(input: $input) { id } }`,
    "an inline fragment": () => `mutation($input: CreateAdsCampaignInput!) { ... on Mutation { createAdsCampaign(input: $input) { id } } }`,
    "@include(if: false)": () => `mutation($input: CreateAdsCampaignInput!) { createAdsCampaign(input: $input) @include(if: false) { id } }`,
    "fewer fields than the catalogue's": () =>
      `mutation CreateAdsCampaign($input: CreateAdsCampaignInput!) { createAdsCampaign(input: $input) { id } }`,
    "mixed with another field": () => CREATE_CAMPAIGN.replace("createAdsCampaign(", "expireAgentApprovals { expired } createAdsCampaign("),
  };
  test.each(Object.keys(sneaky))("a gated field in %s is refused with APPROVAL_REQUIRED naming the catalogue operation", async (name) => {
    const before = await db.pool.query(`SELECT (SELECT count(*) FROM "AgentApproval")::int AS a, (SELECT count(*) FROM ads_campaigns)::int AS c`);
    const res = await gw.gql(sneaky[name](), { input }, asAgent(adsKey, name.startsWith("mixed") ? "CreateAdsCampaign" : undefined));
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors![0].extensions, JSON.stringify(res.body)).toMatchObject({
      code: "APPROVAL_REQUIRED",
      fields: ["createAdsCampaign"],
      operations: ["CreateAdsCampaign"],
    });
    expect(res.status).toBe(403);
    const after = await db.pool.query(`SELECT (SELECT count(*) FROM "AgentApproval")::int AS a, (SELECT count(*) FROM ads_campaigns)::int AS c`);
    expect(after.rows).toEqual(before.rows);
  });

  test("a query cannot carry a mutation: another operation of the same document is refused, the chosen one runs", async () => {
    const doc = `query Q { __typename } ${CREATE_CAMPAIGN}`;
    const asQuery = await gw.gql(doc, { input }, asAgent(adsKey, "Q"));
    expect(asQuery.body).toEqual({ data: { __typename: "Query" } });
    const asMutation = await gw.gql(doc, { input }, asAgent(adsKey, "CreateAdsCampaign"));
    expect(asMutation.body.errors![0].extensions).toMatchObject({ code: "APPROVAL_REQUIRED" });
  });

  test("batched requests are not accepted at all", async () => {
    const response = await fetch(gw.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${adsKey}` },
      body: JSON.stringify([{ query: CREATE_CAMPAIGN, variables: { input }, operationName: "CreateAdsCampaign" }]),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(await campaigns("walk-around")).toEqual([]);
  });
});

describe("executing", () => {
  test("approve, execute: exactly the proposed campaign exists; a second execution is ALREADY_EXECUTED", async () => {
    const input = campaignInput({ budgetCents: 12345 });
    const id = await propose(input);
    await decide(id, "APPROVE");
    const res = await execute(id);
    expect(res.body.errors, JSON.stringify(res.body)).toBeUndefined();
    const out = res.body.data.executeApprovedAction;
    expect(out.operation).toBe("CreateAdsCampaign");
    expect(out.result.createAdsCampaign).toMatchObject({ externalId: input.externalId, name: input.name, budgetCents: 12345, platform: "META" });
    expect(out.approval).toMatchObject({ id, status: "APPROVED", decidedBy: OPERATOR });
    expect(out.approval.execution).toMatchObject({
      executedBy: "agent:ads-bot",
      result: { createAdsCampaign: { id: out.result.createAdsCampaign.id } },
    });
    expect(await campaigns(input.externalId)).toEqual([{ campaign_name: input.name, budget_cents: 12345, platform: "meta" }]);

    const again = await execute(id);
    expect(again.body.errors![0].extensions).toMatchObject({ code: "CONFLICT", reason: "ALREADY_EXECUTED", executedBy: "agent:ads-bot" });
    expect(await campaigns(input.externalId)).toHaveLength(1);

    // The trail: proposal, decision, execution, each with its actor, all written by the database.
    const { agentApproval } = await gw.data(APPROVAL, { id }, { role: "authenticated", sub: OPERATOR });
    expect(agentApproval.auditTrail).toEqual([
      { action: "approval.proposed", actor: "agent:ads-bot" },
      { action: "approval.approved", actor: OPERATOR },
      { action: "approval.executed", actor: "agent:ads-bot" },
    ]);
    expect(agentApproval.execution).toMatchObject({ executedBy: "agent:ads-bot", operation: "CreateAdsCampaign" });
    const { rows } = await db.pool.query(
      `SELECT action, system, "requestSubject" FROM "DecisionLog" WHERE "externalRef" = $1 ORDER BY "createdAt", action DESC`,
      [id],
    );
    expect(rows.every((r) => r.system)).toBe(true);
  });

  test("ten concurrent executions: exactly one succeeds, nine get CONFLICT ALREADY_EXECUTED", async () => {
    const input = campaignInput();
    const id = await propose(input);
    await decide(id, "APPROVE");
    const results = await Promise.all(Array.from({ length: 10 }, () => execute(id)));
    const ok = results.filter((r) => !r.body.errors);
    const refused = results.filter((r) => r.body.errors);
    expect(ok).toHaveLength(1);
    expect(refused.map((r) => [r.body.errors![0].extensions!.code, r.body.errors![0].extensions!.reason])).toEqual(
      Array(9).fill(["CONFLICT", "ALREADY_EXECUTED"]),
    );
    expect(await campaigns(input.externalId)).toHaveLength(1);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM "AgentApprovalExecution" WHERE "approvalId" = $1`, [id])).rows[0].n).toBe(1);
  });

  test("pending, rejected and expired approvals are refused with their reason; nothing runs", async () => {
    const pendingInput = campaignInput();
    const pending = await propose(pendingInput);
    expect((await execute(pending)).body.errors![0].extensions).toMatchObject({ code: "CONFLICT", reason: "PENDING" });

    const rejectedInput = campaignInput();
    const rejected = await propose(rejectedInput);
    await decide(rejected, "REJECT");
    expect((await execute(rejected)).body.errors![0].extensions).toMatchObject({ code: "CONFLICT", reason: "REJECTED", decidedBy: OPERATOR });

    // Expired undecided (the sweep ran), and approved but past its deadline (the deadline bounds execution too).
    const expiredInput = campaignInput();
    const expired = await propose(expiredInput);
    const lateInput = campaignInput();
    const late = await propose(lateInput);
    await decide(late, "APPROVE");
    await pastTheTriggers(
      `UPDATE "AgentApproval" SET "createdAt" = now() - interval '2 days', "expiresAt" = now() - interval '1 day' WHERE id = ANY($1::uuid[])`,
      [[expired, late]],
    );
    await gw.data(`mutation { expireAgentApprovals { expired } }`);
    expect((await execute(expired)).body.errors![0].extensions).toMatchObject({ code: "CONFLICT", reason: "EXPIRED" });
    expect((await execute(late)).body.errors![0].extensions).toMatchObject({ code: "CONFLICT", reason: "EXPIRED" });

    for (const i of [pendingInput, rejectedInput, expiredInput, lateInput]) expect(await campaigns(i.externalId)).toEqual([]);
    expect((await execute("00000000-0000-4000-8000-00000000dead")).body.errors![0].extensions).toMatchObject({ code: "NOT_FOUND" });
  });

  test("a tampered payload (the owner bypassing the triggers) is refused as TAMPERED", async () => {
    const input = campaignInput({ budgetCents: 100 });
    const id = await propose(input);
    await decide(id, "APPROVE");
    await pastTheTriggers(`UPDATE "AgentApproval" SET payload = jsonb_set(payload, '{variables,input,budgetCents}', '999999') WHERE id = $1`, [id]);
    expect((await execute(id)).body.errors![0].extensions).toMatchObject({ code: "CONFLICT", reason: "TAMPERED" });
    expect(await campaigns(input.externalId)).toEqual([]);
  });

  test("the database refuses variables or a document other than the approved ones (TAMPERED), and another agent's approval", async () => {
    const input = campaignInput();
    const id = await propose(input);
    await decide(id, "APPROVE");
    const documentId = gw.gateway.catalogue.byName("CreateAdsCampaign")!.id;
    const attempt = async (claims: Record<string, unknown>, doc: string, variables: unknown) => {
      const client = await db.pool.connect();
      try {
        await client.query("BEGIN");
        await client.query(`SELECT set_config('role', 'service_role', true), set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
        await client.query(`SELECT gateway.begin_approved_execution($1, $2, $3)`, [id, doc, JSON.stringify(variables)]);
        return "ran";
      } catch (error) {
        return (error as { code?: string }).code;
      } finally {
        await client.query("ROLLBACK");
        client.release();
      }
    };
    const agent = { role: "service_role", sub: "agent:ads-bot", agent: "ads-bot" };
    expect(await attempt(agent, documentId, { input: { ...input, budgetCents: 1 } })).toBe("HDA24");
    expect(await attempt(agent, gw.gateway.catalogue.byName("ArchiveAdsCampaign")!.id, { input })).toBe("HDA24");
    expect(await attempt({ role: "service_role", sub: "agent:other-bot", agent: "other-bot" }, documentId, { input })).toBe("42501");
    expect(await attempt(agent, documentId, { input })).toBe("ran"); // and rolled back

    const other = await execute(id, otherKey);
    expect(other.body.errors![0].extensions).toMatchObject({ code: "FORBIDDEN", reason: "NOT_THE_PROPOSER" });
    // An operator decides; executing is not theirs.
    const asOperator = await gw.gql(EXECUTE, { approvalId: id }, { role: "authenticated", sub: OPERATOR });
    expect(asOperator.body.errors![0].extensions).toMatchObject({ code: "FORBIDDEN" });
    // A back-office service_role token may execute any approved one.
    const backOffice = await gw.gql(EXECUTE, { approvalId: id }, { role: "service_role", sub: "ops-script" });
    expect(backOffice.body.errors, JSON.stringify(backOffice.body)).toBeUndefined();
    expect(backOffice.body.data.executeApprovedAction.approval.execution.executedBy).toBe("ops-script");
  });

  test("a failing operation rolls back (no execution recorded) and can be retried", async () => {
    const input = campaignInput();
    const id = await propose(input);
    await decide(id, "APPROVE");
    // Someone else creates the same external id first: the approved insert hits the unique constraint.
    const { rows } = await db.pool.query(
      `INSERT INTO ads_campaigns (campaign_id, platform, campaign_name, start_date) VALUES ($1, 'meta', 'squatter', '2026-03-01') RETURNING id`,
      [input.externalId],
    );
    const failed = await execute(id);
    expect(failed.body.data ?? null).toBeNull();
    expect(failed.body.errors![0].extensions, JSON.stringify(failed.body)).toMatchObject({ code: "CONFLICT" });
    expect(failed.body.errors![0].extensions!.reason).toBeUndefined();
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM "AgentApprovalExecution" WHERE "approvalId" = $1`, [id])).rows[0].n).toBe(0);
    expect(
      (await db.pool.query(`SELECT count(*)::int AS n FROM "DecisionLog" WHERE "externalRef" = $1 AND action = 'approval.executed'`, [id])).rows[0].n,
    ).toBe(0);

    await db.pool.query(`DELETE FROM ads_campaigns WHERE id = $1`, [rows[0].id]);
    const retried = await execute(id);
    expect(retried.body.errors, JSON.stringify(retried.body)).toBeUndefined();
    expect(await campaigns(input.externalId)).toEqual([{ campaign_name: input.name, budget_cents: 5000, platform: "meta" }]);
  });

  test("a catalogue that no longer has the operation: CONFLICT OPERATION_UNAVAILABLE, nothing recorded", async () => {
    // An approved item naming a document id this catalogue does not have (e.g. from an older version).
    const { rows } = await db.pool.query(
      `INSERT INTO "AgentApproval" ("conversationId", agent, kind, summary, payload)
       VALUES ('c', 'ads-bot', 'CreateAdsCampaign', 's', '{"operation":"CreateAdsCampaign","documentId":"sha256:old","variables":{}}') RETURNING id`,
    );
    const id = rows[0].id as string;
    await decide(id, "APPROVE");
    expect((await execute(id)).body.errors![0].extensions).toMatchObject({ code: "CONFLICT", reason: "OPERATION_UNAVAILABLE" });
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM "AgentApprovalExecution" WHERE "approvalId" = $1`, [id])).rows[0].n).toBe(0);
    // An agent key cannot forge an executable proposal through submitAgentApproval.
    const forged = await gw.gql(
      `mutation($payload: JSON) { submitAgentApproval(input: { kind: "CreateAdsCampaign", summary: "harmless", agent: "x", conversationId: "c", payload: $payload }) { id } }`,
      { payload: { operation: "CreateAdsCampaign", documentId: gw.gateway.catalogue.byName("CreateAdsCampaign")!.id, variables: {} } },
      asAgent(adsKey),
    );
    expect(forged.body.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", issues: [{ field: "input.payload.documentId" }] });
    // A plain submitAgentApproval (no operation in its payload) has nothing to execute.
    const plain = await gw.data(
      `mutation { submitAgentApproval(input: { kind: "refund", summary: "Refund", agent: "x", conversationId: "c" }) { id } }`,
      {},
      asAgent(adsKey),
    );
    await decide(plain.submitAgentApproval.id, "APPROVE");
    expect((await execute(plain.submitAgentApproval.id)).body.errors![0].extensions).toMatchObject({ code: "CONFLICT", reason: "NOT_EXECUTABLE" });
  });

  test("the execution record is append-only, even for the owner", async () => {
    const id = await propose(campaignInput());
    await decide(id, "APPROVE");
    expect((await execute(id)).body.errors).toBeUndefined();
    await expect(db.pool.query(`UPDATE "AgentApprovalExecution" SET "executedBy" = 'someone' WHERE "approvalId" = $1`, [id])).rejects.toThrow(
      /append-only/,
    );
    await expect(db.pool.query(`DELETE FROM "AgentApprovalExecution" WHERE "approvalId" = $1`, [id])).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`DELETE FROM "AgentApproval" WHERE id = $1`, [id])).rejects.toThrow(/foreign key/);
  });
});

describe("another gated mutation: DeleteSupportCuratedReply", () => {
  test("proposed by the agent, approved, executed once: the reply is gone", async () => {
    const { rows } = await db.pool.query(`INSERT INTO support_curated_replies (message_body, approver) VALUES ('Hello!', 'ops') RETURNING id`);
    const replyId = rows[0].id as string;
    const res = await gw.gql(opText("DeleteSupportCuratedReply"), { id: replyId }, asAgent(adsKey));
    expect(res.body.errors![0].extensions).toMatchObject({ code: "APPROVAL_PENDING", kind: "DeleteSupportCuratedReply" });
    const id = res.body.errors![0].extensions!.approvalId as string;
    expect((await db.pool.query(`SELECT 1 FROM support_curated_replies WHERE id = $1`, [replyId])).rows).toHaveLength(1);

    await decide(id, "APPROVE");
    const done = await execute(id);
    expect(done.body.errors, JSON.stringify(done.body)).toBeUndefined();
    expect(done.body.data.executeApprovedAction).toMatchObject({
      operation: "DeleteSupportCuratedReply",
      result: { deleteSupportCuratedReply: replyId },
    });
    expect((await db.pool.query(`SELECT 1 FROM support_curated_replies WHERE id = $1`, [replyId])).rows).toEqual([]);
    expect((await execute(id)).body.errors![0].extensions).toMatchObject({ reason: "ALREADY_EXECUTED" });
  });
});

describe("a secret in a proposal: PutCredential", () => {
  const SECRET = "shpat_0123456789abcdef-do-not-leak";
  beforeAll(() => configureVault(loadVaultKeys({ CREDS_ENCRYPTION_KEY: randomBytes(32).toString("base64") })));
  afterAll(() => configureVault(null));
  test("the approval, its audit trail and the DecisionLog hold the secret sealed; the execution stores the real one", async () => {
    const name = `shopify.gate_${Date.now()}`;
    const res = await gw.gql(opText("PutCredential"), { input: { name, provider: "shopify", secret: SECRET } }, asAgent(adsKey, "PutCredential"));
    expect(res.body.errors![0].extensions).toMatchObject({ code: "APPROVAL_PENDING", kind: "PutCredential" });
    const id = res.body.errors![0].extensions!.approvalId as string;
    const leaks = async () => {
      const tables = await db.pool.query(
        `SELECT (SELECT count(*) FROM "AgentApproval" WHERE payload::text LIKE $1 OR summary LIKE $1)
              + (SELECT count(*) FROM "DecisionLog" WHERE payload::text LIKE $1 OR coalesce(rationale, '') LIKE $1)
              + (SELECT count(*) FROM "AgentApprovalExecution" WHERE variables::text LIKE $1 OR coalesce(result::text, '') LIKE $1) AS n`,
        [`%${SECRET}%`],
      );
      return Number(tables.rows[0].n);
    };
    expect(await leaks()).toBe(0);
    // What an operator reads: a sealed value where the secret is.
    const seen = await gw.data(APPROVAL, { id }, { role: "authenticated", sub: OPERATOR });
    expect(seen.agentApproval.payload.variables.input).toMatchObject({ name, provider: "shopify", secret: { $sealed: "v1" } });
    expect(JSON.stringify(seen)).not.toContain(SECRET);

    await decide(id, "APPROVE");
    const done = await execute(id);
    expect(done.body.errors, JSON.stringify(done.body)).toBeUndefined();
    expect(await leaks()).toBe(0);
    const revealed = await gw.data(`mutation($name: String!) { revealCredential(name: $name, reason: "test") { secret } }`, { name });
    expect(revealed.revealCredential.secret).toBe(SECRET);
  });
});
