// The console's dashboard in a real browser (Debian's Chromium through playwright-core) against the real gateway on a
// real database with the demo data: the figures on the page equal the API's (DashboardPage with the same variables),
// every tile draws its chart, the date range and platform filter reload the figures, the campaigns sort by ROAS with
// blank ROAS last, the controls work from the keyboard and have labels, no request leaves the gateway, and the page
// does not scroll sideways at laptop width. Takes docs/console/dashboard.png.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { print } from "graphql";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { signDevToken } from "../src/context/auth.ts";
import { seedDemoData } from "../src/db/seed/index.ts";
import { DashboardPageDocument, type DashboardPageQuery, type DashboardPageQueryVariables } from "../src/generated/operations/graphql.ts";
import { consoleUrlOf, expectOnlyGateway, launchBrowser, openPage, SCREENSHOT_DIR, type OpenedPage } from "./support/browser.ts";
import { startTestGateway, TEST_JWT_SECRET, type TestGateway } from "./support/gateway.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

/** Bounds for a page load on a busy machine; never a timed assertion. */
const PAGE_TIMEOUT_MS = 30_000;
const OPERATOR = "operator-dashboard";

let db: TestDatabase;
let gw: TestGateway;
let browser: Browser;
let url: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDemoData(db.url);
  // The console signs in by itself with this operator token, as with npm start's development token.
  const token = await signDevToken(TEST_JWT_SECRET, "authenticated", { sub: OPERATOR, expiresIn: "1h" });
  gw = await startTestGateway({ databaseUrl: db.url, graphiqlToken: token });
  url = consoleUrlOf(gw.url);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gw?.close();
  await db?.close();
});

type Dashboard = DashboardPageQuery["dashboard"];

/** DashboardPage through the API, as the console's operator. */
async function api(variables: DashboardPageQueryVariables = {}): Promise<Dashboard> {
  const data = await gw.data<DashboardPageQuery>(print(DashboardPageDocument), variables, { role: "authenticated", sub: OPERATOR });
  return data.dashboard;
}

/** The console, signed in, with the dashboard's figures shown. */
async function openDashboard(): Promise<OpenedPage> {
  const opened = await openPage(browser, url);
  await opened.page.getByTestId("revenue-total").waitFor({ timeout: PAGE_TIMEOUT_MS });
  await settled(opened.page);
  return opened;
}

/** No request of the dashboard is running (its role="status" line is gone). */
const settled = (page: Page) => expect.poll(() => page.locator("#dashboard").getAttribute("aria-busy"), { timeout: PAGE_TIMEOUT_MS }).toBe("false");

const text = async (locator: Locator) => ((await locator.textContent()) ?? "").trim();
/** "$308,407.73" or "−$2,708.36" as cents. */
const cents = (shown: string) => {
  const amount = Math.round(Number(shown.replace(/[^0-9.]/g, "")) * 100);
  return /^[−-]/.test(shown) ? -amount : amount;
};
/** "3.72×" as 3.72; a blank as null. */
const numberOrBlank = (shown: string) => (shown === "" ? null : Number(shown.replace(/[^0-9.-]/g, "")));
const decimalOrNull = (value: string | null) => (value == null ? null : Number(value));

/** The figures the page shows, read from its text. */
async function shown(page: Page) {
  const id = (testId: string) => page.getByTestId(testId);
  const all = async (testId: string) => (await id(testId).allTextContents()).map((t) => t.trim());
  return {
    revenueTotal: cents(await text(id("revenue-total"))),
    revenueChange: cents(await text(id("revenue-change-amount"))),
    revenuePercent: (await id("revenue-change-percent").count()) ? await text(id("revenue-change-percent")) : null,
    revenueRange: await text(id("revenue-range")),
    adsRoas: numberOrBlank(await text(id("ads-roas"))),
    adsSpend: cents(await text(id("ads-spend"))),
    adsRevenue: cents(await text(id("ads-revenue"))),
    statusCounts: {
      outOfStock: Number(await text(id("inventory-out-of-stock"))),
      urgentReorder: Number(await text(id("inventory-urgent-reorder"))),
      lowStock: Number(await text(id("inventory-low-stock"))),
      inStock: Number((await text(id("inventory-in-stock"))).replace(/,/g, "")),
    },
    reorder: {
      skus: await all("reorder-sku"),
      weeks: (await all("reorder-weeks")).map(numberOrBlank),
      points: (await all("reorder-point")).map((t) => Number(t.replace(/,/g, ""))),
    },
    pending: Number(await text(id("support-pending"))),
    kinds: await all("support-kind-name"),
    kindCounts: (await all("support-kind-count")).map(Number),
  };
}

/** What the page must show for the API's answer. */
function expected(dashboard: Dashboard) {
  const { revenue, adsRoas: ads, inventory, supportQueue: queue } = dashboard;
  if (!revenue || !ads || !inventory || !queue) throw new Error("a tile is missing from the API's answer");
  const percent = revenue.changePercent == null ? null : Number(revenue.changePercent);
  return {
    revenueTotal: Number(revenue.totalCents),
    revenueChange: Number(revenue.changeCents),
    // One decimal on the page, with its sign.
    revenuePercent: percent == null ? null : `${percent > 0 ? "+" : ""}${percent.toFixed(1)}%`,
    revenueRange: expect.any(String),
    adsRoas: decimalOrNull(ads.blended.roas),
    adsSpend: Number(ads.blended.spendCents),
    adsRevenue: Number(ads.blended.revenueCents),
    statusCounts: inventory.statusCounts,
    reorder: {
      skus: inventory.skus.map((s) => s.sku),
      weeks: inventory.skus.map((s) => decimalOrNull(s.weeksOfSupply)),
      points: inventory.skus.map((s) => s.reorderPoint),
    },
    pending: queue.pendingCount,
    kinds: queue.byKind.map((k) => k.kind.replace(/_/g, " ")),
    kindCounts: queue.byKind.map((k) => k.count),
  };
}

/** Presses Tab until `target` has the focus; returns the accessible names passed on the way. */
async function tabTo(page: Page, target: Locator, limit = 120): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error(`Tab never reached ${String(target)}`);
}

const DAY_MS = 86_400_000;
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

describe("the dashboard in Chromium, on the demo data", () => {
  test("shows the API's figures in every tile, each with a drawn chart; no request leaves the gateway; no sideways scroll at 1366 px; the screenshot", async () => {
    const opened = await openDashboard();
    const { page, requests, problems } = opened;
    try {
      const dashboard = await api({});
      // The demo data fills every tile (a test of the page, not of an empty store).
      expect(dashboard.revenue?.daysWithData).toBeGreaterThan(0);
      expect(dashboard.inventory?.skus.length).toBeGreaterThan(0);
      expect(dashboard.supportQueue?.pendingCount).toBeGreaterThan(0);
      expect(await shown(page)).toEqual(expected(dashboard));
      // The range the API used is the one shown, in the inputs too.
      const range = dashboard.revenue!.range;
      expect(await page.getByLabel("From", { exact: true }).inputValue()).toBe(range.from);
      expect(await page.getByLabel("To", { exact: true }).inputValue()).toBe(range.to);
      expect(await page.getByRole("button", { name: "Last 30 days", exact: true }).getAttribute("aria-pressed")).toBe("true");

      // Each tile draws a chart: a sized canvas with painted pixels, and words for it.
      for (const chart of ["revenue-chart", "ads-chart", "inventory-chart", "support-chart"]) {
        const canvas = page.getByTestId(chart);
        const box = await canvas.boundingBox();
        expect(box?.width, chart).toBeGreaterThan(100);
        expect(box?.height, chart).toBeGreaterThan(50);
        const painted = await canvas.evaluate((el) => {
          const c = el as HTMLCanvasElement;
          const pixels = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
          let count = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) count++;
          return count;
        });
        expect(painted, chart).toBeGreaterThan(500);
        expect(await canvas.getAttribute("aria-label"), chart).toMatch(/\d/);
      }
      // The numbers behind the charts are on the page as text too.
      expect(await page.getByTestId("tile-revenue").textContent()).toContain("30 of 30 days have data");

      // Laptop width: nothing wider than the window; two columns of tiles.
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
      const [revenueBox, adsBox] = await Promise.all([page.getByTestId("tile-revenue").boundingBox(), page.getByTestId("tile-ads").boundingBox()]);
      expect(adsBox!.x).toBeGreaterThan(revenueBox!.x + revenueBox!.width - 1);
      expect(adsBox!.y).toBe(revenueBox!.y);

      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const section = (await page.locator("#dashboard").boundingBox())!;
      await page.mouse.move(0, 0);
      await page.screenshot({
        path: path.join(SCREENSHOT_DIR, "dashboard.png"),
        fullPage: true,
        animations: "disabled",
        clip: { x: 0, y: section.y - 12, width: 1366, height: section.height + 24 },
      });

      // Below 1100 px: one column, still no sideways scroll.
      await page.setViewportSize({ width: 1024, height: 768 });
      await expect
        .poll(async () => (await page.getByTestId("tile-ads").boundingBox())!.x)
        .toBe((await page.getByTestId("tile-revenue").boundingBox())!.x);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);

      expect(problems).toEqual([]);
      expectOnlyGateway(requests, url);
    } finally {
      await opened.close();
    }
  }, 120_000);

  test("the platform filter and the date range reload the figures to the API's for those variables", async () => {
    const opened = await openDashboard();
    const { page, requests, problems } = opened;
    try {
      const asOf = (await api({})).asOf;

      // One platform: the ads tile follows it; revenue is the store's.
      await page.getByLabel("Google", { exact: true }).check();
      const google = await api({ platforms: ["GOOGLE"] });
      expect(google.adsRoas!.blended.spendCents).not.toBe((await api({})).adsRoas!.blended.spendCents);
      await expect.poll(async () => (await shown(page)).adsSpend, { timeout: PAGE_TIMEOUT_MS }).toBe(Number(google.adsRoas!.blended.spendCents));
      await settled(page);
      expect(await shown(page)).toEqual(expected(google));
      expect(new Set(await page.getByTestId("campaign-row").locator("td:nth-of-type(1)").allTextContents())).toEqual(new Set(["Google"]));

      // Two platforms.
      await page.getByLabel("Meta", { exact: true }).check();
      const two = await api({ platforms: ["META", "GOOGLE"] });
      await expect.poll(async () => (await shown(page)).adsSpend, { timeout: PAGE_TIMEOUT_MS }).toBe(Number(two.adsRoas!.blended.spendCents));
      await settled(page);
      expect(await shown(page)).toEqual(expected(two));

      // A preset: the last 7 days ending at the dashboard's day.
      await page.getByRole("button", { name: "Last 7 days", exact: true }).click();
      const week = { from: addDays(asOf, -6), to: asOf };
      const seven = await api({ range: week, platforms: ["META", "GOOGLE"] });
      await expect.poll(async () => (await shown(page)).revenueTotal, { timeout: PAGE_TIMEOUT_MS }).toBe(Number(seven.revenue!.totalCents));
      await settled(page);
      expect(await shown(page)).toEqual(expected(seven));
      expect(seven.revenue!.range).toEqual(week);
      expect(await page.getByLabel("From", { exact: true }).inputValue()).toBe(week.from);

      // Typed dates, every platform again.
      await page.getByLabel("Google", { exact: true }).uncheck();
      await page.getByLabel("Meta", { exact: true }).uncheck();
      const custom = { from: addDays(asOf, -59), to: addDays(asOf, -20) };
      await page.getByLabel("From", { exact: true }).fill(custom.from);
      await page.getByLabel("To", { exact: true }).fill(custom.to);
      const typed = await api({ range: custom });
      await expect.poll(async () => (await shown(page)).revenueTotal, { timeout: PAGE_TIMEOUT_MS }).toBe(Number(typed.revenue!.totalCents));
      await settled(page);
      expect(await shown(page)).toEqual(expected(typed));
      expect(await page.getByRole("button", { name: "Last 30 days", exact: true }).getAttribute("aria-pressed")).toBe("false");

      // Before the demo's first day: the revenue and ads tiles say they have nothing, rather than drawing zeros.
      const before = { from: addDays(asOf, -400), to: addDays(asOf, -371) };
      await page.getByLabel("From", { exact: true }).fill(before.from);
      await expect(page.getByRole("alert").textContent()).resolves.toMatch(/at most 366 days/);
      await page.getByLabel("To", { exact: true }).fill(before.to);
      const nothing = await api({ range: before });
      expect(nothing.revenue!.daysWithData).toBe(0);
      expect(nothing.adsRoas!.blended.campaignCount).toBe(0);
      await expect
        .poll(async () => text(page.getByTestId("tile-revenue")), { timeout: PAGE_TIMEOUT_MS })
        .toContain("No revenue recorded in this range.");
      await settled(page);
      expect(await text(page.getByTestId("tile-ads"))).toContain("No ad metrics recorded in this range.");
      expect(await page.getByTestId("revenue-chart").count()).toBe(0);
      // Nothing spent: ROAS, CPC, CPA and CTR are blank (their divisors are 0), not 0 or ∞.
      for (const figure of ["ads-roas", "ads-cpc", "ads-cpa", "ads-ctr"]) expect(await text(page.getByTestId(figure)), figure).toBe("");
      expect(cents(await text(page.getByTestId("revenue-total")))).toBe(0);

      // From after To is refused on the page, without asking the gateway.
      await page.getByLabel("From", { exact: true }).fill(addDays(custom.to, 1));
      await expect(page.getByRole("alert").textContent()).resolves.toMatch(/From must be on or before To/);

      expect(problems).toEqual([]);
      expectOnlyGateway(requests, url);
    } finally {
      await opened.close();
    }
  }, 120_000);

  test("the campaigns sort by ROAS (blank ROAS last both ways), by spend and revenue; a campaign without spend has a blank ROAS", async () => {
    const opened = await openDashboard();
    const { page, requests, problems } = opened;
    try {
      const ads = (await api({})).adsRoas!;
      const rows = page.getByTestId("campaign-row");
      expect(await rows.count()).toBe(ads.campaigns.length);
      // The demo's organic campaigns spend nothing: their ROAS (revenue ÷ 0) is null in the API and blank here.
      const unspent = ads.campaigns.filter((c) => Number(c.spendCents) === 0);
      expect(unspent.length).toBeGreaterThan(0);
      expect(unspent.every((c) => c.roas === null)).toBe(true);
      for (const campaign of unspent) {
        const row = rows.filter({ has: page.getByRole("rowheader", { name: campaign.name, exact: true }) });
        expect(await text(row.getByTestId("campaign-roas"))).toBe("");
      }
      const pageText = (await page.getByTestId("tile-ads").textContent()) ?? "";
      expect(pageText).not.toMatch(/NaN|∞|Infinity|undefined|null/);

      const roasHeader = page.getByRole("columnheader", { name: "ROAS", exact: true });
      const roasColumn = async () => (await page.getByTestId("campaign-roas").allTextContents()).map((t) => numberOrBlank(t.trim()));
      const byRoas = (direction: 1 | -1) => {
        const values = ads.campaigns.map((c) => decimalOrNull(c.roas));
        const known = values.filter((v): v is number => v !== null).sort((a, b) => (a - b) * direction);
        return [...known, ...values.filter((v) => v === null)];
      };
      await page.getByRole("button", { name: "ROAS", exact: true }).click();
      expect(await roasHeader.getAttribute("aria-sort")).toBe("descending");
      await expect.poll(roasColumn).toEqual(byRoas(-1)); // the API sorts: the rows follow its answer
      await page.getByRole("button", { name: "ROAS", exact: true }).click();
      expect(await roasHeader.getAttribute("aria-sort")).toBe("ascending");
      await expect.poll(roasColumn).toEqual(byRoas(1)); // the API sorts: the rows follow its answer

      await page.getByRole("button", { name: "Revenue", exact: true }).click();
      expect(await page.getByRole("columnheader", { name: "Revenue", exact: true }).getAttribute("aria-sort")).toBe("descending");
      expect(await roasHeader.getAttribute("aria-sort")).toBe("none");
      const revenues = async () => (await rows.locator("td:nth-of-type(3)").allTextContents()).map(cents);
      await expect.poll(revenues).toEqual(ads.campaigns.map((c) => Number(c.revenueCents)).sort((a, b) => b - a));

      expect(problems).toEqual([]);
      expectOnlyGateway(requests, url);
    } finally {
      await opened.close();
    }
  }, 120_000);

  test("keyboard: Tab reaches the dates, presets, platforms and the ROAS sort; Enter and Space work them; every input has a label", async () => {
    const opened = await openDashboard();
    const { page, requests, problems } = opened;
    try {
      const asOf = (await api({})).asOf;
      // Every input of the dashboard is found by its label.
      for (const name of ["From", "To", "Meta", "Google", "TikTok", "Pinterest", "Organic"])
        expect(await page.getByLabel(name, { exact: true }).count(), name).toBe(1);
      const unlabelled = await page
        .locator("#dashboard input")
        .evaluateAll((inputs) => inputs.filter((i) => (i as HTMLInputElement).labels?.length === 0).length);
      expect(unlabelled).toBe(0);

      await page.locator("body").focus();
      await tabTo(page, page.getByLabel("From", { exact: true }));
      await tabTo(page, page.getByLabel("To", { exact: true }));
      // Enter on a preset.
      await tabTo(page, page.getByRole("button", { name: "Last 90 days", exact: true }));
      await page.keyboard.press("Enter");
      const quarter = await api({ range: { from: addDays(asOf, -89), to: asOf } });
      await expect.poll(async () => (await shown(page)).revenueTotal, { timeout: PAGE_TIMEOUT_MS }).toBe(Number(quarter.revenue!.totalCents));
      await settled(page);
      expect(await page.getByRole("button", { name: "Last 90 days", exact: true }).getAttribute("aria-pressed")).toBe("true");
      // Space on a platform.
      await tabTo(page, page.getByLabel("TikTok", { exact: true }));
      await page.keyboard.press("Space");
      expect(await page.getByLabel("TikTok", { exact: true }).isChecked()).toBe(true);
      const tiktok = await api({ range: { from: addDays(asOf, -89), to: asOf }, platforms: ["TIKTOK"] });
      await expect.poll(async () => (await shown(page)).adsSpend, { timeout: PAGE_TIMEOUT_MS }).toBe(Number(tiktok.adsRoas!.blended.spendCents));
      await settled(page);
      expect(await shown(page)).toEqual(expected(tiktok));
      // Enter, then Space, on the ROAS sort.
      const sortButton = page.getByRole("button", { name: "ROAS", exact: true });
      await tabTo(page, sortButton);
      await page.keyboard.press("Enter");
      expect(await page.getByRole("columnheader", { name: "ROAS", exact: true }).getAttribute("aria-sort")).toBe("descending");
      await page.keyboard.press("Space");
      expect(await page.getByRole("columnheader", { name: "ROAS", exact: true }).getAttribute("aria-sort")).toBe("ascending");

      expect(problems).toEqual([]);
      expectOnlyGateway(requests, url);
    } finally {
      await opened.close();
    }
  }, 120_000);
});
