/**
 * Who is calling, known before the body is read: the Authorization header is verified once per
 * request as yoga starts to parse it (onRequestParse, before any request parser runs). A bad token
 * is answered 401 UNAUTHENTICATED without reading the body; otherwise the viewer is kept for the
 * context factory (viewerOf) and the body is read under the role's maxBodyBytes:
 *  - a Content-Length above the limit is refused at once, nothing read;
 *  - the bytes are counted while streaming, so a chunked body (or one larger than declared) is cut
 *    off at the limit, never buffered in full.
 * Both answer 413 PAYLOAD_TOO_LARGE naming the limit. yoga's own maxRequestBodySize (one number for
 * everyone, set in src/server.ts to the largest role's) runs after this as the outer bound.
 *
 * Agent keys (hdk_…, src/auth/agent-keys.ts) come as `Authorization: Bearer hdk_…` or in the
 * `apikey` header and are checked here, before the JWT authenticator. An `apikey` that is not an
 * agent key is ignored (Supabase clients send their project key there on every request).
 */
import { ClientError } from "../errors.ts";
import type { Plugin } from "graphql-yoga";
import { isAgentKey, type AgentKeyVerifier } from "../auth/agent-keys.ts";
import type { RoleBudget } from "../config.ts";
import type { Authenticate } from "../context/auth.ts";
import type { Role, Viewer } from "../auth/viewer.ts";
import { budgetRoleOf } from "../auth/policy.ts";

const viewers = new WeakMap<Request, Viewer>();

/** The request's verified viewer; undefined before useAuthentication ran for it. */
export const viewerOf = (request: Request): Viewer | undefined => viewers.get(request);

const CONTENT_LENGTH = /^\d+$/;

export function payloadTooLarge(role: Role, limit: number): ClientError {
  return new ClientError(`Request body too large: the ${role} limit is ${limit} bytes.`, "PAYLOAD_TOO_LARGE", {
    extensions: {
      maxBodyBytes: limit,
      // The rest of the body is not read: close the connection rather than drain it.
      http: { status: 413, headers: { connection: "close" } },
    },
  });
}

const BEARER = /^Bearer +(\S+) *$/i;

function twoCredentials(): ClientError {
  return new ClientError("Send one credential: the apikey header holds an agent key and Authorization another credential.", "UNAUTHENTICATED", {
    extensions: { reason: "MALFORMED_HEADER", http: { status: 401, headers: { "WWW-Authenticate": 'Bearer error="invalid_request"' } } },
  });
}

/** The verified viewer of a request: an agent key if one is presented, else the JWT (or anon). */
export async function viewerFor(headers: Headers, authenticate: Authenticate, agentKeys: AgentKeyVerifier | undefined): Promise<Viewer> {
  const authorization = headers.get("authorization");
  const bearer = authorization === null ? undefined : BEARER.exec(authorization)?.[1];
  const apikey = headers.get("apikey")?.trim();
  const agentKey = apikey && isAgentKey(apikey) ? apikey : undefined;
  if (agentKeys && bearer !== undefined && isAgentKey(bearer)) {
    if (agentKey !== undefined && agentKey !== bearer) throw twoCredentials();
    return agentKeys.verify(bearer);
  }
  if (agentKeys && agentKey !== undefined) {
    if (authorization !== null) throw twoCredentials();
    return agentKeys.verify(agentKey);
  }
  return authenticate(authorization);
}

export function useAuthentication(
  authenticate: Authenticate,
  budgets: Record<Role, Pick<RoleBudget, "maxBodyBytes">>,
  agentKeys?: AgentKeyVerifier,
): Plugin {
  return {
    async onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const viewer = await viewerFor(request.headers, authenticate, agentKeys); // throws the 401
      viewers.set(request, viewer);
      const budgetRole = budgetRoleOf(viewer); // an anonymous sign-in gets anon's budget (D1)
      const limit = budgets[budgetRole].maxBodyBytes;
      const declared = request.headers.get("content-length");
      if (declared !== null && CONTENT_LENGTH.test(declared) && Number(declared) > limit) {
        throw payloadTooLarge(budgetRole, limit);
      }
      if (!requestParser || request.body === null) return; // GET: nothing to read
      const parse = requestParser;
      setRequestParser(async (req) => {
        const body = await readAtMost(req.body!, limit, () => payloadTooLarge(budgetRole, limit));
        return parse(new fetchAPI.Request(req.url, { method: req.method, headers: req.headers, body }));
      });
    },
  };
}

/**
 * The whole body, or `tooLarge()` thrown as soon as more than `limit` bytes arrived. The reader is
 * released, not cancelled: cancelling would destroy the socket before the 413 is written.
 */
async function readAtMost(body: ReadableStream<Uint8Array>, limit: number, tooLarge: () => Error): Promise<Buffer<ArrayBuffer>> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) throw tooLarge();
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks);
}
