// Demo agent activity: runs, their model queries and quality checks, plus a few playground queries.
import { DEMO_OPERATORS } from "./constants.ts";
import { CUSTOMER_QUESTIONS } from "./content/support.ts";
import type { Row } from "./insert.ts";
import { fnv1a, type Random } from "./random.ts";
import { minutesBefore, money } from "./values.ts";

const MODELS = [
  { model: "gpt-4o-mini", input: 0.15, output: 0.6 },
  { model: "gpt-4.1", input: 2, output: 8 },
  { model: "claude-sonnet-4", input: 3, output: 15 },
  { model: "text-embedding-3-small", input: 0.02, output: 0 },
] as const;

const AGENTS = ["cx-agent", "inventory-agent", "analytics-agent", "product-agent", "ads-agent"] as const;

export function buildAgents(rng: Random, now: Date) {
  const runs: Row[] = [];
  const qc: Row[] = [];
  const queries: Row[] = [];
  const runIds: string[] = [];
  const queryInfo: Array<{ id: string; conversationId: string; question: string; createdAt: Date }> = [];

  for (let i = 0; i < 60; i++) {
    const agent = AGENTS[i % AGENTS.length];
    const running = i < 3; // three runs still going: no end, no resolution
    const started = minutesBefore(now, running ? rng.int(1, 20) : rng.int(5, 30 * 24 * 60));
    const durationSec = rng.int(4, 600);
    const ended = running ? null : new Date(Math.min(started.getTime() + durationSec * 1000, now.getTime()));
    const resolution = running ? null : rng.chance(0.72) ? "resolved" : rng.chance(0.6) ? "escalated" : "failed";
    const runId = rng.uuid();
    const conversationId = agent === "cx-agent" ? `cw-${10400 + i}` : `${agent}-${started.toISOString().slice(0, 10)}-${i}`;
    let tokensIn = 0;
    let tokensOut = 0;
    let cost = 0;
    const queryCount = rng.int(1, 4);
    for (let q = 0; q < queryCount; q++) {
      const m = q === 0 && rng.chance(0.3) ? MODELS[3] : rng.pick(MODELS.slice(0, 3));
      const tin = rng.int(200, 6000);
      const tout = m.output === 0 ? 0 : rng.int(40, 1200);
      const qCost = money((tin * m.input + tout * m.output) / 1e6);
      tokensIn += tin;
      tokensOut += tout;
      cost += qCost;
      const outcome = resolution === "failed" && q === queryCount - 1 ? rng.pick(["error", "timeout"]) : rng.chance(0.03) ? "refused" : "success";
      const question =
        agent === "cx-agent"
          ? rng.pick(CUSTOMER_QUESTIONS)
          : `${agent}: ${rng.pick(["summarise yesterday", "check reorder points", "explain ROAS drop", "draft product copy", "rebalance budgets"])}`;
      const createdAt = new Date(Math.min(started.getTime() + q * 7000 + rng.int(100, 5000), now.getTime()));
      const id = rng.uuid();
      queries.push({
        id,
        runId,
        conversationId,
        agent,
        model: m.model,
        query: question,
        result:
          outcome === "success"
            ? { answer: `Draft answer for: ${question}`, sources: rng.int(0, 3) }
            : {
                error:
                  outcome === "refused" ? "policy_refusal" : outcome === "timeout" ? "upstream timeout after 30s" : "tool call failed: shopify 502",
              },
        promptDigest: fnv1a(`${id}p`).toString(16).padStart(8, "0").repeat(8),
        responseDigest: outcome === "success" ? fnv1a(`${id}r`).toString(16).padStart(8, "0").repeat(8) : null,
        tokensInput: tin,
        tokensOutput: tout,
        latencyMs: outcome === "timeout" ? 30_000 : rng.int(18, m.model === "gpt-4o-mini" ? 1200 : 5420),
        costUsd: qCost.toFixed(6),
        outcome,
        approved: outcome !== "success" ? null : rng.chance(0.5) ? true : rng.chance(0.2) ? false : null,
        humanEdited: rng.chance(0.15),
        createdAt,
        updatedAt: createdAt,
      });
      queryInfo.push({ id, conversationId, question, createdAt });
    }
    runIds.push(runId);
    runs.push({
      run_id: runId,
      agent_name: agent,
      started_at: started,
      ended_at: ended,
      input_kind: agent === "cx-agent" ? "chatwoot_message" : agent === "inventory-agent" ? "schedule" : rng.pick(["schedule", "operator_request"]),
      resolution,
      tokens_input: tokensIn,
      tokens_output: tokensOut,
      cost_usd: money(cost).toFixed(6),
      self_corrected: rng.chance(0.12),
      sla_target_seconds: agent === "cx-agent" ? 300 : rng.chance(0.5) ? 900 : null,
      metadata: { conversationId, demo: true },
      created_at: started,
      updated_at: ended ?? started,
    });
    if (!running) {
      const checks = rng.int(0, 2);
      for (let k = 0; k < checks; k++) {
        const score = resolution === "failed" ? rng.int(1, 2) : resolution === "escalated" ? rng.int(2, 4) : rng.int(3, 5);
        qc.push({
          id: rng.uuid(),
          run_id: runId,
          quality_score: score,
          checker: k === 0 ? "qc-bot" : rng.pick(DEMO_OPERATORS).email,
          notes: score <= 2 ? "Answer contradicted the returns policy." : score === 3 ? "Correct but too long." : null,
          created_at: new Date(Math.min((ended ?? now).getTime() + rng.int(60, 7200) * 1000, now.getTime())),
        });
      }
    }
  }
  // A few ad-hoc calls outside any run (operator playground).
  for (let i = 0; i < 8; i++) {
    const createdAt = minutesBefore(now, rng.int(10, 10 * 24 * 60));
    const id = rng.uuid();
    const question = rng.pick(CUSTOMER_QUESTIONS);
    const tin = rng.int(100, 900);
    const tout = rng.int(40, 400);
    queries.push({
      id,
      runId: null,
      conversationId: `playground-${i + 1}`,
      agent: "cx-agent",
      model: "gpt-4o-mini",
      query: question,
      result: { answer: `Playground answer for: ${question}` },
      promptDigest: null,
      responseDigest: null,
      tokensInput: tin,
      tokensOutput: tout,
      latencyMs: rng.int(150, 900),
      costUsd: money((tin * 0.15 + tout * 0.6) / 1e6).toFixed(6),
      outcome: "success",
      approved: null,
      humanEdited: false,
      createdAt,
      updatedAt: createdAt,
    });
    queryInfo.push({ id, conversationId: `playground-${i + 1}`, question, createdAt });
  }
  return { runs, qc, queries, runIds, queryInfo };
}
