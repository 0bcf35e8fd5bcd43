/** Who am I: the role and subject the gateway verified, and what the role may do per table. */
import { builder } from "./builder.ts";
import { TABLES, can, policyRoleOf } from "../auth/policy.ts";
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
