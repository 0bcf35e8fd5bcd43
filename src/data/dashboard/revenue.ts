/**
 * The revenue tile: DashboardFact rows with metric 'revenue' in cents, summed per day over the range
 * and the period before it (several shops' facts add up when no shop is given).
 */
import { Prisma } from "../../generated/prisma/client.ts";
import { dayToDate, type DayRange } from "./range.ts";
import { defineTile } from "./tile.ts";

export interface RevenueTileArgs {
  range: DayRange;
  previous: DayRange;
  shopDomain: string | null;
}

export interface RevenueTotals {
  totalCents: string;
  previousTotalCents: string;
  changeCents: string;
  changePercent: string | null;
  trend: "UP" | "DOWN" | "FLAT";
  daysWithData: number;
}

export interface RevenueDay {
  date: Date;
  valueCents: string;
  hasData: boolean;
}

export const revenueTile = defineTile({
  key: "revenue",
  // Per-day sums over both periods.
  with: ({ range, previous, shopDomain }: RevenueTileArgs) => Prisma.sql`
    WITH facts AS (
      SELECT "factDate" AS day, sum("value") AS value
      FROM "DashboardFact"
      WHERE "metric" = 'revenue' AND "unit" = 'cents'
        AND "factDate" BETWEEN ${previous.from}::date AND ${range.to}::date
        ${shopDomain === null ? Prisma.empty : Prisma.sql`AND "shopDomain" = ${shopDomain}`}
      GROUP BY "factDate"
    ), totals AS (
      SELECT coalesce(sum(value) FILTER (WHERE day >= ${range.from}::date), 0) AS current,
             coalesce(sum(value) FILTER (WHERE day < ${range.from}::date), 0) AS previous,
             count(*) FILTER (WHERE day >= ${range.from}::date) AS days_with_data
      FROM facts
    )`,
  parts: (part) => ({
    // Change in percent is NULL when the previous period is 0 (upstream returned 0: a bug).
    totals: part<RevenueTotals>(
      () => Prisma.sql`
          SELECT json_build_object(
            'totalCents', current::text, 'previousTotalCents', previous::text, 'changeCents', (current - previous)::text,
            'changePercent', round((current - previous) * 100 / nullif(previous, 0), 2)::text,
            'trend', CASE WHEN current > previous THEN 'UP' WHEN current < previous THEN 'DOWN' ELSE 'FLAT' END,
            'daysWithData', days_with_data)
          FROM totals`,
    ),
    daily: part(
      ({ range }) => Prisma.sql`
          SELECT json_agg(json_build_object('date', d::date, 'valueCents', coalesce(f.value, 0)::text, 'hasData', f.day IS NOT NULL) ORDER BY d)
          FROM generate_series(${range.from}::date, ${range.to}::date, interval '1 day') AS d
          LEFT JOIN facts f ON f.day = d::date`,
      (days: (Omit<RevenueDay, "date"> & { date: string })[]): RevenueDay[] => days.map((d) => ({ ...d, date: dayToDate(d.date) })),
    ),
  }),
});
