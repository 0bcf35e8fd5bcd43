/** The support queue tile's types (data: src/data/dashboard/support-queue.ts). */
import { builder } from "../builder.ts";
import { countArgBound, listBound } from "../bounds.ts";
import type { GatewayContext } from "../../context/types.ts";
import { checkLimit, MAX_TILE_LIST } from "../../data/dashboard/tile.ts";
import { supportQueueTile, type SupportKindCount, type SupportQueueItem, type SupportQueueTileArgs } from "../../data/dashboard/support-queue.ts";

const ApprovalAgeCounts = builder.simpleObject("ApprovalAgeCounts", {
  description: "Pending approvals by age: normal under 1 hour, warning 1 to 2 hours, critical 2 hours or more.",
  fields: (t) => ({ normal: t.int(), warning: t.int(), critical: t.int() }),
});

const QueueUrgency = builder.enumType("SupportQueueUrgency", {
  description: "From the number pending: HIGH above 10, MEDIUM above 5, else LOW.",
  values: ["LOW", "MEDIUM", "HIGH"] as const,
});

const KindCountRef = builder.objectRef<SupportKindCount>("ApprovalKindCount").implement({
  fields: (t) => ({
    kind: t.exposeString("kind"),
    count: t.exposeInt("count"),
    oldestPendingAt: t.expose("oldestPendingAt", { type: "DateTime" }),
  }),
});

const QueueItemRef = builder.objectRef<SupportQueueItem>("SupportQueueItem").implement({
  description: "A pending AgentApproval.",
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    kind: t.exposeString("kind"),
    agent: t.exposeString("agent"),
    summary: t.exposeString("summary"),
    conversationId: t.exposeString("conversationId"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    ageMinutes: t.exposeInt("ageMinutes", { description: "Whole minutes since createdAt." }),
  }),
});

const summary = (tile: SupportQueueTileArgs, ctx: GatewayContext) => supportQueueTile.load(ctx, tile, "summary");

export const SupportQueueTile = builder.objectRef<SupportQueueTileArgs>("SupportQueueTile").implement({
  description:
    "Pending AgentApproval items (status 'pending' and the deadline, if any, not passed: past it an item reads as expired); ages are measured at the request's start.",
  fields: (t) => ({
    pendingCount: t.int({ description: "Pending items (not kinds).", resolve: async (tile, _a, ctx) => (await summary(tile, ctx)).pendingCount }),
    urgency: t.field({
      type: QueueUrgency,
      resolve: async (tile, _a, ctx) => {
        const n = (await summary(tile, ctx)).pendingCount;
        return n > 10 ? "HIGH" : n > 5 ? "MEDIUM" : "LOW";
      },
    }),
    oldestPendingAt: t.field({ type: "DateTime", nullable: true, resolve: async (tile, _a, ctx) => (await summary(tile, ctx)).oldestPendingAt }),
    oldestPendingAgeMinutes: t.int({ nullable: true, resolve: async (tile, _a, ctx) => (await summary(tile, ctx)).oldestPendingAgeMinutes }),
    byAge: t.field({
      type: ApprovalAgeCounts,
      resolve: async (tile, _a, ctx) => {
        const { normal, warning, critical } = await summary(tile, ctx);
        return { normal, warning, critical };
      },
    }),
    expiringWithinHourCount: t.int({
      description: "Pending items whose deadline (expiresAt) is within the next hour.",
      resolve: async (tile, _a, ctx) => (await summary(tile, ctx)).expiringWithinHour,
    }),
    byKind: t.field({
      type: [KindCountRef],
      ...listBound(MAX_TILE_LIST),
      description: `Most pending first, then by kind; the first ${MAX_TILE_LIST} kinds.`,
      resolve: async (tile, _a, ctx) => (await supportQueueTile.load(ctx, tile, "byKind")).slice(0, MAX_TILE_LIST),
    }),
    items: t.field({
      type: [QueueItemRef],
      ...countArgBound("first", 20, MAX_TILE_LIST),
      description: "Oldest first.",
      args: { first: t.arg.int({ required: false, defaultValue: 20 }), kinds: t.arg.stringList({ required: false }) },
      resolve: (tile, args, ctx) =>
        supportQueueTile.load(ctx, tile, "items", { first: checkLimit(args.first ?? 20, "items.first"), kinds: args.kinds ?? null }),
    }),
  }),
});
