/** Operator feedback on agent suggestions: listing it, and recording it (what agents learn from). */
import { access, builder } from "../builder.ts";
import { DateTimeRangeInput, orderInput, tableConnection } from "../common.ts";
import { feedbackFilter, feedbackWhere, submitFeedback, submitFeedbackInput } from "../../data/agents/feedback.ts";

const FeedbackFilter = builder
  .inputType("AgentFeedbackFilter", {
    fields: (t) => ({
      approvalId: t.field({ type: "UUID", required: false }),
      queryId: t.field({ type: "UUID", required: false }),
      conversationId: t.string({ required: false }),
      annotator: t.string({ required: false }),
      labels: t.stringList({ required: false, description: "Feedback carrying any of these labels." }),
      minRating: t.int({ required: false }),
      maxRating: t.int({ required: false }),
      createdDuring: t.field({ type: DateTimeRangeInput, required: false }),
    }),
  })
  .validate(feedbackFilter);
const feedbackOrder = orderInput("AgentFeedback", { CREATED_AT: "createdAt" }, "CREATED_AT");

const FeedbackInput = builder
  .inputType("SubmitAgentFeedbackInput", {
    description: "Feedback on an approval and/or an LLM call (at least one). The conversation is taken from the approval when omitted.",
    fields: (t) => ({
      approvalId: t.field({ type: "UUID", required: false }),
      queryId: t.field({ type: "UUID", required: false }),
      conversationId: t.string({ required: false }),
      rating: t.int({ required: false, description: "1 (bad) to 5 (excellent)." }),
      safeToSend: t.boolean({ required: false }),
      labels: t.stringList({ required: false }),
      rubric: t.field({ type: "JSON", required: false, description: "A JSON object of per-criterion scores." }),
      notes: t.string({ required: false }),
      inputText: t.string({ required: false }),
      modelDraft: t.string({ required: false }),
      meta: t.field({ type: "JSON", required: false }),
      annotator: t.string({ required: false, description: "service_role only. Operators always annotate as their token's sub." }),
    }),
  })
  .validate(submitFeedbackInput);

builder.queryFields((t) => ({
  agentFeedback: tableConnection(t, {
    table: "AgentFeedback",
    type: "AgentFeedback",
    description: "Operator feedback on agent suggestions, newest first by default.",
    args: { filter: t.arg({ type: FeedbackFilter, required: false }), orderBy: t.arg({ type: feedbackOrder.input, required: false }) },
    where: (args) => feedbackWhere(args.filter),
    orderBy: (args) => feedbackOrder.toPrisma(args.orderBy),
  }),
}));

builder.mutationFields((t) => ({
  submitAgentFeedback: t.prismaField({
    type: "AgentFeedback",
    description: "Rate and annotate an agent suggestion. Operators annotate as themselves; service_role may name the annotator.",
    authScopes: access("AgentFeedback", "insert"),
    args: { input: t.arg({ type: FeedbackInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => submitFeedback(ctx, query, input),
  }),
}));
