/**
 * Agent runs, their quality checks and LLM-call logs (service_role): the inputs and filters, and the
 * batch writers (a run with its children in three statements, checks and calls in one each).
 */
import { Prisma } from "../../generated/prisma/client.ts";
import type { Db } from "../../db/rls.ts";
import { conflict, notFound } from "../../errors.ts";
import { allOf, anyOf, equals, text as textMatch } from "../../lib/filters.ts";
import { dateTimeRangeWhere } from "../../lib/dates.ts";
import { nonEmpty, nonNegativeInt, range, z } from "../../lib/validation.ts";
import { boundedJson, cost, jsonObject, MAX_BATCH, MAX_PAYLOAD_CHARS, names, score, shortName, text } from "./rules.ts";

export const runFilter = z.object({
  agentNames: names,
  resolutions: z.array(z.enum(["resolved", "escalated", "failed"])).nullish(),
  running: z.boolean().nullish(),
  inputKind: z.string().nullish(),
  startedDuring: range,
});
export type RunFilter = z.infer<typeof runFilter>;

export function runWhere(filter: RunFilter | null | undefined): Prisma.AgentRunWhereInput {
  if (!filter) return {};
  return allOf<Prisma.AgentRunWhereInput>([
    { agentName: anyOf(filter.agentNames) },
    { resolution: anyOf(filter.resolutions) },
    { endedAt: filter.running == null ? undefined : filter.running ? null : { not: null } },
    { inputKind: textMatch(filter.inputKind, "equals", { caseSensitive: true }) },
    { startedAt: dateTimeRangeWhere(filter.startedDuring, "filter.startedDuring") },
  ]);
}

export const queryFilter = z.object({
  agents: names,
  models: names,
  outcomes: z.array(z.enum(["success", "error", "timeout", "refused"])).nullish(),
  conversationId: z.string().nullish(),
  runId: z.string().nullish(),
  createdDuring: range,
});
export type QueryFilter = z.infer<typeof queryFilter>;

export function queryWhere(filter: QueryFilter | null | undefined): Prisma.AgentQueryWhereInput {
  if (!filter) return {};
  return allOf<Prisma.AgentQueryWhereInput>([
    { agent: anyOf(filter.agents) },
    { model: anyOf(filter.models) },
    { outcome: anyOf(filter.outcomes) },
    { conversationId: textMatch(filter.conversationId, "equals", { caseSensitive: true }) },
    { runId: equals(filter.runId || null) },
    { createdAt: dateTimeRangeWhere(filter.createdDuring, "filter.createdDuring") },
  ]);
}

/** A quality check's fields, without its run (given by the run it is recorded with, or by runId). */
const qcFields = { qualityScore: score, checker: shortName.nullish(), notes: text(10_000).nullish() };

/** An LLM call's fields, without its run and agent (given by the run it is recorded with, or named). */
const callFields = {
  conversationId: shortName,
  model: shortName,
  prompt: text(MAX_PAYLOAD_CHARS).nullish(),
  response: z
    .unknown()
    .refine((v) => v == null || JSON.stringify(v).length <= MAX_PAYLOAD_CHARS, `must serialise to at most ${MAX_PAYLOAD_CHARS} characters`)
    .optional(),
  promptDigest: nonEmpty.max(256, "must be at most 256 characters").nullish(),
  responseDigest: nonEmpty.max(256, "must be at most 256 characters").nullish(),
  tokensInput: nonNegativeInt,
  tokensOutput: nonNegativeInt,
  latencyMs: nonNegativeInt.nullish(),
  costUsd: cost,
  outcome: z.string(),
  approved: z.boolean().nullish(),
  humanEdited: z.boolean().nullish(),
  createdAt: z.date().nullish(),
};
const promptOrDigest = { message: "give prompt, promptDigest or both", path: ["prompt"] };
const hasPrompt = (v: { prompt?: string | null; promptDigest?: string | null }) => (v.prompt ?? "") !== "" || !!v.promptDigest;

export const recordRunInput = z
  .object({
    id: z.string().nullish(),
    agentName: shortName,
    inputKind: shortName.nullish(),
    startedAt: z.date().nullish(),
    endedAt: z.date().nullish(),
    resolution: z.string().nullish(),
    tokensInput: nonNegativeInt.nullish(),
    tokensOutput: nonNegativeInt.nullish(),
    costUsd: cost,
    selfCorrected: z.boolean().nullish(),
    slaTargetSeconds: nonNegativeInt.min(1, "must be > 0").nullish(),
    metadata: boundedJson(jsonObject).nullish(),
    qcChecks: z.array(z.object(qcFields)).max(MAX_BATCH, `must contain at most ${MAX_BATCH} items`).nullish(),
    queries: z.array(z.object(callFields).refine(hasPrompt, promptOrDigest)).max(MAX_BATCH, `must contain at most ${MAX_BATCH} items`).nullish(),
  })
  .refine((v) => !v.endedAt || v.endedAt >= (v.startedAt ?? new Date(0)), { message: "must not be before startedAt", path: ["endedAt"] })
  .refine((v) => !v.resolution || !!v.endedAt, { message: "a resolved run needs endedAt (or record it, then finishAgentRun)", path: ["resolution"] });
export type RecordRunInput = z.infer<typeof recordRunInput>;

export const finishRunInput = z.object({
  resolution: z.string(),
  endedAt: z.date().nullish(),
  tokensInput: nonNegativeInt.nullish(),
  tokensOutput: nonNegativeInt.nullish(),
  costUsd: cost,
  selfCorrected: z.boolean().nullish(),
});
export type FinishRunInput = z.infer<typeof finishRunInput>;

export const recordQcChecksInput = z.object({
  checks: z
    .array(z.object({ runId: z.string(), ...qcFields }))
    .min(1, "must contain at least one check")
    .max(MAX_BATCH, `must contain at most ${MAX_BATCH} checks`),
});
export type QcCheckInput = z.infer<typeof recordQcChecksInput>["checks"][number];

export const recordQueriesInput = z.object({
  queries: z
    .array(z.object({ runId: z.string().nullish(), agent: shortName, ...callFields }).refine(hasPrompt, promptOrDigest))
    .min(1, "must contain at least one call")
    .max(MAX_BATCH, `must contain at most ${MAX_BATCH} calls`),
});
export type AgentQueryInput = z.infer<typeof recordQueriesInput>["queries"][number];

const qcRow = (c: QcCheckInput): Prisma.AgentQcCreateManyInput => ({
  runId: c.runId,
  qualityScore: c.qualityScore,
  checker: c.checker ?? null,
  notes: c.notes ?? null,
});

const queryRow = (q: AgentQueryInput): Prisma.AgentQueryCreateManyInput => ({
  runId: q.runId ?? null,
  conversationId: q.conversationId,
  agent: q.agent,
  model: q.model,
  // The column is NOT NULL; a caller that keeps only digests stores no prompt text.
  query: q.prompt ?? "",
  result: q.response === undefined || q.response === null ? Prisma.DbNull : q.response,
  promptDigest: q.promptDigest ?? null,
  responseDigest: q.responseDigest ?? null,
  tokensInput: q.tokensInput,
  tokensOutput: q.tokensOutput,
  latencyMs: q.latencyMs ?? null,
  costUsd: q.costUsd ?? 0,
  outcome: q.outcome,
  approved: q.approved ?? null,
  humanEdited: q.humanEdited ?? false,
  ...(q.createdAt ? { createdAt: q.createdAt } : {}),
});

/** Returns rows in the order of `ids` (the order the caller sent them). */
function inOrder<R>(ids: string[], rows: R[], idOf: (row: R) => string): R[] {
  const byId = new Map(rows.map((r) => [idOf(r), r]));
  return ids.map((id) => byId.get(id)!);
}

/** Inserts quality checks in one statement; returns them (with the caller's selection) in input order. */
export async function recordQcChecks<Q extends object>(db: Db, query: Q, checks: QcCheckInput[]) {
  const created = await db.agentQc.createManyAndReturn({ data: checks.map(qcRow), select: { id: true } });
  const ids = created.map((c) => c.id);
  const rows = await db.agentQc.findMany({ ...query, where: { id: { in: ids } } });
  return inOrder(ids, rows, (r) => (r as { id: string }).id);
}

/** Inserts LLM-call records in one statement; returns them in input order. */
export async function recordQueries<Q extends object>(db: Db, query: Q, calls: AgentQueryInput[]) {
  const created = await db.agentQuery.createManyAndReturn({ data: calls.map(queryRow), select: { id: true } });
  const ids = created.map((c) => c.id);
  const rows = await db.agentQuery.findMany({ ...query, where: { id: { in: ids } } });
  return inOrder(ids, rows, (r) => (r as { id: string }).id);
}

/** One run with its quality checks and LLM calls: three statements however many children. */
export async function recordRun<Q extends object>(db: Db, query: Q, input: RecordRunInput) {
  const { qcChecks, queries, ...run } = input;
  const { runId } = await db.agentRun.create({
    data: {
      ...(run.id ? { runId: run.id } : {}),
      agentName: run.agentName,
      ...(run.startedAt ? { startedAt: run.startedAt } : {}),
      endedAt: run.endedAt ?? null,
      inputKind: run.inputKind ?? null,
      resolution: run.resolution ?? null,
      tokensInput: run.tokensInput ?? 0,
      tokensOutput: run.tokensOutput ?? 0,
      costUsd: run.costUsd ?? 0,
      selfCorrected: run.selfCorrected ?? false,
      slaTargetSeconds: run.slaTargetSeconds ?? null,
      metadata: (run.metadata ?? {}) as Prisma.InputJsonValue,
    },
    select: { runId: true },
  });
  if (qcChecks?.length) await db.agentQc.createMany({ data: qcChecks.map((c) => qcRow({ ...c, runId })) });
  if (queries?.length) {
    await db.agentQuery.createMany({ data: queries.map((q) => queryRow({ ...q, runId, agent: run.agentName })) });
  }
  return db.agentRun.findUniqueOrThrow({ ...query, where: { runId } });
}

/**
 * Closes a run in one statement. Token and cost totals the caller leaves out are summed from the
 * run's recorded LLM calls (when it has any); a run is finished once (CONFLICT the second time).
 */
export async function finishRun<Q extends object>(db: Db, query: Q, runId: string, input: FinishRunInput) {
  const cost = input.costUsd == null ? null : String(input.costUsd);
  const updated = await db.$queryRaw<{ run_id: string }[]>`
    UPDATE agent_run AS r SET
      ended_at       = coalesce(${input.endedAt ?? null}::timestamptz, now()),
      resolution     = ${input.resolution},
      tokens_input   = coalesce(${input.tokensInput ?? null}::int, q.tokens_input, r.tokens_input),
      tokens_output  = coalesce(${input.tokensOutput ?? null}::int, q.tokens_output, r.tokens_output),
      cost_usd       = coalesce(${cost}::numeric, q.cost_usd, r.cost_usd),
      self_corrected = coalesce(${input.selfCorrected ?? null}::boolean, r.self_corrected)
    FROM (
      SELECT sum("tokensInput")::int AS tokens_input, sum("tokensOutput")::int AS tokens_output, sum("costUsd") AS cost_usd
        FROM "AgentQuery" WHERE "runId" = ${runId}::uuid
    ) AS q
    WHERE r.run_id = ${runId}::uuid AND r.ended_at IS NULL
    RETURNING r.run_id`;
  if (updated.length === 0) {
    const run = await db.agentRun.findUnique({ where: { runId }, select: { endedAt: true } });
    if (!run) throw notFound("AgentRun", runId);
    throw conflict(`AgentRun ${runId} already finished at ${run.endedAt?.toISOString()}.`, { reason: "ALREADY_FINISHED", id: runId });
  }
  return db.agentRun.findUniqueOrThrow({ ...query, where: { runId } });
}
