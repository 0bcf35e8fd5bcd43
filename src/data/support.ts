/** Data access for support: curated-reply filters. */
import type { Prisma } from "../generated/prisma/client.ts";
import { dateTimeRangeWhere } from "../lib/dates.ts";
import { literal } from "../lib/filters.ts";

export interface CuratedReplyFilter {
  tagsAny?: string[] | null;
  tagsAll?: string[] | null;
  conversationId?: string | null;
  sourceMessageId?: string | null;
  approver?: string | null;
  approvedAt?: { from?: Date | null; to?: Date | null } | null;
  search?: string | null;
}

export function curatedReplyWhere(filter: CuratedReplyFilter | null | undefined): Prisma.SupportCuratedReplyWhereInput {
  if (!filter) return {};
  const and: Prisma.SupportCuratedReplyWhereInput[] = [];
  // && and @> on text[]: both served by the GIN index on tags.
  if (filter.tagsAny) and.push({ tags: { hasSome: filter.tagsAny } });
  if (filter.tagsAll?.length) and.push({ tags: { hasEvery: filter.tagsAll } });
  if (filter.conversationId) and.push({ conversationId: filter.conversationId });
  if (filter.sourceMessageId) and.push({ sourceMessageId: filter.sourceMessageId });
  if (filter.approver) and.push({ approver: filter.approver });
  const approvedAt = dateTimeRangeWhere(filter.approvedAt, "filter.approvedAt");
  if (approvedAt) and.push({ approvedAt });
  if (filter.search) and.push({ messageBody: { contains: literal(filter.search), mode: "insensitive" } });
  return and.length ? { AND: and } : {};
}
