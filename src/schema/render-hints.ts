/**
 * What the SQL renderer (src/render/) needs to know of a field that Pothos' own metadata does not
 * say, declared on the field itself (GraphQL field extensions, like the list bounds of bounds.ts).
 * Plain `t.expose` columns and Prisma relations need no hint: Pothos records those. A field without
 * either is resolved by graphql-js as before, and so is any root field whose selection reaches one.
 * This module imports nothing of the schema, so the renderer can read hints off any schema.
 */
import type { GraphQLField } from "graphql";
import type { Prisma } from "../generated/prisma/client.ts";

export const RENDER_HINT = "sqlRender";

export type SortOrder = "asc" | "desc";

export type RenderHint =
  /** A column shown as it is stored (an enum's internal value, a decimal's text, a text[] cut to `cap`). */
  | { kind: "column"; field: string; cap?: number }
  /**
   * A to-many list of `model` rows whose `foreignKey` is the parent's id: `where` (args, the rows'
   * alias) narrows them, `take` rows in `pick` order are kept, shown in `orderBy` order. `where`
   * throws for arguments the resolver would refuse (graphql-js then answers with the error).
   */
  | {
      kind: "list";
      model: string;
      foreignKey: string;
      pick: Array<[string, SortOrder]>;
      take: number;
      orderBy: Array<[string, SortOrder]>;
      where?: (args: Record<string, unknown>, rows: Prisma.Sql) => Prisma.Sql;
    }
  /** A to-many Prisma relation (guardedList): at most `take` rows in `orderBy` order (Prisma's `query`). */
  | { kind: "relation"; take: number; orderBy: Array<[string, SortOrder]> }
  /** A root connection over `model` (tableConnection): the resolver picks the rows, the renderer draws them. */
  | { kind: "connection"; model: string }
  /** A root single row of `model` (tableById). */
  | { kind: "row"; model: string };

/** Field options carrying a hint, merged with other extensions: `...renderHint({ … }, listBound(…))`. */
export function renderHint(hint: RenderHint, ...others: Array<{ extensions: Record<string, unknown> }>): { extensions: Record<string, unknown> } {
  return { extensions: Object.assign({}, ...others.map((o) => o.extensions), { [RENDER_HINT]: hint }) as Record<string, unknown> };
}

export const renderHintOf = (field: GraphQLField<unknown, unknown>): RenderHint | undefined =>
  field.extensions?.[RENDER_HINT] as RenderHint | undefined;

/**
 * Set on a root resolver's `info` by the renderer: the Prisma `select` its rows need (the id, the
 * cursor, and any column a per-row rule reads). Pothos' query loads every column of these types; the
 * renderer draws the rows itself, so loading them twice would cost both sides of the connection.
 */
export const RENDER_SELECT = Symbol.for("hotdash.renderSelect");

/** The select the renderer asks of this resolver call, if it is the renderer's call. */
export const renderSelectOf = (info: unknown): { select: Record<string, true> } | undefined => {
  const select = (info as { [RENDER_SELECT]?: Record<string, true> } | undefined)?.[RENDER_SELECT];
  return select && { select };
};
