/**
 * The date ranges tiles cover: inclusive ranges of calendar dates, with defaults filled in from the
 * dashboard's `asOf` and a bound on their length (a daily series has one point per day).
 */
import { badInput } from "../../errors.ts";
import { formatDate, type Range } from "../../lib/dates.ts";

export const DEFAULT_RANGE_DAYS = 30;
/** Longest range a tile accepts (a daily series has one point per day). */
export const MAX_RANGE_DAYS = 366;

const DAY_MS = 86_400_000;

/** An inclusive range of calendar dates, as "YYYY-MM-DD" strings. */
export interface DayRange {
  from: string;
  to: string;
  days: number;
}

const addDays = (day: string, n: number) => formatDate(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS));

/** Today as a UTC calendar date (the dashboard's default `asOf`). */
export const todayUtc = () => formatDate(new Date());

/** A calendar date "YYYY-MM-DD" as read from a tile's JSON, as a Date (UTC midnight). */
export const dayToDate = (day: string) => new Date(`${day}T00:00:00Z`);

/**
 * The range a tile covers: the given one, with missing ends filled in — `to` defaults to `asOf`,
 * `from` to `DEFAULT_RANGE_DAYS` days ending at `to`.
 */
export function resolveRange(range: Range<Date>, asOf: string, field: string): DayRange {
  const to = range?.to ? formatDate(range.to) : asOf;
  const from = range?.from ? formatDate(range.from) : addDays(to, -(DEFAULT_RANGE_DAYS - 1));
  if (from > to) throw badInput(field, `"from" must not be after "to"`);
  const days = Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS) + 1;
  if (days > MAX_RANGE_DAYS) throw badInput(field, `must span at most ${MAX_RANGE_DAYS} days (got ${days})`);
  return { from, to, days };
}

/** The period of the same length that ends the day before `range` starts. */
export const previousPeriod = (range: DayRange): DayRange => ({
  from: addDays(range.from, -range.days),
  to: addDays(range.from, -1),
  days: range.days,
});
