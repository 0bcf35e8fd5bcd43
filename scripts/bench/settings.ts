// The bench's settings (environment knobs), the dates its queries use, and its log.
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const JWT_SECRET = "hotdash-bench-secret-0123456789-0123456789";

export const settings = {
  databaseUrl: process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/hotdash_bench",
  duration: Number(process.env.BENCH_DURATION ?? 15),
  warmup: Number(process.env.BENCH_WARMUP ?? 3),
  connections: (process.env.BENCH_CONNECTIONS ?? "10,50").split(",").map(Number),
  soak: Number(process.env.BENCH_SOAK ?? 90),
  poolMax: Number(process.env.BENCH_POOL_MAX ?? 10),
  reuse: process.env.BENCH_REUSE === "1",
  profile: process.env.BENCH_PROFILE === "1",
  only: process.env.BENCH_ONLY ?? "",
  /** Extra Node flags for the gateway process, e.g. "--max-semi-space-size=64". */
  gatewayNodeFlags: (process.env.BENCH_GATEWAY_NODE_FLAGS ?? "").split(" ").filter(Boolean),
};

const DAY_MS = 86_400_000;
const isoDay = (date: Date) => date.toISOString().slice(0, 10);
export const today = isoDay(new Date());
export const last30 = { from: isoDay(new Date(Date.parse(today) - 29 * DAY_MS)), to: today };

export const log = (message: string) => console.error(message);
