/**
 * Agent keys: credentials of an agent's own (`hdk_` + 32 random bytes, base64url), so what an agent
 * does is attributed to it instead of to a shared service_role token.
 *
 * Storage: only SHA-256(key) is kept (table agent_keys, RLS on, no grant to any API role; the
 * gateway reads it through its privileged connection before any request role is set). A fast hash
 * is enough because the key is 256 random bits: there is no dictionary to try, so a slow password
 * hash would only cost every request without making a stolen hash any less useless.
 *
 * Verification (AgentKeyVerifier): the presented key's hash is looked up by its unique index, at
 * most one indexed read per request. While the gateway hears every key change (LISTEN on a real
 * server, see src/pubsub/index.ts: the migration NOTIFYs on create, revoke and delete), results are
 * cached, known keys and unknown ones alike, and a change drops them at once on every instance;
 * when it cannot hear changes (no events, listener down, embedded PGlite) nothing is cached.
 *
 * Administration (createAgentKey, listAgentKeys, revokeAgentKeys) is for the CLI
 * (scripts/agent-key.ts) and the embedded start (src/index.ts), on the privileged connection.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ClientError } from "../errors.ts";
import type { Viewer } from "./viewer.ts";
import type { AgentKeyChanges } from "../pubsub/types.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Logger } from "../logger.ts";

export const AGENT_KEY_PREFIX = "hdk_";
const SECRET_BYTES = 32;
/** hdk_ + 32 bytes in unpadded base64url (43 characters). Anything else is refused without a read. */
const KEY_FORMAT = /^hdk_[A-Za-z0-9_-]{43}$/;
/** Agent names, as the agent_keys_agent_check constraint has them. */
export const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const KEY_ID = /^ak_[0-9a-f]{12}$/;

export type AgentKeyFailure = "UNKNOWN_KEY" | "KEY_REVOKED" | "KEY_EXPIRED";

/** 401 UNAUTHENTICATED with a specific reason, shaped like the JWT authenticator's errors. */
export function agentKeyError(reason: AgentKeyFailure): ClientError {
  const message = {
    UNKNOWN_KEY: "Invalid agent key: not known to this gateway.",
    KEY_REVOKED: "Invalid agent key: revoked.",
    KEY_EXPIRED: "Invalid agent key: expired.",
  }[reason];
  return new ClientError(message, "UNAUTHENTICATED", {
    extensions: { reason, http: { status: 401, headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' } } },
  });
}

export const isAgentKey = (credential: string): boolean => credential.startsWith(AGENT_KEY_PREFIX);
export const hashAgentKey = (key: string): Uint8Array<ArrayBuffer> => new Uint8Array(createHash("sha256").update(key, "utf8").digest());

/** The subject an agent key's requests carry (JWT `sub`, DecisionLog actor, request_subject). */
export const agentSubject = (agent: string): string => `agent:${agent}`;

export interface AgentKeyRecord {
  id: string;
  agent: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

/** The state of a key at `now`: usable, or why not. */
export function keyState(record: Pick<AgentKeyRecord, "expiresAt" | "revokedAt">, now = Date.now()): "ACTIVE" | "KEY_REVOKED" | "KEY_EXPIRED" {
  if (record.revokedAt) return "KEY_REVOKED";
  if (record.expiresAt && record.expiresAt.getTime() <= now) return "KEY_EXPIRED";
  return "ACTIVE";
}

/** The request identity an agent key gives: service_role, acting as the agent. */
export function agentViewer(record: Pick<AgentKeyRecord, "id" | "agent" | "expiresAt">): Viewer {
  const sub = agentSubject(record.agent);
  const expiresAt = record.expiresAt?.getTime();
  return {
    role: "service_role",
    subject: sub,
    // Forwarded to PostgreSQL as request.jwt.claims, so SQL sees who is calling too.
    claims: {
      role: "service_role",
      sub,
      agent: record.agent,
      key_id: record.id,
      ...(expiresAt !== undefined && { exp: Math.floor(expiresAt / 1000) }),
    },
    agent: { name: record.agent, keyId: record.id },
    ...(expiresAt !== undefined && { expiresAt }),
  };
}

// ───────────── administration (CLI, embedded start) ─────────────

export class AgentKeyAdminError extends Error {
  override name = "AgentKeyAdminError";
  constructor(
    readonly code: "INVALID_AGENT_NAME" | "INVALID_EXPIRY" | "NOT_FOUND",
    message: string,
  ) {
    super(message);
  }
}

export interface CreatedAgentKey extends AgentKeyRecord {
  /** The key itself: shown once, never stored. */
  key: string;
}

/** Makes a key for `agent` (expiring after `expiresInDays`, or never) and stores its hash. */
export async function createAgentKey(prisma: PrismaClient, agent: string, options: { expiresInDays?: number } = {}): Promise<CreatedAgentKey> {
  if (!AGENT_NAME.test(agent)) {
    throw new AgentKeyAdminError(
      "INVALID_AGENT_NAME",
      `Agent name "${agent}" is not valid: 1–64 letters, digits, "_", "." or "-", starting with a letter or digit.`,
    );
  }
  const days = options.expiresInDays;
  if (days !== undefined && !(Number.isFinite(days) && days > 0 && days <= 3650)) {
    throw new AgentKeyAdminError("INVALID_EXPIRY", "--expires must be a number of days between 0 and 3650 (fractions allowed).");
  }
  const key = AGENT_KEY_PREFIX + randomBytes(SECRET_BYTES).toString("base64url");
  const row = await prisma.agentKey.create({
    data: {
      id: `ak_${randomBytes(6).toString("hex")}`,
      agent,
      keyHash: hashAgentKey(key),
      expiresAt: days === undefined ? null : new Date(Date.now() + days * 86_400_000),
    },
    omit: { keyHash: true },
  });
  return { ...row, key };
}

export function listAgentKeys(prisma: PrismaClient): Promise<AgentKeyRecord[]> {
  return prisma.agentKey.findMany({ omit: { keyHash: true }, orderBy: [{ agent: "asc" }, { createdAt: "asc" }] });
}

/**
 * Revokes one key (by its id, ak_…) or every active key of an agent (by name). Returns the keys it
 * revoked; NOT_FOUND when nothing matched. Each revocation NOTIFYs every gateway (the trigger).
 */
export async function revokeAgentKeys(prisma: PrismaClient, target: string): Promise<AgentKeyRecord[]> {
  const where = KEY_ID.test(target) ? { id: target } : { agent: target };
  const revoked = await prisma.agentKey.updateManyAndReturn({
    where: { ...where, revokedAt: null },
    data: { revokedAt: new Date() },
    omit: { keyHash: true },
  });
  if (revoked.length === 0) {
    const exists = await prisma.agentKey.count({ where });
    throw new AgentKeyAdminError("NOT_FOUND", exists ? `Every key of "${target}" is already revoked.` : `No agent key or agent named "${target}".`);
  }
  return revoked;
}

/** The embedded demo's agent (src/index.ts prints its key with the development tokens). */
export const DEV_AGENT_NAME = "demo-agent";
export const DEV_AGENT_KEY_FILE = "agent.key";

export interface DevAgentKey {
  key: string;
  id: string;
  agent: string;
  file: string;
  /** true when this start made it (first start, or the previous one was revoked or lost). */
  created: boolean;
}

/**
 * The embedded demo's agent key: kept in `<dataDir>/agent.key` (mode 0600) so it stays the same
 * across restarts, and made anew when that file is missing or its key is no longer active. The
 * database keeps only the hash, as for every key. Embedded mode only: never for DATABASE_URL.
 */
export async function ensureDevAgentKey(prisma: PrismaClient, dataDir: string): Promise<DevAgentKey> {
  const file = path.resolve(dataDir, DEV_AGENT_KEY_FILE);
  let kept: string | undefined;
  try {
    kept = readFileSync(file, "utf8").trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (kept && KEY_FORMAT.test(kept)) {
    const row = await prisma.agentKey.findUnique({
      where: { keyHash: hashAgentKey(kept) },
      select: { id: true, agent: true, expiresAt: true, revokedAt: true },
    });
    if (row && keyState(row) === "ACTIVE") return { key: kept, id: row.id, agent: row.agent, file, created: false };
  }
  const created = await createAgentKey(prisma, DEV_AGENT_NAME);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${created.key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write
  return { key: created.key, id: created.id, agent: created.agent, file, created: true };
}

// ───────────── verification (the gateway) ─────────────

interface CachedKey {
  id: string;
  agent: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** Bounds the caches: a flood of made-up keys cannot grow memory without limit. */
const MAX_CACHED = 10_000;
/** last_used_at is written at most this often per key and instance (fire and forget). */
const TOUCH_EVERY_MS = 60_000;

export interface AgentKeyVerifierOptions {
  changes?: AgentKeyChanges;
  logger?: Logger;
}

export class AgentKeyVerifier {
  /** hash (base64) → key, known or null (unknown). Only used while changes are heard. */
  private readonly cache = new Map<string, CachedKey | null>();
  /** Bumped by every change: a read that overlapped one is not cached (it may be stale). */
  private generation = 0;
  private readonly listeners = new Set<(keyId: string | undefined) => void>();
  private readonly touched = new Map<string, number>();
  private readonly unsubscribe: (() => void) | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: AgentKeyVerifierOptions = {},
  ) {
    this.unsubscribe = options.changes?.onAgentKeyChange((keyId) => this.changed(keyId));
  }

  /** The viewer for a presented hdk_ key, or a 401 (UNKNOWN_KEY, KEY_REVOKED, KEY_EXPIRED). */
  async verify(key: string): Promise<Viewer> {
    if (!KEY_FORMAT.test(key)) throw agentKeyError("UNKNOWN_KEY"); // no read for malformed keys
    const hash = hashAgentKey(key);
    const record = await this.lookup(hash);
    if (!record) throw agentKeyError("UNKNOWN_KEY");
    const state = keyState(record);
    if (state !== "ACTIVE") throw agentKeyError(state);
    this.touch(record.id);
    return agentViewer(record);
  }

  /** A fresh read of a key's state (for open streams' periodic re-check). */
  async state(keyId: string): Promise<"ACTIVE" | AgentKeyFailure> {
    const row = await this.prisma.agentKey.findUnique({ where: { id: keyId }, select: { expiresAt: true, revokedAt: true } });
    return row ? keyState(row) : "UNKNOWN_KEY";
  }

  /** Told of every key change this instance hears (open streams end on their key's revocation). */
  onChange(listener: (keyId: string | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.unsubscribe?.();
    this.listeners.clear();
    this.cache.clear();
  }

  private changed(keyId: string | undefined): void {
    this.generation++;
    // Unknown keys may have just been created: forget them all; known ones only when named.
    for (const [hash, entry] of this.cache) {
      if (entry === null || keyId === undefined || entry.id === keyId) this.cache.delete(hash);
    }
    for (const listener of this.listeners) listener(keyId);
  }

  private async lookup(hash: Uint8Array<ArrayBuffer>): Promise<CachedKey | null> {
    const cacheable = this.options.changes?.hearsEveryKeyChange() ?? false;
    const slot = Buffer.from(hash).toString("base64");
    if (!cacheable) this.cache.clear();
    else if (this.cache.has(slot)) return this.cache.get(slot)!;

    const generation = this.generation;
    const row = await this.prisma.agentKey.findUnique({
      where: { keyHash: hash },
      select: { id: true, agent: true, keyHash: true, expiresAt: true, revokedAt: true },
    });
    // The index matched on equality already; comparing in constant time costs nothing and keeps
    // the check independent of how the database compares bytes.
    const record =
      row && row.keyHash.length === hash.length && timingSafeEqual(row.keyHash, hash)
        ? { id: row.id, agent: row.agent, expiresAt: row.expiresAt, revokedAt: row.revokedAt }
        : null;
    if (cacheable && generation === this.generation && this.options.changes!.hearsEveryKeyChange()) {
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(slot, record);
    }
    return record;
  }

  /** Records last use cheaply: one small UPDATE per key per minute per instance, never awaited. */
  private touch(keyId: string): void {
    const now = Date.now();
    if (now - (this.touched.get(keyId) ?? 0) < TOUCH_EVERY_MS) return;
    if (this.touched.size >= MAX_CACHED) this.touched.clear();
    this.touched.set(keyId, now);
    this.prisma.agentKey.update({ where: { id: keyId }, data: { lastUsedAt: new Date(now) }, select: { id: true } }).catch((err: unknown) => {
      this.options.logger?.debug("agent key: recording last use failed", { keyId, err });
    });
  }
}
