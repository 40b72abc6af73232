// The CLI's training pipeline end to end on a tiny generated ImageFolder: run directory contents, exact resume,
// evaluate/predict on the written weights, compare-init and finetune.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasets, Image, load, type Tensor } from '../../src/index.js';
import {
  compareInits,
  evaluateWeights,
  finetune,
  predictImages,
  runTraining,
  type RunConfig,
} from '../../src/train/index.js';

const root = mkdtempSync(join(tmpdir(), 'wr-run-'));
const dataDir = join(root, 'shapes');
const quiet = () => undefined;

beforeAll(async () => {
  // three classes of 12×12 colour images: a horizontal bar, a vertical bar, a dot, with noise
  let s = 7;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const split of ['train', 'test']) {
    for (const [ci, cls] of ['hbar', 'vbar', 'dot'].entries()) {
      const dir = join(dataDir, split, cls);
      mkdirSync(dir, { recursive: true });
      for (let k = 0; k < (split === 'train' ? 16 : 6); k++) {
        const px = new Uint8Array(12 * 12 * 3);
        for (let y = 0; y < 12; y++)
          for (let x = 0; x < 12; x++) {
            const on =
              ci === 0
                ? Math.abs(y - 6) < 2
                : ci === 1
                  ? Math.abs(x - 6) < 2
                  : (x - 6) ** 2 + (y - 6) ** 2 < 6;
            for (let c = 0; c < 3; c++)
              px[(y * 12 + x) * 3 + c] = Math.min(255, (on ? 200 : 30) + Math.floor(rnd() * 40));
          }
        writeFileSync(join(dir, `${k}.png`), await datasets.encodePng(new Image(px, 12, 12, 3)));
      }
    }
  }
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cfg = (out: string, over: Partial<RunConfig> = {}): RunConfig => ({
  model: 'simple_cnn',
  dataset: 'imagefolder',
  dataDir,
  imageSize: 12,
  epochs: 3,
  batchSize: 8,
  optimizer: 'adam',
  lr: 0.01,
  init: 'kaiming-normal',
  scheduler: 'cosine',
  valSplit: 0.25,
  augment: false,
  seed: 3,
  out: join(root, out),
  progress: false,
  ...over,
});

describe('training runs', () => {
  it('writes the run directory and learns the toy task', async () => {
    const r = await runTraining(cfg('a', { epochs: 6 }), quiet);
    for (const f of [
      'model.pth',
      'best.pth',
      'checkpoint.pth',
      'history.csv',
      'history.json',
      'metrics.json',
      'report.json',
      'report.html',
    ]) {
      expect(existsSync(join(r.runDir, f)), f).toBe(true);
    }
    expect(readFileSync(join(r.runDir, 'history.csv'), 'utf8').split('\n')[0]).toBe(
      'epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds,images_per_sec',
    );
    expect(r.metrics!.accuracy).toBeGreaterThan(0.8);
    const sd = await load<Record<string, Tensor>>(join(r.runDir, 'model.pth'));
    expect(Object.keys(sd)).toContain('features.1.num_batches_tracked');
    const ev = await evaluateWeights({
      weights: join(r.runDir, 'model.pth'),
      model: 'simple_cnn',
      dataset: 'imagefolder',
      dataDir,
      split: 'test',
      batchSize: 16,
      imageSize: 12,
    });
    expect(ev.accuracy).toBeCloseTo(r.metrics!.accuracy, 10);
    await expect(
      evaluateWeights({
        weights: join(r.runDir, 'model.pth'),
        model: 'resnet18',
        dataset: 'imagefolder',
        dataDir,
        split: 'test',
        batchSize: 16,
        imageSize: 12,
      }),
    ).rejects.toThrow(/does not fit resnet18 .*missing \[conv1.weight/);
  });
  it('resuming from epoch k is bit-identical to an uninterrupted run', async () => {
    // an epoch-count-independent schedule, so "2 epochs then 1 more" is the same recipe as 3 epochs
    const o = { dropout: 0.3, scheduler: 'exponential', augment: true };
    const full = await runTraining(cfg('full', { ...o, epochs: 3 }), quiet);
    await runTraining(cfg('part', { ...o, epochs: 2 }), quiet);
    const resumed = await runTraining(
      cfg('part', { ...o, epochs: 3, resume: join(root, 'part', 'checkpoint.pth') }),
      quiet,
    );
    const a = full.model.stateDict();
    const b = resumed.model.stateDict();
    for (const k of Object.keys(a)) expect([...b[k]!.data], k).toEqual([...a[k]!.data]);
    expect(resumed.history.epochs.map((e) => e.trainLoss)).toEqual(
      full.history.epochs.map((e) => e.trainLoss),
    );
  });
  it('compare-init trains each scheme on the same budget and writes one report', async () => {
    const runs = await compareInits(cfg('cmp', { epochs: 2 }), ['kaiming-normal', 'normal'], 0.5, quiet);
    expect(runs.map((r) => r.init)).toEqual(['kaiming-normal', 'normal']);
    expect(runs[0]!.history.epochs).toHaveLength(2);
    expect(Object.keys(runs[0]!.initialGradNorms)).toContain('features.0.weight');
    const rep = JSON.parse(readFileSync(join(root, 'cmp', 'report.json'), 'utf8')) as {
      initComparison: { runs: unknown[] };
    };
    expect(rep.initComparison.runs).toHaveLength(2);
    expect(existsSync(join(root, 'cmp', 'report.html'))).toBe(true);
  });
  it('finetune from a run: new head, frozen features', async () => {
    const lines: string[] = [];
    const r = await finetune(
      cfg('ft', { epochs: 1, init: 'pytorch-default' }),
      { weights: join(root, 'a', 'model.pth'), freeze: 'features', headLrMult: 10 },
      (l) => lines.push(l),
    );
    expect(lines.some((l) => /fine-tuning simple_cnn .* trainable .* frozen parameters/.test(l))).toBe(true);
    expect(r.model.parameters()[0]!.requiresGrad).toBe(false);
  });
  it('predict names the classes; an unreadable image is named', async () => {
    const file = join(dataDir, 'test', 'vbar', '0.png');
    const [p] = await predictImages([file], {
      weights: join(root, 'a', 'model.pth'),
      model: 'simple_cnn',
      dataset: 'imagefolder',
      dataDir,
      topK: 2,
      imageSize: 12,
    });
    expect(p!.top).toHaveLength(2);
    expect(p!.top[0]!.name).toBe('vbar');
    const bad = join(root, 'bad.png');
    writeFileSync(bad, 'not an image');
    await expect(
      predictImages([bad], {
        weights: join(root, 'a', 'model.pth'),
        model: 'simple_cnn',
        dataset: 'imagefolder',
        dataDir,
        topK: 1,
        imageSize: 12,
      }),
    ).rejects.toThrow(/cannot read image '.*bad.png'/);
  });
  it('bad recipe values list the valid ones', async () => {
    await expect(runTraining(cfg('x', { optimizer: 'lion' }), quiet)).rejects.toThrow(
      /unknown optimizer 'lion'; valid: sgd, adam/,
    );
    await expect(runTraining(cfg('x', { model: 'resnet9' }), quiet)).rejects.toThrow(
      /unknown model 'resnet9'; valid: simple_cnn/,
    );
  });
});
