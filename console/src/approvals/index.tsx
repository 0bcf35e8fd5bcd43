/**
 * The approval queue, live: what agents propose (oldest first), Approve and Reject with a note, and
 * the latest decisions. Decisions made anywhere else (another operator, another tab, the deadline)
 * arrive through the approvalQueueEvents subscription; each (re)connection re-reads the queue.
 */
import { useRef, useState } from "preact/hooks";
import { formatCount } from "../format.ts";
import "./approvals.css";
import { DecidedList } from "./decided-list.tsx";
import { DetailsDialog } from "./details-dialog.tsx";
import { byCreatedAt, byDecidedAt, STATUS_WORDS } from "./model.ts";
import { PendingItem } from "./pending-item.tsx";
import { useApprovalQueue } from "./use-approval-queue.ts";
import { useNow } from "./use-now.ts";

const DECIDED_SHOWN = 10;

/** `onChange`: an approval was submitted or decided (the dashboard's support-queue tile reads the queue too). */
export function ApprovalQueue({ onChange }: { onChange?: () => void }) {
  const queue = useApprovalQueue(onChange);
  const now = useNow();
  const [details, setDetails] = useState<{ id: string; opener: HTMLElement } | null>(null);
  const [said, setSaid] = useState("");
  const pendingHeading = useRef<HTMLHeadingElement>(null);

  const all = [...queue.items.values()];
  const pendingCount = all.filter((item) => item.status === "PENDING").length;
  // An item the operator acted on stays in place while its decision is sent, or to show why it was not recorded.
  const shown = all.filter((item) => item.status === "PENDING" || queue.notices.has(item.id)).sort(byCreatedAt);
  const decided = all
    .filter((item) => item.status !== "PENDING")
    .sort(byDecidedAt)
    .slice(0, DECIDED_SHOWN);

  async function decide(id: string, decision: "APPROVE" | "REJECT", note: string) {
    const recorded = await queue.decide(id, decision, note);
    if (recorded) {
      const item = queue.items.get(id);
      setSaid(
        `${decision === "APPROVE" ? STATUS_WORDS.APPROVED : STATUS_WORDS.REJECTED}: “${item?.summary ?? id}”. It is now under Recently decided.`,
      );
      // The focused button is gone with the item: keep the keyboard in the queue.
      pendingHeading.current?.focus();
    }
    return recorded;
  }

  return (
    <section id="approvals" class="panel approvals" aria-labelledby="approvals-title">
      <div class="approvals-head">
        <h2 id="approvals-title">
          Approval queue <span class="pending-count">{queue.loading ? "" : `${formatCount(pendingCount)} pending`}</span>
        </h2>
        <span class={`live${queue.live ? " on" : ""}`} role="status">
          {queue.live ? "Live" : "Connecting…"}
        </span>
      </div>
      {queue.problem && (
        <p class="problem" role="alert">
          {queue.problem}
        </p>
      )}
      <p class="visually-hidden" role="status">
        {said}
      </p>

      <h3 id="approvals-pending" ref={pendingHeading} tabIndex={-1}>
        Pending
      </h3>
      {queue.loading ? (
        <p class="loading" role="status">
          Loading the queue…
        </p>
      ) : shown.length === 0 ? (
        <p class="empty">Nothing waits for a decision.</p>
      ) : (
        <ol class="pending" aria-labelledby="approvals-pending">
          {shown.map((item) => (
            <PendingItem
              key={item.id}
              item={item}
              notice={queue.notices.get(item.id)}
              now={now}
              onDecide={decide}
              onDismiss={queue.dismiss}
              onDetails={(id, opener) => setDetails({ id, opener })}
            />
          ))}
        </ol>
      )}

      <h3 id="approvals-decided">Recently decided</h3>
      {!queue.loading && <DecidedList items={decided} onDetails={(id, opener) => setDetails({ id, opener })} />}

      {details && <DetailsDialog id={details.id} opener={details.opener} onClose={() => setDetails(null)} onRead={queue.update} />}
    </section>
  );
}
