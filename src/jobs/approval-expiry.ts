/**
 * The approval-expiry sweep: a background job every gateway instance runs, so deadlines are
 * recorded (with their DecisionLog row and EXPIRED event) without anyone calling
 * expireAgentApprovals.
 */
import type { Viewer } from "../auth/viewer.ts";
import { expireApprovals } from "../data/agents/approvals.ts";
import { withRls } from "../db/rls.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";

/** How often each instance sweeps. */
export const EXPIRY_SWEEP_MS = 30_000;

/** The identity the gateway's own background work runs as (the expiry sweep). */
export const SYSTEM_VIEWER: Viewer = { role: "service_role", subject: null, claims: { role: "service_role" } };

/**
 * Runs the expiry sweep now and then every `intervalMs`, so deadlines are recorded (with their
 * DecisionLog row and EXPIRED event) without anyone calling expireAgentApprovals. Every gateway
 * instance may run it: the function skips rows another sweep or decider holds, so each expiry is
 * written once. Returns a stop function (which waits for a sweep in flight).
 */
export function startApprovalExpirySweep(
  prisma: PrismaClient,
  options: { intervalMs: number; onError?: (error: unknown) => void; onExpired?: (count: number) => void },
): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> | undefined;
  const sweep = () => {
    if (stopped || running) return;
    running = withRls(prisma, SYSTEM_VIEWER, expireApprovals)
      .then((count) => {
        if (count > 0) options.onExpired?.(count);
      })
      .catch((error) => options.onError?.(error))
      .finally(() => {
        running = undefined;
      });
  };
  sweep();
  const timer = setInterval(sweep, options.intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running; // let a sweep in flight finish before the caller closes the pool
  };
}
