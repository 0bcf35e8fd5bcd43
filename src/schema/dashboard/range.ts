/** The date range every dated tile reports: the one it actually covers, after defaults. */
import { builder } from "../builder.ts";
import { parseDate } from "../../lib/dates.ts";
import type { DayRange } from "../../data/dashboard/range.ts";

/** A "YYYY-MM-DD" date of a tile as the Date scalar's value. */
export const day = (value: string) => parseDate(value);

export const ResolvedDateRange = builder.objectRef<DayRange>("DashboardDateRange").implement({
  description: "The inclusive range of dates a tile actually covers, after defaults.",
  fields: (t) => ({
    from: t.field({ type: "Date", resolve: (r) => day(r.from) }),
    to: t.field({ type: "Date", resolve: (r) => day(r.to) }),
    days: t.exposeInt("days"),
  }),
});
