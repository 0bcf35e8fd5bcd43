/** Data access for support: the curated-reply input rules and filters. */
import type { Prisma } from "../generated/prisma/client.ts";
import { dateTimeRangeWhere } from "../lib/dates.ts";
import { allOf, text } from "../lib/filters.ts";
import { nonEmpty, range, z } from "../lib/validation.ts";

/** Most tags on one reply: checked on write, capped on read. */
export const MAX_TAGS = 50;

const optionalText = z.string().trim().min(1, "must not be empty when given").nullish();
/** Trimmed, non-empty, each tag once (first occurrence wins). */
const tagList = z
  .array(z.string().trim().min(1, "must not be empty"))
  .max(MAX_TAGS, `must contain at most ${MAX_TAGS} tags`)
  .transform((tags) => [...new Set(tags)]);

export const createCuratedReplyInput = z.object({
  body: nonEmpty,
  tags: tagList,
  approver: optionalText,
  approvedAt: z.date().nullish(),
  sourceMessageId: optionalText,
  conversationId: optionalText,
});
export type CreateCuratedReplyInput = z.infer<typeof createCuratedReplyInput>;

/**
 * The columns an update changes: omitted fields stay. null clears the two optional ids; for the
 * required columns null means "leave as is".
 */
export const updateCuratedReplyInput = z
  .object({
    body: nonEmpty.nullish(),
    tags: tagList.nullish(),
    approver: nonEmpty.nullish(),
    approvedAt: z.date().nullish(),
    sourceMessageId: optionalText,
    conversationId: optionalText,
  })
  .transform((v): Prisma.SupportCuratedReplyUpdateManyMutationInput => ({
    ...(v.body != null && { messageBody: v.body }),
    ...(v.tags != null && { tags: v.tags }),
    ...(v.approver != null && { approver: v.approver }),
    ...(v.approvedAt != null && { approvedAt: v.approvedAt }),
    ...(v.sourceMessageId !== undefined && { sourceMessageId: v.sourceMessageId }),
    ...(v.conversationId !== undefined && { conversationId: v.conversationId }),
  }));
export type UpdateCuratedReplyInput = z.infer<typeof updateCuratedReplyInput>;

export const curatedReplyFilter = z.object({
  tagsAny: z.array(z.string()).nullish(),
  tagsAll: z.array(z.string()).nullish(),
  conversationId: z.string().nullish(),
  sourceMessageId: z.string().nullish(),
  approver: z.string().nullish(),
  approvedAt: range,
  search: z.string().nullish(),
});
export type CuratedReplyFilter = z.infer<typeof curatedReplyFilter>;

export function curatedReplyWhere(filter: CuratedReplyFilter | null | undefined): Prisma.SupportCuratedReplyWhereInput {
  return allOf<Prisma.SupportCuratedReplyWhereInput>([
    // && and @> on text[]: both served by the GIN index on tags. tagsAny: [] matches nothing; tagsAll: [] is no filter.
    filter?.tagsAny ? { tags: { hasSome: filter.tagsAny } } : undefined,
    filter?.tagsAll?.length ? { tags: { hasEvery: filter.tagsAll } } : undefined,
    { conversationId: text(filter?.conversationId, "equals", { caseSensitive: true }) },
    { sourceMessageId: text(filter?.sourceMessageId, "equals", { caseSensitive: true }) },
    { approver: text(filter?.approver, "equals", { caseSensitive: true }) },
    { approvedAt: dateTimeRangeWhere(filter?.approvedAt, "filter.approvedAt") },
    { messageBody: text(filter?.search, "contains") },
  ]);
}
