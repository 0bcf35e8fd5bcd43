// Demo approvals (the queue and its history, with the audit rows the guard would have written) and the
// operators' feedback on approvals and agent queries.
import { createHash } from "node:crypto";
import type { buildAgents } from "./agents.ts";
import { DEMO_OPERATORS, DEMO_SHOP_DOMAIN } from "./constants.ts";
import { APPROVAL_KINDS } from "./content/approvals.ts";
import type { Row } from "./insert.ts";
import type { Random } from "./random.ts";
import { minutesBefore } from "./values.ts";

export function buildApprovals(rng: Random, now: Date, runIds: string[]) {
  const rows: Row[] = [];
  const info: Array<{ id: string; conversationId: string; status: string; summary: string; createdAt: Date }> = [];
  // [status, count]: pending ones span minutes to days, several with an expiry (one already past it).
  const plan: Array<[string, number]> = [
    ["pending", 14],
    ["approved", 12],
    ["rejected", 7],
    ["expired", 5],
  ];
  let n = 0;
  for (const [status, count] of plan) {
    for (let i = 0; i < count; i++, n++) {
      const k = APPROVAL_KINDS[n % APPROVAL_KINDS.length];
      const ttl = k.kind === "cx_reply" || k.kind === "order_cancel" ? 24 * 60 : 72 * 60; // minutes
      const ageMinutes =
        status === "pending"
          ? [3, 12, 25, 48, 75, 110, 190, 330, 600, 1_000, 1_900, 3_100, 4_400, 7_200][i]
          : status === "expired"
            ? rng.int(ttl + 60, 60 * 24 * 25) // expired rows are past their expiry
            : rng.int(120, 60 * 24 * 25);
      const createdAt = minutesBefore(now, ageMinutes);
      const hasExpiry = status === "expired" || (status === "pending" ? i % 3 !== 2 : rng.chance(0.5));
      // The two oldest pending items (3 and 5 days, 24 h TTL) are past their expiry: the sweep has not run yet.
      const expiresAt = hasExpiry ? new Date(createdAt.getTime() + ttl * 60_000) : null;
      const decider = rng.pick(DEMO_OPERATORS);
      let decidedAt: Date | null = null;
      let decidedBy: string | null = null;
      let decisionNote: string | null = null;
      if (status === "approved" || status === "rejected") {
        // Decided before the deadline, as gateway.decide_agent_approval() requires; decidedBy is the
        // operator's JWT sub, which is what that function records.
        const deadline = expiresAt ? expiresAt.getTime() - 60_000 : now.getTime();
        decidedAt = new Date(Math.min(createdAt.getTime() + rng.int(2, 600) * 60_000, deadline, now.getTime()));
        decidedBy = decider.sub;
        decisionNote =
          status === "rejected"
            ? rng.pick(["Tone too casual", "Wrong order number", "Refund exceeds policy", "Budget freeze this week"])
            : rng.chance(0.3)
              ? "LGTM"
              : null;
      } else if (status === "expired") {
        decidedAt = expiresAt!; // the deadline sweep decided (decidedAt = the deadline); no human did
      }
      const number = 10_400 + n;
      const conversationId = k.agent === "cx-agent" ? `cw-${number}` : `${k.agent}-queue`;
      const id = rng.uuid();
      const summary = k.summary(number);
      rows.push({
        id,
        conversationId,
        runId: rng.chance(0.7) ? rng.pick(runIds) : null,
        agent: k.agent,
        kind: k.kind,
        summary,
        payload: {
          tool: k.tool,
          args: k.kind === "cx_reply" ? { conversationId: number, message: "Thanks for your patience — your order ships today." } : { ref: number },
          priority: ageMinutes > 1_000 ? "high" : rng.pick(["normal", "normal", "urgent"]),
          confidence: rng.int(45, 95),
          shopDomain: DEMO_SHOP_DOMAIN,
        },
        lastInterruptions: [
          { type: rng.pick(["requires_human", "policy_check", "pricing_approval"]), tool: k.tool, timestamp: createdAt.toISOString() },
        ],
        status,
        expiresAt,
        decidedBy,
        // What gateway.agent_approval_decider_name() records from a session's claims (migration 20251020001100).
        decidedByName: decidedBy ? decider.name : null,
        decidedAt,
        decisionNote,
        createdAt,
        updatedAt: decidedAt ?? createdAt,
      });
      info.push({ id, conversationId, status, summary, createdAt });
    }
  }
  // The proposal row gateway.agent_approval_audit() writes at INSERT (same shape); its id derives from the
  // approval's, so the random stream (and every other seeded value) stays as it was.
  const proposals: Row[] = rows.map((a) => ({
    id: derivedUuid(`proposal:${String(a.id)}`),
    scope: "agent_approval",
    actor: `agent:${String(a.agent)}`,
    action: "approval.proposed",
    rationale: null,
    evidenceUrl: null,
    shopDomain: null,
    externalRef: a.id,
    payload: {
      approvalId: a.id,
      from: null,
      to: "pending",
      kind: a.kind,
      agent: a.agent,
      conversationId: a.conversationId,
      runId: a.runId,
      summary: a.summary,
      payload: a.payload,
      expiresAt: a.expiresAt,
      decidedAt: null,
      requestRole: "service_role",
      requestSubject: `agent:${String(a.agent)}`,
    },
    createdAt: a.createdAt,
  }));
  // The DecisionLog row that gateway.agent_approval_audit() writes for each transition (same shape).
  const transitions: Row[] = rows
    .filter((a) => a.status !== "pending")
    .map((a) => ({
      id: rng.uuid(),
      scope: "agent_approval",
      actor: (a.decidedBy as string | null) ?? "system:expiry",
      action: `approval.${String(a.status)}`,
      rationale: a.decisionNote,
      evidenceUrl: null,
      shopDomain: null,
      externalRef: a.id,
      payload: {
        approvalId: a.id,
        from: "pending",
        to: a.status,
        kind: a.kind,
        agent: a.agent,
        conversationId: a.conversationId,
        runId: a.runId,
        summary: a.summary,
        payload: a.payload,
        expiresAt: a.expiresAt,
        decidedAt: a.decidedAt,
        requestRole: a.status === "expired" ? "service_role" : "authenticated",
        requestSubject: a.status === "expired" ? null : a.decidedBy,
      },
      createdAt: a.decidedAt,
    }));
  return { rows, info, audit: [...proposals, ...transitions] };
}

/** A v4-shaped UUID from a name (SHA-256), for rows that must not draw from the random stream. */
function derivedUuid(name: string): string {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function buildFeedback(
  rng: Random,
  now: Date,
  approvals: ReturnType<typeof buildApprovals>["info"],
  queries: ReturnType<typeof buildAgents>["queryInfo"],
): Row[] {
  const rows: Row[] = [];
  const later = (from: Date) => new Date(Math.min(from.getTime() + rng.int(5, 240) * 60_000, now.getTime()));
  for (const a of approvals.filter((x) => x.status === "approved" || x.status === "rejected")) {
    const safe = a.status === "approved" ? true : a.status === "rejected" ? false : null;
    const createdAt = later(a.createdAt);
    const annotator = rng.pick(DEMO_OPERATORS);
    rows.push({
      id: rng.uuid(),
      approvalId: a.id,
      queryId: null,
      conversationId: a.conversationId,
      inputText: a.summary,
      modelDraft: `Proposed action: ${a.summary}`,
      safeToSend: safe,
      rating: safe === true ? rng.int(4, 5) : safe === false ? rng.int(1, 3) : null,
      labels: safe === true ? ["approved", "helpful"] : safe === false ? [rng.pick(["policy_violation", "wrong_facts", "tone"])] : ["needs_review"],
      rubric: { clarity: rng.int(2, 5), accuracy: rng.int(2, 5), tone: rng.int(2, 5) },
      annotator: annotator.sub,
      notes: safe === false ? "Would have refunded more than the policy allows." : null,
      meta: { confidence: Math.round(rng.next() * 50 + 45) / 100, model_version: "gpt-4.1-2025-04", flagged: safe === false, demo: true },
      createdAt,
      updatedAt: createdAt,
    });
  }
  for (const q of queries.filter((_, i) => i % 6 === 0)) {
    const createdAt = later(q.createdAt);
    const safe = rng.chance(0.7) ? true : rng.chance(0.5) ? false : null;
    rows.push({
      id: rng.uuid(),
      approvalId: null,
      queryId: q.id,
      conversationId: q.conversationId,
      inputText: q.question,
      modelDraft: `Draft answer for: ${q.question}`,
      safeToSend: safe,
      rating: safe === null ? null : safe ? rng.int(3, 5) : rng.int(1, 2),
      labels: safe === null ? [] : safe ? ["helpful"] : ["vague"],
      rubric: safe === null ? {} : { clarity: rng.int(1, 5), accuracy: rng.int(1, 5), tone: rng.int(1, 5) },
      annotator: safe === null ? null : rng.pick(DEMO_OPERATORS).sub, // unreviewed samples have no annotator
      notes: null,
      meta: { demo: true },
      createdAt,
      updatedAt: createdAt,
    });
  }
  return rows;
}
