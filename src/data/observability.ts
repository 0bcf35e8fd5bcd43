/** Data access for observability: log filters. The role's row rule is added by tableConnection / tableById. */
import type { Prisma } from "../generated/prisma/client.ts";
import { dateTimeRangeWhere } from "../lib/dates.ts";
import { literal } from "../lib/filters.ts";

export interface LogFilter {
  levels?: string[] | null;
  requestId?: string | null;
  createdAt?: { from?: Date | null; to?: Date | null } | null;
  search?: string | null;
}

export function logWhere(filter: LogFilter | null | undefined): Prisma.ObservabilityLogWhereInput {
  if (!filter) return {};
  const and: Prisma.ObservabilityLogWhereInput[] = [];
  // For authenticated this is ANDed with level IN (INFO, WARN): asking for ERROR simply matches nothing.
  if (filter.levels) and.push({ level: { in: filter.levels } });
  if (filter.requestId) and.push({ requestId: filter.requestId });
  const createdAt = dateTimeRangeWhere(filter.createdAt, "filter.createdAt");
  if (createdAt) and.push({ createdAt });
  if (filter.search) and.push({ message: { contains: literal(filter.search), mode: "insensitive" } });
  return and.length ? { AND: and } : {};
}
