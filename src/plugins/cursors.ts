/**
 * Connection cursors are opaque to clients, but Pothos decodes more forms than the gateway issues:
 * every connection here pages by one uuid column, so its cursors are base64 of `GPC:S:<id>`. Any
 * other form (`GPC:J:{"id":{"not":null}}`, numbers, tuples) would reach Prisma as a filter object
 * and fail there as an internal error. This plugin refuses such cursors before anything executes,
 * as the client's error: BAD_USER_INPUT, HTTP 400.
 */
import { Kind, TypeInfo, getNamedType, visit, visitWithTypeInfo, type ArgumentNode, type ExecutionArgs } from "graphql";
import type { Plugin } from "graphql-yoga";
import { ClientError } from "../errors.ts";

const CURSOR_ARGS = new Set(["after", "before"]);
const ISSUED_FORM = /^GPC:S:/;

/** True for a cursor of the form the gateway issues (the id itself is checked by PostgreSQL). */
export function isIssuedCursor(cursor: string): boolean {
  const decoded = Buffer.from(cursor, "base64").toString("utf8");
  return ISSUED_FORM.test(decoded);
}

/** The first `after`/`before` argument of a connection field whose value is not an issued cursor. */
function firstForgedCursor(args: ExecutionArgs): ArgumentNode | undefined {
  const typeInfo = new TypeInfo(args.schema);
  let forged: ArgumentNode | undefined;
  visit(
    args.document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        if (forged || !CURSOR_ARGS.has(node.name.value)) return;
        const field = typeInfo.getFieldDef();
        if (!field || !getNamedType(field.type).name.endsWith("Connection")) return;
        const value =
          node.value.kind === Kind.STRING
            ? node.value.value
            : node.value.kind === Kind.VARIABLE
              ? args.variableValues?.[node.value.name.value]
              : undefined;
        if (typeof value === "string" && !isIssuedCursor(value)) forged = node;
      },
    }),
  );
  return forged;
}

export function useCursorCheck(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      // Cheap skip for the many operations that page from the start.
      const source = (args as ExecutionArgs).document.loc?.source.body;
      if (source !== undefined && !source.includes("after") && !source.includes("before")) return;
      const forged = firstForgedCursor(args);
      if (!forged) return;
      setResultAndStopExecution({
        errors: [
          new ClientError(`Invalid cursor in \`${forged.name.value}\`: use a cursor from this connection's edges or pageInfo.`, "BAD_USER_INPUT", {
            nodes: forged,
            extensions: { http: { status: 400 } },
          }),
        ],
      });
    },
  };
}
