// A caller who may not run a field is told so, whatever its inputs: the field's auth scopes are
// checked before its arguments are validated (src/schema/auth-before-arguments.ts). Real gateway,
// real database.
import { describe, expect, test } from "vitest";
import { signDevToken } from "../src/context/auth.ts";
import { TEST_JWT_SECRET, useTestGateway, type TestGateway } from "./support/gateway.ts";

let gw: TestGateway;
useTestGateway((_db, g) => (gw = g), { env: { DECISION_MIN_AAL: "aal2" } });

const BAD_RUN = `mutation { recordAgentRun(input: { agentName: "", tokensInput: -1 }) { id } }`;
const BAD_APPROVAL = `mutation { submitAgentApproval(input: { kind: "", summary: "", agent: "", conversationId: "" }) { id } }`;

describe("auth before input validation", () => {
  test("anon sending an invalid input gets UNAUTHENTICATED, not BAD_USER_INPUT", async () => {
    expect((await gw.failure(BAD_APPROVAL, {}, { role: "anon" })).extensions.code).toBe("UNAUTHENTICATED");
    expect((await gw.failure(BAD_RUN, {}, { role: "anon" })).extensions.code).toBe("UNAUTHENTICATED");
  });

  test("an operator sending an invalid agent-only input gets FORBIDDEN", async () => {
    expect((await gw.failure(BAD_RUN, {}, { role: "authenticated" })).extensions.code).toBe("FORBIDDEN");
    expect((await gw.failure(BAD_APPROVAL, {}, { role: "authenticated" })).extensions.code).toBe("FORBIDDEN");
  });

  test("a caller who may run it still gets every input problem", async () => {
    const error = await gw.failure(BAD_RUN, {}, { role: "service_role" });
    expect(error.extensions.code).toBe("BAD_USER_INPUT");
    expect(error.message).toMatch(/input\.agentName/);
  });
});

test("a single-factor session deciding with an over-long note is told it needs a second factor", async () => {
  const { submitAgentApproval } = await gw.data<{ submitAgentApproval: { id: string } }>(
    `mutation { submitAgentApproval(input: { kind: "refund", summary: "Refund $50", agent: "a", conversationId: "c" }) { id } }`,
  );
  const decide = `mutation($id: UUID!, $note: String) { decideAgentApproval(id: $id, decision: APPROVE, note: $note) { status } }`;
  const aal1 = `Bearer ${await signDevToken(TEST_JWT_SECRET, "authenticated", { sub: "olga", expiresIn: "1h", claims: { aal: "aal1" } })}`;
  const refused = await gw.failure(decide, { id: submitAgentApproval.id, note: "x".repeat(5000) }, { authorization: aal1 });
  expect(refused.extensions).toMatchObject({ code: "FORBIDDEN", reason: "AAL_REQUIRED", required: "aal2" });
});
