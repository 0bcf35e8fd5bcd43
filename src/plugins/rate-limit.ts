/**
 * Per-agent budgets: GraphQL requests per minute and summed cost estimates per minute, per caller,
 * with limits per role (config.budgets, docs/operations.md "Per-agent budgets"). The caller is the
 * agent key when one was used, else the token's subject, else (no subject) the client's address as
 * the socket has it (behind a proxy: the proxy's, one bucket for every anonymous caller).
 *
 * - Requests count in onParams, once per operation (after authentication: the viewer is known;
 *   before parsing: a refused request costs no parse and no SQL). A subscription counts once.
 * - Cost counts in onExecute/onSubscribe, after useQueryLimits estimated the operation and let it
 *   through (an operation refused there costs nothing here). An operation whose estimate would take
 *   the caller past its budget is refused, and its points are given back, since it does not run.
 *
 * Refusals: 429, Retry-After (whole seconds, ≥ 1) and RATE_LIMITED. Each limit is a fixed one-minute
 * window from the caller's first count (rate-limiter-flexible). With REDIS_URL the counters live in
 * Redis and every instance shares them; without, each instance counts in process. When Redis cannot
 * answer (down, not yet connected, a command past REDIS_COMMAND_TIMEOUT_MS), the in-process counters
 * decide instead, and Redis is skipped for REDIS_PAUSE_MS: budgets fail open to per instance, never to
 * unlimited, with a warning (once per outage) and a metric (per check).
 */
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Plugin } from "graphql-yoga";
import type { RoleBudget } from "../config.ts";
import type { GatewayContext, Role, Viewer } from "../context/types.ts";
import type { Logger } from "../logger.ts";
import { budgetRoleOf } from "../auth/policy.ts";
import { ClientError } from "../errors.ts";
import { viewerOf } from "./authenticate.ts";
import { estimateOf } from "./limits.ts";

export type BudgetKind = "requestsPerMinute" | "costPerMinute";
export type AgentBudgets = Record<Role, Pick<RoleBudget, BudgetKind>>;

const WINDOW_SECONDS = 60;
/** A Redis that takes longer is treated as down for that request (the in-process counter decides). */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
/** After Redis failed a check, the next checks skip it for this long (one slow check, not one per request). */
const REDIS_PAUSE_MS = 1_000;
/** How long listen() waits for Redis at start before serving with in-process counters. */
const REDIS_CONNECT_WAIT_MS = 2_000;

export interface AgentBudgetOptions {
  budgets: AgentBudgets;
  /** null = in process only. */
  redisUrl: string | null;
  keyPrefix: string;
  logger: Logger;
  /** Each check the in-process counter decided because Redis could not answer (or failed just before). */
  onStoreFailure?: () => void;
}

export interface AgentBudgetLimiter {
  plugin: Plugin<GatewayContext>;
  /** Waits (briefly) for Redis so the first requests already share the counters. Never throws. */
  connect(): Promise<void>;
  /** Drops the Redis connection (nothing is pending: each count is one atomic command). */
  close(): Promise<void>;
}

/** Whose budget a request spends: the agent key, else the subject, else the client's address. */
export function callerOf(viewer: Viewer, address: string | undefined): string {
  if (viewer.agent) return `key:${viewer.agent.keyId}`;
  if (viewer.subject !== null) return `sub:${viewer.subject}`;
  return address ? `addr:${address}` : "anon";
}

/** The client's address, from the node:http request yoga puts in the server context. */
function addressOf(context: object): string | undefined {
  const req = (context as { req?: { socket?: { remoteAddress?: unknown } } }).req;
  const address = req?.socket?.remoteAddress;
  return typeof address === "string" ? address : undefined;
}

const UNITS: Record<BudgetKind, string> = { requestsPerMinute: "requests", costPerMinute: "cost" };

export function rateLimited(kind: BudgetKind, role: Role, limit: number, msBeforeNext: number, cost?: { cost: number; used: number }): ClientError {
  const retryAfter = Math.max(1, Math.ceil(msBeforeNext / 1000));
  const number = (n: number) => n.toLocaleString("en-US");
  const message =
    kind === "requestsPerMinute"
      ? `Rate limited: the ${role} budget of ${number(limit)} requests per minute is used up; retry in ${retryAfter} s.`
      : `Rate limited: this operation's cost estimate ${number(cost!.cost)} would take you past the ${role} budget of ` +
        `${number(limit)} per minute (${number(cost!.used)} used); retry in ${retryAfter} s, or ask for fewer items.`;
  return new ClientError(message, "RATE_LIMITED", {
    extensions: {
      budget: kind,
      limit,
      unit: UNITS[kind],
      retryAfterSeconds: retryAfter,
      ...(cost && { cost: cost.cost, used: cost.used }),
      http: { status: 429, headers: { "Retry-After": String(retryAfter) } },
    },
  });
}

/** Over the limit: the library's answer, and how to give the points back (on the store that counted them). */
interface Refusal {
  res: RateLimiterRes;
  refund(): Promise<void>;
}

/** One limit (role × kind): Redis when configured, the in-process counter when Redis cannot answer. */
interface Counter {
  /** null when allowed. */
  consume(caller: string, points: number): Promise<Refusal | null>;
}

export function createAgentBudgets(options: AgentBudgetOptions): AgentBudgetLimiter {
  const { budgets, logger, onStoreFailure } = options;
  const redis = options.redisUrl === null ? null : connectRedis(options.redisUrl);
  // Warn once per outage, say once that it is over: the log must not grow with the traffic.
  let degraded = false;
  let pausedUntil = 0;
  const unreachable = (error: unknown) => {
    if (degraded) return;
    degraded = true;
    logger.warn("Redis is unreachable: per-agent budgets are counted per instance until it answers again", { error: String(error) });
  };
  const failed = (error: unknown) => {
    pausedUntil = Date.now() + REDIS_PAUSE_MS;
    unreachable(error);
  };
  const recovered = () => {
    pausedUntil = 0;
    if (!degraded) return;
    degraded = false;
    logger.info("Redis answers again: per-agent budgets are shared by every instance again");
  };
  redis?.on("error", unreachable); // also keeps ioredis from printing each reconnection failure
  redis?.on("ready", recovered);

  const counter = (kind: BudgetKind, role: Role, points: number): Counter | null => {
    if (points === 0) return null; // 0 = unlimited
    const keyPrefix = `${options.keyPrefix}${kind}:${role}`;
    const memory = new RateLimiterMemory({ keyPrefix, points, duration: WINDOW_SECONDS });
    const store = redis && new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration: WINDOW_SECONDS, rejectIfRedisNotReady: true });
    const consumeOn = async (limiter: RateLimiterAbstract, caller: string, n: number): Promise<Refusal | null> => {
      try {
        await limiter.consume(caller, n);
        return null;
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res;
        return { res, refund: () => limiter.reward(caller, n).then(() => undefined, unreachable) };
      }
    };
    return {
      async consume(caller, n) {
        if (store && Date.now() >= pausedUntil) {
          try {
            const refusal = await consumeOn(store, caller, n);
            recovered();
            return refusal;
          } catch (error) {
            failed(error);
          }
        }
        if (store) onStoreFailure?.();
        return consumeOn(memory, caller, n);
      },
    };
  };
  const counters = Object.fromEntries(
    (Object.keys(budgets) as Role[]).map((role) => [
      role,
      {
        requestsPerMinute: counter("requestsPerMinute", role, budgets[role].requestsPerMinute),
        costPerMinute: counter("costPerMinute", role, budgets[role].costPerMinute),
      },
    ]),
  ) as Record<Role, Record<BudgetKind, Counter | null>>;

  const chargeCost = async (context: GatewayContext, stop: (result: { errors: ClientError[] }) => void) => {
    const role = budgetRoleOf(context.viewer);
    const costs = counters[role].costPerMinute;
    const cost = estimateOf(context)?.cost ?? 0;
    if (!costs || cost === 0) return;
    const caller = callerOf(context.viewer, addressOf(context));
    const refusal = await costs.consume(caller, cost);
    if (!refusal) return;
    await refusal.refund(); // it does not run
    const { msBeforeNext, consumedPoints } = refusal.res;
    const limit = budgets[role].costPerMinute;
    stop({ errors: [rateLimited("costPerMinute", role, limit, msBeforeNext, { cost, used: Math.max(0, consumedPoints - cost) })] });
  };

  return {
    plugin: {
      // Synchronous for unlimited roles: only a counted request takes the promise path.
      onParams({ request, context, setResult }) {
        const viewer = viewerOf(request);
        if (!viewer) return;
        const role = budgetRoleOf(viewer);
        const requests = counters[role].requestsPerMinute;
        if (!requests) return;
        return requests.consume(callerOf(viewer, addressOf(context)), 1).then((refusal) => {
          if (refusal) setResult({ errors: [rateLimited("requestsPerMinute", role, budgets[role].requestsPerMinute, refusal.res.msBeforeNext)] });
        });
      },
      onExecute({ args, setResultAndStopExecution }) {
        return chargeCost(args.contextValue, setResultAndStopExecution);
      },
      onSubscribe({ args, setResultAndStopExecution }) {
        return chargeCost(args.contextValue, setResultAndStopExecution);
      },
    },
    async connect() {
      if (!redis) return;
      // A refused connection answers at once; a silent one gets the wait.
      const ready = new Promise<boolean>((resolve) => {
        if (redis.status === "ready") resolve(true);
        redis.once("ready", () => resolve(true));
        redis.once("error", () => resolve(false));
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), REDIS_CONNECT_WAIT_MS)));
      const connected = await Promise.race([ready, timeout]);
      clearTimeout(timer);
      if (!connected) unreachable(new Error(`not connected after ${REDIS_CONNECT_WAIT_MS} ms`));
      // Host and port only: the URL may carry a password.
      else logger.info("Per-agent budgets are counted in Redis, shared by every instance", { redis: new URL(options.redisUrl!).host });
    },
    close() {
      redis?.disconnect(); // no reconnection after this; nothing keeps the process alive
      return Promise.resolve();
    },
  };
}

/** A client that fails fast instead of queueing: a request never waits for a Redis that is away. */
function connectRedis(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: REDIS_CONNECT_WAIT_MS,
    // Keep trying in the background, at most every 5 s; requests meanwhile use the in-process counters.
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  });
}
