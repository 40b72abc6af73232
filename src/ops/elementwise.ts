// Elementwise ops with their backward beside them: broadcasting binary arithmetic, unary math and
// activations, comparisons, where, clamp, casts.
import type { BinaryOp, UnaryOp, UnaryParams } from '../backend/backend.js';
import { getBackend } from '../backend/index.js';
import {
  castScalar,
  isFloat,
  promoteTypes,
  promoteWithScalar,
  type DType,
  type FloatStorage,
} from '../tensor/dtype.js';
import { broadcastShapes, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { sumToShape } from './reduce.js';
import { checkTensor, emptyUninit, record, scalarTensor, type TensorOrScalar } from './util.js';

function lift(op: string, a: TensorOrScalar, b: TensorOrScalar): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number')
    throw new Error(`${op}: at least one argument must be a Tensor`);
  if (typeof a === 'number') {
    checkTensor(op, b, 'other');
    return [scalarTensor(a, promoteWithScalar(b.dtype, a)), b];
  }
  checkTensor(op, a);
  if (typeof b === 'number') return [a, scalarTensor(b, promoteWithScalar(a.dtype, b))];
  checkTensor(op, b, 'other');
  return [a, b];
}

/** Reduce a broadcast gradient to x's shape and dtype. */
function gradFor(g: Tensor, x: Tensor): Tensor {
  const r = sumToShape(g, x.shape);
  return r.dtype === x.dtype ? r : cast(r, x.dtype);
}

function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor, dtype: DType): Tensor {
  const shape = shapesEqual(a.shape, b.shape) ? [...a.shape] : broadcastShapes(op, a.shape, b.shape);
  const out = emptyUninit(dtype, shape);
  getBackend().binary(op, a.data, a.shape, b.data, b.shape, out.data, shape);
  return out;
}

function arith(op: BinaryOp, x: TensorOrScalar, y: TensorOrScalar): [Tensor, Tensor, Tensor] {
  const [a, b] = lift(op, x, y);
  let dtype = promoteTypes(a.dtype, b.dtype);
  if (op === 'div' && !isFloat(dtype)) dtype = 'float32'; // true division, like torch.div
  if (dtype === 'bool' && (op === 'sub' || op === 'pow')) {
    throw new Error(`${op}: not supported for bool tensors`);
  }
  return [a, b, binaryRaw(op, a, b, dtype)];
}

export function add(x: TensorOrScalar, y: TensorOrScalar): Tensor {
  const [a, b, out] = arith('add', x, y);
  return record('add', [a, b], out, (g) => [gradFor(g, a), gradFor(g, b)]);
}

export function sub(x: TensorOrScalar, y: TensorOrScalar): Tensor {
  const [a, b, out] = arith('sub', x, y);
  return record('sub', [a, b], out, (g, needs) => [gradFor(g, a), needs[1] ? gradFor(neg(g), b) : null]);
}

export function mul(x: TensorOrScalar, y: TensorOrScalar): Tensor {
  const [a, b, out] = arith('mul', x, y);
  return record('mul', [a, b], out, (g, needs) => [
    needs[0] ? gradFor(mul(g, b), a) : null, // d(ab)/da = b
    needs[1] ? gradFor(mul(g, a), b) : null,
  ]);
}

export function div(x: TensorOrScalar, y: TensorOrScalar): Tensor {
  const [a, b, out] = arith('div', x, y);
  return record('div', [a, b], out, (g, needs) => [
    needs[0] ? gradFor(div(g, b), a) : null, // d(a/b)/da = 1/b
    needs[1] ? gradFor(neg(div(mul(g, out), b)), b) : null, // d(a/b)/db = -a/b^2 = -out/b
  ]);
}

export function pow(x: TensorOrScalar, y: TensorOrScalar): Tensor {
  const [a, b, out] = arith('pow', x, y);
  return record('pow', [a, b], out, (g, needs) => [
    // d a^b / da = b a^(b-1); torch masks it to 0 where b == 0
    needs[0] ? gradFor(where(eq(b, 0), 0, mul(g, mul(b, pow(a, sub(b, 1))))), a) : null,
    // d a^b / db = a^b log a; torch gives 0 where a == 0 and b >= 0
    needs[1] ? gradFor(where(logicalAnd(eq(a, 0), ge(b, 0)), 0, mul(g, mul(out, log(a)))), b) : null,
  ]);
}

function minMax(op: 'maximum' | 'minimum', x: TensorOrScalar, y: TensorOrScalar): Tensor {
  const [a, b, out] = arith(op, x, y);
  return record(op, [a, b], out, (g) => {
    // torch: ties split the gradient in half
    const half = where(eq(a, b), div(g, 2), g);
    const aLoses = op === 'maximum' ? lt(a, b) : gt(a, b);
    const bLoses = op === 'maximum' ? gt(a, b) : lt(a, b);
    return [gradFor(where(aLoses, 0, half), a), gradFor(where(bLoses, 0, half), b)];
  });
}

export function maximum(x: TensorOrScalar, y: TensorOrScalar): Tensor {
  return minMax('maximum', x, y);
}
export function minimum(x: TensorOrScalar, y: TensorOrScalar): Tensor {
  return minMax('minimum', x, y);
}

function compare(op: BinaryOp, x: TensorOrScalar, y: TensorOrScalar): Tensor {
  const [a, b] = lift(op, x, y);
  return binaryRaw(op, a, b, 'bool');
}
export const eq = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('eq', a, b);
export const ne = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('ne', a, b);
export const lt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('lt', a, b);
export const le = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('le', a, b);
export const gt = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('gt', a, b);
export const ge = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('ge', a, b);
export const logicalAnd = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('logicalAnd', a, b);
export const logicalOr = (a: TensorOrScalar, b: TensorOrScalar): Tensor => compare('logicalOr', a, b);

/** Elementwise select: cond ? a : b, all three broadcast together. */
export function where(cond: Tensor, x: TensorOrScalar, y: TensorOrScalar): Tensor {
  checkTensor('where', cond, 'condition');
  if (cond.dtype !== 'bool' && cond.dtype !== 'uint8') {
    throw new Error(`where: condition must be a bool tensor, got ${cond.dtype}`);
  }
  const [a, b] = lift('where', x, y);
  const dtype = promoteTypes(a.dtype, b.dtype);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, a.shape), b.shape);
  const out = emptyUninit(dtype, shape);
  getBackend().where(cond.data, cond.shape, a.data, a.shape, b.data, b.shape, out.data, shape);
  return record('where', [a, b], out, (g, needs) => {
    const zero = scalarTensor(0, g.dtype);
    return [
      needs[0] ? gradFor(where(cond, g, zero), a) : null,
      needs[1] ? gradFor(where(cond, zero, g), b) : null,
    ];
  });
}

/** Ops that keep integer dtypes; the rest of the math promotes integers to float32 like torch. */
const KEEPS_INT = new Set<UnaryOp>([
  'neg',
  'abs',
  'relu',
  'square',
  'sign',
  'floor',
  'ceil',
  'round',
  'relu6',
]);

export function unaryOp(op: UnaryOp, x: Tensor, p?: UnaryParams): Tensor {
  checkTensor(op, x);
  let dtype: DType = x.dtype;
  if (op === 'logicalNot') dtype = 'bool';
  else if (!isFloat(dtype) && !KEEPS_INT.has(op)) dtype = 'float32';
  else if (dtype === 'bool' && op !== 'abs') {
    throw new Error(`${op}: not supported for bool tensors`);
  }
  const out = emptyUninit(dtype, x.shape);
  getBackend().unary(op, x.data, out.data, p);
  return record(op, [x], out, (g) => {
    const gx = emptyUninit(x.dtype, x.shape);
    const gg = g.dtype === x.dtype ? g : cast(g, x.dtype);
    getBackend().unaryGrad(
      op,
      x.data as FloatStorage,
      out.data as FloatStorage,
      gg.data as FloatStorage,
      gx.data as FloatStorage,
      p,
    );
    return [gx];
  });
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const log1p = (x: Tensor): Tensor => unaryOp('log1p', x);
export const expm1 = (x: Tensor): Tensor => unaryOp('expm1', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unaryOp('rsqrt', x);
export const square = (x: Tensor): Tensor => unaryOp('square', x);
export const reciprocal = (x: Tensor): Tensor => unaryOp('reciprocal', x);
export const sin = (x: Tensor): Tensor => unaryOp('sin', x);
export const cos = (x: Tensor): Tensor => unaryOp('cos', x);
export const sign = (x: Tensor): Tensor => unaryOp('sign', x);
export const floor = (x: Tensor): Tensor => unaryOp('floor', x);
export const ceil = (x: Tensor): Tensor => unaryOp('ceil', x);
export const round = (x: Tensor): Tensor => unaryOp('round', x);
export const logicalNot = (x: Tensor): Tensor => unaryOp('logicalNot', x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
export const relu6 = (x: Tensor): Tensor => unaryOp('relu6', x);
export const silu = (x: Tensor): Tensor => unaryOp('silu', x);
export const hardswish = (x: Tensor): Tensor => unaryOp('hardswish', x);
export const hardsigmoid = (x: Tensor): Tensor => unaryOp('hardsigmoid', x);
export const softplus = (x: Tensor): Tensor => unaryOp('softplus', x);
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return unaryOp('leakyRelu', x, { alpha: negativeSlope });
}
/** GELU; `approximate: 'tanh'` selects the tanh approximation (torch's approximate='tanh'). */
export function gelu(x: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  const a = opts.approximate ?? 'none';
  if (a !== 'none' && a !== 'tanh')
    throw new Error(`gelu: approximate must be 'none' or 'tanh', got '${String(a)}'`);
  return unaryOp(a === 'tanh' ? 'geluTanh' : 'gelu', x);
}

/** Clamp into [min, max]; either bound may be omitted (null/undefined). */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  checkTensor('clamp', x);
  const lo = min ?? NaN;
  const hi = max ?? NaN;
  if (Number.isNaN(lo) && Number.isNaN(hi))
    throw new Error('clamp: at least one of min or max must be given');
  // min > max gives max everywhere, as in torch
  let dtype = x.dtype;
  if (!isFloat(dtype) && ((min != null && !Number.isInteger(min)) || (max != null && !Number.isInteger(max))))
    dtype = 'float32';
  const out = emptyUninit(dtype, x.shape);
  getBackend().clamp(x.data, lo, hi, out.data);
  return record('clamp', [x], out, (g) => {
    // gradient passes where min <= x <= max (torch's convention at the bounds)
    let mask: Tensor | null = null;
    if (!Number.isNaN(lo)) mask = ge(x, lo);
    if (!Number.isNaN(hi)) mask = mask ? logicalAnd(mask, le(x, hi)) : le(x, hi);
    return [where(mask!, g, scalarTensor(0, g.dtype))];
  });
}

/** Convert to another dtype (differentiable between float dtypes). */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor('to', x);
  if (x.dtype === dtype) return x;
  const out = emptyUninit(dtype, x.shape);
  const s = x.data;
  const d = out.data;
  if (dtype === 'float32' || dtype === 'float64') d.set(s as never);
  else for (let i = 0; i < d.length; i++) d[i] = castScalar(s[i]!, dtype);
  if (!isFloat(dtype)) return out;
  return record('to', [x], out, (g) => [isFloat(x.dtype) ? cast(g, x.dtype) : null]);
}

/** A copy that stays in the graph. */
export function clone(x: Tensor): Tensor {
  checkTensor('clone', x);
  const out = emptyUninit(x.dtype, x.shape);
  out.data.set(x.data as never);
  return record('clone', [x], out, (g) => [g]);
}
