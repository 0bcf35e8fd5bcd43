/** A chart's days as a table, folded away under it: the figures are also there as text for those who cannot see the chart. */
import { ScrollingTable } from "./tile.tsx";
import type { ComponentChildren } from "preact";
import { formatDay } from "../format.ts";

interface DailyTableProps<Day extends { date: string }> {
  summary: string;
  days: readonly Day[];
  columns: readonly { label: string; cell: (day: Day) => ComponentChildren }[];
}

export function DailyTable<Day extends { date: string }>({ summary, days, columns }: DailyTableProps<Day>) {
  return (
    <details class="dash-daily">
      <summary>{summary}</summary>
      <ScrollingTable label={summary}>
        <thead>
          <tr>
            <th scope="col">Day</th>
            {columns.map((c) => (
              <th key={c.label} scope="col" class="number">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {days.map((day) => (
            <tr key={day.date}>
              <th scope="row">{formatDay(day.date)}</th>
              {columns.map((c) => (
                <td key={c.label} class="number">
                  {c.cell(day)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </ScrollingTable>
    </details>
  );
}
