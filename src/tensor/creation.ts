// Creation functions: tensor() from nested arrays or typed arrays, zeros/ones/full/arange/linspace/eye,
// seeded random tensors, and the *Like variants.
import { allocStorage, castScalar, isDType, isFloat, type DType, type Storage } from './dtype.js';
import { checkShape, fmtShape, numel } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';
import {
  defaultGenerator,
  normalFill,
  randintFill,
  randperm as randpermFill,
  uniformFill,
  type Generator,
} from './generator.js';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}
export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

type TypedInput =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint8Array
  | BigInt64Array
  | Int8Array
  | Int16Array
  | Uint16Array;

function finish(t: Tensor, opts: CreateOptions | undefined): Tensor {
  if (opts?.requiresGrad) t.requiresGrad = true;
  return t;
}

function checkDType(op: string, d: DType | undefined): void {
  if (d !== undefined && !isDType(d)) {
    throw new Error(
      `${op}: unknown dtype '${String(d)}' (expected float32, float64, int32, int64, uint8 or bool)`,
    );
  }
}

function dtypeOfTyped(a: TypedInput): DType {
  if (a instanceof Float64Array) return 'float64';
  if (
    a instanceof Int32Array ||
    a instanceof Int16Array ||
    a instanceof Int8Array ||
    a instanceof Uint16Array
  )
    return 'int32';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof BigInt64Array) return 'int64';
  return 'float32';
}

/**
 * A tensor from nested arrays, a number/boolean, or a typed array (1-d unless `shape` is given). Numbers become
 * float32 unless `dtype` says otherwise (JS has no integer literals; pass `{ dtype: 'int64' }` for labels);
 * booleans become bool. The data is copied.
 */
export function tensor(
  data: NestedArray | TypedInput,
  opts: CreateOptions & { shape?: readonly number[] } = {},
): Tensor {
  checkDType('tensor', opts.dtype);
  if (ArrayBuffer.isView(data)) {
    const a = data as TypedInput;
    const dtype = opts.dtype ?? dtypeOfTyped(a);
    const shape = opts.shape ? checkShape('tensor', opts.shape) : [a.length];
    if (numel(shape) !== a.length) {
      throw new Error(`tensor: ${a.length} elements do not fit shape ${fmtShape(shape)}`);
    }
    const s = allocStorage(dtype, a.length);
    if (a instanceof BigInt64Array)
      for (let i = 0; i < a.length; i++) s[i] = castScalar(Number(a[i]!), dtype);
    else if (isFloat(dtype)) s.set(a as never);
    else for (let i = 0; i < a.length; i++) s[i] = castScalar(a[i]!, dtype);
    return finish(new Tensor(s, shape, dtype), opts);
  }
  const shape: number[] = [];
  let probe: NestedArray = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0]!;
  }
  const isBool = typeof probe === 'boolean';
  const dtype = opts.dtype ?? (isBool ? 'bool' : 'float32');
  const n = numel(shape);
  const s = allocStorage(dtype, n);
  let k = 0;
  const walk = (v: NestedArray, dim: number, path: number[]): void => {
    if (dim === shape.length) {
      if (Array.isArray(v))
        throw new Error(
          `tensor: ragged nested array at [${path.join(', ')}]: expected a number, got an array`,
        );
      if (typeof v !== 'number' && typeof v !== 'boolean') {
        throw new Error(
          `tensor: element at [${path.join(', ')}] is ${typeof v}, expected a number or boolean`,
        );
      }
      s[k++] = castScalar(typeof v === 'boolean' ? (v ? 1 : 0) : v, dtype);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[dim]) {
      throw new Error(
        `tensor: ragged nested array at [${path.join(', ')}]: expected ${shape[dim]} elements, got ${Array.isArray(v) ? v.length : 'a scalar'}`,
      );
    }
    v.forEach((e, i) => walk(e, dim + 1, [...path, i]));
  };
  walk(data, 0, []);
  return finish(new Tensor(s, shape, dtype), opts);
}

function filled(op: string, shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  checkDType(op, opts.dtype);
  const sh = checkShape(op, shape);
  const dtype = opts.dtype ?? 'float32';
  const s = allocStorage(dtype, numel(sh));
  if (value !== 0) s.fill(castScalar(value, dtype));
  return finish(new Tensor(s, sh, dtype), opts);
}

export const zeros = (shape: readonly number[], opts?: CreateOptions): Tensor =>
  filled('zeros', shape, 0, opts);
export const ones = (shape: readonly number[], opts?: CreateOptions): Tensor =>
  filled('ones', shape, 1, opts);
export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  return filled('full', shape, value, opts);
}
export function empty(shape: readonly number[], opts?: CreateOptions): Tensor {
  return filled('empty', shape, 0, opts);
}

/** Values from start (inclusive) to end (exclusive) by step; arange(end) starts at 0. */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step))
    throw new Error(`arange: step must be non-zero and finite, got ${step}`);
  if ((end - start) / step < 0) throw new Error(`arange: step ${step} cannot go from ${start} to ${end}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const allInt = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const dtype = opts.dtype ?? (allInt ? 'int64' : 'float32');
  const s = allocStorage(dtype, n);
  for (let i = 0; i < n; i++) s[i] = castScalar(start + i * step, dtype);
  return finish(new Tensor(s, [n], dtype), opts);
}

/** `steps` evenly spaced values from start to end inclusive (torch's symmetric formula). */
export function linspace(start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new Error(`linspace: steps must be a non-negative integer, got ${steps}`);
  const dtype = opts.dtype ?? 'float32';
  const s = allocStorage(dtype, steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    s[i] = castScalar(
      steps === 1 ? start : i < half ? start + step * i : end - step * (steps - 1 - i),
      dtype,
    );
  }
  return finish(new Tensor(s, [steps], dtype), opts);
}

export function eye(n: number, m = n, opts: CreateOptions = {}): Tensor {
  const t = filled('eye', [n, m], 0, opts);
  for (let i = 0; i < Math.min(n, m); i++) t.data[i * m + i] = 1;
  return t;
}

function randomFloat(op: string, shape: readonly number[], opts: RandomOptions): Tensor {
  checkDType(op, opts.dtype);
  const dtype = opts.dtype ?? 'float32';
  if (!isFloat(dtype)) throw new Error(`${op}: dtype must be float32 or float64, got ${dtype}`);
  const sh = checkShape(op, shape);
  return new Tensor(allocStorage(dtype, numel(sh)), sh, dtype);
}

/** Uniform on [0, 1), the same stream as torch.rand after the same manualSeed. */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  const t = randomFloat('rand', shape, opts);
  uniformFill(t.data as Float32Array | Float64Array, 0, 1, opts.generator ?? defaultGenerator);
  return finish(t, opts);
}

/** Standard normal, the same stream as torch.randn after the same manualSeed. */
export function randn(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  const t = randomFloat('randn', shape, opts);
  normalFill(t.data as Float32Array | Float64Array, 0, 1, opts.generator ?? defaultGenerator);
  return finish(t, opts);
}

/** Integers uniform in [low, high), int64 by default, like torch.randint(low, high, size). */
export function randint(
  low: number,
  high: number,
  shape: readonly number[],
  opts: RandomOptions = {},
): Tensor {
  checkDType('randint', opts.dtype);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new Error(`randint: expected integers low < high, got low=${low}, high=${high}`);
  }
  const dtype = opts.dtype ?? 'int64';
  const sh = checkShape('randint', shape);
  const t = new Tensor(allocStorage(dtype, numel(sh)), sh, dtype);
  randintFill(t.data, low, high, opts.generator ?? defaultGenerator);
  return finish(t, opts);
}

/** A random permutation of 0..n-1 (int64), like torch.randperm. */
export function randperm(n: number, opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new Error(`randperm: n must be a non-negative integer, got ${n}`);
  const p = randpermFill(n, opts.generator ?? defaultGenerator);
  const dtype = opts.dtype ?? 'int64';
  const s = allocStorage(dtype, n);
  s.set(p as never);
  return finish(new Tensor(s as Storage, [n], dtype), opts);
}

const like = (x: Tensor, opts?: CreateOptions): CreateOptions => ({ dtype: x.dtype, ...opts });
export const zerosLike = (x: Tensor, opts?: CreateOptions): Tensor => zeros(x.shape, like(x, opts));
export const onesLike = (x: Tensor, opts?: CreateOptions): Tensor => ones(x.shape, like(x, opts));
export const fullLike = (x: Tensor, value: number, opts?: CreateOptions): Tensor =>
  full(x.shape, value, like(x, opts));
export const randLike = (x: Tensor, opts?: RandomOptions): Tensor => rand(x.shape, like(x, opts));
export const randnLike = (x: Tensor, opts?: RandomOptions): Tensor => randn(x.shape, like(x, opts));
export const randintLike = (x: Tensor, low: number, high: number, opts?: RandomOptions): Tensor =>
  randint(low, high, x.shape, like(x, opts));
