/**
 * The response size cap's last line (RESPONSE_MAX_BYTES). The main bound is in the RLS transaction:
 * an operation that reads more than the cap from PostgreSQL is stopped while it reads, so its
 * response is never built. What it does not see (the same rows repeated through loaders, cursors and
 * field names in the JSON) is caught here from the serialized body's Content-Length, which yoga's
 * response already carries: no second serialization, one header read per response. Event streams
 * (subscriptions) have no length and are not affected.
 */
import type { Plugin } from "graphql-yoga";
import type { Logger } from "../logger.ts";
import { responseTooLargeError } from "./rls-transaction.ts";
import { requestIdOf } from "./request-id.ts";

const cutOff = new WeakSet<Request>();

/** True once this request's response was replaced by RESPONSE_TOO_LARGE here (the metrics count it). */
export const responseCutOff = (request: Request): boolean => cutOff.has(request);

export function useResponseCap(maxBytes: number, logger?: Logger): Plugin {
  return {
    onResponse(payload) {
      const { request, response, fetchAPI } = payload;
      const length = Number(response.headers.get("content-length"));
      const type = response.headers.get("content-type") ?? "";
      if (!(length > maxBytes) || !/json/.test(type)) return;
      const error = responseTooLargeError(maxBytes);
      logger?.warn("Response cut off", { requestId: requestIdOf(request), code: error.extensions.code, bytes: length, maxBytes });
      const headers = new fetchAPI.Headers(response.headers);
      headers.delete("content-length");
      // Copying yoga's headers can drop the content type (its single-writeHead form): the replacement is the same JSON.
      headers.set("content-type", type);
      const body = { errors: [{ message: error.message, extensions: { code: error.extensions.code, requestId: requestIdOf(request) } }] };
      payload.setResponse(new fetchAPI.Response(JSON.stringify(body), { status: 422, headers }));
      cutOff.add(request);
    },
  };
}
