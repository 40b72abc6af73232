// Classification metrics: accuracy, top-k, per-class precision/recall/F1/support, macro and weighted averages
// and the confusion matrix (rows = true class, columns = predicted), accumulated batch by batch.
import type { Tensor } from '../tensor/tensor.js';
import { fmtShape } from '../tensor/shape.js';

export interface ClassMetrics {
  name: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Averages {
  precision: number;
  recall: number;
  f1: number;
}

export interface ClassificationReport {
  /** Samples seen. */
  count: number;
  accuracy: number;
  /** Top-5 accuracy (null with fewer than 6 classes). */
  top5: number | null;
  /** Mean loss per sample, when losses were given. */
  loss: number | null;
  /** Macro averages (unweighted mean over classes), like sklearn's average='macro'. */
  precision: number;
  recall: number;
  f1: number;
  macro: Averages;
  /** Support-weighted averages, like sklearn's average='weighted'. */
  weighted: Averages;
  perClass: ClassMetrics[];
  /** confusion[t][p] = samples of true class t predicted as p. */
  confusion: number[][];
  classNames: string[];
}

/** Accumulates predictions batch by batch; compute() gives the report. */
export class MetricAccumulator {
  private readonly confusion: number[][];
  private count = 0;
  private top5Hits = 0;
  private lossSum = 0;
  private lossCount = 0;
  readonly classNames: string[];

  constructor(
    readonly numClasses: number,
    classNames?: readonly string[],
  ) {
    if (!Number.isInteger(numClasses) || numClasses < 1)
      throw new Error(`metrics: numClasses must be a positive integer, got ${numClasses}`);
    this.confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
    this.classNames = classNames ? [...classNames] : Array.from({ length: numClasses }, (_, i) => String(i));
  }

  /** Add a batch: logits [N, C] and integer targets [N]; `loss` is the batch's mean loss. */
  update(logits: Tensor, targets: Tensor, loss?: number): void {
    const c = this.numClasses;
    if (logits.ndim !== 2 || logits.shape[1] !== c)
      throw new Error(`metrics: logits must be [N, ${c}], got ${fmtShape(logits.shape)}`);
    const n = logits.shape[0]!;
    if (targets.numel !== n) throw new Error(`metrics: ${targets.numel} targets for ${n} predictions`);
    const L = logits.data;
    const T = targets.data;
    for (let i = 0; i < n; i++) {
      const t = T[i]!;
      if (!Number.isInteger(t) || t < 0 || t >= c)
        throw new Error(`metrics: target ${t} is out of range for ${c} classes`);
      let best = 0;
      for (let j = 1; j < c; j++) if (L[i * c + j]! > L[i * c + best]!) best = j;
      this.confusion[t]![best]!++;
      if (c > 5) {
        // top-5: the target's logit is beaten by fewer than 5 others (ties count in its favour)
        const v = L[i * c + t]!;
        let above = 0;
        for (let j = 0; j < c; j++) if (L[i * c + j]! > v) above++;
        if (above < 5) this.top5Hits++;
      }
    }
    this.count += n;
    if (loss !== undefined) {
      this.lossSum += loss * n;
      this.lossCount += n;
    }
  }

  compute(): ClassificationReport {
    const c = this.numClasses;
    const cm = this.confusion;
    let correct = 0;
    const perClass: ClassMetrics[] = [];
    for (let k = 0; k < c; k++) {
      correct += cm[k]![k]!;
      const tp = cm[k]![k]!;
      let predicted = 0;
      let support = 0;
      for (let j = 0; j < c; j++) {
        predicted += cm[j]![k]!;
        support += cm[k]![j]!;
      }
      // sklearn's zero_division=0 convention
      const precision = predicted ? tp / predicted : 0;
      const recall = support ? tp / support : 0;
      const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
      perClass.push({ name: this.classNames[k] ?? String(k), precision, recall, f1, support });
    }
    const mean = (f: (m: ClassMetrics) => number) => perClass.reduce((s, m) => s + f(m), 0) / c;
    const total = perClass.reduce((s, m) => s + m.support, 0);
    const wmean = (f: (m: ClassMetrics) => number) =>
      total ? perClass.reduce((s, m) => s + f(m) * m.support, 0) / total : 0;
    const macro = {
      precision: mean((m) => m.precision),
      recall: mean((m) => m.recall),
      f1: mean((m) => m.f1),
    };
    return {
      count: this.count,
      accuracy: this.count ? correct / this.count : 0,
      top5: c > 5 && this.count ? this.top5Hits / this.count : null,
      loss: this.lossCount ? this.lossSum / this.lossCount : null,
      ...macro,
      macro,
      weighted: {
        precision: wmean((m) => m.precision),
        recall: wmean((m) => m.recall),
        f1: wmean((m) => m.f1),
      },
      perClass,
      confusion: cm.map((r) => [...r]),
      classNames: [...this.classNames],
    };
  }
}

/** A fixed-width text table of the per-class metrics and the averages (like sklearn's classification_report). */
export function formatReport(r: ClassificationReport): string {
  const w = Math.max(12, ...r.perClass.map((m) => m.name.length)) + 2;
  const row = (name: string, p: number, rc: number, f: number, s: number | string) =>
    `${name.padStart(w)} ${p.toFixed(4).padStart(9)} ${rc.toFixed(4).padStart(9)} ${f.toFixed(4).padStart(9)} ${String(s).padStart(8)}`;
  const lines = [
    `${''.padStart(w)} ${'precision'.padStart(9)} ${'recall'.padStart(9)} ${'f1-score'.padStart(9)} ${'support'.padStart(8)}`,
    '',
  ];
  for (const m of r.perClass) lines.push(row(m.name, m.precision, m.recall, m.f1, m.support));
  lines.push('');
  lines.push(
    `${'accuracy'.padStart(w)} ${''.padStart(9)} ${''.padStart(9)} ${r.accuracy.toFixed(4).padStart(9)} ${String(r.count).padStart(8)}`,
  );
  lines.push(row('macro avg', r.macro.precision, r.macro.recall, r.macro.f1, r.count));
  lines.push(row('weighted avg', r.weighted.precision, r.weighted.recall, r.weighted.f1, r.count));
  if (r.top5 !== null)
    lines.push(`${'top-5 acc'.padStart(w)} ${''.padStart(19)} ${r.top5.toFixed(4).padStart(9)}`);
  return lines.join('\n');
}

/** The confusion matrix as text, rows = true class, columns = predicted. */
export function formatConfusion(r: ClassificationReport): string {
  const names = r.classNames.map((n) => (n.length > 10 ? n.slice(0, 10) : n));
  const cw = Math.max(
    6,
    ...r.confusion.flat().map((v) => String(v).length + 1),
    ...names.map((n) => n.length + 1),
  );
  const lw = Math.max(...names.map((n) => n.length)) + 2;
  const head = `${'true \\ pred'.padEnd(lw)}${names.map((n) => n.padStart(cw)).join('')}`;
  return [
    head,
    ...r.confusion.map(
      (row, i) => `${names[i]!.padEnd(lw)}${row.map((v) => String(v).padStart(cw)).join('')}`,
    ),
  ].join('\n');
}
