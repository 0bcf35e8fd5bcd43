// Demo shop facts: 180 days of revenue, orders, sessions and AOV, with a growth trend and one anomaly day.
import { DEMO_SHOP_DOMAIN } from "./constants.ts";
import type { Row } from "./insert.ts";
import type { Random } from "./random.ts";
import { addDays, at, isoDay, minutesBefore, notAfter } from "./values.ts";

export function buildDashboardFacts(rng: Random, today: Date, now: Date): Row[] {
  const rows: Row[] = [];
  const anomalyDay = -12; // a 30% revenue drop the anomaly tile should flag
  for (let offset = -179; offset <= 0; offset++) {
    const day = addDays(today, offset);
    const weekday = day.getUTCDay();
    const trend = 1 + 0.0012 * (offset + 179); // ~+24% over six months: the period comparison shows growth
    const weekly = weekday === 0 ? 0.78 : weekday === 6 ? 0.85 : weekday === 1 ? 1.12 : 1;
    const sessions = Math.round(2300 * trend * weekly * (0.9 + rng.next() * 0.2));
    let orders = rng.poisson(sessions * 0.0235);
    if (offset === anomalyDay) orders = Math.round(orders * 0.7);
    const aovCents = Math.round((16_800 + 1_800 * rng.normal()) * (offset > -30 ? 1.04 : 1));
    const revenueCents = orders * aovCents + rng.int(-500, 500) * (orders > 0 ? 1 : 0);
    const created = offset === 0 ? minutesBefore(now, 20) : notAfter(now, at(addDays(day, 1), 0, 30));
    const fact = (metric: string, value: number | string, unit: string, metadata: object) => ({
      id: rng.uuid(),
      shopDomain: DEMO_SHOP_DOMAIN,
      metric,
      factDate: isoDay(day),
      value: String(value),
      unit,
      scope: "dashboard",
      metadata: { ...metadata, demo: true },
      evidenceUrl: null,
      createdAt: created,
      updatedAt: created,
    });
    rows.push(
      fact("revenue", revenueCents, "cents", { source: "shopify", currency: "USD" }),
      fact("orders", orders, "count", { source: "shopify" }),
      fact("sessions", sessions, "count", { source: "ga4" }),
    );
    // AOV is undefined for a day without orders, so no fact is written for it.
    if (orders > 0) rows.push(fact("aov", (revenueCents / orders).toFixed(4), "cents", { source: "shopify", currency: "USD" }));
  }
  return rows;
}
