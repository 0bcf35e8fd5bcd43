/**
 * One approval's details in a modal <dialog>: the audit trail the database wrote, the operators'
 * feedback, and (once decided) a form to leave more. Escape or Close shuts it; focus returns to
 * the button that opened it.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { formatDateTime } from "../format.ts";
import { useSession } from "../session-context.ts";
import {
  ConsoleApprovalDetailsDocument,
  SubmitApprovalFeedbackDocument,
  type ConsoleApprovalDetailsQuery,
} from "../../../src/generated/operations/graphql.ts";
import { deciderOf, personName, STATUS_WORDS, type Approval } from "./model.ts";

type Details = NonNullable<ConsoleApprovalDetailsQuery["agentApproval"]>;

interface Props {
  id: string;
  opener: HTMLElement | null;
  onClose: () => void;
  /** The fresher copy the details read, for the queue. */
  onRead: (approval: Approval) => void;
}

/** Opens an item's details; the dialog gives the focus back to it when it closes. */
export function DetailsButton({
  item,
  onDetails,
}: {
  item: Pick<Approval, "id" | "summary">;
  onDetails: (id: string, opener: HTMLButtonElement) => void;
}) {
  return (
    <button type="button" class="secondary" aria-label={`Details: ${item.summary}`} onClick={(event) => onDetails(item.id, event.currentTarget)}>
      Details
    </button>
  );
}

export function DetailsDialog({ id, opener, onClose, onRead }: Props) {
  const { api, viewer, handleError } = useSession();
  const dialog = useRef<HTMLDialogElement>(null);
  const [details, setDetails] = useState<Details | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  function load() {
    return api.request(ConsoleApprovalDetailsDocument, { id }).then(
      ({ agentApproval }) => {
        if (!agentApproval) return setProblem("This approval is no longer visible to you.");
        const { auditTrail: _trail, feedback: _feedback, ...approval } = agentApproval;
        setDetails(agentApproval);
        onRead(approval);
      },
      (error: unknown) => setProblem(handleError(error).message),
    );
  }

  useEffect(() => {
    dialog.current?.showModal();
    void load();
    return () => opener?.focus();
  }, [id]);

  const titleId = `details-${id}-title`;
  return (
    <dialog ref={dialog} class="approval-details" aria-labelledby={titleId} onClose={onClose}>
      <div class="dialog-head">
        <h3 id={titleId}>{details ? details.summary : "Approval details"}</h3>
        <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
      {problem && (
        <p class="problem" role="alert">
          {problem}
        </p>
      )}
      {!details && !problem && (
        <p class="loading" role="status">
          Loading…
        </p>
      )}
      {details && (
        <>
          <p>
            <span class="kind">{details.kind}</span> from <strong>{details.agent}</strong>:{" "}
            <span class={`status status-${details.status.toLowerCase()}`}>{STATUS_WORDS[details.status]}</span>
            {details.status !== "PENDING" && (
              <>
                {" "}
                by {deciderOf(details)}
                {details.decidedAt && <> at {formatDateTime(details.decidedAt)}</>}
              </>
            )}
            {details.decisionNote && <> — “{details.decisionNote}”</>}
          </p>

          <h4 id={`${titleId}-audit`}>Audit trail</h4>
          <table class="audit" aria-labelledby={`${titleId}-audit`}>
            <thead>
              <tr>
                <th scope="col">Action</th>
                <th scope="col">By</th>
                <th scope="col">When</th>
                <th scope="col">Rationale</th>
              </tr>
            </thead>
            <tbody>
              {details.auditTrail.map((entry) => (
                <tr key={entry.id}>
                  <td>{entry.action}</td>
                  <td title={entry.actor}>{personName(entry.actor, details, viewer)}</td>
                  <td>{formatDateTime(entry.createdAt)}</td>
                  <td>{entry.rationale ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <h4 id={`${titleId}-feedback`}>Feedback</h4>
          {details.feedback.length === 0 ? (
            <p class="empty">No feedback yet.</p>
          ) : (
            <ul class="feedback" aria-labelledby={`${titleId}-feedback`}>
              {details.feedback.map((entry) => (
                <li key={entry.id}>
                  <strong>{entry.rating === null ? "No rating" : `${entry.rating} / 5`}</strong> by {personName(entry.annotator, details, viewer)},{" "}
                  {formatDateTime(entry.createdAt)}
                  {entry.notes && <p class="feedback-notes">{entry.notes}</p>}
                </li>
              ))}
            </ul>
          )}
          {details.status === "PENDING" ? (
            <p class="help">Feedback can be left once the approval is decided.</p>
          ) : (
            <FeedbackForm approvalId={id} onSent={load} />
          )}
        </>
      )}
    </dialog>
  );
}

function FeedbackForm({ approvalId, onSent }: { approvalId: string; onSent: () => Promise<void> }) {
  const { api, handleError } = useSession();
  const [rating, setRating] = useState("");
  const [notes, setNotes] = useState("");
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const ids = { rating: `feedback-${approvalId}-rating`, notes: `feedback-${approvalId}-notes` };

  return (
    <form
      class="feedback-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (!rating && !notes.trim()) return setProblem("Give a rating or write a note.");
        setSending(true);
        setProblem(null);
        api
          .request(SubmitApprovalFeedbackDocument, { approvalId, rating: rating ? Number(rating) : null, notes: notes.trim() || null })
          .then(
            async () => {
              setRating("");
              setNotes("");
              await onSent();
            },
            (error: unknown) => setProblem(`Not saved: ${handleError(error).message}`),
          )
          .finally(() => setSending(false));
      }}
    >
      <h4>Leave feedback</h4>
      <div class="feedback-fields">
        <label for={ids.rating}>Rating</label>
        <select id={ids.rating} value={rating} onChange={(event) => setRating(event.currentTarget.value)}>
          <option value="">No rating</option>
          <option value="5">5 — excellent</option>
          <option value="4">4 — good</option>
          <option value="3">3 — acceptable</option>
          <option value="2">2 — poor</option>
          <option value="1">1 — bad</option>
        </select>
        <label for={ids.notes}>Feedback notes</label>
        <textarea id={ids.notes} rows={3} maxLength={4000} value={notes} onInput={(event) => setNotes(event.currentTarget.value)} />
      </div>
      {problem && (
        <p class="problem" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" disabled={sending}>
        {sending ? "Saving…" : "Save feedback"}
      </button>
    </form>
  );
}
