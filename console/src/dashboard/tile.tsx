/** The frame every tile shares: a titled panel, and the sentence shown when the tile has nothing to show. */
import type { ComponentChildren } from "preact";

export function Tile({ id, title, children, note }: { id: string; title: string; children: ComponentChildren; note?: ComponentChildren }) {
  return (
    <section class="panel dash-tile" aria-labelledby={`${id}-title`} data-testid={`tile-${id}`}>
      <header class="dash-tile-head">
        <h3 id={`${id}-title`}>{title}</h3>
        {note && <span class="help">{note}</span>}
      </header>
      {children}
    </section>
  );
}

/** A table that scrolls inside its tile (its header stays in view), reachable and scrollable from the keyboard. */
export function ScrollingTable({ label, testId, children }: { label: string; testId?: string; children: ComponentChildren }) {
  return (
    <div class="dash-scroll" tabindex={0} role="region" aria-label={label}>
      <table class="dash-table" data-testid={testId}>
        {children}
      </table>
    </div>
  );
}

export const Empty = ({ children }: { children: ComponentChildren }) => <p class="empty">{children}</p>;

/** A range as "Nov 4 – Dec 3, 2026". */
const longDay = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });
const shortDay = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
export function formatRange({ from, to }: { from: string; to: string }): string {
  const start = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  if (from === to) return longDay.format(end);
  return `${start.getUTCFullYear() === end.getUTCFullYear() ? shortDay.format(start) : longDay.format(start)} – ${longDay.format(end)}`;
}
