/**
 * Errors meant for the client, raised on purpose by any layer (data, auth, plugins): each has a
 * stable extensions.code. Everything that is not a ClientError (or graphql's own parse and
 * validation errors) is treated as unexpected by the error policy (src/plugins/errors.ts): logged,
 * then replaced by a classified code and a fixed message. The same idea as Grafast's SafeError.
 */
import { GraphQLError, type GraphQLErrorOptions } from "graphql";

/** An error whose message and extensions are written for the client, and shown as they are. */
export class ClientError extends GraphQLError {
  /** Marker checked by name, not instanceof (see isClientError). */
  readonly clientSafe = true;
  constructor(message: string, code: string, options: Omit<GraphQLErrorOptions, "extensions"> & { extensions?: Record<string, unknown> } = {}) {
    super(message, { ...options, extensions: { code, ...options.extensions } });
  }
}

/**
 * By property, not instanceof: graphql ships CommonJS and ESM builds, and a test runner can load both.
 */
export function isClientError(value: unknown): value is ClientError {
  return value instanceof Error && (value as Partial<ClientError>).clientSafe === true;
}

export const notFound = (type: string, id: string) =>
  new ClientError(`${type} ${id} does not exist or is not visible to you.`, "NOT_FOUND", { extensions: { type, id } });

export const conflict = (message: string, extra: Record<string, unknown> = {}) => new ClientError(message, "CONFLICT", { extensions: extra });

export const badInput = (field: string, rule: string) =>
  new ClientError(`${field}: ${rule}`, "BAD_USER_INPUT", { extensions: { issues: [{ field, rule }] } });
