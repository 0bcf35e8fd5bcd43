// The console's approval queue in a real browser (Debian's Chromium) against a real gateway with live
// events on a real database: approvals submitted through the API show readably; a decision in one
// page reaches a second page (another operator) within 2 s, by name, and the database holds exactly
// one decision; the second operator's late decision is told it was not recorded; expiries arrive
// live; the details dialog shows the audit trail and takes feedback; all of it from the keyboard.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { signDevToken } from "../src/context/auth.ts";
import { consoleUrlOf, expectOnlyGateway, launchBrowser, openPage, SCREENSHOT_DIR, signIn, type OpenedPage } from "./support/browser.ts";
import { TEST_JWT_SECRET, useTestGateway, type TestGateway } from "./support/gateway.ts";
import type { TestDatabase } from "./support/test-database.ts";

const ADA = { sub: "0b7d6a52-3c1e-4f7a-9d2b-6a1e5c4b3a21", email: "ada@example.com", name: "Ada Lovelace" };
const GRACE = { sub: "5e2c9f41-8a7b-4d3c-b1e0-2f6d7c8b9a10", email: "grace@example.com", name: "Grace Hopper" };

/** An operator's session token as Supabase signs it: the email and the name in user_metadata. */
const sessionOf = (person: typeof ADA, metadataKey: "full_name" | "name" = "full_name") =>
  signDevToken(TEST_JWT_SECRET, "authenticated", {
    sub: person.sub,
    expiresIn: "1h",
    claims: { email: person.email, user_metadata: { [metadataKey]: person.name } },
  });

const SUBMIT = `mutation($input: SubmitAgentApprovalInput!) { submitAgentApproval(input: $input) { id } }`;
const DECIDE = `mutation($id: UUID!, $note: String) { decideAgentApproval(id: $id, decision: APPROVE, note: $note) { status decidedBy decidedByName } }`;
const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

/** The pending card of an approval, by its summary. */
const card = (page: Page, summary: string) =>
  page.locator("#approvals ol.pending > li").filter({ has: page.getByRole("heading", { name: summary }) });
/** Its row under "Recently decided". */
const decidedRow = (page: Page, summary: string) =>
  page.locator("#approvals table.decided tbody tr").filter({ has: page.getByRole("rowheader", { name: summary }) });

/** Every browser request that sent a DecideApproval. */
const isDecision = (postData: string | null) => postData !== null && postData.includes('"operationName":"DecideApproval"');

describe("the approval queue in the console", () => {
  let db: TestDatabase;
  let gw: TestGateway;
  let browser: Browser;
  let one: OpenedPage; // Ada
  let two: OpenedPage; // Grace
  const ids = new Map<string, string>();

  useTestGateway(
    (d, g) => {
      db = d;
      gw = g;
    },
    { events: {} },
  );

  async function submit(input: Record<string, unknown>): Promise<string> {
    const res = await gw.gql(SUBMIT, { input: { agent: "support-agent", conversationId: "chatwoot:101", ...input } });
    expect(res.body.errors).toBeUndefined();
    const id = res.body.data.submitAgentApproval.id as string;
    ids.set(input.summary as string, id);
    return id;
  }

  async function decisionsOf(id: string) {
    const approval = await db.pool.query(`SELECT status, "decidedBy", "decidedByName", "decisionNote" FROM "AgentApproval" WHERE id = $1`, [id]);
    const log = await db.pool.query(
      `SELECT actor, action, rationale FROM "DecisionLog" WHERE "externalRef" = $1 AND action IN ('approval.approved', 'approval.rejected') ORDER BY "createdAt"`,
      [id],
    );
    return { approval: approval.rows, log: log.rows };
  }

  async function openSignedIn(token: string): Promise<OpenedPage> {
    const opened = await openPage(browser, consoleUrlOf(gw.url));
    await signIn(opened.page, token);
    await opened.page.locator("#approvals .live.on").waitFor();
    await opened.page.locator("#approvals table.decided, #approvals p.empty").first().waitFor();
    return opened;
  }

  beforeAll(async () => {
    browser = await launchBrowser();
    await submit({
      kind: "send_reply",
      summary: "Reply to Dana about her late order",
      expiresAt: minutesFromNow(30),
      payload: {
        channel: "email",
        to: "dana@example.com",
        reply: "Hi Dana,\nYour order shipped today; the tracking number is 1Z999AA10123456784.\nSorry for the wait!",
        order: { id: "#1042", items: [{ sku: "SKU-003", quantity: 2 }] },
      },
    });
    await submit({
      kind: "UpdateAdsCampaign",
      summary: "Raise the spring campaign's budget to $750",
      expiresAt: minutesFromNow(90),
      payload: {
        operation: "UpdateAdsCampaign",
        documentId: "sha256:0f3c5a0b6f1e0d2c4b8a9e7d6c5b4a3928171615141312111009080706050403",
        variables: { id: "2f1e0d9c-8b7a-4655-9443-322110ffeedd", input: { budgetCents: 75000, status: "ACTIVE" } },
        document:
          "mutation UpdateAdsCampaign($id: UUID!, $input: UpdateAdsCampaignInput!) { updateAdsCampaign(id: $id, input: $input) { id budgetCents } }",
      },
    });
    await submit({
      kind: "inventory_reorder",
      summary: "Reorder 120 units of SKU-007",
      payload: { sku: "SKU-007", quantity: 120, supplier: "Acme Pumps" },
    });
    one = await openSignedIn(await sessionOf(ADA));
    two = await openSignedIn(await sessionOf(GRACE, "name"));
  });

  afterAll(async () => {
    await one?.close();
    await two?.close();
    await browser?.close();
  });

  test("(a) pending approvals show oldest first with kind, summary, a readable payload, a ticking age and the deadline", async () => {
    const { page } = one;
    await expect.poll(() => page.locator("#approvals-title").textContent()).toContain("3 pending");
    const summaries = await page.locator("#approvals ol.pending > li h4").allTextContents();
    expect(summaries).toEqual(["Reply to Dana about her late order", "Raise the spring campaign's budget to $750", "Reorder 120 units of SKU-007"]);

    const reply = card(page, "Reply to Dana about her late order");
    await expect.poll(() => reply.locator(".kind").textContent()).toBe("send_reply");
    // The payload as key–value pairs (no JSON braces), the multi-line reply kept as lines.
    const fields = reply.locator(".payload");
    expect(await fields.locator("dt").allTextContents()).toEqual(
      expect.arrayContaining(["channel", "to", "reply", "order", "id", "items", "sku", "quantity"]),
    );
    expect(await fields.textContent()).not.toContain("{");
    expect(await fields.locator("pre.json-text").textContent()).toContain("Your order shipped today");
    expect(await reply.locator(".deadline").textContent()).toMatch(/^[A-Z][a-z]{2} \d+, \d{4}, \d+:\d\d [AP]M \(in (29|30) min\)$/);
    const age = reply.locator(".age");
    const firstAge = await age.textContent();
    expect(firstAge).toMatch(/^\d+ s$/);
    await expect.poll(() => age.textContent(), { timeout: 3000 }).not.toBe(firstAge); // it ticks

    // A gated operation: the operation and its variables first.
    const gated = card(page, "Raise the spring campaign's budget to $750");
    expect(await gated.locator(".operation").textContent()).toBe("Runs UpdateAdsCampaign");
    expect(await gated.locator(".variables").textContent()).toContain("budgetCents75000");
    expect(await gated.locator("details.document").getAttribute("open")).toBeNull(); // the document text is one click away
    expect(await card(page, "Reorder 120 units of SKU-007").locator(".deadline").textContent()).toBe("none");
  });

  test("(b) approving in one page (with a note) moves the item to Recently decided in the other within 2 s, by name; the database holds one decision", async () => {
    const summary = "Reply to Dana about her late order";
    const id = ids.get(summary)!;
    const item = card(one.page, summary);
    await item.getByLabel("Note (optional)").fill("Tracking number checked");
    const [response] = await Promise.all([
      one.page.waitForResponse((r) => isDecision(r.request().postData())),
      item.getByRole("button", { name: "Approve" }).click(),
    ]);
    expect(response.status()).toBe(200);
    // Measured from the decision's answer: page 2 sees it leave the pending list and appear as decided by Ada.
    await expect
      .poll(
        async () => ({
          pending: await card(two.page, summary).count(),
          decidedBy: await decidedRow(two.page, summary)
            .locator("td.decider")
            .textContent({ timeout: 100 })
            .catch(() => null),
        }),
        { timeout: 2000, interval: 50 },
      )
      .toEqual({ pending: 0, decidedBy: ADA.name });
    const row = decidedRow(two.page, summary);
    expect(await row.locator(".status").textContent()).toBe("Approved");
    expect(await row.locator("td.note").textContent()).toBe("Tracking number checked");
    await expect.poll(() => two.page.locator("#approvals-title").textContent()).toContain("2 pending");
    // The dashboard's support-queue tile reads the queue again and agrees.
    await expect.poll(() => two.page.getByTestId("support-pending").textContent(), { timeout: 5000 }).toBe("2");
    await expect.poll(() => decidedRow(one.page, summary).locator("td.decider").textContent()).toBe(ADA.name);

    expect(await decisionsOf(id)).toEqual({
      approval: [{ status: "approved", decidedBy: ADA.sub, decidedByName: ADA.name, decisionNote: "Tracking number checked" }],
      log: [{ actor: ADA.sub, action: "approval.approved", rationale: "Tracking number checked" }],
    });
  });

  test("(c) a decision that someone else made first says so on the item, and the database still holds one decision", async () => {
    const summary = "Reorder 120 units of SKU-007";
    const id = ids.get(summary)!;
    // Deterministic race: Grace's click is held at the network until Ada's decision (through the API) has committed.
    const adaToken = await sessionOf(ADA);
    await two.page.route("**/graphql", async (route) => {
      if (isDecision(route.request().postData())) {
        const res = await gw.gql(DECIDE, { id, note: "Ordered by phone" }, { authorization: `Bearer ${adaToken}` });
        expect(res.body.data?.decideAgentApproval).toEqual({ status: "APPROVED", decidedBy: ADA.sub, decidedByName: ADA.name });
      }
      await route.continue();
    });
    const item = card(two.page, summary);
    await item.getByRole("button", { name: "Reject" }).click();
    await expect
      .poll(() =>
        item
          .locator(".notice .problem")
          .textContent({ timeout: 500 })
          .catch(() => null),
      )
      .toBe(`Already decided by ${ADA.name} (approved) — your decision was not recorded.`);
    await two.page.unroute("**/graphql");
    expect(await decisionsOf(id)).toEqual({
      approval: [{ status: "approved", decidedBy: ADA.sub, decidedByName: ADA.name, decisionNote: "Ordered by phone" }],
      log: [{ actor: ADA.sub, action: "approval.approved", rationale: "Ordered by phone" }],
    });
    // Dismissed, it leaves the pending list; the decision stays under Recently decided.
    await item.getByRole("button", { name: "Dismiss" }).click();
    await expect.poll(() => card(two.page, summary).count()).toBe(0);
    expect(await decidedRow(two.page, summary).locator("td.decider").textContent()).toBe(ADA.name);
  });

  test("(d) a submission appears in an open page within 2 s, and an expiry within 2 s of the sweep", async () => {
    const summary = "Refund $12 shipping on order #1043";
    await submit({ kind: "refund", summary, expiresAt: new Date(Date.now() + 2500).toISOString(), payload: { order: "#1043", amountCents: 1200 } });
    await expect.poll(() => card(one.page, summary).count(), { timeout: 2000, interval: 50 }).toBe(1);
    await expect.poll(() => card(two.page, summary).count(), { timeout: 2000, interval: 50 }).toBe(1);
    // Past the deadline the page says so (and offers no decision) before the sweep records it.
    await expect.poll(() => card(one.page, summary).locator(".deadline").textContent(), { timeout: 5000 }).toMatch(/\(expired\)$/);
    expect(await card(one.page, summary).getByRole("button", { name: "Approve" }).isDisabled()).toBe(true);

    const swept = await gw.data(`mutation { expireAgentApprovals { expired } }`);
    expect(swept.expireAgentApprovals.expired).toBe(1);
    for (const { page } of [one, two])
      await expect
        .poll(
          async () => ({
            pending: await card(page, summary).count(),
            status: await decidedRow(page, summary)
              .locator(".status")
              .textContent({ timeout: 100 })
              .catch(() => null),
          }),
          { timeout: 2000, interval: 50 },
        )
        .toEqual({ pending: 0, status: "Expired" });
    expect(await decidedRow(one.page, summary).locator("td.decider").textContent()).toBe("the deadline");
  });

  test("(e) the details dialog shows the audit trail and feedback, and takes feedback on a decided item", async () => {
    const summary = "Reply to Dana about her late order";
    const id = ids.get(summary)!;
    const { page } = one;
    await decidedRow(page, summary)
      .getByRole("button", { name: `Details: ${summary}` })
      .click();
    const dialog = page.getByRole("dialog", { name: summary });
    await dialog.waitFor();
    const audit = dialog.locator("table.audit tbody tr");
    await expect.poll(() => audit.count()).toBe(2);
    expect(await audit.nth(0).locator("td").allTextContents()).toEqual([
      "approval.proposed",
      "service_role-user", // the submitting token's sub
      expect.any(String),
      "",
    ]);
    expect((await audit.nth(1).locator("td").allTextContents()).filter((_, i) => i !== 2)).toEqual([
      "approval.approved",
      ADA.name,
      "Tracking number checked",
    ]);
    expect(await dialog.getByText("No feedback yet.").count()).toBe(1);

    await dialog.getByLabel("Rating").selectOption("4");
    await dialog.getByLabel("Feedback notes").fill("Good reply; mention the carrier next time.");
    await dialog.getByRole("button", { name: "Save feedback" }).click();
    const listed = dialog.locator("ul.feedback li");
    await expect.poll(() => listed.count()).toBe(1);
    expect(await listed.textContent()).toContain(`4 / 5 by ${ADA.name}`);
    expect(await listed.textContent()).toContain("Good reply; mention the carrier next time.");
    const stored = await db.pool.query(`SELECT rating, notes, annotator FROM "AgentFeedback" WHERE "approvalId" = $1`, [id]);
    expect(stored.rows).toEqual([{ rating: 4, notes: "Good reply; mention the carrier next time.", annotator: ADA.sub }]);
    await dialog.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => dialog.count()).toBe(0);
  });

  test("(f) approve with a note and open and close the details, from the keyboard alone", async () => {
    const summary = "Raise the spring campaign's budget to $750";
    const id = ids.get(summary)!;
    const { page } = one;
    type Focused = { id: string; text: string; label: string | null };
    /** Presses Tab until `matches` holds for the focused element (at most 60 times). */
    async function tabTo(matches: (el: Focused) => boolean, what: string) {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press("Tab");
        const focused = await page.evaluate(() => {
          const el = document.activeElement;
          return { id: el?.id ?? "", text: el?.textContent ?? "", label: el?.getAttribute("aria-label") ?? null };
        });
        if (matches(focused)) return;
      }
      throw new Error(`Tab never reached ${what}`);
    }
    // Start at the queue's "Pending" heading (where a screen reader's heading jump lands).
    await page.locator("#approvals-pending").focus();
    const noteId = await card(page, summary).getByLabel("Note (optional)").getAttribute("id");
    await tabTo((el) => el.id === noteId, "the note");
    await page.keyboard.type("Within the monthly cap");
    await tabTo((el) => el.text === "Approve", "Approve");
    const [response] = await Promise.all([page.waitForResponse((r) => isDecision(r.request().postData())), page.keyboard.press("Enter")]);
    expect(response.status()).toBe(200);
    await expect.poll(() => card(page, summary).count()).toBe(0);
    expect((await decisionsOf(id)).approval).toEqual([
      { status: "approved", decidedBy: ADA.sub, decidedByName: ADA.name, decisionNote: "Within the monthly cap" },
    ]);

    // Focus stays in the queue (the button is gone with the item): Tab on to the decided item's Details.
    await tabTo((el) => el.label === `Details: ${summary}`, "Details");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: summary });
    await dialog.waitFor();
    await expect.poll(() => dialog.locator("table.audit tbody tr").count()).toBe(2);
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe(`Details: ${summary}`);
  });

  test("(g) the screenshot: a few pending items with their payloads and the decisions", async () => {
    await submit({
      kind: "send_reply",
      summary: "Reply to Sam: the pump fits a 1.5 in line",
      expiresAt: minutesFromNow(45),
      payload: {
        channel: "chat",
        conversation: "chatwoot:117",
        reply: "Hi Sam! Yes, the 340 LPH pump fits a 1.5 in line with the adapter in the box.",
      },
    });
    await submit({
      kind: "CreateAdsCampaign",
      summary: "Start a $500 Meta campaign for the spring sale",
      expiresAt: minutesFromNow(120),
      payload: {
        operation: "CreateAdsCampaign",
        documentId: "sha256:e6c313684173ffaa26d658de0573014d77502525e3358a2386abbd1b21444a4b",
        variables: { input: { externalId: "meta-2026-spring", name: "Spring sale", platform: "META", startDate: "2026-03-01", budgetCents: 50000 } },
        document: "mutation CreateAdsCampaign($input: CreateAdsCampaignInput!) { createAdsCampaign(input: $input) { id } }",
      },
    });
    await submit({
      kind: "inventory_reorder",
      summary: "Reorder 60 units of SKU-012",
      payload: { sku: "SKU-012", quantity: 60, supplier: "Acme Pumps", leadTimeDays: 9 },
    });
    const { page } = one;
    await expect.poll(() => page.locator("#approvals ol.pending > li").count()).toBe(3);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur()); // no focus ring in the picture
    // A full-page capture clipped to the section: the sticky header stays at the page's top, off the section.
    const clip = await page.locator("#approvals").evaluate((el) => {
      const box = el.getBoundingClientRect();
      return { x: box.x + window.scrollX, y: box.y + window.scrollY, width: box.width, height: box.height };
    });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "queue.png"), fullPage: true, clip });
  });

  test("(h) every request stayed on the gateway, and no page had an error", () => {
    for (const opened of [one, two]) {
      expectOnlyGateway(opened.requests, gw.url);
      expect(opened.problems).toEqual([]);
    }
  });
});

describe("the decider's name, recorded by the database", () => {
  let db: TestDatabase;
  let gw: TestGateway;
  useTestGateway((d, g) => {
    db = d;
    gw = g;
  });

  const submitOne = async () =>
    (await gw.data(SUBMIT, { input: { agent: "support-agent", conversationId: "c", kind: "send_reply", summary: "s" } })).submitAgentApproval
      .id as string;
  const stored = async (id: string) =>
    (await db.pool.query(`SELECT "decidedBy", "decidedByName" FROM "AgentApproval" WHERE id = $1`, [id])).rows[0] as Record<string, string | null>;

  test("a session with user_metadata.full_name records the name; with only an email, the email; without either, null", async () => {
    const cases: Array<{ claims: Record<string, unknown>; expected: string | null }> = [
      { claims: { email: "ada@example.com", user_metadata: { full_name: "Ada Lovelace", name: "ada" } }, expected: "Ada Lovelace" },
      { claims: { email: "grace@example.com", user_metadata: { name: "  Grace Hopper " } }, expected: "Grace Hopper" },
      { claims: { email: "kim@example.com", user_metadata: { full_name: "" } }, expected: "kim@example.com" },
      { claims: {}, expected: null },
    ];
    for (const [i, { claims, expected }] of cases.entries()) {
      const id = await submitOne();
      const sub = `00000000-0000-4000-8000-00000000000${i}`;
      const token = await signDevToken(TEST_JWT_SECRET, "authenticated", { sub, expiresIn: "1h", claims });
      const decided = await gw.data(DECIDE, { id }, { authorization: `Bearer ${token}` });
      expect(decided.decideAgentApproval).toEqual({ status: "APPROVED", decidedBy: sub, decidedByName: expected });
      expect(await stored(id)).toEqual({ decidedBy: sub, decidedByName: expected });
    }
  });

  test("no writer sets it: not at submission, not on a pending item, not after the decision; an expiry has none", async () => {
    const id = await submitOne();
    // The owner (no API role stands in its way) tries each; the trigger keeps the recorded value.
    await db.pool.query(`UPDATE "AgentApproval" SET "decidedByName" = 'Mallory' WHERE id = $1`, [id]);
    expect(await stored(id)).toEqual({ decidedBy: null, decidedByName: null });
    const token = await signDevToken(TEST_JWT_SECRET, "authenticated", { sub: ADA.sub, expiresIn: "1h", claims: { email: ADA.email } });
    await gw.data(DECIDE, { id }, { authorization: `Bearer ${token}` });
    await db.pool.query(`UPDATE "AgentApproval" SET "decidedByName" = 'Mallory', "lastInterruptions" = '[]' WHERE id = $1`, [id]);
    expect(await stored(id)).toEqual({ decidedBy: ADA.sub, decidedByName: ADA.email });
    const inserted = await db.pool.query(
      `INSERT INTO "AgentApproval" ("conversationId", agent, kind, summary, "decidedByName") VALUES ('c', 'a', 'k', 's', 'Mallory') RETURNING "decidedByName"`,
    );
    expect(inserted.rows).toEqual([{ decidedByName: null }]);

    const expiring = (
      await gw.data(SUBMIT, {
        input: { agent: "a", conversationId: "c", kind: "k", summary: "s", expiresAt: new Date(Date.now() + 300).toISOString() },
      })
    ).submitAgentApproval.id as string;
    await new Promise((resolve) => setTimeout(resolve, 400));
    await gw.data(`mutation { expireAgentApprovals { expired } }`);
    expect(await stored(expiring)).toEqual({ decidedBy: null, decidedByName: null });
    // And the API shows it.
    const read = await gw.data(`query($id: UUID!) { agentApproval(id: $id) { decidedByName } }`, { id }, { role: "authenticated", sub: ADA.sub });
    expect(read.agentApproval.decidedByName).toBe(ADA.email);
  });
});
