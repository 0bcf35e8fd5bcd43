// The agent's whole loop over MCP, with the SDK's own client against real gateways on a real database:
// a gated tool proposes (the structured result is the pending approval; nothing changes), an operator
// approves, executeApprovedAction applies exactly the proposal once and refuses every further call;
// trusted documents do not get in the tools' way; a budget's 429 comes back as a tool error with its
// retry time; two gateways sharing Redis hold one budget for the agent's tool calls.
import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createAgentKey } from "../src/auth/agent-keys.ts";
import { startTestGateway, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const REDIS_URL = "redis://127.0.0.1:6379";
const prefix = `hotdash:test:mcp-agents:${randomUUID()}:`;
const OPERATOR = "6f1d3c8e-2b7a-4c1e-9a55-0d2f1e7b3a02";

let db: TestDatabase;
let gw: TestGateway;
let agentKey: string;
const started: TestGateway[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  // Trusted documents on, as in a deployment: the tools send catalogue operations, so they keep working.
  gw = await startTestGateway({ databaseUrl: db.url, env: { TRUSTED_DOCUMENTS: "authenticated" } });
  started.push(gw);
  agentKey = (await createAgentKey(gw.database.prisma, "mcp-loop-bot")).key;
});
afterAll(async () => {
  await Promise.all(started.map((g) => g.close()));
  await db.close();
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
});

async function connect(gateway: TestGateway, key = agentKey): Promise<Client> {
  const client = new Client({ name: "mcp-agents-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL("/mcp", gateway.url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }),
  );
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args })) as CallToolResult;
const textOf = (result: CallToolResult) =>
  result.content
    .filter((c): c is { type: "text"; text: string } => c.type === "text")
    .map((c) => c.text)
    .join("\n");

describe("propose → decide → execute over MCP", () => {
  test("a gated tool proposes; after approval executeApprovedAction applies exactly the proposal, once", async () => {
    const client = await connect(gw);
    try {
      const externalId = `mcp-${Date.now()}`;
      const input = { externalId, name: "Autumn sale", platform: "GOOGLE", startDate: "2026-09-01", budgetCents: 12_000 };
      const proposed = await call(client, "createAdsCampaign", {
        input,
        approval: { summary: "Launch the autumn sale", conversationId: "conv-mcp-1" },
      });
      expect(proposed.isError, textOf(proposed)).toBeFalsy();
      const approval = (proposed.structuredContent as { approval: { id: string; status: string; kind: string } }).approval;
      expect(approval).toMatchObject({ status: "PENDING", kind: "CreateAdsCampaign" });
      expect(textOf(proposed)).toMatch(/executeApprovedAction/);
      const count = async () =>
        Number((await db.pool.query(`SELECT count(*) FROM ads_campaigns WHERE campaign_id = $1`, [externalId])).rows[0].count);
      expect(await count()).toBe(0); // proposing changed nothing

      // The agent reads the decision with a tool; an operator decides on /graphql (as the console does).
      const pending = await call(client, "agentApprovalDecision", { id: approval.id });
      expect(pending.structuredContent).toMatchObject({ agentApproval: { status: "PENDING", summary: "Launch the autumn sale" } });
      await gw.data(
        `mutation($id: UUID!) { decideAgentApproval(id: $id, decision: APPROVE) { id } }`,
        { id: approval.id },
        { role: "authenticated", sub: OPERATOR },
      );

      const executed = await call(client, "executeApprovedAction", { approvalId: approval.id });
      expect(executed.isError, textOf(executed)).toBeFalsy();
      expect(executed.structuredContent).toMatchObject({ executeApprovedAction: { operation: "CreateAdsCampaign" } });
      const rows = (await db.pool.query(`SELECT campaign_name, platform, budget_cents FROM ads_campaigns WHERE campaign_id = $1`, [externalId])).rows;
      expect(rows).toEqual([{ campaign_name: "Autumn sale", platform: "google", budget_cents: 12_000 }]); // the column holds the lower-case form

      const again = await call(client, "executeApprovedAction", { approvalId: approval.id });
      expect(again.isError).toBe(true);
      expect(textOf(again)).toMatch(/CONFLICT/);
      expect(textOf(again)).toMatch(/ALREADY_EXECUTED/);
      expect(await count()).toBe(1);

      // The trail: proposed by the agent, approved by the operator, executed by the agent.
      const trail = await call(client, "agentApprovalDecision", { id: approval.id });
      const actions = (trail.structuredContent as { agentApproval: { auditTrail: { action: string; actor: string }[] } }).agentApproval.auditTrail;
      expect(actions.map((a) => [a.action, a.actor])).toEqual([
        ["approval.proposed", "agent:mcp-loop-bot"],
        ["approval.approved", OPERATOR],
        ["approval.executed", "agent:mcp-loop-bot"],
      ]);
    } finally {
      await client.close();
    }
  });

  test("with trusted documents on, the tools run while the same agent's ad-hoc document on /graphql is refused", async () => {
    const client = await connect(gw);
    try {
      const tiles = await call(client, "dashboardTiles", {});
      expect(tiles.isError, textOf(tiles)).toBeFalsy();
      expect(tiles.structuredContent).toMatchObject({ dashboard: { asOf: expect.any(String) } });
    } finally {
      await client.close();
    }
    const adHoc = await gw.gql("{ dashboard { asOf } }", {}, { role: "anon", headers: { authorization: `Bearer ${agentKey}` } });
    expect(adHoc.status).toBe(403);
    expect(adHoc.body.errors?.[0]?.extensions?.code).toBe("TRUSTED_DOCUMENT_REQUIRED");
  });
});

describe("budgets over MCP", () => {
  test("two gateways sharing Redis hold one request budget for an agent's tool calls; the refusal is a tool error with its retry time", async () => {
    const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix, SERVICE_ROLE_REQUESTS_PER_MINUTE: "4" };
    const [a, b] = await Promise.all([startTestGateway({ databaseUrl: db.url, env }), startTestGateway({ databaseUrl: db.url, env })]);
    started.push(a, b);
    const key = (await createAgentKey(a.database.prisma, "mcp-budget-bot")).key;
    const [onA, onB] = await Promise.all([connect(a, key), connect(b, key)]);
    try {
      const results: CallToolResult[] = [];
      for (const client of [onA, onB, onA, onB, onA]) results.push(await call(client, "agentApprovals", { first: 1 }));
      expect(results.slice(0, 4).map((r) => r.isError ?? false)).toEqual([false, false, false, false]);
      const refused = results[4];
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(/RATE_LIMITED/);
      expect(textOf(refused)).toMatch(/retry after \d+ s|retryAfter|Retry-After/i);
    } finally {
      await Promise.all([onA.close(), onB.close()]);
    }
  });
});
