// How a tool call turns /graphql's answer into a tool result (src/mcp/call.ts), for the answers other
// parts of issue 13 give: a gated mutation's APPROVAL_PENDING (the proposal, not an error) and a
// budget's HTTP 429 with Retry-After. The /graphql side is a recorded response, so this checks only the
// mapping; tests/mcp.test.ts runs tool calls through the real gateway.
import { describe, expect, test } from "vitest";
import { loadCatalogue } from "../src/catalogue/index.ts";
import { createLogger } from "../src/logger.ts";
import { callTool, type GraphqlFetch } from "../src/mcp/call.ts";
import { schema } from "../src/schema/index.ts";

const catalogue = loadCatalogue(schema);
const request = new Request("http://gateway.test/mcp", { headers: { authorization: "Bearer hdk_test", origin: "https://app.example" } });

/** A /graphql that answers `response` and records what it was sent. */
function recording(response: () => Response): { fetch: GraphqlFetch; sent: Array<{ url: string; init: RequestInit }> } {
  const sent: Array<{ url: string; init: RequestInit }> = [];
  return { sent, fetch: (url, init) => (sent.push({ url, init }), Promise.resolve(response())) };
}

const call = (name: string, args: Record<string, unknown>, fetch: GraphqlFetch) =>
  callTool({
    operation: catalogue.byName(name)!,
    args,
    request,
    requestId: "req-1",
    graphqlUrl: "http://gateway.test/graphql",
    fetch,
    logger: createLogger("silent"),
  });

describe("the request sent to /graphql", () => {
  test("the catalogue text, operation name and variables, the caller's credential and the request id; the approval argument as an extension", async () => {
    const graphql = recording(() => Response.json({ data: { createAdsCampaign: null } }));
    const approval = { summary: "Launch the spring campaign", conversationId: "conv-1" };
    await call("CreateAdsCampaign", { input: { name: "Spring" }, approval }, graphql.fetch);
    const [{ url, init }] = graphql.sent;
    expect(url).toBe("http://gateway.test/graphql");
    const headers = init.headers as Record<string, string>;
    expect(headers).toMatchObject({ authorization: "Bearer hdk_test", "x-request-id": "req-1" });
    expect(headers).not.toHaveProperty("origin");
    const op = catalogue.byName("CreateAdsCampaign")!;
    expect(JSON.parse(init.body as string)).toEqual({
      query: op.text,
      operationName: "CreateAdsCampaign",
      variables: { input: { name: "Spring" } },
      extensions: { approval },
    });
  });

  test("a tool that is not gated passes its arguments as they are", async () => {
    const graphql = recording(() => Response.json({ data: { logDecision: null } }));
    await call("LogDecision", { input: { scope: "s" } }, graphql.fetch);
    expect(JSON.parse(graphql.sent[0].init.body as string)).not.toHaveProperty("extensions");
  });
});

describe("the tool result", () => {
  test("APPROVAL_PENDING: the proposal as structured content and what to do next; not an error", async () => {
    const graphql = recording(() =>
      Response.json({
        data: null,
        errors: [
          {
            message: "Proposed for approval",
            extensions: {
              code: "APPROVAL_PENDING",
              approvalId: "8a6e0804-2bd0-4672-b79d-d97027f9071a",
              status: "PENDING",
              kind: "CreateAdsCampaign",
            },
          },
        ],
      }),
    );
    const result = await call("CreateAdsCampaign", { input: {} }, graphql.fetch);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({
      approval: { id: "8a6e0804-2bd0-4672-b79d-d97027f9071a", status: "PENDING", kind: "CreateAdsCampaign" },
    });
    const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
    expect(text).toMatch(/agentApprovalDecision/);
    expect(text).toMatch(/executeApprovedAction/);
  });

  test("HTTP 429 RATE_LIMITED: isError with the code and the seconds to wait", async () => {
    const graphql = recording(() =>
      Response.json(
        { errors: [{ message: "Over budget", extensions: { code: "RATE_LIMITED" } }] },
        { status: 429, headers: { "retry-after": "17" } },
      ),
    );
    const result = await call("DashboardTiles", {}, graphql.fetch);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(result.content[0]).toEqual({ type: "text", text: "RATE_LIMITED: Over budget\nRetry after 17 s." });
    expect(JSON.parse((result.content[1] as { text: string }).text)).toMatchObject({ retryAfterSeconds: 17, errors: [{ code: "RATE_LIMITED" }] });
  });

  test("an answer that is not GraphQL: isError, never a thrown error", async () => {
    const graphql = recording(() => new Response("<html>bad gateway</html>", { status: 502 }));
    const result = await call("DashboardTiles", {}, graphql.fetch);
    expect(result.isError).toBe(true);
    expect(result.content[0]).toMatchObject({ text: expect.stringMatching(/HTTP 502/) });
  });
});
