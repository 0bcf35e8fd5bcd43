/** Calendar dates and date ranges, as the data layer and the Date scalar both need them. */
import type { Prisma } from "../generated/prisma/client.ts";
import { ClientError } from "../errors.ts";

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** Parses a calendar date "YYYY-MM-DD" (UTC midnight, as Prisma stores @db.Date). */
export function parseDate(value: unknown): Date {
  if (typeof value === "string" && DATE_PATTERN.test(value)) {
    const date = new Date(`${value}T00:00:00.000Z`);
    if (!Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)) return date;
  }
  throw new ClientError(`Date must be a calendar date "YYYY-MM-DD"; got ${JSON.stringify(value)}.`, "BAD_USER_INPUT");
}

export const formatDate = (date: Date) => date.toISOString().slice(0, 10);

export type Range<T> = { from?: T | null; to?: T | null } | null | undefined;

function checkOrder(range: Range<Date>, field: string): boolean {
  if (!range || (!range.from && !range.to)) return false;
  if (range.from && range.to && range.from > range.to) {
    throw new ClientError(`${field}: "from" must not be after "to".`, "BAD_USER_INPUT", { extensions: { field } });
  }
  return true;
}

/** Prisma filter for an inclusive date range; rejects from > to with a clear error. */
export function dateRangeWhere(range: Range<Date>, field = "range"): Prisma.DateTimeFilter | undefined {
  if (!checkOrder(range, field)) return undefined;
  return { ...(range!.from ? { gte: range!.from } : {}), ...(range!.to ? { lte: range!.to } : {}) };
}

/** Prisma filter for an instant range [from, to). */
export function dateTimeRangeWhere(range: Range<Date>, field = "range"): Prisma.DateTimeFilter | undefined {
  if (!checkOrder(range, field)) return undefined;
  return { ...(range!.from ? { gte: range!.from } : {}), ...(range!.to ? { lt: range!.to } : {}) };
}
