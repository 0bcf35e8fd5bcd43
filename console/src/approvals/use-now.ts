import { useEffect, useState } from "preact/hooks";

/** The time, re-rendering every `ms`: ages and deadlines tick. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
