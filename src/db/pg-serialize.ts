/**
 * Sends one pg connection's statements one at a time, in call order. A workaround, not a feature:
 * @prisma/adapter-pg sends a transaction's concurrent queries (resolvers of one request run in
 * parallel on the request's transaction connection) to its single pg client at once. pg queues them
 * itself today but deprecates that since 8.19 ("Calling client.query() when the client is already
 * executing a query"), and pg 9 makes it an error. Upstream: prisma/orm#29646 (open); the fixes
 * prisma/orm#29468 and prisma/orm#29979 are open (the latter confirms it on adapter-pg 7.10.0 with
 * pg 8.23). Graphile's dataplan-pg keeps a queue of the same kind.
 *
 * Delete this file (and its call in src/db/client.ts) when @prisma/adapter-pg serialises a
 * transaction's queries.
 */
import type pg from "pg";

type QueryArgs = unknown[];
type Callback = (err: Error | null, result?: unknown) => void;

/**
 * Wraps `client.query` so that a statement arriving while another runs waits for it. Promise and
 * callback forms keep their contracts (results and errors arrive where they did); objects pg submits
 * itself (cursors, streams) stay on pg's own path.
 */
export function serializeStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: QueryArgs) => unknown;
  let running = 0;
  const waiting: (() => void)[] = [];
  const finished = () => {
    running--;
    waiting.shift()?.();
  };

  /** Hands the statement to pg now; `finished` runs once its result or error is in. */
  const send = (args: QueryArgs): unknown => {
    running++;
    const last = args.length - 1;
    if (typeof args[last] === "function") {
      const callback = args[last] as Callback;
      args[last] = (err: Error | null, result?: unknown) => {
        finished();
        callback(err, result);
      };
      try {
        return query(...args);
      } catch (error) {
        finished();
        throw error;
      }
    }
    let result: unknown;
    try {
      result = query(...args);
    } catch (error) {
      finished();
      throw error;
    }
    (result as Promise<unknown>).then(finished, finished);
    return result;
  };

  client.query = function (this: pg.PoolClient, ...args: QueryArgs) {
    const config = args[0] as { submit?: unknown; callback?: unknown } | null | undefined;
    // Submittables (and configs carrying their own callback) complete on pg's terms: not queued here.
    if (config != null && (typeof config.submit === "function" || typeof config.callback === "function")) return query(...args);
    if (running === 0) return send(args);
    const callback = args[args.length - 1];
    if (typeof callback === "function") {
      waiting.push(() => {
        try {
          send(args);
        } catch (error) {
          (callback as Callback)(error as Error);
        }
      });
      return undefined;
    }
    return new Promise((resolve, reject) => {
      // send() throwing (pg refusing the arguments) rejects the inner promise, like a failed statement.
      waiting.push(() => void new Promise<unknown>((sent) => sent(send(args))).then(resolve, reject));
    });
  } as typeof client.query;
}
