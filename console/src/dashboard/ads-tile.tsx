/**
 * Ads: blended ROAS, spend and revenue (ratios from sums, blank where the divisor is 0), spend and revenue per day
 * with ROAS on a second axis, and the campaigns, sortable by ROAS, spend or revenue (blank ROAS last either way).
 */
import { useMemo } from "preact/hooks";
import type { ChartConfiguration } from "chart.js";
import type { DashboardPageQuery, SortDirection } from "../../../src/generated/operations/graphql.ts";
import { blankIfNull, formatDay, formatMoney, formatRatio, formatRoas, formatWholeMoney } from "../format.ts";
import { CHART_COLORS, ChartCanvas } from "./chart.tsx";
import { PLATFORMS } from "./controls.tsx";
import { DailyTable } from "./daily-table.tsx";
import { Empty, formatRange, ScrollingTable, Tile } from "./tile.tsx";

type Ads = NonNullable<DashboardPageQuery["dashboard"]["adsRoas"]>;
type SortKey = "SPEND" | "REVENUE" | "ROAS";

/** How the campaigns are ordered: by the API (its NULLS LAST puts blank figures last either way), so the first 100 are the right ones. */
export interface CampaignSort {
  orderBy: SortKey;
  direction: SortDirection;
}

/** The API's own order, and the one the table starts with. */
export const BY_SPEND: CampaignSort = { orderBy: "SPEND", direction: "DESC" };

const platformName = (value: string) => PLATFORMS.find((p) => p.value === value)?.label ?? value;
const money = (cents: string | null) => blankIfNull(cents, (c) => formatMoney(Number(c)));

export function AdsTile({ ads, sort, onSort }: { ads: Ads | null; sort: CampaignSort; onSort: (sort: CampaignSort) => void }) {
  const config = useMemo<ChartConfiguration<"line"> | null>(() => {
    if (!ads) return null;
    return {
      type: "line",
      data: {
        labels: ads.daily.map((d) => formatDay(d.date)),
        datasets: [
          {
            label: "Spend",
            data: ads.daily.map((d) => Number(d.spendCents) / 100),
            borderColor: CHART_COLORS.red,
            backgroundColor: CHART_COLORS.red,
            yAxisID: "y",
          },
          {
            label: "Revenue",
            data: ads.daily.map((d) => Number(d.revenueCents) / 100),
            borderColor: CHART_COLORS.green,
            backgroundColor: CHART_COLORS.green,
            yAxisID: "y",
          },
          {
            label: "ROAS",
            // A day without spend has no ROAS: a gap in the line, not a 0.
            data: ads.daily.map((d) => (d.roas == null ? null : Number(d.roas))),
            borderColor: CHART_COLORS.purple,
            backgroundColor: CHART_COLORS.purple,
            borderDash: [5, 4],
            yAxisID: "roas",
          },
        ],
      },
      options: {
        elements: { point: { radius: 0, hitRadius: 6 }, line: { borderWidth: 2 } },
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 14 } },
          tooltip: {
            callbacks: {
              label: (item) =>
                item.raw == null
                  ? `${item.dataset.label}: –`
                  : `${item.dataset.label}: ${item.dataset.yAxisID === "roas" ? formatRoas(Number(item.raw)) : formatMoney(Number(item.raw) * 100)}`,
            },
          },
        },
        scales: {
          x: { ticks: { maxTicksLimit: 10 } },
          y: { beginAtZero: true, position: "left", ticks: { callback: (v) => formatWholeMoney(Number(v) * 100) } },
          roas: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, ticks: { callback: (v) => formatRoas(Number(v)) } },
        },
      },
    };
  }, [ads]);

  if (!ads)
    return (
      <Tile id="ads" title="Ads">
        <Empty>Ads are not available to this sign-in.</Empty>
      </Tile>
    );
  const { blended } = ads;

  // A new column sorts highest first; the same column again flips the direction.
  const sortBy = (orderBy: SortKey) => onSort({ orderBy, direction: sort.orderBy === orderBy && sort.direction === "DESC" ? "ASC" : "DESC" });
  const header = (key: SortKey, label: string) => (
    <th scope="col" class="number" aria-sort={sort.orderBy === key ? (sort.direction === "DESC" ? "descending" : "ascending") : "none"}>
      <button type="button" class="dash-sort" onClick={() => sortBy(key)}>
        {label}
        <span aria-hidden="true">{sort.orderBy === key ? (sort.direction === "DESC" ? " ▼" : " ▲") : " ↕"}</span>
      </button>
    </th>
  );

  return (
    <Tile id="ads" title="Ads" note={formatRange(ads.range)}>
      <dl class="dash-figures">
        <div class="dash-figure dash-figure-main">
          <dt class="dash-figure-label">Blended ROAS</dt>
          <dd class="dash-figure-value" data-testid="ads-roas">
            {blankIfNull(blended.roas, formatRoas)}
          </dd>
        </div>
        <div class="dash-figure">
          <dt class="dash-figure-label">Spend</dt>
          <dd class="dash-figure-value" data-testid="ads-spend">
            {formatMoney(Number(blended.spendCents))}
          </dd>
        </div>
        <div class="dash-figure">
          <dt class="dash-figure-label">Revenue</dt>
          <dd class="dash-figure-value" data-testid="ads-revenue">
            {formatMoney(Number(blended.revenueCents))}
          </dd>
        </div>
        <div class="dash-figure">
          <dt class="dash-figure-label">CPC</dt>
          <dd class="dash-figure-value" data-testid="ads-cpc">
            {money(blended.cpcCents)}
          </dd>
        </div>
        <div class="dash-figure">
          <dt class="dash-figure-label">CPA</dt>
          <dd class="dash-figure-value" data-testid="ads-cpa">
            {money(blended.cpaCents)}
          </dd>
        </div>
        <div class="dash-figure">
          <dt class="dash-figure-label">CTR</dt>
          <dd class="dash-figure-value" data-testid="ads-ctr">
            {blankIfNull(blended.ctr, formatRatio)}
          </dd>
        </div>
      </dl>
      {blended.campaignCount === 0 ? (
        <Empty>No ad metrics recorded in this range{ads.platforms ? " for these platforms" : ""}.</Empty>
      ) : (
        <>
          {config && (
            <ChartCanvas
              config={config}
              testId="ads-chart"
              label={`Daily ad spend and revenue with ROAS, ${formatRange(ads.range)}: spend ${formatMoney(Number(blended.spendCents))}, revenue ${formatMoney(Number(blended.revenueCents))}, blended ROAS ${blankIfNull(blended.roas, formatRoas) || "blank (no spend)"}.`}
            />
          )}
          <DailyTable
            summary="Daily spend, revenue and ROAS as a table"
            days={ads.daily}
            columns={[
              { label: "Spend", cell: (d) => formatMoney(Number(d.spendCents)) },
              { label: "Revenue", cell: (d) => formatMoney(Number(d.revenueCents)) },
              { label: "ROAS", cell: (d) => blankIfNull(d.roas, formatRoas) },
            ]}
          />
          <ScrollingTable label="Campaigns" testId="campaigns">
            <caption class="help">
              {ads.campaigns.length < blended.campaignCount
                ? `The first ${ads.campaigns.length} of ${blended.campaignCount} campaigns with metrics in the range.`
                : `${blended.campaignCount} campaigns with metrics in the range.`}{" "}
              A blank ROAS or CPA: no spend or no conversions to divide by.
            </caption>
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">Platform</th>
                {header("SPEND", "Spend")}
                {header("REVENUE", "Revenue")}
                {header("ROAS", "ROAS")}
                <th scope="col" class="number">
                  CPA
                </th>
              </tr>
            </thead>
            <tbody>
              {ads.campaigns.map((c) => (
                <tr key={c.campaignId} data-testid="campaign-row">
                  <th scope="row" class="dash-name">
                    {c.name}
                  </th>
                  <td>{platformName(c.platform)}</td>
                  <td class="number">{formatMoney(Number(c.spendCents))}</td>
                  <td class="number">{formatMoney(Number(c.revenueCents))}</td>
                  <td class="number" data-testid="campaign-roas">
                    {blankIfNull(c.roas, formatRoas)}
                  </td>
                  <td class="number">{money(c.cpaCents)}</td>
                </tr>
              ))}
            </tbody>
          </ScrollingTable>
        </>
      )}
    </Tile>
  );
}
