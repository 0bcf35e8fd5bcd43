// How a command finds its database: a DATABASE_URL (a real PostgreSQL server) when given, otherwise
// the embedded PGlite, persisted in a folder and started in this process.
import { startEmbeddedPostgres } from "./embedded.ts";
import { applyMigrations } from "./migrate.ts";

export interface OpenedDatabase {
  url: string;
  /** true when this process started the embedded PGlite; it lives only as long as the process. */
  embedded: boolean;
  /** Stops the embedded database (no-op for DATABASE_URL). Close your pools/Prisma clients first. */
  close: () => Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A PostgreSQL server's URL; null or empty: the embedded PGlite. */
  databaseUrl: string | null;
  /** The embedded database's folder (default <repo>/.data/pglite); unused with databaseUrl. */
  dataDir?: string;
  /**
   * Apply pending migrations to the embedded database when this opens it (default true), so a
   * command works on a fresh clone. A databaseUrl database is never migrated here: its callers
   * migrate it on purpose (`npm start` at every start, `npm run db:migrate`).
   */
  migrateEmbedded?: boolean;
  /** Port for the embedded socket server (default: any free port). */
  port?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const url = options.databaseUrl?.trim();
  if (url) return { url, embedded: false, close: async () => {} };

  const embedded = await startEmbeddedPostgres({ dataDir: options.dataDir, port: options.port });
  try {
    if (options.migrateEmbedded ?? true) await applyMigrations(embedded.url);
  } catch (err) {
    await embedded.stop();
    throw err;
  }
  return { url: embedded.url, embedded: true, close: embedded.stop };
}
