/**
 * A PostgreSQL LISTEN connection that stays up: one dedicated pg.Client per gateway instance,
 * LISTENing on its channels (the approval queue's, the agent keys'), reconnecting with backoff when the connection drops (server restart,
 * pg_terminate_backend, network), and checked by a heartbeat so a silently dead socket is noticed.
 *
 * NOTIFY is delivered at COMMIT, to every listening session of the database, so every gateway
 * instance on the same database hears every committed change, and never a rolled-back one.
 *
 * Embedded PGlite: its socket server multiplexes every client onto ONE backend session, and a
 * notification comes back on the connection whose transaction committed it, not on the listener.
 * start() detects that (both connections report the same backend pid, and the server is PGlite) and reports
 * mode "shared-session"; attachPool() then picks notifications up from the gateway's own pool
 * connections. Delivery is then in-process only: changes made through this gateway's pool arrive,
 * changes made by other clients of the embedded database (psql on its socket) do not.
 *
 * Through a transaction-mode pooler (PgBouncer pool_mode=transaction, Supavisor on port 6543) LISTEN
 * succeeds but hears nothing: the server connection that ran it goes back to the pool, and PgBouncer
 * drops what arrives on it ("got packet 'A' from server when not linked"); the heartbeat keeps
 * succeeding. start() therefore sends itself a notification from another connection and fails with
 * ListenDeliveryError when it does not arrive (tests/pooler.test.ts).
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Logger } from "../logger.ts";
import { quoteIdent } from "../lib/sql.ts";

import type { ListenMode } from "./types.ts";

export interface PgListenerOptions {
  connectionString: string;
  /** Every channel this connection LISTENs on; notifications on others are ignored. */
  channels: readonly string[];
  onNotification: (payload: string, channel: string) => void;
  logger?: Logger;
  /** First reconnect delay; doubles per failed attempt up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** How often the connection is checked with SELECT 1 (0 = never). */
  heartbeatMs?: number;
  /** Called after a dropped connection is listening again (events in between were missed). */
  onReconnect?: () => void;
  /** How long start() waits for its own test notification (default 5 s; it normally takes milliseconds). */
  deliveryCheckMs?: number;
}

const APPLICATION_NAME = "hotdash-gateway-listener";
/** The channel of start()'s test notification: nothing else uses it. */
const DELIVERY_CHECK_CHANNEL = "hotdash_listen_check";
const DEFAULT_DELIVERY_CHECK_MS = 5_000;

/** LISTEN succeeded but a notification sent on the database never arrived: not a session connection. */
export class ListenDeliveryError extends Error {
  override name = "ListenDeliveryError";
  readonly code = "LISTEN_NOT_DELIVERED";
  constructor(waitedMs: number) {
    super(
      `LISTEN/NOTIFY does not work on DATABASE_LISTEN_URL (default DATABASE_URL): a test notification did not arrive within ${waitedMs} ms, ` +
        "as happens through a transaction-mode pooler (PgBouncer pool_mode=transaction, Supavisor on port 6543). " +
        "Set DATABASE_LISTEN_URL to a direct or session-mode connection (docs/operations.md, Behind a connection pooler).",
    );
  }
}

export class PgListener {
  private client: pg.Client | undefined;
  private closed = false;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly attachedPools = new Set<pg.Pool>();
  private _mode: ListenMode | undefined;

  constructor(private readonly options: PgListenerOptions) {
    this.backoffMs = options.minBackoffMs ?? 250;
  }

  /** "listen" (a real server) or "shared-session" (embedded PGlite); undefined before start(). */
  get mode(): ListenMode | undefined {
    return this._mode;
  }

  /** Whether the LISTEN connection is up right now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /**
   * Connects and LISTENs; rejects if the first attempt fails (later drops reconnect on their own), or
   * with ListenDeliveryError if notifications do not reach the connection.
   */
  async start(): Promise<ListenMode> {
    await this.connect();
    try {
      this._mode = await this.checkSession();
    } catch (error) {
      await this.close();
      throw error;
    }
    if (this._mode === "shared-session") {
      this.options.logger?.warn(
        "LISTEN/NOTIFY: the database multiplexes connections onto one session (embedded PGlite); live events come only from this gateway's own connections",
        {
          channels: this.options.channels,
        },
      );
    }
    return this._mode;
  }

  /**
   * In shared-session mode notifications arrive on the pool connection that committed them: listen
   * there too. Call before the pool is first used; connections opened earlier are not covered.
   */
  attachPool(pool: pg.Pool): void {
    if (this.attachedPools.has(pool)) return;
    this.attachedPools.add(pool);
    pool.on("connect", (client) => {
      client.on("notification", (message) => this.deliver(message));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeatTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private deliver(message: pg.Notification): void {
    if (!this.options.channels.includes(message.channel) || message.payload === undefined) return;
    try {
      this.options.onNotification(message.payload, message.channel);
    } catch (error) {
      this.options.logger?.error("LISTEN/NOTIFY: a notification handler failed", { err: error });
    }
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: APPLICATION_NAME,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      // Only LISTEN and the heartbeat run here; a hung one means a dead connection.
      query_timeout: 10_000,
    });
    // Without an 'error' listener a dropped connection would crash the process.
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client));
    client.on("notification", (message) => this.deliver(message));
    try {
      await client.connect();
      for (const channel of this.options.channels) await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (error) {
      client.removeAllListeners("end");
      await client.end().catch(() => {});
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.backoffMs = this.options.minBackoffMs ?? 250;
    this.startHeartbeat(client);
  }

  /**
   * What a second connection tells about this one. One backend pid for both on PGlite: one session (its
   * socket server). Otherwise a notification from the second must reach this one, or it is no session.
   */
  private async checkSession(): Promise<ListenMode> {
    const probe = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: APPLICATION_NAME,
      connectionTimeoutMillis: 5_000,
    });
    probe.on("error", () => {});
    try {
      await probe.connect();
      const [mine, theirs] = await Promise.all([
        this.client!.query<{ pid: number }>("SELECT pg_backend_pid() AS pid"),
        probe.query<{ pid: number; version: string }>("SELECT pg_backend_pid() AS pid, version() AS version"),
      ]);
      // A pooler may hand both statements the same server connection too: only PGlite is one session.
      if (mine.rows[0].pid === theirs.rows[0].pid && /\bPGlite\b/.test(theirs.rows[0].version)) return "shared-session";
      await this.checkDelivery(this.client!, probe);
      return "listen";
    } finally {
      await probe.end().catch(() => {});
    }
  }

  /** Sends a notification from `sender` and waits for it on `listener`; ListenDeliveryError if it never comes. */
  private async checkDelivery(listener: pg.Client, sender: pg.Client): Promise<void> {
    const nonce = randomUUID();
    const waitMs = this.options.deliveryCheckMs ?? DEFAULT_DELIVERY_CHECK_MS;
    let heard!: () => void;
    const arrived = new Promise<void>((resolve) => (heard = resolve));
    const onNotification = (message: pg.Notification) => {
      if (message.channel === DELIVERY_CHECK_CHANNEL && message.payload === nonce) heard();
    };
    listener.on("notification", onNotification);
    let timer: NodeJS.Timeout | undefined;
    try {
      await listener.query(`LISTEN ${quoteIdent(DELIVERY_CHECK_CHANNEL)}`);
      await sender.query("SELECT pg_notify($1, $2)", [DELIVERY_CHECK_CHANNEL, nonce]);
      const delivered = await Promise.race([
        arrived.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
      ]);
      if (!delivered) throw new ListenDeliveryError(waitMs);
    } finally {
      clearTimeout(timer);
      listener.off("notification", onNotification);
      await listener.query(`UNLISTEN ${quoteIdent(DELIVERY_CHECK_CHANNEL)}`).catch(() => {});
    }
  }

  private startHeartbeat(client: pg.Client): void {
    const every = this.options.heartbeatMs ?? 30_000;
    if (every <= 0) return;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => {
      client.query("SELECT 1").catch((error) => this.lost(client, error));
    }, every);
    this.heartbeatTimer.unref();
  }

  private lost(client: pg.Client, error?: unknown): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    clearInterval(this.heartbeatTimer);
    this.options.logger?.warn("LISTEN/NOTIFY: connection lost; reconnecting", { channels: this.options.channels, err: error });
    client.end().catch(() => {});
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 10_000);
    this.reconnectTimer = setTimeout(() => {
      this.connect().then(
        () => {
          if (this.closed) return;
          this.options.logger?.info("LISTEN/NOTIFY: listening again", { channels: this.options.channels });
          this.options.onReconnect?.();
        },
        (error) => {
          this.options.logger?.warn("LISTEN/NOTIFY: reconnect failed", { channels: this.options.channels, retryInMs: this.backoffMs, err: error });
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnectTimer.unref();
  }
}
