// /mcp end to end: the SDK's own Client over its Streamable HTTP transport against a real gateway on a
// real database with the demo data. Which tools each kind of caller lists, a read tool against the same
// query on /graphql, a mutation tool's result against its outputSchema, errors as tool results, the
// HTTP answers (401, 405, request id), and every tool's schemas valid JSON Schema 2020-12.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { OperationTypeNode } from "graphql";
import { beforeAll, describe, expect, test } from "vitest";
import { createAgentKey } from "../src/auth/agent-keys.ts";
import { loadConfig } from "../src/config.ts";
import { seedDemoData } from "../src/db/seed/index.ts";
import { DEMO_SHOP_DOMAIN } from "../src/db/seed/constants.ts";
import { toolName } from "../src/mcp/tools.ts";
import { signDevToken } from "../src/context/auth.ts";
import { startTestGateway, TEST_JWT_SECRET, useTestGateway, type TestGateway } from "./support/gateway.ts";
import type { TestDatabase } from "./support/test-database.ts";

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

let db: TestDatabase;
let gw: TestGateway;
useTestGateway((d, g) => {
  db = d;
  gw = g;
});

let agentKey: string;
let mcpUrl: URL;
beforeAll(async () => {
  await seedDemoData(db.url);
  agentKey = (await createAgentKey(gw.database.prisma, "mcp-test-agent")).key;
  mcpUrl = new URL("/mcp", gw.url);
}, 120_000);

/** An MCP client connected to /mcp with this Authorization header (none: anon). */
async function connect(authorization?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(mcpUrl, {
    requestInit: { headers: authorization ? { authorization } : {} },
  });
  const client = new Client({ name: "mcp-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}

async function toolsOf(authorization?: string): Promise<Tool[]> {
  const client = await connect(authorization);
  try {
    return (await client.listTools()).tools;
  } finally {
    await client.close();
  }
}

/** The tool names a role may run, from the catalogue itself (the policy table's answer), and the wait for a decision. */
const catalogueTools = (role: "authenticated" | "service_role") => [
  ...gw.gateway.catalogue
    .forRole(role)
    .filter((op) => op.type !== OperationTypeNode.SUBSCRIPTION)
    .map((op) => toolName(op.name)),
  "waitForApprovalDecision",
];

const textOf = (result: CallToolResult) =>
  result.content
    .filter((c): c is { type: "text"; text: string } => c.type === "text")
    .map((c) => c.text)
    .join("\n");

describe("tools/list shows the tools the caller's role may run", () => {
  test("an agent key (service_role): exactly the service_role catalogue operations, no subscription", async () => {
    const names = (await toolsOf(`Bearer ${agentKey}`)).map((t) => t.name);
    expect(names).toEqual(catalogueTools("service_role"));
    expect(names).toEqual(expect.arrayContaining(["dashboardTiles", "ingestDashboardFacts", "submitAgentApproval", "createAdsCampaign"]));
    expect(names).not.toContain("approvalQueueEvents");
  });

  test("an operator token: the operator's tools, no ingestion", async () => {
    const names = (await toolsOf(`Bearer ${await gw.token("authenticated")}`)).map((t) => t.name);
    expect(names).toEqual(catalogueTools("authenticated"));
    expect(names).toContain("dashboardTiles");
    expect(names.filter((n) => n.startsWith("ingest"))).toEqual([]);
  });

  test("no credential (anon): connects, lists only viewer (who am I)", async () => {
    expect((await toolsOf()).map((t) => t.name)).toEqual(["viewer"]);
  });

  test("names, annotations and descriptions follow the catalogue", async () => {
    const tools = new Map((await toolsOf(`Bearer ${agentKey}`)).map((t) => [t.name, t]));
    expect(tools.get("dashboardTiles")!.annotations).toEqual({
      title: "Dashboard tiles",
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
    expect(tools.get("dashboardTiles")!.description).toBe(gw.gateway.catalogue.byName("DashboardTiles")!.description);
    expect(tools.get("ingestDashboardFacts")!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: true });
    expect(tools.get("logDecision")!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    const gated = tools.get("createAdsCampaign")!;
    expect(gated.description).toMatch(/propos/i);
    expect(gated.description).toMatch(/approval/i);
    expect(gated.inputSchema.properties).toHaveProperty("approval");
    expect(gated.inputSchema.required).toEqual(["input"]);
  });
});

describe("every tool's schemas", () => {
  test("inputSchema and outputSchema are valid JSON Schema 2020-12 and compile", async () => {
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    const tools = [...(await toolsOf(`Bearer ${agentKey}`)), ...(await toolsOf(`Bearer ${await gw.token("authenticated")}`))];
    for (const tool of tools) {
      for (const schema of [tool.inputSchema, tool.outputSchema!]) {
        expect(ajv.validateSchema(schema), `${tool.name}: ${ajv.errorsText(ajv.errors)}`).toBe(true);
        expect(() => ajv.compile(schema), tool.name).not.toThrow();
      }
    }
  });
});

describe("tools/call runs the operation through /graphql", () => {
  test("dashboardTiles returns the same tiles as DashboardTiles on /graphql", async () => {
    const client = await connect(`Bearer ${agentKey}`);
    try {
      await client.listTools(); // so the client validates the result against the tool's outputSchema
      const result = (await client.callTool({ name: "dashboardTiles", arguments: {} })) as CallToolResult;
      expect(result.isError).toBeFalsy();
      const op = gw.gateway.catalogue.byName("DashboardTiles")!;
      const direct = await gw.data(op.text, {}, { authorization: `Bearer ${agentKey}`, operationName: op.name });
      expect(result.structuredContent).toEqual(direct);
      expect(JSON.parse(textOf(result))).toEqual(direct);
      expect((direct as { dashboard: { revenue: { totalCents: string } } }).dashboard.revenue.totalCents).not.toBe("0");
    } finally {
      await client.close();
    }
  });

  test("ingestDashboardFacts writes, and its result matches the outputSchema (ajv 2020-12 and the SDK client's own check)", async () => {
    const client = await connect(`Bearer ${agentKey}`);
    try {
      const tool = (await client.listTools()).tools.find((t) => t.name === "ingestDashboardFacts")!;
      const fact = { shopDomain: DEMO_SHOP_DOMAIN, metric: "mcp.test_metric", factDate: "2026-01-15", value: "12.5", unit: "COUNT" };
      const result = (await client.callTool({ name: "ingestDashboardFacts", arguments: { input: { facts: [fact] } } })) as CallToolResult;
      expect(result.isError, textOf(result)).toBeFalsy();
      expect(result.structuredContent).toEqual({ ingestDashboardFacts: { inserted: 1, updated: 0, unchanged: 0 } });
      const ajv = addFormats(new Ajv2020({ strict: false }));
      expect(ajv.validate(tool.outputSchema!, result.structuredContent), ajv.errorsText(ajv.errors)).toBe(true);
      const { rows } = await db.pool.query(`SELECT value = 12.5 AS written FROM "DashboardFact" WHERE metric = 'mcp.test_metric'`);
      expect(rows).toEqual([{ written: true }]);
      // Replayed: the same batch changes nothing (idempotentHint).
      const again = (await client.callTool({ name: "ingestDashboardFacts", arguments: { input: { facts: [fact] } } })) as CallToolResult;
      expect(again.structuredContent).toEqual({ ingestDashboardFacts: { inserted: 0, updated: 0, unchanged: 1 } });
    } finally {
      await client.close();
    }
  });

  test("every query tool without required arguments answers, for each role, data its outputSchema admits (the client checks)", async () => {
    for (const authorization of [`Bearer ${agentKey}`, `Bearer ${await gw.token("authenticated")}`]) {
      const client = await connect(authorization);
      try {
        const { tools } = await client.listTools();
        const reads = tools.filter((t) => t.annotations?.readOnlyHint && !t.inputSchema.required?.length && t.name !== "waitForApprovalDecision");
        expect(reads.length).toBeGreaterThan(3);
        for (const tool of reads) {
          const result = (await client.callTool({ name: tool.name, arguments: {} })) as CallToolResult; // throws on a schema mismatch
          expect(result.isError, `${tool.name}: ${textOf(result)}`).toBeFalsy();
        }
      } finally {
        await client.close();
      }
    }
  });

  test("a bad argument: isError with BAD_USER_INPUT, not a JSON-RPC failure", async () => {
    const client = await connect(`Bearer ${agentKey}`);
    try {
      const bad = { shopDomain: DEMO_SHOP_DOMAIN, metric: "Not A Metric!", factDate: "2026-01-15", value: "1" };
      const result = (await client.callTool({ name: "ingestDashboardFacts", arguments: { input: { facts: [bad] } } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toBeUndefined();
      expect(textOf(result)).toMatch(/BAD_USER_INPUT/);
    } finally {
      await client.close();
    }
  });

  test("a tool the role may not run is refused with FORBIDDEN, and nothing runs", async () => {
    const client = await connect(`Bearer ${await gw.token("authenticated")}`);
    try {
      const fact = { shopDomain: DEMO_SHOP_DOMAIN, metric: "mcp.forbidden_metric", factDate: "2026-01-15", value: "1" };
      const result = (await client.callTool({ name: "ingestDashboardFacts", arguments: { input: { facts: [fact] } } })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^FORBIDDEN: /);
      const { rows } = await db.pool.query(`SELECT 1 FROM "DashboardFact" WHERE metric = 'mcp.forbidden_metric'`);
      expect(rows).toEqual([]);
    } finally {
      await client.close();
    }
  });

  test("an unknown tool is a JSON-RPC error (invalid params)", async () => {
    const client = await connect(`Bearer ${agentKey}`);
    try {
      await expect(client.callTool({ name: "noSuchTool", arguments: {} })).rejects.toThrow(/Unknown tool/);
    } finally {
      await client.close();
    }
  });
});

describe("waitForApprovalDecision", () => {
  async function submitted(client: Client): Promise<string> {
    const input = { kind: "send_reply", summary: "Reply to a customer", agent: "mcp-test-agent", conversationId: "mcp-conv-1" };
    const result = (await client.callTool({ name: "submitAgentApproval", arguments: { input } })) as CallToolResult;
    expect(result.isError, textOf(result)).toBeFalsy();
    return (result.structuredContent as { submitAgentApproval: { id: string } }).submitAgentApproval.id;
  }

  test("still pending: answers PENDING once its time is up, not before", async () => {
    const client = await connect(`Bearer ${agentKey}`);
    try {
      await client.listTools();
      const id = await submitted(client);
      const started = Date.now();
      const result = (await client.callTool({ name: "waitForApprovalDecision", arguments: { id, timeoutSeconds: 1 } })) as CallToolResult;
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(result.structuredContent).toMatchObject({ agentApproval: { id, status: "PENDING" } });
    } finally {
      await client.close();
    }
  });

  test("decided while waiting: answers with the decision", async () => {
    const client = await connect(`Bearer ${agentKey}`);
    try {
      await client.listTools();
      const id = await submitted(client);
      const waiting = client.callTool({ name: "waitForApprovalDecision", arguments: { id, timeoutSeconds: 20 } });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const decide = `mutation($id: UUID!) { decideAgentApproval(id: $id, decision: APPROVE) { status } }`;
      expect(await gw.data(decide, { id }, { role: "authenticated", sub: "alice" })).toEqual({ decideAgentApproval: { status: "APPROVED" } });
      const started = Date.now();
      const result = (await waiting) as CallToolResult;
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(result.structuredContent).toMatchObject({ agentApproval: { id, status: "APPROVED", decidedBy: "alice" } });
    } finally {
      await client.close();
    }
  });
});

describe("HTTP", () => {
  const initialize = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  };
  const post = (headers: Record<string, string>, body: unknown = initialize) =>
    fetch(mcpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
      body: JSON.stringify(body),
    });

  test("a bad token: 401 UNAUTHENTICATED with its reason in a JSON-RPC error, WWW-Authenticate: Bearer", async () => {
    const res = await post({ authorization: "Bearer not-a-jwt" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
    const body = await res.json();
    expect(body).toMatchObject({ jsonrpc: "2.0", id: null, error: { data: { code: "UNAUTHENTICATED", reason: "MALFORMED_TOKEN" } } });
    await expect(connect("Bearer not-a-jwt")).rejects.toThrow();
  });

  test("an expired token and an unknown agent key: 401 with their reasons", async () => {
    const token = await signDevToken(TEST_JWT_SECRET, "service_role", { expiresIn: -60 });
    expect((await (await post({ authorization: `Bearer ${token}` })).json()).error.data.reason).toBe("TOKEN_EXPIRED");
    const unknown = await post({ authorization: "Bearer hdk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
    expect(unknown.status).toBe(401);
    expect((await unknown.json()).error.data.reason).toBe("UNKNOWN_KEY");
  });

  test("a body over the role's limit (BUDGET MAX_BODY_BYTES): 413 in a JSON-RPC error", async () => {
    const limit = loadConfig({ DATABASE_URL: db.url, SUPABASE_JWT_SECRET: TEST_JWT_SECRET }).budgets.anon.maxBodyBytes;
    const res = await post({}, { ...initialize, params: { ...initialize.params, padding: "x".repeat(limit + 1) } });
    expect(res.status).toBe(413);
    expect((await res.json()).error.message).toMatch(/too large/i);
  });

  test("CORS: a listed origin's preflight on /mcp allows MCP's protocol-version header; its answer carries the origin", async () => {
    const app = "https://agents.example.com";
    const cors = await startTestGateway({ databaseUrl: db.url, env: { CORS_ORIGINS: app } });
    try {
      const url = new URL("/mcp", cors.url);
      const preflight = await fetch(url, {
        method: "OPTIONS",
        headers: {
          origin: app,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type,mcp-protocol-version",
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-headers")).toMatch(/mcp-protocol-version/);
      const res = await fetch(url, {
        method: "POST",
        headers: { origin: app, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify(initialize),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-allow-origin")).toBe(app);
    } finally {
      await cors.close();
    }
  });

  test("stateless: no session id; GET and DELETE get 405 with a JSON-RPC error", async () => {
    const res = await post({ authorization: `Bearer ${agentKey}`, "x-request-id": "mcp-test-request-1" });
    expect(res.status).toBe(200);
    expect(res.headers.get("mcp-session-id")).toBeNull();
    expect(res.headers.get("x-request-id")).toBe("mcp-test-request-1");
    expect((await res.json()).result.serverInfo.name).toBe("hotdash-gateway");
    // Any message stands alone: a tools/call without an initialize before it (as the docs' curl sends it).
    const call = { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "dashboardTiles", arguments: {} } };
    const called = await (await post({ authorization: `Bearer ${agentKey}` }, call)).json();
    expect(called.result.structuredContent.dashboard).toBeDefined();
    for (const method of ["GET", "DELETE"]) {
      const other = await fetch(mcpUrl, { method, headers: { accept: "text/event-stream" } });
      expect(other.status).toBe(405);
      expect((await other.json()).error.code).toBe(-32000);
    }
  });
});

describe("the access log and the request id", () => {
  test("an /mcp request is logged with its request id, and its tool call's /graphql request carries the same id", async () => {
    const logs: string[] = [];
    const logged = await startTestGateway({ databaseUrl: db.url, logs });
    try {
      const transport = new StreamableHTTPClientTransport(new URL("/mcp", logged.url), {
        requestInit: { headers: { authorization: `Bearer ${agentKey}`, "x-request-id": "mcp-log-test" } },
      });
      const client = new Client({ name: "mcp-test", version: "1.0.0" });
      await client.connect(transport);
      await client.callTool({ name: "dashboardTiles", arguments: {} });
      await client.close();
      const requests = logs
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((l) => l.msg === "request" && l.requestId === "mcp-log-test");
      expect(requests).toEqual(expect.arrayContaining([expect.objectContaining({ method: "POST", path: "/mcp", status: 200 })]));
      expect(requests).toEqual(expect.arrayContaining([expect.objectContaining({ method: "POST", path: "/graphql", status: 200 })]));
    } finally {
      await logged.close();
    }
  });
});
