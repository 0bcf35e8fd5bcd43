/**
 * A real browser for tests: Debian's Chromium through playwright-core (Playwright cannot download its
 * own here), headless, with background networking off so the browser itself asks nothing of Google.
 * Each page gets a fresh context (empty storage); every request it makes is recorded, and any request
 * to a host other than the gateway's is aborted, as on a machine without internet.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];
/** A laptop's screen. */
export const LAPTOP_VIEWPORT = { width: 1366, height: 768 };
/** Where the console's screenshots go (docs/console.md shows them). */
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, "../../docs/console");

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install Debian's chromium (bash .ci/run does) or set CHROMIUM_PATH`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** Every request the page (and its workers) made, in order. */
  requests: string[];
  /** Uncaught errors, Content-Security-Policy reports and failed loads, as the browser's console said them. */
  problems: string[];
  close(): Promise<void>;
}

/** `url` in a fresh context; requests to any host but `url`'s are aborted (and recorded). */
export async function openPage(browser: Browser, url: string, viewport = LAPTOP_VIEWPORT): Promise<OpenedPage> {
  const host = new URL(url).host;
  const context = await browser.newContext({ viewport });
  const requests: string[] = [];
  const problems: string[] = [];
  context.on("request", (request) => requests.push(request.url()));
  await context.route(
    (target) => target.host !== host,
    (route) => route.abort("internetdisconnected"),
  );
  const page = await context.newPage();
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  await page.goto(url);
  return { page, context, requests, problems, close: () => context.close() };
}

/** Every request went to the gateway's loopback address (data: and blob: URLs stay in the page). */
export function expectOnlyGateway(requests: string[], url: string): void {
  const host = new URL(url).host;
  expect(host).toMatch(/^127\.0\.0\.1:\d+$/);
  const elsewhere = requests.filter((r) => !r.startsWith("data:") && !r.startsWith("blob:") && new URL(r).host !== host);
  expect(elsewhere).toEqual([]);
}

/** The console's address for a test gateway (its url is the GraphQL endpoint's). */
export const consoleUrlOf = (graphqlUrl: string): string => new URL("/", graphqlUrl).href;

/** Signs in on the console's sign-in page with `token` (pasted, replacing what is filled in). */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel("Access token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
}
