// The GraphQL requests the bench sends (the dashboard page, the campaign list, one campaign by id), the roles
// they are sent as, their tokens and headers.
import { JWT_SECRET } from "./settings.ts";

export const DASHBOARD_QUERY = `query Dashboard {
  dashboard {
    revenue { range { from to } totalCents previousTotalCents changeCents changePercent trend daysWithData daily { date valueCents hasData } }
    inventory {
      skuCount atOrBelowReorderPointCount statusCounts { outOfStock urgentReorder lowStock inStock }
      skus(first: 20, atOrBelowReorderPoint: true) { sku productTitle onHand averageDailySales weeksOfSupply reorderPoint status }
    }
    adsRoas {
      blended { campaignCount spendCents revenueCents impressions clicks conversions roas cpcCents cpaCents ctr conversionRate }
      daily { date spendCents revenueCents roas }
      campaigns(first: 10) { campaignId name platform spendCents revenueCents roas cpcCents cpaCents ctr conversionRate }
    }
    supportQueue {
      pendingCount urgency oldestPendingAt expiringWithinHourCount byAge { normal warning critical } byKind { kind count }
      items(first: 20) { id kind agent summary createdAt ageMinutes }
    }
  }
}`;

export const CAMPAIGNS_QUERY = `query Campaigns($range: DateRange) {
  adsCampaigns(first: 100) {
    edges { node { id name platform status budgetCents dailyMetrics(range: $range) { metricDate spendCents impressions clicks conversions revenueCents roas ctr } } }
  }
}`;

/** The small read: one campaign by id with its daily metrics (the bench asks for 7 days), the same fields as CAMPAIGNS_QUERY. */
export const CAMPAIGN_BY_ID_QUERY = `query CampaignById($id: UUID!, $from: Date!, $to: Date!) {
  adsCampaign(id: $id) {
    id name platform status budgetCents dailyMetrics(range: { from: $from, to: $to }) { metricDate spendCents impressions clicks conversions revenueCents roas ctr }
  }
}`;

/** The campaign list as PostGraphile V5 (amber preset, connection-filter) names it: the same rows and columns as CAMPAIGNS_QUERY. */
export const POSTGRAPHILE_CAMPAIGNS_QUERY = `query Campaigns($from: Date!, $to: Date!) {
  allAdsCampaigns(first: 100, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) {
    edges {
      node {
        id: rowId name: campaignName platform status budgetCents
        dailyMetrics: adsDailyMetricsByCampaignId(filter: { metricDate: { greaterThanOrEqualTo: $from, lessThanOrEqualTo: $to } }, orderBy: [METRIC_DATE_ASC]) {
          nodes { metricDate spendCents impressions clicks conversions revenueCents roas ctr }
        }
      }
    }
  }
}`;

interface CampaignNode {
  id: string;
  dailyMetrics: unknown[] | { nodes: unknown[] };
}

/**
 * What a campaign-list or campaign-by-id response holds, whichever system answered (gateway, floor,
 * PostGraphile): the campaign ids in order and the number of metric rows. Throws on errors or no data.
 */
export function campaignRows(text: string): { ids: string[]; metricRows: number } {
  const body = JSON.parse(text) as { data?: Record<string, { edges?: { node: CampaignNode }[] } | CampaignNode | null>; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(`response carries errors or no data: ${text.slice(0, 500)}`);
  const root = Object.values(body.data)[0];
  if (!root) throw new Error(`response has no campaign: ${text.slice(0, 500)}`);
  const nodes = "edges" in root && root.edges ? root.edges.map((e) => e.node) : [root as CampaignNode];
  const metrics = (n: CampaignNode) => (Array.isArray(n.dailyMetrics) ? n.dailyMetrics : n.dailyMetrics.nodes);
  return { ids: nodes.map((n) => n.id), metricRows: nodes.reduce((sum, n) => sum + metrics(n).length, 0) };
}

export type Role = "service_role" | "authenticated";
export const ROLES: Role[] = ["service_role", "authenticated"];

/** Tokens for both roles, signed with the bench's secret as the gateway's dev tokens are. */
export async function signTokens(): Promise<Record<Role, string>> {
  const { signDevToken } = await import("../../src/context/auth.ts");
  return {
    service_role: await signDevToken(JWT_SECRET, "service_role", { expiresIn: "2h" }),
    authenticated: await signDevToken(JWT_SECRET, "authenticated", { sub: "bench-operator", expiresIn: "2h" }),
  };
}

export const graphqlHeaders = (token: string) => ({
  "content-type": "application/json",
  accept: "application/json",
  authorization: `Bearer ${token}`,
});
