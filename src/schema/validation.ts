/**
 * Input validation for mutations: zod schemas, and one mapping from a zod failure to a GraphQL
 * error that names the field and the rule (code BAD_USER_INPUT), e.g.
 * `input.metrics[3].clicks: must be ≥ 0`.
 */
import { GraphQLError } from "graphql";
import { z } from "zod";

export { z };

export function validate<T>(schema: z.ZodType<T>, value: unknown, path = "input"): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    field: [path, ...issue.path].map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join(""),
    rule: issue.message,
  }));
  throw new GraphQLError(issues.map((i) => `${i.field}: ${i.rule}`).join("; "), {
    extensions: { code: "BAD_USER_INPUT", issues },
  });
}

export const nonNegativeInt = z.number().int("must be an integer").min(0, "must be ≥ 0").max(2_147_483_647, "must fit in 32 bits");
export const nonEmpty = z.string().trim().min(1, "must not be empty");
/** A link a client will render: http(s) only, so no `javascript:` or `data:` URL reaches the dashboard. */
export const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
