// The child processes (the gateway, the floor, the peers) and what is measured of them from /proc: memory
// (VmRSS, VmHWM) and CPU time, with the CPU of the PostgreSQL backends serving them.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import net from "node:net";
import { ROOT } from "./settings.ts";

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

/** Fields of /proc/<pid>/stat after "pid (comm) ", or null once the process is gone. */
function statFields(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux
const ticksMs = (fields: string[] | null, a: number, b: number) => (fields ? ((Number(fields[a]) + Number(fields[b])) * 1000) / CLOCK_TICKS : 0);

/** CPU time (user + system) a process has used, in ms (utime, stime: fields 14, 15); 0 once it is gone. */
const cpuMs = (pid: number) => ticksMs(statFields(pid), 11, 12);

interface PostgresProcess {
  ms: number;
  /** The client's TCP port, from the backend's process title "postgres: ... user db 127.0.0.1(port) state"; null for non-backends. */
  clientPort: number | null;
  /** CPU of reaped children (cutime + cstime): for the postmaster, every backend that exited. */
  childrenMs: number;
}

/** Every process on this machine whose comm is "postgres" (the postmaster, its backends and workers). */
function postgresProcesses(): Map<number, PostgresProcess> {
  const found = new Map<number, PostgresProcess>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== "postgres") continue;
      const title = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const fields = statFields(entry);
      const port = /\((\d+)\)/.exec(title)?.[1];
      found.set(Number(entry), { ms: ticksMs(fields, 11, 12), childrenMs: ticksMs(fields, 13, 14), clientPort: port ? Number(port) : null });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Local TCP ports of the sockets a process holds open (its connections to PostgreSQL among them). */
function localPorts(pid: number): Set<number> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (link.startsWith("socket:[")) inodes.add(link.slice(8, -1));
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return new Set();
  }
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/); // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (cols.length > 9 && inodes.has(cols[9])) ports.add(parseInt(cols[1].split(":")[1], 16));
    }
  }
  return ports;
}

/**
 * CPU used between two calls by one process and by PostgreSQL on its behalf. pgMs counts the backends
 * whose client is that process (matched by TCP port, so other work on the same server and database is
 * not counted); a backend that both starts and exits during the run is missed. pgAllMs is every
 * PostgreSQL process on the machine, exited backends included (the postmaster's reaped-children time):
 * the same figure on a quiet machine, an upper bound on a shared one.
 */
export function cpuMeter(pid: number) {
  const processStart = cpuMs(pid);
  const pgStart = postgresProcesses();
  return () => {
    const pgEnd = postgresProcesses();
    const ports = localPorts(pid);
    let pgMs = 0;
    let pgAllMs = 0;
    for (const [backend, now] of pgEnd) {
      const before = pgStart.get(backend);
      const used = now.ms - (before?.ms ?? 0) + (before ? now.childrenMs - before.childrenMs : 0);
      pgAllMs += used;
      if (now.clientPort !== null && ports.has(now.clientPort)) pgMs += now.ms - (before?.ms ?? 0);
    }
    return { processMs: cpuMs(pid) - processStart, pgMs, pgAllMs };
  };
}
