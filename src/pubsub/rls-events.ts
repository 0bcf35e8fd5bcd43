/**
 * Subscriptions under row-level security. A subscription must not hold one transaction for its
 * lifetime (it would pin a pooled connection and hit the transaction timeout), so each event gets
 * its own short transaction as the subscriber (withRls): the notice is re-read there (`load`;
 * undefined = gone or not visible to this role → skipped), and ctx.db forwards to that transaction
 * while graphql executes the event's selection set, so relations, loaders and guarded fields behave
 * exactly as in a query. The transaction ends when the consumer asks for the next event (graphql-js
 * executes each event completely before pulling the next) or when the subscription ends.
 *
 * Each event transaction holds a slot of ctx.events.rereads (when the gateway sets one) and lasts at
 * most EVENT_TRANSACTION_MS: a burst of events times many streams queues for a part of the pool
 * instead of taking all of it, and a consumer that stops reading cannot keep its slot.
 */
import type { Prisma, PrismaClient } from "../generated/prisma/client.ts";
import type { DataContext } from "../data/context.ts";
import type { Semaphore } from "./limits.ts";

/** A subscriber's request scope; `events.rereads` bounds how many re-reads run at once. */
type SubscriberScope = DataContext & { events?: { rereads?: Semaphore } };
import { forwardingDb, withRls } from "../db/rls.ts";

interface OpenTransaction {
  tx: Prisma.TransactionClient;
  /** Ends the transaction (it only read) and waits for it to be gone. */
  finish(): Promise<void>;
}

/** How long one event's transaction (re-read plus delivery) may stay open. */
export const EVENT_TRANSACTION_MS = 10_000;

/** A withRls transaction held open until finish(): the callback API turned inside out. */
async function openRlsTransaction(prisma: PrismaClient, ctx: SubscriberScope): Promise<OpenTransaction> {
  const freeSlot = (await ctx.events?.rereads?.acquire()) ?? (() => {});
  // Prisma ends the transaction at its timeout even if the consumer never asks for more: so does the slot.
  const expiry = setTimeout(freeSlot, EVENT_TRANSACTION_MS);
  expiry.unref();
  const free = () => {
    clearTimeout(expiry);
    freeSlot();
  };
  return new Promise((resolve, reject) => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let done: Promise<void> | undefined = undefined;
    done = withRls(
      prisma,
      ctx.viewer,
      async (tx) => {
        resolve({
          tx,
          finish: () => {
            release();
            // A transaction that timed out while the event was delivered has nothing left to undo.
            return done!.catch(() => {}).finally(free);
          },
        });
        await released;
      },
      { timeoutMs: EVENT_TRANSACTION_MS },
    );
    done
      .catch((error: unknown) => {
        free();
        throw error;
      })
      .catch(reject); // only matters if the transaction never opened
  });
}

export interface PerEventOptions<N, E> {
  /** Cheap filter on the notice alone, before any transaction is opened. */
  accept?: (notice: N) => boolean;
  /** Re-reads what the notice is about as the subscriber; undefined skips the event. */
  load: (tx: Prisma.TransactionClient, notice: N) => Promise<E | undefined>;
}

export function perEventTransactions<N, E>(
  ctx: SubscriberScope,
  prisma: PrismaClient,
  source: AsyncIterator<N>,
  { accept, load }: PerEventOptions<N, E>,
): AsyncIterableIterator<E> {
  const outside = ctx.db; // in a subscription: the runtime's guard that refuses to be used
  let current: OpenTransaction | undefined;
  let closed = false;
  ctx.db = forwardingDb(() => current?.tx ?? outside);

  const endCurrent = async () => {
    const open = current;
    current = undefined;
    await open?.finish();
  };

  const iterator: AsyncIterableIterator<E> = {
    async next(): Promise<IteratorResult<E>> {
      await endCurrent();
      while (!closed) {
        const notice = await source.next();
        if (notice.done || closed) break;
        if (accept && !accept(notice.value)) continue;
        const open = await openRlsTransaction(prisma, ctx);
        let event: E | undefined;
        try {
          event = await load(open.tx, notice.value);
        } catch (error) {
          await open.finish();
          throw error;
        }
        if (event === undefined || closed) {
          await open.finish();
          continue;
        }
        current = open;
        ctx.loaders = new Map(); // per event: nothing cached from an earlier event's transaction
        return { value: event, done: false };
      }
      return { value: undefined, done: true };
    },
    async return(): Promise<IteratorResult<E>> {
      closed = true;
      await endCurrent();
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown): Promise<IteratorResult<E>> {
      closed = true;
      await endCurrent();
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}
