// The bench's settings (environment knobs), the dates its queries use, and its log.
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const JWT_SECRET = "hotdash-bench-secret-0123456789-0123456789";

/** BENCH_SCALE: the store's size as a multiple of the default (5,000 SKUs, 200 campaigns); a whole number. */
const scale = Number(process.env.BENCH_SCALE ?? 1);
if (!Number.isInteger(scale) || scale < 1) throw new Error(`BENCH_SCALE must be a whole number >= 1 (got "${process.env.BENCH_SCALE}")`);

export const settings = {
  scale,
  // Each scale has its own database, so BENCH_REUSE=1 keeps both loaded.
  databaseUrl: process.env.BENCH_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/hotdash_bench${scale === 1 ? "" : `_x${scale}`}`,
  duration: Number(process.env.BENCH_DURATION ?? 15),
  // Long enough for the gateway to reach steady state under 50 clients (JIT, heap growth): with 3 s its
  // first run at 50 clients measured a warm-up p99 (2.3x the floor's, against 1.6x after 10 s).
  warmup: Number(process.env.BENCH_WARMUP ?? 10),
  connections: (process.env.BENCH_CONNECTIONS ?? "10,50").split(",").map(Number),
  soak: Number(process.env.BENCH_SOAK ?? 90),
  poolMax: Number(process.env.BENCH_POOL_MAX ?? 10),
  reuse: process.env.BENCH_REUSE === "1",
  profile: process.env.BENCH_PROFILE === "1",
  /** Scenarios to run (BENCH_ONLY, comma-separated names of SCENARIOS); empty runs all. */
  only: (process.env.BENCH_ONLY ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
  /** Extra Node flags for the gateway process, e.g. "--max-semi-space-size=64". */
  gatewayNodeFlags: (process.env.BENCH_GATEWAY_NODE_FLAGS ?? "").split(" ").filter(Boolean),
};

const DAY_MS = 86_400_000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);
export const today = isoDay(new Date());
/** The last `days` calendar days up to today, inclusive. */
const lastDays = (days: number) => ({ from: isoDay(new Date(Date.parse(today) - (days - 1) * DAY_MS)), to: today });
export const last7 = lastDays(7);
export const last30 = lastDays(30);
export const last90 = lastDays(90);

/** The measured requests, in run order: the dashboard page, one campaign with 7 days, the campaign list at 30 and 90 days. */
export const SCENARIOS = ["dashboard", "small", "campaigns", "campaigns90"] as const;
export type Scenario = (typeof SCENARIOS)[number];
/** What BENCH_ONLY can name: the scenarios, and "ingest" (a day of snapshots for every SKU, after them). */
const STEPS = [...SCENARIOS, "ingest"] as const;
for (const name of settings.only) {
  if (!(STEPS as readonly string[]).includes(name)) throw new Error(`BENCH_ONLY: unknown scenario "${name}" (known: ${STEPS.join(", ")})`);
}
export const selected = (step: (typeof STEPS)[number]) => settings.only.length === 0 || settings.only.includes(step);

/** The environment of every server under test (gateway, floor, peers): the same database, secret and pool size. */
export const serverEnv = () => ({
  DATABASE_URL: settings.databaseUrl,
  SUPABASE_JWT_SECRET: JWT_SECRET,
  DB_POOL_MAX: String(settings.poolMax),
  LOG_LEVEL: "warn",
  // Fifty clients on one token are far past the per-agent budgets; these keep the counting but never refuse.
  ...Object.fromEntries(
    ["ANON", "AUTHENTICATED", "SERVICE_ROLE"].flatMap((role) => [
      [`${role}_REQUESTS_PER_MINUTE`, "100000000"],
      [`${role}_COST_PER_MINUTE`, "1000000000000"],
    ]),
  ),
});

export const log = (message: string) => console.error(message);
