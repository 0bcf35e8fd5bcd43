/** Support queue: what waits for an operator's decision, by kind and by age, and the items oldest first. */
import { useMemo } from "preact/hooks";
import type { ChartConfiguration } from "chart.js";
import type { DashboardPageQuery } from "../../../src/generated/operations/graphql.ts";
import { formatCount, formatDuration } from "../format.ts";
import { CHART_COLORS, ChartCanvas } from "./chart.tsx";
import { Empty, ScrollingTable, Tile } from "./tile.tsx";

type Queue = NonNullable<DashboardPageQuery["dashboard"]["supportQueue"]>;

/** The API's age buckets (docs/dashboard.md, "Support queue"). */
const AGES: readonly { key: keyof Queue["byAge"]; label: string; meaning: string }[] = [
  { key: "normal", label: "Normal", meaning: "under 1 h" },
  { key: "warning", label: "Warning", meaning: "1 h to 2 h" },
  { key: "critical", label: "Critical", meaning: "2 h or more" },
];

/** "ads_budget_change" → "ads budget change". */
const kindName = (kind: string) => kind.replace(/_/g, " ");

export function SupportTile({ queue }: { queue: Queue | null }) {
  const config = useMemo<ChartConfiguration<"bar"> | null>(() => {
    if (!queue) return null;
    return {
      type: "bar",
      data: {
        labels: queue.byKind.map((k) => kindName(k.kind)),
        datasets: [{ label: "Pending", data: queue.byKind.map((k) => k.count), backgroundColor: CHART_COLORS.blue }],
      },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    };
  }, [queue]);

  if (!queue)
    return (
      <Tile id="support" title="Support queue">
        <Empty>The queue is not available to this sign-in.</Empty>
      </Tile>
    );
  return (
    <Tile id="support" title="Support queue" note="Agents' actions waiting for an operator">
      <div class="dash-figures">
        <div class="dash-figure dash-figure-main">
          <span class="dash-figure-label">Pending</span>
          <span class="dash-figure-value" data-testid="support-pending">
            {formatCount(queue.pendingCount)}
          </span>
          <span class="help">Urgency: {queue.urgency.toLowerCase()}</span>
        </div>
        {AGES.map((age) => (
          <div key={age.key} class={`dash-figure dash-age-${age.key}`}>
            <span class="dash-figure-label">
              {age.label} <span class="help">({age.meaning})</span>
            </span>
            <span class="dash-figure-value" data-testid={`support-age-${age.key}`}>
              {formatCount(queue.byAge[age.key])}
            </span>
          </div>
        ))}
      </div>
      {queue.pendingCount === 0 ? (
        <Empty>Nothing is waiting for a decision.</Empty>
      ) : (
        <>
          <div class="dash-split">
            <ul class="dash-counts" aria-label="Pending by kind" data-testid="support-kinds">
              {queue.byKind.map((k) => (
                <li key={k.kind} data-testid="support-kind">
                  <span class="dash-count-label" data-testid="support-kind-name">
                    {kindName(k.kind)}
                  </span>
                  <strong class="dash-count" data-testid="support-kind-count">
                    {formatCount(k.count)}
                  </strong>
                </li>
              ))}
            </ul>
            {config && (
              <ChartCanvas
                config={config}
                size="small"
                testId="support-chart"
                label={`Pending by kind: ${queue.byKind.map((k) => `${kindName(k.kind)} ${k.count}`).join(", ")}.`}
              />
            )}
          </div>
          <ScrollingTable label="Pending items, oldest first" testId="support-items">
            <caption class="help">
              Oldest first{queue.items.length < queue.pendingCount ? ` (the ${queue.items.length} oldest of ${queue.pendingCount})` : ""}. Decide them
              in the approval queue below.
            </caption>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Agent</th>
                <th scope="col">Summary</th>
                <th scope="col" class="number">
                  Age
                </th>
              </tr>
            </thead>
            <tbody>
              {queue.items.map((item) => (
                <tr key={item.id} data-testid="support-item">
                  <td>{kindName(item.kind)}</td>
                  <td>{item.agent}</td>
                  <td>{item.summary}</td>
                  <td class="number dash-nowrap">{formatDuration(item.ageMinutes * 60)}</td>
                </tr>
              ))}
            </tbody>
          </ScrollingTable>
        </>
      )}
    </Tile>
  );
}
