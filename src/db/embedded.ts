// Embedded PostgreSQL: PGlite (Postgres compiled to WASM) with pgvector, served over a local TCP socket
// so that `pg` and @prisma/adapter-pg reach it by URL exactly like a real server. One code path (pg +
// adapter-pg + migrate.ts) therefore covers the real server and the embedded default.
//
// Caveat: all socket connections share ONE backend session. Transactions are isolated (the socket
// server serves only the connection that holds an open transaction), but a session-level `SET`
// (without LOCAL) or a session advisory lock is shared by every connection.
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { applyMigrations, readMigrations } from "./migrate.ts";
import { isAlive } from "../lib/process.ts";

export const DEFAULT_PGLITE_DATA_DIR = fileURLToPath(new URL("../../.data/pglite", import.meta.url));

/** Part of the snapshot key: bump with the PGlite version or extension set so a reused cacheDir never serves an old build. */
const ENGINE_ID = "pglite-0.5.14+vector";

// The socket server rejects connections beyond this; pg pools (ours, Prisma's) stay far below it.
const MAX_SOCKET_CONNECTIONS = 64;

export class EmbeddedDatabaseError extends Error {
  override name = "EmbeddedDatabaseError";
  constructor(
    readonly code: "EMBEDDED_DB_LOCKED",
    message: string,
  ) {
    super(message);
  }
}

export interface EmbeddedDatabase {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** The in-process PGlite instance (queries through it bypass the socket's queue; prefer `url`). */
  db: PGlite;
  /** Closes the socket server (dropping client connections) and then PGlite. Idempotent. */
  stop: () => Promise<void>;
}

const createPglite = (options: { dataDir?: string; loadDataDir?: Blob }) => PGlite.create({ ...options, extensions: { vector } });

/** Serves a PGlite instance on 127.0.0.1 (port 0 = any free port). */
async function serve(db: PGlite, port = 0, onStop?: () => void): Promise<EmbeddedDatabase> {
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port, maxConnections: MAX_SOCKET_CONNECTIONS });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  const actualPort = Number(server.getServerConn().split(":").pop());
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${actualPort}/postgres`,
    port: actualPort,
    db,
    stop: () =>
      (stopping ??= (async () => {
        try {
          await server.stop();
        } finally {
          if (!db.closed) await db.close();
          onStop?.();
        }
      })()),
  };
}

/** A pid lock next to the data dir: two processes opening the same PGlite directory would corrupt it. */
function acquireDirLock(dataDir: string): () => void {
  const lockFile = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, "wx");
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number(readFileSync(lockFile, "utf8").trim());
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new EmbeddedDatabaseError(
          "EMBEDDED_DB_LOCKED",
          `The embedded database in ${dataDir} is in use by another process (pid ${owner}), probably another \`npm start\`. ` +
            `Stop that process, or set DATA_DIR to another folder (or DATABASE_URL to use PostgreSQL).`,
        );
      }
      rmSync(lockFile, { force: true }); // stale lock from a process that died
    }
  }
  throw new EmbeddedDatabaseError("EMBEDDED_DB_LOCKED", `Could not lock embedded database ${dataDir}`);
}

/**
 * The embedded default database, persisted in `dataDir` (default <repo>/.data/pglite, gitignored).
 * The first start runs initdb (a few seconds); later starts reopen the directory. Does not migrate.
 */
export async function startEmbeddedPostgres(options: { dataDir?: string; port?: number } = {}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir ?? DEFAULT_PGLITE_DATA_DIR);
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const release = acquireDirLock(dataDir);
  try {
    const db = await createPglite({ dataDir });
    return await serve(db, options.port, release);
  } catch (err) {
    release();
    throw err;
  }
}

export interface EphemeralOptions {
  /** Apply migrations (default true). false gives a pristine database. */
  migrate?: boolean;
  migrationsDir?: string;
  /** Also keep the snapshot as a file here, shared by processes (e.g. vitest workers). */
  cacheDir?: string;
  port?: number;
}

// Snapshots are keyed by engine + migration contents, so an edited migration never reuses a stale one.
const snapshots = new Map<string, Promise<Blob>>();

async function snapshotKey(options: EphemeralOptions): Promise<string> {
  const hash = createHash("sha256").update(ENGINE_ID);
  if (options.migrate !== false) {
    hash.update("\0migrated");
    for (const m of await readMigrations(options.migrationsDir)) hash.update(`\0${m.name}\0${m.checksum}`);
  }
  return hash.digest("hex").slice(0, 24);
}

async function buildSnapshot(options: EphemeralOptions): Promise<Blob> {
  const db = await createPglite({});
  const server = await serve(db);
  try {
    // Migrate through the socket with the same runner production uses.
    if (options.migrate !== false) await applyMigrations(server.url, { migrationsDir: options.migrationsDir });
    return await db.dumpDataDir("none");
  } finally {
    await server.stop();
  }
}

/**
 * The data-dir tarball of a fresh (optionally migrated) PGlite; cached per process and, with
 * `cacheDir`, on disk. Cloning it with loadDataDir takes ~0.3 s instead of ~2.5 s of initdb.
 */
export async function pgliteSnapshot(options: EphemeralOptions = {}): Promise<{ blob: Blob; file?: string }> {
  const key = await snapshotKey(options);
  const file = options.cacheDir ? path.join(options.cacheDir, `snapshot-${key}.tar`) : undefined;
  let pending = snapshots.get(key);
  if (!pending) {
    pending = (async () => {
      if (file && existsSync(file)) return new Blob([await readFile(file)]);
      const blob = await buildSnapshot(options);
      if (file) {
        // Write then rename: a concurrent reader never sees a half-written file.
        mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        await writeFile(tmp, new Uint8Array(await blob.arrayBuffer()));
        renameSync(tmp, file);
      }
      return blob;
    })();
    snapshots.set(key, pending);
    pending.catch(() => snapshots.delete(key));
  }
  return { blob: await pending, file };
}

/** An in-memory PGlite with pgvector, cloned from a cached snapshot (migrated unless `migrate: false`). */
export async function createEphemeralPglite(options: EphemeralOptions = {}): Promise<EmbeddedDatabase> {
  const { blob } = await pgliteSnapshot(options);
  return serve(await createPglite({ loadDataDir: blob }), options.port);
}

/** An in-memory PGlite cloned from a snapshot file written by pgliteSnapshot({ cacheDir }). */
export async function openPgliteSnapshot(file: string, port?: number): Promise<EmbeddedDatabase> {
  const blob = new Blob([await readFile(file)]);
  return serve(await createPglite({ loadDataDir: blob }), port);
}
