/** The latest decisions (here or anywhere else), newest first: status, who decided, when, and their note. */
import { DetailsButton } from "./details-dialog.tsx";
import { formatDateTime } from "../format.ts";
import { deciderOf, STATUS_WORDS, type Known } from "./model.ts";

interface Props {
  items: Known[];
  onDetails: (id: string, opener: HTMLButtonElement) => void;
}

export function DecidedList({ items, onDetails }: Props) {
  if (items.length === 0) return <p class="empty">Nothing decided yet.</p>;
  return (
    <table class="decided">
      <thead>
        <tr>
          <th scope="col">Summary</th>
          <th scope="col">Kind</th>
          <th scope="col">Status</th>
          <th scope="col">Decided by</th>
          <th scope="col">When</th>
          <th scope="col">Note</th>
          <th scope="col">
            <span class="visually-hidden">Details</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.id} data-approval-id={item.id}>
            <th scope="row">{item.summary}</th>
            <td>{item.kind}</td>
            <td>
              <span class={`status status-${item.status.toLowerCase()}`}>{STATUS_WORDS[item.status]}</span>
            </td>
            <td class="decider" title={item.decidedBy ?? undefined}>
              {deciderOf(item)}
            </td>
            <td>{item.decidedAt ? <time dateTime={item.decidedAt}>{formatDateTime(item.decidedAt)}</time> : ""}</td>
            <td class="note">{item.decisionNote ?? ""}</td>
            <td>
              <DetailsButton item={item} onDetails={onDetails} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
