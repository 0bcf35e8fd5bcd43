/** Errors resolvers raise on purpose; each has a stable extensions.code. */
import { GraphQLError } from "graphql";

export const notFound = (type: string, id: string) =>
  new GraphQLError(`${type} ${id} does not exist or is not visible to you.`, { extensions: { code: "NOT_FOUND", type, id } });

export const conflict = (message: string, extra: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code: "CONFLICT", ...extra } });

export const badInput = (field: string, rule: string) =>
  new GraphQLError(`${field}: ${rule}`, { extensions: { code: "BAD_USER_INPUT", issues: [{ field, rule }] } });
