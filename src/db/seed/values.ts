// Date arithmetic and value formatting shared by the demo builders (all dates are UTC).

export const DAY_MS = 86_400_000;
export const isoDay = (d: Date) => d.toISOString().slice(0, 10);
/** The UTC midnight `offset` days from `day`. */
export const addDays = (day: Date, offset: number) => new Date(day.getTime() + offset * DAY_MS);
export const minutesBefore = (now: Date, minutes: number) => new Date(now.getTime() - minutes * 60_000);
/** A timestamp on `day` at hh:mm UTC. */
export const at = (day: Date, hours: number, minutes = 0) => new Date(day.getTime() + (hours * 60 + minutes) * 60_000);
export const money = (usd: number) => Math.round(usd * 1e6) / 1e6;
/** Backdated timestamps near the present must never land after `now`. */
export const notAfter = (now: Date, date: Date) => (date > now ? now : date);
export const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_|_$/g, "");
