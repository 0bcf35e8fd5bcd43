/**
 * The one set of where-builders every list filter uses: each returns a Prisma condition, or
 * undefined when the caller did not ask for it, and `allOf` ANDs what is left. Text matching always
 * goes through `text`, which escapes LIKE's wildcards: Prisma hands `contains`/`startsWith`/`endsWith`,
 * and `equals` with mode "insensitive" (ILIKE), to PostgreSQL as patterns, so an unescaped `%` or
 * `_` in a user's search would act as a wildcard (D9).
 */

/** Escapes LIKE's wildcards (and its escape character) so the text matches literally. */
export const literal = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export type TextMatch = "equals" | "contains" | "startsWith";

/**
 * A literal text condition on one column: `equals` (exact), `contains` or `startsWith`;
 * case-insensitive unless `caseSensitive`. Undefined for an absent or empty value.
 */
export function text(value: string | null | undefined, match: TextMatch, options: { caseSensitive?: boolean } = {}) {
  if (value === null || value === undefined || value === "") return undefined;
  if (options.caseSensitive) return match === "equals" ? { equals: value } : { [match]: literal(value) };
  // Case-insensitive equality is ILIKE in Prisma: the value is a pattern too, so it is escaped as well.
  return { [match]: literal(value), mode: "insensitive" as const };
}

/** `column IN (values)`: "any of these" (docs/api.md, Filters); an empty list matches nothing, an absent one is no filter. */
export function anyOf<T>(values: readonly T[] | null | undefined): { in: T[] } | undefined {
  return values === null || values === undefined ? undefined : { in: [...values] };
}

/** Equality; undefined for an absent value. */
export function equals<T>(value: T | null | undefined): T | undefined {
  return value === null || value === undefined ? undefined : value;
}

/**
 * ANDs the conditions that are present: each entry is `{ column: condition }` (or any where input),
 * and entries whose condition is undefined are dropped. `{}` (no filter) when nothing is left.
 */
export function allOf<W extends object>(conditions: ReadonlyArray<W | undefined | false>): { AND: W[] } | Record<string, never> {
  const present = conditions.filter((c): c is W => !!c && Object.values(c).some((v) => v !== undefined));
  return present.length ? { AND: present } : {};
}
