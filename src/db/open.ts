// How a command finds its database: DATABASE_URL when set (a real PostgreSQL server), otherwise the
// embedded PGlite default persisted in .data/pglite (or PGLITE_DATA_DIR), started in this process.
import { startEmbeddedPostgres } from "./embedded.ts";
import { applyMigrations } from "./migrate.ts";

export interface OpenedDatabase {
  url: string;
  /** true when this process started the embedded PGlite; it lives only as long as the process. */
  embedded: boolean;
  /** Stops the embedded database (no-op for DATABASE_URL). Close your pools/Prisma clients first. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /**
   * Apply pending migrations when the embedded default is used (default true), so `npm start` works
   * on a fresh clone. A DATABASE_URL database is never migrated implicitly: run `npm run db:migrate`.
   */
  migrateEmbedded?: boolean;
  /** Port for the embedded socket server (default: any free port). */
  port?: number;
  env?: NodeJS.ProcessEnv;
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const env = options.env ?? process.env;
  const url = env.DATABASE_URL?.trim();
  if (url) return { url, embedded: false, close: async () => {} };

  const embedded = await startEmbeddedPostgres({ dataDir: env.PGLITE_DATA_DIR || undefined, port: options.port });
  try {
    if (options.migrateEmbedded ?? true) await applyMigrations(embedded.url);
  } catch (err) {
    await embedded.stop();
    throw err;
  }
  return { url: embedded.url, embedded: true, close: embedded.stop };
}
