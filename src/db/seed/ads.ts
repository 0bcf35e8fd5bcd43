// Demo ads: 8 campaigns per platform, 90 days of daily metrics each, and the legacy metrics table.
import { CAMPAIGN_THEMES } from "./content/campaigns.ts";
import type { Row } from "./insert.ts";
import type { Random } from "./random.ts";
import { addDays, at, isoDay, minutesBefore, notAfter, slug } from "./values.ts";

const PLATFORMS = ["meta", "google", "tiktok", "pinterest", "organic"] as const;
type Platform = (typeof PLATFORMS)[number];

// Per platform: daily budget range (USD), CPM (USD), CTR, click->order rate, UTM source/medium. Tuned so
// ROAS lands around 1.5x (TikTok) to 4x (Google search) and attributed revenue stays below shop revenue.
const PLATFORM_PROFILE: Record<
  Platform,
  { budget: [number, number]; cpm: number; ctr: number; cvr: number; source: string; medium: string; idPrefix: string }
> = {
  meta: { budget: [40, 160], cpm: 11, ctr: 0.012, cvr: 0.014, source: "facebook", medium: "paid_social", idPrefix: "23851" },
  google: { budget: [30, 140], cpm: 18, ctr: 0.035, cvr: 0.01, source: "google", medium: "cpc", idPrefix: "2071" },
  tiktok: { budget: [20, 80], cpm: 7, ctr: 0.009, cvr: 0.006, source: "tiktok", medium: "paid_social", idPrefix: "17901" },
  pinterest: { budget: [10, 45], cpm: 5, ctr: 0.006, cvr: 0.0085, source: "pinterest", medium: "paid_social", idPrefix: "5497" },
  organic: { budget: [0, 0], cpm: 0, ctr: 0.02, cvr: 0.015, source: "newsletter", medium: "email", idPrefix: "org" },
};

interface Campaign {
  row: Row;
  id: string;
  externalId: string;
  platform: Platform;
  status: string;
  start: Date;
  end: Date | null;
  dailyBudgetUsd: number;
  strength: number; // multiplies conversion rate: some campaigns beat their target ROAS, some do not
  pausedForDays: number;
}

export function buildCampaigns(rng: Random, today: Date, now: Date): Campaign[] {
  const campaigns: Campaign[] = [];
  // 8 per platform; the statuses cycle so every platform has every status.
  const statusCycle = ["active", "active", "active", "paused", "active", "archived", "draft", "active"];
  for (const platform of PLATFORMS) {
    const profile = PLATFORM_PROFILE[platform];
    CAMPAIGN_THEMES.forEach((theme, i) => {
      const status = statusCycle[(i + PLATFORMS.indexOf(platform)) % statusCycle.length];
      const name = `${platform === "organic" ? "Organic" : platform[0].toUpperCase() + platform.slice(1)} – ${theme}`;
      const externalId =
        platform === "organic" ? `org-${slug(theme)}` : `${profile.idPrefix}${String(100000000 + rng.int(0, 899999999)).padStart(10, "0")}`;
      // Drafts start in the future; archived ones ended inside the window; the rest started before it.
      const start = status === "draft" ? addDays(today, rng.int(3, 21)) : addDays(today, -rng.int(95, 240));
      const end =
        status === "archived" ? addDays(today, -rng.int(10, 45)) : status === "draft" || rng.chance(0.75) ? null : addDays(today, rng.int(14, 120));
      const dailyBudgetUsd = platform === "organic" ? 0 : rng.int(profile.budget[0], profile.budget[1]);
      const created = at(addDays(start, -rng.int(1, 10)), rng.int(13, 22), rng.int(0, 59));
      const id = rng.uuid();
      const pausedForDays = status === "paused" ? rng.int(8, 30) : 0;
      const updated =
        status === "paused" ? at(addDays(today, -pausedForDays), 16, 5) : status === "draft" ? created : minutesBefore(now, rng.int(60, 20_000));
      campaigns.push({
        id,
        externalId,
        platform,
        status,
        start,
        end,
        dailyBudgetUsd,
        strength: 0.6 + rng.next() * 0.9,
        pausedForDays,
        row: {
          id,
          campaign_id: externalId,
          platform,
          campaign_name: name,
          status,
          budget_cents: dailyBudgetUsd * 100,
          target_roas: platform === "organic" ? null : (2 + rng.int(0, 10) * 0.25).toFixed(2),
          start_date: isoDay(start),
          end_date: end ? isoDay(end) : null,
          utm_source: platform === "organic" && i % 4 === 3 ? null : profile.source,
          utm_medium: platform === "organic" && i % 4 === 3 ? null : profile.medium,
          utm_campaign: platform === "organic" && i % 4 === 3 ? null : slug(`${platform} ${theme}`),
          created_at: created > now ? now : created,
          updated_at: updated > now ? now : updated < created ? created : updated,
          metadata: {
            budgetPeriod: "daily",
            objective: platform === "organic" ? "engagement" : theme.includes("Brand") ? "awareness" : "conversions",
            audience: rng.pick(["US hot rod builders", "LS swap intenders", "Past purchasers 180d", "Lookalike 1%", "Broad"]),
            demo: true,
          },
        },
      });
    });
  }
  return campaigns;
}

export function buildDailyMetrics(rng: Random, campaigns: Campaign[], today: Date, now: Date): Row[] {
  const rows: Row[] = [];
  for (const c of campaigns) {
    if (c.status === "draft") continue;
    const p = PLATFORM_PROFILE[c.platform];
    for (let offset = -89; offset <= 0; offset++) {
      const day = addDays(today, offset);
      if (day < c.start || (c.end && day > c.end && c.status === "archived")) continue;
      const weekday = day.getUTCDay();
      const seasonal = (weekday === 0 || weekday === 6 ? 0.8 : weekday === 1 ? 1.15 : 1) * (1 + 0.002 * (offset + 89));
      const paused = c.pausedForDays > 0 && offset > -c.pausedForDays;
      let spend = 0;
      let impressions = 0;
      if (c.platform === "organic") {
        // No spend: ROAS and CPA stay NULL, CPC is 0 — the trigger's divide-by-zero rules in action.
        impressions = paused ? 0 : Math.round(rng.int(800, 4000) * seasonal);
      } else if (!paused && !rng.chance(0.03)) {
        // ~3% of days the platform delivered nothing (billing hold, learning reset): an all-zero row.
        spend = Math.max(0, Math.round(c.dailyBudgetUsd * 100 * (0.6 + rng.next() * 0.5) * seasonal));
        impressions = Math.round((spend / 100 / p.cpm) * 1000 * (0.85 + rng.next() * 0.3));
      }
      // Some days get impressions but no click at all (CPC and conversion rate NULL).
      const clicks = impressions === 0 || rng.chance(0.03) ? 0 : rng.poisson(impressions * p.ctr);
      const conversions = clicks === 0 ? 0 : rng.poisson(clicks * p.cvr * c.strength);
      const revenue = conversions === 0 ? 0 : Math.round(conversions * (120 + rng.next() * 160) * 100);
      rows.push({
        id: rng.uuid(),
        campaign_id: c.id,
        metric_date: isoDay(day),
        spend_cents: spend,
        impressions,
        clicks,
        conversions,
        revenue_cents: revenue,
        // Written by the nightly rollup; today's row so far by the intraday refresh.
        created_at: notAfter(now, at(addDays(day, 1), 2, rng.int(0, 59))),
        updated_at: notAfter(now, at(addDays(day, 1), 2, 59)),
      });
    }
  }
  return rows;
}

/** The legacy table (superseded by ads_campaigns + ads_daily_metrics a month ago): 60 days of 4 campaigns. */
export function buildLegacyMetrics(rng: Random, campaigns: Campaign[], today: Date): Row[] {
  const legacy: Array<{ id: string; platform: string; budget: number }> = [
    ...campaigns.filter((c) => c.platform === "meta" && c.status !== "draft").slice(0, 2),
    ...campaigns.filter((c) => c.platform === "google" && c.status !== "draft").slice(0, 1),
  ].map((c) => ({ id: c.externalId, platform: c.platform, budget: c.dailyBudgetUsd }));
  legacy.push({ id: "legacy-import-bing-2025", platform: "unknown", budget: 25 }); // pre-CHECK import, platform unknown
  const rows: Row[] = [];
  for (const c of legacy) {
    for (let offset = -89; offset <= -30; offset++) {
      const day = addDays(today, offset);
      const spend = Math.round(c.budget * 100 * (0.6 + rng.next() * 0.5));
      const impressions = Math.round((spend / 100 / 12) * 1000);
      const clicks = rng.chance(0.04) ? 0 : rng.poisson(impressions * 0.02);
      const conversions = rng.poisson(clicks * 0.03);
      rows.push({
        id: rng.uuid(),
        campaign_id: c.id,
        platform: c.platform,
        date: isoDay(day),
        spend_cents: spend,
        impressions,
        clicks,
        conversions,
        revenue_cents: conversions * rng.int(9000, 26000),
        created_at: at(addDays(day, 1), 3),
        updated_at: at(addDays(day, 1), 3),
      });
    }
  }
  return rows;
}
