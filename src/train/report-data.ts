// What a run's report shows, as plain data: written to <run-dir>/report.json and rendered by report.ts into a
// self-contained report.html (so `weightroom report <run-dir>` can rebuild it).
import type { Tensor } from '../tensor/tensor.js';
import type { History } from './fit.js';
import type { ClassificationReport } from './metrics.js';

export interface Histogram {
  /** bins + 1 edges, ascending. */
  edges: number[];
  counts: number[];
}

export interface LayerHistograms {
  name: string;
  start: Histogram;
  end: Histogram;
}

export interface InitRun {
  /** The init scheme's name, e.g. 'kaiming-normal'. */
  init: string;
  history: History;
  finalValAcc: number | null;
  bestValAcc: number | null;
  bestEpoch: number | null;
  /** First epoch whose validation accuracy reached the target, or null. */
  epochsToTarget: number | null;
  /** Per-layer gradient norms of the very first step. */
  initialGradNorms: Record<string, number>;
}

export interface ReportData {
  title: string;
  createdAt: string;
  /** The recipe: model, dataset, optimizer, lr, epochs, seed, … as given on the command line. */
  config: Record<string, unknown>;
  history: History;
  /** Test-set evaluation. */
  metrics?: ClassificationReport | null;
  weightHistograms?: LayerHistograms[];
  initComparison?: { target: number; runs: InitRun[] } | null;
}

/** A histogram of a tensor's values over `bins` equal bins between its min and max. */
export function histogram(t: Tensor, bins = 30): Histogram {
  const d = t.data;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo)) return { edges: [0, 1], counts: [0] };
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const counts = new Array<number>(bins).fill(0);
  const w = (hi - lo) / bins;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / w))]!++;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, i) => lo + i * w), counts };
}
