/**
 * A stream ends when its credential does (D2). The token is verified once, when the stream opens;
 * after that this wrapper ends the stream with UNAUTHENTICATED:
 *  - TOKEN_EXPIRED (KEY_EXPIRED for an agent key) at the credential's expiry (Viewer.expiresAt, or
 *    the `exp` claim), by a timer;
 *  - KEY_REVOKED the moment this instance hears that the agent key was revoked (NOTIFY), and in any
 *    case at the next periodic re-check, which reads the key's state at least every RECHECK_MS.
 * The pending next() rejects with the error (yoga sends it as the stream's last event and closes it)
 * and the source is returned, so the subscriber's slot and fan-out registration go away at once.
 */
import { ClientError } from "../errors.ts";
import type { AgentKeyFailure } from "../auth/agent-keys.ts";
import type { Viewer } from "../auth/viewer.ts";
import type { Logger } from "../logger.ts";
import { releasing } from "./limits.ts";

/** How often an open stream re-checks its credential (expiry, and an agent key's state). */
export const RECHECK_MS = 30_000;

export type StreamEndReason = "TOKEN_EXPIRED" | AgentKeyFailure;

/** What a stream needs to re-check an agent key: a fresh read and the change feed. */
export interface KeyWatch {
  state(keyId: string): Promise<"ACTIVE" | AgentKeyFailure>;
  onChange(listener: (keyId: string | undefined) => void): () => void;
}

export function credentialEnded(reason: StreamEndReason): ClientError {
  const what = {
    TOKEN_EXPIRED: "your token expired",
    KEY_EXPIRED: "your agent key expired",
    KEY_REVOKED: "your agent key was revoked",
    UNKNOWN_KEY: "your agent key no longer exists",
  }[reason];
  return new ClientError(`The stream ended: ${what}. Subscribe again with a valid credential.`, "UNAUTHENTICATED", {
    extensions: { reason },
  });
}

/** When the viewer's credential stops being valid (ms), if it ever does. */
export function credentialExpiry(viewer: Viewer): number | undefined {
  if (viewer.expiresAt !== undefined) return viewer.expiresAt;
  return typeof viewer.claims.exp === "number" ? viewer.claims.exp * 1000 : undefined;
}

export interface UntilCredentialEndsOptions {
  keys?: KeyWatch;
  recheckMs?: number;
  logger?: Logger;
}

export function untilCredentialEnds<T>(
  source: AsyncIterableIterator<T>,
  viewer: Viewer,
  options: UntilCredentialEndsOptions = {},
): AsyncIterableIterator<T> {
  const { keys, recheckMs = RECHECK_MS, logger } = options;
  const expiresAt = credentialExpiry(viewer);
  const keyId = viewer.agent?.keyId;
  let ended: ClientError | undefined;
  let finished = false;
  let timer: NodeJS.Timeout | undefined;
  let fail!: (error: ClientError) => void;
  const endSignal = new Promise<never>((_, reject) => (fail = reject));
  endSignal.catch(() => {}); // observed through next(); never an unhandled rejection

  const stop = () => {
    clearTimeout(timer);
    unsubscribe?.();
  };
  const end = (reason: StreamEndReason) => {
    if (ended || finished) return;
    ended = credentialEnded(reason);
    stop();
    fail(ended);
    void source.return?.();
  };
  const checkKey = async () => {
    if (!keys || !keyId || ended || finished) return;
    try {
      const state = await keys.state(keyId);
      if (state !== "ACTIVE") end(state);
    } catch (err) {
      logger?.warn("live stream: could not re-check an agent key; trying again at the next check", { keyId, err });
    }
  };
  // One timer per stream: at the expiry, or at the next re-check, whichever comes first.
  const schedule = () => {
    if (ended || finished) return;
    const untilExpiry = expiresAt === undefined ? Infinity : expiresAt - Date.now();
    if (untilExpiry <= 0) return end(keyId ? "KEY_EXPIRED" : "TOKEN_EXPIRED");
    const wait = keyId ? Math.min(untilExpiry, recheckMs) : untilExpiry;
    if (wait === Infinity) return;
    // Beyond setTimeout's range (~24.8 days) wake up early and schedule again.
    timer = setTimeout(() => void checkKey().then(schedule), Math.min(wait, 2 ** 31 - 1));
    timer.unref();
  };
  const unsubscribe = keys && keyId ? keys.onChange((changed) => (changed === undefined || changed === keyId) && void checkKey()) : undefined;
  schedule();

  const throwIfEnded = () => {
    if (ended) throw ended;
  };
  // The source raced against the credential's end; `releasing` stops the timer and the key watch
  // once, however the stream ends.
  const raced: AsyncIterableIterator<T> = {
    async next() {
      throwIfEnded();
      const result = await Promise.race([source.next(), endSignal]);
      throwIfEnded(); // ended while the notice was on its way
      return result;
    },
    return: async () => (await source.return?.()) ?? { value: undefined, done: true },
    async throw(error?: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return releasing(raced, () => {
    finished = true;
    stop();
  });
}
