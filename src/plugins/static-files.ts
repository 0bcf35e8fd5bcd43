/**
 * What the gateway's own pages (GraphiQL, the console) share: files served from memory under a
 * content hash (cached for good, gzipped once on first demand), and the headers that keep a page to
 * this origin (a Content-Security-Policy, no framing, no sniffing).
 */
import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";

const gzip = promisify(gzipCallback);

export interface StaticFile {
  body: Buffer;
  contentType: string;
  /** The gzipped body, made on first demand. */
  gzipped?: Promise<Buffer>;
}

type FetchAPI = { Response: typeof Response };

export function notFound(fetchAPI: FetchAPI): Response {
  return new fetchAPI.Response("Not found", {
    status: 404,
    headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
  });
}

/** A file whose URL changes with its content: cacheable for a year, gzipped when the browser accepts it. */
export async function immutableFileResponse(fetchAPI: FetchAPI, request: Request, file: StaticFile): Promise<Response> {
  const acceptsGzip = /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "");
  const body = acceptsGzip ? await (file.gzipped ??= gzip(file.body)) : file.body;
  const headers: Record<string, string> = {
    "content-type": file.contentType,
    "content-length": String(body.byteLength),
    "cache-control": "public, max-age=31536000, immutable",
    vary: "accept-encoding",
    "x-content-type-options": "nosniff",
    ...(acceptsGzip && { "content-encoding": "gzip" }),
  };
  return new fetchAPI.Response(request.method === "HEAD" ? null : new Uint8Array(body), { status: 200, headers });
}

/** A Content-Security-Policy allowing this origin only, with `extra` directives (e.g. inline styles). */
export function sameOriginPolicy(extra: Record<string, string> = {}): { meta: string; header: string } {
  const directives: Record<string, string> = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "worker-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'none'",
    ...extra,
  };
  const meta = Object.entries(directives)
    .map(([name, value]) => `${name} ${value}`)
    .join("; ");
  // The header adds what a <meta> policy cannot say: no other site may frame the page (clickjacking).
  return { meta, header: `${meta}; frame-ancestors 'none'` };
}

/** The headers every page of the gateway carries. */
export function pageHeaders(policy: { header: string }): Record<string, string> {
  return { "content-type": "text/html; charset=utf-8", "content-security-policy": policy.header, "x-content-type-options": "nosniff" };
}

const MIME_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".map": "application/json",
};

export const contentTypeOf = (name: string): string => MIME_TYPES[name.slice(name.lastIndexOf("."))] ?? "application/octet-stream";

/** JSON inside <script>: no "</script>" or "<!--" can end it early. */
export const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");
