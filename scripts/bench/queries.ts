// The two GraphQL requests the dashboard UI makes, the roles they are sent as, and their headers.

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

export type Role = "service_role" | "authenticated";
export const ROLES: Role[] = ["service_role", "authenticated"];

export const graphqlHeaders = (token: string) => ({
  "content-type": "application/json",
  accept: "application/json",
  authorization: `Bearer ${token}`,
});
