/**
 * The live approval queue: a subscription to SUBMITTED, DECIDED and EXPIRED events from every
 * gateway instance, each approval re-read with the subscriber's role.
 */
import { access, builder } from "../builder.ts";
import { ClientError } from "../../errors.ts";
import { perEventTransactions } from "../../pubsub/rls-events.ts";
import type { ApprovalQueueEventKind } from "../../pubsub/index.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { AgentApproval } from "./types.ts";

type ApprovalRow = Prisma.AgentApprovalGetPayload<object>;

interface QueueEvent {
  event: ApprovalQueueEventKind;
  approval: ApprovalRow;
}

const ApprovalQueueEventKindEnum = builder.enumType("ApprovalQueueEventKind", {
  values: {
    SUBMITTED: { value: "submitted", description: "An agent submitted a new approval." },
    DECIDED: { value: "decided", description: "An operator approved or rejected it." },
    EXPIRED: { value: "expired", description: "Its deadline passed and the sweep recorded it (or the agent withdrew it)." },
  } as const,
});

const ApprovalQueueEvent = builder.objectRef<QueueEvent>("ApprovalQueueEvent").implement({
  description: "A change of the approval queue, with the approval as it is now (read with your role).",
  fields: (t) => ({
    event: t.field({ type: ApprovalQueueEventKindEnum, resolve: (e) => e.event }),
    approval: t.field({ type: AgentApproval, resolve: (e) => e.approval }),
  }),
});

const QueueEventFilter = builder.inputType("ApprovalQueueEventFilter", {
  fields: (t) => ({
    events: t.field({ type: [ApprovalQueueEventKindEnum], required: false }),
    kinds: t.stringList({ required: false }),
    agents: t.stringList({ required: false }),
    conversationId: t.string({ required: false }),
  }),
});

builder.subscriptionField("approvalQueueEvents", (t) =>
  t.field({
    type: ApprovalQueueEvent,
    description:
      "Live approval-queue changes (SUBMITTED, DECIDED, EXPIRED) from every gateway instance on this database, over SSE " +
      "(Accept: text/event-stream). Each event is re-read with your role. Changes while you are not connected are not replayed: " +
      "query agentApprovals when you (re)subscribe.",
    authScopes: access("AgentApproval"),
    args: { filter: t.arg({ type: QueueEventFilter, required: false }) },
    subscribe: (_root, { filter }, ctx) => {
      const events = ctx.events;
      if (!events) throw new ClientError("Live events are not enabled on this gateway.", "SERVICE_UNAVAILABLE");
      const wanted = (row: ApprovalRow) =>
        (!filter?.kinds?.length || filter.kinds.includes(row.kind)) &&
        (!filter?.agents?.length || filter.agents.includes(row.agent)) &&
        (!filter?.conversationId || filter.conversationId === row.conversationId);
      return perEventTransactions<{ id: string; event: ApprovalQueueEventKind }, QueueEvent>(ctx, events.prisma, events.approvalQueue(ctx.viewer), {
        accept: (notice) => !filter?.events?.length || filter.events.includes(notice.event),
        load: async (tx, notice) => {
          // RLS applies here: a role that may not read the row gets nothing.
          const approval = await tx.agentApproval.findUnique({ where: { id: notice.id } });
          return approval && wanted(approval) ? { event: notice.event, approval } : undefined;
        },
      });
    },
    resolve: (event) => event,
  }),
);
