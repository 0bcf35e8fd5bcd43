/**
 * A real gateway for tests: the production createGateway() on a test database, listening on a free
 * loopback port, with tokens signed like Supabase's. gql() sends GraphQL over HTTP as a role.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { signDevToken, type TokenRole } from "../../src/context/auth.ts";
import { createDatabase, type Database } from "../../src/db/client.ts";
import { createLogger } from "../../src/logger.ts";
import { schema } from "../../src/schema/index.ts";
import { createGateway, type Gateway } from "../../src/server.ts";
import { createTestDatabase, type TestDatabase } from "./test-database.ts";
import { startApprovalExpirySweep } from "../../src/jobs/approval-expiry.ts";
import { startGatewayEvents, type GatewayEvents, type GatewayEventsOptions } from "../../src/pubsub/index.ts";
import { testVault } from "./vault.ts";

export const TEST_JWT_SECRET = "test-secret-for-the-hotdash-gateway-suite-0123456789";

export type TestRole = "anon" | TokenRole;

export interface GqlOptions {
  role?: TestRole;
  /** JWT sub claim; defaults to `<role>-user`. */
  sub?: string;
  /** Raw Authorization header (overrides role). */
  authorization?: string;
  headers?: Record<string, string>;
  /** Which operation of a multi-operation document to run. */
  operationName?: string;
}

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions: Record<string, any>;
}

export interface GqlResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T | null; errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, any> }> };
}

/** The first error of a response that must have failed (fails the test otherwise). */
export function firstError(res: GqlResponse): GqlError {
  expect(res.body.errors?.length, JSON.stringify(res.body)).toBeGreaterThan(0);
  return res.body.errors![0] as GqlError;
}

export interface TestGateway {
  url: string;
  /** /metrics on its own port, when started with METRICS_PORT. */
  metricsUrl?: string;
  gateway: Gateway;
  database: Database;
  /** Live events (subscriptions), when started with `events`. */
  events?: GatewayEvents;
  token(role: TokenRole, sub?: string): Promise<string>;
  gql<T = any>(query: string, variables?: Record<string, unknown>, options?: GqlOptions): Promise<GqlResponse<T>>;
  /** Runs an operation and returns its data, failing the test on any GraphQL error. */
  data<T = any>(query: string, variables?: Record<string, unknown>, options?: GqlOptions): Promise<T>;
  /** Runs an operation that must fail and returns its first error. */
  failure(query: string, variables?: Record<string, unknown>, options?: GqlOptions): Promise<GqlError>;
  close(): Promise<void>;
}

export async function startTestGateway({
  databaseUrl,
  poolMax = 5,
  env = {},
  events: eventOptions,
  logs,
  graphiqlToken,
}: {
  databaseUrl: string;
  poolMax?: number;
  env?: Record<string, string>;
  /**
   * Start live events (LISTEN/NOTIFY, expiry sweep) as src/index.ts does; the sweep is off unless expirySweepMs is given.
   * listenUrl is DATABASE_LISTEN_URL (default databaseUrl).
   */
  events?: Pick<GatewayEventsOptions, "heartbeatMs" | "deliveryCheckMs"> & { expirySweepMs?: number; listenUrl?: string };
  /** Collects the gateway's log lines (every level) here instead of printing errors. */
  logs?: string[];
  /** Pre-fills GraphiQL's Authorization header (createGateway's graphiqlToken). */
  graphiqlToken?: string;
}): Promise<TestGateway> {
  const config = {
    // TRUSTED_DOCUMENTS off unless a test sets it: most tests send ad-hoc documents (tests/trusted-documents.test.ts covers the modes).
    ...loadConfig({ DATABASE_URL: databaseUrl, SUPABASE_JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: "error", TRUSTED_DOCUMENTS: "off", ...env }),
    port: 0,
    host: "127.0.0.1",
  };
  const database = createDatabase(databaseUrl, { ...config.db, poolMax });
  const events = eventOptions
    ? await startGatewayEvents({
        databaseUrl: eventOptions.listenUrl ?? databaseUrl,
        prisma: database.prisma,
        pool: database.pool,
        heartbeatMs: eventOptions.heartbeatMs,
        deliveryCheckMs: eventOptions.deliveryCheckMs,
      })
    : undefined;
  const sweepMs = eventOptions?.expirySweepMs ?? 0;
  const stopSweep = sweepMs > 0 ? startApprovalExpirySweep(database.prisma, { intervalMs: sweepMs }) : async () => {};
  const logger = logs ? createLogger("debug", { write: (line) => void logs.push(line) }) : createLogger(config.logLevel);
  const gateway = createGateway({ config, database, schema, logger, events, vault: testVault, graphiqlToken });
  const { url, metricsUrl } = await gateway.listen();

  const token = (role: TokenRole, sub = `${role}-user`) => signDevToken(TEST_JWT_SECRET, role, { sub, expiresIn: "1h" });

  async function gql<T>(query: string, variables?: Record<string, unknown>, options: GqlOptions = {}): Promise<GqlResponse<T>> {
    const role = options.role ?? "service_role";
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/graphql-response+json", ...options.headers };
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    else if (role !== "anon") headers.authorization = `Bearer ${await token(role, options.sub)}`;
    const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ query, variables, operationName: options.operationName }) });
    return { status: response.status, headers: response.headers, body: await response.json() };
  }

  const data = async <T>(query: string, variables?: Record<string, unknown>, options?: GqlOptions): Promise<T> => {
    const res = await gql<T>(query, variables, options);
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
    return res.body.data as T;
  };
  const failure = async (query: string, variables?: Record<string, unknown>, options?: GqlOptions): Promise<GqlError> =>
    firstError(await gql(query, variables, options));

  return {
    url,
    metricsUrl,
    gateway,
    database,
    token,
    gql,
    data,
    failure,
    events,
    close: async () => {
      await stopSweep();
      await events?.close(); // ends open subscriptions first, so the HTTP server closes at once
      await gateway.close();
      await database.close();
    },
  };
}

/**
 * The usual test-file fixture: a fresh migrated database and a gateway on it, created before the
 * file's tests and closed after them. `ready` receives both once they exist.
 */
export function useTestGateway(
  ready: (db: TestDatabase, gw: TestGateway) => void,
  options: Omit<Parameters<typeof startTestGateway>[0], "databaseUrl"> = {},
): void {
  let db: TestDatabase | undefined;
  let gw: TestGateway | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    gw = await startTestGateway({ databaseUrl: db.url, ...options });
    ready(db, gw);
  });
  afterAll(async () => {
    await gw?.close();
    await db?.close();
  });
}
