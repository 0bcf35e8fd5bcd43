/**
 * How many items a list field can return, declared on the field itself (GraphQL field extensions)
 * so the cost estimate (src/plugins/limits.ts) reads every bound from the schema: one place, no list
 * of names beside it. tests/list-bounds.test.ts fails for a list-typed output field without one.
 *
 * A declared bound is a promise: the field never returns more than `max` (a Prisma `take`, a
 * validated argument, a slice). `estimate` may lower it from the arguments (e.g. `first: 5`).
 * This module imports nothing of the schema, so the limits plugin can use it for any schema.
 */
import type { GraphQLField } from "graphql";

export const LIST_BOUND = "listBound";
export const CONNECTION_PAGE = "connectionPage";

export interface ListBound {
  /** Most items whatever the arguments; enforced at run time. */
  max: number;
  /** Items for these (coerced) arguments; clamped to [0, max]. Absent: always max. */
  estimate?: (args: Record<string, unknown>) => number;
  /** For docs and errors: what the bound follows, e.g. "first (default 20)". */
  by?: string;
  /** A connection's `edges`: as many as the enclosing connection field's page (see CONNECTION_PAGE). */
  page?: true;
}

type Extensions = { extensions: Record<string, unknown> };

/** Field options declaring a list's bound: `t.field({ type: [X], ...listBound(100), ... })`. */
export function listBound(max: number, estimate?: ListBound["estimate"], by?: string): Extensions {
  return { extensions: { [LIST_BOUND]: { max, estimate, by } satisfies ListBound } };
}

/** The `edges` of a connection: bounded by the page its connection field asked for. */
export function edgesBound(maxPage: number): Extensions {
  return { extensions: { [LIST_BOUND]: { max: maxPage, page: true, by: "the connection's page size" } satisfies ListBound } };
}

/** A connection field's page size: `first` or `last`, else `defaultSize`, at most `maxSize`. */
export function connectionPage(defaultSize: number, maxSize: number): Extensions {
  const page: ListBound = {
    max: maxSize,
    by: `first/last (default ${defaultSize})`,
    estimate: ({ first, last }) => Math.max(typeof first === "number" ? first : 0, typeof last === "number" ? last : 0) || defaultSize,
  };
  return { extensions: { [CONNECTION_PAGE]: page } };
}

/** An argument that names how many items (e.g. `first`, `limit`), with its default and maximum. */
export function countArgBound(arg: string, defaultCount: number, max: number): Extensions {
  return listBound(
    max,
    (args) => {
      const count = args[arg];
      return typeof count === "number" ? count : defaultCount;
    },
    `${arg} (default ${defaultCount})`,
  );
}

export const listBoundOf = (field: GraphQLField<unknown, unknown>): ListBound | undefined => field.extensions?.[LIST_BOUND] as ListBound | undefined;

export const connectionPageOf = (field: GraphQLField<unknown, unknown>): ListBound | undefined =>
  field.extensions?.[CONNECTION_PAGE] as ListBound | undefined;

/** The bound's item count for these arguments, clamped to [0, max]. */
export function itemsFor(bound: ListBound, args: Record<string, unknown>): number {
  if (!bound.estimate) return bound.max;
  const n = bound.estimate(args);
  return Number.isFinite(n) ? Math.min(Math.max(Math.ceil(n), 0), bound.max) : bound.max;
}
