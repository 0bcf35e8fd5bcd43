/**
 * Input validation: zod schemas, and the one mapping from a failure to the client's error, which
 * names each field and its rule (code BAD_USER_INPUT), e.g. `input.metrics[3].clicks: must be ≥ 0`.
 * Schemas are attached to the GraphQL inputs (the Pothos validation plugin calls invalidInput);
 * `validate` is for the few checks that need more than the arguments.
 */
import { z } from "zod";
import { ClientError } from "../errors.ts";

export { z };

/** A path segment as Standard Schema reports it (zod gives plain keys; others may wrap them). */
type PathSegment = PropertyKey | { key: PropertyKey };

export interface ValidationIssue {
  message: string;
  path?: readonly PathSegment[];
}

/** `input.metrics[3].clicks`: dots between names, brackets around indices. */
export function fieldPath(segments: readonly PathSegment[]): string {
  return segments
    .map((segment) => (typeof segment === "object" ? segment.key : segment))
    .map((key, i) => (typeof key === "number" ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join("");
}

/** The client's error for failed validation: every issue, each with its field path and rule. */
export function invalidInput(issues: readonly ValidationIssue[], prefix: readonly PathSegment[] = []): ClientError {
  const shaped = issues.map((issue) => ({ field: fieldPath([...prefix, ...(issue.path ?? [])]), rule: issue.message }));
  return new ClientError(shaped.map((i) => `${i.field}: ${i.rule}`).join("; "), "BAD_USER_INPUT", { extensions: { issues: shaped } });
}

/** Validates a value outside the schema's arguments (e.g. against the stored row), with the same error shape. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, path = "input"): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidInput(result.error.issues, [path]);
}

export const nonNegativeInt = z.number().int("must be an integer").min(0, "must be ≥ 0").max(2_147_483_647, "must fit in 32 bits");
export const nonEmpty = z.string().trim().min(1, "must not be empty");
/** A DateRange or DateTimeRange argument (either end may be omitted); its order is checked by src/lib/dates.ts. */
export const range = z.object({ from: z.date().nullish(), to: z.date().nullish() }).nullish();
/** A link a client will render: http(s) only, so no `javascript:` or `data:` URL reaches the dashboard. */
export const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
