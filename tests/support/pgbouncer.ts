/**
 * A real PgBouncer in transaction mode in front of the test server, for tests that prove the gateway
 * works behind a transaction-mode pooler (Supavisor on port 6543 behaves the same way for what the
 * gateway does: a server connection belongs to a client only for one transaction).
 *
 *   const bouncer = await startPgBouncer({ serverUrl: db.url });
 *   bouncer.url(db.url)   // the same database, through the pooler
 *   await bouncer.stop()
 *
 * The binary: PGBOUNCER_PATH, else `pgbouncer` on PATH, else Debian's /usr/sbin/pgbouncer (`.ci/run`
 * installs it). PgBouncer refuses to run as root ("PgBouncer should not run as root"): as root it is
 * started with `-u postgres` (Debian's package creates that user), and its temp folder is handed to
 * that user. Authentication is `trust` (the test server trusts loopback too); `trust` still looks the
 * user up in auth_file, so the file lists the server URL's user.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, chownSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export interface PgBouncerOptions {
  /** Any database URL on the server to pool (host, port, user are taken from it; every database is served). */
  serverUrl: string;
  /** Server connections per (database, user) pair: small, so many clients really share few connections. */
  poolSize?: number;
  /** Extra `[pgbouncer]` settings, e.g. { server_reset_query: "" }. */
  settings?: Record<string, string | number>;
}

export interface PgBouncer {
  host: string;
  port: number;
  /** PgBouncer's version, e.g. "1.18.0". */
  version: string;
  /** `databaseUrl` (a database on the pooled server) rewritten to go through this PgBouncer. */
  url(databaseUrl: string): string;
  /** PgBouncer's admin console (SHOW POOLS, SHOW SERVERS, …): one command, rows as objects. */
  admin<T extends Record<string, unknown> = Record<string, unknown>>(command: string): Promise<T[]>;
  /** PgBouncer's log so far (for failure messages). */
  log(): string;
  /** SIGTERM, wait for the process to exit, remove the temp folder. Idempotent. */
  stop(): Promise<void>;
}

const DEBIAN_PATH = "/usr/sbin/pgbouncer";
/** PgBouncer refuses to run as root; Debian's postgresql/pgbouncer packages create this user. */
const UNPRIVILEGED_USER = "postgres";

/** Where the pgbouncer binary is, or a clear error naming what was tried. */
export function findPgBouncer(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    ...(env.PGBOUNCER_PATH ? [env.PGBOUNCER_PATH] : []),
    ...(env.PATH ?? "")
      .split(path.delimiter)
      .filter(Boolean)
      .map((dir) => path.join(dir, "pgbouncer")),
    DEBIAN_PATH,
  ];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error(`pgbouncer not found (tried PGBOUNCER_PATH, PATH and ${DEBIAN_PATH}); install it (apt-get install pgbouncer, or run .ci/run)`);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function versionOf(binary: string): Promise<string> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(binary, ["--version"], { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.on("error", reject);
    child.on("exit", () => resolve(text));
  });
  const match = /PgBouncer (\d+\.\d+(?:\.\d+)?)/.exec(out);
  if (!match) throw new Error(`could not read the version of ${binary}: ${JSON.stringify(out.slice(0, 200))}`);
  return match[1];
}

/** a >= b for dotted versions. */
export function versionAtLeast(a: string, b: string): boolean {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  }
  return true;
}

export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const binary = findPgBouncer();
  const version = await versionOf(binary);
  const server = new URL(options.serverUrl);
  const user = decodeURIComponent(server.username) || "postgres";
  sweepDeadRuns();
  // The folder names the process that owns this PgBouncer, so a later run can stop it if that one died.
  const dir = mkdtempSync(path.join(os.tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  const asRoot = os.userInfo().uid === 0;

  const authFile = path.join(dir, "userlist.txt");
  const settings: Record<string, string | number> = {
    listen_addr: "127.0.0.1",
    unix_socket_dir: "", // TCP only: nothing to clean up, no clash between test files
    auth_type: "trust",
    auth_file: authFile,
    admin_users: user,
    pool_mode: "transaction",
    default_pool_size: options.poolSize ?? 3,
    min_pool_size: 0,
    reserve_pool_size: 0,
    max_client_conn: 1000,
    // As shipped: transaction mode sends no reset query between clients (server_reset_query_always = 0),
    // so whatever a transaction leaves on its session really is seen by the next client.
    server_reset_query_always: 0,
    // PgBouncer 1.21+ can track protocol-level named prepared statements; 1.18 has no such setting (and
    // refuses unknown ones). The gateway uses only unnamed statements: see tests/pooler.test.ts.
    ...(versionAtLeast(version, "1.21") && { max_prepared_statements: 0 }),
    logfile: path.join(dir, "pgbouncer.log"),
    pidfile: path.join(dir, "pgbouncer.pid"),
    log_connections: 0,
    log_disconnections: 0,
    ...options.settings,
  };

  writeFileSync(authFile, `"${user}" ""\n`);
  let port = 0;
  let child: ChildProcess | undefined;
  let stderr = "";
  // A free port can be taken between the probe and PgBouncer's bind: try a few.
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    const ini = [
      "[databases]",
      // Every database name is served, on the same server: tests make their databases on the fly.
      `* = host=${server.hostname || "127.0.0.1"} port=${server.port || "5432"} user=${user}`,
      "",
      "[pgbouncer]",
      ...Object.entries({ ...settings, listen_port: port }).map(([key, value]) => `${key} = ${value}`),
      "",
    ].join("\n");
    writeFileSync(path.join(dir, "pgbouncer.ini"), ini);
    if (asRoot) chownDir(dir);
    const started = spawn(binary, [...(asRoot ? ["-u", UNPRIVILEGED_USER] : []), path.join(dir, "pgbouncer.ini")], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    stderr = "";
    started.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    if (await listening(port, started)) child = started;
    else started.kill("SIGKILL");
  }
  const readLog = () => {
    try {
      return `${stderr}${readFileSync(path.join(dir, "pgbouncer.log"), "utf8")}`;
    } catch {
      return stderr;
    }
  };
  if (!child) {
    const log = readLog();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PgBouncer (${binary}) did not start:\n${log}`);
  }
  const bouncer = child;
  let stopping: Promise<void> | undefined;

  const url = (databaseUrl: string) => {
    const through = new URL(databaseUrl);
    through.hostname = "127.0.0.1";
    through.port = String(port);
    return through.href;
  };

  return {
    host: "127.0.0.1",
    port,
    version,
    url,
    log: readLog,
    async admin<T extends Record<string, unknown>>(command: string): Promise<T[]> {
      const admin = new URL(options.serverUrl);
      admin.pathname = "/pgbouncer";
      const client = new pg.Client({ connectionString: url(admin.href) });
      await client.connect();
      try {
        // The admin console speaks only the simple query protocol: a query without values is sent that way.
        const result = await client.query<T>(command);
        return result.rows;
      } finally {
        await client.end().catch(() => {});
      }
    },
    stop: () =>
      (stopping ??= (async () => {
        if (bouncer.exitCode === null && bouncer.signalCode === null) {
          const exited = new Promise<void>((resolve) => bouncer.once("exit", () => resolve()));
          bouncer.kill("SIGTERM");
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      })()),
  };
}

const DIR_PREFIX = "hotdash-pgbouncer-";

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Stops the PgBouncers of test processes that ended without afterAll (a hook timeout, an interrupted
 * run): the worker is killed, its PgBouncer is not. Each one's folder names its owner and holds its pid file.
 */
function sweepDeadRuns(): void {
  for (const name of readdirSync(os.tmpdir())) {
    const owner = Number(/^hotdash-pgbouncer-(\d+)-/.exec(name)?.[1]);
    if (!owner || isAlive(owner)) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      const pid = Number(readFileSync(path.join(dir, "pgbouncer.pid"), "utf8").trim());
      if (pid > 0) process.kill(pid, "SIGTERM");
    } catch {
      // no pid file (it never started) or already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Hands the temp folder to the unprivileged user PgBouncer switches to (it writes its log and pid there). */
function chownDir(dir: string): void {
  const { uid, gid } = lookupUser(UNPRIVILEGED_USER);
  chownSync(dir, uid, gid);
}

function lookupUser(name: string): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`PgBouncer must not run as root and there is no "${name}" user to run it as; run the tests as another user`);
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

/** Whether PgBouncer accepts connections on `port` (false once it exited: port taken, bad config). */
async function listening(port: number, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
