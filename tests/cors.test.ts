// CORS by allow-list (CORS_ORIGINS), against real gateways: finding D13 (any Origin reflected with
// credentials allowed) as a test, the default (only the gateway's own pages: no CORS header for any
// other origin), a listed origin's preflight and request, "*", and the validation of the setting.
// tests/graphiql-browser.test.ts checks the same in Chromium: a listed origin's page reads the answer,
// another origin's page and a request with credentials cannot.
import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";
import { startTestGateway, useTestGateway, type TestGateway } from "./support/gateway.ts";
import type { TestDatabase } from "./support/test-database.ts";

const APP = "https://app.example.com";
const EVIL = "https://evil.example";

let db: TestDatabase;
/** CORS_ORIGINS unset. */
let byDefault: TestGateway;
useTestGateway((d, g) => {
  db = d;
  byDefault = g;
});

/** A browser's preflight for a POST with a bearer token and a JSON body. */
function preflight(gw: TestGateway, origin: string, requestHeaders = "authorization,content-type") {
  return fetch(gw.url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": requestHeaders },
  });
}

/** The access-control-* headers of a response. */
function corsHeaders(res: Response): Record<string, string> {
  return Object.fromEntries([...res.headers].filter(([name]) => name.startsWith("access-control-")));
}

async function withGateway(env: Record<string, string>, run: (gw: TestGateway) => Promise<void>): Promise<void> {
  const gw = await startTestGateway({ databaseUrl: db.url, env });
  try {
    await run(gw);
  } finally {
    await gw.close();
  }
}

describe("D13: no origin is reflected by default, and credentials are never allowed", () => {
  test("a foreign origin's preflight gets no access-control header (the D13 reproduction)", async () => {
    const res = await preflight(byDefault, EVIL);
    expect(res.status).toBe(204);
    expect(corsHeaders(res)).toEqual({});
  });

  test("a foreign origin's request runs as any request would, but its page may not read the answer", async () => {
    const res = await byDefault.gql("{ viewer { role } }", undefined, { role: "authenticated", headers: { origin: EVIL } });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ viewer: expect.objectContaining({ role: "authenticated" }) });
    expect(corsHeaders(new Response(null, { headers: res.headers }))).toEqual({});
  });

  test("the gateway's own pages need none (GraphiQL is same-origin) and keep working", async () => {
    const own = new URL(byDefault.url).origin;
    const res = await byDefault.gql("{ __typename }", undefined, { role: "authenticated", headers: { origin: own } });
    expect(res.body).toEqual({ data: { __typename: "Query" } });
  });
});

describe("CORS_ORIGINS lists the origins whose pages may call the API", () => {
  const env = { CORS_ORIGINS: `${APP}, http://localhost:5173` };

  test("a listed origin's preflight: that origin, the API's methods and headers, no credentials", async () => {
    await withGateway(env, async (gw) => {
      const res = await preflight(gw, APP, "authorization,content-type,traceparent,x-request-id");
      expect(res.status).toBe(204);
      const headers = corsHeaders(res);
      expect(headers["access-control-allow-origin"]).toBe(APP);
      expect(headers["access-control-allow-methods"]).toBe("GET, POST, OPTIONS");
      expect(headers["access-control-allow-headers"]?.split(", ")).toEqual(
        expect.arrayContaining(["authorization", "apikey", "content-type", "x-request-id", "traceparent", "tracestate"]),
      );
      expect(Number(headers["access-control-max-age"])).toBeGreaterThan(0);
      expect(headers).not.toHaveProperty("access-control-allow-credentials");
      expect(res.headers.get("vary")).toMatch(/\bOrigin\b/);
      // The other listed origin, as a browser sends it.
      expect((await preflight(gw, "http://localhost:5173")).headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    });
  });

  test("a listed origin's request: allowed, its request id readable, no credentials", async () => {
    await withGateway(env, async (gw) => {
      const res = await gw.gql("{ viewer { role } }", undefined, { role: "authenticated", headers: { origin: APP } });
      expect(res.body.data).toEqual({ viewer: expect.objectContaining({ role: "authenticated" }) });
      expect(res.headers.get("access-control-allow-origin")).toBe(APP);
      expect(res.headers.get("access-control-expose-headers")).toMatch(/x-request-id/);
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
      expect(res.headers.get("vary")).toMatch(/\bOrigin\b/);
      // A refusal is readable too, so the app can tell an expired token (and sign in again) from a network failure.
      const refused = await gw.gql("{ __typename }", undefined, { authorization: "Bearer not-a-token", headers: { origin: APP } });
      expect(refused.status).toBe(401);
      expect(refused.body.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
      expect(refused.headers.get("access-control-allow-origin")).toBe(APP);
      expect(refused.headers.get("access-control-expose-headers")).toMatch(/www-authenticate/);
    });
  });

  test("anything else is foreign: another host, a look-alike, another scheme or port, the null origin", async () => {
    await withGateway(env, async (gw) => {
      for (const origin of [EVIL, `${APP}.evil.example`, "http://app.example.com", "https://app.example.com:8443", "http://localhost:5174", "null"]) {
        const res = await preflight(gw, origin);
        expect(res.status).toBe(204);
        expect(corsHeaders(res), origin).toEqual({});
        const answer = await gw.gql("{ __typename }", undefined, { headers: { origin } });
        expect(answer.headers.get("access-control-allow-origin"), origin).toBeNull();
        // A shared cache must not hand the listed origin's answer to this one, or the reverse.
        expect(answer.headers.get("vary"), origin).toMatch(/\bOrigin\b/);
      }
    });
  });

  test('"*": any origin, literally (no reflection), still without credentials', async () => {
    await withGateway({ CORS_ORIGINS: "*" }, async (gw) => {
      const res = await preflight(gw, EVIL);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
      const answer = await gw.gql("{ __typename }", undefined, { headers: { origin: EVIL } });
      expect(answer.headers.get("access-control-allow-origin")).toBe("*");
    });
  });
});

describe("CORS_ORIGINS is validated at start", () => {
  test("origins are normalised as browsers send them", () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: " HTTPS://App.Example.com:443/ ,http://127.0.0.1:3000,https://app.example.com" }).corsOrigins).toEqual([
      "https://app.example.com",
      "http://127.0.0.1:3000",
    ]);
    expect(loadConfig({ CORS_ORIGINS: "*" }).corsOrigins).toBe("*");
  });

  test("anything that is not an origin is one problem line each", () => {
    let error: unknown;
    try {
      loadConfig({
        CORS_ORIGINS: "https://app.example.com/dashboard,app.example.com,ftp://files.example.com,https://*.example.com,https://u:p@x.example",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    for (const [i, value] of [
      "https://app.example.com/dashboard",
      "app.example.com",
      "ftp://files.example.com",
      "https://*.example.com",
      "https://u:p@x.example",
    ].entries()) {
      expect(problems[i]).toBe(
        `CORS_ORIGINS: each origin must be http(s)://host[:port] without a path or wildcard, e.g. https://app.example.com (got "${value}")`,
      );
    }
    expect(() => loadConfig({ CORS_ORIGINS: "*,https://app.example.com" })).toThrow(/CORS_ORIGINS: "\*" \(any origin\) must stand alone/);
  });
});
