// The GraphQL-over-HTTP conformance audits shipped in the graphql-http package, run against the
// real gateway. Every MUST and every SHOULD has to pass (MAY items are optional by definition).
import { serverAudits } from "graphql-http";
import { describe, expect, test } from "vitest";
import { useTestGateway, type TestGateway } from "./support/gateway.ts";

let gw: TestGateway;
useTestGateway((_database, gateway) => {
  gw = gateway;
});

// Several audits send `__type` queries: as an operator, since anon may not introspect (INTROSPECTION_ROLES).
const asOperator: typeof fetch = async (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set("authorization", `Bearer ${await gw.token("authenticated")}`);
  return fetch(input, { ...init, headers });
};

const audits = serverAudits({ url: () => gw.url, fetchFn: asOperator });

describe("graphql-http server audits", () => {
  for (const audit of audits.filter((a) => !a.name.startsWith("MAY"))) {
    test(audit.name, async () => {
      const result = await audit.fn();
      expect(result.status === "ok" ? "ok" : `${result.status}: ${"reason" in result ? result.reason : ""}`).toBe("ok");
    });
  }
});
