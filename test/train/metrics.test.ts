// Metrics against scikit-learn: accuracy, top-5, per-class precision/recall/F1/support (zero_division=0),
// macro and weighted averages, confusion matrix — accumulated over uneven batches.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/index.js';
import { formatConfusion, formatReport, MetricAccumulator } from '../../src/train/index.js';

const fx = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/metrics.json'), 'utf8')) as {
  numClasses: number;
  logits: number[];
  targets: number[];
  accuracy: number;
  top5: number;
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  macro: number[];
  weighted: number[];
  confusion: number[][];
};

describe('metrics vs scikit-learn', () => {
  it('match over uneven batches', () => {
    const c = fx.numClasses;
    const n = fx.targets.length;
    const acc = new MetricAccumulator(c);
    for (let i = 0; i < n; i += 37) {
      const m = Math.min(37, n - i);
      acc.update(
        tensor(fx.logits.slice(i * c, (i + m) * c)).reshape([m, c]),
        tensor(fx.targets.slice(i, i + m), { dtype: 'int64' }),
        0.5,
      );
    }
    const r = acc.compute();
    expect(r.count).toBe(n);
    expect(r.accuracy).toBeCloseTo(fx.accuracy, 12);
    expect(r.top5!).toBeCloseTo(fx.top5, 12);
    expect(r.confusion).toEqual(fx.confusion);
    r.perClass.forEach((m, k) => {
      expect(m.precision, `precision ${k}`).toBeCloseTo(fx.precision[k]!, 12);
      expect(m.recall, `recall ${k}`).toBeCloseTo(fx.recall[k]!, 12);
      expect(m.f1, `f1 ${k}`).toBeCloseTo(fx.f1[k]!, 12);
      expect(m.support).toBe(fx.support[k]);
    });
    expect(
      [r.macro.precision, r.macro.recall, r.macro.f1]
        .map((v, i) => v - fx.macro[i]!)
        .every((d) => Math.abs(d) < 1e-12),
    ).toBe(true);
    expect(
      [r.weighted.precision, r.weighted.recall, r.weighted.f1]
        .map((v, i) => v - fx.weighted[i]!)
        .every((d) => Math.abs(d) < 1e-12),
    ).toBe(true);
    expect(r.loss).toBe(0.5);
    expect(formatReport(r)).toMatch(/macro avg/);
    expect(formatConfusion(r).split('\n')).toHaveLength(c + 1);
  });
  it('rejects bad input with the shapes', () => {
    const a = new MetricAccumulator(3);
    expect(() => a.update(tensor([[1, 2]]), tensor([0], { dtype: 'int64' }))).toThrow(
      'metrics: logits must be [N, 3], got [1, 2]',
    );
    expect(() => a.update(tensor([[1, 2, 3]]), tensor([5], { dtype: 'int64' }))).toThrow(
      /target 5 is out of range for 3 classes/,
    );
  });
});
