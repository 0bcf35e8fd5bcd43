// The operator console as a person meets it: served by the gateway alone (its page and hashed files,
// a same-origin CSP, a plain page when it has not been built, nothing with CONSOLE=off), signing in
// with a token in a real Chromium (a sentence for each bad token, never a blank page; by keyboard;
// straight in with the development token in embedded mode), and `npm start` printing its URL. The
// dashboard's tiles and the live queue have their own files (console-dashboard, console-approvals).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createYoga } from "graphql-yoga";
import { SignJWT } from "jose";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { signDevToken } from "../src/context/auth.ts";
import { schema } from "../src/schema/index.ts";
import { CONSOLE_ASSETS_PATH, useConsole } from "../src/plugins/console.ts";
import { consoleUrlOf, expectOnlyGateway, launchBrowser, openPage, signIn } from "./support/browser.ts";
import { runEntryPoint } from "./support/entry-point.ts";
import { startTestGateway, TEST_JWT_SECRET, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const OPERATOR = { sub: "0b6c3f5e-6a43-4c59-9a0e-3c1f7d2e9a11", email: "ada@hotrodan.com", name: "Ada Lovelace" };
const operatorToken = (expiresIn: string | number = "1h", claims: Record<string, unknown> = {}) =>
  signDevToken(TEST_JWT_SECRET, "authenticated", {
    sub: OPERATOR.sub,
    expiresIn,
    claims: { email: OPERATOR.email, user_metadata: { full_name: OPERATOR.name }, ...claims },
  });

let db: TestDatabase;
let browser: Browser;
/** No development token: the sign-in page starts empty. */
let plain: TestGateway;
/** As in embedded mode: the development operator token is offered. */
let withDevToken: TestGateway;
let devToken: string;
/** Every caller held to the catalogue: the console sends documents by id, so it still works. */
let trusted: TestGateway;
let consoleOff: TestGateway;

beforeAll(async () => {
  db = await createTestDatabase();
  devToken = await signDevToken(TEST_JWT_SECRET, "authenticated", {
    sub: "6f1d3c8e-2b7a-4c1e-9a55-0d2f1e7b3a01",
    expiresIn: "1h",
    claims: { email: "justin@hotrodan.com", user_metadata: { full_name: "Justin" } },
  });
  [plain, withDevToken, trusted, consoleOff, browser] = await Promise.all([
    // Live events on, as src/index.ts starts them: the signed-in page follows the queue.
    startTestGateway({ databaseUrl: db.url, events: {} }),
    startTestGateway({ databaseUrl: db.url, graphiqlToken: devToken, events: {} }),
    startTestGateway({ databaseUrl: db.url, env: { TRUSTED_DOCUMENTS: "all" }, events: {} }),
    startTestGateway({ databaseUrl: db.url, env: { CONSOLE: "off" } }),
    launchBrowser(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([plain?.close(), withDevToken?.close(), trusted?.close(), consoleOff?.close()]);
  await db?.close();
});

describe("the console's files, from the gateway alone", () => {
  test("GET / is the console's page, kept to this origin by its Content-Security-Policy", async () => {
    const res = await fetch(consoleUrlOf(plain.url));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await res.text();
    expect(html).toContain('<div id="app"></div>');
    // The options: where the API is, and no token (this gateway has no development token to offer).
    const options = JSON.parse(/<script type="application\/json" id="console-options">(.*?)<\/script>/.exec(html)![1]) as Record<string, unknown>;
    expect(options).toEqual({ graphqlPath: "/graphql" });
    // Scripts and styles are files of this gateway, none inline.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)(?![^>]*application\/json)[^>]*>/);
    expect(html).not.toMatch(/<style|style="/);
  });

  test("in embedded mode the page offers the development operator token", async () => {
    const html = await (await fetch(consoleUrlOf(withDevToken.url))).text();
    const options = JSON.parse(/id="console-options">(.*?)<\/script>/.exec(html)![1]) as Record<string, unknown>;
    expect(options).toEqual({ graphqlPath: "/graphql", devToken });
  });

  test("each file the page names is served, cacheable for good and gzipped on request; other names are 404", async () => {
    const html = await (await fetch(consoleUrlOf(plain.url))).text();
    const files = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(files.some((f) => f.endsWith(".js"))).toBe(true);
    expect(files.some((f) => f.endsWith(".css"))).toBe(true);
    for (const file of files) {
      const res = await fetch(new URL(file, plain.url), { headers: { "accept-encoding": "gzip" } });
      expect(res.status, file).toBe(200);
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(res.headers.get("content-encoding")).toBe("gzip");
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    for (const missing of ["nope.js", "..%2F..%2Fpackage.json", ".hidden", "sub/dir.js"]) {
      const res = await fetch(new URL(`${CONSOLE_ASSETS_PATH}/${missing}`, plain.url));
      expect(res.status, missing).toBe(404);
    }
  });

  test("CONSOLE=off: no page at / and no files", async () => {
    expect((await fetch(consoleUrlOf(consoleOff.url))).status).toBe(404);
    const html = await (await fetch(consoleUrlOf(plain.url))).text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)![1];
    expect((await fetch(new URL(script, consoleOff.url))).status).toBe(404);
  });

  test("not built: a plain page with the code CONSOLE_NOT_BUILT and the command that builds it", async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), "hotdash-console-"));
    try {
      const yoga = createYoga({ schema, plugins: [useConsole({ graphqlPath: "/graphql", buildDir: empty })] });
      const res = await yoga.fetch("http://gateway.test/");
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(text).toContain("CONSOLE_NOT_BUILT");
      expect(text).toContain("npm run build:console");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("signing in, in Chromium", () => {
  /** Opens the console on `gateway`, signs in with `token` and returns the message the page shows. */
  async function refusalFor(gateway: TestGateway, token: string): Promise<string> {
    const opened = await openPage(browser, consoleUrlOf(gateway.url));
    try {
      await signIn(opened.page, token);
      const alert = opened.page.getByRole("alert");
      await alert.waitFor();
      expect(await opened.page.getByRole("heading", { name: "HotDash console" }).isVisible()).toBe(true);
      expectOnlyGateway(opened.requests, gateway.url);
      expect(opened.problems.filter((p) => !p.includes("status of 401"))).toEqual([]);
      return await alert.innerText();
    } finally {
      await opened.close();
    }
  }

  test("an operator's token signs in; the page names the person; a reload keeps the session; Sign out ends it", async () => {
    const opened = await openPage(browser, consoleUrlOf(plain.url));
    const { page } = opened;
    try {
      // Nothing is filled in without a development token; the field says what to paste.
      expect(await page.getByLabel("Access token").inputValue()).toBe("");
      await signIn(page, `Bearer ${await operatorToken()}`); // a pasted "Bearer " prefix is fine
      await expect.poll(() => page.locator(".who").innerText()).toBe(`Signed in as ${OPERATOR.name} (${OPERATOR.email})`);
      await page.reload();
      await expect.poll(() => page.locator(".who").innerText()).toContain(OPERATOR.name);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("Access token").waitFor();
      expect(await page.getByLabel("Access token").inputValue()).toBe("");
      expectOnlyGateway(opened.requests, plain.url);
      expect(opened.problems).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  test("each bad token gets a sentence saying what is wrong", async () => {
    const otherSecret = await signDevToken("another-project-secret-0123456789abcdef", "authenticated", { sub: OPERATOR.sub, expiresIn: "1h" });
    const expired = await operatorToken(-60);
    const serviceRole = await signDevToken(TEST_JWT_SECRET, "service_role", { expiresIn: "1h" });
    const anonymous = await operatorToken("1h", { is_anonymous: true });
    // Supabase's anon key: a JWT with role anon (valid, but nobody in particular).
    const anonKey = await new SignJWT({ role: "anon" })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer("supabase")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expect(await refusalFor(plain, "   ")).toBe("Paste an operator's session token to sign in.");
    expect(await refusalFor(plain, "not-a-token")).toBe("That is not a token: paste the whole access token (three parts separated by dots).");
    expect(await refusalFor(plain, expired)).toMatch(/^This token has expired\. Sign in to Supabase again/);
    expect(await refusalFor(plain, otherSecret)).toMatch(/^This token is not from this gateway's Supabase project: /);
    expect(await refusalFor(plain, serviceRole)).toMatch(/^This is a service_role \(back-office\) token\. The console is for operators/);
    expect(await refusalFor(plain, anonymous)).toMatch(/^This is an anonymous sign-in\. The console is for operators/);
    expect(await refusalFor(plain, anonKey)).toBe("Paste an operator's session token to sign in.");
  });

  test("from the keyboard alone: Tab to the field, type, Tab to Sign in, Enter", async () => {
    const opened = await openPage(browser, consoleUrlOf(plain.url));
    const { page } = opened;
    try {
      await page.getByLabel("Access token").waitFor();
      await page.keyboard.press("Tab");
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("token");
      await page.keyboard.insertText(await operatorToken());
      await page.keyboard.press("Tab");
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Sign in");
      await page.keyboard.press("Enter");
      await expect.poll(() => page.locator(".who").innerText()).toContain(OPERATOR.name);
    } finally {
      await opened.close();
    }
  });

  test("a token that expires while the page is open returns to the sign-in page with the reason", async () => {
    const opened = await openPage(browser, consoleUrlOf(plain.url));
    const { page } = opened;
    try {
      await signIn(page, await operatorToken(8));
      await page.locator(".who").waitFor();
      const alert = page.locator("#sign-in-problem");
      await alert.waitFor({ timeout: 15_000 });
      expect(await alert.innerText()).toMatch(/^This token has expired/);
    } finally {
      await opened.close();
    }
  });

  test("a gateway that stops answering is said so, not a blank page", async () => {
    const gone = await startTestGateway({ databaseUrl: db.url });
    const opened = await openPage(browser, consoleUrlOf(gone.url));
    try {
      await opened.page.getByLabel("Access token").waitFor();
      await gone.close();
      await signIn(opened.page, await operatorToken());
      const alert = opened.page.getByRole("alert");
      await alert.waitFor();
      expect(await alert.innerText()).toBe("The gateway did not answer. Is it running? Try again in a moment.");
    } finally {
      await opened.close();
    }
  });

  test("with every caller held to the catalogue (TRUSTED_DOCUMENTS=all) the console still signs in: it sends documents by id", async () => {
    const opened = await openPage(browser, consoleUrlOf(trusted.url));
    try {
      await signIn(opened.page, await operatorToken());
      await expect.poll(() => opened.page.locator(".who").innerText()).toContain(OPERATOR.name);
      // The tiles and the live queue, by id too: no refusal anywhere on the page.
      await opened.page.locator(".approvals .live.on").waitFor();
      expect(await opened.page.getByRole("alert").count()).toBe(0);
      expect(opened.problems).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  test("embedded mode: straight in with the development token; after Sign out it is filled in, ready", async () => {
    const opened = await openPage(browser, consoleUrlOf(withDevToken.url));
    const { page } = opened;
    try {
      await expect.poll(() => page.locator(".who").innerText()).toBe("Signed in as Justin (justin@hotrodan.com)");
      await page.getByRole("button", { name: "Sign out" }).click();
      // Signed out on purpose: no automatic sign-in again, but the token is there to sign in with.
      await page.reload();
      await page.getByLabel("Access token").waitFor();
      expect(await page.getByLabel("Access token").inputValue()).toBe(devToken);
      expect(await page.getByText("Embedded mode: the development operator token").isVisible()).toBe(true);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect.poll(() => page.locator(".who").innerText()).toContain("Justin");
      expectOnlyGateway(opened.requests, withDevToken.url);
    } finally {
      await opened.close();
    }
  });
});

describe("npm start", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "hotdash-console-start-"));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test("prints the console's URL; it opens signed in as the development operator", { timeout: 240_000 }, async () => {
    const run = await runEntryPoint({ DATA_DIR: dataDir, PORT: "0" }, { until: /Development tokens/, timeoutMs: 200_000 });
    try {
      const url = /Console\s+(http:\/\/127\.0\.0\.1:\d+\/)\s/.exec(run.stdout)?.[1];
      expect(url, run.stdout + run.stderr).toBeDefined();
      expect(run.stdout).toContain("signed in as the development operator");
      const opened = await openPage(browser, url!);
      try {
        await expect.poll(() => opened.page.locator(".who").innerText(), { timeout: 30_000 }).toBe("Signed in as Justin (justin@hotrodan.com)");
        const { page } = opened;
        // The four tiles, each with its chart drawn, over the demo data.
        const charts = page.locator("#dashboard canvas");
        await expect.poll(() => charts.count(), { timeout: 30_000 }).toBe(4);
        for (const chart of await charts.all()) expect((await chart.boundingBox())?.width).toBeGreaterThan(100);
        for (const tile of ["Revenue", "Ads", "Inventory", "Support queue"])
          expect(await page.getByRole("heading", { name: tile, exact: true }).isVisible()).toBe(true);
        // The live queue, following the stream, with the demo's pending approvals.
        await page.locator(".approvals .live.on").waitFor();
        // "Live" can come before the first read of the queue has answered: wait for the count, then look.
        const queueHeading = page.getByRole("heading", { name: /^Approval queue \d+ pending$/ });
        await queueHeading.waitFor({ timeout: 30_000 });
        expect(await queueHeading.isVisible()).toBe(true);
        expect(await page.getByRole("button", { name: "Approve" }).count()).toBeGreaterThan(0);
        expectOnlyGateway(opened.requests, url!);
        expect(opened.problems).toEqual([]);
      } finally {
        await opened.close();
      }
    } finally {
      await run.stop();
    }
  });
});
