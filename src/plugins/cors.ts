/**
 * CORS by allow-list (CORS_ORIGINS), in place of yoga's default, which reflects any Origin with
 * credentials allowed (D13). A page of a listed origin may call the API with a bearer token; any
 * other origin gets no CORS header at all, so its browser keeps the response from it. The gateway's
 * own pages (GraphiQL) are same-origin and need none.
 *
 *  - No credentials (Access-Control-Allow-Credentials is never sent): tokens travel in headers, and
 *    a browser's cookies or HTTP auth must not ride on another site's requests.
 *  - A preflight (OPTIONS) is answered 204 here, before authentication, with the methods and request
 *    headers the API reads; a foreign origin gets the 204 without them (the browser then refuses).
 *  - Vary: Origin on every response when the answer depends on the origin, so a shared cache never
 *    hands one origin's allowance to another.
 */
import type { Plugin } from "graphql-yoga";
import type { CorsOrigins } from "../config.ts";
import { REQUEST_ID_HEADER } from "./request-id.ts";

/**
 * Request headers a browser client may send: the credential (Authorization, or an agent key in
 * apikey), the body's type, the caller's request id, W3C trace context and MCP's protocol version
 * (a browser MCP client on /mcp sends it after initialize). Accept is safelisted.
 */
export const CORS_ALLOWED_HEADERS = [
  "authorization",
  "apikey",
  "content-type",
  REQUEST_ID_HEADER,
  "traceparent",
  "tracestate",
  "mcp-protocol-version",
] as const;
/** Response headers a browser client may read besides the safelisted ones. */
export const CORS_EXPOSED_HEADERS = [REQUEST_ID_HEADER, "retry-after", "www-authenticate"] as const;
const ALLOWED_METHODS = "GET, POST, OPTIONS";
/** How long a browser may reuse a preflight's answer (Chromium caps it at 2 h). */
const PREFLIGHT_MAX_AGE_S = 600;

export function useCors(origins: CorsOrigins): Plugin {
  const listed = origins === "*" ? null : new Set(origins);
  /** The Access-Control-Allow-Origin to send, or null for none. */
  const allowOrigin = (origin: string | null): string | null => {
    if (origin === null) return null;
    if (listed === null) return "*";
    return listed.has(origin) ? origin : null;
  };
  const varies = listed !== null && listed.size > 0;

  return {
    onRequest(payload) {
      const { request, fetchAPI } = payload;
      if (request.method !== "OPTIONS") return;
      const headers = new fetchAPI.Headers({ "content-length": "0" });
      const allowed = allowOrigin(request.headers.get("origin"));
      if (allowed !== null && request.headers.has("access-control-request-method")) {
        headers.set("access-control-allow-origin", allowed);
        headers.set("access-control-allow-methods", ALLOWED_METHODS);
        headers.set("access-control-allow-headers", CORS_ALLOWED_HEADERS.join(", "));
        headers.set("access-control-max-age", String(PREFLIGHT_MAX_AGE_S));
      }
      if (varies) headers.set("vary", "Origin");
      payload.endResponse(new fetchAPI.Response(null, { status: 204, headers }));
    },
    onResponse({ request, response }) {
      if (request.method === "OPTIONS") return; // answered above
      const allowed = allowOrigin(request.headers.get("origin"));
      if (allowed !== null) {
        response.headers.set("access-control-allow-origin", allowed);
        response.headers.set("access-control-expose-headers", CORS_EXPOSED_HEADERS.join(", "));
      }
      if (varies) appendVary(response.headers, "Origin");
    },
  };
}

function appendVary(headers: Headers, name: string): void {
  const current = headers.get("vary");
  if (current === null) headers.set("vary", name);
  else if (!current.split(",").some((v) => v.trim().toLowerCase() === name.toLowerCase())) headers.set("vary", `${current}, ${name}`);
}
