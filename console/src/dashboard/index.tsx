/**
 * The dashboard's four tiles (revenue, ads, inventory, support queue) over a date range and platforms, from one
 * DashboardPage request. Until a range is chosen the API's default (the 30 days ending the dashboard's day) is
 * used and shown. While a new range or filter loads, the figures shown stay until the answer replaces them.
 */
import { useEffect, useState } from "preact/hooks";
import { DashboardPageDocument, type AdsPlatform, type DashboardPageQuery } from "../../../src/generated/operations/graphql.ts";
import { useSession } from "../session-context.ts";
import { AdsTile, BY_SPEND, type CampaignSort } from "./ads-tile.tsx";
import { DashboardControls, type DayRange } from "./controls.tsx";
import { InventoryTile } from "./inventory-tile.tsx";
import { RevenueTile } from "./revenue-tile.tsx";
import { SupportTile } from "./support-tile.tsx";
import "./dashboard.css";

interface Filters {
  /** null: the API's default range. */
  range: DayRange | null;
  /** Empty: every platform. */
  platforms: AdsPlatform[];
  campaignSort: CampaignSort;
}

/** `queueVersion`: changes when the approval queue does, to read the support-queue tile again. */
export function Dashboard({ queueVersion = 0 }: { queueVersion?: number }) {
  const { api, handleError } = useSession();
  const [filters, setFilters] = useState<Filters>({ range: null, platforms: [], campaignSort: BY_SPEND });
  const [data, setData] = useState<DashboardPageQuery | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true; // an older answer arriving late must not replace a newer one
    setLoading(true);
    api
      .request(DashboardPageDocument, {
        range: filters.range,
        platforms: filters.platforms.length ? filters.platforms : null,
        campaignOrder: filters.campaignSort.orderBy,
        campaignDirection: filters.campaignSort.direction,
      })
      .then(
        (answer) => {
          if (!current) return;
          setData(answer);
          setError(null);
        },
        (failure: unknown) => current && setError(handleError(failure).message),
      )
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [filters, queueVersion]);

  const dashboard = data?.dashboard;
  const shownRange = filters.range ?? dashboard?.revenue?.range ?? null;
  return (
    <section id="dashboard" aria-labelledby="dashboard-title" aria-busy={loading}>
      <div class="dash-title">
        <h2 id="dashboard-title">Dashboard</h2>
        {dashboard && <span class="help">As of {dashboard.asOf} (UTC)</span>}
        {loading && (
          <span class="loading" role="status">
            {data ? "Updating…" : "Loading the dashboard…"}
          </span>
        )}
      </div>
      <DashboardControls
        asOf={dashboard?.asOf ?? null}
        range={shownRange}
        platforms={filters.platforms}
        onRange={(range) => setFilters((f) => ({ ...f, range }))}
        onPlatforms={(platforms) => setFilters((f) => ({ ...f, platforms }))}
      />
      {error && (
        <p class="problem" role="alert" data-testid="dashboard-error">
          The dashboard could not be loaded: {error}
        </p>
      )}
      {dashboard && (
        <div class="dash-grid">
          <RevenueTile revenue={dashboard.revenue} />
          <AdsTile ads={dashboard.adsRoas} sort={filters.campaignSort} onSort={(campaignSort) => setFilters((f) => ({ ...f, campaignSort }))} />
          <InventoryTile inventory={dashboard.inventory} />
          <SupportTile queue={dashboard.supportQueue} />
        </div>
      )}
    </section>
  );
}
