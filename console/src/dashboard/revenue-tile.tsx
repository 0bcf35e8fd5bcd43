/** Revenue: the range's total, its change against the period just before, and the days as bars (no bar on a day without data). */
import { useMemo } from "preact/hooks";
import type { ChartConfiguration } from "chart.js";
import type { DashboardPageQuery } from "../../../src/generated/operations/graphql.ts";
import { formatDay, formatMoney, formatSignedMoney, formatSignedPercent, formatWholeMoney } from "../format.ts";
import { CHART_COLORS, ChartCanvas } from "./chart.tsx";
import { DailyTable } from "./daily-table.tsx";
import { Empty, formatRange, Tile } from "./tile.tsx";

type Revenue = NonNullable<DashboardPageQuery["dashboard"]["revenue"]>;

const DIRECTION = {
  UP: { arrow: "▲", word: "up", tone: "good" },
  DOWN: { arrow: "▼", word: "down", tone: "bad" },
  FLAT: { arrow: "■", word: "no change", tone: "flat" },
};

export function RevenueTile({ revenue }: { revenue: Revenue | null }) {
  const config = useMemo<ChartConfiguration<"bar"> | null>(() => {
    if (!revenue) return null;
    return {
      type: "bar",
      data: {
        labels: revenue.daily.map((d) => formatDay(d.date)),
        // null, not 0, on a day without a fact: Chart.js draws no bar there (a gap).
        datasets: [
          { label: "Revenue", data: revenue.daily.map((d) => (d.hasData ? Number(d.valueCents) / 100 : null)), backgroundColor: CHART_COLORS.blue },
        ],
      },
      options: {
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => formatMoney(Number(item.raw) * 100) } } },
        scales: { y: { beginAtZero: true, ticks: { callback: (v) => formatWholeMoney(Number(v) * 100) } }, x: { ticks: { maxTicksLimit: 10 } } },
      },
    };
  }, [revenue]);

  if (!revenue)
    return (
      <Tile id="revenue" title="Revenue">
        <Empty>Revenue is not available to this sign-in.</Empty>
      </Tile>
    );
  const direction = DIRECTION[revenue.trend];
  const days = revenue.daily.length;
  return (
    <Tile id="revenue" title="Revenue" note={<span data-testid="revenue-range">{formatRange(revenue.range)}</span>}>
      <div class="dash-figures">
        <div class="dash-figure dash-figure-main">
          <span class="dash-figure-label">Total</span>
          <span class="dash-figure-value" data-testid="revenue-total">
            {formatMoney(Number(revenue.totalCents))}
          </span>
        </div>
        <div class="dash-figure">
          <span class="dash-figure-label">Change against the previous {days} days</span>
          <span class={`dash-figure-value dash-trend-${direction.tone}`} data-testid="revenue-change">
            <span aria-hidden="true">{direction.arrow} </span>
            <span class="visually-hidden">{direction.word} </span>
            <span data-testid="revenue-change-amount">{formatSignedMoney(Number(revenue.changeCents))}</span>
            {revenue.changePercent != null && (
              <>
                {" ("}
                <span data-testid="revenue-change-percent">{formatSignedPercent(revenue.changePercent)}</span>
                {")"}
              </>
            )}
          </span>
          <span class="help" data-testid="revenue-previous">
            {formatRange(revenue.previousRange)}: {formatMoney(Number(revenue.previousTotalCents))}
            {revenue.changePercent == null && " (no revenue then, so no percentage)"}
          </span>
        </div>
      </div>
      {revenue.daysWithData === 0 ? (
        <Empty>No revenue recorded in this range.</Empty>
      ) : (
        <>
          <p class="help">
            Daily revenue: {revenue.daysWithData} of {days} days have data; a day without data has no bar.
          </p>
          {config && (
            <ChartCanvas
              config={config}
              testId="revenue-chart"
              label={`Daily revenue, ${formatRange(revenue.range)}: total ${formatMoney(Number(revenue.totalCents))} over ${revenue.daysWithData} days with data.`}
            />
          )}
          <DailyTable
            summary="Daily revenue as a table"
            days={revenue.daily}
            columns={[{ label: "Revenue", cell: (d) => (d.hasData ? formatMoney(Number(d.valueCents)) : "no data") }]}
          />
        </>
      )}
    </Tile>
  );
}
