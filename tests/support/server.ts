// Small helpers for managing databases on a PostgreSQL server (used by the global setup and test files).
import pg from "pg";
import { quoteIdent } from "../../src/lib/sql.ts";

export { quoteIdent };

/** The same server URL, pointing at another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  client.on("error", () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** WITH (FORCE) disconnects whatever a test left open (pools, Prisma clients) instead of failing. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

/**
 * CREATE DATABASE ... TEMPLATE fails with 55006 while anything is connected to the template; that is
 * transient (e.g. a concurrent CREATE DATABASE from it), so retry briefly.
 */
export async function createDatabaseFrom(adminUrl: string, name: string, template: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`));
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== "55006" || attempt >= 20) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
