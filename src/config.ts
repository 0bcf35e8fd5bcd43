/**
 * Configuration from the environment, validated once at start. Every problem is collected and
 * reported together (one line each) so a misconfigured deployment is fixed in one round trip. The
 * only reader of the environment: everything else gets its settings from here.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { loadVaultKeys, VaultKeyError } from "./vault/keys.ts";
import { z } from "zod";
import { LOG_LEVELS, type LogLevel } from "./logger.ts";
import type { Role } from "./auth/viewer.ts";
import { DEFAULT_INTROSPECTION_ROLES, POLICY_ROLES, TRUSTED_DOCUMENT_MODES, type PolicyRole, type TrustedDocumentMode } from "./auth/policy.ts";
import { DEFAULT_AUDIENCE } from "./context/auth.ts";
import { DEFAULT_KEY_SET_TIMING, jwksProblem, jwksUrlOf, type JwksSource, type KeySetTiming } from "./context/jwks.ts";

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
  /**
   * DATABASE_LISTEN_URL, default databaseUrl: a session connection (direct, or a session-mode pooler) for
   * what a transaction-mode pooler cannot carry: the live queue's LISTEN and the migrations' advisory
   * lock (docs/operations.md, "Behind a connection pooler"). null with databaseUrl null.
   */
  databaseListenUrl: string | null;
  /** The legacy HS256 secret; null when only the project's key set (JWKS) is configured. */
  jwtSecret: string | null;
  jwtSecretSource: "env" | "development-default" | "none";
  /** How tokens are checked besides the secret (docs/auth.md, "Tokens"). */
  tokens: {
    /** The project's ES256/RS256 public keys; null = HS256 only. */
    jwks: JwksSource | null;
    /** Expected iss of session tokens: JWT_ISSUER, else `${SUPABASE_URL}/auth/v1`, else null. */
    issuer: string | null;
    /** Expected aud of session tokens: JWT_AUDIENCE, default "authenticated". */
    audience: string;
    /** Key set refresh timing (not configurable by env; tests shorten it). */
    timing: KeySetTiming;
  };
  db: {
    poolMax: number;
    /** Client-side bound on any statement: the largest role budget (see src/db/client.ts). */
    queryTimeoutMs: number;
    /** How long an operation may wait for a pooled connection, within its time budget (Prisma's default is 2 s). */
    txMaxWaitMs: number;
    connectTimeoutMs: number;
  };
  /** Limits that hold for every caller, checked while parsing. */
  limits: { maxAliases: number; maxTokens: number };
  /** What one operation of each role may cost: checked before any SQL runs, enforced while it runs. */
  budgets: Record<Role, RoleBudget>;
  /** Largest response one operation may produce (rows read from PostgreSQL, then the serialized body). */
  responseMaxBytes: number;
  /** REDIS_URL: where every instance keeps the per-agent budgets' counters; null = each instance in process. */
  redisUrl: string | null;
  /** REDIS_KEY_PREFIX: the counters' key prefix (several deployments or test runs on one Redis). */
  redisKeyPrefix: string;
  /** Live-queue streams open at once: per caller (token subject, else role) and in total. */
  subscriptions: { maxPerCaller: number; maxTotal: number };
  /** Assurance level a session needs to decide approvals (Supabase's aal claim); written into the database at start. */
  decisionMinAal: "aal1" | "aal2";
  logLevel: LogLevel;
  /** LIST_RENDERING: "sql" draws root lists' rows as JSON in PostgreSQL (src/render/); "graphql" resolves every value in graphql-js. */
  listRendering: "sql" | "graphql";
  /** The vault's current key (CREDS_ENCRYPTION_KEY), base64; its format is checked here, its meaning by the vault. */
  credsEncryptionKey: string | null;
  /** CREDS_PREVIOUS_KEYS: keys the vault still reads, comma-separated. */
  credsPreviousKeys: string | null;
  dataDir: string;
  /** The embedded database's folder: PGLITE_DATA_DIR, else DATA_DIR/pglite. */
  pgliteDataDir: string;
  /** Print ready-made dev tokens at start: default on in embedded mode only (they are long-lived). */
  printDevTokens: boolean;
  /** Prometheus metrics at /metrics (src/plugins/metrics.ts): on unless METRICS=off; behind a bearer token and/or on a port of their own. */
  metrics: { enabled: boolean; token: string | null; port: number | null };
  /** GRAPHIQL: GraphiQL on GET /graphql. Default on, except NODE_ENV=production with DATABASE_URL. */
  graphiql: boolean;
  /** CONSOLE: the operator console (console/, built by `npm install`) on GET /. Default on. */
  console: boolean;
  /** TRUSTED_DOCUMENTS: who may send only catalogue operations (mustUseTrustedDocuments); off in embedded mode, else authenticated. */
  trustedDocuments: TrustedDocumentMode;
  /** INTROSPECTION_ROLES: the kinds of caller (policy roles) that may run __schema / __type. */
  introspectionRoles: readonly PolicyRole[];
  /** CORS_ORIGINS: the origins whose pages may call the API from a browser; [] = only the gateway's own pages. */
  corsOrigins: CorsOrigins;
  /** OpenTelemetry traces (docs/operations.md, "Traces"); null = off (no endpoint, or OTEL_SDK_DISABLED). */
  tracing: TracingConfig | null;
  /** Non-fatal findings for the entry point to log. */
  warnings: string[];
}

/** Where and how spans are exported (OTLP over HTTP, JSON): read from the standard OTEL_* variables. */
export interface TracingConfig {
  /** The traces endpoint: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  url: string;
  /** OTEL_EXPORTER_OTLP_HEADERS with OTEL_EXPORTER_OTLP_TRACES_HEADERS over it (often a collector's API key: never logged). */
  headers: Record<string, string>;
  /** service.name: OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES' service.name, else hotdash-gateway. */
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES (key=value,…), without service.name. */
  resourceAttributes: Record<string, string>;
  /** OTEL_TRACES_SAMPLER (default parentbased_always_on) and its ratio (OTEL_TRACES_SAMPLER_ARG, default 1). */
  sampler: { name: TraceSampler; ratio: number };
}

export const TRACE_SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;
export type TraceSampler = (typeof TRACE_SAMPLERS)[number];
export const DEFAULT_SERVICE_NAME = "hotdash-gateway";

/** One role's budget per operation (see docs/operations.md, "Budgets"). */
export interface RoleBudget {
  /** Deepest selection accepted (introspection exempt). */
  maxDepth: number;
  /** Worst-case estimate accepted (src/plugins/limits.ts): every list counted at its bound. */
  maxCost: number;
  /** Wall-clock budget of one operation; past it the SQL is cancelled and the client gets TIMEOUT. */
  timeoutMs: number;
  /** Largest request body read, enforced while reading (before parsing). */
  maxBodyBytes: number;
  /** GraphQL requests per minute per agent (src/plugins/rate-limit.ts, who counts as one); 0 = unlimited. */
  requestsPerMinute: number;
  /** Summed cost estimates (maxCost's) per minute per agent; 0 = unlimited, else at least maxCost. */
  costPerMinute: number;
}

/** Env prefix per role: ANON_MAX_COST, AUTHENTICATED_TIMEOUT_MS, SERVICE_ROLE_MAX_BODY_BYTES, … */
export const BUDGET_ENV_PREFIX: Record<Role, string> = { anon: "ANON", authenticated: "AUTHENTICATED", service_role: "SERVICE_ROLE" };

/**
 * Why these (docs/operations.md, "Budgets"; tests/request-budgets.test.ts holds them to it):
 *  - cost: the UI's largest operation, CampaignList with 100 campaigns × 366 days, estimates ~404,000,
 *    the dashboard page ~3,300; authenticated gets 1,000,000 (2.5× room) and the issue-8 query
 *    (~7·10¹¹) or one cycle round with a full page (~5·10⁶) is refused. service_role twice that for
 *    agents' reads; anon reads no table, so 10,000 covers viewer and introspection-sized documents.
 *  - depth: the UI needs 5; 12 for people, 15 for agents, 8 for anon.
 *  - body: anon 32 KB (a GRAPHQL_MAX_TOKENS-sized document fits), operators 256 KB, service_role
 *    32 MB (a knowledge ingestion of 1000 chunks with 1536-number embeddings is ~15 MB).
 *  - per minute, per agent (docs/operations.md, "Per-agent budgets"): the console polls the
 *    dashboard page and the live queue, a few requests every few seconds per open tab; 600
 *    requests (10 a second, all minute long) is ten busy tabs with room. Agents loop on reads and
 *    batched writes: 1,200 (20 a second) per key. anon reads no table, but behind a proxy every anon
 *    caller shares one address: 600. Cost per minute is 20 of the role's largest operations (30
 *    for service_role, 100 for anon's small ones): ~50 worst-case CampaignLists or ~6,000
 *    dashboard pages a minute for a person. Only a runaway loop gets there.
 */
export const DEFAULT_BUDGETS: Record<Role, RoleBudget> = {
  anon: { maxDepth: 8, maxCost: 10_000, timeoutMs: 2_000, maxBodyBytes: 32 * 1024, requestsPerMinute: 600, costPerMinute: 1_000_000 },
  authenticated: {
    maxDepth: 12,
    maxCost: 1_000_000,
    timeoutMs: 10_000,
    maxBodyBytes: 256 * 1024,
    requestsPerMinute: 600,
    costPerMinute: 20_000_000,
  },
  service_role: {
    maxDepth: 15,
    maxCost: 2_000_000,
    timeoutMs: 30_000,
    maxBodyBytes: 32 * 1024 * 1024,
    requestsPerMinute: 1_200,
    costPerMinute: 60_000_000,
  },
};

const BUDGET_FIELDS = {
  maxDepth: { env: "MAX_DEPTH", min: 1, max: 1000 },
  maxCost: { env: "MAX_COST", min: 1, max: 1_000_000_000 },
  timeoutMs: { env: "TIMEOUT_MS", min: 100, max: 600_000 },
  maxBodyBytes: { env: "MAX_BODY_BYTES", min: 1024, max: 512 * 1024 * 1024 },
  requestsPerMinute: { env: "REQUESTS_PER_MINUTE", min: 0, max: 100_000_000 },
  costPerMinute: { env: "COST_PER_MINUTE", min: 0, max: 1_000_000_000_000 },
} as const satisfies Record<keyof RoleBudget, { env: string; min: number; max: number }>;

function budgetEnvShape() {
  const shape: Record<string, ReturnType<typeof integer>> = {};
  for (const role of Object.keys(BUDGET_ENV_PREFIX) as Role[]) {
    for (const [field, { env, min, max }] of Object.entries(BUDGET_FIELDS)) {
      shape[`${BUDGET_ENV_PREFIX[role]}_${env}`] = integer(DEFAULT_BUDGETS[role][field as keyof RoleBudget], min, max);
    }
  }
  return shape;
}

function budgetsFrom(env: Record<string, unknown>): Record<Role, RoleBudget> {
  const read = (role: Role): RoleBudget => {
    const budget = {} as RoleBudget;
    for (const [field, { env: name }] of Object.entries(BUDGET_FIELDS))
      budget[field as keyof RoleBudget] = env[`${BUDGET_ENV_PREFIX[role]}_${name}`] as number;
    return budget;
  };
  return { anon: read("anon"), authenticated: read("authenticated"), service_role: read("service_role") };
}

/** "*" = any origin; otherwise exact origins (scheme://host[:port], as browsers send them). */
export type CorsOrigins = "*" | readonly string[];

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

const unset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
/** For the word-valued variables (LOG_LEVEL, TRUSTED_DOCUMENTS, …): trimmed and lower-cased, unset when blank. */
const lowercased = (v: unknown) => (typeof unset(v) === "string" ? (v as string).trim().toLowerCase() : undefined);

/** An integer from min to max; `fallback` when unset. */
function integer(fallback: number, min: number, max: number) {
  return optionalInteger(min, max).transform((n) => n ?? fallback);
}

/** An integer that may be unset (undefined). */
function optionalInteger(min: number, max: number) {
  return z.preprocess(
    unset,
    z
      .string()
      .optional()
      .transform((raw, ctx) => {
        if (raw === undefined) return undefined;
        if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) {
          ctx.addIssue({ code: "custom", message: `must be an integer from ${min} to ${max} (got "${raw}")` });
          return z.NEVER;
        }
        return Number(raw);
      }),
  );
}

/** A variable that no longer exists: set, it is a configuration error naming what replaced it. */
function retired(replacement: string) {
  return z.preprocess(unset, z.undefined({ error: `replaced by ${replacement}; remove it` }));
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

/** A comma-separated list: trimmed, empty items dropped; unset or blank = undefined. */
function list<T>(parse: (items: string[], raw: string, ctx: z.RefinementCtx) => T) {
  return z.preprocess(
    unset,
    z
      .string()
      .optional()
      .transform((raw, ctx) => {
        if (raw === undefined) return undefined;
        const items = raw
          .split(",")
          .map((item) => item.trim())
          .filter((item) => item !== "");
        return parse(items, raw, ctx);
      }),
  );
}

/** INTROSPECTION_ROLES: policy roles (anon, anonymous, authenticated, service_role), or "none". */
const introspectionRoles = list<readonly PolicyRole[]>((items, raw, ctx) => {
  const lower = items.map((item) => item.toLowerCase());
  if (lower.length === 1 && lower[0] === "none") return [];
  const unknown = lower.filter((item) => !(POLICY_ROLES as readonly string[]).includes(item));
  if (unknown.length > 0 || lower.length === 0) {
    ctx.addIssue({ code: "custom", message: `must be a comma-separated list of ${POLICY_ROLES.join(", ")}, or none (got "${raw}")` });
    return z.NEVER;
  }
  return [...new Set(lower as PolicyRole[])];
});

/** CORS_ORIGINS: "*" alone, or origins, each scheme://host[:port] (a trailing "/" is tolerated), normalised as browsers send them. */
const corsOrigins = list<CorsOrigins>((items, raw, ctx) => {
  if (items.includes("*")) {
    if (items.length === 1) return "*";
    ctx.addIssue({ code: "custom", message: `"*" (any origin) must stand alone (got "${raw}")` });
    return z.NEVER;
  }
  const origins: string[] = [];
  for (const item of items) {
    const url = safeUrl(item);
    const isOrigin =
      url !== null &&
      /^https?:$/.test(url.protocol) &&
      !item.includes("*") &&
      url.username === "" &&
      url.password === "" &&
      url.pathname === "/" &&
      !/^[a-z]+:\/\/[^/]*\/./i.test(item) &&
      !/[?#]/.test(item);
    if (!isOrigin) {
      ctx.addIssue({
        code: "custom",
        message: `each origin must be http(s)://host[:port] without a path or wildcard, e.g. https://app.example.com (got "${item}")`,
      });
      continue;
    }
    origins.push(url.origin);
  }
  return [...new Set(origins)];
});

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
  // Behind a transaction-mode pooler: the session connection for LISTEN and migrations (docs/operations.md).
  DATABASE_LISTEN_URL: z.preprocess(
    unset,
    z
      .string()
      .optional()
      // Never echo the value: it usually carries a password.
      .refine((v) => v === undefined || isPostgresUrl(v), {
        message: "must be a postgres:// or postgresql:// connection URL (a direct or session-mode connection)",
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
  SUPABASE_URL: httpUrl("https://<ref>.supabase.co"),
  SUPABASE_JWKS_URL: httpUrl("https://<ref>.supabase.co/auth/v1/.well-known/jwks.json"),
  SUPABASE_JWKS: z.preprocess(unset, z.string().optional()),
  SUPABASE_JWKS_FILE: z.preprocess(unset, z.string().optional()),
  JWT_ISSUER: z.preprocess(unset, z.string().trim().optional()),
  JWT_AUDIENCE: z.preprocess(unset, z.string().trim().default(DEFAULT_AUDIENCE)),
  DB_POOL_MAX: integer(10, 1, 1000),
  // Replaced by the per-role <ROLE>_TIMEOUT_MS budgets; a leftover setting must not silently stop applying.
  DB_TX_TIMEOUT_MS: z.preprocess(
    unset,
    z.undefined({
      error: "replaced by ANON_TIMEOUT_MS, AUTHENTICATED_TIMEOUT_MS and SERVICE_ROLE_TIMEOUT_MS (per-role operation budgets); remove it",
    }),
  ),
  DB_TX_MAX_WAIT_MS: integer(5_000, 10, 600_000),
  DB_CONNECT_TIMEOUT_MS: integer(5_000, 100, 600_000),
  RESPONSE_MAX_BYTES: integer(10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
  SUBSCRIPTIONS_MAX_PER_CALLER: integer(10, 1, 100_000),
  SUBSCRIPTIONS_MAX_TOTAL: integer(200, 1, 1_000_000),
  GRAPHQL_MAX_ALIASES: integer(15, 0, 10_000),
  GRAPHQL_MAX_TOKENS: integer(2_000, 10, 1_000_000),
  ...budgetEnvShape(),
  // Replaced by the per-role budgets: a leftover setting must not silently stop applying.
  GRAPHQL_MAX_DEPTH: retired("ANON_MAX_DEPTH, AUTHENTICATED_MAX_DEPTH and SERVICE_ROLE_MAX_DEPTH"),
  GRAPHQL_MAX_COST: retired("ANON_MAX_COST, AUTHENTICATED_MAX_COST and SERVICE_ROLE_MAX_COST (a new estimate: see docs/operations.md, Budgets)"),
  LOG_LEVEL: z.preprocess(
    lowercased,
    z.enum(LOG_LEVELS, { error: (i) => `must be one of ${LOG_LEVELS.join(", ")} (got "${String(i.input)}")` }).default("info"),
  ),
  LIST_RENDERING: z.preprocess(
    lowercased,
    z.enum(["sql", "graphql"], { error: (i) => `must be sql or graphql (got "${String(i.input)}")` }).default("sql"),
  ),
  CREDS_ENCRYPTION_KEY: z.preprocess(unset, z.string().optional()),
  CREDS_PREVIOUS_KEYS: z.preprocess(unset, z.string().optional()),
  DATA_DIR: z.preprocess(unset, z.string().default(".data")),
  PRINT_DEV_TOKENS: boolean(),
  // Metrics (docs/operations.md, "Metrics"). The token is compared in constant time; never echoed.
  METRICS: boolean(),
  METRICS_TOKEN: z.preprocess(
    unset,
    z
      .string()
      .trim()
      .optional()
      .refine((v) => v === undefined || /^[\x21-\x7e]{16,}$/.test(v), {
        message: "must be at least 16 printable characters without spaces, e.g. openssl rand -hex 32",
      }),
  ),
  METRICS_PORT: optionalInteger(0, 65535),
  // GraphiQL, introspection and CORS (docs/operations.md, "GraphiQL and introspection", "CORS").
  GRAPHIQL: boolean(),
  CONSOLE: boolean(),
  INTROSPECTION_ROLES: introspectionRoles,
  CORS_ORIGINS: corsOrigins,
  // Trusted documents (docs/agents.md, "Trusted documents"): who may send only catalogue operations.
  TRUSTED_DOCUMENTS: z.preprocess(
    lowercased,
    z.enum(TRUSTED_DOCUMENT_MODES, { error: (i) => `must be off, authenticated or all (got "${String(i.input)}")` }).optional(),
  ),
  // Per-agent budgets' counters, shared by every instance (docs/operations.md, "Per-agent budgets").
  REDIS_URL: z.preprocess(
    unset,
    z
      .string()
      .trim()
      .optional()
      // Never echo the value: it usually carries a password.
      .refine((v) => v === undefined || isRedisUrl(v), { message: "must be a redis:// or rediss:// URL with a host, e.g. redis://127.0.0.1:6379" }),
  ),
  REDIS_KEY_PREFIX: z.preprocess(unset, z.string().trim().min(1).max(200).default("hotdash:budget:")),
  DECISION_MIN_AAL: z.preprocess(
    lowercased,
    z.enum(["aal1", "aal2"], { error: (i) => `must be aal1 or aal2 (got "${String(i.input)}")` }).default("aal1"),
  ),
});

/** An http(s) URL, trailing slashes removed. */
function httpUrl(example: string) {
  return z.preprocess(
    unset,
    z
      .string()
      .trim()
      .optional()
      .refine((v) => v === undefined || /^https?:$/.test(safeUrl(v)?.protocol ?? ""), { message: `must be an http(s) URL, e.g. ${example}` })
      .transform((v) => v?.replace(/\/+$/, "")),
  );
}

function safeUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** Variables that name the project's key set, in order of precedence (SUPABASE_URL is the fallback). */
const KEY_SET_VARIABLES = ["SUPABASE_JWKS", "SUPABASE_JWKS_FILE", "SUPABASE_JWKS_URL"] as const;

/** The key set the environment names (or null), and problems with it. Reads SUPABASE_JWKS_FILE once to check it. */
function keySetFrom(env: Record<string, string | undefined>, problems: string[]): JwksSource | null {
  const given = KEY_SET_VARIABLES.filter((name) => unset(env[name]) !== undefined);
  if (given.length > 1) {
    problems.push(`${given.join(", ")}: set only one of them (each names the whole key set)`);
    return null;
  }
  const check = (name: string, text: string): JwksSource | null => {
    let jwks: unknown;
    try {
      jwks = JSON.parse(text);
    } catch {
      problems.push(`${name}: is not valid JSON (expected a JWKS: {"keys":[…]})`);
      return null;
    }
    const problem = jwksProblem(jwks);
    if (problem) problems.push(`${name}: ${problem}`);
    return problem ? null : { kind: "inline", jwks: jwks as Extract<JwksSource, { kind: "inline" }>["jwks"] };
  };
  if (given[0] === "SUPABASE_JWKS") return check("SUPABASE_JWKS", env.SUPABASE_JWKS!);
  if (given[0] === "SUPABASE_JWKS_FILE") {
    const path = env.SUPABASE_JWKS_FILE!.trim();
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      problems.push(`SUPABASE_JWKS_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      return null;
    }
    return check("SUPABASE_JWKS_FILE", text) && { kind: "file", path };
  }
  const url = ((unset(env.SUPABASE_JWKS_URL) as string | undefined) ?? (unset(env.SUPABASE_URL) as string | undefined))?.trim();
  const parsed = url === undefined ? null : safeUrl(url);
  if (url === undefined || parsed === null || !/^https?:$/.test(parsed.protocol)) return null; // absent, or reported by the schema
  return { kind: "url", url: given[0] === "SUPABASE_JWKS_URL" ? parsed.href : jwksUrlOf(url) };
}

function isRedisUrl(value: string): boolean {
  const url = safeUrl(value);
  return url !== null && ["redis:", "rediss:"].includes(url.protocol) && url.hostname !== "";
}

function isPostgresUrl(value: string): boolean {
  try {
    return ["postgres:", "postgresql:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * Where the command-line tools' database is (scripts/db.ts, scripts/agent-key.ts): DATABASE_URL, or
 * the embedded PGlite in PGLITE_DATA_DIR (undefined: the embedded default). Those tools need no other
 * setting, so nothing else is read or validated.
 */
export function databaseLocation(env: Record<string, string | undefined> = process.env): {
  databaseUrl: string | null;
  /** DATABASE_LISTEN_URL, else databaseUrl: where migrations run (they hold a session-level advisory lock). */
  sessionDatabaseUrl: string | null;
  pgliteDataDir: string | undefined;
} {
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  const sessionDatabaseUrl = databaseUrl && (env.DATABASE_LISTEN_URL?.trim() || databaseUrl);
  return { databaseUrl, sessionDatabaseUrl, pgliteDataDir: env.PGLITE_DATA_DIR || undefined };
}

/** Reads and validates the environment; throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);

  // Cross-field rules read the raw values so they are reported even when another field is invalid.
  const databaseUrl = unset(env.DATABASE_URL) as string | undefined;
  if (databaseUrl === undefined && unset(env.DATABASE_LISTEN_URL) !== undefined) {
    problems.push("DATABASE_LISTEN_URL: needs DATABASE_URL (the embedded database is one session already); set DATABASE_URL or remove it");
  }
  const secret = unset(env.SUPABASE_JWT_SECRET) as string | undefined;
  const jwks = keySetFrom(env, problems);
  const keySetNamed = KEY_SET_VARIABLES.some((name) => unset(env[name]) !== undefined) || unset(env.SUPABASE_URL) !== undefined;
  if (databaseUrl !== undefined && secret === undefined && !keySetNamed) {
    problems.push(
      "SUPABASE_URL or SUPABASE_JWT_SECRET: one is required when DATABASE_URL is set (SUPABASE_URL=https://<ref>.supabase.co verifies the project's ES256/RS256 session tokens, SUPABASE_JWT_SECRET its legacy HS256 tokens; both may be set)",
    );
  }
  if (
    KEY_SET_VARIABLES.some((name) => unset(env[name]) !== undefined) &&
    unset(env.SUPABASE_URL) === undefined &&
    unset(env.JWT_ISSUER) === undefined
  ) {
    problems.push("JWT_ISSUER: required with a key set but no SUPABASE_URL: the iss of your session tokens, e.g. https://<ref>.supabase.co/auth/v1");
  }
  if (["1", "true", "yes", "on"].includes(env.PRINT_DEV_TOKENS?.trim().toLowerCase() ?? "") && secret === undefined && keySetNamed) {
    problems.push("PRINT_DEV_TOKENS: development tokens are HS256 and need SUPABASE_JWT_SECRET");
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
  if (parsed.success) problems.push(...metricsConflicts(parsed.data), ...perMinuteConflicts(budgetsFrom(parsed.data)));
  const warnings: string[] = [];
  const tracing = tracingFrom(env, problems, warnings);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);

  const e = parsed.data;
  const budgets = budgetsFrom(e);
  // The public development secret only when nothing else is configured (embedded mode; checked above).
  const developmentSecret = e.SUPABASE_JWT_SECRET === undefined && jwks === null;
  if (developmentSecret) {
    warnings.push(
      "SUPABASE_JWT_SECRET is not set: using the fixed development secret (embedded database only); anyone can mint tokens for this server",
    );
  }
  const metrics = { enabled: e.METRICS ?? true, token: e.METRICS_TOKEN ?? null, port: e.METRICS_PORT ?? null };
  if (metrics.enabled && e.DATABASE_URL !== undefined && metrics.token === null && metrics.port === null) {
    warnings.push(
      "/metrics is served on the main port without a token: anyone who reaches the gateway sees operation names and traffic; set METRICS_TOKEN or METRICS_PORT (or METRICS=off)",
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL ?? null,
    databaseListenUrl: e.DATABASE_LISTEN_URL ?? e.DATABASE_URL ?? null,
    jwtSecret: e.SUPABASE_JWT_SECRET ?? (developmentSecret ? DEVELOPMENT_JWT_SECRET : null),
    jwtSecretSource: e.SUPABASE_JWT_SECRET !== undefined ? "env" : developmentSecret ? "development-default" : "none",
    tokens: {
      jwks,
      issuer: e.JWT_ISSUER ?? (e.SUPABASE_URL === undefined ? null : `${e.SUPABASE_URL}/auth/v1`),
      audience: e.JWT_AUDIENCE,
      timing: DEFAULT_KEY_SET_TIMING,
    },
    db: {
      poolMax: e.DB_POOL_MAX,
      queryTimeoutMs: Math.max(...Object.values(budgets).map((b) => b.timeoutMs)),
      txMaxWaitMs: e.DB_TX_MAX_WAIT_MS,
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
    },
    limits: { maxAliases: e.GRAPHQL_MAX_ALIASES, maxTokens: e.GRAPHQL_MAX_TOKENS },
    budgets,
    responseMaxBytes: e.RESPONSE_MAX_BYTES,
    redisUrl: e.REDIS_URL ?? null,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    subscriptions: { maxPerCaller: e.SUBSCRIPTIONS_MAX_PER_CALLER, maxTotal: e.SUBSCRIPTIONS_MAX_TOTAL },
    decisionMinAal: e.DECISION_MIN_AAL,
    logLevel: e.LOG_LEVEL,
    listRendering: e.LIST_RENDERING,
    credsEncryptionKey: e.CREDS_ENCRYPTION_KEY ?? null,
    credsPreviousKeys: e.CREDS_PREVIOUS_KEYS ?? null,
    dataDir: e.DATA_DIR,
    pgliteDataDir: databaseLocation(env).pgliteDataDir ?? path.resolve(e.DATA_DIR, "pglite"),
    printDevTokens: e.PRINT_DEV_TOKENS ?? (e.DATABASE_URL === undefined && (e.SUPABASE_JWT_SECRET !== undefined || developmentSecret)),
    metrics,
    // Embedded mode is a local demo: GraphiQL on. A production deployment opts in.
    graphiql: e.GRAPHIQL ?? (e.DATABASE_URL === undefined || env.NODE_ENV?.trim() !== "production"),
    // Static files and the public API only: the console shows nothing a token does not already allow.
    console: e.CONSOLE ?? true,
    introspectionRoles: e.INTROSPECTION_ROLES ?? DEFAULT_INTROSPECTION_ROLES,
    corsOrigins: e.CORS_ORIGINS ?? [],
    // Embedded mode is for exploring: any document. A deployment holds agents and anon to the catalogue.
    trustedDocuments: e.TRUSTED_DOCUMENTS ?? (e.DATABASE_URL === undefined ? "off" : "authenticated"),
    tracing,
    warnings,
  };
}

// ---- OpenTelemetry traces (OTEL_*): the standard variables, read here like every other setting ----

const TRUE_WORDS = ["1", "true", "yes", "on"];

/** Settings that contradict each other (each variable is valid on its own). */
function metricsConflicts(e: z.infer<typeof EnvSchema>): string[] {
  const problems: string[] = [];
  if (e.METRICS === false) {
    if (e.METRICS_TOKEN !== undefined) problems.push("METRICS_TOKEN: set, but METRICS is off; remove one of them");
    if (e.METRICS_PORT !== undefined) problems.push("METRICS_PORT: set, but METRICS is off; remove one of them");
  }
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT > 0 && e.METRICS_PORT === e.PORT)
    problems.push("METRICS_PORT: must differ from PORT (metrics get a port of their own)");
  return problems;
}

/** A cost budget per minute below one operation's maxCost would refuse, forever, operations the role may run. */
function perMinuteConflicts(budgets: Record<Role, RoleBudget>): string[] {
  return (Object.keys(budgets) as Role[]).flatMap((role) => {
    const { costPerMinute, maxCost } = budgets[role];
    const prefix = BUDGET_ENV_PREFIX[role];
    return costPerMinute > 0 && costPerMinute < maxCost
      ? [`${prefix}_COST_PER_MINUTE: must be 0 (unlimited) or at least ${prefix}_MAX_COST (${maxCost}), so one allowed operation fits in a minute`]
      : [];
  });
}

/**
 * The traces' settings, or null when tracing is off: no OTLP endpoint, OTEL_SDK_DISABLED=true or
 * OTEL_TRACES_EXPORTER=none. The exporter reads what only it uses (timeout, compression,
 * certificates) from the same variables itself.
 */
function tracingFrom(env: Record<string, string | undefined>, problems: string[], warnings: string[]): TracingConfig | null {
  const read = (name: string) => (unset(env[name]) as string | undefined)?.trim();
  const disabled = read("OTEL_SDK_DISABLED");
  if (disabled !== undefined && TRUE_WORDS.includes(disabled.toLowerCase())) return null;
  const exporter = read("OTEL_TRACES_EXPORTER")?.toLowerCase();
  if (exporter === "none") return null;
  if (exporter !== undefined && exporter !== "otlp") problems.push(`OTEL_TRACES_EXPORTER: must be otlp or none (got "${exporter}")`);

  const url = otlpTracesUrl(read("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), read("OTEL_EXPORTER_OTLP_ENDPOINT"), problems);
  const protocol = read("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ?? read("OTEL_EXPORTER_OTLP_PROTOCOL");
  if (protocol === "grpc")
    problems.push("OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported; traces go over OTLP/HTTP (http/json), usually port 4318");
  else if (protocol === "http/protobuf")
    warnings.push("OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf: traces are sent as http/json (collectors accept both on the same endpoint)");
  else if (protocol !== undefined && protocol !== "http/json")
    problems.push(`OTEL_EXPORTER_OTLP_PROTOCOL: must be http/json or http/protobuf (got "${protocol}")`);

  const headers = {
    ...keyValueList("OTEL_EXPORTER_OTLP_HEADERS", read, problems),
    ...keyValueList("OTEL_EXPORTER_OTLP_TRACES_HEADERS", read, problems),
  };
  const { "service.name": resourceServiceName, ...resourceAttributes } = keyValueList("OTEL_RESOURCE_ATTRIBUTES", read, problems);
  const samplerName = read("OTEL_TRACES_SAMPLER")?.toLowerCase() ?? "parentbased_always_on";
  if (!(TRACE_SAMPLERS as readonly string[]).includes(samplerName))
    problems.push(`OTEL_TRACES_SAMPLER: must be one of ${TRACE_SAMPLERS.join(", ")} (got "${samplerName}")`);
  const ratioText = read("OTEL_TRACES_SAMPLER_ARG");
  const ratio = ratioText === undefined ? 1 : Number(ratioText);
  if (samplerName.endsWith("traceidratio") && !(ratioText === undefined || (/^[\d.]+$/.test(ratioText) && ratio >= 0 && ratio <= 1)))
    problems.push(`OTEL_TRACES_SAMPLER_ARG: must be a number from 0 to 1 (got "${ratioText}")`);
  if (url === undefined) return null;
  return {
    url,
    headers,
    serviceName: read("OTEL_SERVICE_NAME") ?? resourceServiceName ?? DEFAULT_SERVICE_NAME,
    resourceAttributes,
    sampler: { name: samplerName as TraceSampler, ratio },
  };
}

/** The traces endpoint the variables name (the signal's own wins, as is; the general one gets /v1/traces), or undefined. */
function otlpTracesUrl(tracesEndpoint: string | undefined, endpoint: string | undefined, problems: string[]): string | undefined {
  const name = tracesEndpoint !== undefined ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" : "OTEL_EXPORTER_OTLP_ENDPOINT";
  const given = tracesEndpoint ?? endpoint;
  if (given === undefined) return undefined;
  const url = safeUrl(given);
  if (url === null || !/^https?:$/.test(url.protocol)) {
    // Never echo the value: a URL can carry credentials.
    problems.push(`${name}: must be an http(s) URL, e.g. http://127.0.0.1:4318${tracesEndpoint !== undefined ? "/v1/traces" : ""}`);
    return undefined;
  }
  return tracesEndpoint !== undefined ? url.href : `${url.href.replace(/\/+$/, "")}/v1/traces`;
}

/** `key=value,key2=value2` with URL-encoded parts (the OTEL_*_HEADERS and OTEL_RESOURCE_ATTRIBUTES format). */
function keyValueList(name: string, read: (name: string) => string | undefined, problems: string[]): Record<string, string> {
  const raw = read(name);
  const result: Record<string, string> = {};
  if (raw === undefined) return result;
  for (const entry of raw.split(",")) {
    if (entry.trim() === "") continue;
    const at = entry.indexOf("=");
    let key: string | undefined;
    let value: string | undefined;
    try {
      key = at > 0 ? decodeURIComponent(entry.slice(0, at).trim()) : undefined;
      value = at > 0 ? decodeURIComponent(entry.slice(at + 1).trim()) : undefined;
    } catch {
      key = undefined;
    }
    if (!key || value === undefined) {
      // The values are often secrets (an API key header): name the variable, not its content.
      problems.push(`${name}: must be a comma-separated list of key=value pairs (URL-encoded)`);
      return {};
    }
    result[key] = value;
  }
  return result;
}
