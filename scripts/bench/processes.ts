// The child processes (the gateway and the floor) and what is measured of them from /proc: memory
// (VmRSS, VmHWM) and CPU time, with the CPU of the bench database's PostgreSQL backends.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { withClient } from "./data.ts";
import { ROOT, settings } from "./settings.ts";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Children still running, stopped if the bench itself is interrupted. */
const children = new Set<ChildProcess>();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill("SIGTERM");
    process.exit(130);
  });
}

export interface Child {
  process: ChildProcess;
  url: string;
  /** Throws, with the end of the child's stderr, if it is no longer running. */
  assertAlive(): void;
  stop(): Promise<void>;
}

/** Starts `node --import tsx <script> ...args` and waits until `readyPath` answers 200. */
export async function startChild(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  readyPath: string,
  nodeFlags: string[] = [],
): Promise<Child> {
  return startProcess(name, process.execPath, [...nodeFlags, "--import", "tsx", script, ...args], env, readyPath);
}

/** Starts `command ...argv` (cwd the repository root, PORT and HOST set) and waits until `readyPath` answers 200. */
export async function startProcess(name: string, command: string, argv: string[], env: Record<string, string>, readyPath: string): Promise<Child> {
  const port = await freePort();
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`${name} did not become ready:\n${stderr}`);
    }
    const ok = await fetch(`${origin}${readyPath}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    process: child,
    url: origin,
    assertAlive: () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited during the run (code ${child.exitCode}, signal ${child.signalCode}):\n${stderr}`);
      }
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

interface MemorySample {
  t: number;
  rssMb: number;
}

/** Samples VmRSS of a process every `everyMs`; peak() reads VmHWM (the kernel's high-water mark). */
export function memorySampler(pid: number, everyMs = 250) {
  const read = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : NaN;
  };
  const samples: MemorySample[] = [];
  const started = Date.now();
  const timer = setInterval(() => {
    try {
      samples.push({ t: (Date.now() - started) / 1000, rssMb: read("VmRSS") });
    } catch {
      clearInterval(timer);
    }
  }, everyMs);
  return {
    samples,
    now: () => read("VmRSS"),
    peak: () => read("VmHWM"),
    stop: () => clearInterval(timer),
  };
}
export type MemorySampler = ReturnType<typeof memorySampler>;

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat; 0 once it is gone. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // after "pid (comm) "
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS; // utime, stime (fields 14, 15)
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux

/** CPU used by one process and by the PostgreSQL backends of the bench database between two calls. */
export async function cpuMeter(pid: number) {
  const admin = new URL(settings.databaseUrl);
  const database = decodeURIComponent(admin.pathname.slice(1));
  admin.pathname = "/postgres";
  const backends = async () =>
    withClient(admin.toString(), async (c) => {
      const { rows } = await c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [database]);
      return new Map(rows.map((r) => [r.pid, cpuMs(r.pid)]));
    });
  const processStart = cpuMs(pid);
  const pgStart = await backends();
  return async () => {
    const pgEnd = await backends();
    let pgMs = 0;
    for (const [backend, ms] of pgEnd) pgMs += ms - (pgStart.get(backend) ?? 0);
    return { processMs: cpuMs(pid) - processStart, pgMs };
  };
}
