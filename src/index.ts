/**
 * `npm start`: validate the configuration, open the database (DATABASE_URL or the embedded PGlite),
 * migrate, load the demo data when embedded, serve, and shut down cleanly on SIGINT/SIGTERM.
 */
import path from "node:path";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { signDevToken } from "./context/auth.ts";
import { createDatabase } from "./db/client.ts";
import { applyMigrations } from "./db/migrate.ts";
import { openDatabase } from "./db/resolve-url.ts";
import { DEMO_OPERATORS, seedDemoData } from "./db/seed/demo.ts";
import { createLogger } from "./logger.ts";
import { schema } from "./schema/index.ts";
import { createGateway } from "./server.ts";
import { startGatewayEvents } from "./pubsub/index.ts";
import { initVault } from "./vault/index.ts";

const DEV_TOKEN_LIFETIME = "30d";
/** Upper bound for a graceful stop (the HTTP server itself gives in-flight requests 10 s). */
const SHUTDOWN_TIMEOUT_MS = 15_000;

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error("Invalid configuration:");
    for (const problem of error.problems) console.error(`  - ${problem}`);
    process.exit(1);
  }
}

const config = readConfig();
const logger = createLogger(config.logLevel);
for (const warning of config.warnings) logger.warn(warning);
const vault = initVault(process.env); // key already validated by loadConfig
if (vault.enabled) logger.info("credentials vault ready", { keyId: vault.keyId });
else logger.warn(vault.warning ?? "credentials vault disabled");

/** Resources to release on shutdown, closed in reverse order of opening. */
const openResources: Array<{ name: string; close: () => Promise<void> }> = [];

async function closeAll(): Promise<void> {
  for (const { name, close } of openResources.splice(0).reverse()) {
    await close().catch((err: unknown) => logger.error(`closing ${name} failed`, { err }));
  }
}

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    logger.warn("second signal: exiting without waiting", { signal });
    process.exit(1);
  }
  stopping = true;
  logger.info("shutting down", { signal });
  setTimeout(() => {
    logger.error("shutdown timed out");
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS).unref();
  await closeAll();
  process.exit(0);
}
process.on("SIGINT", (signal) => void stop(signal));
process.on("SIGTERM", (signal) => void stop(signal));

try {
  const opened = await openDatabase({
    migrateEmbedded: false, // migrated below, for both kinds of database
    env: {
      ...process.env,
      DATABASE_URL: config.databaseUrl ?? "",
      PGLITE_DATA_DIR: process.env.PGLITE_DATA_DIR || path.resolve(config.dataDir, "pglite"),
    },
  });
  openResources.push({ name: "embedded database", close: opened.close });

  const { applied } = await applyMigrations(opened.url);
  if (applied.length > 0) logger.info("migrations applied", { applied });
  if (opened.embedded) {
    const seed = await seedDemoData(opened.url); // idempotent: a no-op once demo data is there
    logger.info(seed.seeded ? "demo data loaded" : "demo data already present", { durationMs: seed.durationMs });
  }

  const database = createDatabase(opened.url, {
    poolMax: config.db.poolMax,
    queryTimeoutMs: config.db.queryTimeoutMs,
    txMaxWaitMs: config.db.txMaxWaitMs,
    connectTimeoutMs: config.db.connectTimeoutMs,
    onPoolError: (err) => logger.warn("an idle database connection failed", { err }),
  });
  openResources.push({ name: "database pool", close: database.close });
  // LISTEN/NOTIFY for the live approval queue, plus the periodic expiry sweep.
  const events = await startGatewayEvents({ databaseUrl: opened.url, prisma: database.prisma, pool: database.pool, logger });

  const tokens = config.printDevTokens
    ? {
        authenticated: await signDevToken(config.jwtSecret, "authenticated", { sub: DEMO_OPERATORS[0].sub, expiresIn: DEV_TOKEN_LIFETIME }),
        service_role: await signDevToken(config.jwtSecret, "service_role", { expiresIn: DEV_TOKEN_LIFETIME }),
      }
    : null;

  const gateway = createGateway({
    config,
    database,
    schema,
    logger,
    // The page is public: only a token signed with the public development secret may be baked in.
    graphiqlToken: config.jwtSecretSource === "development-default" ? tokens?.authenticated : undefined,
    events,
  });
  openResources.push({ name: "http server", close: gateway.close });
  // Closed before the HTTP server, so open event streams end first.
  openResources.push({ name: "live events", close: events.close });
  const { url } = await gateway.listen();

  printBanner(url, opened.embedded, tokens);
} catch (err) {
  logger.error("startup failed", { err });
  await closeAll();
  process.exit(1);
}

function printBanner(url: string, embedded: boolean, tokens: { authenticated: string; service_role: string } | null): void {
  const origin = new URL(url).origin;
  const lines = [
    "",
    "HotDash Gateway is running",
    `  GraphiQL   ${url}`,
    `  Health     ${origin}/health   Ready ${origin}/ready`,
    `  Database   ${embedded ? `embedded PGlite in ${path.resolve(config.dataDir, "pglite")} (demo data loaded)` : "PostgreSQL from DATABASE_URL"}`,
    "",
  ];
  if (tokens) {
    lines.push(
      `Development tokens (valid ${DEV_TOKEN_LIFETIME}); send one as the header  Authorization: Bearer <token>`,
      `  authenticated (sub ${DEMO_OPERATORS[0].sub}, ${DEMO_OPERATORS[0].name}):`,
      `    ${tokens.authenticated}`,
      "  service_role:",
      `    ${tokens.service_role}`,
      "",
      "Try:",
      `  curl -s ${url} -H 'content-type: application/json' \\`,
      `    -H 'authorization: Bearer ${tokens.authenticated}' \\`,
      `    -d '{"query":"{ viewer { role subject } }"}'`,
      "",
    );
  } else {
    lines.push("Send a Supabase JWT (HS256, role authenticated or service_role) as  Authorization: Bearer <token>.", "Set PRINT_DEV_TOKENS=true to print development tokens signed with SUPABASE_JWT_SECRET.", "");
  }
  console.log(lines.join("\n"));
}
