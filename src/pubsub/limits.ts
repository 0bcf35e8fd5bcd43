/**
 * Bounds on live subscriptions (D12): how many streams one caller (the token's `sub`, or its role
 * when there is none) and everyone together may hold open, and how many per-event re-reads may run
 * at once. Each event is re-read in its own transaction per subscriber; without the second bound a
 * burst of events times hundreds of streams takes the whole pool, and ordinary queries wait.
 */
import { ClientError } from "../errors.ts";
import type { Viewer } from "../auth/viewer.ts";

export interface SubscriptionCaps {
  /** SUBSCRIPTIONS_MAX_PER_CALLER */
  maxPerCaller: number;
  /** SUBSCRIPTIONS_MAX_TOTAL */
  maxTotal: number;
}

/** Who a stream counts against: the token's subject, else its role (anon, or tokens without `sub`). */
export const callerKey = (viewer: Viewer): string => (viewer.subject ? `sub:${viewer.subject}` : `role:${viewer.role}`);

function tooMany(message: string): ClientError {
  return new ClientError(message, "TOO_MANY_SUBSCRIPTIONS", { extensions: { http: { status: 429 } } });
}

export class SubscriptionLimits {
  private readonly perCaller = new Map<string, number>();
  private total = 0;

  constructor(readonly caps: SubscriptionCaps) {}

  /** Open streams right now (for tests and diagnostics). */
  get open(): number {
    return this.total;
  }

  /** Takes a slot for a new stream, or throws TOO_MANY_SUBSCRIPTIONS. The returned release is idempotent. */
  acquire(viewer: Viewer): () => void {
    const key = callerKey(viewer);
    const mine = this.perCaller.get(key) ?? 0;
    if (mine >= this.caps.maxPerCaller) {
      throw tooMany(
        `Too many live subscriptions for this caller: at most ${this.caps.maxPerCaller} may be open at once (SUBSCRIPTIONS_MAX_PER_CALLER); close one first.`,
      );
    }
    if (this.total >= this.caps.maxTotal) {
      throw tooMany(`This gateway has its maximum of ${this.caps.maxTotal} live subscriptions open (SUBSCRIPTIONS_MAX_TOTAL); retry later.`);
    }
    this.perCaller.set(key, mine + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perCaller.get(key) ?? 1) - 1;
      if (left > 0) this.perCaller.set(key, left);
      else this.perCaller.delete(key);
    };
  }
}

/** Wraps a stream so its slot is given back exactly once, however it ends (done, return, throw). */
export function releasing<T>(source: AsyncIterableIterator<T>, release: () => void): AsyncIterableIterator<T> {
  return {
    async next() {
      try {
        const result = await source.next();
        if (result.done) release();
        return result;
      } catch (error) {
        release();
        throw error;
      }
    },
    async return() {
      release();
      return (await source.return?.()) ?? { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      release();
      if (source.throw) return source.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** A counting semaphore: at most `size` holders at once, the rest wait in order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {}

  /** Resolves with an idempotent release once a slot is free. */
  async acquire(): Promise<() => void> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes straight to the next waiter
      else this.active--;
    };
  }
}
