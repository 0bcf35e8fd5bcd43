/**
 * One statement run straight in PostgreSQL as an API role with JWT claims, the gateway's way
 * (transaction-local role and claims), committed: for tests that prove the database refuses on its
 * own, without the GraphQL layer in front.
 */
import type pg from "pg";

export async function sqlAs<T = Record<string, unknown>>(
  pool: pg.Pool,
  role: string,
  claims: object,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(`SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`, [role, JSON.stringify(claims)]);
    const result = await client.query(text, params);
    await client.query("COMMIT");
    return result.rows as T[];
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
}

/** "ok", or the SQLSTATE the statement failed with. */
export const sqlState = (promise: Promise<unknown>): Promise<string | undefined> =>
  promise.then(
    () => "ok",
    (e: { code?: string }) => e.code,
  );
