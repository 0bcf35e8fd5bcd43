/**
 * The project's public signing keys (ES256 / RS256), for src/context/auth.ts. Built on jose's
 * createRemoteJWKSet / createLocalJWKSet (jose does all key parsing and crypto); this module only
 * decides *when* the set is fetched, because jose's own schedule does not fit a gateway:
 *  - jose ignores Cache-Control and, once its cacheMaxAge has passed, refetches inside the next
 *    verification, which then fails while the endpoint is down. Here jose's cache never expires
 *    (cacheMaxAge Infinity) and a background timer refreshes the set instead, after the response's
 *    Cache-Control max-age (clamped to [cooldown, 10 min]; 10 min without one). No request waits
 *    for a refresh, and a failed refresh keeps the cached keys.
 *  - a token naming an unknown kid makes jose refetch at once, at most once per cooldown after a
 *    successful fetch (jose's cooldownDuration); a failed fetch blocks request-triggered fetches
 *    for a cooldown too (jose would retry on every such token), so a flood of bad kids costs the
 *    endpoint at most one request per cooldown, up or down.
 * The file source (SUPABASE_JWKS_FILE) goes through the same path, read instead of fetched, so an
 * edited file is picked up like a rotated endpoint.
 */
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors as jose,
  type FetchImplementation,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from "jose";
import type { Logger } from "../logger.ts";

export type JwksSource = { kind: "url"; url: string } | { kind: "file"; path: string } | { kind: "inline"; jwks: JSONWebKeySet };

export interface KeySetTiming {
  /** Minimum time between fetches a token can trigger (unknown kid), and the retry interval while failing. */
  cooldownMs: number;
  /** Longest the set is kept before a refresh, and the refresh interval without Cache-Control max-age. */
  maxAgeMs: number;
  /** One fetch gives up after this long. */
  timeoutMs: number;
}

export const DEFAULT_KEY_SET_TIMING: KeySetTiming = { cooldownMs: 30_000, maxAgeMs: 10 * 60_000, timeoutMs: 5_000 };

/**
 * FRESH: keys loaded, last refresh succeeded. STALE: keys loaded, the last refresh failed (the cached
 * keys still verify). LOADING: first fetch in flight. UNAVAILABLE: no key was ever loaded.
 */
export type KeySetStatus = "FRESH" | "STALE" | "LOADING" | "UNAVAILABLE";

export interface KeySetHealth {
  status: KeySetStatus;
  /** Where the keys come from: the URL, the file path, or "inline". */
  source: string;
  /** Keys in the cached set. */
  keys: number;
  /** Last successful load (ms since the epoch), null before one. */
  loadedAt: number | null;
  /** Why the last attempt failed, null when it succeeded. Server-side only (logs, banner). */
  lastError: string | null;
}

export interface SigningKeys {
  /** Key lookup for jose's jwtVerify (by the token's kid and alg). */
  getKey: JWTVerifyGetKey;
  health(): KeySetHealth;
  /** Settles when the first load attempt (started at creation: the warm-up) has finished. */
  ready(): Promise<KeySetHealth>;
  /** Stops the refresh timer. */
  close(): void;
}

/** The keys could not be loaded (or refreshed for an unknown kid): the token cannot be judged. */
export class SigningKeysUnavailable extends Error {
  override name = "SigningKeysUnavailable";
}

/** The JWKS address of a Supabase project (SUPABASE_URL). */
export const jwksUrlOf = (supabaseUrl: string) => `${supabaseUrl.replace(/\/+$/, "")}/auth/v1/.well-known/jwks.json`;

/**
 * The check of a key set given in the configuration (sync, before start): a non-empty set of public
 * EC/RSA keys. (A fetched set is only checked for its shape: the endpoint is the project's.)
 * jose validates the keys themselves when it imports them. Returns a problem, or null.
 */
export function jwksProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null || !Array.isArray((value as JSONWebKeySet).keys)) return 'must be a JWKS: {"keys":[…]}';
  const keys = (value as JSONWebKeySet).keys;
  if (keys.length === 0) return "has no keys";
  for (const key of keys) {
    if (typeof key !== "object" || key === null || !["EC", "RSA"].includes(String(key.kty)))
      return 'every key must be an EC or RSA public key (kty "EC" or "RSA")';
    // Private or symmetric material must never be configured (or published) as a verification key.
    if (["d", "p", "q", "dp", "dq", "qi", "k"].some((field) => field in key)) return "holds private key material: give only the public keys";
  }
  return null;
}

/** Cache lifetime from a Cache-Control header: max-age clamped to [min, max]; max when absent. */
export function cacheLifetimeMs(cacheControl: string | null, { cooldownMs, maxAgeMs }: Pick<KeySetTiming, "cooldownMs" | "maxAgeMs">): number {
  const directives = (cacheControl ?? "").toLowerCase();
  // no-store / no-cache would mean "fetch per request", which this gateway never does: refresh as often as allowed.
  if (/(^|[\s,])(no-store|no-cache)\b/.test(directives)) return cooldownMs;
  const match = /(?:^|[\s,])(?:s-maxage|max-age)\s*=\s*"?(\d+)/.exec(directives);
  if (!match) return maxAgeMs;
  return Math.min(maxAgeMs, Math.max(cooldownMs, Number(match[1]) * 1000));
}

export function createSigningKeys(
  source: JwksSource,
  options: {
    timing?: Partial<KeySetTiming>;
    logger?: Logger;
    /** Told of every failed load or refresh (the metrics); not of requests refused while waiting to retry. */
    onLoadFailure?: () => void;
  } = {},
): SigningKeys {
  const timing = { ...DEFAULT_KEY_SET_TIMING, ...options.timing };
  if (source.kind === "inline") {
    const local = createLocalJWKSet(source.jwks);
    const health: KeySetHealth = { status: "FRESH", source: "inline", keys: source.jwks.keys.length, loadedAt: Date.now(), lastError: null };
    return { getKey: lookup(local), health: () => ({ ...health }), ready: () => Promise.resolve({ ...health }), close: () => {} };
  }

  const log = options.logger;
  const where = source.kind === "url" ? source.url : source.path;
  const state: Omit<KeySetHealth, "status" | "source"> & { attempted: boolean } = { keys: 0, loadedAt: null, lastError: null, attempted: false };
  /** Until then, fetches a token would trigger fail at once (set after a failure). */
  let blockedUntil = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (closed) return;
    timer = setTimeout(() => {
      blockedUntil = 0; // the scheduled retry itself may go
      remote.reload().catch(() => {}); // recorded by load()
    }, ms);
    timer.unref();
  };

  // Every fetch jose makes comes through here: validated, timed and recorded in one place.
  const load: FetchImplementation = async (url, init) => {
    if (Date.now() < blockedUntil) throw new SigningKeysUnavailable(`not retried yet after: ${state.lastError}`);
    state.attempted = true;
    try {
      let body: string;
      let lifetime = timing.maxAgeMs;
      if (source.kind === "file") {
        body = await readFile(source.path, "utf8");
      } else {
        const response = await fetch(url, init);
        if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
        body = await response.text();
        lifetime = cacheLifetimeMs(response.headers.get("cache-control"), timing);
      }
      const jwks = JSON.parse(body) as JSONWebKeySet;
      // Only the shape: an empty set is a valid answer (a project still on the legacy secret publishes
      // none), and keys jose cannot use for ES256/RS256 (another kty, a future algorithm) are skipped by it.
      if (!Array.isArray(jwks?.keys)) throw new Error('the response is not a JWKS ({"keys":[…]})');
      if (state.lastError !== null) log?.info("signing keys loaded again", { source: where, keys: jwks.keys.length });
      Object.assign(state, { keys: jwks.keys.length, loadedAt: Date.now(), lastError: null });
      schedule(lifetime);
      return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
    } catch (error) {
      const reason = describe(error, timing.timeoutMs);
      state.lastError = reason;
      options.onLoadFailure?.();
      blockedUntil = Date.now() + timing.cooldownMs;
      schedule(timing.cooldownMs);
      log?.warn(state.loadedAt === null ? "signing keys could not be loaded" : "signing keys refresh failed; the cached keys stay in use", {
        source: where,
        error: reason,
        retryInMs: timing.cooldownMs,
      });
      throw new SigningKeysUnavailable(reason, { cause: error });
    }
  };

  const url = source.kind === "url" ? new URL(source.url) : pathToFileURL(source.path);
  const remote = createRemoteJWKSet(url, {
    cacheMaxAge: Infinity, // refreshed by the timer above, never inside a request
    cooldownDuration: timing.cooldownMs,
    timeoutDuration: timing.timeoutMs,
    [customFetch]: load,
  });
  const warmUp = remote.reload().catch(() => {}); // warm the set at start; failures are recorded

  const health = (): KeySetHealth => {
    const status: KeySetStatus =
      state.loadedAt !== null
        ? state.lastError === null
          ? "FRESH"
          : "STALE"
        : state.attempted && state.lastError !== null
          ? "UNAVAILABLE"
          : "LOADING";
    const { attempted: _attempted, ...rest } = state;
    return { status, source: where, ...rest };
  };

  return {
    getKey: lookup(remote),
    health,
    ready: () => warmUp.then(health),
    close: () => {
      closed = true;
      clearTimeout(timer);
    },
  };
}

/** jose's resolver, with load failures turned into SigningKeysUnavailable (key mismatches pass through). */
function lookup(resolve: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await resolve(header, token);
    } catch (error) {
      if (error instanceof jose.JWKSNoMatchingKey || error instanceof jose.JWKSMultipleMatchingKeys || error instanceof jose.JOSENotSupported)
        throw error;
      if (error instanceof SigningKeysUnavailable) throw error;
      if (error instanceof jose.JWKSInvalid || error instanceof jose.JOSEError) throw error; // a key jose cannot import
      throw new SigningKeysUnavailable(describe(error, 0), { cause: error });
    }
  };
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `no answer within ${timeoutMs} ms`;
  if (error instanceof SyntaxError) return "the response is not JSON";
  if (error instanceof Error) {
    // fetch's own message is just "fetch failed": the reason (ECONNREFUSED, bad port, …) is in its cause.
    const cause = error.cause as { code?: string; message?: string } | undefined;
    const detail = cause?.code ?? (error as { code?: string }).code ?? cause?.message;
    return detail ? `${error.message} (${detail})` : error.message;
  }
  return String(error);
}
