/** Inventory: SKUs by stock status (bars and numbers), and the SKUs at or below their reorder point, most at risk first. */
import { useMemo } from "preact/hooks";
import type { ChartConfiguration } from "chart.js";
import type { DashboardPageQuery, StockStatus } from "../../../src/generated/operations/graphql.ts";
import { blankIfNull, formatCount } from "../format.ts";
import { CHART_COLORS, ChartCanvas } from "./chart.tsx";
import { Empty, formatRange, ScrollingTable, Tile } from "./tile.tsx";

type Inventory = NonNullable<DashboardPageQuery["dashboard"]["inventory"]>;
type Counts = Inventory["statusCounts"];

const STATUSES: readonly { key: keyof Counts; status: StockStatus; label: string; color: string; testId: string }[] = [
  { key: "outOfStock", status: "OUT_OF_STOCK", label: "Out of stock", color: CHART_COLORS.red, testId: "inventory-out-of-stock" },
  { key: "urgentReorder", status: "URGENT_REORDER", label: "Urgent reorder", color: CHART_COLORS.orange, testId: "inventory-urgent-reorder" },
  { key: "lowStock", status: "LOW_STOCK", label: "Low stock", color: CHART_COLORS.amber, testId: "inventory-low-stock" },
  { key: "inStock", status: "IN_STOCK", label: "In stock", color: CHART_COLORS.green, testId: "inventory-in-stock" },
];
const statusLabel = (status: StockStatus) => STATUSES.find((s) => s.status === status)?.label ?? status;

export function InventoryTile({ inventory }: { inventory: Inventory | null }) {
  const config = useMemo<ChartConfiguration<"bar"> | null>(() => {
    if (!inventory) return null;
    return {
      type: "bar",
      data: {
        labels: STATUSES.map((s) => s.label),
        datasets: [{ label: "SKUs", data: STATUSES.map((s) => inventory.statusCounts[s.key]), backgroundColor: STATUSES.map((s) => s.color) }],
      },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    };
  }, [inventory]);

  if (!inventory)
    return (
      <Tile id="inventory" title="Inventory">
        <Empty>Inventory is not available to this sign-in.</Empty>
      </Tile>
    );
  const { statusCounts, skus } = inventory;
  return (
    <Tile id="inventory" title="Inventory" note={`Sales over ${formatRange(inventory.salesWindow)}`}>
      {inventory.skuCount === 0 ? (
        <Empty>No stock snapshots in this sales window.</Empty>
      ) : (
        <>
          <div class="dash-split">
            <ul class="dash-counts" aria-label="SKUs by stock status">
              {STATUSES.map((s) => (
                <li key={s.key}>
                  <span class="dash-swatch" style={{ backgroundColor: s.color }} aria-hidden="true" />
                  <span class="dash-count-label">{s.label}</span>
                  <strong class="dash-count" data-testid={s.testId}>
                    {formatCount(statusCounts[s.key])}
                  </strong>
                </li>
              ))}
              <li class="help">of {formatCount(inventory.skuCount)} SKUs</li>
            </ul>
            {config && (
              <ChartCanvas
                config={config}
                size="small"
                testId="inventory-chart"
                label={`SKUs by stock status: ${STATUSES.map((s) => `${s.label.toLowerCase()} ${statusCounts[s.key]}`).join(", ")}.`}
              />
            )}
          </div>
          <h4 class="dash-subhead">
            At or below the reorder point: <span data-testid="inventory-reorder-count">{formatCount(inventory.atOrBelowReorderPointCount)}</span>
            {skus.length < inventory.atOrBelowReorderPointCount && <span class="help"> (the {skus.length} most at risk shown)</span>}
          </h4>
          {skus.length === 0 ? (
            <Empty>No SKU is at or below its reorder point.</Empty>
          ) : (
            <ScrollingTable label="SKUs at or below their reorder point" testId="reorder-skus">
              <caption class="help">Most at risk first. A blank weeks of supply: no sales in the window to divide by.</caption>
              <thead>
                <tr>
                  <th scope="col">SKU</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="number">
                    On hand
                  </th>
                  <th scope="col" class="number">
                    Weeks of supply
                  </th>
                  <th scope="col" class="number">
                    Reorder point
                  </th>
                </tr>
              </thead>
              <tbody>
                {skus.map((s) => (
                  <tr key={s.sku} data-testid="reorder-row">
                    <th scope="row" class="dash-name">
                      <span data-testid="reorder-sku">{s.sku}</span>
                      {s.productTitle && <span class="dash-sub">{s.productTitle}</span>}
                    </th>
                    <td class={`dash-nowrap dash-status-${s.status.toLowerCase()}`}>{statusLabel(s.status)}</td>
                    <td class="number">{formatCount(s.onHand)}</td>
                    <td class="number" data-testid="reorder-weeks">
                      {blankIfNull(s.weeksOfSupply, (w) => Number(w).toFixed(2))}
                    </td>
                    <td class="number" data-testid="reorder-point">
                      {formatCount(s.reorderPoint)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </ScrollingTable>
          )}
        </>
      )}
    </Tile>
  );
}
