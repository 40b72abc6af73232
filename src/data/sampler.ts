// Samplers (torch.utils.data.sampler): the index orders a DataLoader draws batches in. Random ones draw from a
// Generator with torch's own algorithms, so the same seed gives torch's order.
import { Generator, defaultGenerator, randintFill, randperm } from '../tensor/generator.js';

/** An iterable of dataset indices; `length` is how many it yields per pass. */
export interface Sampler {
  readonly length: number;
  [Symbol.iterator](): Iterator<number>;
}

/** `torch.empty((), dtype=torch.int64).random_(generator=g).item()`: random64() mod 2^63, as a bigint. */
export function drawSeed(gen: Generator): bigint {
  return gen.random64() & 0x7fffffffffffffffn;
}

/** 0, 1, …, length - 1. */
export class SequentialSampler implements Sampler {
  constructor(readonly dataSource: { readonly length: number }) {}
  get length(): number {
    return this.dataSource.length;
  }
  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.length; i++) yield i;
  }
}

export interface RandomSamplerOptions {
  /** Draw with replacement (torch.randint in chunks of 32) instead of permutations. */
  replacement?: boolean;
  /** Samples per pass (default: the dataset length). */
  numSamples?: number;
  /** Without one, each pass seeds a fresh generator from the default one, as torch does. */
  generator?: Generator;
}

/** Random order: `randperm(n, generator)` per pass (torch.utils.data.RandomSampler, same draws). */
export class RandomSampler implements Sampler {
  readonly replacement: boolean;
  readonly generator: Generator | undefined;
  private readonly requested: number | undefined;

  constructor(
    readonly dataSource: { readonly length: number },
    opts: RandomSamplerOptions = {},
  ) {
    this.replacement = opts.replacement ?? false;
    this.generator = opts.generator;
    this.requested = opts.numSamples;
    if (opts.numSamples !== undefined && !(Number.isInteger(opts.numSamples) && opts.numSamples > 0))
      throw new Error(
        `RandomSampler: numSamples should be a positive integer value, but got ${opts.numSamples}`,
      );
  }
  get length(): number {
    return this.requested ?? this.dataSource.length;
  }
  *[Symbol.iterator](): Iterator<number> {
    const n = this.dataSource.length;
    const gen = this.generator ?? new Generator(drawSeed(defaultGenerator));
    const total = this.length;
    if (this.replacement) {
      const chunk = new Float64Array(32);
      for (let k = 0; k < Math.floor(total / 32); k++) {
        randintFill(chunk, 0, n, gen);
        yield* chunk;
      }
      const tail = new Float64Array(total % 32);
      if (tail.length > 0) randintFill(tail, 0, n, gen);
      yield* tail;
    } else {
      for (let k = 0; k < Math.floor(total / n); k++) yield* randperm(n, gen);
      yield* randperm(n, gen).subarray(0, total % n); // torch draws this permutation even when it keeps none
    }
  }
}

/** The given indices in random order (`indices[randperm(len, generator)]`, torch's SubsetRandomSampler). */
export class SubsetRandomSampler implements Sampler {
  readonly indices: readonly number[];
  constructor(
    indices: Iterable<number>,
    readonly generator?: Generator,
  ) {
    this.indices = [...indices];
  }
  get length(): number {
    return this.indices.length;
  }
  *[Symbol.iterator](): Iterator<number> {
    for (const i of randperm(this.indices.length, this.generator ?? defaultGenerator)) yield this.indices[i]!;
  }
}

/**
 * Indices 0..weights.length-1 drawn with probability proportional to `weights` (torch.multinomial's CPU
 * algorithm: with replacement, a binary search of uniform draws in the normalised cumulative sum; without,
 * the top `numSamples` of weight / Exp(1)). For imbalanced classes use weight[i] = 1 / count(label[i]).
 */
export class WeightedRandomSampler implements Sampler {
  readonly weights: Float64Array;
  readonly replacement: boolean;

  constructor(
    weights: ArrayLike<number>,
    readonly numSamples: number,
    opts: { replacement?: boolean; generator?: Generator } = {},
  ) {
    this.weights = Float64Array.from(weights as ArrayLike<number>);
    this.replacement = opts.replacement ?? true;
    this.generator = opts.generator;
    if (!(Number.isInteger(numSamples) && numSamples > 0))
      throw new Error(
        `WeightedRandomSampler: numSamples should be a positive integer value, but got ${numSamples}`,
      );
    if (this.weights.length === 0) throw new Error('WeightedRandomSampler: weights must not be empty');
    let positive = 0;
    for (const w of this.weights) {
      if (!(w >= 0) || w === Infinity)
        throw new Error(`WeightedRandomSampler: weights must be finite and non-negative, got ${w}`);
      if (w > 0) positive++;
    }
    if (positive === 0) throw new Error('WeightedRandomSampler: the weights sum to zero');
    if (!this.replacement && numSamples > positive)
      throw new Error(
        `WeightedRandomSampler: cannot draw ${numSamples} samples without replacement from ${positive} non-zero weights`,
      );
  }
  readonly generator: Generator | undefined;

  get length(): number {
    return this.numSamples;
  }
  *[Symbol.iterator](): Iterator<number> {
    yield* this.replacement ? this.withReplacement() : this.withoutReplacement();
  }

  private withReplacement(): number[] {
    const gen = this.generator ?? defaultGenerator;
    const w = this.weights;
    const n = w.length;
    const cum = new Float64Array(n);
    let sum = 0;
    for (let j = 0; j < n; j++) cum[j] = sum += w[j]!;
    if (sum > 0) for (let j = 0; j < n; j++) cum[j]! /= sum;
    cum[n - 1] = 1; // torch: make sure the last bucket sums to 1
    const out: number[] = [];
    for (let k = 0; k < this.numSamples; k++) {
      const u = gen.uniform53();
      let [lo, hi] = [0, n];
      while (hi - lo > 0) {
        const mid = lo + ((hi - lo) >> 1);
        if (cum[mid]! < u) lo = mid + 1;
        else hi = mid;
      }
      out.push(lo);
    }
    return out;
  }

  private withoutReplacement(): number[] {
    const gen = this.generator ?? defaultGenerator;
    const w = this.weights;
    // q = weights / Exp(1) with Exp(1) = -log(1 - U), U from uniform53 (exponential_ without MKL), then topk
    const q = Array.from(w, (wi) => wi / (-1 * Math.log(1 - gen.uniform53())));
    const order = Array.from(q.keys()).sort((a, b) => q[b]! - q[a]! || a - b);
    return order.slice(0, this.numSamples);
  }
}

/** Groups a sampler's indices into lists of `batchSize` (the last one shorter unless `dropLast`). */
export class BatchSampler implements Iterable<number[]> {
  constructor(
    readonly sampler: Iterable<number> & { readonly length: number },
    readonly batchSize: number,
    readonly dropLast: boolean,
  ) {
    if (!(Number.isInteger(batchSize) && batchSize > 0))
      throw new Error(`BatchSampler: batchSize should be a positive integer value, but got ${batchSize}`);
  }
  get length(): number {
    const n = this.sampler.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
