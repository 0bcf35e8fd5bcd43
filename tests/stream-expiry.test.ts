// D2: a live stream ends when its credential does. The token is verified when the stream opens;
// after that the stream is closed with UNAUTHENTICATED (TOKEN_EXPIRED) at the token's expiry, and
// nothing submitted later reaches it.
import { describe, expect, test } from "vitest";
import { signDevToken } from "../src/context/auth.ts";
import { TEST_JWT_SECRET, useTestGateway, type TestGateway } from "./support/gateway.ts";
import { openSse } from "./support/sse.ts";

const QUEUE = `subscription { approvalQueueEvents { event approval { id summary } } }`;
const SUBMIT = `mutation($input: SubmitAgentApprovalInput!) { submitAgentApproval(input: $input) { id } }`;

let gw: TestGateway;
useTestGateway((_db, g) => (gw = g), { events: {} });

describe("a stream ends when its token does (D2)", () => {
  test("a stream opened with a token valid for ~2 s gets no events after expiry and ends with UNAUTHENTICATED / TOKEN_EXPIRED", async () => {
    const token = await signDevToken(TEST_JWT_SECRET, "authenticated", { sub: "op-short", expiresIn: 2 });
    const stream = await openSse(gw.url, QUEUE, { authorization: `Bearer ${token}` });
    expect(stream.status).toBe(200);
    try {
      // While the token is valid, events arrive.
      await gw.data(SUBMIT, { input: { kind: "k", summary: "before expiry", agent: "a", conversationId: "c" } });
      expect((await stream.next()).data.approvalQueueEvents.approval.summary).toBe("before expiry");

      // After the expiry (whole seconds, so up to 2 s plus a margin), the stream ends instead.
      const ended = await stream.next(15_000);
      expect(ended.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "TOKEN_EXPIRED" });
      await gw.data(SUBMIT, { input: { kind: "k", summary: "sent after the token expired", agent: "a", conversationId: "c" } });
      expect(await stream.quietFor(1_500)).toBe(true);
      await stream.ended; // the server closed it
    } finally {
      stream.close();
    }
  }, 30_000);
});
