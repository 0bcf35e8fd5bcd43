/**
 * Per-request loaders of the agent system (one statement per request each): approvals' audit
 * trails, and agent runs and LLM calls by id for relations out of tables operators may read.
 */
import type { Prisma } from "../../generated/prisma/client.ts";
import type { DataContext } from "../context.ts";
import { groupByKeys, loaderFor } from "../loaders.ts";

/** The audit entries of many approvals: one statement per request. */
export const auditTrailLoader = (ctx: DataContext) =>
  loaderFor<string, Prisma.DecisionLogGetPayload<object>[]>(ctx, "agents.auditTrail", async (ids) => {
    // Only the rows the database wrote: anything logged by hand is not part of an approval's record (D4).
    const rows = await ctx.db.decisionLog.findMany({
      where: { scope: "agent_approval", system: true, externalRef: { in: [...ids] } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    return groupByKeys(ids, rows, (row) => row.externalRef!);
  });

/**
 * Agent runs and LLM calls by id, for relations out of tables operators may read (AgentApproval.run,
 * AgentFeedback.query). These are loaders, not Prisma relations, on purpose: a relation would be
 * planned into the parent's query as an include even for a role that may not read the target, and
 * the database would then refuse the whole parent (42501) instead of the field reading null.
 */
export const runByIdLoader = (ctx: DataContext) =>
  loaderFor<string, Prisma.AgentRunGetPayload<object> | null>(ctx, "agents.runById", async (ids) => {
    const rows = await ctx.db.agentRun.findMany({ where: { runId: { in: [...ids] } } });
    const byId = new Map(rows.map((row) => [row.runId, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
export const queryByIdLoader = (ctx: DataContext) =>
  loaderFor<string, Prisma.AgentQueryGetPayload<object> | null>(ctx, "agents.queryById", async (ids) => {
    const rows = await ctx.db.agentQuery.findMany({ where: { id: { in: [...ids] } } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
