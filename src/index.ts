/**
 * `npm start`: validate the configuration, check the port and the database (fast, before anything
 * slow), open the database (DATABASE_URL or the embedded PGlite), migrate, load or re-anchor the demo
 * data when embedded, check the vault key against the stored secrets, serve, and shut down cleanly on
 * SIGINT/SIGTERM. A failure the operator can fix is one plain line (src/startup.ts).
 */
import { existsSync } from "node:fs";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { signDevToken } from "./context/auth.ts";
import { ensureDevAgentKey, type DevAgentKey } from "./auth/agent-keys.ts";
import type { KeySetHealth } from "./context/jwks.ts";
import { createDatabase } from "./db/client.ts";
import { applyMigrations, type MigrationProgress } from "./db/migrate.ts";
import { openDatabase } from "./db/open.ts";
import { DEMO_OPERATORS, seedDemoData } from "./db/seed/index.ts";
import { reanchorDemoData } from "./db/seed/reanchor.ts";
import { createLogger } from "./logger.ts";
import { schema } from "./schema/index.ts";
import { createGateway } from "./server.ts";
import { CONSOLE_PATH, consoleBuilt } from "./plugins/console.ts";
import { startGatewayEvents } from "./pubsub/index.ts";
import { EXPIRY_SWEEP_MS, startApprovalExpirySweep } from "./jobs/approval-expiry.ts";
import { checkDatabase, checkPortFree, describeStartupError } from "./startup.ts";
import { checkVaultKeys, KEY_ENV, openVault, PREVIOUS_KEYS_ENV, type VaultHealth, type VaultStatus } from "./vault/index.ts";
import { ensureEmbeddedVaultKey, type EmbeddedVaultKey } from "./vault/key-file.ts";

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
const pgliteDir = config.pgliteDataDir;
/** Progress for a newcomer: plain lines on stdout, like the banner (a first embedded start can take half a minute). */
const progress = (line: string) => console.log(line);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

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

/**
 * DATABASE_LISTEN_URL: the session connection (LISTEN, the migrations' advisory lock), DATABASE_URL's
 * own when unset. A failing step names the variable whose URL it used.
 */
const listenUrlIsOwn = config.databaseListenUrl !== config.databaseUrl;
let failingUrl = { url: config.databaseUrl, name: "DATABASE_URL" };
async function onListenUrl<T>(step: () => Promise<T>): Promise<T> {
  if (listenUrlIsOwn) failingUrl = { url: config.databaseListenUrl, name: "DATABASE_LISTEN_URL" };
  const result = await step();
  failingUrl = { url: config.databaseUrl, name: "DATABASE_URL" };
  return result;
}

try {
  // Fast checks first, so a busy port or a wrong DATABASE_URL is reported in a second, not after migrations.
  await checkPortFree(config.host, config.port);
  if (config.databaseUrl) await checkDatabase(config.databaseUrl, config.db.connectTimeoutMs);
  if (config.databaseListenUrl && listenUrlIsOwn) await onListenUrl(() => checkDatabase(config.databaseListenUrl!, config.db.connectTimeoutMs));

  // Embedded mode: the vault works out of the box with a key kept in the data folder (an explicit
  // CREDS_ENCRYPTION_KEY wins). With DATABASE_URL the key is always explicit.
  const vaultKeyFile: EmbeddedVaultKey | null = !config.databaseUrl && !config.credsEncryptionKey ? ensureEmbeddedVaultKey(config.dataDir) : null;
  const { vault, status: vaultStatus } = openVault({
    [KEY_ENV]: vaultKeyFile?.key ?? config.credsEncryptionKey ?? undefined,
    [PREVIOUS_KEYS_ENV]: config.credsPreviousKeys ?? undefined,
  }); // validated by loadConfig

  const firstEmbeddedStart = !config.databaseUrl && !existsSync(pgliteDir);
  if (firstEmbeddedStart) progress(`Creating the embedded database in ${pgliteDir} (first start only; this can take up to half a minute)…`);
  const opened = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: pgliteDir,
    migrateEmbedded: false, // migrated below, for both kinds of database
  });
  openResources.push({ name: "embedded database", close: opened.close });

  const migrationsStartedAt = Date.now();
  // On the session connection: the migrations hold a session-level advisory lock (and may SET things).
  const sessionUrl = config.databaseListenUrl ?? opened.url;
  const { applied } = await onListenUrl(() => applyMigrations(sessionUrl, { onProgress: reportMigration }));
  if (applied.length > 0) {
    progress(`Applied ${applied.length} migration${applied.length > 1 ? "s" : ""} in ${seconds(Date.now() - migrationsStartedAt)}.`);
    logger.info("migrations applied", { applied });
  }
  if (opened.embedded) {
    const seed = await seedDemoData(opened.url); // idempotent: a no-op once demo data is there
    if (seed.seeded) {
      const rows = Object.values(seed.counts).reduce((a, b) => a + b, 0);
      progress(`Loaded the demo data (${rows} rows ending ${seed.today}) in ${seconds(seed.durationMs)}.`);
    } else {
      // Keep the demo live: its dates move to today, so the tiles and the approval queue never go stale.
      const moved = await reanchorDemoData(opened.url);
      if (moved.shifted)
        progress(`Moved the demo data ${moved.days} day${moved.days > 1 ? "s" : ""} forward (anchored ${moved.from}, now ${moved.to}).`);
    }
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
  // A valid key can still be the wrong one: compare it with the key ids the stored secrets need.
  const vaultHealth = await checkVaultKeys(database.pool, vault.currentKeyring());
  reportVault(vaultStatus, vaultHealth, vaultKeyFile);
  // Embedded demo: a development agent key as well (kept in the data folder; the database has only its hash).
  const devAgentKey = opened.embedded && config.printDevTokens ? await ensureDevAgentKey(database.prisma, config.dataDir) : null;
  // LISTEN/NOTIFY for the live approval queue, and the periodic sweep that turns deadlines into expiries.
  const events = await onListenUrl(() => startGatewayEvents({ databaseUrl: sessionUrl, prisma: database.prisma, pool: database.pool, logger }));
  const stopExpirySweep = startApprovalExpirySweep(database.prisma, {
    intervalMs: EXPIRY_SWEEP_MS,
    onExpired: (count) => logger.info("Expired pending agent approvals past their deadline", { count }),
    onError: (error) => logger.warn("Approval expiry sweep failed; retrying next interval", { err: error }),
  });
  openResources.push({ name: "approval expiry sweep", close: stopExpirySweep });

  const tokens =
    config.printDevTokens && config.jwtSecret !== null
      ? {
          // Claims as Supabase puts them in a session, so the console can say who decided.
          authenticated: await signDevToken(config.jwtSecret, "authenticated", {
            sub: DEMO_OPERATORS[0].sub,
            expiresIn: DEV_TOKEN_LIFETIME,
            claims: { email: DEMO_OPERATORS[0].email, user_metadata: { full_name: DEMO_OPERATORS[0].name } },
          }),
          service_role: await signDevToken(config.jwtSecret, "service_role", { expiresIn: DEV_TOKEN_LIFETIME }),
        }
      : null;

  // GraphiQL's and the console's pages are public: only a token signed with the public development secret may be baked in.
  const pageToken = config.jwtSecretSource === "development-default" ? tokens?.authenticated : undefined;
  const gateway = createGateway({
    config,
    database,
    schema,
    logger,
    graphiqlToken: pageToken,
    events,
    vault,
    vaultHealth: () => checkVaultKeys(database.pool, vault.currentKeyring()),
  });
  openResources.push({ name: "http server", close: () => gateway.close() });
  // Closed before the HTTP server, so open event streams end first.
  openResources.push({ name: "live events", close: () => events.close() });
  const { url, metricsUrl } = await gateway.listen();

  // The key set's warm-up started with the gateway; report how it went (bounded by the fetch timeout).
  const keysHealth = await gateway.signingKeys?.ready();
  if (keysHealth?.status === "UNAVAILABLE") {
    console.error(
      `\n*** The project's signing keys could not be loaded from ${keysHealth.source}: ${keysHealth.lastError}.\n*** ES256/RS256 tokens get 503 and /ready answers 503 until they load (retried every ${config.tokens.timing.cooldownMs / 1000} s).\n`,
    );
  }
  printBanner(
    url,
    opened.embedded,
    tokens,
    vaultLine(vaultStatus, vaultHealth, vaultKeyFile),
    tokensLine(keysHealth),
    metricsUrl,
    pageToken !== undefined,
  );
  if (devAgentKey) printDevAgentKey(devAgentKey);
} catch (err) {
  // Problems the operator can fix are one plain line, like the configuration errors; anything else
  // is a bug and keeps its stack trace.
  const line = describeStartupError(err, {
    host: config.host,
    port: config.port,
    databaseUrl: failingUrl.url,
    databaseUrlName: failingUrl.name,
    connectTimeoutMs: config.db.connectTimeoutMs,
  });
  if (line) console.error(`Cannot start: ${line}`);
  else logger.error("startup failed", { err });
  await closeAll();
  process.exit(1);
}

function printDevAgentKey(dev: DevAgentKey): void {
  console.log(
    [
      `Development agent key (agent ${dev.agent}, key id ${dev.id}, ${dev.created ? "made and kept" : "kept"} in ${dev.file}); send it as  Authorization: Bearer <key>  or  apikey: <key>.`,
      `  It acts as service_role and what it does is recorded as agent ${dev.agent}. Revoke it (with the gateway stopped) with  npm run agent-key -- revoke ${dev.agent}`,
      `    ${dev.key}`,
      "",
    ].join("\n"),
  );
}

function reportMigration(event: MigrationProgress): void {
  if (event.phase === "start") {
    if (event.index === 1) progress(`Applying ${event.total} database migration${event.total > 1 ? "s" : ""}…`);
    progress(`  [${event.index}/${event.total}] ${event.name}`);
  }
}

/** The vault's state at start: an unusable store is an error-level message, not a quiet "ready". */
function reportVault(status: VaultStatus, health: VaultHealth, keyFile: EmbeddedVaultKey | null): void {
  if (health.status === "KEY_MISMATCH") {
    logger.error(health.message, { code: "VAULT_KEY_MISMATCH", keyId: status.keyId, orphaned: health.orphaned });
    console.error(`\n*** ${health.message}\n*** /ready answers 503 until this is fixed.\n`);
  } else if (status.enabled) {
    logger.info("credentials vault ready", { keyId: status.keyId, keyFile: keyFile?.file, secrets: health.keys.reduce((n, k) => n + k.count, 0) });
  } else {
    const stored = health.keys.reduce((n, k) => n + k.count, 0);
    logger.warn(status.warning ?? "credentials vault disabled", stored > 0 ? { storedSecrets: stored, keyIds: health.keys.map((k) => k.keyId) } : {});
  }
}

function vaultLine(status: VaultStatus, health: VaultHealth, keyFile: EmbeddedVaultKey | null): string {
  if (health.status === "KEY_MISMATCH") return `KEY MISMATCH: stored secrets need other keys (see the error above)`;
  if (!status.enabled) return `disabled (set ${KEY_ENV})`;
  if (keyFile)
    return `key ${status.keyId} ${keyFile.created ? "generated and kept" : "kept"} in ${keyFile.file} (back it up; ${KEY_ENV} overrides it)`;
  return `key ${status.keyId} from ${KEY_ENV}`;
}

/** Which tokens this gateway accepts, for the banner. */
function tokensLine(keys: KeySetHealth | undefined): string {
  const parts: string[] = [];
  if (keys)
    parts.push(`ES256/RS256 from ${keys.source} (${keys.status === "FRESH" ? `${keys.keys} key${keys.keys === 1 ? "" : "s"}` : "NOT LOADED"})`);
  if (config.jwtSecretSource === "env") parts.push("HS256 with SUPABASE_JWT_SECRET");
  if (config.jwtSecretSource === "development-default") parts.push("HS256 with the public development secret");
  const issuer = config.tokens.issuer ? `"${config.tokens.issuer}"` : "";
  return `${parts.join(", ")}; iss ${[issuer, config.jwtSecret !== null ? '"supabase" (HS256)' : ""].filter(Boolean).join(" or ")}, aud "${config.tokens.audience}"`;
}

/** Where the operator console is, or why it is not there. */
function consoleLine(origin: string, signsInItself: boolean): string {
  if (!config.console) return "off (CONSOLE)";
  if (!consoleBuilt()) return "not built: run  npm run build:console  (npm install builds it)";
  return `${origin}${CONSOLE_PATH}   (dashboard and approval queue${signsInItself ? "; signed in as the development operator" : "; sign in with a token"})`;
}

function printBanner(
  url: string,
  embedded: boolean,
  tokens: { authenticated: string; service_role: string } | null,
  vault: string,
  tokenRules: string,
  metricsUrl: string | undefined,
  /** The pages carry the development token: the console signs in by itself. */
  signsInItself: boolean,
): void {
  const origin = new URL(url).origin;
  const metrics = config.metrics.enabled
    ? `${metricsUrl ?? `${origin}/metrics`}${config.metrics.token ? "   (METRICS_TOKEN)" : ""}`
    : "off (METRICS)";
  const lines = [
    "",
    "HotDash Gateway is running",
    `  Console    ${consoleLine(origin, signsInItself)}`,
    config.graphiql ? `  GraphiQL   ${url}` : `  GraphQL    ${url}   (GraphiQL off: GRAPHIQL)`,
    `  MCP        ${origin}/mcp   (Streamable HTTP; tools: the catalogue's operations)`,
    `  Documents  ${config.trustedDocuments === "off" ? "any (TRUSTED_DOCUMENTS=off)" : `catalogue only for ${config.trustedDocuments === "all" ? "everyone" : "agent keys and anon"} (TRUSTED_DOCUMENTS=${config.trustedDocuments})`}`,
    `  Budgets    ${config.redisUrl ? "per agent, shared through Redis (REDIS_URL)" : "per agent, in this process (set REDIS_URL to share them)"}`,
    `  Health     ${origin}/health   Ready ${origin}/ready`,
    `  Metrics    ${metrics}`,
    `  Traces     ${config.tracing ? `OTLP/HTTP to ${new URL(config.tracing.url).origin} as ${config.tracing.serviceName}` : "off (set OTEL_EXPORTER_OTLP_ENDPOINT)"}`,
    `  Database   ${embedded ? `embedded PGlite in ${pgliteDir} (demo data loaded)` : "PostgreSQL from DATABASE_URL"}`,
    `  Vault      ${vault}`,
    `  Tokens     ${tokenRules}`,
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
    lines.push(
      "Send a Supabase session token (ES256/RS256 with SUPABASE_URL, or legacy HS256 with SUPABASE_JWT_SECRET; role authenticated or service_role) as  Authorization: Bearer <token>.",
      config.jwtSecret !== null
        ? "Set PRINT_DEV_TOKENS=true to print development tokens signed with SUPABASE_JWT_SECRET."
        : "Development tokens need SUPABASE_JWT_SECRET (they are HS256); sign in through Supabase Auth for a session token.",
      "",
    );
  }
  console.log(lines.join("\n"));
}
