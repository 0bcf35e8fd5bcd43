/**
 * Configuration from the environment, validated once at start. Every problem is collected and
 * reported together (one line each) so a misconfigured deployment is fixed in one round trip.
 */
import { loadVaultKeys, VaultKeyError } from "./vault/keys.ts";
import { z } from "zod";
import { LOG_LEVELS, type LogLevel } from "./logger.ts";

/**
 * Used only in embedded mode (no DATABASE_URL) when SUPABASE_JWT_SECRET is unset. It is public,
 * so anyone can mint tokens for such a server: fine for a local demo database, refused otherwise.
 */
export const DEVELOPMENT_JWT_SECRET = "hotdash-local-development-jwt-secret-do-not-use-in-production";

export const MIN_JWT_SECRET_LENGTH = 32;

export interface Config {
  port: number;
  host: string;
  /** null = embedded PGlite under dataDir. */
  databaseUrl: string | null;
  jwtSecret: string;
  jwtSecretSource: "env" | "development-default";
  db: {
    poolMax: number;
    /** Interactive transaction budget per GraphQL operation (Prisma's default is 5 s). */
    txTimeoutMs: number;
    /** How long an operation may wait for a pooled connection (Prisma's default is 2 s). */
    txMaxWaitMs: number;
    connectTimeoutMs: number;
  };
  limits: { maxDepth: number; maxAliases: number; maxCost: number; maxTokens: number };
  logLevel: LogLevel;
  /** Validated by the credentials vault, not here. */
  credsEncryptionKey: string | null;
  dataDir: string;
  /** Print ready-made dev tokens at start: default on in embedded mode only (they are long-lived). */
  printDevTokens: boolean;
  /** Non-fatal findings for the entry point to log. */
  warnings: string[];
}

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

const unset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

function integer(fallback: number, min: number, max: number) {
  return z.preprocess(
    unset,
    z
      .string()
      .optional()
      .transform((raw, ctx) => {
        if (raw === undefined) return fallback;
        const n = Number(raw);
        if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
          ctx.addIssue({ code: "custom", message: `must be an integer from ${min} to ${max} (got "${raw}")` });
          return z.NEVER;
        }
        return n;
      }),
  );
}

function boolean() {
  return z.preprocess(
    unset,
    z
      .string()
      .optional()
      .transform((raw, ctx) => {
        if (raw === undefined) return undefined;
        const v = raw.trim().toLowerCase();
        if (["1", "true", "yes", "on"].includes(v)) return true;
        if (["0", "false", "no", "off"].includes(v)) return false;
        ctx.addIssue({ code: "custom", message: `must be true or false (got "${raw}")` });
        return z.NEVER;
      }),
  );
}

const EnvSchema = z.object({
  PORT: integer(4000, 0, 65535),
  HOST: z.preprocess(unset, z.string().default("127.0.0.1")),
  DATABASE_URL: z.preprocess(
    unset,
    z
      .string()
      .optional()
      // Never echo the value: it usually carries a password.
      .refine((v) => v === undefined || isPostgresUrl(v), {
        message: "must be a postgres:// or postgresql:// connection URL",
      }),
  ),
  SUPABASE_JWT_SECRET: z.preprocess(
    unset,
    z
      .string()
      .optional()
      .refine((v) => v === undefined || v.length >= MIN_JWT_SECRET_LENGTH, {
        message: `must be at least ${MIN_JWT_SECRET_LENGTH} characters long`,
      }),
  ),
  DB_POOL_MAX: integer(10, 1, 1000),
  DB_TX_TIMEOUT_MS: integer(10_000, 100, 600_000),
  DB_TX_MAX_WAIT_MS: integer(5_000, 10, 600_000),
  DB_CONNECT_TIMEOUT_MS: integer(5_000, 100, 600_000),
  // A relay connection costs 3 levels (field, edges, node): 12 allows about four nested connections.
  GRAPHQL_MAX_DEPTH: integer(12, 1, 1000),
  GRAPHQL_MAX_ALIASES: integer(15, 0, 10_000),
  // graphql-armor's estimate (see src/plugins/limits.ts): 100 campaigns x 30 daily metrics is about
  // 130k and passes; 100 x 100 is about 440k and does not.
  GRAPHQL_MAX_COST: integer(200_000, 1, 1_000_000_000),
  GRAPHQL_MAX_TOKENS: integer(2_000, 10, 1_000_000),
  LOG_LEVEL: z.preprocess(
    (v) => (typeof unset(v) === "string" ? (v as string).trim().toLowerCase() : undefined),
    z.enum(LOG_LEVELS, { error: (i) => `must be one of ${LOG_LEVELS.join(", ")} (got "${String(i.input)}")` }).default("info"),
  ),
  CREDS_ENCRYPTION_KEY: z.preprocess(unset, z.string().optional()),
  DATA_DIR: z.preprocess(unset, z.string().default(".data")),
  PRINT_DEV_TOKENS: boolean(),
});

function isPostgresUrl(value: string): boolean {
  try {
    return ["postgres:", "postgresql:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** Reads and validates the environment; throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);

  // Cross-field rules read the raw values so they are reported even when another field is invalid.
  const databaseUrl = unset(env.DATABASE_URL) as string | undefined;
  const secret = unset(env.SUPABASE_JWT_SECRET) as string | undefined;
  if (databaseUrl !== undefined && secret === undefined) {
    problems.push("SUPABASE_JWT_SECRET: required when DATABASE_URL is set");
  }
  if (databaseUrl !== undefined && secret === DEVELOPMENT_JWT_SECRET) {
    problems.push("SUPABASE_JWT_SECRET: must not be the public development secret when DATABASE_URL is set");
  }
  // A malformed vault key stops the start; a missing one only disables the vault (see src/vault).
  try {
    loadVaultKeys(env);
  } catch (error) {
    if (!(error instanceof VaultKeyError)) throw error;
    if (error.code !== "VAULT_KEY_MISSING") problems.push(...error.problems);
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);

  const e = parsed.data;
  const warnings: string[] = [];
  if (e.SUPABASE_JWT_SECRET === undefined) {
    warnings.push(
      "SUPABASE_JWT_SECRET is not set: using the fixed development secret (embedded database only); anyone can mint tokens for this server",
    );
  }
  if (e.DB_TX_MAX_WAIT_MS > e.DB_TX_TIMEOUT_MS) {
    warnings.push("DB_TX_MAX_WAIT_MS is larger than DB_TX_TIMEOUT_MS: requests may queue longer than they may run");
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL ?? null,
    jwtSecret: e.SUPABASE_JWT_SECRET ?? DEVELOPMENT_JWT_SECRET,
    jwtSecretSource: e.SUPABASE_JWT_SECRET === undefined ? "development-default" : "env",
    db: {
      poolMax: e.DB_POOL_MAX,
      txTimeoutMs: e.DB_TX_TIMEOUT_MS,
      txMaxWaitMs: e.DB_TX_MAX_WAIT_MS,
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
    },
    limits: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxCost: e.GRAPHQL_MAX_COST,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
    },
    logLevel: e.LOG_LEVEL,
    credsEncryptionKey: e.CREDS_ENCRYPTION_KEY ?? null,
    dataDir: e.DATA_DIR,
    printDevTokens: e.PRINT_DEV_TOKENS ?? e.DATABASE_URL === undefined,
    warnings,
  };
}
