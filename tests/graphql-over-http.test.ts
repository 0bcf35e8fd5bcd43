// The GraphQL-over-HTTP conformance audits shipped in the graphql-http package, run against the
// real gateway. Every MUST and every SHOULD has to pass (MAY items are optional by definition).
import { serverAudits } from "graphql-http";
import { describe, expect, test } from "vitest";
import { useTestGateway, type TestGateway } from "./support/gateway.ts";

let gw: TestGateway;
useTestGateway((_database, gateway) => {
  gw = gateway;
});

const audits = serverAudits({ url: () => gw.url, fetchFn: fetch });

describe("graphql-http server audits", () => {
  for (const audit of audits.filter((a) => !a.name.startsWith("MAY"))) {
    test(audit.name, async () => {
      const result = await audit.fn();
      expect(result.status === "ok" ? "ok" : `${result.status}: ${"reason" in result ? result.reason : ""}`).toBe("ok");
    });
  }
});
