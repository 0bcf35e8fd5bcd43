/**
 * Operator feedback on agent suggestions: its input and filter, and the write that fixes the
 * annotator and the conversation from what the feedback is about.
 */
import type { Prisma } from "../../generated/prisma/client.ts";
import type { DataContext } from "../context.ts";
import { canRead, rowAllowed } from "../../auth/policy.ts";
import { badInput, ClientError } from "../../errors.ts";
import { allOf, equals, text as textMatch } from "../../lib/filters.ts";
import { dateTimeRangeWhere } from "../../lib/dates.ts";
import { nonEmpty, range, z } from "../../lib/validation.ts";
import { boundedJson, jsonObject, MAX_LABELS, MAX_PAYLOAD_CHARS, names, score, shortName, text } from "./rules.ts";

export const feedbackFilter = z.object({
  approvalId: z.string().nullish(),
  queryId: z.string().nullish(),
  conversationId: z.string().nullish(),
  annotator: z.string().nullish(),
  labels: names,
  minRating: score.nullish(),
  maxRating: score.nullish(),
  createdDuring: range,
});
export type FeedbackFilter = z.infer<typeof feedbackFilter>;

export function feedbackWhere(filter: FeedbackFilter | null | undefined): Prisma.AgentFeedbackWhereInput {
  if (!filter) return {};
  const { minRating: min, maxRating: max } = filter;
  return allOf<Prisma.AgentFeedbackWhereInput>([
    { approvalId: equals(filter.approvalId || null) },
    { queryId: equals(filter.queryId || null) },
    { conversationId: textMatch(filter.conversationId, "equals", { caseSensitive: true }) },
    { annotator: textMatch(filter.annotator, "equals", { caseSensitive: true }) },
    { labels: filter.labels?.length ? { hasSome: filter.labels } : undefined },
    { rating: min == null && max == null ? undefined : { gte: min ?? undefined, lte: max ?? undefined } },
    { createdAt: dateTimeRangeWhere(filter.createdDuring, "filter.createdDuring") },
  ]);
}

export const submitFeedbackInput = z
  .object({
    approvalId: z.string().nullish(),
    queryId: z.string().nullish(),
    conversationId: shortName.nullish(),
    rating: score.nullish(),
    safeToSend: z.boolean().nullish(),
    labels: z.array(nonEmpty.max(100, "must be at most 100 characters")).max(MAX_LABELS, `must contain at most ${MAX_LABELS} labels`).nullish(),
    rubric: boundedJson(jsonObject).nullish(),
    notes: text(10_000).nullish(),
    inputText: text(MAX_PAYLOAD_CHARS).nullish(),
    modelDraft: text(MAX_PAYLOAD_CHARS).nullish(),
    meta: boundedJson(jsonObject).nullish(),
    annotator: shortName.nullish(),
  })
  .refine((v) => !!v.approvalId || !!v.queryId, { message: "give approvalId, queryId or both: feedback is about something", path: ["approvalId"] });
export type SubmitFeedbackInput = z.infer<typeof submitFeedbackInput>;

/**
 * Records operator feedback on an approval and/or an LLM call. Operators (authenticated) always
 * annotate as their token's sub (the RLS insert policy demands it too); service_role may name one.
 * The conversation comes from what the feedback is about, and must agree with it.
 */
export async function submitFeedback<Q extends object>(ctx: DataContext, query: Q, input: SubmitFeedbackInput) {
  const { viewer, db } = ctx;
  let annotator = input.annotator ?? null;
  if (viewer.role === "authenticated") {
    if (!viewer.subject) throw new ClientError("Feedback needs your identity: the token has no sub claim.", "FORBIDDEN");
    if (annotator !== null && annotator !== viewer.subject) {
      throw new ClientError("Operators record feedback as themselves: input.annotator must be omitted or equal your token's sub.", "FORBIDDEN", {
        extensions: { field: "input.annotator" },
      });
    }
    annotator = viewer.subject;
  }
  if (!rowAllowed(viewer, "AgentFeedback", "insert", { annotator })) {
    throw new ClientError(`The ${viewer.role} role may not record this feedback.`, "FORBIDDEN");
  }

  const conversations = new Map<string, string>(); // field → conversationId it implies
  if (input.approvalId) {
    const approval = await db.agentApproval.findUnique({ where: { id: input.approvalId }, select: { conversationId: true } });
    if (!approval) throw badInput("input.approvalId", `no approval ${input.approvalId}`);
    conversations.set("input.approvalId", approval.conversationId);
  }
  if (input.queryId && canRead(ctx, "AgentQuery")) {
    const call = await db.agentQuery.findUnique({ where: { id: input.queryId }, select: { conversationId: true } });
    if (!call) throw badInput("input.queryId", `no agent query ${input.queryId}`);
    conversations.set("input.queryId", call.conversationId);
  }
  // Roles that cannot read AgentQuery still link one: the foreign key proves it exists (else BAD_USER_INPUT).
  let conversationId = input.conversationId ?? null;
  for (const [field, implied] of conversations) {
    if (conversationId === null) conversationId = implied;
    else if (conversationId !== implied) {
      throw badInput(field, `belongs to conversation ${implied}, not ${conversationId}`);
    }
  }
  if (conversationId === null) throw badInput("input.conversationId", "is required when the conversation cannot be taken from input.approvalId");

  return db.agentFeedback.create({
    ...query,
    data: {
      approvalId: input.approvalId ?? null,
      queryId: input.queryId ?? null,
      conversationId,
      rating: input.rating ?? null,
      safeToSend: input.safeToSend ?? null,
      labels: input.labels ?? [],
      rubric: (input.rubric ?? {}) as Prisma.InputJsonValue,
      notes: input.notes ?? null,
      inputText: input.inputText ?? null,
      modelDraft: input.modelDraft ?? null,
      meta: (input.meta ?? {}) as Prisma.InputJsonValue,
      annotator,
    },
  });
}
