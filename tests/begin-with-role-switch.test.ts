// An RLS transaction starts in one round trip: BEGIN travels with the role switch (src/db/begin.ts).
// The claims still arrive byte for byte (quotes, backslashes), a transaction that does not start with
// the role switch still begins before its first statement, and a failed transaction rolls back.
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createDatabase, type Database } from "../src/db/client.ts";
import { withRls } from "../src/db/rls.ts";
import type { Viewer } from "../src/auth/viewer.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

let db: TestDatabase;
let database: Database;
/** What each connection sent, per protocol message: simple queries and parsed (extended) statements. */
const sent: string[] = [];

type Connection = { query: (this: Connection, text: string) => unknown; parse: (this: Connection, q: { text: string }) => unknown };
const proto = (pg as unknown as { Connection: { prototype: Connection } }).Connection.prototype;
const simple = proto.query;
const parse = proto.parse;

beforeAll(async () => {
  db = await createTestDatabase();
  proto.query = function (this: Connection, text: string) {
    sent.push(`simple: ${text}`);
    return simple.call(this, text);
  };
  proto.parse = function (this: Connection, q: { text: string }) {
    sent.push(`parse: ${q.text}`);
    return parse.call(this, q);
  };
  database = createDatabase(db.url, { poolMax: 2 });
});
afterAll(async () => {
  proto.query = simple;
  proto.parse = parse;
  await database?.close();
  await db?.close();
});

const viewer = (claims: Record<string, unknown>): Viewer => ({ role: "authenticated", subject: "user-1", claims });

test("BEGIN and the role switch go in one message; the claims arrive intact", async () => {
  const claims = { sub: "user-1", role: "authenticated", email: `o'brien\\"x"@example.com`, note: "line\nbreak $1 $2" };
  sent.length = 0;
  const [row] = await withRls(
    database.prisma,
    viewer(claims),
    (tx) =>
      tx.$queryRaw<{ claims: string; role: string; in_transaction: boolean }[]>`
      SELECT current_setting('request.jwt.claims') AS claims, current_user AS role, now() = statement_timestamp() AS in_transaction`,
  );
  expect(JSON.parse(row.claims)).toEqual(claims);
  expect(row.role).toBe("authenticated");
  expect(row.in_transaction).toBe(false); // now() is the transaction's start: the statement ran inside it
  expect(sent[0]).toMatch(/^simple: BEGIN; select set_config\('role', 'authenticated', true\)/);
  expect(sent.filter((s) => /BEGIN/.test(s))).toHaveLength(1);
});

test("a transaction that does not start with the role switch still begins first", async () => {
  sent.length = 0;
  const [row] = await database.prisma.$transaction(async (tx) => tx.$queryRaw<{ same: boolean }[]>`SELECT now() = statement_timestamp() AS same`);
  expect(row.same).toBe(false);
  expect(sent[0]).toBe("simple: BEGIN");
});

test("a failing statement rolls the whole transaction back", async () => {
  await db.pool.query(`CREATE TABLE begin_probe (n int)`);
  await db.pool.query(`GRANT ALL ON begin_probe TO service_role`);
  const asService: Viewer = { role: "service_role", subject: null, claims: { role: "service_role" } };
  await expect(
    withRls(database.prisma, asService, async (tx) => {
      await tx.$executeRaw`INSERT INTO begin_probe VALUES (1)`;
      await tx.$executeRaw`SELECT 1 / 0`;
    }),
  ).rejects.toThrow();
  const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM begin_probe`);
  expect(rows[0].n).toBe(0);
});
