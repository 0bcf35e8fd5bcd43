/** How the console writes numbers, money, dates and durations (en-US; amounts are in the store's USD cents). */
const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const wholeMoney = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
const count = new Intl.NumberFormat("en-US");
const dateTime = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short" });
const day = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });

/** "" for null: a figure whose divisor is 0 stays blank rather than showing 0 or ∞. */
export const blankIfNull = <T>(value: T | null | undefined, format: (v: T) => string): string => (value == null ? "" : format(value));

export const formatMoney = (cents: number) => money.format(cents / 100);
export const formatWholeMoney = (cents: number) => wholeMoney.format(cents / 100);
export const formatCount = (n: number) => count.format(n);
export const formatRoas = (roas: number | string) => `${Number(roas).toFixed(2)}×`;
/** A ratio (0.0123) as a percentage ("1.23%"). */
export const formatRatio = (ratio: number | string) => `${(Number(ratio) * 100).toFixed(2)}%`;
/** A percentage already in percent (12.5 → "+12.5%"). */
export const formatSignedPercent = (percent: number | string) => `${Number(percent) > 0 ? "+" : ""}${Number(percent).toFixed(1)}%`;
export const formatSignedMoney = (cents: number) => `${cents > 0 ? "+" : cents < 0 ? "−" : ""}${money.format(Math.abs(cents) / 100)}`;
export const formatDateTime = (iso: string) => dateTime.format(new Date(iso));
/** A calendar date (YYYY-MM-DD, the API's Date) as "Mar 4". */
export const formatDay = (date: string) => day.format(new Date(`${date}T00:00:00Z`));

/** A duration in seconds as "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}
