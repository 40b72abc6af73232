// Reference elementwise kernels: unary ops and their derivatives, broadcasting binary ops, clamp, where, expand.
import type { BinaryOp, UnaryOp, UnaryParams } from '../backend.js';
import type { FloatStorage, Storage } from '../../tensor/dtype.js';
import { erf, INV_SQRT_2PI, SQRT1_2 } from './math.js';

const SQRT_2_OVER_PI = 0.7978845608028654;

function unaryFn(op: UnaryOp, p: UnaryParams | undefined): (x: number) => number {
  switch (op) {
    case 'neg':
      return (x) => -x;
    case 'abs':
      return Math.abs;
    case 'exp':
      return Math.exp;
    case 'log':
      return Math.log;
    case 'sqrt':
      return Math.sqrt;
    case 'rsqrt':
      return (x) => 1 / Math.sqrt(x);
    case 'sigmoid':
      return (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
    case 'tanh':
      return Math.tanh;
    case 'relu':
      return (x) => (x > 0 ? x : Number.isNaN(x) ? x : 0);
    case 'leakyRelu': {
      const a = p?.alpha ?? 0.01;
      return (x) => (x > 0 ? x : x * a);
    }
    case 'gelu':
      return (x) => 0.5 * x * (1 + erf(x * SQRT1_2));
    case 'geluTanh':
      return (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
    case 'silu':
      return (x) => x / (1 + Math.exp(-x));
    case 'hardswish':
      return (x) => (x <= -3 ? 0 : x >= 3 ? x : (x * (x + 3)) / 6);
    case 'hardsigmoid':
      return (x) => (x <= -3 ? 0 : x >= 3 ? 1 : x / 6 + 0.5);
    case 'relu6':
      return (x) => (x <= 0 ? 0 : x >= 6 ? 6 : x);
    case 'square':
      return (x) => x * x;
    case 'reciprocal':
      return (x) => 1 / x;
    case 'sign':
      return (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN);
    case 'sin':
      return Math.sin;
    case 'cos':
      return Math.cos;
    case 'log1p':
      return Math.log1p;
    case 'expm1':
      return Math.expm1;
    case 'floor':
      return Math.floor;
    case 'ceil':
      return Math.ceil;
    case 'round':
      // round half to even, like torch.round
      return (x) => {
        const r = Math.round(x);
        return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
      };
    case 'softplus':
      return (x) => (x > 20 ? x : Math.log1p(Math.exp(x)));
    case 'logicalNot':
      return (x) => (x === 0 ? 1 : 0);
    default:
      return op satisfies never;
  }
}

/** d f(x) / dx, written with x and y = f(x). */
function gradFn(op: UnaryOp, p: UnaryParams | undefined): (x: number, y: number) => number {
  switch (op) {
    case 'neg':
      return () => -1;
    case 'abs':
      return (x) => (x > 0 ? 1 : x < 0 ? -1 : 0);
    case 'exp':
      return (_x, y) => y;
    case 'log':
      return (x) => 1 / x;
    case 'sqrt':
      return (_x, y) => 0.5 / y;
    case 'rsqrt':
      return (x, y) => (-0.5 * y) / x;
    case 'sigmoid':
      return (_x, y) => y * (1 - y);
    case 'tanh':
      return (_x, y) => 1 - y * y;
    case 'relu':
      return (x) => (x > 0 ? 1 : 0);
    case 'leakyRelu': {
      const a = p?.alpha ?? 0.01;
      return (x) => (x > 0 ? 1 : a);
    }
    case 'gelu':
      return (x) => 0.5 * (1 + erf(x * SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    case 'geluTanh':
      return (x) => {
        const inner = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
        const t = Math.tanh(inner);
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
      };
    case 'silu':
      return (x) => {
        const s = 1 / (1 + Math.exp(-x));
        return s * (1 + x * (1 - s));
      };
    case 'hardswish':
      // torch: grad is 0 below -3, 1 above 3 (inclusive at +3), (2x+3)/6 between
      return (x) => (x < -3 ? 0 : x <= 3 ? (2 * x + 3) / 6 : 1);
    case 'hardsigmoid':
      return (x) => (x > -3 && x < 3 ? 1 / 6 : 0);
    case 'relu6':
      return (x) => (x > 0 && x < 6 ? 1 : 0);
    case 'square':
      return (x) => 2 * x;
    case 'reciprocal':
      return (_x, y) => -y * y;
    case 'sign':
    case 'floor':
    case 'ceil':
    case 'round':
    case 'logicalNot':
      return () => 0;
    case 'sin':
      return Math.cos;
    case 'cos':
      return (x) => -Math.sin(x);
    case 'log1p':
      return (x) => 1 / (1 + x);
    case 'expm1':
      return (_x, y) => y + 1;
    case 'softplus':
      return (x) => (x > 20 ? 1 : 1 / (1 + Math.exp(-x)));
    default:
      return op satisfies never;
  }
}

export function unary(op: UnaryOp, x: Storage, out: Storage, p?: UnaryParams): void {
  const n = out.length;
  if (op === 'relu') {
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      out[i] = v > 0 ? v : v !== v ? v : 0;
    }
    return;
  }
  if (op === 'neg') {
    for (let i = 0; i < n; i++) out[i] = -x[i]!;
    return;
  }
  const f = unaryFn(op, p);
  for (let i = 0; i < n; i++) out[i] = f(x[i]!);
}

export function unaryGrad(
  op: UnaryOp,
  x: FloatStorage,
  y: FloatStorage,
  g: FloatStorage,
  out: FloatStorage,
  p?: UnaryParams,
): void {
  const n = out.length;
  if (op === 'relu') {
    for (let i = 0; i < n; i++) out[i] = x[i]! > 0 ? g[i]! : 0;
    return;
  }
  const f = gradFn(op, p);
  for (let i = 0; i < n; i++) out[i] = g[i]! * f(x[i]!, y[i]!);
}

function binaryFn(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add':
      return (a, b) => a + b;
    case 'sub':
      return (a, b) => a - b;
    case 'mul':
      return (a, b) => a * b;
    case 'div':
      return (a, b) => a / b;
    case 'pow':
      return Math.pow;
    case 'maximum':
      return (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b);
    case 'minimum':
      return (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b);
    case 'eq':
      return (a, b) => (a === b ? 1 : 0);
    case 'ne':
      return (a, b) => (a !== b ? 1 : 0);
    case 'lt':
      return (a, b) => (a < b ? 1 : 0);
    case 'le':
      return (a, b) => (a <= b ? 1 : 0);
    case 'gt':
      return (a, b) => (a > b ? 1 : 0);
    case 'ge':
      return (a, b) => (a >= b ? 1 : 0);
    case 'logicalAnd':
      return (a, b) => (a !== 0 && b !== 0 ? 1 : 0);
    case 'logicalOr':
      return (a, b) => (a !== 0 || b !== 0 ? 1 : 0);
    default:
      return op satisfies never;
  }
}

/** Strides of `shape` right-aligned into an `outRank`-dim broadcast, 0 where the dim is broadcast. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const r = outShape.length;
  const st = new Array<number>(r).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    const j = r - shape.length + i;
    st[j] = d === 1 ? 0 : s;
    s *= d;
  }
  return st;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Visit every index of `outShape` in row-major order, calling fn(outIndex, offsets...) with the offsets of each
 * input under its broadcast strides. The inner dimension runs as a tight loop.
 */
function forEachBroadcast(
  outShape: readonly number[],
  strides: number[][],
  inner: (o: number, offs: Int32Array | number[], len: number, innerStrides: number[]) => void,
): void {
  const r = outShape.length;
  const total = outShape.reduce((p, q) => p * q, 1);
  if (total === 0) return;
  if (r === 0) {
    inner(
      0,
      strides.map(() => 0),
      1,
      strides.map(() => 0),
    );
    return;
  }
  const len = outShape[r - 1]!;
  const innerStrides = strides.map((s) => s[r - 1]!);
  const idx = new Array<number>(r).fill(0);
  const offs = strides.map(() => 0);
  for (let o = 0; o < total; o += len) {
    inner(o, offs, len, innerStrides);
    // advance the outer counter (dims 0..r-2)
    for (let d = r - 2; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < strides.length; k++) offs[k]! += strides[k]![d]!;
      if (idx[d]! < outShape[d]!) break;
      for (let k = 0; k < strides.length; k++) offs[k]! -= strides[k]![d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

export function binary(
  op: BinaryOp,
  a: Storage,
  aShape: readonly number[],
  b: Storage,
  bShape: readonly number[],
  out: Storage,
  outShape: readonly number[],
): void {
  const n = out.length;
  const f = binaryFn(op);
  if (sameShape(aShape, outShape) && sameShape(bShape, outShape)) {
    switch (op) {
      case 'add':
        for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
        return;
      case 'sub':
        for (let i = 0; i < n; i++) out[i] = a[i]! - b[i]!;
        return;
      case 'mul':
        for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
        return;
      case 'div':
        for (let i = 0; i < n; i++) out[i] = a[i]! / b[i]!;
        return;
      default:
        for (let i = 0; i < n; i++) out[i] = f(a[i]!, b[i]!);
        return;
    }
  }
  if (b.length === 1 && sameShape(aShape, outShape)) {
    const bv = b[0]!;
    for (let i = 0; i < n; i++) out[i] = f(a[i]!, bv);
    return;
  }
  if (a.length === 1 && sameShape(bShape, outShape)) {
    const av = a[0]!;
    for (let i = 0; i < n; i++) out[i] = f(av, b[i]!);
    return;
  }
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  forEachBroadcast(outShape, [sa, sb], (o, offs, len, is) => {
    let ia = offs[0]!;
    let ib = offs[1]!;
    const da = is[0]!;
    const db = is[1]!;
    for (let j = 0; j < len; j++, ia += da, ib += db) out[o + j] = f(a[ia]!, b[ib]!);
  });
}

export function clamp(x: Storage, lo: number, hi: number, out: Storage): void {
  const hasLo = !Number.isNaN(lo);
  const hasHi = !Number.isNaN(hi);
  for (let i = 0; i < out.length; i++) {
    let v = x[i]!;
    if (v !== v) {
      out[i] = v;
      continue;
    }
    if (hasLo && v < lo) v = lo;
    if (hasHi && v > hi) v = hi;
    out[i] = v;
  }
}

export function where(
  cond: Storage,
  cShape: readonly number[],
  a: Storage,
  aShape: readonly number[],
  b: Storage,
  bShape: readonly number[],
  out: Storage,
  outShape: readonly number[],
): void {
  const sc = broadcastStrides(cShape, outShape);
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  forEachBroadcast(outShape, [sc, sa, sb], (o, offs, len, is) => {
    let ic = offs[0]!;
    let ia = offs[1]!;
    let ib = offs[2]!;
    for (let j = 0; j < len; j++, ic += is[0]!, ia += is[1]!, ib += is[2]!) {
      out[o + j] = cond[ic]! !== 0 ? a[ia]! : b[ib]!;
    }
  });
}

export function expand(
  x: Storage,
  xShape: readonly number[],
  out: Storage,
  outShape: readonly number[],
): void {
  const sx = broadcastStrides(xShape, outShape);
  forEachBroadcast(outShape, [sx], (o, offs, len, is) => {
    let ix = offs[0]!;
    const d = is[0]!;
    for (let j = 0; j < len; j++, ix += d) out[o + j] = x[ix]!;
  });
}
