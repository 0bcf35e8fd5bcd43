/**
 * Observability: system logs. authenticated sees INFO and WARN rows only (ERROR and DEBUG can carry
 * internals), exactly like the database policy: the lists and the by-id lookup AND the policy's row
 * rule into their SQL, and the type itself refuses any other row that might reach it another way.
 */
import { access, builder } from "./builder.ts";
import { DateTimeRangeInput, exposeEnum, orderInput, tableById, tableConnection } from "./common.ts";
import { rowAllowed, VISIBLE_LOG_LEVELS } from "../auth/policy.ts";
import { LOG_LEVELS, logFilter, logWhere, recordLogs, recordLogsInput } from "../data/observability.ts";

export const LogLevel = builder.enumType("LogLevel", {
  description: `Severity of a log line. The authenticated role sees ${VISIBLE_LOG_LEVELS.join(" and ")} only; filtering on other levels returns nothing for it.`,
  values: LOG_LEVELS,
});

export const ObservabilityLog = builder.prismaObject("ObservabilityLog", {
  description: "One log line from the system (table observability_logs). Append-only through the API.",
  // The row rule, checked per row: a log the role may not see never resolves, however it was loaded.
  authScopes: (log, ctx) => rowAllowed(ctx.viewer, "observability_logs", "select", log) && access("observability_logs"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    level: exposeEnum(t, "level", LogLevel),
    message: t.exposeString("message"),
    metadata: t.expose("metadata", { type: "JSON", nullable: true, description: "Structured context, e.g. duration_ms, tile, service." }),
    requestId: t.exposeString("requestId", { nullable: true, description: "The x-request-id of the request the line is about." }),
    userAgent: t.exposeString("userAgent", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const LogFilter = builder
  .inputType("ObservabilityLogFilter", {
    fields: (t) => ({
      levels: t.field({ type: [LogLevel], required: false, description: "Any of these levels." }),
      requestId: t.string({ required: false }),
      createdAt: t.field({ type: DateTimeRangeInput, required: false }),
      search: t.string({ required: false, description: "Case-insensitive match anywhere in the message." }),
    }),
  })
  .validate(logFilter);
const logOrder = orderInput("ObservabilityLog", { CREATED_AT: "createdAt" }, "CREATED_AT");

builder.queryFields((t) => ({
  observabilityLogs: tableConnection(t, {
    table: "observability_logs",
    type: "ObservabilityLog",
    description: "Log lines, newest first by default. For authenticated: INFO and WARN only (totalCount too).",
    args: { filter: t.arg({ type: LogFilter, required: false }), orderBy: t.arg({ type: logOrder.input, required: false }) },
    where: (args) => logWhere(args.filter),
    orderBy: (args) => logOrder.toPrisma(args.orderBy),
  }),
  observabilityLog: tableById(t, {
    table: "observability_logs",
    type: "ObservabilityLog",
    description: "One log line by id; null when it does not exist or its level is hidden from you.",
  }),
}));

// Mutations (service_role: services shipping their logs). The input rules are the data layer's (recordLogsInput).

const LogInput = builder.inputType("ObservabilityLogInput", {
  fields: (t) => ({
    level: t.field({ type: LogLevel, required: false, defaultValue: "INFO" }),
    message: t.string({ required: true }),
    metadata: t.field({ type: "JSON", required: false }),
    requestId: t.string({ required: false }),
    userAgent: t.string({ required: false }),
    createdAt: t.field({ type: "DateTime", required: false, description: "When it happened; defaults to now (for logs shipped later)." }),
  }),
});
const RecordLogsInput = builder
  .inputType("RecordObservabilityLogsInput", {
    fields: (t) => ({ logs: t.field({ type: [LogInput], required: true }) }),
  })
  .validate(recordLogsInput);

const RecordLogsPayload = builder.simpleObject("RecordObservabilityLogsPayload", {
  fields: (t) => ({ recorded: t.int({ description: "Log lines written (all of them, or the mutation fails)." }) }),
});

builder.mutationFields((t) => ({
  recordObservabilityLogs: t.field({
    type: RecordLogsPayload,
    description: "Appends a batch of log lines in one statement. All-or-nothing.",
    authScopes: access("observability_logs", "insert"),
    args: { input: t.arg({ type: RecordLogsInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ recorded: await recordLogs(ctx.db, input) }),
  }),
}));
