// The bench's results: the CPU-profile summary, the tables printed to stdout and the raw JSON written
// to .bench/<time>.json.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FLOOR_STATEMENTS } from "./floor-server.ts";
import type { IngestionResult } from "./ingest.ts";
import type { LoadResult } from "./load.ts";
import { log, ROOT, settings } from "./settings.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Where busy CPU time goes, by layer; a package not listed counts under "other". */
const PROFILE_LAYERS: [string, RegExp][] = [
  ["Prisma (client, adapter, pg driver)", /^(@prisma\/|pg$|pg-|postgres-)/],
  ["GraphQL execution (graphql-js, Pothos)", /^(graphql$|@graphql-tools\/|@pothos\/|graphql-scalars|dataloader)/],
  [
    "HTTP and yoga (request, response, JSON)",
    /^(graphql-yoga|@whatwg-node\/|@envelop\/|@graphql-yoga\/|node internals|\(writev\)|\(writeBuffer\)|\(utf8Slice\)|\(utf8Write\))/,
  ],
  ["garbage collector", /^\(garbage collector\)$/],
  ["gateway code (src/)", /^src\//],
];

/** Self time of a .cpuprofile (idle excluded) by layer, by package or src/ file, and by function. */
export function summariseProfile(file: string) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const byLayer = new Map<string, number>();
  const byGroup = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const ms = selfMs.get(node.id) ?? 0;
    const url = node.callFrame.url;
    const name = node.callFrame.functionName;
    if (!ms || name === "(idle)" || name === "(program)") continue;
    total += ms;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    const group =
      pkg ?? (url.includes("/src/") ? `src/${url.split("/src/")[1]}` : url.startsWith("node:") ? "node internals" : url || `(${name || "native"})`);
    byGroup.set(group, (byGroup.get(group) ?? 0) + ms);
    const layer = PROFILE_LAYERS.find(([, pattern]) => pattern.test(group))?.[0] ?? "other";
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + ms);
    const fn = `${name || "(anonymous)"} ${pkg ?? path.basename(url)}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), pct: +((ms / total) * 100).toFixed(1) }));
  return { busyMs: Math.round(total), byLayer: top(byLayer, 10), byGroup: top(byGroup, 15), byFunction: top(byFunction, 20) };
}

/** The soak: both queries alternating, and how the gateway's RSS moved meanwhile. */
export interface Soak {
  seconds: number;
  result: LoadResult;
  rss: { startMb: number; midMb: number; endMb: number; slopeMbPerMin: number };
}

/** One measured scenario: a query against one target at one concurrency. */
export interface ResultRow {
  query: string;
  target: string;
  connections: number;
  result: LoadResult;
  statements: number;
  rssPeakMb: number;
}

export function report(r: {
  machine: string;
  pgVersion: string;
  data: { loadSeconds: number; rows: Record<string, number> };
  statements: Record<string, number>;
  rows: ResultRow[];
  soak: Soak | null;
  ingestion: IngestionResult | null;
  baselineRssMb: number;
  peakRssMb: number;
  profile: ReturnType<typeof summariseProfile> | null;
  profileDir: string;
  rssTimeline: number[][];
  minutes: number;
}) {
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "–");
  const cpu = (row: ResultRow) => row.result.cpu ?? { processMs: NaN, pgMs: NaN, pgAllMs: NaN };
  const cpuTotal = (row: ResultRow) => cpu(row).processMs + cpu(row).pgMs;
  const lines: string[] = [];
  lines.push(`Machine: ${r.machine}; PostgreSQL ${r.pgVersion}; gateway pool ${settings.poolMax}; ${settings.duration} s per scenario.`);
  lines.push(
    `Data: ${Object.entries(r.data.rows)
      .map(([t, n]) => `${t} ${n.toLocaleString("en")}`)
      .join(", ")} (loaded in ${f(r.data.loadSeconds)} s).`,
    "",
  );
  lines.push(
    "| query | target | clients | req/s | p50 ms | p99 ms | failed / timeouts | SQL stmts/req | CPU ms/req: server + pg = total | gateway RSS peak MB | req/s ÷ floor | p99 ÷ floor p99 | CPU/req ÷ floor | load avg |",
  );
  lines.push("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const row of r.rows) {
    const floorRow = r.rows.find((x) => x.query === row.query && x.connections === row.connections && x.target.startsWith("floor"));
    const isFloor = row === floorRow;
    lines.push(
      `| ${row.query} | ${row.target} | ${row.connections} | ${f(row.result.rps)} | ${row.result.p50} | ${row.result.p99} | ${row.result.failed} / ${row.result.timeouts} | ${f(row.statements, 0)} | ${f(cpu(row).processMs)} + ${f(cpu(row).pgMs)} = ${f(cpuTotal(row))} | ${f(row.rssPeakMb, 0)} | ${isFloor || !floorRow ? "" : f(row.result.rps / floorRow.result.rps, 2)} | ${isFloor || !floorRow ? "" : f(row.result.p99 / floorRow.result.p99, 2)} | ${isFloor || !floorRow ? "" : f(cpuTotal(row) / cpuTotal(floorRow), 2)} | ${f(row.result.loadAvg)} |`,
    );
  }
  lines.push("", "| query | clients | authenticated ÷ service_role req/s | authenticated ÷ service_role p99 |", "|---|---:|---:|---:|");
  for (const row of r.rows.filter((x) => x.target === "gateway authenticated")) {
    const service = r.rows.find((x) => x.query === row.query && x.connections === row.connections && x.target === "gateway service_role")!;
    lines.push(`| ${row.query} | ${row.connections} | ${f(row.result.rps / service.result.rps, 2)} | ${f(row.result.p99 / service.result.p99, 2)} |`);
  }
  // CPU per request against the floor's total: the gateway alone and with the PostgreSQL work it causes.
  lines.push(
    "",
    "| query | clients | floor CPU ms/req: floor + pg = total | gateway | gateway CPU ms/req | gateway + pg ms/req | gateway ÷ floor total | (gateway + pg) ÷ floor total | all postgres processes ms/req: floor / gateway |",
    "|---|---:|---:|---|---:|---:|---:|---:|---:|",
  );
  for (const row of r.rows.filter((x) => x.target.startsWith("gateway"))) {
    const floorRow = r.rows.find((x) => x.query === row.query && x.connections === row.connections && x.target.startsWith("floor"));
    const floorTotal = floorRow ? cpuTotal(floorRow) : NaN;
    const floorCpu = floorRow ? `${f(cpu(floorRow).processMs)} + ${f(cpu(floorRow).pgMs)} = ${f(floorTotal)}` : "–";
    lines.push(
      `| ${row.query} | ${row.connections} | ${floorCpu} | ${row.target.replace("gateway ", "")} | ${f(cpu(row).processMs)} | ${f(cpuTotal(row))} | ${f(cpu(row).processMs / floorTotal, 2)} | ${f(cpuTotal(row) / floorTotal, 2)} | ${floorRow ? f(cpu(floorRow).pgAllMs) : "–"} / ${f(cpu(row).pgAllMs)} |`,
    );
  }
  lines.push(
    "",
    "CPU: user + system from /proc; pg = the PostgreSQL backends whose client is that process (matched by TCP port); the last column counts every " +
      "postgres process on the machine (other work included, exited backends too) as a cross-check.",
  );
  lines.push(
    "",
    `Statements per request (in-process count, average of 5): ${Object.entries(r.statements)
      .map(([k, v]) => `${k} ${v}`)
      .join("; ")}; floor: ${Object.entries(FLOOR_STATEMENTS)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}.`,
  );
  lines.push(`Gateway memory: RSS ${f(r.baselineRssMb, 0)} MB after start, peak (VmHWM) ${f(r.peakRssMb, 0)} MB.`);
  if (r.soak) {
    lines.push(
      `Soak (${r.soak.seconds} s, both queries alternating, authenticated, ${Math.max(...settings.connections)} clients): ${f(r.soak.result.rps)} req/s, p99 ${r.soak.result.p99} ms, failed ${r.soak.result.failed}; ` +
        `RSS median by third ${f(r.soak.rss.startMb, 0)} → ${f(r.soak.rss.midMb, 0)} → ${f(r.soak.rss.endMb, 0)} MB; slope over the second half ${f(r.soak.rss.slopeMbPerMin, 2)} MB/min.`,
    );
  }
  if (r.ingestion) {
    const i = r.ingestion;
    lines.push(
      `Ingestion of a day of snapshots for ${i.skus.toLocaleString("en")} SKUs in one request (batches of 10,000, one transaction): new day ${f(i.insertSeconds)} s, ` +
        `replay ${f(i.replaySeconds)} s; the same request with its very last row invalid: refused in ${f(i.rejectedSeconds)} s with ${i.rejectedCode}, ${i.rejectedRowsKept} rows kept.`,
    );
  }
  if (r.profile) {
    lines.push(
      "",
      `CPU profile of the gateway (${r.profileDir}): ${r.profile.busyMs} ms busy (idle excluded).`,
      "",
      "| layer | ms | % of busy |",
      "|---|---:|---:|",
    );
    for (const g of r.profile.byLayer) lines.push(`| ${g.name} | ${g.ms} | ${g.pct} |`);
    lines.push("", "| package or file | ms | % of busy |", "|---|---:|---:|");
    for (const g of r.profile.byGroup) lines.push(`| ${g.name} | ${g.ms} | ${g.pct} |`);
    lines.push("", "| hottest functions | ms | % of busy |", "|---|---:|---:|");
    for (const g of r.profile.byFunction) lines.push(`| \`${g.name}\` | ${g.ms} | ${g.pct} |`);
  }
  lines.push("", `Total bench time ${f(r.minutes)} min.`);
  console.log(lines.join("\n"));

  mkdirSync(path.join(ROOT, ".bench"), { recursive: true });
  const file = path.join(ROOT, ".bench", `bench-${new Date().toISOString().replaceAll(":", "-")}.json`);
  writeFileSync(file, JSON.stringify({ settings, ...r }, null, 2));
  log(`raw results: ${file}`);
}
