import { formatDateTime, formatDuration } from "../format.ts";

/** A deadline for people: the absolute time and how far off it is ("in 12 min", "expired"). */
export function deadlineWords(expiresAt: string | null, secondsLeft: number | null): { at: string; relative: string; passed: boolean } | null {
  if (!expiresAt || secondsLeft === null) return null;
  const passed = secondsLeft <= 0;
  return { at: formatDateTime(expiresAt), relative: passed ? "expired" : `in ${formatDuration(secondsLeft)}`, passed };
}
