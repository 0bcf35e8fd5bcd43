/**
 * One id per HTTP request: the caller's `x-request-id` when it looks sane (so ids propagate from a
 * proxy), else a fresh UUID. It is echoed in the `x-request-id` response header, put on the GraphQL
 * context and on every error, and bound to every log line about the request.
 */
import { randomUUID } from "node:crypto";
import type { Plugin } from "graphql-yoga";

export const REQUEST_ID_HEADER = "x-request-id";

/** Letters, digits and . _ : - only, at most 128: nothing that can forge log lines or headers. */
const SANE_REQUEST_ID = /^[\w.:-]{1,128}$/;

const ids = new WeakMap<Request, string>();

/** The request's id, fixed on first use (the context factory, error and log plugins all ask). */
export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (id === undefined) {
    const incoming = request.headers.get(REQUEST_ID_HEADER)?.trim();
    id = incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ids.set(request, id);
  }
  return id;
}

export function useRequestId(): Plugin {
  return {
    onResponse({ request, response }) {
      response.headers.set(REQUEST_ID_HEADER, requestIdOf(request));
    },
  };
}
