/**
 * One log line per HTTP request (method, path, status, duration, request id). Probes and scrapes (/health,
 * /ready, /metrics) log at debug so they do not drown the real traffic.
 */
import type { Plugin } from "graphql-yoga";
import type { Logger } from "../logger.ts";
import { requestIdOf } from "./request-id.ts";

const PROBES = new Set(["/health", "/ready", "/metrics"]);

export function useAccessLog(logger: Logger): Plugin {
  const started = new WeakMap<Request, number>();
  return {
    onRequest({ request }) {
      started.set(request, performance.now());
    },
    onResponse({ request, response }) {
      const path = new URL(request.url).pathname;
      const start = started.get(request);
      const fields = {
        requestId: requestIdOf(request),
        method: request.method,
        path,
        status: response.status,
        ...(start !== undefined && { durationMs: Math.round((performance.now() - start) * 10) / 10 }),
      };
      if (PROBES.has(path)) logger.debug("request", fields);
      else logger.info("request", fields);
    },
  };
}
