// Map-style datasets (torch.utils.data): the Dataset interface, Subset, ConcatDataset, TensorDataset and a
// seeded randomSplit. A dataset says how worker threads rebuild it through an optional `workerSpec()`.
import { Tensor } from '../tensor/tensor.js';
import { defaultGenerator, randperm, type Generator } from '../tensor/generator.js';

/** What the DataLoader passes to `get`: the generator that random transforms of this sample must draw from. */
export interface SampleContext {
  generator?: Generator;
}

/**
 * How a worker thread rebuilds a dataset: it imports `module` (a file URL or package specifier) and calls
 * `module[name].fromSpec(options)` when that exists, else `module[name](options)`. `options` must be
 * structured-cloneable (plain data; transforms are described by their own specs).
 */
export interface WorkerSpec {
  module: string;
  name: string;
  options: unknown;
}

/** A map-style dataset: `length` samples, `get(i)` returns sample `i` (or a promise of it when it does I/O). */
export interface Dataset<T = unknown> {
  readonly length: number;
  get(index: number, ctx?: SampleContext): T | Promise<T>;
  /** Present when worker threads can rebuild this dataset (DataLoader `numWorkers > 0`). */
  workerSpec?(): WorkerSpec | undefined;
  /** Where sample `index` comes from (e.g. its file), for error messages. */
  describe?(index: number): string;
}

/** The `T` of a `Dataset<T>`. */
export type SampleOf<D> = D extends Dataset<infer T> ? T : never;

/** Throws a RangeError unless `index` is an integer in [-length, length); returns it made non-negative. */
export function checkIndex(what: string, index: number, length: number): number {
  if (!Number.isInteger(index) || index < -length || index >= length)
    throw new RangeError(`${what}: index ${index} is out of range for a dataset of ${length} samples`);
  return index < 0 ? index + length : index;
}

/** Rebuild a dataset from its WorkerSpec (used inside worker threads). */
export async function datasetFromSpec(spec: WorkerSpec): Promise<Dataset> {
  const mod = (await import(spec.module)) as Record<string, unknown>;
  const entry = mod[spec.name] as
    ({ fromSpec?: (o: unknown) => Dataset | Promise<Dataset> } & ((o: unknown) => Dataset)) | undefined;
  if (entry === undefined) throw new Error(`worker: module ${spec.module} has no export '${spec.name}'`);
  return typeof entry.fromSpec === 'function' ? entry.fromSpec(spec.options) : entry(spec.options);
}

/** The samples of `dataset` at `indices`, in that order (torch.utils.data.Subset). */
export class Subset<T> implements Dataset<T> {
  readonly dataset: Dataset<T>;
  readonly indices: readonly number[];

  constructor(dataset: Dataset<T>, indices: Iterable<number>) {
    this.dataset = dataset;
    this.indices = Object.freeze(Array.from(indices, (i) => checkIndex('Subset', i, dataset.length)));
  }
  get length(): number {
    return this.indices.length;
  }
  get(index: number, ctx?: SampleContext): T | Promise<T> {
    return this.dataset.get(this.indices[checkIndex('Subset.get', index, this.length)]!, ctx);
  }
  describe(index: number): string {
    const i = this.indices[index];
    return i === undefined ? `#${index}` : (this.dataset.describe?.(i) ?? `#${i} of the underlying dataset`);
  }
  workerSpec(): WorkerSpec | undefined {
    const inner = this.dataset.workerSpec?.();
    if (inner === undefined) return undefined;
    return { module: import.meta.url, name: 'Subset', options: { dataset: inner, indices: this.indices } };
  }
  static async fromSpec(o: { dataset: WorkerSpec; indices: number[] }): Promise<Subset<unknown>> {
    return new Subset(await datasetFromSpec(o.dataset), o.indices);
  }
}

/** Several datasets one after another (torch.utils.data.ConcatDataset). */
export class ConcatDataset<T> implements Dataset<T> {
  readonly datasets: readonly Dataset<T>[];
  /** cumulativeSizes[k] = total length of datasets 0..k, as torch names it. */
  readonly cumulativeSizes: readonly number[];

  constructor(datasets: Iterable<Dataset<T>>) {
    this.datasets = Object.freeze([...datasets]);
    if (this.datasets.length === 0)
      throw new Error('ConcatDataset: datasets should not be an empty iterable');
    let total = 0;
    this.cumulativeSizes = Object.freeze(this.datasets.map((d) => (total += d.length)));
  }
  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1]!;
  }
  get(index: number, ctx?: SampleContext): T | Promise<T> {
    const i = checkIndex('ConcatDataset.get', index, this.length);
    let lo = 0;
    let hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1; // first k with cumulativeSizes[k] > i (bisect_right)
      if (this.cumulativeSizes[mid]! > i) hi = mid;
      else lo = mid + 1;
    }
    return this.datasets[lo]!.get(lo === 0 ? i : i - this.cumulativeSizes[lo - 1]!, ctx);
  }
  workerSpec(): WorkerSpec | undefined {
    const inner = this.datasets.map((d) => d.workerSpec?.());
    if (inner.some((s) => s === undefined)) return undefined;
    return { module: import.meta.url, name: 'ConcatDataset', options: { datasets: inner } };
  }
  static async fromSpec(o: { datasets: WorkerSpec[] }): Promise<ConcatDataset<unknown>> {
    return new ConcatDataset(await Promise.all(o.datasets.map(datasetFromSpec)));
  }
}

/** Samples are the slices along dim 0 of tensors that share their first dimension (torch's TensorDataset). */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new Error('TensorDataset: expected at least one tensor');
    const n = tensors[0]!.shape[0];
    for (const t of tensors)
      if (t.ndim === 0 || t.shape[0] !== n)
        throw new Error(
          `TensorDataset: size mismatch between tensors: [${tensors.map((x) => x.shape.join(', ')).join('] vs [')}]`,
        );
    this.tensors = Object.freeze(tensors);
  }
  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }
  get(index: number): Tensor[] {
    const i = checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => {
      const inner = t.shape.slice(1);
      const size = t.numel / t.shape[0]!;
      return new Tensor(t.data.slice(i * size, (i + 1) * size), inner, t.dtype);
    });
  }
}

/**
 * Split a dataset into non-overlapping Subsets of the given lengths (counts, or fractions summing to 1, the
 * remainder given out round-robin), shuffled by `randperm(n, generator)` exactly as torch.utils.data.random_split.
 */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: readonly number[],
  generator: Generator = defaultGenerator,
): Subset<T>[] {
  const n = dataset.length;
  let sizes = [...lengths];
  const total = sizes.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) <= 1e-9 && total <= 1) {
    sizes = sizes.map((frac, i) => {
      if (frac < 0 || frac > 1) throw new Error(`randomSplit: fraction at index ${i} is not between 0 and 1`);
      return Math.floor(n * frac);
    });
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length]! += 1;
  }
  if (sizes.some((s) => !Number.isInteger(s) || s < 0))
    throw new Error(
      `randomSplit: lengths must be non-negative integers or fractions, got [${lengths.join(', ')}]`,
    );
  if (sizes.reduce((a, b) => a + b, 0) !== n)
    throw new Error(
      `randomSplit: sum of input lengths (${sizes.reduce((a, b) => a + b, 0)}) does not equal the length of the dataset (${n})`,
    );
  const perm = randperm(n, generator);
  let offset = 0;
  return sizes.map((s) => new Subset(dataset, perm.subarray(offset, (offset += s))));
}
