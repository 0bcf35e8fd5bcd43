/**
 * Live events of one gateway instance: the approval queue's changes, heard through PostgreSQL
 * LISTEN/NOTIFY (the agent_workflows migration NOTIFYs on every submit and transition) and fanned
 * out in-process to every subscriber (Fanout). Because the database is the
 * broker, a change committed through any instance (or by any SQL client) reaches the subscribers of
 * every instance on that database.
 *
 * Notifications carry only { id, status, event }. Subscriptions re-read the row per event inside a
 * short transaction as the subscriber (withRls), so a subscriber sees exactly what its role may read.
 *
 * Deadlines become EXPIRED events through the expiry sweep, a job of its own (src/jobs/approval-expiry.ts).
 */
import type pg from "pg";
import type { AgentKeyVerifier } from "../auth/agent-keys.ts";
import type { Viewer } from "../auth/viewer.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Logger } from "../logger.ts";
import { untilCredentialEnds } from "./credential-end.ts";
import { Fanout } from "./fanout.ts";
import { releasing, type Semaphore, type SubscriptionLimits } from "./limits.ts";
import { PgListener } from "./pg-listener.ts";
import type { AgentKeyChanges, ApprovalQueueEventKind, ApprovalQueueNotice, ApprovalStatus, ListenMode } from "./types.ts";

export type { ApprovalQueueEventKind, ApprovalQueueNotice } from "./types.ts";
export { ListenDeliveryError } from "./pg-listener.ts";

/** The channel the agent_workflows migration NOTIFYs on. */
export const APPROVAL_QUEUE_CHANNEL = "agent_approval_events";
/** The channel the agent_keys migration NOTIFYs on (create, revoke, delete; payload { id, event }). */
export const AGENT_KEY_CHANNEL = "agent_key_events";

export interface GatewayEvents extends AgentKeyChanges {
  /** "listen": every committed change on the database; "shared-session": embedded PGlite, this instance's own changes only. */
  readonly delivery: ListenMode;
  /**
   * Every approval-queue notice from now on; ends when the consumer returns (client disconnects).
   * Behind withSubscriptionLimits the subscriber takes a slot, or gets TOO_MANY_SUBSCRIPTIONS.
   */
  approvalQueue(subscriber: Viewer): AsyncIterableIterator<ApprovalQueueNotice>;
  /** Bounds how many per-event re-reads run at once (src/pubsub/rls-events.ts); absent = unbounded. */
  readonly rereads?: Semaphore;
  /** The base (privileged) client: each event is re-read through withRls(prisma, viewer, ...). */
  readonly prisma: PrismaClient;
  /** Stops listening; open subscriptions end. */
  close(): Promise<void>;
}

export interface GatewayEventsOptions {
  /**
   * The database to LISTEN on: DATABASE_LISTEN_URL (default DATABASE_URL), a session connection; through
   * a transaction-mode pooler start fails with ListenDeliveryError (src/pubsub/pg-listener.ts).
   */
  databaseUrl: string;
  prisma: PrismaClient;
  /** The gateway's pool: needed for delivery on embedded PGlite (see PgListener.attachPool). */
  pool?: pg.Pool;
  logger?: Logger;
  /** Listener heartbeat interval (default 30 s). */
  heartbeatMs?: number;
  /** How long the start waits for its test notification (default 5 s). */
  deliveryCheckMs?: number;
}

const EVENTS = new Set<string>(["submitted", "decided", "expired"]);
const STATUSES = new Set<string>(["pending", "approved", "rejected", "expired"]);

/** Parses a notification payload; undefined for anything that is not a queue notice. */
export function parseApprovalNotice(payload: string): ApprovalQueueNotice | undefined {
  try {
    const value = JSON.parse(payload) as Record<string, unknown>;
    if (typeof value.id === "string" && STATUSES.has(value.status as string) && EVENTS.has(value.event as string)) {
      return { id: value.id, status: value.status as ApprovalStatus, event: value.event as ApprovalQueueEventKind };
    }
  } catch {
    // fall through
  }
  return undefined;
}

/** A key id from an agent-key notification; undefined (= anything may have changed) if unreadable. */
function parseKeyNotice(payload: string): string | undefined {
  try {
    const value = JSON.parse(payload) as Record<string, unknown>;
    return typeof value.id === "string" ? value.id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The same events, with the subscription caps and the re-read bound applied (the gateway's view of
 * them), and every stream ending when its subscriber's credential does (src/pubsub/credential-end.ts).
 */
export function withSubscriptionLimits(
  events: GatewayEvents,
  limits: SubscriptionLimits,
  rereads: Semaphore,
  agentKeys?: AgentKeyVerifier,
  logger?: Logger,
): GatewayEvents {
  return {
    delivery: events.delivery,
    prisma: events.prisma,
    rereads,
    onAgentKeyChange: (listener) => events.onAgentKeyChange(listener),
    hearsEveryKeyChange: () => events.hearsEveryKeyChange(),
    approvalQueue(subscriber) {
      const release = limits.acquire(subscriber); // throws before anything is subscribed
      return releasing(untilCredentialEnds(events.approvalQueue(subscriber), subscriber, { keys: agentKeys, logger }), release);
    },
    close: () => events.close(),
  };
}

/** Connects the listener (rejects if the database cannot be reached, or notifications do not reach it). */
export async function startGatewayEvents(options: GatewayEventsOptions): Promise<GatewayEvents> {
  const { logger } = options;
  const approvalQueue = new Fanout<ApprovalQueueNotice>();
  const keyListeners = new Set<(keyId: string | undefined) => void>();
  const keyChanged = (keyId: string | undefined) => {
    for (const listener of keyListeners) listener(keyId);
  };
  const listener = new PgListener({
    connectionString: options.databaseUrl,
    channels: [APPROVAL_QUEUE_CHANNEL, AGENT_KEY_CHANNEL],
    logger,
    heartbeatMs: options.heartbeatMs,
    deliveryCheckMs: options.deliveryCheckMs,
    // Changes while the connection was down were missed: whatever was cached about keys may be stale.
    onReconnect: () => keyChanged(undefined),
    onNotification: (payload, channel) => {
      if (channel === AGENT_KEY_CHANNEL) return keyChanged(parseKeyNotice(payload));
      const notice = parseApprovalNotice(payload);
      if (notice) approvalQueue.publish(notice);
      else logger?.warn("LISTEN/NOTIFY: ignored a malformed approval-queue notification", { payload: payload.slice(0, 200) });
    },
  });
  const delivery = await listener.start();
  if (delivery === "shared-session") {
    if (options.pool) listener.attachPool(options.pool);
    else logger?.warn("LISTEN/NOTIFY: no pool given for the embedded database; live events will not be delivered");
  }

  return {
    delivery,
    prisma: options.prisma,
    approvalQueue: () => approvalQueue.subscribe(),
    onAgentKeyChange(keyListener) {
      keyListeners.add(keyListener);
      return () => keyListeners.delete(keyListener);
    },
    // Embedded PGlite hears only this instance's own connections (not the CLI's): no caching there.
    hearsEveryKeyChange: () => delivery === "listen" && listener.listening,
    async close() {
      keyChanged(undefined);
      keyListeners.clear();
      await listener.close();
      approvalQueue.close();
    },
  };
}
