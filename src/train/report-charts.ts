// Chart.js configurations for the report, as plain JSON (no functions), built from a run's history: the browser
// side only does `new Chart(canvas, config)`. Missing or non-finite values become null, which Chart.js draws as gaps.
import type { Histogram } from './report-data.js';

/** A Chart.js config (type, data, options) that survives JSON.stringify. */
export interface ChartSpec {
  type: 'line' | 'bar';
  data: { labels?: (string | number)[]; datasets: Record<string, unknown>[] };
  options: Record<string, unknown>;
}

const TABLEAU = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** Distinct colours: Tableau 10, then hues spread by the golden angle. */
export function colour(i: number): string {
  if (i < TABLEAU.length) return TABLEAU[i]!;
  return `hsl(${Math.round((i * 137.508) % 360)}, 55%, 48%)`;
}

/** A finite number, or null (a gap in a chart). */
export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A finite positive number (drawable on a log axis), or null. */
export function pos(v: unknown): number | null {
  const n = num(v);
  return n !== null && n > 0 ? n : null;
}

/** A fraction in [0, 1] shown as a percentage, or null. */
export function pct(v: unknown): number | null {
  const n = num(v);
  return n === null ? null : Math.round(n * 1e6) / 1e4;
}

export const hasData = (values: readonly (number | null)[]): boolean => values.some((v) => v !== null);

interface Series {
  label: string;
  data: (number | null)[] | { x: number; y: number | null }[];
  color: string;
  dashed?: boolean;
  points?: boolean;
}

function lineDataset(s: Series): Record<string, unknown> {
  return {
    label: s.label,
    data: s.data,
    borderColor: s.color,
    backgroundColor: s.color,
    borderWidth: 2,
    borderDash: s.dashed ? [6, 4] : [],
    pointRadius: s.points === false ? 0 : 2.5,
    pointHoverRadius: 4,
    tension: 0,
    spanGaps: false,
  };
}

interface Axes {
  x: string;
  y: string;
  /** Logarithmic y axis. */
  log?: boolean;
  /** Linear (numeric) x axis for {x, y} points instead of category labels. */
  xLinear?: boolean;
  yMin?: number;
  yMax?: number;
}

function axisOptions(a: Axes): Record<string, unknown> {
  const y: Record<string, unknown> = {
    type: a.log ? 'logarithmic' : 'linear',
    title: { display: true, text: a.y },
    grid: { color: 'rgba(0,0,0,0.06)' },
  };
  if (a.yMin !== undefined) y.min = a.yMin;
  if (a.yMax !== undefined) y.max = a.yMax;
  return {
    x: {
      type: a.xLinear ? 'linear' : 'category',
      title: { display: true, text: a.x },
      grid: { color: 'rgba(0,0,0,0.06)' },
      ticks: { maxRotation: 0, autoSkip: true },
    },
    y,
  };
}

const baseOptions = (legend: boolean): Record<string, unknown> => ({
  responsive: true,
  maintainAspectRatio: false,
  animation: false,
  interaction: { mode: 'nearest', axis: 'x', intersect: false },
  plugins: {
    legend: { display: legend, position: 'bottom', labels: { boxWidth: 12, boxHeight: 12 } },
    tooltip: { enabled: true },
  },
});

/** A line chart; series whose values are all missing are dropped, and so is the chart (null) if none is left. */
export function lineChart(
  labels: (string | number)[] | null,
  series: Series[],
  axes: Axes,
  legend = true,
): ChartSpec | null {
  const kept = series.filter((s) =>
    s.data.some((d) => (typeof d === 'object' && d !== null ? d.y !== null : d !== null)),
  );
  if (kept.length === 0) return null;
  const data: ChartSpec['data'] = { datasets: kept.map(lineDataset) };
  if (labels) data.labels = labels;
  return { type: 'line', data, options: { ...baseOptions(legend), scales: axisOptions(axes) } };
}

/** A grouped bar chart: one dataset per series over shared category labels. */
export function barChart(
  labels: string[],
  series: { label: string; data: (number | null)[]; color: string }[],
  axes: Axes,
): ChartSpec {
  return {
    type: 'bar',
    data: {
      labels,
      datasets: series.map((s) => ({
        label: s.label,
        data: s.data,
        backgroundColor: s.color,
        borderColor: s.color,
        borderWidth: 0,
      })),
    },
    options: {
      ...baseOptions(true),
      interaction: { mode: 'index', intersect: false },
      scales: withTicks(axisOptions(axes), 'x', { autoSkip: false, maxRotation: 60 }), // every class named
    },
  };
}

function withTicks(scales: Record<string, unknown>, axis: string, ticks: Record<string, unknown>) {
  const a = scales[axis] as Record<string, unknown>;
  return { ...scales, [axis]: { ...a, ticks: { ...(a.ticks as object), ...ticks } } };
}

/** Index range [first, last] of a histogram's non-empty bins, or null if it is empty. */
function occupied(h: Histogram): [number, number] | null {
  let first = -1;
  let last = -1;
  h.counts.forEach((c, i) => {
    if (num(c) !== null && c > 0) {
      if (first < 0) first = i;
      last = i;
    }
  });
  return first < 0 ? null : [h.edges[first]!, h.edges[last + 1]!];
}

/**
 * Spreads a histogram's counts over new bin edges, assuming values are uniform inside each old bin, so the start
 * and end histograms of a layer (each binned over its own range) can be drawn over one shared axis.
 */
export function rebin(h: Histogram, edges: readonly number[]): number[] {
  const out = new Array<number>(edges.length - 1).fill(0);
  const lo = edges[0]!;
  const w = (edges[edges.length - 1]! - lo) / (edges.length - 1);
  for (let i = 0; i < h.counts.length; i++) {
    const c = num(h.counts[i]);
    const a = num(h.edges[i]);
    const b = num(h.edges[i + 1]);
    if (c === null || c <= 0 || a === null || b === null) continue;
    if (!(b > a) || !(w > 0)) {
      const j = Math.min(out.length - 1, Math.max(0, Math.floor((a - lo) / (w || 1))));
      out[j]! += c;
      continue;
    }
    const j0 = Math.max(0, Math.floor((a - lo) / w));
    const j1 = Math.min(out.length - 1, Math.floor((b - lo) / w));
    for (let j = j0; j <= j1; j++) {
      const overlap = Math.min(b, edges[j + 1]!) - Math.max(a, edges[j]!);
      if (overlap > 0) out[j]! += (c * overlap) / (b - a);
    }
  }
  return out.map((v) => Math.round(v * 100) / 100);
}

/** Approximate mean and standard deviation from bin centres. */
export function histStats(h: Histogram): { mean: number; std: number; n: number } | null {
  let n = 0;
  let s = 0;
  let s2 = 0;
  h.counts.forEach((c, i) => {
    const a = num(h.edges[i]);
    const b = num(h.edges[i + 1]);
    if (num(c) === null || c <= 0 || a === null || b === null) return;
    const m = (a + b) / 2;
    n += c;
    s += c * m;
    s2 += c * m * m;
  });
  if (n === 0) return null;
  const mean = s / n;
  return { mean, std: Math.sqrt(Math.max(0, s2 / n - mean * mean)), n };
}

/** Start vs end weight histogram of one layer, overlaid over shared bins. */
export function histogramChart(start: Histogram, end: Histogram): ChartSpec | null {
  const ranges = [occupied(start), occupied(end)].filter((r): r is [number, number] => r !== null);
  if (ranges.length === 0) return null;
  let lo = Math.min(...ranges.map((r) => r[0]));
  let hi = Math.max(...ranges.map((r) => r[1]));
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const bins = Math.min(60, Math.max(10, start.counts.length, end.counts.length));
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const labels = edges.slice(0, -1).map((e, i) => Number(((e + edges[i + 1]!) / 2).toPrecision(2)));
  const ds = (label: string, h: Histogram, color: string) => ({
    label,
    data: rebin(h, edges),
    backgroundColor: color,
    borderWidth: 0,
    grouped: false,
    barPercentage: 1,
    categoryPercentage: 1,
  });
  return {
    type: 'bar',
    data: {
      labels,
      datasets: [ds('start', start, 'rgba(78,121,167,0.55)'), ds('end', end, 'rgba(242,142,43,0.55)')],
    },
    options: {
      ...baseOptions(true),
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 6 }, grid: { display: false } },
        y: { beginAtZero: true, ticks: { maxTicksLimit: 5 }, grid: { color: 'rgba(0,0,0,0.06)' } },
      },
    },
  };
}
