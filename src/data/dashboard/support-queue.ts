/**
 * The support queue tile: pending AgentApproval items, counted by age and kind, oldest first.
 * Ages are measured from now(), the start of the request's transaction: one instant for the whole
 * tile. A pending item past its deadline reads as expired (as everywhere in the gateway): not queued.
 */
import { Prisma } from "../../generated/prisma/client.ts";
import { defineTile } from "./tile.ts";

/** The support queue tile has no arguments. */
export type SupportQueueTileArgs = Record<string, never>;

/** Age buckets of pending items (upstream's queue tile): normal < 1 h, warning 1–2 h, critical ≥ 2 h. */
export interface SupportQueueSummary {
  pendingCount: number;
  oldestPendingAt: Date | null;
  oldestPendingAgeMinutes: number | null;
  normal: number;
  warning: number;
  critical: number;
  expiringWithinHour: number;
}

export interface SupportKindCount {
  kind: string;
  count: number;
  oldestPendingAt: Date;
}

export interface SupportQueueItem {
  id: string;
  kind: string;
  agent: string;
  summary: string;
  conversationId: string;
  createdAt: Date;
  expiresAt: Date | null;
  ageMinutes: number;
}

export interface SupportItemsArgs {
  first: number;
  kinds: string[] | null;
}

const toDate = (value: string | null) => (value === null ? null : new Date(value));

export const supportQueueTile = defineTile({
  key: "support",
  with: (_tile: SupportQueueTileArgs) => Prisma.sql`
    WITH pending AS (
      SELECT id, kind, agent, summary, "conversationId", "createdAt", "expiresAt",
             floor(extract(epoch FROM now() - "createdAt") / 60)::int AS age_minutes
      FROM "AgentApproval"
      WHERE status = 'pending' AND ("expiresAt" IS NULL OR "expiresAt" > now())
    )`,
  parts: (part) => ({
    // pendingCount counts items, not kinds (upstream counted the rows of a GROUP BY kind: a bug).
    summary: part(
      () => Prisma.sql`
          SELECT json_build_object(
            'pendingCount', count(*),
            'oldestPendingAt', min("createdAt"),
            'oldestPendingAgeMinutes', max(age_minutes),
            'normal', count(*) FILTER (WHERE age_minutes < 60),
            'warning', count(*) FILTER (WHERE age_minutes >= 60 AND age_minutes < 120),
            'critical', count(*) FILTER (WHERE age_minutes >= 120),
            'expiringWithinHour', count(*) FILTER (WHERE "expiresAt" <= now() + interval '1 hour'))
          FROM pending`,
      (s: Omit<SupportQueueSummary, "oldestPendingAt"> & { oldestPendingAt: string | null }): SupportQueueSummary => ({
        ...s,
        oldestPendingAt: toDate(s.oldestPendingAt),
      }),
    ),
    byKind: part(
      () => Prisma.sql`
          SELECT coalesce(json_agg(json_build_object('kind', kind, 'count', n, 'oldestPendingAt', oldest) ORDER BY n DESC, kind), '[]')
          FROM (SELECT kind, count(*) AS n, min("createdAt") AS oldest FROM pending GROUP BY kind) AS kinds`,
      (kinds: (Omit<SupportKindCount, "oldestPendingAt"> & { oldestPendingAt: string })[]): SupportKindCount[] =>
        kinds.map((k) => ({ ...k, oldestPendingAt: new Date(k.oldestPendingAt) })),
    ),
    items: part(
      (_tile, { first, kinds }: SupportItemsArgs) => Prisma.sql`
          SELECT coalesce(json_agg(json_build_object(
            'id', id, 'kind', kind, 'agent', agent, 'summary', summary, 'conversationId', "conversationId",
            'createdAt', "createdAt", 'expiresAt', "expiresAt", 'ageMinutes', age_minutes) ORDER BY "createdAt", id), '[]')
          FROM (SELECT * FROM pending ${kinds?.length ? Prisma.sql`WHERE kind = ANY(${kinds}::text[])` : Prisma.empty}
                ORDER BY "createdAt", id LIMIT ${first}) AS oldest`,
      (items: (Omit<SupportQueueItem, "createdAt" | "expiresAt"> & { createdAt: string; expiresAt: string | null })[]): SupportQueueItem[] =>
        items.map((item) => ({ ...item, createdAt: new Date(item.createdAt), expiresAt: toDate(item.expiresAt) })),
    ),
  }),
});
