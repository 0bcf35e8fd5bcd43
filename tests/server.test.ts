// The gateway's HTTP and execution machinery against real databases (tests/support): configuration,
// /health and /ready, the per-operation RLS transaction, error masking, request ids and query limits.
// It uses a tiny schema of its own so it tests the plumbing, not the product schema.
import { createServer } from "node:net";
import {
  GraphQLError,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  getIntrospectionQuery,
  type GraphQLFieldConfigMap,
} from "graphql";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from "../src/config.ts";
import { signDevToken } from "../src/context/auth.ts";
import { countArgBound } from "../src/schema/bounds.ts";
import type { GatewayContext } from "../src/context/types.ts";
import { createDatabase, type Database } from "../src/db/client.ts";
import { createLogger } from "../src/logger.ts";
import { NO_CATALOGUE } from "../src/catalogue/index.ts";
import { createGateway, type Gateway } from "../src/server.ts";
import { databaseUrl, quoteIdent, withAdmin } from "./support/server.ts";
import { createTestDatabase, type TestDatabase } from "./support/test-database.ts";

const SECRET = "server-test-secret-0123456789-abcdefghij";

// ───────────────────────────── test schema ─────────────────────────────

const Viewer = new GraphQLObjectType({
  name: "Viewer",
  fields: { role: { type: GraphQLString }, subject: { type: GraphQLString } },
});

const Session = new GraphQLObjectType({
  name: "Session",
  fields: { currentUser: { type: GraphQLString }, claims: { type: GraphQLString } },
});

const Tree: GraphQLObjectType = new GraphQLObjectType({
  name: "Tree",
  fields: () => ({ n: { type: GraphQLInt }, child: { type: Tree, resolve: () => ({ n: 1 }) } }),
});

const query: GraphQLFieldConfigMap<unknown, GatewayContext> = {
  viewer: { type: Viewer, resolve: (_root, _args, ctx) => ctx.viewer },
  session: {
    type: Session,
    resolve: async (_root, _args, ctx) =>
      (await ctx.db.$queryRaw<unknown[]>`select current_user::text as "currentUser", current_setting('request.jwt.claims', true) as claims`)[0],
  },
  boom: {
    type: GraphQLString,
    resolve: () => {
      throw new Error("secret internal detail: password=hunter2");
    },
  },
  badSql: {
    type: GraphQLString,
    resolve: async (_root, _args, ctx) => {
      await ctx.db.$queryRawUnsafe("select * from no_such_table_xyz");
      return "unreachable";
    },
  },
  notFound: {
    type: GraphQLString,
    resolve: () => {
      throw new GraphQLError("No such thing.", { extensions: { code: "NOT_FOUND" } });
    },
  },
  sleep: {
    type: GraphQLString,
    args: { ms: { type: new GraphQLNonNull(GraphQLInt) } },
    resolve: async (_root, { ms }: { ms: number }, ctx) => {
      await ctx.db.$queryRaw`select pg_sleep(${ms / 1000})::text`;
      return "woke";
    },
  },
  tree: { type: Tree, args: { first: { type: GraphQLInt } }, resolve: () => ({ n: 0 }) },
  // A list with a declared bound, as the product schema's helpers declare them.
  trees: {
    type: new GraphQLList(Tree),
    args: { first: { type: GraphQLInt } },
    ...countArgBound("first", 10, 1000),
    resolve: (_root, { first }: { first?: number }) => Array.from({ length: first ?? 10 }, (_, n) => ({ n })),
  },
};

const mutation: GraphQLFieldConfigMap<unknown, GatewayContext> = {
  addSupplier: {
    type: GraphQLString,
    args: { name: { type: new GraphQLNonNull(GraphQLString) }, leadTimeDays: { type: GraphQLInt } },
    resolve: async (_root, { name, leadTimeDays }: { name: string; leadTimeDays?: number }, ctx) =>
      (await ctx.db.supplierLeadTime.create({ data: { supplier: name, leadTimeDays: leadTimeDays ?? 3 } })).supplier,
  },
};

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: "Query", fields: query }),
  mutation: new GraphQLObjectType({ name: "Mutation", fields: mutation }),
});

// ───────────────────────────── helpers ─────────────────────────────

interface Running {
  endpoint: string;
  base: string;
  database: Database;
  gateway: Gateway;
  logs: string[];
  close(): Promise<void>;
}

async function startGateway(databaseUrl: string, env: Record<string, string> = {}): Promise<Running> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, SUPABASE_JWT_SECRET: SECRET, PORT: "0", ...env });
  const logs: string[] = [];
  const logger = createLogger("debug", { write: (line) => void logs.push(line) });
  const database = createDatabase(databaseUrl, {
    poolMax: config.db.poolMax,
    queryTimeoutMs: config.db.queryTimeoutMs,
    txMaxWaitMs: config.db.txMaxWaitMs,
    connectTimeoutMs: config.db.connectTimeoutMs,
  });
  // This file's own small schema: no catalogue, any document.
  const gateway = createGateway({ config: { ...config, trustedDocuments: "off" }, database, schema, logger, catalogue: NO_CATALOGUE });
  const { url } = await gateway.listen();
  return {
    endpoint: url,
    base: new URL(url).origin,
    database,
    gateway,
    logs,
    close: async () => {
      await gateway.close();
      await database.close();
    },
  };
}

interface GqlOptions {
  token?: string;
  headers?: Record<string, string>;
  variables?: Record<string, unknown>;
}

async function gql(endpoint: string, query: string, { token, headers, variables }: GqlOptions = {}) {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json",
      ...(token !== undefined && { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: JSON.parse(text) };
}

/** A TCP port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ───────────────────────────── config ─────────────────────────────

describe("config", () => {
  test("defaults in embedded mode, with a warning about the development secret", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: "127.0.0.1",
      databaseUrl: null,
      jwtSecret: DEVELOPMENT_JWT_SECRET,
      jwtSecretSource: "development-default",
      db: { poolMax: 10 },
      dataDir: ".data",
      logLevel: "info",
      printDevTokens: true,
    });
    expect(config.warnings.join("\n")).toMatch(/SUPABASE_JWT_SECRET is not set/);
  });

  test("reports every problem at once, one line each, without echoing secrets", () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: "http",
        HOST: "",
        DATABASE_URL: "mysql://root:topsecretpw@db/x",
        SUPABASE_JWT_SECRET: "too-short",
        DB_POOL_MAX: "0",
        DB_TX_TIMEOUT_MS: "soon",
        LOG_LEVEL: "chatty",
        ANON_MAX_DEPTH: "-3",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(7);
    for (const variable of ["PORT", "DATABASE_URL", "SUPABASE_JWT_SECRET", "DB_POOL_MAX", "DB_TX_TIMEOUT_MS", "LOG_LEVEL", "ANON_MAX_DEPTH"]) {
      expect(problems.filter((p) => p.startsWith(`${variable}: `))).toHaveLength(1);
    }
    expect((error as Error).message).not.toMatch(/topsecretpw|too-short/);
  });

  test("budgets per role from <ROLE>_MAX_*; the retired GRAPHQL_MAX_DEPTH/COST are refused, naming what replaced them", () => {
    const config = loadConfig({ ANON_MAX_COST: "500", SERVICE_ROLE_MAX_BODY_BYTES: "1048576" });
    expect(config.budgets.anon).toMatchObject({ maxCost: 500, maxDepth: 8 });
    expect(config.budgets.service_role.maxBodyBytes).toBe(1_048_576);
    expect(config.budgets.authenticated).toMatchObject({ maxDepth: 12, maxCost: 1_000_000 });
    expect(() => loadConfig({ GRAPHQL_MAX_DEPTH: "12", GRAPHQL_MAX_COST: "200000" })).toThrow(
      /GRAPHQL_MAX_DEPTH: replaced by ANON_MAX_DEPTH, AUTHENTICATED_MAX_DEPTH and SERVICE_ROLE_MAX_DEPTH; remove it[\s\S]*GRAPHQL_MAX_COST: replaced by ANON_MAX_COST/,
    );
  });

  test("a secret is required with DATABASE_URL, and it must not be the public development one", () => {
    expect(() => loadConfig({ DATABASE_URL: "postgres://x@localhost/db" })).toThrow(
      /SUPABASE_URL or SUPABASE_JWT_SECRET: one is required when DATABASE_URL is set/,
    );
    expect(() => loadConfig({ DATABASE_URL: "postgres://x@localhost/db", SUPABASE_JWT_SECRET: DEVELOPMENT_JWT_SECRET })).toThrow(
      /must not be the public development secret/,
    );
    const config = loadConfig({ DATABASE_URL: "postgresql://x@localhost/db", SUPABASE_JWT_SECRET: SECRET, DB_POOL_MAX: "3", LOG_LEVEL: "WARN" });
    // No development-secret warning; only the one about /metrics open on the main port (tests/metrics.test.ts).
    expect(config).toMatchObject({
      jwtSecretSource: "env",
      db: { poolMax: 3 },
      logLevel: "warn",
      printDevTokens: false,
      warnings: [expect.stringMatching(/^\/metrics is served on the main port without a token/)],
    });
  });
});

// ───────────────────────────── against a live database ─────────────────────────────

describe("gateway on a live database", () => {
  let db: TestDatabase;
  let gw: Running;
  let tokens: { authenticated: string; service: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    // One pooled connection: every request reuses it, so leaks of role/claims would show.
    gw = await startGateway(db.url, {
      DB_POOL_MAX: "1",
      ANON_MAX_DEPTH: "4",
      ANON_MAX_COST: "200",
      SERVICE_ROLE_MAX_DEPTH: "6",
      SERVICE_ROLE_MAX_COST: "2000",
      GRAPHQL_MAX_ALIASES: "3",
      GRAPHQL_MAX_TOKENS: "1000",
    });
    tokens = {
      authenticated: await signDevToken(SECRET, "authenticated", { sub: "user-1" }),
      service: await signDevToken(SECRET, "service_role", { sub: "svc" }),
    };
  });
  afterAll(async () => {
    await gw?.close();
    await db?.close();
  });

  test("/health answers 200", async () => {
    const res = await fetch(`${gw.base}/health`);
    expect(res.status).toBe(200);
  });

  test("/ready answers 200 with status ready", async () => {
    const res = await fetch(`${gw.base}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready" });
  });

  test("GraphiQL is served on GET /graphql", async () => {
    const res = await fetch(gw.endpoint, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/HotDash Gateway/);
  });

  test("each request runs as the token's role with its claims, and the connection is clean afterwards", async () => {
    const asUser = await gql(gw.endpoint, "{ session { currentUser claims } }", { token: tokens.authenticated });
    expect(asUser.status).toBe(200);
    expect(asUser.body.data.session.currentUser).toBe("authenticated");
    expect(JSON.parse(asUser.body.data.session.claims)).toMatchObject({ role: "authenticated", sub: "user-1" });

    const asService = await gql(gw.endpoint, "{ session { currentUser } }", { token: tokens.service });
    expect(asService.body.data.session.currentUser).toBe("service_role");

    const asAnon = await gql(gw.endpoint, "{ session { currentUser claims } }");
    expect(asAnon.body.data.session).toEqual({ currentUser: "anon", claims: JSON.stringify({ role: "anon" }) });

    // Same (only) pooled connection, outside any request: back to the login role, no claims left.
    const { rows } = await gw.database.pool.query(
      "select current_user::text as user, session_user::text as login, coalesce(current_setting('request.jwt.claims', true), '') as claims",
    );
    expect(rows[0].user).toBe(rows[0].login);
    expect(rows[0].claims).toBe("");
  });

  test("a query costs BEGIN + role switch + its own SQL + COMMIT on the statement counter", async () => {
    const before = gw.database.statementCount();
    await gql(gw.endpoint, "{ session { currentUser } }", { token: tokens.authenticated });
    expect(gw.database.statementCount() - before).toBe(4);
  });

  test("x-request-id is echoed when sane, replaced when not", async () => {
    const given = await gql(gw.endpoint, "{ viewer { role } }", { headers: { "x-request-id": "trace-42.a_b:c" } });
    expect(given.headers.get("x-request-id")).toBe("trace-42.a_b:c");

    const forged = await gql(gw.endpoint, "{ viewer { role } }", { headers: { "x-request-id": "bad id\twith spaces" } });
    expect(forged.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);

    const none = await fetch(`${gw.base}/health`);
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("an internal error is masked: no message, stack or SQL reaches the client; the log has it with the request id", async () => {
    const res = await gql(gw.endpoint, "{ boom }", { headers: { "x-request-id": "mask-test-1" } });
    expect(res.status).toBe(200); // execution happened: data is present (null field)
    expect(res.body.data).toEqual({ boom: null });
    expect(res.body.errors).toEqual([
      {
        message: "Unexpected error.",
        locations: [{ line: 1, column: 3 }],
        path: ["boom"],
        extensions: { code: "INTERNAL_SERVER_ERROR", requestId: "mask-test-1" },
      },
    ]);
    expect(res.headers.get("x-request-id")).toBe("mask-test-1");
    expect(res.text).not.toMatch(/hunter2|stack|\.ts:/);

    const logged = gw.logs.map((l) => JSON.parse(l)).find((l) => l.level === "error" && l.requestId === "mask-test-1");
    expect(logged?.err?.message).toMatch(/hunter2/);

    const sql = await gql(gw.endpoint, "{ badSql }", { token: tokens.service });
    expect(sql.body.errors[0]).toMatchObject({ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } });
    expect(sql.body.errors[0].extensions.requestId).toBe(sql.headers.get("x-request-id"));
    expect(sql.text).not.toMatch(/no_such_table|42P01|select/i);
  });

  test("GraphQLErrors with a code pass through unchanged (plus the request id)", async () => {
    const res = await gql(gw.endpoint, "{ notFound }");
    expect(res.body.errors[0]).toMatchObject({ message: "No such thing.", extensions: { code: "NOT_FOUND" } });
    expect(res.body.errors[0].extensions.requestId).toBe(res.headers.get("x-request-id"));
  });

  test("database errors get stable codes: RLS denial FORBIDDEN, check violation BAD_USER_INPUT", async () => {
    const denied = await gql(gw.endpoint, `mutation { addSupplier(name: "by-user") }`, { token: tokens.authenticated });
    expect(denied.body.errors[0].extensions.code).toBe("FORBIDDEN");
    expect(denied.text).not.toMatch(/supplier_lead_times|permission denied/);

    const invalid = await gql(gw.endpoint, `mutation { addSupplier(name: "negative", leadTimeDays: -5) }`, { token: tokens.service });
    expect(invalid.body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(invalid.text).not.toMatch(/lead_check/);
  });

  test("a mutation operation is all-or-nothing: a failing field rolls back the fields before it", async () => {
    const ok = await gql(gw.endpoint, `mutation { a: addSupplier(name: "acme") }`, { token: tokens.service });
    expect(ok.body).toEqual({ data: { a: "acme" } });

    const res = await gql(gw.endpoint, `mutation { b: addSupplier(name: "globex") c: addSupplier(name: "acme") }`, { token: tokens.service });
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0]).toMatchObject({ path: ["c"], extensions: { code: "CONFLICT" } });

    const { rows } = await db.pool.query("select supplier from supplier_lead_times where supplier in ('acme', 'globex') order by 1");
    expect(rows.map((r) => r.supplier)).toEqual(["acme"]);
  });

  test("limits: depth, aliases, cost and tokens are rejected with 400 and stable codes, before any SQL", async () => {
    const before = gw.database.statementCount();
    const deep = await gql(gw.endpoint, "{ tree { child { child { child { child { n } } } } } }");
    expect(deep.status).toBe(400);
    expect(deep.body.errors[0]).toMatchObject({ message: "Query depth 6 exceeds the anon limit of 4.", extensions: { code: "QUERY_TOO_DEEP" } });
    expect(deep.body.data).toBeUndefined();

    const aliases = await gql(gw.endpoint, "{ a: viewer { role } b: viewer { role } c: viewer { role } d: viewer { role } }");
    expect(aliases.status).toBe(400);
    expect(aliases.body.errors[0].extensions.code).toBe("TOO_MANY_ALIASES");

    // 1 + 100 × (n + child + child.n) = 301 > 200; the message names the estimate, the budget and the path.
    const costly = await gql(gw.endpoint, "{ trees(first: 100) { n child { n } } }");
    expect(costly.status).toBe(400);
    expect(costly.body.errors[0].extensions).toMatchObject({ code: "QUERY_TOO_COSTLY", cost: 301, maxCost: 200, path: "trees" });
    expect(costly.body.errors[0].message).toMatch(
      /^Query cost estimate 301 exceeds the anon budget of 200; the largest term is trees \(up to 100 items\)/,
    );

    // Variables count like literals, and an absent `first` counts at its default (10).
    const byVariable = await gql(gw.endpoint, "query ($n: Int) { trees(first: $n) { n child { n } } }", { variables: { n: 100 } });
    expect(byVariable.body.errors[0].extensions).toMatchObject({ code: "QUERY_TOO_COSTLY", cost: 301 });

    const long = await gql(gw.endpoint, `{ ${"__typename ".repeat(1001)} }`);
    expect(long.status).toBe(400);
    expect(long.body.errors[0].extensions.code).toBe("TOO_MANY_TOKENS");
    expect(gw.database.statementCount()).toBe(before);

    const byDefault = await gql(gw.endpoint, "{ trees { n child { n } } }");
    expect(byDefault.body).toEqual({ data: { trees: expect.any(Array) } });

    // Budgets are per role: the same documents fit service_role's.
    const asService = await gql(gw.endpoint, "{ trees(first: 100) { n child { n } } tree { child { child { child { child { n } } } } } }", {
      token: tokens.service,
    });
    expect(asService.status).toBe(200);
    expect(asService.body.data.trees).toHaveLength(100);

    // Introspection (GraphiQL, codegen) is exempt from depth and cost (service_role's depth here is 6).
    const introspection = await gql(gw.endpoint, getIntrospectionQuery(), { token: tokens.service });
    expect(introspection.status).toBe(200);
    expect(introspection.body.data.__schema.queryType.name).toBe("Query");
  });

  test("GraphQL-over-HTTP basics stay intact", async () => {
    const parse = await gql(gw.endpoint, "{ viewer { role ");
    expect(parse.status).toBe(400);
    expect(parse.headers.get("content-type")).toMatch(/application\/graphql-response\+json/);
    const invalid = await gql(gw.endpoint, "{ nope }");
    expect(invalid.status).toBe(400);
    const get = await fetch(`${gw.endpoint}?query=${encodeURIComponent("{ viewer { role } }")}`, {
      headers: { accept: "application/graphql-response+json" },
    });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { viewer: { role: "anon" } } });
  });
});

describe("gateway when the database is not there", () => {
  test("closed port: /health 200, /ready 503, GraphQL 503 DATABASE_UNAVAILABLE", async () => {
    const gw = await startGateway(`postgres://postgres@127.0.0.1:${await closedPort()}/nowhere`);
    try {
      expect((await fetch(`${gw.base}/health`)).status).toBe(200);

      const ready = await fetch(`${gw.base}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: "unavailable" });

      const res = await gql(gw.endpoint, "{ viewer { role } }", { headers: { "x-request-id": "db-down-1" } });
      expect(res.status).toBe(503);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors).toEqual([
        { message: "The database is unavailable.", extensions: { code: "DATABASE_UNAVAILABLE", requestId: "db-down-1" } },
      ]);
      expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    } finally {
      await gw.close();
    }
  });

  test("a database that disappears: /ready turns 503", async () => {
    const db = await createTestDatabase();
    const gw = await startGateway(db.url);
    try {
      expect((await fetch(`${gw.base}/ready`)).status).toBe(200);
      await db.close(); // drops the database (WITH FORCE) or stops the embedded server
      const ready = await fetch(`${gw.base}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: "unavailable" });
      expect((await fetch(`${gw.base}/health`)).status).toBe(200);
    } finally {
      await gw.close();
      await db.close();
    }
  });

  test.skipIf(inject("testDatabase").kind === "pglite")(
    "a database refusing connections (SQLSTATE 55000, ALLOW_CONNECTIONS false): 503 DATABASE_UNAVAILABLE, logged as such; it recovers",
    async () => {
      const db = await createTestDatabase();
      const gw = await startGateway(db.url);
      const name = decodeURIComponent(new URL(db.url).pathname.slice(1));
      const admin = databaseUrl(db.url, "postgres");
      const token = await signDevToken(SECRET, "authenticated");
      try {
        await withAdmin(admin, async (c) => {
          await c.query(`alter database ${quoteIdent(name)} allow_connections false`);
          await c.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [name]);
        });
        const res = await gql(gw.endpoint, "{ session { currentUser } }", { token });
        expect(res.status).toBe(503);
        expect(res.body.errors[0].extensions.code).toBe("DATABASE_UNAVAILABLE");
        expect(gw.logs.some((l) => l.includes('"code":"DATABASE_UNAVAILABLE"'))).toBe(true);
        await withAdmin(admin, (c) => c.query(`alter database ${quoteIdent(name)} allow_connections true`));
        const again = await gql(gw.endpoint, "{ session { currentUser } }", { token });
        expect(again.body).toEqual({ data: { session: { currentUser: "authenticated" } } });
      } finally {
        await withAdmin(admin, (c) => c.query(`alter database ${quoteIdent(name)} allow_connections true`));
        await gw.close();
        await db.close();
      }
    },
  );

  test("the role's time budget is enforced (AUTHENTICATED_TIMEOUT_MS): 503 TIMEOUT when it runs out, not when the SQL ends", async () => {
    const db = await createTestDatabase();
    const gw = await startGateway(db.url, { AUTHENTICATED_TIMEOUT_MS: "300" });
    try {
      const started = Date.now();
      const res = await gql(gw.endpoint, "{ sleep(ms: 4000) }", { token: await signDevToken(SECRET, "authenticated") });
      expect(res.status).toBe(503);
      expect(res.body.errors[0].extensions.code).toBe("TIMEOUT");
      expect(Date.now() - started).toBeLessThan(3000);
      // The stopped connection was replaced: the next operation runs normally.
      const next = await gql(gw.endpoint, "{ session { currentUser } }", { token: await signDevToken(SECRET, "authenticated") });
      expect(next.body).toEqual({ data: { session: { currentUser: "authenticated" } } });
    } finally {
      await gw.close();
      await db.close();
    }
  });
});
