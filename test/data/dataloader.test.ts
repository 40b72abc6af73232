// Dataset utilities, samplers, collate and DataLoader: torch's orders for the same seeds (fixtures), batching,
// determinism of per-sample augmentation, skipBad, and clear errors.
import { describe, it, expect, vi } from 'vitest';
import { DataLoader, Generator, Tensor, data, tensor, transforms as T, Image } from '../../src/index.js';
import { fx } from './fixture.js';

const { Subset, ConcatDataset, TensorDataset, randomSplit, WeightedRandomSampler, defaultCollate } = data;

/** A dataset of numbers 0..n-1. */
const range = (n: number) => ({ length: n, get: (i: number) => i });

describe('datasets and samplers', () => {
  it('Subset, ConcatDataset, TensorDataset', () => {
    const c = new ConcatDataset([range(3), range(4), range(2)]);
    expect(c.length).toBe(9);
    expect(Array.from({ length: 9 }, (_, i) => c.get(i))).toEqual([0, 1, 2, 0, 1, 2, 3, 0, 1]);
    expect(c.get(-1)).toBe(1);
    expect(() => c.get(9)).toThrow(/out of range/);
    const s = new Subset(range(10), [7, 3]);
    expect([s.length, s.get(0), s.get(1)]).toEqual([2, 7, 3]);
    const td = new TensorDataset(
      tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      tensor([0, 1, 2], { dtype: 'int64' }),
    );
    expect(td.get(1).map((t) => t.toArray())).toEqual([[3, 4], 1]);
    expect(() => new TensorDataset(tensor([1, 2]), tensor([1]))).toThrow(/size mismatch/);
  });
  it('randomSplit equals torch.utils.data.random_split (counts and fractions)', () => {
    expect(randomSplit(range(10), [3, 7], new Generator(42)).map((s) => [...s.indices])).toEqual(
      fx.random_split[0],
    );
    expect(randomSplit(range(11), [0.3, 0.7], new Generator(1)).map((s) => [...s.indices])).toEqual(
      fx.random_split[1],
    );
    expect(() => randomSplit(range(10), [3, 3])).toThrow(/does not equal/);
  });
  it('WeightedRandomSampler equals torch.multinomial, with and without replacement', () => {
    const w = [0.1, 0.5, 2.0, 0.0, 1.0, 3.0];
    expect([...new WeightedRandomSampler(w, 20, { generator: new Generator(11) })]).toEqual(
      fx.weighted_replacement,
    );
    expect([
      ...new WeightedRandomSampler(w, 5, { replacement: false, generator: new Generator(12) }),
    ]).toEqual(fx.weighted_no_replacement);
    expect(() => new WeightedRandomSampler(w, 6, { replacement: false })).toThrow(/non-zero weights/);
  });
  it('WeightedRandomSampler balances an imbalanced dataset', () => {
    const labels = Array.from({ length: 1000 }, (_, i) => (i < 900 ? 0 : 1));
    const counts = [900, 100];
    const s = new WeightedRandomSampler(
      labels.map((y) => 1 / counts[y]!),
      4000,
      { generator: new Generator(0) },
    );
    const ones = [...s].filter((i) => labels[i] === 1).length;
    expect(ones / 4000).toBeGreaterThan(0.45);
    expect(ones / 4000).toBeLessThan(0.55);
  });
});

describe('collate', () => {
  it('stacks tensors, makes int64 labels, recurses into arrays and objects', () => {
    const b = defaultCollate([
      [tensor([1, 2]), 3, { name: 'a', w: 0.5 }],
      [tensor([4, 5]), 6, { name: 'b', w: 1.5 }],
    ]) as [Tensor, Tensor, { name: string[]; w: Tensor }];
    expect(b[0].shape).toEqual([2, 2]);
    expect([b[1].dtype, b[1].toArray()]).toEqual(['int64', [3, 6]]);
    expect(b[2].name).toEqual(['a', 'b']);
    expect(b[2].w.dtype).toBe('float64');
  });
  it('explains mixed sizes and Images', () => {
    expect(() => defaultCollate([tensor([1, 2]), tensor([1, 2, 3])])).toThrow(
      /sample 1 is \[3\].*resize or crop/,
    );
    expect(() => defaultCollate([new Image(new Uint8Array(1), 1, 1, 1)])).toThrow(/toTensor/);
  });
});

describe('DataLoader', () => {
  it('shuffle with a generator gives torch order, epoch after epoch', () => {
    const dl = new DataLoader(range(10), { batchSize: 4, shuffle: true, generator: new Generator(7) });
    const epochs = [0, 1, 2].map(() => [...dl].map((b) => b.toArray()));
    expect(epochs).toEqual(fx.loader_shuffle_gen);
    expect(dl.length).toBe(3);
  });
  it('shuffle without a generator follows the global one (torch.manual_seed), dropLast', async () => {
    const { manualSeed } = await import('../../src/index.js');
    manualSeed(3);
    const dl = new DataLoader(range(10), { batchSize: 3, shuffle: true, dropLast: true });
    expect([[...dl].map((b) => b.toArray()), [...dl].map((b) => b.toArray())]).toEqual(
      fx.loader_shuffle_global,
    );
    expect(dl.length).toBe(3);
  });
  it('collates [x, y] samples to float32 [N, C, H, W] and int64 [N]; async iteration agrees', async () => {
    const ds = {
      length: 5,
      get: (i: number): [Tensor, number] => [
        tensor(new Float32Array(12).fill(i), { shape: [3, 2, 2] }),
        i % 2,
      ],
    };
    const dl = new DataLoader(ds, { batchSize: 2 });
    const batches = [...dl];
    expect(batches.map(([x]) => x.shape)).toEqual([
      [2, 3, 2, 2],
      [2, 3, 2, 2],
      [1, 3, 2, 2],
    ]);
    expect(batches[0]![1].dtype).toBe('int64');
    const asyncBatches: [Tensor, Tensor][] = [];
    for await (const b of dl) asyncBatches.push(b);
    expect(asyncBatches.map(([x, y]) => [x.toArray(), y.toArray()])).toEqual(
      batches.map(([x, y]) => [x.toArray(), y.toArray()]),
    );
  });
  it('per-sample generators: augmentation reproducible for a seed and independent of batch size', async () => {
    const img = new Image(
      Uint8Array.from({ length: 8 * 8 }, (_, i) => i),
      8,
      8,
      1,
    );
    const t = T.compose([T.randomCrop(4), T.randomHorizontalFlip(), T.toTensor()]);
    const ds = { length: 6, get: (_i: number, ctx?: data.SampleContext) => t(img, ctx) };
    const run = (batchSize: number) =>
      [...new DataLoader(ds, { batchSize, generator: new Generator(1) })].flatMap(
        (b) => (b as Tensor).toArray() as number[][],
      );
    expect(run(2)).toEqual(run(3));
    expect(run(2)).not.toEqual(
      [...new DataLoader(ds, { batchSize: 2, generator: new Generator(2) })].flatMap(
        (b) => (b as Tensor).toArray() as number[][],
      ),
    );
  });
  it('custom sampler, batchSampler and collateFn', () => {
    const dl = new DataLoader(range(6), {
      sampler: new data.SequentialSampler(range(3)),
      batchSize: 2,
      collateFn: (s) => s.join('+'),
    });
    expect([...dl]).toEqual(['0+1', '2']);
    const bs = new DataLoader(range(6), {
      batchSampler: {
        length: 2,
        *[Symbol.iterator]() {
          yield [5, 4];
          yield [0];
        },
      },
    });
    expect([...bs].map((b) => (b as Tensor).toArray())).toEqual([[5, 4], [0]]);
    expect(
      () => new DataLoader(range(3), { shuffle: true, sampler: new data.SequentialSampler(range(3)) }),
    ).toThrow(/mutually exclusive/);
  });
  it('skipBad leaves out failing samples, counts and warns; without it the error surfaces', async () => {
    const ds = {
      length: 5,
      get: async (i: number) => {
        if (i === 2) throw new Error('bad.png: cannot decode image');
        return i;
      },
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const dl = new DataLoader(ds, { batchSize: 2, skipBad: true });
    const got: number[][] = [];
    for await (const b of dl) got.push((b as Tensor).toArray() as number[]);
    warn.mockRestore();
    expect(got).toEqual([[0, 1], [3], [4]]);
    expect(dl.skipped).toEqual([{ index: 2, message: 'bad.png: cannot decode image' }]);
    await expect(async () => {
      for await (const _ of new DataLoader(ds, { batchSize: 2 })) void _;
    }).rejects.toThrow(/cannot decode/);
  });
  it('sync iteration of an async dataset says to use for await; workers need a workerSpec', () => {
    const ds = { length: 2, get: async (i: number) => i };
    expect(() => [...new DataLoader(ds)]).toThrow(/for await/);
    expect(() => [...new DataLoader(range(2), { numWorkers: 1 })]).toThrow(/for await/);
  });
});
