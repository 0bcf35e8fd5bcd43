/** One pending approval: what the agent proposes, how long it has waited, its deadline, and the decision form. */
import { useState } from "preact/hooks";
import { DetailsButton } from "./details-dialog.tsx";
import { formatDateTime, formatDuration } from "../format.ts";
import { useSession } from "../session-context.ts";
import { ageNow, deciderOf, secondsLeft, STATUS_WORDS, type Known, type Notice } from "./model.ts";
import { PayloadView } from "./payload-view.tsx";
import { deadlineWords } from "./time-words.ts";

interface Props {
  item: Known;
  notice: Notice | undefined;
  now: number;
  onDecide: (id: string, decision: "APPROVE" | "REJECT", note: string) => Promise<boolean>;
  onDismiss: (id: string) => void;
  onDetails: (id: string, opener: HTMLButtonElement) => void;
}

export function PendingItem({ item, notice, now, onDecide, onDismiss, onDetails }: Props) {
  const { viewer } = useSession();
  const [note, setNote] = useState("");
  const ids = { title: `approval-${item.id}-title`, note: `approval-${item.id}-note`, why: `approval-${item.id}-why` };
  const deadline = deadlineWords(item.expiresAt, secondsLeft(item, now));
  const sending = notice?.kind === "sending";
  const settled = item.status !== "PENDING";
  const cannot = !viewer.mayDecideApprovals
    ? `This sign-in (${viewer.kind}) cannot decide approvals: only an operator's own session can.`
    : deadline?.passed
      ? "The deadline has passed: it can no longer be decided."
      : null;
  const disabled = sending || settled || cannot !== null;

  return (
    <li class={`approval${settled ? " settled" : ""}`} aria-labelledby={ids.title}>
      <div class="approval-head">
        <h4 id={ids.title}>{item.summary}</h4>
        <span class="kind">{item.kind}</span>
      </div>
      <dl class="facts">
        <div>
          <dt>Agent</dt>
          <dd>{item.agent}</dd>
        </div>
        <div>
          <dt>Waiting</dt>
          <dd class="age">{formatDuration(ageNow(item, now))}</dd>
        </div>
        <div>
          <dt>Deadline</dt>
          <dd class={`deadline${deadline?.passed ? " passed" : ""}`}>
            {deadline ? (
              <>
                <time dateTime={item.expiresAt ?? undefined}>{deadline.at}</time> ({deadline.relative})
              </>
            ) : (
              "none"
            )}
          </dd>
        </div>
        <div>
          <dt>Conversation</dt>
          <dd>{item.conversationId}</dd>
        </div>
      </dl>
      <PayloadView payload={item.payload} />

      {settled ? (
        <p class="outcome" role="status">
          Now {STATUS_WORDS[item.status].toLowerCase()}
          {item.status !== "EXPIRED" && <> by {deciderOf(item)}</>}
          {item.decidedAt && <> at {formatDateTime(item.decidedAt)}</>}. <DetailsButton item={item} onDetails={onDetails} />
        </p>
      ) : (
        <form
          class="decision"
          onSubmit={(event) => {
            event.preventDefault();
            const submitter = (event as SubmitEvent).submitter as HTMLButtonElement | null;
            const decision = submitter?.value === "REJECT" ? "REJECT" : "APPROVE";
            void onDecide(item.id, decision, note).then((recorded) => recorded && setNote(""));
          }}
        >
          <label for={ids.note}>Note (optional)</label>
          <textarea
            id={ids.note}
            rows={2}
            maxLength={4000}
            value={note}
            disabled={sending}
            onInput={(event) => setNote(event.currentTarget.value)}
            placeholder="Why, for the agent and the audit trail"
          />
          <div class="buttons">
            <button type="submit" value="APPROVE" disabled={disabled} aria-describedby={cannot ? ids.why : undefined}>
              {notice?.kind === "sending" && notice.decision === "APPROVE" ? "Approving…" : "Approve"}
            </button>
            <button type="submit" value="REJECT" class="danger" disabled={disabled} aria-describedby={cannot ? ids.why : undefined}>
              {notice?.kind === "sending" && notice.decision === "REJECT" ? "Rejecting…" : "Reject"}
            </button>
            <DetailsButton item={item} onDetails={onDetails} />
          </div>
          {cannot && (
            <p class="help" id={ids.why}>
              {cannot}
            </p>
          )}
        </form>
      )}
      {notice && notice.kind !== "sending" && (
        <div class="notice" role="alert">
          <p class="problem">{notice.text}</p>
          <button type="button" class="secondary" onClick={() => onDismiss(item.id)}>
            Dismiss
          </button>
        </div>
      )}
    </li>
  );
}
