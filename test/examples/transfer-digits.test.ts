// The transfer-learning example (examples/transfer-digits.mjs) with a tiny budget: the digit sheet is cut into
// the right tiles and classes, the seeded split is balanced and disjoint, and the comparison prints a table of
// three rows whose accuracies are probabilities, a frozen backbone that really stays frozen, and a cache that
// reruns identically.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDigits, main, PER_CLASS_TOTAL, splitPerClass } from '../../examples/transfer-digits.mjs';

describe('examples/transfer-digits.mjs', () => {
  it('cuts 5,000 digits of 20×20, 500 per class, classes by row block', async () => {
    const d = await loadDigits();
    expect(d.length).toBe(5000);
    expect(d.pixels.length).toBe(5000 * 400);
    for (let c = 0; c < 10; c++) expect(d.labels.filter((y) => y === c).length).toBe(PER_CLASS_TOTAL);
    expect([d.labels[0], d.labels[499], d.labels[500], d.labels[4999]]).toEqual([0, 0, 1, 9]);
    // digits are white on black with an empty border, like MNIST
    const tile = d.pixels.subarray(0, 400);
    expect(Math.max(...tile)).toBeGreaterThan(200);
    expect(Math.max(...tile.subarray(0, 20))).toBeLessThan(50);
  });

  it('splits per class, seeded, without overlap', async () => {
    const { labels } = await loadDigits();
    const a = splitPerClass(labels, 50, undefined, 0);
    expect(a.train.length).toBe(500);
    expect(a.test.length).toBe(4500);
    expect(new Set([...a.train, ...a.test]).size).toBe(5000);
    for (let c = 0; c < 10; c++) expect(a.train.filter((i) => labels[i] === c).length).toBe(50);
    expect(splitPerClass(labels, 50, undefined, 0)).toEqual(a);
    expect(splitPerClass(labels, 50, undefined, 1).train).not.toEqual(a.train);
    expect(splitPerClass(labels, 10, 20, 0).test.length).toBe(200);
    expect(() => splitPerClass(labels, 400, 200, 0)).toThrow(/exceed/);
  });

  it('compares frozen, fine-tuned and from-scratch models in a table; reruns from the cache identically', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'weightroom-transfer-'));
    const opts = {
      epochs: 1,
      perClass: 10,
      testPerClass: 10,
      pretrainEpochs: 1,
      pretrainLimit: 256,
      cacheDir,
      log: () => {},
    };
    try {
      const r = await main(opts);
      const lines = r.table.split('\n');
      expect(lines).toHaveLength(5); // header, rule, three rows
      expect(r.rows.map((row) => row.name)).toEqual([
        expect.stringMatching(/^frozen backbone/),
        expect.stringMatching(/^full fine-tuning/),
        expect.stringMatching(/^from scratch/),
      ]);
      for (const [k, row] of r.rows.entries()) {
        const cells = lines[k + 2]!.split('|').map((s) => s.trim());
        const acc = Number(cells[4]);
        const f1 = Number(cells[5]);
        expect(acc).toBeGreaterThanOrEqual(0);
        expect(acc).toBeLessThanOrEqual(1);
        expect(f1).toBeGreaterThanOrEqual(0);
        expect(f1).toBeLessThanOrEqual(1);
        expect(acc).toBeCloseTo(row.accuracy, 4);
      }
      const [frozen, full, scratch] = r.rows;
      expect(frozen!.frozen).toBeGreaterThan(0);
      expect(frozen!.trainable + frozen!.frozen).toBe(full!.trainable);
      expect(full!.frozen).toBe(0);
      expect(scratch!.trainable).toBe(full!.trainable);
      expect(r.pretrain.cached).toBe(false);
      expect(r.pretrain.images).toBe(256);
      expect(readdirSync(cacheDir).sort()).toEqual([
        'simple_cnn-fashion-e1-b128-s0-n256.json',
        'simple_cnn-fashion-e1-b128-s0-n256.pth',
      ]);

      const again = await main(opts);
      expect(again.pretrain.cached).toBe(true);
      expect(again.rows.map((row) => [row.accuracy, row.macroF1, row.trainAcc])).toEqual(
        r.rows.map((row) => [row.accuracy, row.macroF1, row.trainAcc]),
      );
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
