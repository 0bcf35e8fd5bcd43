/**
 * Agent runs, quality checks and LLM-call logs (service_role): listing them, and the batch writers
 * agents call to record a run with its children, finish it, or add checks and calls later.
 */
import { access, builder } from "../builder.ts";
import { DateTimeRangeInput, orderInput, tableById, tableConnection, type Types } from "../common.ts";
import { listBound } from "../bounds.ts";
import { MAX_BATCH } from "../../data/agents/rules.ts";
import {
  finishRun,
  finishRunInput,
  queryFilter,
  queryWhere,
  recordQcChecks,
  recordQcChecksInput,
  recordQueries,
  recordQueriesInput,
  recordRun,
  recordRunInput,
  runFilter,
  runWhere,
} from "../../data/agents/runs.ts";
import { AgentQueryOutcome, AgentRunResolution } from "./types.ts";

type InputFields = PothosSchemaTypes.InputFieldBuilder<Types, "InputObject">;

const RunFilter = builder
  .inputType("AgentRunFilter", {
    fields: (t) => ({
      agentNames: t.stringList({ required: false }),
      resolutions: t.field({ type: [AgentRunResolution], required: false }),
      running: t.boolean({ required: false, description: "true: only runs without endedAt; false: only finished runs." }),
      inputKind: t.string({ required: false }),
      startedDuring: t.field({ type: DateTimeRangeInput, required: false }),
    }),
  })
  .validate(runFilter);
const runOrder = orderInput("AgentRun", { STARTED_AT: "startedAt", CREATED_AT: "createdAt", COST_USD: "costUsd" }, "STARTED_AT");

const QueryFilter = builder
  .inputType("AgentQueryFilter", {
    fields: (t) => ({
      agents: t.stringList({ required: false }),
      models: t.stringList({ required: false }),
      outcomes: t.field({ type: [AgentQueryOutcome], required: false }),
      conversationId: t.string({ required: false }),
      runId: t.field({ type: "UUID", required: false }),
      createdDuring: t.field({ type: DateTimeRangeInput, required: false }),
    }),
  })
  .validate(queryFilter);
const queryOrder = orderInput("AgentQuery", { CREATED_AT: "createdAt", COST_USD: "costUsd" }, "CREATED_AT");

/** A quality check's fields, shared by the one recorded with its run and the one naming its run. */
const qcCheckFields = (t: InputFields) => ({
  qualityScore: t.int({ required: true, description: "1 (poor) to 5 (excellent)." }),
  checker: t.string({ required: false }),
  notes: t.string({ required: false }),
});
const RunQcCheckInput = builder.inputType("AgentRunQcCheckInput", { fields: (t) => qcCheckFields(t) });
const QcCheckInput = builder.inputType("AgentQcCheckInput", {
  fields: (t) => ({ runId: t.field({ type: "UUID", required: true }), ...qcCheckFields(t) }),
});

/** An LLM call's fields, shared by the one recorded with its run and the one naming its run and agent. */
const queryCallFields = (t: InputFields) => ({
  conversationId: t.string({ required: true }),
  model: t.string({ required: true }),
  prompt: t.string({ required: false, description: "The prompt text; may be omitted when promptDigest is given." }),
  response: t.field({ type: "JSON", required: false }),
  promptDigest: t.string({ required: false, description: "e.g. a sha256 of the prompt, when the text is not kept." }),
  responseDigest: t.string({ required: false }),
  tokensInput: t.int({ required: false, defaultValue: 0 }),
  tokensOutput: t.int({ required: false, defaultValue: 0 }),
  latencyMs: t.int({ required: false }),
  costUsd: t.field({ type: "Decimal", required: false }),
  outcome: t.field({ type: AgentQueryOutcome, required: false, defaultValue: "success" }),
  approved: t.boolean({ required: false }),
  humanEdited: t.boolean({ required: false }),
  createdAt: t.field({ type: "DateTime", required: false, description: "When the call was made (default: now). Lists order calls by it." }),
});
const RunQueryInput = builder.inputType("AgentRunQueryInput", {
  description: "An LLM call of the run being recorded (agent = the run's agent).",
  fields: (t) => queryCallFields(t),
});
const QueryInput = builder.inputType("AgentQueryInput", {
  fields: (t) => ({ runId: t.field({ type: "UUID", required: false }), agent: t.string({ required: true }), ...queryCallFields(t) }),
});

const RecordRunInput = builder
  .inputType("RecordAgentRunInput", {
    fields: (t) => ({
      id: t.field({
        type: "UUID",
        required: false,
        description: "The run's id if the agent chose one (e.g. to correlate logs); generated otherwise.",
      }),
      agentName: t.string({ required: true }),
      inputKind: t.string({ required: false }),
      startedAt: t.field({ type: "DateTime", required: false, description: "Default: now." }),
      endedAt: t.field({ type: "DateTime", required: false, description: "For a run recorded after the fact." }),
      resolution: t.field({ type: AgentRunResolution, required: false }),
      tokensInput: t.int({ required: false }),
      tokensOutput: t.int({ required: false }),
      costUsd: t.field({ type: "Decimal", required: false }),
      selfCorrected: t.boolean({ required: false }),
      slaTargetSeconds: t.int({ required: false }),
      metadata: t.field({ type: "JSON", required: false }),
      qcChecks: t.field({ type: [RunQcCheckInput], required: false }),
      queries: t.field({ type: [RunQueryInput], required: false }),
    }),
  })
  .validate(recordRunInput);

const FinishRunInput = builder
  .inputType("FinishAgentRunInput", {
    description: "Token and cost totals left out are summed from the run's recorded LLM calls (when it has any).",
    fields: (t) => ({
      resolution: t.field({ type: AgentRunResolution, required: true }),
      endedAt: t.field({ type: "DateTime", required: false, description: "Default: now." }),
      tokensInput: t.int({ required: false }),
      tokensOutput: t.int({ required: false }),
      costUsd: t.field({ type: "Decimal", required: false }),
      selfCorrected: t.boolean({ required: false }),
    }),
  })
  .validate(finishRunInput);

const RecordQcChecksInput = builder
  .inputType("RecordAgentQcChecksInput", {
    fields: (t) => ({ checks: t.field({ type: [QcCheckInput], required: true }) }),
  })
  .validate(recordQcChecksInput);
const RecordQueriesInput = builder
  .inputType("RecordAgentQueriesInput", {
    fields: (t) => ({ queries: t.field({ type: [QueryInput], required: true }) }),
  })
  .validate(recordQueriesInput);

builder.queryFields((t) => ({
  agentRuns: tableConnection(t, {
    table: "agent_run",
    type: "AgentRun",
    cursor: "runId",
    description: "Agent runs, newest first by default. service_role only.",
    args: { filter: t.arg({ type: RunFilter, required: false }), orderBy: t.arg({ type: runOrder.input, required: false }) },
    where: (args) => runWhere(args.filter),
    orderBy: (args) => runOrder.toPrisma(args.orderBy, "runId"),
  }),
  agentRun: tableById(t, { table: "agent_run", type: "AgentRun", idField: "runId", description: "One agent run by id. service_role only." }),
  agentQueries: tableConnection(t, {
    table: "AgentQuery",
    type: "AgentQuery",
    description: "LLM calls made by agents, newest first by default. service_role only.",
    args: { filter: t.arg({ type: QueryFilter, required: false }), orderBy: t.arg({ type: queryOrder.input, required: false }) },
    where: (args) => queryWhere(args.filter),
    orderBy: (args) => queryOrder.toPrisma(args.orderBy),
  }),
  agentQuery: tableById(t, { table: "AgentQuery", type: "AgentQuery", description: "One LLM call by id. service_role only." }),
}));

builder.mutationFields((t) => ({
  recordAgentRun: t.prismaField({
    type: "AgentRun",
    description: "Records a run, optionally with its quality checks and LLM calls, in three statements. service_role only.",
    authScopes: {
      $all: {
        access: { table: "agent_run", op: "insert" },
        $all: { access: { table: "agent_qc", op: "insert" }, $all: access("AgentQuery", "insert") },
      },
    },
    args: { input: t.arg({ type: RecordRunInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => recordRun(ctx.db, query, input),
  }),
  finishAgentRun: t.prismaField({
    type: "AgentRun",
    description: "Ends a running run with its resolution; CONFLICT if it already ended. service_role only.",
    authScopes: access("agent_run", ["select", "update"]),
    args: { id: t.arg({ type: "UUID", required: true }), input: t.arg({ type: FinishRunInput, required: true }) },
    resolve: (query, _root, { id, input }, ctx) => finishRun(ctx.db, query, id, input),
  }),
  recordAgentQcChecks: t.prismaField({
    type: ["AgentQc"],
    ...listBound(MAX_BATCH, ({ input }) => (input as { checks?: unknown[] } | undefined)?.checks?.length ?? MAX_BATCH, "input.checks"),
    description: "Records quality checks in one statement; returns them in input order. service_role only.",
    authScopes: access("agent_qc", "insert"),
    args: { input: t.arg({ type: RecordQcChecksInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => recordQcChecks(ctx.db, query, input.checks),
  }),
  recordAgentQueries: t.prismaField({
    type: ["AgentQuery"],
    ...listBound(MAX_BATCH, ({ input }) => (input as { queries?: unknown[] } | undefined)?.queries?.length ?? MAX_BATCH, "input.queries"),
    description: "Records LLM calls in one statement; returns them in input order. service_role only.",
    authScopes: access("AgentQuery", "insert"),
    args: { input: t.arg({ type: RecordQueriesInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => recordQueries(ctx.db, query, input.queries),
  }),
}));
