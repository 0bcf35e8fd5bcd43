// Demo data for the HotDash dashboard: a realistic, deterministic picture of the Hot Rodan store over
// the last 90 days (180 for the shop facts, so a 90-day window can be compared with the previous one).
//
// * Idempotent: a DecisionLog row (scope 'seed', action 'demo_data_loaded') marks a seeded database; it
//   cannot be edited or deleted (DecisionLog is append-only). A database that already has the marker or
//   any ads campaign is left alone, so this never mixes demo rows into real data.
// * Deterministic: every value and every id comes from a seeded PRNG; only the dates move with `now`.
// * Fast: one transaction, one INSERT … SELECT FROM unnest(...) per table (~20 statements), because
//   PGlite over its socket pays per statement, not per row.
// * creds_meta is NOT seeded: secrets need the vault key (src/vault), which demo data must not know.
import pg from "pg";

/** The shop every demo fact belongs to (the store's Shopify domain, as upstream). */
export const DEMO_SHOP_DOMAIN = "hotrodan.myshopify.com";

/** Dimensions of knowledge_chunks.embedding (OpenAI text-embedding-3-small upstream). */
export const EMBEDDING_DIMENSIONS = 1536;

/** The DecisionLog marker that says "demo data is here". */
export const DEMO_SEED_MARKER = { scope: "seed", action: "demo_data_loaded" } as const;

/** Operators who decide approvals and annotate feedback. `sub` is the JWT subject (AgentFeedback.annotator). */
export const DEMO_OPERATORS = [
  { sub: "6f1d3c8e-2b7a-4c1e-9a55-0d2f1e7b3a01", email: "justin@hotrodan.com", name: "Justin" },
  { sub: "a4e2b9d0-5c3f-4d8a-b1e6-7f9c2d4e5b02", email: "support-lead@hotrodan.com", name: "Support lead" },
  { sub: "c9b8a7f6-1e2d-4c3b-8a9f-0e1d2c3b4a03", email: "ops@hotrodan.com", name: "Ops" },
] as const;

export interface SeedDemoOptions {
  /** The moment the demo is "now" (default: the current time). Dates are relative to its UTC day. */
  now?: Date;
  /** PRNG seed (default 20251020). The same seed and `now` give byte-identical data. */
  seed?: number;
}

export interface SeedDemoResult {
  /** false when demo data (or any campaign) was already present: nothing was written. */
  seeded: boolean;
  /** Rows inserted per table (empty when nothing was seeded). */
  counts: Record<string, number>;
  /** Why nothing was seeded. */
  reason?: string;
  /** The UTC day the data ends on (YYYY-MM-DD). */
  today: string;
  durationMs: number;
}

// ───────────────────────────── Embeddings ─────────────────────────────

const STOPWORDS = new Set(
  (
    "a an and are as at be been but by can do does for from has have how i if in into is it its of on or our " +
    "so that the their them then there these this to was we what when where which who will with you your yours " +
    "my me us they he she not no yes all any each than too very just also may might should would could " +
    // Generic words carry no topic; without corpus-wide IDF they would rank chunks as high as real terms.
    "how long much many take get got make need want know like use used using one two about after before up " +
    "out over only more most other some such same own now here please thanks thank hi hello did"
  ).split(" "),
);

/** Lower-cased word tokens without stop words; a trailing plural "s" is dropped so "pumps" matches "pump". */
export function tokenize(text: string): string[] {
  const words = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  const tokens: string[] = [];
  for (let w of words) {
    if (!w || STOPWORDS.has(w)) continue;
    if (w.length > 3 && w.endsWith("s") && !w.endsWith("ss")) w = w.slice(0, -1);
    tokens.push(w);
  }
  return tokens;
}

/** FNV-1a, 32 bit: stable across runs and platforms (unlike string hashing of the JS engine). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A deterministic 1536-dim embedding: hashed bag of words (unigrams, plus bigrams at half weight so
 * "fuel pump" beats "fuel" + "pump" far apart), sub-linear term frequency, L2-normalised. Cosine
 * similarity between two embeddings is therefore a TF-weighted word-overlap score in [0, 1]: crude next
 * to a real model, but meaningful and offline. Text without any word gives the zero vector.
 */
export function embedText(text: string): number[] {
  const vector = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  const tokens = tokenize(text);
  const weights = new Map<string, number>();
  const add = (term: string, weight: number) => weights.set(term, (weights.get(term) ?? 0) + weight);
  tokens.forEach((token, i) => {
    add(token, 1);
    if (i > 0) add(`${tokens[i - 1]} ${token}`, 0.5);
  });
  for (const [term, tf] of weights) vector[fnv1a(term) % EMBEDDING_DIMENSIONS]! += 1 + Math.log(tf);
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

/**
 * The SQL text of an embedding for knowledge_chunks.embedding: '[…]' for pgvector's vector(1536),
 * '{…}' for the real[] fallback (see `select gateway.vector_enabled()`). Cast it in SQL (::vector or ::real[]).
 */
export function embeddingLiteral(embedding: readonly number[], vectorEnabled: boolean): string {
  const body = embedding.map((x) => (x === 0 ? "0" : String(Math.round(x * 1e7) / 1e7))).join(",");
  return vectorEnabled ? `[${body}]` : `{${body}}`;
}

// ───────────────────────────── Deterministic randomness ─────────────────────────────

/** mulberry32: tiny, fast, good enough for demo data, and identical on every platform. */
function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const normal = () => {
    const u = 1 - next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return {
    next,
    int,
    normal,
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    /** Poisson draw (Knuth for small means, a rounded normal above 30). */
    poisson(mean: number): number {
      if (mean <= 0) return 0;
      if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal()));
      const limit = Math.exp(-mean);
      let k = 0;
      let p = next();
      while (p > limit) {
        k++;
        p *= next();
      }
      return k;
    },
    /** A random v4-shaped UUID from this generator, so ids are reproducible too. */
    uuid(): string {
      const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16));
      hex[12] = "4";
      hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
      const s = hex.join("");
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    },
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j]!, items[i]!];
      }
      return items;
    },
  };
}
type Random = ReturnType<typeof createRandom>;

// ───────────────────────────── Dates ─────────────────────────────

const DAY_MS = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);
/** The UTC midnight `offset` days from `day`. */
const addDays = (day: Date, offset: number) => new Date(day.getTime() + offset * DAY_MS);
const minutesBefore = (now: Date, minutes: number) => new Date(now.getTime() - minutes * 60_000);
/** A timestamp on `day` at hh:mm UTC. */
const at = (day: Date, hours: number, minutes = 0) => new Date(day.getTime() + (hours * 60 + minutes) * 60_000);
const money = (usd: number) => Math.round(usd * 1e6) / 1e6;
/** Backdated timestamps near the present must never land after `now`. */
const notAfter = (now: Date, date: Date) => (date > now ? now : date);

// ───────────────────────────── Bulk insert ─────────────────────────────

type Row = Record<string, unknown>;

/** A pg array literal for one text[] cell (the outer unnest array must stay one-dimensional). */
function textArrayLiteral(items: readonly string[]): string {
  return `{${items.map((s) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join(",")}}`;
}

/**
 * INSERT INTO table (cols) SELECT … FROM unnest($1::t1[], $2::t2[], …): one statement, one round trip,
 * whatever the row count. `types` maps column -> SQL type; array-typed and vector columns travel as text
 * and are cast per row.
 */
async function insertRows(
  client: pg.ClientBase,
  table: string,
  types: Record<string, string>,
  rows: readonly Row[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = Object.keys(types);
  const travelsAsText = (type: string) => type.endsWith("[]") || type === "vector";
  const params = columns.map((column) =>
    rows.map((row) => {
      const value = row[column];
      if (value === undefined || value === null) return null;
      if (types[column] === "jsonb") return JSON.stringify(value); // before the array case: JSON arrays are jsonb
      if (Array.isArray(value)) return textArrayLiteral(value as string[]);
      if (value instanceof Date) return value.toISOString();
      return value;
    }),
  );
  const unnestArgs = columns.map((c, i) => `$${i + 1}::${travelsAsText(types[c]!) ? "text" : types[c]}[]`);
  const selectList = columns.map((c, i) => (travelsAsText(types[c]!) ? `c${i}::${types[c]}` : `c${i}`));
  const sql =
    `INSERT INTO public."${table}" (${columns.map((c) => `"${c}"`).join(", ")}) ` +
    `SELECT ${selectList.join(", ")} FROM unnest(${unnestArgs.join(", ")}) AS t(${columns.map((_, i) => `c${i}`).join(", ")})`;
  const result = await client.query(sql, params);
  return result.rowCount ?? rows.length;
}

// ───────────────────────────── Ads ─────────────────────────────

const PLATFORMS = ["meta", "google", "tiktok", "pinterest", "organic"] as const;
type Platform = (typeof PLATFORMS)[number];

const CAMPAIGN_THEMES = [
  "AN Fittings Evergreen",
  "PTFE Hose Kits",
  "LS Swap Fuel Systems",
  "E85 Conversion",
  "Black Friday Early Access",
  "EFI Fuel Pumps",
  "Retargeting 30d Viewers",
  "Brand Search",
] as const;

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

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");

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

function buildCampaigns(rng: Random, today: Date, now: Date): Campaign[] {
  const campaigns: Campaign[] = [];
  // 8 per platform; the statuses cycle so every platform has every status.
  const statusCycle = ["active", "active", "active", "paused", "active", "archived", "draft", "active"];
  for (const platform of PLATFORMS) {
    const profile = PLATFORM_PROFILE[platform];
    CAMPAIGN_THEMES.forEach((theme, i) => {
      const status = statusCycle[(i + PLATFORMS.indexOf(platform)) % statusCycle.length]!;
      const name = `${platform === "organic" ? "Organic" : platform[0]!.toUpperCase() + platform.slice(1)} – ${theme}`;
      const externalId =
        platform === "organic"
          ? `org-${slug(theme)}`
          : `${profile.idPrefix}${String(100000000 + rng.int(0, 899999999)).padStart(10, "0")}`;
      // Drafts start in the future; archived ones ended inside the window; the rest started before it.
      const start =
        status === "draft" ? addDays(today, rng.int(3, 21)) : addDays(today, -rng.int(95, 240));
      const end =
        status === "archived"
          ? addDays(today, -rng.int(10, 45))
          : status === "draft" || rng.chance(0.75)
            ? null
            : addDays(today, rng.int(14, 120));
      const dailyBudgetUsd = platform === "organic" ? 0 : rng.int(profile.budget[0], profile.budget[1]);
      const created = at(addDays(start, -rng.int(1, 10)), rng.int(13, 22), rng.int(0, 59));
      const id = rng.uuid();
      const pausedForDays = status === "paused" ? rng.int(8, 30) : 0;
      const updated = status === "paused" ? at(addDays(today, -pausedForDays), 16, 5) : status === "draft" ? created : minutesBefore(now, rng.int(60, 20_000));
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

function buildDailyMetrics(rng: Random, campaigns: Campaign[], today: Date, now: Date): Row[] {
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
function buildLegacyMetrics(rng: Random, campaigns: Campaign[], today: Date): Row[] {
  const legacy = [
    ...campaigns.filter((c) => c.platform === "meta" && c.status !== "draft").slice(0, 2),
    ...campaigns.filter((c) => c.platform === "google" && c.status !== "draft").slice(0, 1),
  ].map((c) => ({ id: c.externalId, platform: c.platform as string, budget: c.dailyBudgetUsd }));
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

// ───────────────────────────── Inventory ─────────────────────────────

// Product families of a fuel-system parts store; SKUs are the cartesian product of each family's options.
const FAMILIES: ReadonlyArray<{ code: string; title: string; options: string[][]; demand: number; price: number }> = [
  { code: "PTFE", title: "PTFE Braided Hose", options: [["AN-4", "AN-6", "AN-8", "AN-10"], ["3 ft", "6 ft", "10 ft", "20 ft"], ["Black", "Stainless"]], demand: 1.6, price: 60 },
  { code: "STR", title: "Straight Swivel Hose End", options: [["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"], ["Black", "Silver"]], demand: 2.2, price: 14 },
  { code: "45D", title: "45° Swivel Hose End", options: [["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"], ["Black", "Silver"]], demand: 1.4, price: 17 },
  { code: "90D", title: "90° Swivel Hose End", options: [["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"], ["Black", "Silver"]], demand: 1.8, price: 18 },
  { code: "120D", title: "120° Swivel Hose End", options: [["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"], ["Black", "Silver"]], demand: 0.5, price: 21 },
  { code: "180D", title: "180° Swivel Hose End", options: [["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"], ["Black", "Silver"]], demand: 0.4, price: 23 },
  { code: "NPT", title: "AN to NPT Adapter", options: [["AN-4", "AN-6", "AN-8", "AN-10"], ["1/8 NPT", "1/4 NPT", "3/8 NPT", "1/2 NPT"], ["Black", "Silver"]], demand: 0.9, price: 8 },
  { code: "RED", title: "AN Reducer", options: [["AN-6 to AN-4", "AN-8 to AN-6", "AN-10 to AN-8", "AN-12 to AN-10", "AN-8 to AN-4", "AN-10 to AN-6"], ["Black", "Silver"]], demand: 0.7, price: 9 },
  { code: "BLK", title: "AN Bulkhead Fitting", options: [["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"], ["Black", "Silver"]], demand: 0.5, price: 12 },
  { code: "UNI", title: "AN Union", options: [["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"], ["Black", "Silver"]], demand: 0.4, price: 7 },
  { code: "ORB", title: "ORB to AN Adapter", options: [["ORB-6", "ORB-8", "ORB-10", "ORB-12", "ORB-4"], ["Black", "Silver"]], demand: 0.8, price: 9 },
  { code: "FLT", title: "Inline Fuel Filter", options: [["10 micron", "40 micron", "100 micron"], ["AN-6", "AN-8", "AN-10"], ["Black", "Silver"]], demand: 0.9, price: 55 },
  { code: "PMP", title: "Inline EFI Fuel Pump", options: [["255 LPH", "340 LPH", "450 LPH"], ["Gasoline", "E85"]], demand: 0.7, price: 189 },
  { code: "ITP", title: "In-Tank Fuel Pump Module", options: [["255 LPH", "340 LPH", "450 LPH"], ["Gasoline", "E85"]], demand: 0.5, price: 269 },
  { code: "FPR", title: "Fuel Pressure Regulator", options: [["Return Style", "Returnless"], ["AN-6", "AN-8", "AN-10"], ["Black", "Silver"]], demand: 0.6, price: 95 },
  { code: "RAIL", title: "LS Fuel Rail Kit", options: [["LS1-LS6", "LS2", "LS3-L92", "LS7", "LT1"], ["Black", "Silver"]], demand: 0.3, price: 179 },
  { code: "GAU", title: "Fuel Pressure Gauge", options: [["0-15 psi", "0-100 psi", "0-160 psi"], ["Liquid Filled", "Dry"]], demand: 0.4, price: 29 },
  { code: "SUMP", title: "Sump Fuel Tank", options: [["4 gal", "8 gal", "12 gal", "16 gal"]], demand: 0.15, price: 329 },
  { code: "HAR", title: "Fuel Pump Wiring Harness", options: [["Single Pump", "Dual Pump"], ["30 A", "40 A"]], demand: 0.5, price: 45 },
  { code: "CHK", title: "Inline Check Valve", options: [["AN-4", "AN-6", "AN-8", "AN-10", "AN-12"], ["Black", "Silver"]], demand: 0.3, price: 24 },
  { code: "YBK", title: "Y-Block Fitting", options: [["AN-6", "AN-8", "AN-10"], ["Black", "Silver"]], demand: 0.25, price: 32 },
  { code: "CLP", title: "Hose Separator Clamp", options: [["AN-4", "AN-6", "AN-8", "AN-10"], ["Single", "Double"], ["Black", "Silver"]], demand: 0.8, price: 11 },
  { code: "KIT", title: "LS Swap Fuel System Kit", options: [["Returnless", "Return Style"], ["Gasoline", "E85"], ["255 LPH", "340 LPH"]], demand: 0.35, price: 549 },
  { code: "BULK", title: "PTFE Hose Bulk", options: [["AN-4", "AN-6", "AN-8", "AN-10"], ["25 ft", "50 ft"], ["Black", "Stainless"]], demand: 0.3, price: 210 },
  { code: "NYL", title: "Nylon Braided Hose", options: [["AN-6", "AN-8", "AN-10"], ["10 ft", "20 ft"], ["Black", "Blue"]], demand: 0.6, price: 48 },
  { code: "TOOL", title: "Hose Assembly Tool", options: [["Hose Cutter", "Assembly Lube", "AN Wrench Set"]], demand: 0.9, price: 25 },
  { code: "SND", title: "Fuel Level Sender", options: [["240-33 ohm", "0-90 ohm"]], demand: 0.2, price: 64 },
  { code: "VNT", title: "Rollover Vent Valve", options: [["AN-6", "AN-8"]], demand: 0.2, price: 19 },
  { code: "HNG", title: "Fuel Pump Hanger", options: [["Single", "Dual", "Triple"]], demand: 0.1, price: 249 },
];

const optionCode = (label: string) => label.toUpperCase().replace(/[^A-Z0-9]/g, "");

interface Sku {
  sku: string;
  title: string;
  variantId: string;
  demand: number;
}

function buildSkus(count: number): Sku[] {
  const skus: Sku[] = [];
  let variant = 44_120_000_000_000;
  for (const family of FAMILIES) {
    let combos: string[][] = [[]];
    for (const option of family.options) combos = combos.flatMap((combo) => option.map((o) => [...combo, o]));
    for (const combo of combos) {
      skus.push({
        sku: `HR-${family.code}-${combo.map(optionCode).join("-")}`,
        title: `${family.title} – ${combo.join(" / ")}`,
        variantId: `gid://shopify/ProductVariant/${(variant += 7919)}`,
        demand: family.demand,
      });
    }
  }
  if (skus.length < count) throw new Error(`demo catalogue has only ${skus.length} SKUs`);
  if (new Set(skus.map((s) => s.sku)).size !== skus.length) throw new Error("demo catalogue has duplicate SKUs");
  return skus.slice(0, count);
}

const SUPPLIERS = [
  { supplier: "Vibrant Performance", lead: 5, max: 9 },
  { supplier: "Russell Performance", lead: 7, max: 12 },
  { supplier: "Earl's Plumbing", lead: 10, max: 16 },
  { supplier: "Aeromotive Inc.", lead: 14, max: 21 },
  { supplier: "Walbro / TI Automotive", lead: 21, max: 35 },
  { supplier: "Holley (Fittings)", lead: 6, max: 10 },
  { supplier: "Shenzhen AN Parts Co.", lead: 30, max: 45 },
  { supplier: "Local Machine Shop", lead: 3, max: 5 },
] as const;

type Profile = "healthy" | "low" | "stockout" | "dead";

function buildInventory(rng: Random, today: Date, now: Date) {
  const skus = buildSkus(300);
  const suppliers = SUPPLIERS.map((s, i) => ({
    ...s,
    id: rng.uuid(),
    created: at(addDays(today, -400 + i * 9), 15),
  }));
  const supplierRows: Row[] = suppliers.map((s, i) => ({
    id: s.id,
    supplier: s.supplier,
    lead_time_days: s.lead,
    max_lead_days: i === 7 ? null : s.max, // one supplier never gave a worst case
    created_at: s.created,
    updated_at: i % 3 === 0 ? at(addDays(today, -rng.int(5, 60)), 10) : s.created,
  }));

  // Profiles: 15 SKUs never sold, 18 ran out of stock, 30 sit below their reorder point, the rest are fine.
  const order = rng.shuffle(skus.map((_, i) => i));
  const profileOf = new Map<number, Profile>();
  order.forEach((skuIndex, rank) =>
    profileOf.set(skuIndex, rank < 15 ? "dead" : rank < 33 ? "stockout" : rank < 63 ? "low" : "healthy"),
  );

  const snapshots: Row[] = [];
  const reorderRows: Row[] = [];
  skus.forEach((sku, index) => {
    const profile = profileOf.get(index)!;
    const supplier = suppliers[index % suppliers.length]!;
    let rate = profile === "dead" ? 0 : sku.demand * Math.exp(0.6 * rng.normal());
    if ((profile === "low" || profile === "stockout") && rate < 0.5) rate += 0.5; // visibly moving SKUs
    const override = index % 10 === 3 ? supplier.lead + rng.int(2, 10) : null; // ~10% have their own lead time
    const lead = override ?? supplier.lead;
    const maxLead = Math.max(supplier.max, lead);
    // Upstream's safety stock: max daily sales × max lead − avg daily sales × avg lead (rounded up).
    const maxDaily = rate + 2 * Math.sqrt(rate);
    const safety = profile === "dead" ? 0 : Math.max(1, Math.ceil(maxDaily * maxLead - rate * lead));
    const reorderPoint = Math.ceil(rate * lead) + safety;

    const demand: number[] = [];
    for (let offset = -89; offset <= 0; offset++) {
      const weekday = addDays(today, offset).getUTCDay();
      demand.push(rng.poisson(rate * (weekday === 0 || weekday === 6 ? 0.7 : weekday === 1 ? 1.2 : 1)));
    }
    const total = demand.reduce((a, b) => a + b, 0);

    let onHand: number;
    const reorderEnabled = profile === "healthy";
    let stockoutDay = 90;
    if (profile === "dead") onHand = rng.int(3, 60);
    else if (profile === "low") onHand = total + Math.max(1, Math.floor(reorderPoint * (0.25 + rng.next() * 0.5)));
    else if (profile === "stockout") {
      stockoutDay = rng.int(55, 86);
      onHand = demand.slice(0, stockoutDay).reduce((a, b) => a + b, 0);
    } else onHand = reorderPoint + Math.ceil(rate * rng.int(20, 45));

    let incoming = 0;
    let arrivesOn = -1;
    // Half the stock-outs have a purchase order on its way (placed after the stock-out, arriving after today).
    const lateOrderDay = profile === "stockout" && index % 2 === 0 ? Math.min(89, stockoutDay + 1) : -1;
    const oversold = profile === "stockout" && index % 5 === 0; // orders taken while at 0: available < 0

    for (let d = 0; d < 90; d++) {
      const day = addDays(today, d - 89);
      if (d === arrivesOn) {
        onHand += incoming;
        incoming = 0;
        arrivesOn = -1;
      }
      const sold = Math.min(onHand, demand[d]!);
      onHand -= sold;
      if (reorderEnabled && incoming === 0 && onHand <= reorderPoint) {
        incoming = Math.ceil(rate * rng.int(30, 60)) + safety;
        arrivesOn = d + lead + rng.int(0, Math.max(0, maxLead - lead));
      }
      if (d === lateOrderDay) incoming = Math.ceil(rate * 45) + safety;
      const committed =
        onHand === 0 ? (oversold && d >= stockoutDay ? rng.int(1, 4) : 0) : Math.min(onHand, rng.poisson(rate * 0.6));
      snapshots.push({
        id: rng.uuid(),
        sku: sku.sku,
        variant_id: sku.variantId,
        product_title: sku.title,
        snapshot_date: isoDay(day),
        on_hand_quantity: onHand,
        available_quantity: onHand - committed,
        committed_quantity: committed,
        incoming_quantity: incoming,
        units_sold: sold,
        created_at: d === 89 ? minutesBefore(now, 30) : notAfter(now, at(addDays(day, 1), 1, 15)),
        updated_at: d === 89 ? minutesBefore(now, 30) : notAfter(now, at(addDays(day, 1), 1, 15)),
      });
    }

    // Ten new SKUs have no reorder settings yet; three have no supplier assigned.
    if (index % 30 !== 29) {
      reorderRows.push({
        id: rng.uuid(),
        sku: sku.sku,
        supplier_id: index % 97 === 5 ? null : supplier.id,
        safety_stock: safety,
        lead_time_days: override,
        created_at: at(addDays(today, -rng.int(100, 300)), 12),
        updated_at: at(addDays(today, -rng.int(1, 99)), 12),
      });
    }
  });
  return { supplierRows, reorderRows, snapshots };
}

// ───────────────────────────── Shop facts ─────────────────────────────

function buildDashboardFacts(rng: Random, today: Date, now: Date): Row[] {
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

// ───────────────────────────── Agents ─────────────────────────────

const MODELS = [
  { model: "gpt-4o-mini", input: 0.15, output: 0.6 },
  { model: "gpt-4.1", input: 2, output: 8 },
  { model: "claude-sonnet-4", input: 3, output: 15 },
  { model: "text-embedding-3-small", input: 0.02, output: 0 },
] as const;

const AGENTS = ["cx-agent", "inventory-agent", "analytics-agent", "product-agent", "ads-agent"] as const;

const CUSTOMER_QUESTIONS = [
  "Will the AN-6 PTFE hose work with E85?",
  "Where is my order #HR10452? It has been 6 days.",
  "Can I return an unused fuel pump after 40 days?",
  "What fuel pressure should I run on an LS3 returnless setup?",
  "My 340 LPH pump is whining at idle, is that normal?",
  "Do you ship to Canada and how much is duty?",
  "Which filter micron rating goes before the pump?",
  "I received AN-8 fittings instead of AN-6, can you swap them?",
  "Please cancel my order, I ordered the wrong rail kit.",
  "Is the sump tank baffled?",
];

function buildAgents(rng: Random, now: Date) {
  const runs: Row[] = [];
  const qc: Row[] = [];
  const queries: Row[] = [];
  const runIds: string[] = [];
  const queryInfo: Array<{ id: string; conversationId: string; question: string; createdAt: Date }> = [];

  for (let i = 0; i < 60; i++) {
    const agent = AGENTS[i % AGENTS.length]!;
    const running = i < 3; // three runs still going: no end, no resolution
    const started = minutesBefore(now, running ? rng.int(1, 20) : rng.int(5, 30 * 24 * 60));
    const durationSec = rng.int(4, 600);
    const ended = running ? null : new Date(Math.min(started.getTime() + durationSec * 1000, now.getTime()));
    const resolution = running ? null : rng.chance(0.72) ? "resolved" : rng.chance(0.6) ? "escalated" : "failed";
    const runId = rng.uuid();
    const conversationId = agent === "cx-agent" ? `cw-${10400 + i}` : `${agent}-${started.toISOString().slice(0, 10)}-${i}`;
    let tokensIn = 0;
    let tokensOut = 0;
    let cost = 0;
    const queryCount = rng.int(1, 4);
    for (let q = 0; q < queryCount; q++) {
      const m = q === 0 && rng.chance(0.3) ? MODELS[3] : rng.pick(MODELS.slice(0, 3));
      const tin = rng.int(200, 6000);
      const tout = m.output === 0 ? 0 : rng.int(40, 1200);
      const qCost = money((tin * m.input + tout * m.output) / 1e6);
      tokensIn += tin;
      tokensOut += tout;
      cost += qCost;
      const outcome = resolution === "failed" && q === queryCount - 1 ? rng.pick(["error", "timeout"]) : rng.chance(0.03) ? "refused" : "success";
      const question = agent === "cx-agent" ? rng.pick(CUSTOMER_QUESTIONS) : `${agent}: ${rng.pick(["summarise yesterday", "check reorder points", "explain ROAS drop", "draft product copy", "rebalance budgets"])}`;
      const createdAt = new Date(Math.min(started.getTime() + q * 7000 + rng.int(100, 5000), now.getTime()));
      const id = rng.uuid();
      queries.push({
        id,
        runId,
        conversationId,
        agent,
        model: m.model,
        query: question,
        result:
          outcome === "success"
            ? { answer: `Draft answer for: ${question}`, sources: rng.int(0, 3) }
            : { error: outcome === "refused" ? "policy_refusal" : outcome === "timeout" ? "upstream timeout after 30s" : "tool call failed: shopify 502" },
        promptDigest: fnv1a(`${id}p`).toString(16).padStart(8, "0").repeat(8),
        responseDigest: outcome === "success" ? fnv1a(`${id}r`).toString(16).padStart(8, "0").repeat(8) : null,
        tokensInput: tin,
        tokensOutput: tout,
        latencyMs: outcome === "timeout" ? 30_000 : rng.int(18, m.model === "gpt-4o-mini" ? 1200 : 5420),
        costUsd: qCost.toFixed(6),
        outcome,
        approved: outcome !== "success" ? null : rng.chance(0.5) ? true : rng.chance(0.2) ? false : null,
        humanEdited: rng.chance(0.15),
        createdAt,
        updatedAt: createdAt,
      });
      queryInfo.push({ id, conversationId, question, createdAt });
    }
    runIds.push(runId);
    runs.push({
      run_id: runId,
      agent_name: agent,
      started_at: started,
      ended_at: ended,
      input_kind: agent === "cx-agent" ? "chatwoot_message" : agent === "inventory-agent" ? "schedule" : rng.pick(["schedule", "operator_request"]),
      resolution,
      tokens_input: tokensIn,
      tokens_output: tokensOut,
      cost_usd: money(cost).toFixed(6),
      self_corrected: rng.chance(0.12),
      sla_target_seconds: agent === "cx-agent" ? 300 : rng.chance(0.5) ? 900 : null,
      metadata: { conversationId, demo: true },
      created_at: started,
      updated_at: ended ?? started,
    });
    if (!running) {
      const checks = rng.int(0, 2);
      for (let k = 0; k < checks; k++) {
        const score = resolution === "failed" ? rng.int(1, 2) : resolution === "escalated" ? rng.int(2, 4) : rng.int(3, 5);
        qc.push({
          id: rng.uuid(),
          run_id: runId,
          quality_score: score,
          checker: k === 0 ? "qc-bot" : rng.pick(DEMO_OPERATORS).email,
          notes: score <= 2 ? "Answer contradicted the returns policy." : score === 3 ? "Correct but too long." : null,
          created_at: new Date(Math.min((ended ?? now).getTime() + rng.int(60, 7200) * 1000, now.getTime())),
        });
      }
    }
  }
  // A few ad-hoc calls outside any run (operator playground).
  for (let i = 0; i < 8; i++) {
    const createdAt = minutesBefore(now, rng.int(10, 10 * 24 * 60));
    const id = rng.uuid();
    const question = rng.pick(CUSTOMER_QUESTIONS);
    const tin = rng.int(100, 900);
    const tout = rng.int(40, 400);
    queries.push({
      id,
      runId: null,
      conversationId: `playground-${i + 1}`,
      agent: "cx-agent",
      model: "gpt-4o-mini",
      query: question,
      result: { answer: `Playground answer for: ${question}` },
      promptDigest: null,
      responseDigest: null,
      tokensInput: tin,
      tokensOutput: tout,
      latencyMs: rng.int(150, 900),
      costUsd: money((tin * 0.15 + tout * 0.6) / 1e6).toFixed(6),
      outcome: "success",
      approved: null,
      humanEdited: false,
      createdAt,
      updatedAt: createdAt,
    });
    queryInfo.push({ id, conversationId: `playground-${i + 1}`, question, createdAt });
  }
  return { runs, qc, queries, runIds, queryInfo };
}

const APPROVAL_KINDS = [
  { kind: "cx_reply", agent: "cx-agent", tool: "chatwoot_send_public_reply", summary: (n: number) => `Reply to conversation cw-${n} about a delayed order` },
  { kind: "order_cancel", agent: "cx-agent", tool: "shopify_cancel_order", summary: (n: number) => `Cancel order #HR${10_000 + n} and refund $${(n % 7) * 40 + 89}` },
  { kind: "refund", agent: "cx-agent", tool: "shopify_refund", summary: (n: number) => `Refund $${(n % 5) * 15 + 25} shipping on order #HR${10_000 + n}` },
  { kind: "inventory_reorder", agent: "inventory-agent", tool: "create_purchase_order", summary: (n: number) => `Reorder ${(n % 9) * 12 + 24} units of HR-STR-AN${(n % 4) * 2 + 4}-BLACK` },
  { kind: "ads_budget_change", agent: "ads-agent", tool: "meta_update_budget", summary: (n: number) => `Raise daily budget of a Meta campaign by ${(n % 4) * 10 + 10}%` },
  { kind: "product_update", agent: "product-agent", tool: "shopify_update_product", summary: () => "Rewrite the description of the 340 LPH inline pump" },
] as const;

function buildApprovals(rng: Random, now: Date, runIds: string[]) {
  const rows: Row[] = [];
  const info: Array<{ id: string; conversationId: string; status: string; summary: string; createdAt: Date }> = [];
  // [status, count]: pending ones span minutes to days, several with an expiry (one already past it).
  const plan: Array<[string, number]> = [["pending", 14], ["approved", 12], ["rejected", 7], ["expired", 5]];
  let n = 0;
  for (const [status, count] of plan) {
    for (let i = 0; i < count; i++, n++) {
      const k = APPROVAL_KINDS[n % APPROVAL_KINDS.length]!;
      const ttl = k.kind === "cx_reply" || k.kind === "order_cancel" ? 24 * 60 : 72 * 60; // minutes
      const ageMinutes =
        status === "pending" ? [3, 12, 25, 48, 75, 110, 190, 330, 600, 1_000, 1_900, 3_100, 4_400, 7_200][i]!
        : status === "expired" ? rng.int(ttl + 60, 60 * 24 * 25) // expired rows are past their expiry
        : rng.int(120, 60 * 24 * 25);
      const createdAt = minutesBefore(now, ageMinutes);
      const hasExpiry = status === "expired" || (status === "pending" ? i % 3 !== 2 : rng.chance(0.5));
      // The two oldest pending items (3 and 5 days, 24 h TTL) are past their expiry: the sweep has not run yet.
      const expiresAt = hasExpiry ? new Date(createdAt.getTime() + ttl * 60_000) : null;
      const decider = rng.pick(DEMO_OPERATORS);
      let decidedAt: Date | null = null;
      let decidedBy: string | null = null;
      let decisionNote: string | null = null;
      if (status === "approved" || status === "rejected") {
        // Decided before the deadline, as gateway.decide_agent_approval() requires; decidedBy is the
        // operator's JWT sub, which is what that function records.
        const deadline = expiresAt ? expiresAt.getTime() - 60_000 : now.getTime();
        decidedAt = new Date(Math.min(createdAt.getTime() + rng.int(2, 600) * 60_000, deadline, now.getTime()));
        decidedBy = decider.sub;
        decisionNote = status === "rejected" ? rng.pick(["Tone too casual", "Wrong order number", "Refund exceeds policy", "Budget freeze this week"]) : rng.chance(0.3) ? "LGTM" : null;
      } else if (status === "expired") {
        decidedAt = expiresAt!; // the deadline sweep decided (decidedAt = the deadline); no human did
      }
      const number = 10_400 + n;
      const conversationId = k.agent === "cx-agent" ? `cw-${number}` : `${k.agent}-queue`;
      const id = rng.uuid();
      const summary = k.summary(number);
      rows.push({
        id,
        conversationId,
        runId: rng.chance(0.7) ? rng.pick(runIds) : null,
        agent: k.agent,
        kind: k.kind,
        summary,
        payload: {
          tool: k.tool,
          args: k.kind === "cx_reply" ? { conversationId: number, message: "Thanks for your patience — your order ships today." } : { ref: number },
          priority: ageMinutes > 1_000 ? "high" : rng.pick(["normal", "normal", "urgent"]),
          confidence: rng.int(45, 95),
          shopDomain: DEMO_SHOP_DOMAIN,
        },
        lastInterruptions: [{ type: rng.pick(["requires_human", "policy_check", "pricing_approval"]), tool: k.tool, timestamp: createdAt.toISOString() }],
        status,
        expiresAt,
        decidedBy,
        decidedAt,
        decisionNote,
        createdAt,
        updatedAt: decidedAt ?? createdAt,
      });
      info.push({ id, conversationId, status, summary, createdAt });
    }
  }
  // The DecisionLog row that gateway.agent_approval_audit() writes for each transition (same shape).
  const audit: Row[] = rows
    .filter((a) => a.status !== "pending")
    .map((a) => ({
      id: rng.uuid(),
      scope: "agent_approval",
      actor: (a.decidedBy as string | null) ?? "system:expiry",
      action: `approval.${a.status}`,
      rationale: a.decisionNote,
      evidenceUrl: null,
      shopDomain: null,
      externalRef: a.id,
      payload: {
        approvalId: a.id, from: "pending", to: a.status, kind: a.kind, agent: a.agent,
        conversationId: a.conversationId, runId: a.runId, summary: a.summary, payload: a.payload,
        expiresAt: a.expiresAt, decidedAt: a.decidedAt,
        requestRole: a.status === "expired" ? "service_role" : "authenticated",
        requestSubject: a.status === "expired" ? null : a.decidedBy,
      },
      createdAt: a.decidedAt,
    }));
  return { rows, info, audit };
}

function buildFeedback(
  rng: Random,
  now: Date,
  approvals: ReturnType<typeof buildApprovals>["info"],
  queries: ReturnType<typeof buildAgents>["queryInfo"],
): Row[] {
  const rows: Row[] = [];
  const later = (from: Date) => new Date(Math.min(from.getTime() + rng.int(5, 240) * 60_000, now.getTime()));
  for (const a of approvals.filter((x) => x.status === "approved" || x.status === "rejected")) {
    const safe = a.status === "approved" ? true : a.status === "rejected" ? false : null;
    const createdAt = later(a.createdAt);
    const annotator = rng.pick(DEMO_OPERATORS);
    rows.push({
      id: rng.uuid(),
      approvalId: a.id,
      queryId: null,
      conversationId: a.conversationId,
      inputText: a.summary,
      modelDraft: `Proposed action: ${a.summary}`,
      safeToSend: safe,
      rating: safe === true ? rng.int(4, 5) : safe === false ? rng.int(1, 3) : null,
      labels: safe === true ? ["approved", "helpful"] : safe === false ? [rng.pick(["policy_violation", "wrong_facts", "tone"])] : ["needs_review"],
      rubric: { clarity: rng.int(2, 5), accuracy: rng.int(2, 5), tone: rng.int(2, 5) },
      annotator: annotator.sub,
      notes: safe === false ? "Would have refunded more than the policy allows." : null,
      meta: { confidence: Math.round(rng.next() * 50 + 45) / 100, model_version: "gpt-4.1-2025-04", flagged: safe === false, demo: true },
      createdAt,
      updatedAt: createdAt,
    });
  }
  for (const q of queries.filter((_, i) => i % 6 === 0)) {
    const createdAt = later(q.createdAt);
    const safe = rng.chance(0.7) ? true : rng.chance(0.5) ? false : null;
    rows.push({
      id: rng.uuid(),
      approvalId: null,
      queryId: q.id,
      conversationId: q.conversationId,
      inputText: q.question,
      modelDraft: `Draft answer for: ${q.question}`,
      safeToSend: safe,
      rating: safe === null ? null : safe ? rng.int(3, 5) : rng.int(1, 2),
      labels: safe === null ? [] : safe ? ["helpful"] : ["vague"],
      rubric: safe === null ? {} : { clarity: rng.int(1, 5), accuracy: rng.int(1, 5), tone: rng.int(1, 5) },
      annotator: safe === null ? null : rng.pick(DEMO_OPERATORS).sub, // unreviewed samples have no annotator
      notes: null,
      meta: { demo: true },
      createdAt,
      updatedAt: createdAt,
    });
  }
  return rows;
}

// ───────────────────────────── Logs, decisions, support ─────────────────────────────

function buildLogs(rng: Random, now: Date): Row[] {
  const rows: Row[] = [];
  const tiles = ["revenue", "aov", "stock_risk", "ads_roas", "approvals_queue", "cx_queue"];
  const agents = ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 Safari/605.1.15", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/129.0 Safari/537.36", "hotdash-agent-service/1.4.2", null];
  for (let i = 0; i < 320; i++) {
    const createdAt = minutesBefore(now, rng.int(1, 7 * 24 * 60));
    const r = rng.next();
    const level = r < 0.15 ? "DEBUG" : r < 0.75 ? "INFO" : r < 0.92 ? "WARN" : "ERROR";
    const tile = rng.pick(tiles);
    const duration = level === "ERROR" ? rng.int(2_000, 30_000) : level === "WARN" ? rng.int(800, 2_500) : rng.int(12, 400);
    const message =
      level === "DEBUG" ? `cache ${rng.chance(0.7) ? "hit" : "miss"} for tile ${tile}`
      : level === "INFO" ? `tile ${tile} rendered`
      : level === "WARN" ? rng.pick([`tile ${tile} slow: ${duration} ms`, "Shopify API rate limit at 80%", "Chatwoot webhook retried"])
      : rng.pick([`tile ${tile} failed: upstream timeout`, "Shopify GraphQL 502 Bad Gateway", "agent-service unreachable: ECONNREFUSED"]);
    const day = createdAt.toISOString().slice(0, 10);
    rows.push({
      id: rng.uuid(),
      level,
      message,
      metadata: { tile, duration_ms: duration, service: level === "ERROR" && message.includes("agent") ? "agent-service" : "dashboard" },
      request_id: level === "DEBUG" && rng.chance(0.3) ? null : `req-${day}-${String(i + 1).padStart(3, "0")}`,
      user_agent: rng.pick(agents),
      created_at: createdAt,
    });
  }
  return rows;
}

function buildDecisions(rng: Random, now: Date): Row[] {
  const entries: Array<[string, string, string, string, string | null]> = [
    ["ops", "justin@hotrodan.com", "mark_low_stock_intentional", "Discontinuing the 120° AN-12 ends; let them sell through.", "shopify:HR-120D-AN12-BLACK"],
    ["ops", "system", "auto_flag_anomaly", "Revenue 30% below the 7-day baseline.", null],
    ["cx", "support-lead@hotrodan.com", "escalate_conversation", "Customer reports a leaking regulator; warranty review.", "chatwoot:10452"],
    ["cx", "cx-agent", "send_reply", "Approved reply about E85 compatibility sent.", "chatwoot:10417"],
    ["inventory", "inventory-agent", "create_purchase_order", "AN-6 straight ends below reorder point; 96 units ordered.", "shopify:HR-STR-AN6-BLACK"],
    ["inventory", "ops@hotrodan.com", "override_lead_time", "Shenzhen supplier quoting 38 days during holidays.", null],
    ["growth", "ads-agent", "pause_campaign", "TikTok E85 campaign ROAS 0.8 for 14 days.", null],
    ["growth", "justin@hotrodan.com", "raise_budget", "Google brand search capped by budget at 11:00.", null],
    // Same shape as the vault's audit rows (docs/credentials-vault.md); the credential itself is not seeded.
    ["credentials", "service_role", "credential.read", "Shopify Admin token read for the nightly sync.", "creds_meta:shopify.admin"],
    ["ops", "system", "rotate_dashboard_cache", "Nightly cache rotation.", null],
  ];
  const rows: Row[] = [];
  for (let i = 0; i < 30; i++) {
    const [scope, actor, action, rationale, ref] = entries[i % entries.length]!;
    const createdAt = minutesBefore(now, rng.int(30, 60 * 24 * 60));
    rows.push({
      id: rng.uuid(),
      scope,
      actor,
      action,
      rationale,
      evidenceUrl: i % 4 === 0 ? `https://admin.shopify.com/store/hotrodan/orders/${5_600_000 + i}` : null,
      shopDomain: DEMO_SHOP_DOMAIN,
      externalRef: ref,
      payload:
        scope === "credentials"
          ? { keyId: "k1", provider: "shopify", requestId: `req-${createdAt.toISOString().slice(0, 10)}-${900 + i}`, demo: true }
          : { demo: true, sequence: i },
      createdAt,
    });
  }
  return rows;
}

const CURATED_REPLIES: Array<[string, string[]]> = [
  ["Thanks for reaching out! Orders placed before 2 pm Eastern ship the same business day; you'll get tracking by email as soon as the label is printed.", ["shipping", "order_status"]],
  ["Our PTFE-lined hose is fully compatible with E85, methanol and race fuels. Rubber and nylon-braided hose is not recommended for ethanol blends.", ["e85", "hose", "compatibility"]],
  ["Unused parts in their original packaging can be returned within 30 days for a full refund. Start a return from the link in your order confirmation.", ["returns", "policy"]],
  ["For an LS returnless system, set fuel pressure to 58 psi at the rail. With a return-style regulator, 43.5 psi base pressure is typical.", ["fuel_pressure", "ls_swap"]],
  ["A light whine from an inline pump is normal; a loud whine at idle usually means the pump is starving — check the pre-filter and the pickup.", ["fuel_pump", "troubleshooting"]],
  ["We ship to Canada with duties and taxes collected at checkout, so there are no surprise fees at delivery.", ["shipping", "international"]],
  ["Run a 100 micron filter before the pump and a 10 micron filter after it to protect your injectors.", ["filters", "installation"]],
  ["Sorry about the mix-up! We'll send the correct AN-6 fittings today with a prepaid label for the AN-8s.", ["wrong_item", "exchange"]],
  ["I've cancelled the order and the refund is on its way; it usually appears on your statement within 3–5 business days.", ["cancellation", "refund"]],
  ["Yes — all our sump tanks are baffled and include a rollover vent valve port.", ["fuel_tank", "product_info"]],
  ["Assembly lube on the threads and the olive makes PTFE hose ends much easier to tighten and prevents galling.", ["hose", "installation"]],
  ["The 340 LPH pump supports roughly 650 hp on gasoline and about 500 hp on E85.", ["fuel_pump", "sizing", "e85"]],
  ["AN sizes are in sixteenths of an inch: AN-6 is 3/8\", AN-8 is 1/2\", AN-10 is 5/8\".", ["fittings", "sizing"]],
  ["Your warranty covers manufacturing defects for 12 months from delivery; send us a photo and your order number and we'll take it from there.", ["warranty", "policy"]],
  ["Tracking can take up to 24 hours to update after the label is created — if it hasn't moved after two days, reply here and we'll open a trace.", ["order_status", "shipping"]],
  ["Free shipping applies to US orders over $99, excluding oversized items like sump tanks.", ["shipping", "pricing"]],
  ["The rail kit fits LS1/LS6 intakes with the stock injector height; LS3 intakes need the L92 version.", ["fuel_rail", "fitment", "ls_swap"]],
  ["We can't change an address once the order has shipped, but we can ask the carrier to hold it at a nearby location.", ["shipping", "address_change"]],
  ["Please keep the original packaging — returns without it receive a 15% restocking fee.", ["returns", "policy"]],
  ["Wire the pump through a relay with at least 10 AWG power and ground; voltage drop is the most common cause of low pressure.", ["wiring", "fuel_pump", "troubleshooting"]],
];

function buildCuratedReplies(rng: Random, now: Date): Row[] {
  return CURATED_REPLIES.map(([body, tags], i) => {
    const approvedAt = minutesBefore(now, rng.int(60, 120 * 24 * 60));
    return {
      id: rng.uuid(),
      message_body: body,
      tags,
      approver: rng.pick(DEMO_OPERATORS).email,
      approved_at: approvedAt,
      source_message_id: i % 5 === 4 ? null : String(880_000 + i * 37),
      conversation_id: i % 5 === 4 ? null : String(10_200 + i * 3),
      created_at: approvedAt,
      updated_at: approvedAt,
    };
  });
}

// ───────────────────────────── Knowledge base ─────────────────────────────

const KNOWLEDGE: Array<{ title: string; source: string; category: string; tags: string[]; paragraphs: string[] }> = [
  {
    title: "Shipping policy",
    source: "help_center",
    category: "shipping",
    tags: ["shipping", "delivery", "policy"],
    paragraphs: [
      "Orders placed before 2 pm Eastern on a business day ship the same day from our Ohio warehouse. Orders placed later, on weekends or on holidays ship the next business day.",
      "Free ground shipping applies to US orders over $99. Oversized items such as sump fuel tanks and bulk hose reels ship at a flat oversize rate shown at checkout.",
      "Tracking numbers are emailed when the label is printed. Carrier tracking can take up to 24 hours to show the first scan.",
    ],
  },
  {
    title: "International shipping and duties",
    source: "help_center",
    category: "shipping",
    tags: ["shipping", "international", "customs"],
    paragraphs: [
      "We ship to Canada, Australia, New Zealand, the United Kingdom and the European Union. Duties and import taxes are calculated and collected at checkout, so nothing is due on delivery.",
      "International orders usually arrive in 5 to 12 business days. Remote areas can take longer and customs inspections add delays we cannot control.",
    ],
  },
  {
    title: "Returns and refunds",
    source: "help_center",
    category: "returns",
    tags: ["returns", "refund", "policy"],
    paragraphs: [
      "Unused parts in their original packaging can be returned within 30 days of delivery for a full refund to the original payment method.",
      "Returns without the original packaging, or parts that show installation marks, are subject to a 15% restocking fee. Custom-length hose assemblies cannot be returned.",
      "Refunds are issued within two business days after the return arrives at our warehouse and appear on the card statement within 3 to 5 business days.",
    ],
  },
  {
    title: "Warranty",
    source: "help_center",
    category: "returns",
    tags: ["warranty", "policy", "defect"],
    paragraphs: [
      "Every part is covered against manufacturing defects for 12 months from delivery. Fuel pumps are covered for 24 months when installed with a pre-filter.",
      "To make a warranty claim, send a photo of the part, a short description of the problem and the order number. We ship a replacement as soon as the claim is approved.",
    ],
  },
  {
    title: "AN fitting sizing guide",
    source: "product_guide",
    category: "fittings",
    tags: ["fittings", "an", "sizing"],
    paragraphs: [
      "AN sizes are measured in sixteenths of an inch of tube outside diameter: AN-4 is 1/4 inch, AN-6 is 3/8 inch, AN-8 is 1/2 inch and AN-10 is 5/8 inch.",
      "For fuel feed lines, AN-6 supports about 500 horsepower on gasoline, AN-8 about 800 horsepower, and AN-10 beyond that. Size up one step for E85 because it needs about 30% more fuel.",
      "AN fittings seal on a 37 degree flare, not on the threads. Never use thread sealant or PTFE tape on an AN flare; use it only on NPT pipe threads.",
    ],
  },
  {
    title: "PTFE hose assembly instructions",
    source: "install_guide",
    category: "hose",
    tags: ["hose", "ptfe", "installation"],
    paragraphs: [
      "Cut PTFE hose with a fine-tooth cutter or a cut-off wheel after wrapping the cut with tape so the braid does not fray.",
      "Slide the socket over the hose, push the olive onto the PTFE liner until it seats, then insert the nipple. Lubricate the threads and the olive with assembly lube before tightening.",
      "Tighten the nipple into the socket until the gap is about 1 mm. Pressure test the finished assembly before installing it on the car.",
    ],
  },
  {
    title: "E85 and ethanol compatibility",
    source: "product_guide",
    category: "fuel",
    tags: ["e85", "ethanol", "compatibility"],
    paragraphs: [
      "E85 is corrosive to rubber and to some aluminium finishes. PTFE-lined hose, anodised fittings and E85-rated pumps are compatible with ethanol blends, methanol and race fuels.",
      "Rubber hose and nylon-braided rubber hose are not recommended for E85: the liner swells and the fuel smell permeates through it.",
      "An E85 engine needs roughly 30% more fuel flow than on gasoline, so size the pump, the injectors and the feed line accordingly.",
    ],
  },
  {
    title: "Choosing an EFI fuel pump",
    source: "product_guide",
    category: "fuel_pumps",
    tags: ["fuel_pump", "efi", "sizing"],
    paragraphs: [
      "Pick the pump by horsepower and fuel: the 255 LPH pump supports about 500 horsepower on gasoline, the 340 LPH pump about 650, and the 450 LPH pump about 850.",
      "On E85 each pump supports roughly 25% less horsepower. Boosted engines need more flow at higher pressure, so choose one size larger.",
      "A loud whine at idle usually means the pump is starving for fuel: check the pre-filter, the pickup and the tank baffling before replacing the pump.",
    ],
  },
  {
    title: "LS swap fuel system basics",
    source: "install_guide",
    category: "ls_swap",
    tags: ["ls_swap", "fuel_pressure", "efi"],
    paragraphs: [
      "LS engines expect 58 psi of fuel pressure in a returnless system. With a return-style regulator, 43.5 psi base pressure referenced to manifold vacuum is typical.",
      "A complete LS swap fuel system needs an EFI pump, a 100 micron pre-filter, a 10 micron post-filter, a regulator, feed and return lines, and a fuel rail that matches the intake.",
      "The LS1/LS6 rail kit fits the stock injector height. LS3 and L92 intakes need the L92 rail version.",
    ],
  },
  {
    title: "Fuel filter placement",
    source: "install_guide",
    category: "filters",
    tags: ["filters", "installation"],
    paragraphs: [
      "Install a 100 micron filter before the pump to protect it from debris without restricting flow, and a 10 micron filter after the pump to protect the injectors.",
      "Replace or clean filter elements every season on a street car and after every few race weekends on a track car.",
    ],
  },
  {
    title: "Order status and tracking",
    source: "help_center",
    category: "orders",
    tags: ["order_status", "tracking"],
    paragraphs: [
      "You can check your order status with the link in your confirmation email. An order shows as fulfilled once the label is printed.",
      "If tracking has not moved for two business days, contact us and we will open a trace with the carrier. Lost packages are replaced or refunded once the trace closes.",
      "We cannot change the shipping address after an order has shipped, but the carrier can hold the package at a nearby location on request.",
    ],
  },
  {
    title: "Order cancellations and changes",
    source: "help_center",
    category: "orders",
    tags: ["cancellation", "order_change", "refund"],
    paragraphs: [
      "Orders can be cancelled free of charge until they ship. Reply to your confirmation email or contact support with the order number.",
      "Once an order has shipped it cannot be cancelled; use the returns process instead. Refunds for cancelled orders are issued immediately.",
    ],
  },
  {
    title: "Fuel pump wiring",
    source: "install_guide",
    category: "fuel_pumps",
    tags: ["wiring", "fuel_pump", "installation"],
    paragraphs: [
      "Always power the fuel pump through a relay triggered by the ECU, with at least 10 AWG power and ground wires for pumps up to 450 LPH.",
      "Voltage drop is the most common cause of low fuel pressure under load. Measure voltage at the pump connector with the engine running; it should be within 0.5 volt of battery voltage.",
    ],
  },
];

function buildKnowledge(rng: Random, now: Date, vectorEnabled: boolean) {
  const documents: Row[] = [];
  const chunks: Row[] = [];
  const metadata: Row[] = [];
  KNOWLEDGE.forEach((doc, i) => {
    const id = rng.uuid();
    const createdAt = minutesBefore(now, rng.int(30, 200) * 24 * 60);
    const updatedAt = i % 3 === 0 ? minutesBefore(now, rng.int(1, 29) * 24 * 60) : createdAt;
    documents.push({
      id,
      title: doc.title,
      source: doc.source,
      source_url: `https://hotrodan.com/pages/${slug(doc.title).replaceAll("_", "-")}`,
      content: doc.paragraphs.join("\n\n"),
      created_at: createdAt,
      updated_at: updatedAt,
    });
    doc.paragraphs.forEach((paragraph, index) => {
      // The title travels with each chunk so a chunk is findable by what its document is about.
      const text = `${doc.title}: ${paragraph}`;
      chunks.push({
        id: rng.uuid(),
        document_id: id,
        chunk_index: index,
        content: paragraph,
        token_count: Math.ceil(paragraph.split(/\s+/).length * 1.33),
        embedding: embeddingLiteral(embedText(text), vectorEnabled),
        created_at: updatedAt,
        updated_at: updatedAt,
      });
    });
    const meta: Array<[string, string]> = [
      ["category", doc.category],
      ["tags", doc.tags.join(",")],
      ["confidence_score", (0.8 + (i % 5) * 0.04).toFixed(2)],
      ["language", "en"],
    ];
    for (const [key, value] of meta) {
      metadata.push({ id: rng.uuid(), document_id: id, key, value, created_at: createdAt, updated_at: createdAt });
    }
  });
  return { documents, chunks, metadata };
}

// ───────────────────────────── Entry point ─────────────────────────────

const TS = "timestamptz";

/**
 * Loads the demo data set once. Returns `{ seeded: false, reason }` without writing anything when the
 * database already holds it (or any campaign). Requires a migrated database.
 */
export async function seedDemoData(databaseUrl: string, options: SeedDemoOptions = {}): Promise<SeedDemoResult> {
  const startedAt = Date.now();
  const now = options.now ?? new Date();
  const today = new Date(`${isoDay(now)}T00:00:00.000Z`);
  const seed = options.seed ?? 20251020;
  // One stream per section: weekday-dependent draws in one section never shift the values of another,
  // so e.g. the approvals look the same whichever day the demo is seeded on.
  const stream = (section: string) => createRandom((seed ^ fnv1a(section)) >>> 0);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "hotdash-seed" });
  client.on("error", () => {}); // a dropped connection surfaces as a failed query instead of a crash
  await client.connect();
  const done = (seeded: boolean, counts: Record<string, number>, reason?: string): SeedDemoResult => ({
    seeded,
    counts,
    ...(reason ? { reason } : {}),
    today: isoDay(today),
    durationMs: Date.now() - startedAt,
  });
  try {
    const migrated = await client.query<{ ok: boolean }>(
      `SELECT to_regclass('public.ads_campaigns') IS NOT NULL AND to_regprocedure('gateway.vector_enabled()') IS NOT NULL AS ok`,
    );
    if (!migrated.rows[0]?.ok) throw new Error("the database is not migrated; run `npm run db:migrate` first");

    await client.query("BEGIN");
    try {
      // Two seeders at once (e.g. two app instances booting) queue here; the second then sees the marker.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('hotdash.seed.demo'))`);
      const present = await client.query<{ marker: boolean; campaigns: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM public."DecisionLog" WHERE scope = $1 AND action = $2) AS marker,
                EXISTS (SELECT 1 FROM public.ads_campaigns) AS campaigns`,
        [DEMO_SEED_MARKER.scope, DEMO_SEED_MARKER.action],
      );
      const { marker, campaigns: hasCampaigns } = present.rows[0]!;
      if (marker || hasCampaigns) {
        await client.query("ROLLBACK");
        return done(
          false,
          {},
          marker
            ? "demo data already present (DecisionLog marker scope 'seed')"
            : "ads_campaigns already has rows; demo data is only loaded into an empty database",
        );
      }
      const vectorEnabled = (await client.query<{ v: boolean }>(`SELECT gateway.vector_enabled() AS v`)).rows[0]!.v;

      // Build everything first (pure, deterministic), then write it in a fixed order (parents first).
      const campaigns = buildCampaigns(stream("campaigns"), today, now);
      const dailyMetrics = buildDailyMetrics(stream("ads_daily_metrics"), campaigns, today, now);
      const legacy = buildLegacyMetrics(stream("ads_metrics_daily"), campaigns, today);
      const inventory = buildInventory(stream("inventory"), today, now);
      const facts = buildDashboardFacts(stream("facts"), today, now);
      const agents = buildAgents(stream("agents"), now);
      const approvals = buildApprovals(stream("approvals"), now, agents.runIds);
      const feedback = buildFeedback(stream("feedback"), now, approvals.info, agents.queryInfo);
      const logs = buildLogs(stream("logs"), now);
      const decisions = buildDecisions(stream("decisions"), now);
      const replies = buildCuratedReplies(stream("replies"), now);
      const knowledge = buildKnowledge(stream("knowledge"), now, vectorEnabled);

      const counts: Record<string, number> = {};
      const put = async (table: string, types: Record<string, string>, rows: Row[]) => {
        counts[table] = (counts[table] ?? 0) + (await insertRows(client, table, types, rows));
      };
      const metricTypes = { spend_cents: "int", impressions: "int", clicks: "int", conversions: "int", revenue_cents: "int", created_at: TS, updated_at: TS };

      await put("ads_campaigns", {
        id: "uuid", campaign_id: "text", platform: "text", campaign_name: "text", status: "text", budget_cents: "int",
        target_roas: "numeric", start_date: "date", end_date: "date", utm_source: "text", utm_medium: "text",
        utm_campaign: "text", created_at: TS, updated_at: TS, metadata: "jsonb",
      }, campaigns.map((c) => c.row));
      await put("ads_daily_metrics", { id: "uuid", campaign_id: "uuid", metric_date: "date", ...metricTypes }, dailyMetrics);
      await put("ads_metrics_daily", { id: "uuid", campaign_id: "text", platform: "text", date: "date", ...metricTypes }, legacy);

      await put("supplier_lead_times", { id: "uuid", supplier: "text", lead_time_days: "int", max_lead_days: "int", created_at: TS, updated_at: TS }, inventory.supplierRows);
      await put("reorder_points", { id: "uuid", sku: "text", supplier_id: "uuid", safety_stock: "int", lead_time_days: "int", created_at: TS, updated_at: TS }, inventory.reorderRows);
      await put("inventory_snapshots", {
        id: "uuid", sku: "text", variant_id: "text", product_title: "text", snapshot_date: "date", on_hand_quantity: "int",
        available_quantity: "int", committed_quantity: "int", incoming_quantity: "int", units_sold: "int", created_at: TS, updated_at: TS,
      }, inventory.snapshots);

      await put("DashboardFact", {
        id: "uuid", shopDomain: "text", metric: "text", factDate: "date", value: "numeric", unit: "text", scope: "text",
        metadata: "jsonb", evidenceUrl: "text", createdAt: TS, updatedAt: TS,
      }, facts);

      await put("agent_run", {
        run_id: "uuid", agent_name: "text", started_at: TS, ended_at: TS, input_kind: "text", resolution: "text",
        tokens_input: "int", tokens_output: "int", cost_usd: "numeric", self_corrected: "boolean", sla_target_seconds: "int",
        metadata: "jsonb", created_at: TS, updated_at: TS,
      }, agents.runs);
      await put("agent_qc", { id: "uuid", run_id: "uuid", quality_score: "int", checker: "text", notes: "text", created_at: TS }, agents.qc);
      await put("AgentQuery", {
        id: "uuid", runId: "uuid", conversationId: "text", agent: "text", model: "text", query: "text", result: "jsonb",
        promptDigest: "text", responseDigest: "text", tokensInput: "int", tokensOutput: "int", latencyMs: "int",
        costUsd: "numeric", outcome: "text", approved: "boolean", humanEdited: "boolean", createdAt: TS, updatedAt: TS,
      }, agents.queries);
      const approvalTypes = {
        id: "uuid", conversationId: "text", runId: "uuid", agent: "text", kind: "text", summary: "text", payload: "jsonb",
        lastInterruptions: "jsonb", status: "text", expiresAt: TS, decidedBy: "text", decidedAt: TS, decisionNote: "text",
        createdAt: TS, updatedAt: TS,
      };
      // The queue goes in through the guard like any agent submission.
      await put("AgentApproval", approvalTypes, approvals.rows.filter((a) => a.status === "pending"));
      // History does not: the guard (migration 20251020000300) admits only pending rows and stamps
      // decisions with now(), right for live writes but unable to express decisions made days ago. It is
      // switched off for this one statement only, inside this transaction (ALTER TABLE is transactional
      // and its lock keeps every other session off the table until COMMIT), and the DecisionLog rows its
      // audit trigger would have written are inserted with the rest of the log below.
      await client.query(`ALTER TABLE public."AgentApproval" DISABLE TRIGGER "AgentApproval_guard"`);
      await put("AgentApproval", approvalTypes, approvals.rows.filter((a) => a.status !== "pending"));
      await client.query(`ALTER TABLE public."AgentApproval" ENABLE TRIGGER "AgentApproval_guard"`);
      await put("AgentFeedback", {
        id: "uuid", approvalId: "uuid", queryId: "uuid", conversationId: "text", inputText: "text", modelDraft: "text",
        safeToSend: "boolean", rating: "int", labels: "text[]", rubric: "jsonb", annotator: "text", notes: "text",
        meta: "jsonb", createdAt: TS, updatedAt: TS,
      }, feedback);

      await put("observability_logs", { id: "uuid", level: "text", message: "text", metadata: "jsonb", request_id: "text", user_agent: "text", created_at: TS }, logs);
      await put("support_curated_replies", {
        id: "uuid", message_body: "text", tags: "text[]", approver: "text", approved_at: TS, source_message_id: "text",
        conversation_id: "text", created_at: TS, updated_at: TS,
      }, replies);

      await put("knowledge_documents", { id: "uuid", title: "text", source: "text", source_url: "text", content: "text", created_at: TS, updated_at: TS }, knowledge.documents);
      await put("knowledge_chunks", {
        id: "uuid", document_id: "uuid", chunk_index: "int", content: "text", token_count: "int",
        embedding: vectorEnabled ? "vector" : "real[]", created_at: TS, updated_at: TS,
      }, knowledge.chunks);
      await put("knowledge_metadata", { id: "uuid", document_id: "uuid", key: "text", value: "text", created_at: TS, updated_at: TS }, knowledge.metadata);

      const decisionTypes = {
        id: "uuid", scope: "text", actor: "text", action: "text", rationale: "text", evidenceUrl: "text",
        shopDomain: "text", externalRef: "text", payload: "jsonb", createdAt: TS,
      };
      await put("DecisionLog", decisionTypes, [...decisions, ...approvals.audit]);
      // The marker goes last, so it exists only if everything before it was written.
      await put("DecisionLog", decisionTypes, [{
        id: stream("marker").uuid(), scope: DEMO_SEED_MARKER.scope, actor: "system:seed", action: DEMO_SEED_MARKER.action,
        rationale: "Demo data for the HotDash dashboard (src/db/seed/demo.ts).", evidenceUrl: null,
        shopDomain: DEMO_SHOP_DOMAIN, externalRef: null,
        payload: { today: isoDay(today), seed, vectorEnabled, counts: { ...counts } },
        createdAt: now,
      }]);

      await client.query("COMMIT");
      return done(true, counts);
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    }
  } finally {
    await client.end().catch(() => {});
  }
}
