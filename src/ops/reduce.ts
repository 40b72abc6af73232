// Reductions with their backward: sum, mean, var/std, amax/amin, max/min over a dim with indices, argmax,
// logsumexp; and sumToShape, which turns a broadcast gradient back into an input's shape.
import { getBackend } from '../backend/index.js';
import { isFloat, type DType } from '../tensor/dtype.js';
import { fmtShape, normDim } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { div, eq, exp, log, mul, sqrt, sub, where, add, cast } from './elementwise.js';
import { expand, reshape, gather, squeeze } from './shape.js';
import { assertFloat, checkTensor, empty, record, scalarTensor } from './util.js';

export type Dims = number | readonly number[] | null | undefined;

/** Normalised, sorted, de-duplicated dims; all dims when `dim` is null/undefined or []. */
export function resolveDims(op: string, x: Tensor, dim: Dims): number[] {
  if (dim === null || dim === undefined) return x.shape.map((_, i) => i);
  const list = typeof dim === 'number' ? [dim] : [...dim];
  if (list.length === 0) return x.shape.map((_, i) => i);
  const out = list.map((d) => normDim(op, d, x.ndim));
  const set = new Set(out);
  if (set.size !== out.length) throw new Error(`${op}: dim ${JSON.stringify(list)} appears more than once`);
  return [...set].filter((d) => d < x.ndim).sort((a, b) => a - b);
}

function reducedShape(x: Tensor, dims: number[], keepdim: boolean): number[] {
  const out: number[] = [];
  x.shape.forEach((s, i) => {
    if (!dims.includes(i)) out.push(s);
    else if (keepdim) out.push(1);
  });
  return out;
}

function reduceRaw(
  op: 'sum' | 'max' | 'min' | 'prod',
  x: Tensor,
  dims: number[],
  keepdim: boolean,
  dtype: DType,
): Tensor {
  const shape = reducedShape(x, dims, keepdim);
  const out = empty(dtype, shape);
  const reduced = x.shape.map((_, i) => dims.includes(i));
  getBackend().reduce(op, x.data, x.shape, reduced, out.data);
  return out;
}

/** The gradient of a reduction, reshaped to keep its reduced dims as 1, expanded to the input's shape. */
function expandBack(g: Tensor, x: Tensor, dims: number[]): Tensor {
  const kept = x.shape.map((s, i) => (dims.includes(i) ? 1 : s));
  return expand(reshape(g, kept), x.shape);
}

export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  checkTensor('sum', x);
  const dims = resolveDims('sum', x, dim);
  const dtype = isFloat(x.dtype) ? x.dtype : 'int64';
  const out = reduceRaw('sum', x, dims, keepdim, dtype);
  return record('sum', [x], out, (g) => [expandBack(g, x, dims)]);
}

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  checkTensor('mean', x);
  if (!isFloat(x.dtype))
    throw new Error(`mean: input must be float32 or float64, got ${x.dtype} (cast with .float())`);
  const dims = resolveDims('mean', x, dim);
  let n = 1;
  for (const d of dims) n *= x.shape[d]!;
  return div(sum(x, dims, keepdim), n);
}

export interface VarOptions {
  /** Subtracted from N in the divisor; 1 (Bessel) by default, like torch.var. */
  correction?: number;
  /** Legacy form of correction: true → 1, false → 0. */
  unbiased?: boolean;
  keepdim?: boolean;
}

/** Variance over dims (torch.var); `correction` defaults to 1. */
export function variance(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  checkTensor('var', x);
  assertFloat('var', x);
  const dims = resolveDims('var', x, dim);
  const correction = opts.correction ?? (opts.unbiased === false ? 0 : 1);
  let n = 1;
  for (const d of dims) n *= x.shape[d]!;
  const centered = sub(x, mean(x, dims, true));
  return div(sum(mul(centered, centered), dims, opts.keepdim ?? false), Math.max(n - correction, 0));
}

export function std(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  return sqrt(variance(x, dim, opts));
}

function amaxmin(op: 'max' | 'min', x: Tensor, dim: Dims, keepdim: boolean): Tensor {
  const name = op === 'max' ? 'amax' : 'amin';
  checkTensor(name, x);
  const dims = resolveDims(name, x, dim);
  for (const d of dims) {
    if (x.shape[d] === 0)
      throw new Error(`${name}: cannot reduce over dim ${d} of size 0 (shape ${fmtShape(x.shape)})`);
  }
  const out = reduceRaw(op, x, dims, keepdim, x.dtype);
  return record(name, [x], out, (g) => {
    // torch: the gradient is split evenly among tied extrema
    const oe = expandBack(out, x, dims);
    const mask = cast(eq(x, oe), g.dtype);
    const count = expandBack(sum(mask, dims, keepdim), x, dims);
    return [div(mul(expandBack(g, x, dims), mask), count)];
  });
}

export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return amaxmin('max', x, dim, keepdim);
}
export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return amaxmin('min', x, dim, keepdim);
}

function argRaw(
  op: 'argmax' | 'argmin',
  x: Tensor,
  dim: number | null | undefined,
  keepdim: boolean,
): Tensor {
  checkTensor(op, x);
  if (x.numel === 0) throw new Error(`${op}: cannot take ${op} of an empty tensor`);
  if (dim === null || dim === undefined) {
    const out = empty('int64', keepdim ? x.shape.map(() => 1) : []);
    getBackend().argReduce(op, x.data, 1, x.numel, 1, out.data);
    return out;
  }
  const d = normDim(op, dim, x.ndim);
  const n = x.ndim === 0 ? 1 : x.shape[d]!;
  const outer = x.shape.slice(0, d).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const shape = x.ndim === 0 ? [] : reducedShape(x, [d], keepdim);
  const out = empty('int64', shape);
  getBackend().argReduce(op, x.data, outer, n, inner, out.data);
  return out;
}

export function argmax(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argRaw('argmax', x, dim, keepdim);
}
export function argmin(x: Tensor, dim?: number | null, keepdim = false): Tensor {
  return argRaw('argmin', x, dim, keepdim);
}

export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

function maxMinDim(op: 'argmax' | 'argmin', x: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  const name = op === 'argmax' ? 'max' : 'min';
  if (x.ndim > 0 && x.shape[normDim(name, dim, x.ndim)] === 0) {
    throw new Error(`${name}: cannot reduce over dim ${dim} of size 0 (shape ${fmtShape(x.shape)})`);
  }
  const idx = argRaw(op, x, dim, true);
  // values via gather, so the gradient flows to the selected element only (torch's max.dim backward)
  const d = normDim(name, dim, x.ndim);
  let values = x.ndim === 0 ? x : gather(x, d, idx);
  let indices = idx;
  if (!keepdim && x.ndim > 0) {
    values = squeeze(values, d);
    indices = squeeze(idx, d);
  }
  return { values, indices };
}

export function maxDim(x: Tensor, dim: number, keepdim = false): ValuesIndices {
  return maxMinDim('argmax', x, dim, keepdim);
}
export function minDim(x: Tensor, dim: number, keepdim = false): ValuesIndices {
  return maxMinDim('argmin', x, dim, keepdim);
}

/** log(sum(exp(x))) over dims, stable: the max is subtracted first (and ±inf maxima handled like torch). */
export function logsumexp(x: Tensor, dim: Dims, keepdim = false): Tensor {
  checkTensor('logsumexp', x);
  assertFloat('logsumexp', x);
  const dims = resolveDims('logsumexp', x, dim);
  const m0 = amax(x.detach(), dims, true);
  const m = where(eq(m0.abs(), Infinity), scalarTensor(0, x.dtype), m0);
  const s = log(sum(exp(sub(x, m)), dims, true));
  const r = add(s, m);
  return keepdim ? r : reshape(r, reducedShape(x, dims, false));
}

/** Sum a gradient of a broadcast result back to `shape`. */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((s, i) => s === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) dims.push(i);
  }
  const s = dims.length > 0 ? sum(g, dims, true) : g;
  return reshape(s, shape);
}
