/**
 * One Chart.js chart on a <canvas>: created in an effect, destroyed when the data changes or the tile goes away.
 * Only the controllers, elements and scales the tiles use are registered (the rest is tree-shaken out of the bundle).
 * Animation is off: the figures appear at once and screenshots are stable.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartType,
} from "chart.js";
import { useEffect, useRef } from "preact/hooks";

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);
Chart.defaults.animation = false;
// The page's own font stack (styles.css), set here because the chart draws text itself.
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
Chart.defaults.color = "#5b6576";

export const CHART_COLORS = {
  blue: "#2457c5",
  green: "#1f7a4d",
  red: "#b3261e",
  amber: "#c58a00",
  orange: "#d9651a",
  grey: "#8a94a6",
  purple: "#6a3fb5",
};

interface ChartCanvasProps<T extends ChartType> {
  /** Built with useMemo by the tile: a new object redraws the chart. */
  config: ChartConfiguration<T>;
  /** What the chart shows, in words (the numbers are also on the page as text). */
  label: string;
  /** CSS class of the sized box around the canvas (Chart.js fills its parent). */
  size?: "wide" | "small";
  testId?: string;
}

export function ChartCanvas<T extends ChartType>({ config, label, size = "wide", testId }: ChartCanvasProps<T>) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      ...config,
      options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
    } as ChartConfiguration<T>);
    return () => chart.destroy();
  }, [config]);
  return (
    <div class={`dash-chart dash-chart-${size}`}>
      <canvas ref={canvas} role="img" aria-label={label} data-testid={testId} />
    </div>
  );
}
