// DataLoader (torch.utils.data.DataLoader): batches of a map-style dataset in sampler order, collated into
// tensors; sync or `for await` iteration, optional worker threads with prefetch. Shuffling draws torch's
// stream (the epoch's base seed, then randperm), so `generator` seeded alike gives torch's order.
import { defaultGenerator, type Generator } from '../tensor/generator.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Dataset } from './dataset.js';
import { defaultCollate } from './collate.js';
import { BatchSampler, RandomSampler, SequentialSampler, drawSeed, type Sampler } from './sampler.js';
import { fetchSamples, fetchSamplesSync, type SkippedSample } from './fetch.js';
import { decode } from './transfer.js';
import { WorkerPool } from './worker-pool.js';

/** What defaultCollate makes of samples of type T. */
export type Collated<T> = T extends Tensor | number | boolean
  ? Tensor
  : T extends string
    ? string[]
    : T extends readonly unknown[]
      ? { -readonly [K in keyof T]: Collated<T[K]> }
      : T extends object
        ? { [K in keyof T]: Collated<T[K]> }
        : unknown;

export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle every epoch (a RandomSampler over the dataset with `generator`). */
  shuffle?: boolean;
  /** The index order (exclusive with shuffle), e.g. a WeightedRandomSampler. */
  sampler?: Sampler;
  /** Yields whole batches of indices (exclusive with batchSize, shuffle, sampler and dropLast). */
  batchSampler?: Iterable<number[]> & { readonly length: number };
  /** Drop the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
  /** Batch a list of samples (default: defaultCollate). */
  collateFn?: (samples: T[]) => B;
  /**
   * Seeds shuffling and each epoch's base seed (default: the global generator). Sample k of an epoch draws its
   * random transforms from its own generator seeded by (base seed, k), the same with any number of workers.
   */
  generator?: Generator;
  /** Worker threads that load, decode and augment (0 = in this thread). The dataset needs a workerSpec(). */
  numWorkers?: number;
  /** Batches requested ahead per worker (default 2, as torch). */
  prefetchFactor?: number;
  /** Leave out samples whose loading throws (bad or unreadable files), count them in `skipped`, warn. */
  skipBad?: boolean;
  /** Node flags for worker threads (e.g. a loader hook, or --max-old-space-size). */
  workerExecArgv?: string[];
}

/** The indices whose samples were not skipped. */
function kept(indices: readonly number[], skipped: readonly SkippedSample[]): readonly number[] {
  if (skipped.length === 0) return indices;
  const out = [...indices];
  for (const s of skipped) out.splice(out.indexOf(s.index), 1);
  return out;
}

/** Iterates a dataset in batches; see DataLoaderOptions. */
export class DataLoader<T = unknown, B = Collated<T>> implements AsyncIterable<B>, Iterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly sampler: Sampler;
  readonly batchSampler: Iterable<number[]> & { readonly length: number };
  readonly generator: Generator | undefined;
  readonly numWorkers: number;
  readonly prefetchFactor: number;
  readonly skipBad: boolean;
  /** Samples left out so far (skipBad), with why. */
  readonly skipped: SkippedSample[] = [];
  private readonly collateFn: ((samples: T[]) => B) | undefined;
  private readonly execArgv: string[] | undefined;
  private pool: WorkerPool | null = null;

  constructor(dataset: Dataset<T>, opts: DataLoaderOptions<T, B> = {}) {
    this.dataset = dataset;
    this.generator = opts.generator;
    this.dropLast = opts.dropLast ?? false;
    this.numWorkers = opts.numWorkers ?? 0;
    this.prefetchFactor = opts.prefetchFactor ?? 2;
    this.skipBad = opts.skipBad ?? false;
    this.collateFn = opts.collateFn;
    this.execArgv = opts.workerExecArgv;
    if (!(Number.isInteger(this.numWorkers) && this.numWorkers >= 0))
      throw new Error(`DataLoader: numWorkers must be a non-negative integer, got ${opts.numWorkers}`);
    if (!(Number.isInteger(this.prefetchFactor) && this.prefetchFactor > 0))
      throw new Error(`DataLoader: prefetchFactor must be a positive integer, got ${opts.prefetchFactor}`);
    if (opts.shuffle && opts.sampler)
      throw new Error('DataLoader: sampler option is mutually exclusive with shuffle');
    if (opts.batchSampler) {
      if (opts.batchSize !== undefined || opts.shuffle || opts.sampler || opts.dropLast)
        throw new Error(
          'DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast',
        );
      this.batchSize = null;
      this.sampler = new SequentialSampler(dataset);
      this.batchSampler = opts.batchSampler;
    } else {
      const bs = opts.batchSize ?? 1;
      this.batchSize = bs;
      this.sampler =
        opts.sampler ??
        (opts.shuffle
          ? new RandomSampler(dataset, opts.generator ? { generator: opts.generator } : {})
          : new SequentialSampler(dataset));
      this.batchSampler = new BatchSampler(this.sampler, bs, this.dropLast);
    }
  }

  /** Batches per epoch. */
  get length(): number {
    return this.batchSampler.length;
  }

  /** Collate, naming the batch's samples (and their files, where the dataset can say) when that fails. */
  private collate(samples: unknown[], indices: readonly number[]): B {
    try {
      return this.collateFn ? this.collateFn(samples as T[]) : (defaultCollate(samples) as B);
    } catch (e) {
      const describe = this.dataset.describe?.bind(this.dataset);
      const names = indices.map((i) => (describe ? `${i} (${describe(i)})` : String(i)));
      if (e instanceof Error) e.message = `DataLoader: batch of samples ${names.join(', ')}: ${e.message}`;
      throw e;
    }
  }

  private noteSkipped(skipped: SkippedSample[]): void {
    for (const s of skipped) {
      this.skipped.push(s);
      console.warn(`DataLoader: skipped sample ${s.index}: ${s.message}`);
    }
  }

  /** The epoch's base seed, drawn before the sampler runs, as torch's _BaseDataLoaderIter does. */
  private baseSeed(): bigint {
    return drawSeed(this.generator ?? defaultGenerator);
  }

  /** Synchronous iteration: only without workers and for datasets whose get() does no asynchronous I/O. */
  *[Symbol.iterator](): Iterator<B> {
    if (this.numWorkers > 0)
      throw new Error(
        'DataLoader: iterate with `for await` when numWorkers > 0 (workers answer asynchronously)',
      );
    const base = this.baseSeed();
    let position = 0;
    for (const indices of this.batchSampler) {
      const { samples, skipped } = fetchSamplesSync(this.dataset, indices, position, base, this.skipBad);
      position += indices.length;
      this.noteSkipped(skipped);
      if (samples.length > 0) yield this.collate(samples, kept(indices, skipped));
    }
  }

  /** Asynchronous iteration (any dataset; needed for numWorkers > 0). */
  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    if (this.numWorkers > 0) {
      yield* this.workerEpoch();
      return;
    }
    const base = this.baseSeed();
    let position = 0;
    for (const indices of this.batchSampler) {
      const { samples, skipped } = await fetchSamples(this.dataset, indices, position, base, this.skipBad);
      position += indices.length;
      this.noteSkipped(skipped);
      if (samples.length > 0) yield this.collate(samples, kept(indices, skipped));
    }
  }

  private getPool(): WorkerPool {
    if (this.pool) return this.pool;
    const spec = this.dataset.workerSpec?.();
    if (!spec)
      throw new Error(
        `DataLoader: numWorkers > 0 needs a dataset that worker threads can rebuild: ${this.dataset.constructor.name} ` +
          'has no workerSpec() (built-in datasets with built-in transforms have one; plain-function transforms and ' +
          'custom datasets need their own, or use numWorkers: 0)',
      );
    return (this.pool = new WorkerPool(spec, this.numWorkers, {
      collate: this.collateFn === undefined,
      ...(this.execArgv ? { execArgv: this.execArgv } : {}),
    }));
  }

  private async *workerEpoch(): AsyncGenerator<B> {
    const pool = this.getPool();
    const base = this.baseSeed();
    const batches = this.batchSampler[Symbol.iterator]();
    const inflight: Promise<Awaited<ReturnType<WorkerPool['run']>>>[] = [];
    let position = 0;
    const fill = () => {
      while (inflight.length < this.numWorkers * this.prefetchFactor) {
        const next = batches.next();
        if (next.done) return;
        const task = pool.run(next.value, position, base, this.skipBad);
        task.catch(() => undefined); // awaited in order below; avoid unhandled rejections on early exit
        inflight.push(task);
        position += next.value.length;
      }
    };
    pool.hold(true);
    try {
      fill();
      while (inflight.length > 0) {
        const r = await inflight.shift()!;
        fill();
        this.noteSkipped(r.skipped);
        if (r.value === null) continue;
        const value = decode(r.value);
        yield this.collateFn ? this.collateFn(value as T[]) : (value as B);
      }
    } finally {
      pool.hold(false);
    }
  }

  /** End the worker threads (they are otherwise kept for the next epoch, without keeping the process alive). */
  async close(): Promise<void> {
    const p = this.pool;
    this.pool = null;
    await p?.close();
  }
}
