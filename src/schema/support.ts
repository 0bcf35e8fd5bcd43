/** Support: curated ("gold") replies approved by operators, for agent evaluation and retrieval. */
import { access, builder } from "./builder.ts";
import { cappedStringList, DateTimeRangeInput, orderInput, tableById, tableConnection } from "./common.ts";
import { badInput, notFound } from "../errors.ts";
import { createCuratedReplyInput, curatedReplyFilter, curatedReplyWhere, MAX_TAGS, updateCuratedReplyInput } from "../data/support.ts";

export const SupportCuratedReply = builder.prismaObject("SupportCuratedReply", {
  description: "A support reply an operator approved as a model answer (table support_curated_replies).",
  authScopes: access("support_curated_replies"),
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    body: t.exposeString("messageBody", { description: "The approved reply text." }),
    tags: cappedStringList(t, "tags", MAX_TAGS, { description: `Topic tags, at most ${MAX_TAGS}.` }),
    approver: t.exposeString("approver", { description: "Email or id of the operator who approved it." }),
    approvedAt: t.expose("approvedAt", { type: "DateTime" }),
    sourceMessageId: t.exposeString("sourceMessageId", { nullable: true, description: "Chatwoot message id." }),
    conversationId: t.exposeString("conversationId", { nullable: true, description: "Chatwoot conversation id." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const CuratedReplyFilter = builder
  .inputType("SupportCuratedReplyFilter", {
    fields: (t) => ({
      tagsAny: t.stringList({ required: false, description: "Replies with at least one of these tags." }),
      tagsAll: t.stringList({ required: false, description: "Replies with all of these tags." }),
      conversationId: t.string({ required: false }),
      sourceMessageId: t.string({ required: false }),
      approver: t.string({ required: false }),
      approvedAt: t.field({ type: DateTimeRangeInput, required: false }),
      search: t.string({ required: false, description: "Case-insensitive match anywhere in the body." }),
    }),
  })
  .validate(curatedReplyFilter);
const curatedReplyOrder = orderInput(
  "SupportCuratedReply",
  { APPROVED_AT: "approvedAt", CREATED_AT: "createdAt", UPDATED_AT: "updatedAt" },
  "APPROVED_AT",
);

builder.queryFields((t) => ({
  supportCuratedReplies: tableConnection(t, {
    table: "support_curated_replies",
    type: "SupportCuratedReply",
    description: "Curated replies, most recently approved first by default.",
    args: { filter: t.arg({ type: CuratedReplyFilter, required: false }), orderBy: t.arg({ type: curatedReplyOrder.input, required: false }) },
    where: (args) => curatedReplyWhere(args.filter),
    orderBy: (args) => curatedReplyOrder.toPrisma(args.orderBy),
  }),
  supportCuratedReply: tableById(t, { table: "support_curated_replies", type: "SupportCuratedReply", description: "One curated reply by id." }),
}));

// Mutations (service_role: the support agent and Chatwoot webhook). The input rules are the data layer's.

const CreateCuratedReplyInput = builder
  .inputType("CreateSupportCuratedReplyInput", {
    fields: (t) => ({
      body: t.string({ required: true }),
      tags: t.stringList({ required: false, defaultValue: [] }),
      approver: t.string({ required: false, description: "Defaults to the token's sub." }),
      approvedAt: t.field({ type: "DateTime", required: false, description: "Defaults to now." }),
      sourceMessageId: t.string({ required: false }),
      conversationId: t.string({ required: false }),
    }),
  })
  .validate(createCuratedReplyInput);

const UpdateCuratedReplyInput = builder
  .inputType("UpdateSupportCuratedReplyInput", {
    description: "Fields to change; omitted fields stay as they are. tags replaces the whole list.",
    fields: (t) => ({
      body: t.string({ required: false }),
      tags: t.stringList({ required: false }),
      approver: t.string({ required: false }),
      approvedAt: t.field({ type: "DateTime", required: false }),
      sourceMessageId: t.string({ required: false }),
      conversationId: t.string({ required: false }),
    }),
  })
  .validate(updateCuratedReplyInput);

builder.mutationFields((t) => ({
  createSupportCuratedReply: t.prismaField({
    type: "SupportCuratedReply",
    authScopes: access("support_curated_replies", "insert"),
    args: { input: t.arg({ type: CreateCuratedReplyInput, required: true }) },
    resolve: (query, _root, { input: v }, ctx) => {
      const approver = v.approver ?? ctx.viewer.subject;
      if (!approver) throw badInput("input.approver", "required when the token has no sub claim");
      return ctx.db.supportCuratedReply.create({
        ...query,
        data: {
          messageBody: v.body,
          tags: v.tags,
          approver,
          ...(v.approvedAt ? { approvedAt: v.approvedAt } : {}),
          sourceMessageId: v.sourceMessageId ?? null,
          conversationId: v.conversationId ?? null,
        },
      });
    },
  }),
  updateSupportCuratedReply: t.prismaField({
    type: "SupportCuratedReply",
    authScopes: access("support_curated_replies", "update"),
    args: { id: t.arg({ type: "UUID", required: true }), input: t.arg({ type: UpdateCuratedReplyInput, required: true }) },
    resolve: async (query, _root, { id, input: data }, ctx) => {
      if (Object.keys(data).length > 0) await ctx.db.supportCuratedReply.updateMany({ where: { id }, data });
      const reply = await ctx.db.supportCuratedReply.findUnique({ ...query, where: { id } });
      if (!reply) throw notFound("SupportCuratedReply", id);
      return reply;
    },
  }),
  deleteSupportCuratedReply: t.field({
    type: "UUID",
    description: "Deletes a curated reply; returns its id.",
    authScopes: access("support_curated_replies", "delete"),
    args: { id: t.arg({ type: "UUID", required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const found = await ctx.db.supportCuratedReply.deleteMany({ where: { id } });
      if (found.count === 0) throw notFound("SupportCuratedReply", id);
      return id;
    },
  }),
}));
