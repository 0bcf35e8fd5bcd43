// The SQL renderer (src/render/) sends a JSON column as gateway.json_text() writes it; graphql-js sends
// JSON.stringify(JSON.parse(the column's text)). The two must be the same bytes for every value:
// numbers of every magnitude and notation, integer-like keys (JavaScript lists them first), escapes.
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.close());

/** gateway.json_text(v) and what graphql-js would send for v, for each JSON text. */
async function bothWays(texts: string[]): Promise<Array<{ input: string; sql: string; js: string }>> {
  const { rows } = await db.pool.query<{ input: string; sql: string; stored: string }>(
    `SELECT t AS input, gateway.json_text(t::jsonb) AS sql, t::jsonb::text AS stored FROM unnest($1::text[]) AS t`,
    [texts],
  );
  return rows.map((r) => ({ input: r.input, sql: r.sql, js: JSON.stringify(JSON.parse(r.stored)) }));
}

/** A deterministic pseudo-random source, so a failure can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

test("numbers: every magnitude and notation, as JavaScript writes the nearest double, or left to graphql-js", async () => {
  const next = random(42);
  const texts = [
    "0",
    "-0",
    "1",
    "-1",
    "1.0",
    "1.50",
    "1e2",
    "1E-7",
    "0.1",
    "0.0001",
    "0.00001",
    "0.000001",
    "0.0000001",
    "1e21",
    "1e20",
    "123456789012345678901",
    "12345678901234567890",
    "9007199254740993",
    "1e15",
    "1e16",
    "100000000000000000000",
    "5e-324",
    "1e-400",
    "-1e-400",
    "1e400",
    "-1e400",
    "1.7976931348623157e308",
    "1.7976931348623159e308",
    "2.2250738585072014e-308",
    "0.30000000000000004",
    "123.456e-10",
    "-98765.4321e12",
  ];
  for (let i = 0; i < 3000; i++) {
    const exponent = Math.floor(next() * 640) - 325;
    const value = (next() - 0.5) * 10 ** exponent;
    texts.push(String(value), value.toPrecision(1 + Math.floor(next() * 20)), Math.round(value).toString());
  }
  const valid = texts.filter((t) => Number.isFinite(Number(t)));
  expect(valid.length).toBeGreaterThan(8000);
  let exact = 0;
  for (const { input, sql, js } of await bothWays(valid)) {
    // \u0000: a number the renderer leaves to graphql-js (more than 15 significant digits, out of range).
    if (sql === "\\u0000")
      expect(
        input
          .replace(/^-|[.]|e.*$/gi, "")
          .replace(/^0+/, "")
          .replace(/0+$/, "").length > 15 ||
          !Number.isFinite(Number(input)) ||
          Math.abs(Number(input)) < 1e-300 ||
          Math.abs(Number(input)) > 1e300,
        input,
      ).toBe(true);
    else {
      expect(sql, input).toBe(js);
      exact++;
    }
  }
  expect(exact).toBeGreaterThan(4000);
});

test("objects, arrays, strings and literals: key order, escapes, nesting", async () => {
  const texts = [
    `{}`,
    `[]`,
    `null`,
    `true`,
    `false`,
    `""`,
    `{"b": 1, "a": 2, "10": 3, "2": 4, "01": 5, "-1": 6, "4294967294": 7, "4294967295": 8, "1.5": 9, "": 10}`,
    `{"a": {"z": [1, {"9": null, "x": [true, false, []]}], "y": {}}, "list": [[], [[]], {"k": "v"}]}`,
    JSON.stringify({ s: 'quote " backslash \\ slash / newline \n tab \t cr \r bell \u0007 unit \u001f del \u007f', u: "é ✓ 😀 \u2028 \u2029" }),
    `{"dup": 1, "dup": 2}`,
    `[1.0, 2.50, -0, 0.000001, 1e21, 1E-7]`,
  ];
  for (const { input, sql, js } of await bothWays(texts)) expect(sql, input).toBe(js);
  // A number it cannot write exactly marks the whole value, so graphql-js answers instead.
  const [uncertain] = await bothWays([`{"a": [1, 12345678901234567890], "b": 1e400}`]);
  expect(uncertain.sql).toContain("\\u0000");
});
