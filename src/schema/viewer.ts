/** Who am I: the role and subject the gateway verified, and what the role may do per table. */
import { builder, decisionMinAal } from "./builder.ts";
import { TABLES, can, canExecute, meetsDecisionAal, policyRoleOf } from "../auth/policy.ts";
import { personOf } from "../auth/viewer.ts";
import { listBound } from "./bounds.ts";

const TableAccess = builder.simpleObject("TableAccess", {
  description: "What the caller's role may do on one table (mirrors the database's row-level security).",
  fields: (t) => ({
    table: t.string(),
    select: t.boolean(),
    insert: t.boolean(),
    update: t.boolean(),
    delete: t.boolean(),
  }),
});

const Viewer = builder.simpleObject("Viewer", {
  fields: (t) => ({
    role: t.string({ description: "anon, authenticated or service_role." }),
    subject: t.string({ nullable: true, description: "The token's sub claim." }),
    kind: t.string({
      description:
        "Which kind of caller the policy sees: anon (no token), anonymous (an anonymous sign-in), authenticated (an operator) or service_role.",
    }),
    email: t.string({ nullable: true, description: "The session's email claim, when it has one." }),
    name: t.string({ nullable: true, description: "The person's name from the session's user_metadata (full_name, else name), when it has one." }),
    mayDecideApprovals: t.boolean({
      description: "Whether decideAgentApproval would accept this caller: an operator's own session, as strong as DECISION_MIN_AAL.",
    }),
    access: t.field({ type: [TableAccess], ...listBound(TABLES.length), description: "One entry per table." }),
  }),
});

builder.queryField("viewer", (t) =>
  t.field({
    type: Viewer,
    description: "The caller as the gateway sees it. Works without a token (role anon).",
    resolve: (_root, _args, ctx) => {
      const role = policyRoleOf(ctx.viewer);
      return {
        role: ctx.viewer.role,
        subject: ctx.viewer.subject,
        kind: role,
        ...personOf(ctx.viewer.claims),
        mayDecideApprovals: canExecute(role, "decide_agent_approval") && meetsDecisionAal(ctx.viewer, decisionMinAal(ctx)),
        access: TABLES.map((table) => ({
          table,
          select: can(role, table, "select"),
          insert: can(role, table, "insert"),
          update: can(role, table, "update"),
          delete: can(role, table, "delete"),
        })),
      };
    },
  }),
);
