/**
 * Data access for observability: the log input rules, log filters and the batch write. The role's
 * row rule is added by tableConnection / tableById.
 */
import type { Prisma } from "../generated/prisma/client.ts";
import type { Db } from "../db/rls.ts";
import { dateTimeRangeWhere } from "../lib/dates.ts";
import { allOf, anyOf, text } from "../lib/filters.ts";
import { range, z } from "../lib/validation.ts";

export const LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR"] as const;
const logLevel = z.enum(LOG_LEVELS);

export const logFilter = z.object({
  levels: z.array(logLevel).nullish(),
  requestId: z.string().nullish(),
  createdAt: range,
  search: z.string().nullish(),
});
export type LogFilter = z.infer<typeof logFilter>;

export function logWhere(filter: LogFilter | null | undefined): Prisma.ObservabilityLogWhereInput {
  return allOf<Prisma.ObservabilityLogWhereInput>([
    // For authenticated this is ANDed with level IN (INFO, WARN): asking for ERROR simply matches nothing.
    { level: anyOf(filter?.levels) },
    { requestId: text(filter?.requestId, "equals", { caseSensitive: true }) },
    { createdAt: dateTimeRangeWhere(filter?.createdAt, "filter.createdAt") },
    { message: text(filter?.search, "contains") },
  ]);
}

export const recordLogsInput = z.object({
  logs: z
    .array(
      z.object({
        level: logLevel,
        message: z.string().refine((m) => m.trim().length > 0, "must not be empty"),
        metadata: z.unknown().optional(),
        requestId: z.string().nullish(),
        userAgent: z.string().nullish(),
        createdAt: z.date().nullish(),
      }),
    )
    .min(1, "must contain at least one row")
    .max(10_000, "must contain at most 10000 rows"),
});
export type RecordLogsInput = z.infer<typeof recordLogsInput>;

/** Appends the batch in one statement (all or nothing); returns how many lines were written. */
export async function recordLogs(db: Db, { logs }: RecordLogsInput): Promise<number> {
  const { count } = await db.observabilityLog.createMany({
    data: logs.map((log) => ({
      level: log.level,
      message: log.message,
      metadata: log.metadata ?? {},
      requestId: log.requestId ?? null,
      userAgent: log.userAgent ?? null,
      ...(log.createdAt ? { createdAt: log.createdAt } : {}),
    })),
  });
  return count;
}
