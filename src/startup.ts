/**
 * Start-up checks and their failures as one plain line each ("what is wrong. What to do."), like the
 * configuration errors. The entry point runs the fast checks (port free, database reachable) before
 * the slow steps (migrations, demo data), and prints describeStartupError() instead of a stack trace.
 * Nothing here ever prints DATABASE_URL itself: only its host, port, database and user.
 */
import net from "node:net";
import pg from "pg";
import { EmbeddedDatabaseError } from "./db/embedded.ts";
import { MigrationError } from "./db/migrate.ts";
import { VaultKeyFileError } from "./vault/key-file.ts";
import { ListenDeliveryError } from "./pubsub/pg-listener.ts";

/** A start-up failure the operator can fix; its message is the one line to print. */
export class StartupError extends Error {
  override name = "StartupError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where a DATABASE_URL points, without its password. */
export interface DatabaseTarget {
  host: string;
  port: string;
  database: string;
  user: string;
}

export function databaseTarget(url: string): DatabaseTarget {
  const u = new URL(url);
  return {
    host: decodeURIComponent(u.hostname) || "localhost",
    port: u.port || "5432",
    database: decodeURIComponent(u.pathname.replace(/^\//, "")) || decodeURIComponent(u.username) || "postgres",
    user: decodeURIComponent(u.username) || "postgres",
  };
}

/**
 * Fails fast with EADDRINUSE/EACCES/EADDRNOTAVAIL when the gateway could not listen on host:port, so a
 * busy port is reported in a second, not after the migrations. Port 0 (any free port) always passes.
 */
export async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", reject);
    probe.listen({ host, port, exclusive: true }, () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** One connection and `select 1`, bounded by timeoutMs: reports a wrong URL before anything slow runs. */
export async function checkDatabase(url: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, application_name: "hotdash-start" });
  client.on("error", () => {}); // a dropped connection surfaces as the failed call below
  try {
    await client.connect();
    await client.query("select 1");
  } finally {
    await client.end().catch(() => {});
  }
}

/** The first code on an error, or on the errors of an AggregateError (a host with several addresses). */
function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; errors?: unknown[] };
  if (typeof e?.code === "string") return e.code;
  if (Array.isArray(e?.errors))
    for (const inner of e.errors) if (typeof (inner as { code?: unknown })?.code === "string") return (inner as { code: string }).code;
  return undefined;
}

export interface StartupContext {
  host: string;
  port: number;
  /** Set when a DATABASE_URL is in use (never printed as such). */
  databaseUrl?: string | null;
  /** The variable databaseUrl came from, named in the advice (default DATABASE_URL; DATABASE_LISTEN_URL). */
  databaseUrlName?: string;
  connectTimeoutMs?: number;
}

/**
 * The one line to print for a start-up failure the operator can fix, or null for an unexpected
 * error (which deserves its stack trace).
 */
export function describeStartupError(err: unknown, context: StartupContext): string | null {
  if (err instanceof StartupError || err instanceof EmbeddedDatabaseError || err instanceof VaultKeyFileError || err instanceof ListenDeliveryError)
    return err.message;
  if (err instanceof MigrationError) return `${err.message.replace(/\.$/, "")} [${err.code}].`;
  // By name: src/catalogue brings the whole schema with it. Fix the operations/ files it names.
  if (err instanceof Error && err.name === "CatalogueError") return `${err.message}\n[CATALOGUE_INVALID]`;
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);

  // Listening on HOST:PORT (the probe or the real listen).
  const listen = `${context.host}:${context.port}`;
  const syscall = (err as { syscall?: unknown })?.syscall;
  if (syscall === "listen" || code === "EADDRINUSE") {
    if (code === "EADDRINUSE")
      return `Port ${context.port} on ${context.host} is already in use (another gateway, or another program). Stop that process, or set PORT to a free port.`;
    if (code === "EACCES") return `Not allowed to listen on ${listen} (ports below 1024 need privileges). Set PORT to a port above 1023.`;
    if (code === "EADDRNOTAVAIL")
      return `HOST ${context.host} is not an address of this machine. Set HOST to 127.0.0.1, 0.0.0.0 or one of this machine's addresses.`;
  }

  // The data folder (embedded database, lock, vault key) cannot be written.
  const file = (err as { path?: unknown })?.path;
  if (typeof file === "string" && (code === "EACCES" || code === "EPERM" || code === "EROFS")) {
    return `Cannot write ${file} (${code}). Set DATA_DIR to a folder this user may write, or fix its permissions.`;
  }

  const target = context.databaseUrl ? databaseTarget(context.databaseUrl) : null;
  const where = target ? `PostgreSQL at ${target.host}:${target.port}` : "the embedded database";
  const variable = context.databaseUrlName ?? "DATABASE_URL";
  const fix = target ? variable : "DATA_DIR";
  switch (code) {
    case "3D000":
      return target
        ? `Database "${target.database}" does not exist on ${where}. Create it (createdb -h ${target.host} -p ${target.port} -U ${target.user} ${target.database}), or fix the database name in ${variable}.`
        : `The embedded database is missing its "postgres" database. Move ${fix} aside to start afresh.`;
    case "28P01":
      return `${where} rejected the password for user "${target?.user}". Fix the user name or password in ${variable}.`;
    case "28000":
      // "role … does not exist" or "no pg_hba.conf entry …": neither message carries a password.
      return `${where} refused user "${target?.user}": ${message}. Fix the user in ${variable}, or allow it in the server's pg_hba.conf.`;
    case "ECONNREFUSED":
      return `Cannot connect to ${where}: connection refused. Start PostgreSQL there, or fix the host and port in ${variable}.`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `Cannot resolve the database host "${target?.host}". Check the host name in ${variable} and this machine's DNS.`;
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `Cannot reach ${where} (${code}). Check the host and port in ${variable}, the network and any firewall.`;
    case "57P03":
      return `${where} is not accepting connections yet (starting up or shutting down). Try again in a moment.`;
    case "53300":
      return `${where} has no free connection slots (too many connections). Close other clients or raise max_connections, then start again.`;
    case "42501":
      return `User "${target?.user}" lacks a privilege the gateway needs on ${where}: ${message}. Use the database owner in ${variable} (see docs/operations.md).`;
  }
  if (target && /connection timeout|timeout expired/i.test(message)) {
    const after = context.connectTimeoutMs ? ` within ${context.connectTimeoutMs} ms (DB_CONNECT_TIMEOUT_MS)` : "";
    return `Cannot reach ${where}: no answer${after}. Check the host and port in ${variable}, the network and any firewall.`;
  }
  if (target && /Connection terminated unexpectedly/i.test(message)) {
    return `${where} closed the connection before answering (not a PostgreSQL server, or it requires SSL). Check the host and port in ${variable}, or add sslmode=require.`;
  }
  if (target && /does not support SSL/i.test(message)) {
    return `${where} does not support SSL, but ${variable} asks for it. Remove sslmode from ${variable} or set sslmode=disable.`;
  }
  return null;
}
