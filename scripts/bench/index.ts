/**
 * `npm run bench`: the gateway under load against the hand-written SQL floor, on a realistic volume.
 *
 *  1. Creates (drops first) the database `hotdash_bench` (`hotdash_bench_x<N>` at BENCH_SCALE=N) on
 *     the local server (or BENCH_DATABASE_URL), migrates it, and fills it with generate_series SQL:
 *     200 campaigns × 365 days of metrics, 5,000 SKUs × 90 days of snapshots (both times the scale),
 *     10,000 approvals, 100,000 log rows, 2 years of shop facts.
 *  2. Counts the SQL statements each query sends (the runtime's Database.statementCount(), on an
 *     in-process gateway built by the same createGateway()).
 *  3. Starts the gateway as a child process (`node --import tsx src/index.ts`) and the floor (this
 *     file with `floor-server`: node:http + pg, the same data by hand-written SQL, JSON built by
 *     PostgreSQL and passed through untouched), both with the same pool size, and samples the
 *     gateway's memory from /proc/<pid>/status.
 *  4. Drives both with autocannon, as service_role and authenticated, at 10 and 50 concurrent clients:
 *     the dashboard query ("dashboard"), one campaign by id with its last 7 days ("small"), and the
 *     campaign list (first 100 campaigns) with each campaign's last 30 days ("campaigns", 3,000 metric
 *     rows) and last 90 days ("campaigns90", 9,000 rows); then a soak that alternates the dashboard and
 *     the campaign list to check memory stays flat; then the ingestion of a day of snapshots for every
 *     SKU in one request (scripts/bench/ingest.ts), its replay, and a refused one.
 *  5. Prints requests/s, p50/p99 latency, statements/request, CPU per request (the serving process and
 *     the PostgreSQL backends serving it), peak memory, and the ratios against the floor and between
 *     roles; writes the raw numbers to .bench/<time>.json.
 *
 * Settings (environment): BENCH_SCALE (1; the store's size as a multiple), BENCH_DATABASE_URL, BENCH_DURATION (s per scenario, 15), BENCH_WARMUP (s, 10),
 * BENCH_CONNECTIONS ("10,50"), BENCH_SOAK (s, 90; 0 skips), BENCH_POOL_MAX (10),
 * BENCH_REUSE=1 (keep an already loaded database), BENCH_PROFILE=1 (gateway under `node --cpu-prof`,
 * profile summarised at the end), BENCH_ONLY (scenarios, comma-separated: dashboard, small, campaigns,
 * campaigns90, ingest; all when unset), BENCH_GATEWAY_NODE_FLAGS
 * (extra node flags for the gateway, e.g. "--max-semi-space-size=64").
 * docs/benchmarks.md has the results and how to read them.
 *
 * This file runs the steps; data.ts fills the database, statements.ts counts statements, processes.ts
 * starts and samples the children, floor-server.ts is the floor, load.ts drives autocannon, and
 * report.ts prints and writes the results; queries.ts has the GraphQL queries, settings.ts the knobs.
 * peers.ts (`npm run bench:peers`) runs the campaign list against PostGraphile too.
 */
import { readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { prepareDatabase, withClient } from "./data.ts";
import { runFloorServer, FLOOR_STATEMENTS } from "./floor-server.ts";
import { type IngestionResult, measureIngestion } from "./ingest.ts";
import { load, type Target } from "./load.ts";
import { type Child, cpuMeter, type MemorySampler, memorySampler, startChild } from "./processes.ts";
import { CAMPAIGN_BY_ID_QUERY, CAMPAIGNS_QUERY, campaignRows, DASHBOARD_QUERY, graphqlHeaders, type Role, ROLES, signTokens } from "./queries.ts";
import { report, type ResultRow, type Soak, summariseProfile } from "./report.ts";
import { last30, last7, last90, log, ROOT, type Scenario, SCENARIOS, selected, serverEnv, settings } from "./settings.ts";
import { countStatements } from "./statements.ts";

async function runBench(): Promise<void> {
  const startedAt = Date.now();
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
  const pgVersion = await withClient(
    settings.databaseUrl.replace(/\/[^/]*$/, "/postgres"),
    async (c) => (await c.query<{ server_version: string }>("SHOW server_version")).rows[0].server_version,
  );
  log(`HotDash gateway benchmark — ${machine}, PostgreSQL ${pgVersion}`);
  log(`settings: ${JSON.stringify(settings)}`);

  log("1/5 preparing the bench database");
  const data = await prepareDatabase();
  log(`  ${JSON.stringify(data.rows)} (${data.loadSeconds.toFixed(1)} s)`);

  const tokens = await signTokens();
  const smallId = await newestCampaignId();

  log("2/5 counting statements per request");
  const statements = await countStatements(tokens, smallId);
  log(`  ${JSON.stringify(statements)}`);

  log("3/5 starting the gateway and the floor");
  const profileDir = path.join(ROOT, ".bench", `profile-${Date.now()}`);
  const env = serverEnv();
  const nodeFlags = [...settings.gatewayNodeFlags, ...(settings.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [])];
  const gateway = await startChild("gateway", "src/index.ts", [], env, "/ready", nodeFlags);
  let floor: Child | undefined;
  const memory = memorySampler(gateway.process.pid!);
  try {
    floor = await startChild("floor", "scripts/bench/index.ts", ["floor-server"], env, "/ready");
    await measureAll(gateway, floor, memory, tokens, smallId, statements, { machine, pgVersion, data, profileDir, startedAt });
  } finally {
    memory.stop();
    await gateway.stop();
    await floor?.stop();
  }
}

async function measureAll(
  gateway: Child,
  floor: Child,
  memory: MemorySampler,
  tokens: Record<Role, string>,
  smallId: string,
  statements: Record<string, number>,
  run: { machine: string; pgVersion: string; data: { loadSeconds: number; rows: Record<string, number> }; profileDir: string; startedAt: number },
): Promise<void> {
  const baselineRssMb = memory.now();

  const queries: Record<Scenario, { graphql: { query: string; variables?: Record<string, unknown> }; floorPath: string }> = {
    dashboard: { graphql: { query: DASHBOARD_QUERY }, floorPath: "/dashboard" },
    small: { graphql: { query: CAMPAIGN_BY_ID_QUERY, variables: { id: smallId, ...last7 } }, floorPath: `/small?id=${smallId}` },
    campaigns: { graphql: { query: CAMPAIGNS_QUERY, variables: { range: last30 } }, floorPath: "/campaigns" },
    campaigns90: { graphql: { query: CAMPAIGNS_QUERY, variables: { range: last90 } }, floorPath: "/campaigns90" },
  };
  const gatewayTarget = (q: Scenario, role: Role): Target => ({
    url: `${gateway.url}/graphql`,
    headers: graphqlHeaders(tokens[role]),
    body: JSON.stringify(queries[q].graphql),
  });
  const floorTarget = (q: Scenario): Target => ({
    url: `${floor.url}${queries[q].floorPath}`,
    headers: { "content-type": "application/json" },
    body: "{}",
  });

  // Every side must answer without errors, and the campaign scenarios with the same campaigns and
  // number of metric rows, before anything is timed.
  for (const q of SCENARIOS) {
    let expected: string | undefined;
    for (const [name, target] of [["floor", floorTarget(q)], ...ROLES.map((role) => [`gateway ${role}`, gatewayTarget(q, role)] as const)] as const) {
      const response = await fetch(target.url, { method: "POST", headers: target.headers, body: target.body });
      const text = await response.text();
      if (!response.ok || text.includes('"errors"')) throw new Error(`${q} at ${target.url}: ${response.status} ${text.slice(0, 500)}`);
      if (q === "dashboard") continue;
      const rows = campaignRows(text);
      const summary = `${rows.ids.length} campaigns, ${rows.metricRows} metric rows, ids ${rows.ids.join(",")}`;
      if (expected !== undefined && summary !== expected)
        throw new Error(`${q}: ${name} answers ${summary.slice(0, 300)}, the floor ${expected.slice(0, 300)}`);
      if (expected === undefined) log(`  ${q}: ${rows.ids.length} campaign(s), ${rows.metricRows} metric rows`);
      expected = summary;
    }
  }

  log(`4/5 load: ${settings.duration} s per scenario after ${settings.warmup} s of warm-up`);
  const rows: ResultRow[] = [];
  {
    for (const q of SCENARIOS) {
      if (!selected(q)) continue;
      for (const connections of settings.connections) {
        const scenarios: [string, Target, number][] = [
          ["floor (pg)", floorTarget(q), FLOOR_STATEMENTS[q]],
          ...ROLES.map((role): [string, Target, number] => [`gateway ${role}`, gatewayTarget(q, role), statements[`${q}:${role}`]]),
        ];
        for (const [target, t, statementsPerRequest] of scenarios) {
          if (settings.warmup > 0) await load([t], connections, settings.warmup);
          const before = memory.samples.length;
          const meter = cpuMeter(target.startsWith("floor") ? floor.process.pid! : gateway.process.pid!);
          const result = await load([t], connections, settings.duration);
          const used = meter();
          gateway.assertAlive();
          floor.assertAlive();
          result.cpu = { processMs: used.processMs / result.requests, pgMs: used.pgMs / result.requests, pgAllMs: used.pgAllMs / result.requests };
          const during = memory.samples.slice(before).map((s) => s.rssMb);
          const row = {
            query: q,
            target,
            connections,
            result,
            statements: statementsPerRequest,
            rssPeakMb: target.startsWith("gateway") ? Math.max(...during) : NaN,
          };
          rows.push(row);
          log(
            `  ${q} ${target} c=${connections}: ${result.rps.toFixed(1)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, failed ${result.failed} (timeouts ${result.timeouts}), CPU/req ${result.cpu.processMs.toFixed(1)} + ${result.cpu.pgMs.toFixed(1)} (pg) ms, load ${result.loadAvg.toFixed(1)}`,
          );
        }
      }
    }

    let soak: Soak | null = null;
    if (settings.soak > 0) {
      log(`5/5 soak: ${settings.soak} s alternating both queries as authenticated, c=${Math.max(...settings.connections)}`);
      const before = memory.samples.length;
      const result = await load(
        [gatewayTarget("dashboard", "authenticated"), gatewayTarget("campaigns", "authenticated")],
        Math.max(...settings.connections),
        settings.soak,
      );
      const samples = memory.samples.slice(before);
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
      const third = Math.max(1, Math.floor(samples.length / 3));
      const rss = samples.map((s) => s.rssMb);
      // Least-squares slope of RSS over the second half (after warm-up effects), in MB per minute.
      const half = samples.slice(Math.floor(samples.length / 2));
      const mt = half.reduce((a, s) => a + s.t, 0) / half.length;
      const mr = half.reduce((a, s) => a + s.rssMb, 0) / half.length;
      const slope = half.reduce((a, s) => a + (s.t - mt) * (s.rssMb - mr), 0) / (half.reduce((a, s) => a + (s.t - mt) ** 2, 0) || 1);
      soak = {
        seconds: settings.soak,
        result,
        rss: {
          startMb: median(rss.slice(0, third)),
          midMb: median(rss.slice(third, 2 * third)),
          endMb: median(rss.slice(-third)),
          slopeMbPerMin: slope * 60,
        },
      };
      log(
        `  ${result.rps.toFixed(1)} req/s, failed ${result.failed}; RSS medians by third ${soak.rss.startMb.toFixed(0)} → ${soak.rss.midMb.toFixed(0)} → ${soak.rss.endMb.toFixed(0)} MB, slope ${soak.rss.slopeMbPerMin.toFixed(2)} MB/min`,
      );
    }

    let ingestion: IngestionResult | null = null;
    if (selected("ingest")) {
      log("ingestion: a day of snapshots for every SKU through the gateway");
      ingestion = await measureIngestion(gateway.url, tokens.service_role);
    }

    const peakRssMb = memory.peak();
    memory.stop();
    await gateway.stop();
    await floor.stop();

    let profile: ReturnType<typeof summariseProfile> | null = null;
    if (settings.profile) {
      const file = readdirSync(run.profileDir).find((f) => f.endsWith(".cpuprofile"));
      if (file) profile = summariseProfile(path.join(run.profileDir, file));
    }

    // RSS over the whole run, one point per second, for the record.
    const rssTimeline = memory.samples.filter((_, i) => i % 4 === 0).map((s) => [Math.round(s.t), Math.round(s.rssMb)]);
    report({
      ...run,
      statements,
      rows,
      soak,
      ingestion,
      baselineRssMb,
      peakRssMb,
      profile,
      rssTimeline,
      minutes: (Date.now() - run.startedAt) / 60000,
    });
  }
}

/** The small read's campaign: the most recently created one (first in the campaign list), picked once per run. */
async function newestCampaignId(): Promise<string> {
  return withClient(settings.databaseUrl, async (c) => {
    const { rows } = await c.query<{ id: string }>("SELECT id FROM ads_campaigns ORDER BY created_at DESC, id DESC LIMIT 1");
    if (!rows[0]) throw new Error("the bench database has no campaign");
    return rows[0].id;
  });
}

if (process.argv[2] === "floor-server") {
  runFloorServer();
} else {
  await runBench().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
