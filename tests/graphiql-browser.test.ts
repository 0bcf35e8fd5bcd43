// GraphiQL in a real browser (Debian's Chromium through playwright-core), against real gateways on a
// real database: the page renders from the gateway alone (every request the page makes goes to the
// gateway's loopback address; anything else is refused, as on a machine without internet), shows the
// project's intro text with the operator token prefilled, and runs a query typed on the keyboard.
// Without a token the schema request gets the plain INTROSPECTION_DISABLED error; GRAPHIQL=off serves
// no page. Also CORS as a browser enforces it (tests/cors.test.ts has the headers themselves). One
// browser for the file; a fresh context (empty storage) per page.
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";
import { signDevToken } from "../src/context/auth.ts";
import { GRAPHIQL_INTRO } from "../src/server.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH, expectOnlyGateway } from "./support/browser.ts";
import { startTestGateway, TEST_JWT_SECRET, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

/** Loading ~9 MB of script on a busy 2-core machine: generous, and only an upper bound. */
const PAGE_TIMEOUT_MS = 60_000;

let db: TestDatabase;
let browser: Browser;
/** The operator token the first gateway prefills. */
let graphiqlToken: string;
/** GraphiQL on, an operator token prefilled (as in embedded mode). */
let withToken: TestGateway;
/** GraphiQL on, no token: the page runs as anon. */
let anonymous: TestGateway;
/** GRAPHIQL=off. */
let off: TestGateway;
/** A web app's pages on another loopback origin (http://127.0.0.1:<port>), and a gateway listing that origin in CORS_ORIGINS. */
let app: Server;
let appPort: number;
let withCors: TestGateway;

beforeAll(async () => {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install Debian's chromium (bash .ci/run does) or set CHROMIUM_PATH`);
  db = await createTestDatabase();
  await db.pool.query(`INSERT INTO supplier_lead_times (supplier, lead_time_days) VALUES ('Cedar Crate Co', 6)`);
  graphiqlToken = await signDevToken(TEST_JWT_SECRET, "authenticated", { sub: "operator-1", expiresIn: "1h" });
  [withToken, anonymous, off] = await Promise.all([
    startTestGateway({ databaseUrl: db.url, env: { GRAPHIQL: "on" }, graphiqlToken }),
    startTestGateway({ databaseUrl: db.url, env: { GRAPHIQL: "on" } }),
    startTestGateway({ databaseUrl: db.url, env: { GRAPHIQL: "off" } }),
  ]);
  app = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>dashboard</title>"));
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appPort = (app.address() as AddressInfo).port;
  withCors = await startTestGateway({ databaseUrl: db.url, env: { CORS_ORIGINS: `http://127.0.0.1:${appPort}` } });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([withToken?.close(), anonymous?.close(), off?.close(), withCors?.close()]);
  await new Promise((resolve) => (app ? app.close(resolve) : resolve(undefined)));
  await db?.close();
});

interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** Every request the page (and its workers) made, in order. */
  requests: string[];
  /** Uncaught errors and Content-Security-Policy reports. */
  problems: string[];
  /** The page's response headers. */
  headers: Record<string, string>;
  /** The answer to the page's own schema request (GraphiQL introspects on load). */
  schema: Promise<{ status: number; body: { data?: { __schema?: { queryType: { name: string } } }; errors?: { extensions?: { code?: string } }[] } }>;
}

/** A fresh context (no stored tabs or headers) on `url`; requests to any host but the gateway's are aborted. */
async function open(url: string): Promise<OpenedPage> {
  const gatewayHost = new URL(url).host;
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const requests: string[] = [];
  const problems: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  await context.route(
    (target) => target.host !== gatewayHost,
    (route) => route.abort("internetdisconnected"),
  );
  const page = await context.newPage();
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (/Content Security Policy|YogaGraphiQL is not defined/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  const schema = page
    .waitForResponse((r) => r.request().method() === "POST" && (r.request().postData() ?? "").includes("__schema"), { timeout: PAGE_TIMEOUT_MS })
    .then(async (r) => ({ status: r.status(), body: (await r.json()) as Awaited<OpenedPage["schema"]>["body"] }));
  schema.catch(() => {}); // awaited by the tests that need it
  const response = await page.goto(url);
  return { page, context, requests, problems, schema, headers: response?.headers() ?? {} };
}

/** The text of a Monaco editor as rendered (non-breaking spaces as spaces). */
const editorText = (page: Page, section: string) =>
  page
    .locator(`${section} .view-lines`)
    .first()
    .innerText()
    .then((t) => t.replace(/\u00a0/g, " "));

const queryEditor = ".graphiql-query-editor";
/** The tools pane's visible editor: Headers, which GraphiQL opens when headers are prefilled. */
const headersEditor = ".graphiql-editor-tool .graphiql-editor:not(.hidden)";
const responsePane = ".graphiql-response";

describe("GraphiQL, served by the gateway alone", () => {
  test(
    "renders offline with the intro text and the token prefilled, and runs a query typed into the editor",
    async () => {
      const { page, context, requests, problems, schema, headers } = await open(withToken.url);
      try {
        const editor = page.locator(`${queryEditor} .monaco-editor`).first();
        await editor.waitFor({ timeout: PAGE_TIMEOUT_MS });
        await expect.poll(() => editorText(page, queryEditor), { timeout: PAGE_TIMEOUT_MS }).toContain("# HotDash Gateway");

        // The project's intro, not yoga's welcome text.
        const intro = await editorText(page, queryEditor);
        for (const line of GRAPHIQL_INTRO.split("\n").filter((l) => l.trim() !== "")) expect(intro).toContain(line);
        expect(intro).not.toMatch(/Welcome to/);
        // The operator token, in the Headers tab; with it the page loaded the schema.
        await expect.poll(() => editorText(page, headersEditor), { timeout: PAGE_TIMEOUT_MS }).toContain('"Authorization"');
        expect((await editorText(page, headersEditor)).replace(/\s+/g, "")).toContain(`"Authorization":"Bearer${graphiqlToken}"`);
        expect(await schema).toMatchObject({ status: 200, body: { data: { __schema: { queryType: { name: "Query" } } } } });

        // Real typing into Monaco: select everything, replace it. Monaco closes brackets as they are typed
        // and types over the closers, so the text typed is the query as written.
        await editor.click();
        await page.keyboard.press("Control+A");
        await page.keyboard.press("Delete");
        await page.keyboard.type("{ supplierLeadTimes { totalCount edges { node { name leadTimeDays } } } }");
        await expect.poll(() => editorText(page, queryEditor)).toContain("supplierLeadTimes");
        await page.keyboard.press("Control+Enter");

        await expect.poll(() => editorText(page, responsePane), { timeout: PAGE_TIMEOUT_MS }).toContain("Cedar Crate Co");
        const answer = (await editorText(page, responsePane)).replace(/\s+/g, "");
        expect(answer).toContain('"totalCount":1');
        expect(answer).toContain('"leadTimeDays":6');

        await page.screenshot({ path: "/tmp/graphiql.png" });
        expect(problems).toEqual([]);
        // The browser enforces "this origin only" too, and no other site may frame the page.
        expect(headers["content-security-policy"]).toMatch(/default-src 'self';.*connect-src 'self';.*frame-ancestors 'none'/);
        // The page, its script and styles, Monaco's workers, the schema and the query: all from the gateway.
        expect(requests.some((r) => /\/graphql\/graphiql\/[0-9a-f]+\/graphiql\.js$/.test(r))).toBe(true);
        expect(requests.some((r) => /\/graphql\/graphiql\/[0-9a-f]+\/graphql\.worker\.js$/.test(r))).toBe(true);
        expectOnlyGateway(requests, withToken.url);
      } finally {
        await context.close();
      }
    },
    PAGE_TIMEOUT_MS * 3,
  );

  test(
    "without a token the page still works: the schema request shows the plain INTROSPECTION_DISABLED error",
    async () => {
      const { page, context, requests, problems, schema } = await open(anonymous.url);
      try {
        await page.locator(`${queryEditor} .monaco-editor`).first().waitFor({ timeout: PAGE_TIMEOUT_MS });
        await expect.poll(() => editorText(page, queryEditor), { timeout: PAGE_TIMEOUT_MS }).toContain("# HotDash Gateway");
        await expect.poll(() => editorText(page, responsePane), { timeout: PAGE_TIMEOUT_MS }).toContain("INTROSPECTION_DISABLED");
        expect((await editorText(page, responsePane)).replace(/\s+/g, " ")).toMatch(/Introspection \(__schema, __type\) is not available/);
        await page.screenshot({ path: "/tmp/graphiql-anon.png" });
        const refused = await schema;
        expect(refused.status).toBe(400);
        expect(refused.body.data).toBeUndefined();
        expect(refused.body.errors?.[0]?.extensions?.code).toBe("INTROSPECTION_DISABLED");
        expect(problems).toEqual([]);
        expectOnlyGateway(requests, anonymous.url);
      } finally {
        await context.close();
      }
    },
    PAGE_TIMEOUT_MS * 2,
  );

  test("GRAPHIQL=off: a browser's GET /graphql gets no GraphiQL, and its assets are not served", async () => {
    const { page, context } = await open(off.url);
    try {
      expect(await page.locator(".graphiql-container").count()).toBe(0);
      expect(await page.content()).not.toMatch(/graphiql/i);
      // The same request as the browser's, to see what it got: yoga's answer to a GET that accepts only HTML (406).
      const res = await fetch(off.url, { headers: { accept: "text/html" } });
      expect(res.status).not.toBe(200);
      expect(res.headers.get("content-type") ?? "").not.toMatch(/text\/html/);
      const html = await (await fetch(withToken.url, { headers: { accept: "text/html" } })).text();
      const script = /src="([^"]+\/graphiql\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      // On: the script, cacheable for good (its path changes with its content), gzipped for a browser that accepts it.
      const served = await fetch(new URL(script!, withToken.url), { headers: { "accept-encoding": "gzip" } });
      expect(served.status).toBe(200);
      expect(served.headers.get("content-type")).toMatch(/^text\/javascript/);
      expect(served.headers.get("cache-control")).toMatch(/immutable/);
      expect(served.headers.get("content-encoding")).toBe("gzip");
      expect(await served.text()).toContain("renderYogaGraphiQL");
      expect((await fetch(new URL(script!, off.url))).status).toBe(404);
    } finally {
      await context.close();
    }
  });
});

describe("CORS in a real browser (CORS_ORIGINS)", () => {
  /** What a page's fetch() of the gateway gets: the answer, or the browser's refusal. */
  const callFromPage = (page: Page, url: string, token: string, credentials: RequestCredentials) =>
    page.evaluate(
      async ({ url, token, credentials }) => {
        try {
          const res = await fetch(url, {
            method: "POST",
            credentials,
            headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "x-request-id": "from-the-dashboard" },
            body: JSON.stringify({ query: "{ supplierLeadTimes { totalCount } }" }),
          });
          return { ok: true, status: res.status, body: (await res.json()) as unknown, requestId: res.headers.get("x-request-id") };
        } catch (error) {
          return { ok: false, error: String(error) };
        }
      },
      { url, token, credentials },
    );

  test("a page of the listed origin calls the API with a bearer token; a page of another origin cannot read it; no credentials", async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const token = await withCors.token("authenticated");
      await page.goto(`http://127.0.0.1:${appPort}/`);
      expect(await callFromPage(page, withCors.url, token, "same-origin")).toEqual({
        ok: true,
        status: 200,
        body: { data: { supplierLeadTimes: { totalCount: 1 } } },
        requestId: "from-the-dashboard", // an exposed header
      });
      // Cookies or HTTP auth may not ride along: the gateway never allows credentials.
      expect(await callFromPage(page, withCors.url, token, "include")).toMatchObject({ ok: false, error: expect.stringMatching(/Failed to fetch/) });
      // The same page on another origin (localhost is not 127.0.0.1 to a browser).
      await page.goto(`http://localhost:${appPort}/`);
      expect(await callFromPage(page, withCors.url, token, "same-origin")).toMatchObject({
        ok: false,
        error: expect.stringMatching(/Failed to fetch/),
      });
    } finally {
      await context.close();
    }
  });
});

describe("GRAPHIQL", () => {
  const server = { DATABASE_URL: "postgres://gateway@db.internal/hotdash", SUPABASE_JWT_SECRET: TEST_JWT_SECRET };

  test("on in embedded mode and by default; off with NODE_ENV=production unless set; an explicit value wins", () => {
    expect(loadConfig({}).graphiql).toBe(true);
    expect(loadConfig({ NODE_ENV: "production" }).graphiql).toBe(true); // embedded: a local demo
    expect(loadConfig(server).graphiql).toBe(true);
    expect(loadConfig({ ...server, NODE_ENV: "production" }).graphiql).toBe(false);
    expect(loadConfig({ ...server, NODE_ENV: "production", GRAPHIQL: "on" }).graphiql).toBe(true);
    expect(loadConfig({ ...server, GRAPHIQL: "off" }).graphiql).toBe(false);
    expect(loadConfig({ GRAPHIQL: "OFF" }).graphiql).toBe(false);
  });

  test("anything but a boolean is a one-line problem", () => {
    expect(() => loadConfig({ GRAPHIQL: "sometimes" })).toThrow(ConfigError);
    expect(() => loadConfig({ GRAPHIQL: "sometimes" })).toThrow(/GRAPHIQL: must be true or false \(got "sometimes"\)/);
  });
});
