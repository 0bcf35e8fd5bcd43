/**
 * The dashboard's controls: a date range (From / To, or a preset ending at the dashboard's day) and the ad
 * platforms. No platform ticked means every platform. Each change reloads the tiles.
 */
import { useEffect, useState } from "preact/hooks";
import type { AdsPlatform } from "../../../src/generated/operations/graphql.ts";

/** The AdsPlatform enum's values, in the order the filter lists them (typed: a value the schema lacks fails to compile). */
export const PLATFORMS: readonly { value: AdsPlatform; label: string }[] = [
  { value: "META", label: "Meta" },
  { value: "GOOGLE", label: "Google" },
  { value: "TIKTOK", label: "TikTok" },
  { value: "PINTEREST", label: "Pinterest" },
  { value: "ORGANIC", label: "Organic" },
];

export const PRESET_DAYS = [7, 30, 90] as const;
/** The API's longest range (docs/dashboard.md, "Ranges"). */
const MAX_DAYS = 366;

export interface DayRange {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
export const addDays = (date: string, days: number) => new Date((dayNumber(date) + days) * DAY_MS).toISOString().slice(0, 10);
/** The `days` days ending on `to`, inclusive. */
export const lastDays = (to: string, days: number): DayRange => ({ from: addDays(to, -(days - 1)), to });
const isDay = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(dayNumber(value));

interface ControlsProps {
  /** The dashboard's day (presets end on it); null before the first answer. */
  asOf: string | null;
  /** The range the tiles show: the one asked for, else the one the API used by default. */
  range: DayRange | null;
  platforms: readonly AdsPlatform[];
  onRange: (range: DayRange) => void;
  onPlatforms: (platforms: AdsPlatform[]) => void;
}

export function DashboardControls({ asOf, range, platforms, onRange, onPlatforms }: ControlsProps) {
  const [from, setFrom] = useState(range?.from ?? "");
  const [to, setTo] = useState(range?.to ?? "");
  const [problem, setProblem] = useState<string | null>(null);

  // Follow the range shown (a preset, or the API's default once it answers).
  useEffect(() => {
    setFrom(range?.from ?? "");
    setTo(range?.to ?? "");
  }, [range?.from, range?.to]);

  function apply(nextFrom: string, nextTo: string) {
    setFrom(nextFrom);
    setTo(nextTo);
    if (!isDay(nextFrom) || !isDay(nextTo)) return setProblem("Enter both dates.");
    if (nextFrom > nextTo) return setProblem("From must be on or before To.");
    if (dayNumber(nextTo) - dayNumber(nextFrom) + 1 > MAX_DAYS) return setProblem(`A range is at most ${MAX_DAYS} days.`);
    setProblem(null);
    if (nextFrom !== range?.from || nextTo !== range?.to) onRange({ from: nextFrom, to: nextTo });
  }

  function toggle(platform: AdsPlatform, on: boolean) {
    const next = new Set(platforms);
    if (on) next.add(platform);
    else next.delete(platform);
    onPlatforms(PLATFORMS.map((p) => p.value).filter((p) => next.has(p)));
  }

  return (
    <form class="dash-controls panel" aria-label="Dashboard filters" onSubmit={(event) => event.preventDefault()}>
      <fieldset>
        <legend>Date range</legend>
        <div class="dash-range">
          <label>
            From
            <input type="date" value={from} max={to || asOf || undefined} onChange={(e) => apply(e.currentTarget.value, to)} />
          </label>
          <label>
            To
            <input type="date" value={to} min={from || undefined} max={asOf ?? undefined} onChange={(e) => apply(from, e.currentTarget.value)} />
          </label>
          <div class="dash-presets" role="group" aria-label="Quick ranges">
            {PRESET_DAYS.map((days) => {
              const preset = asOf ? lastDays(asOf, days) : null;
              const active = preset !== null && preset.from === range?.from && preset.to === range?.to;
              return (
                <button
                  key={days}
                  type="button"
                  class={active ? undefined : "secondary"}
                  aria-pressed={active}
                  disabled={!preset}
                  onClick={() => preset && apply(preset.from, preset.to)}
                >
                  Last {days} days
                </button>
              );
            })}
          </div>
        </div>
        {problem && (
          <p class="problem" role="alert">
            {problem}
          </p>
        )}
      </fieldset>
      <fieldset>
        <legend>Ad platforms</legend>
        <div class="dash-platforms">
          {PLATFORMS.map(({ value, label }) => (
            <label key={value} class="dash-check">
              <input type="checkbox" checked={platforms.includes(value)} onChange={(e) => toggle(value, e.currentTarget.checked)} />
              {label}
            </label>
          ))}
        </div>
        <p class="help">{platforms.length === 0 ? "None ticked: every platform." : "Ads tile only: revenue is the whole store's."}</p>
      </fieldset>
    </form>
  );
}
