/**
 * The live queue: one read of the pending and recently decided approvals, then the subscription's
 * events. Each (re)connection of the stream reads the queue again: events are not replayed, and
 * the first read may miss what committed before the stream was up.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { GatewayError } from "../api.ts";
import { useSession } from "../session-context.ts";
import {
  ConsoleApprovalDetailsDocument,
  ConsoleApprovalEventsDocument,
  ApprovalQueueDocument,
  DecideApprovalDocument,
} from "../../../src/generated/operations/graphql.ts";
import { deciderOf, known, type Approval, type Known, type Notice } from "./model.ts";

export interface ApprovalQueueState {
  items: ReadonlyMap<string, Known>;
  notices: ReadonlyMap<string, Notice>;
  loading: boolean;
  problem: string | null;
  /** The stream is up (false while it reconnects). */
  live: boolean;
  decide: (id: string, decision: "APPROVE" | "REJECT", note: string) => Promise<boolean>;
  dismiss: (id: string) => void;
  /** Puts a fresher copy in (e.g. from the details dialog). */
  update: (approval: Approval) => void;
}

const fresher = (incoming: Approval, current: Known | undefined) =>
  // A decision is final: a late read of the item as pending must not undo one already seen.
  !(current && current.status !== "PENDING" && incoming.status === "PENDING");

/** Changes within this long are told once (an expiry sweep decides several at a time). */
const CHANGE_COALESCE_MS = 250;

/** `onChange`: told (at most every CHANGE_COALESCE_MS) when an approval is submitted or decided, here or elsewhere. */
export function useApprovalQueue(onChange?: () => void): ApprovalQueueState {
  const { api, viewer, handleError } = useSession();
  const changeListener = useRef(onChange);
  changeListener.current = onChange;
  const changeTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const changed = () => {
    clearTimeout(changeTimer.current);
    changeTimer.current = setTimeout(() => changeListener.current?.(), CHANGE_COALESCE_MS);
  };
  const [items, setItems] = useState<ReadonlyMap<string, Known>>(new Map());
  const [notices, setNotices] = useState<ReadonlyMap<string, Notice>>(new Map());
  const [loading, setLoading] = useState(true);
  const [problem, setProblem] = useState<string | null>(null);
  const [live, setLive] = useState(false);

  const update = useCallback((approval: Approval) => {
    setItems((current) => {
      if (!fresher(approval, current.get(approval.id))) return current;
      const next = new Map(current);
      next.set(approval.id, known(approval));
      return next;
    });
  }, []);

  const setNotice = (id: string, notice: Notice | null) =>
    setNotices((current) => {
      const next = new Map(current);
      if (notice) next.set(id, notice);
      else next.delete(id);
      return next;
    });

  useEffect(() => {
    let stopped = false;
    const read = () =>
      api.request(ApprovalQueueDocument, {}).then(
        (data) => {
          if (stopped) return;
          const now = Date.now();
          const read = [...(data.pending?.edges ?? []), ...(data.decided?.edges ?? [])].map((e) => known(e.node, now));
          setItems((current) => {
            // What the read shows replaces what was pending (some may have been decided while the stream was down).
            const next = new Map<string, Known>();
            for (const item of current.values()) if (item.status !== "PENDING") next.set(item.id, item);
            for (const item of read) if (fresher(item, next.get(item.id))) next.set(item.id, item);
            return next;
          });
          setProblem(null);
          setLoading(false);
        },
        (error: unknown) => {
          if (stopped) return;
          setProblem(handleError(error).message);
          setLoading(false);
        },
      );
    const stop = api.subscribe(
      ConsoleApprovalEventsDocument,
      {},
      {
        onEvent: (data) => {
          update(data.approvalQueueEvents.approval);
          changed();
        },
        onError: (error) => {
          setLive(false);
          setProblem(`The live queue stopped: ${handleError(error).message}`);
        },
        onConnected: () => {
          setLive(true);
          void read();
        },
      },
    );
    // The first read does not wait for the stream: the page shows the queue at once.
    void read();
    return () => {
      stopped = true;
      stop();
      clearTimeout(changeTimer.current);
    };
  }, [api]);

  async function decide(id: string, decision: "APPROVE" | "REJECT", note: string): Promise<boolean> {
    setNotice(id, { kind: "sending", decision });
    try {
      const { decideAgentApproval } = await api.request(DecideApprovalDocument, { id, decision, note: note.trim() || null });
      setItems((current) => {
        const item = current.get(id);
        if (!item) return current;
        const next = new Map(current);
        // Until the stream's DECIDED event brings the name the database recorded: the same token's.
        next.set(id, { ...item, ...decideAgentApproval, decidedByName: viewer.name ?? viewer.email ?? null });
        return next;
      });
      setNotice(id, null);
      return true;
    } catch (error) {
      const failure = handleError(error);
      if (failure instanceof GatewayError && failure.code === "CONFLICT") {
        // Someone (or the deadline) was first: read who, to say so by name.
        const latest = await api.request(ConsoleApprovalDetailsDocument, { id }).then(
          (data) => data.agentApproval,
          () => null,
        );
        if (latest) update(latest);
        const text =
          failure.reason === "EXPIRED" || latest?.status === "EXPIRED"
            ? "This approval expired before your decision — your decision was not recorded."
            : `Already decided by ${latest ? `${deciderOf(latest)} (${latest.status.toLowerCase()})` : "someone else"} — your decision was not recorded.`;
        setNotice(id, { kind: "conflict", text });
      } else {
        setNotice(id, { kind: "failed", text: `Not recorded: ${failure.message}` });
      }
      return false;
    }
  }

  return { items, notices, loading, problem, live, decide, dismiss: (id) => setNotice(id, null), update };
}
