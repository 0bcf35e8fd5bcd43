/**
 * Request-scoped DataLoaders. Each loader lives in ctx.loaders under a key that includes its
 * parameters (e.g. a date range), so every field asking for the same thing in one request shares
 * one batch: one SQL statement however many parents there are.
 */
import DataLoader from "dataloader";
import type { DataContext } from "./context.ts";

export function loaderFor<K, V>(ctx: DataContext, key: string, batch: (keys: readonly K[]) => Promise<V[]>): DataLoader<K, V> {
  let loader = ctx.loaders.get(key) as DataLoader<K, V> | undefined;
  if (!loader) {
    loader = new DataLoader<K, V>(batch, { maxBatchSize: 5000 });
    ctx.loaders.set(key, loader);
  }
  return loader;
}

/** Groups rows by a key, returning one list per requested key, in order (DataLoader's contract). */
export function groupByKeys<K, R>(keys: readonly K[], rows: R[], keyOf: (row: R) => K): R[][] {
  const groups = new Map<K, R[]>();
  for (const row of rows) {
    const k = keyOf(row);
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  return keys.map((k) => groups.get(k) ?? []);
}
