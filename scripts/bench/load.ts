// Load generation with autocannon: requests/s, latency percentiles and failed responses.
import { createRequire } from "node:module";
import os from "node:os";

interface AutocannonResult {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number; average: number; max: number };
  duration: number;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (options: Record<string, unknown>) => Promise<AutocannonResult>;

export interface Target {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadResult {
  /** 1-minute load average of the machine when the run ended (other work competes for the CPUs). */
  loadAvg: number;
  /** CPU ms per request: the serving process, the PostgreSQL backends serving it, and every PostgreSQL process (see cpuMeter). */
  cpu?: { processMs: number; pgMs: number; pgAllMs: number };
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  requests: number;
  /** Non-2xx, connection errors, timeouts (30 s) and responses with GraphQL errors. */
  failed: number;
  /** Of those, requests that timed out. */
  timeouts: number;
}

/** Runs autocannon; a response counts as failed when it is not 2xx or its body carries GraphQL errors. */
export async function load(targets: Target[], connections: number, duration: number): Promise<LoadResult> {
  let bodyErrors = 0;
  const result = await autocannon({
    url: targets[0].url,
    connections,
    duration,
    timeout: 30,
    requests: targets.map((t) => {
      const url = new URL(t.url);
      return { method: "POST", path: url.pathname + url.search, headers: t.headers, body: t.body };
    }),
    setupClient: (client: { on(event: "body", fn: (body: Buffer) => void): void }) =>
      client.on("body", (body) => {
        if (body.includes('"errors"')) bodyErrors++;
      }),
  });
  return {
    loadAvg: os.loadavg()[0],
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.average,
    requests: result.requests.total,
    failed: result.non2xx + result.errors + bodyErrors, // autocannon counts a timeout in errors too
    timeouts: result.timeouts,
  };
}
