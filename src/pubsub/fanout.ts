/**
 * In-process fan-out: every value published reaches every current subscriber, in order. A
 * subscriber is registered the moment subscribe() returns (not lazily on its first next()), so a
 * subscription that has been set up cannot miss what is published afterwards. Each subscriber has
 * a bounded buffer: one that stops reading is ended with an error instead of growing without limit.
 */
export class Fanout<T> {
  private readonly subscribers = new Set<Subscriber<T>>();

  constructor(private readonly maxBuffered = 10_000) {}

  get size(): number {
    return this.subscribers.size;
  }

  publish(value: T): void {
    for (const subscriber of this.subscribers) subscriber.push(value);
  }

  subscribe(): AsyncIterableIterator<T> {
    const subscriber = new Subscriber<T>(this.maxBuffered, () => this.subscribers.delete(subscriber));
    this.subscribers.add(subscriber);
    return subscriber;
  }

  /** Ends every subscription (their pending and later next() calls report done). */
  close(): void {
    for (const subscriber of [...this.subscribers]) subscriber.end();
  }
}

class Subscriber<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private failWaiting: ((error: Error) => void) | undefined;
  private done = false;
  private error: Error | undefined;

  constructor(
    private readonly maxBuffered: number,
    private readonly unregister: () => void,
  ) {}

  push(value: T): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = undefined;
      resolve({ value, done: false });
    } else if (this.buffer.length >= this.maxBuffered) {
      this.fail(new Error(`The subscriber fell more than ${this.maxBuffered} events behind and was disconnected; subscribe again.`));
    } else {
      this.buffer.push(value);
    }
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.unregister();
    this.buffer.length = 0;
    const resolve = this.waiting;
    this.waiting = this.failWaiting = undefined;
    resolve?.({ value: undefined, done: true });
  }

  private fail(error: Error): void {
    const reject = this.failWaiting;
    this.error = reject ? undefined : error;
    this.end();
    reject?.(error);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift()!, done: false });
    if (this.error) {
      const error = this.error;
      this.error = undefined;
      return Promise.reject(error);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
