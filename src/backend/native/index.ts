// The native backend: float32 kernels in the N-API addon (native/), everything else (float64 for gradient
// checks, integer dtypes, data movement) and tiny tensors on the reference kernels, where a ~0.1 µs call
// would cost more than the work.
import type { Backend, Conv2dGeom, Pool2dGeom } from '../backend.js';
import { jsBackend as js } from '../js/index.js';
import { batchNormApply, batchNormBackward, batchNormStats } from '../js/norm.js';
import { allocStorage, bytesPerElement, type DType, type Storage } from '../../tensor/dtype.js';
import { BINARY_CODE, COMPARE_FROM, REDUCE_CODE, UNARY_CODE, type NativeBinding } from './binding.js';

/**
 * Buffers from this size on come from the native pool. Small ones too: every ArrayBuffer that V8 allocates
 * itself while the young generation holds 32 MB of buffer memory (one training step's activations) starts a
 * scavenge, measured at two per ResNet-18 step (native/src/memory.cc). Below 256 bytes V8 keeps the data on
 * its own heap.
 */
const POOLED_BYTES = 256;
/** Below this many elements an elementwise op stays in JavaScript. */
const SMALL = 32;
const MAX_RANK = 32;

const f32 = (x: unknown): x is Float32Array => x instanceof Float32Array;

/** Reusable argument buffers (filled right before each synchronous call). */
const dims = new Int32Array(3 * (MAX_RANK + 1));
const convGeom = new Int32Array(16);
const poolGeom = new Int32Array(13);
const adamConsts = new Float32Array(9);
/** Below this many elements an optimizer update stays in JavaScript (same bits either way). */
const SMALL_STEP = 1024;

/** dims = [r0, ...s0, r1, ...s1, ...]; false when a rank is too large for the addon. */
function packShapes(...shapes: (readonly number[])[]): boolean {
  let at = 0;
  for (const s of shapes) {
    if (s.length > MAX_RANK) return false;
    dims[at++] = s.length;
    for (const d of s) dims[at++] = d;
  }
  return true;
}

function packConv(g: Conv2dGeom): Int32Array {
  const v = [g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, g.oh, g.ow];
  for (let i = 0; i < 16; i++) convGeom[i] = v[i]!;
  return convGeom;
}

function packPool(g: Pool2dGeom): Int32Array {
  const v = [g.planes, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow];
  for (let i = 0; i < 13; i++) poolGeom[i] = v[i]!;
  return poolGeom;
}

/** Zero-filled storage; large buffers from the native pool (recycled once the GC proves them unreachable). */
function pooledAlloc(nb: NativeBinding, dtype: DType, n: number, zero = true): Storage {
  const bytes = n * bytesPerElement(dtype);
  const ab = bytes >= POOLED_BYTES ? nb.alloc(bytes, zero) : undefined;
  if (!ab) return allocStorage(dtype, n);
  switch (dtype) {
    case 'float32':
      return new Float32Array(ab, 0, n);
    case 'float64':
    case 'int64':
      return new Float64Array(ab, 0, n);
    case 'int32':
      return new Int32Array(ab, 0, n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(ab, 0, n);
    default:
      return dtype satisfies never;
  }
}

type BatchNormKernels = Pick<Backend, 'batchNormStats' | 'batchNormApply' | 'batchNormBackward'>;

/** The fused batch-norm kernels, native for float32 (src/backend/js/norm.ts otherwise). */
function nativeBatchNorm(nb: NativeBinding): BatchNormKernels {
  const opt = (t: Float32Array | Float64Array | null): t is Float32Array | null => t === null || f32(t);
  return {
    batchNormStats(x, n, c, s, mean, varb) {
      if (f32(x)) nb.batchNormStats(x, n, c, s, mean, varb);
      else batchNormStats(x, n, c, s, mean, varb);
    },
    batchNormApply(x, n, c, s, mean, invstd, w, b, y, relu = false) {
      if (f32(x) && f32(y) && opt(w) && opt(b)) nb.batchNormApply(x, n, c, s, mean, invstd, w, b, y, relu);
      else batchNormApply(x, n, c, s, mean, invstd, w, b, y, relu);
    },
    batchNormBackward(x, gy, n, c, s, mean, invstd, w, training, gx, gw, gb) {
      if (f32(x) && f32(gy) && opt(w) && opt(gx) && opt(gw) && opt(gb))
        nb.batchNormBackward(x, gy, n, c, s, mean, invstd, w, training, gx, gw, gb);
      else batchNormBackward(x, gy, n, c, s, mean, invstd, w, training, gx, gw, gb);
    },
  };
}

export function createNativeBackend(nb: NativeBinding): Backend {
  const backend: Backend = {
    ...nativeBatchNorm(nb),
    name: 'native',
    alloc: (dtype, n) => pooledAlloc(nb, dtype, n),
    allocUninit: (dtype, n) => pooledAlloc(nb, dtype, n, false),
    release: (s) => s.byteLength >= POOLED_BYTES && nb.release(s.buffer),

    sgdStep(p, g, buf, h) {
      if (!f32(p) || !f32(g) || !(buf === null || f32(buf)) || p.length < SMALL_STEP) return false;
      nb.sgdStep(p, g, buf, h.wd, h.momentum, h.keep, h.negLr, h.nesterov, h.maximize, h.first);
      return true;
    },
    adamStep(p, g, m, v, vmax, h) {
      if (!f32(p) || !f32(g) || !f32(m) || !f32(v) || !(vmax === null || f32(vmax)) || p.length < SMALL_STEP)
        return false;
      const c = adamConsts;
      c[0] = h.negStepSize;
      c[1] = h.bc2Sqrt;
      c[2] = h.beta1;
      c[3] = h.beta2;
      c[4] = h.oneMinusBeta1;
      c[5] = h.oneMinusBeta2;
      c[6] = h.eps;
      c[7] = h.wd;
      c[8] = h.decay;
      nb.adamStep(p, g, m, v, vmax, c, h.coupled, h.decoupled, h.maximize);
      return true;
    },

    unary(op, x, out, p) {
      const code = UNARY_CODE[op];
      if (code !== undefined && f32(x) && f32(out) && out.length >= SMALL)
        nb.unary(code, x, out, p?.alpha ?? 0.01);
      else js.unary(op, x, out, p);
    },
    unaryGrad(op, x, y, g, out, p) {
      const code = UNARY_CODE[op];
      if (code !== undefined && f32(x) && f32(y) && f32(g) && f32(out) && out.length >= SMALL)
        nb.unaryGrad(code, x, y, g, out, p?.alpha ?? 0.01);
      else js.unaryGrad(op, x, y, g, out, p);
    },
    binary(op, a, aShape, b, bShape, out, outShape) {
      const code = BINARY_CODE[op];
      const outOk = code >= COMPARE_FROM ? out instanceof Uint8Array : f32(out);
      if (outOk && f32(a) && f32(b) && out.length >= SMALL && packShapes(aShape, bShape, outShape))
        nb.binary(code, a, b, out as Float32Array | Uint8Array, dims);
      else js.binary(op, a, aShape, b, bShape, out, outShape);
    },
    clamp(x, lo, hi, out) {
      if (f32(x) && f32(out) && out.length >= SMALL) nb.clamp(x, lo, hi, out);
      else js.clamp(x, lo, hi, out);
    },
    where: js.where,
    expand(x, xShape, out, outShape) {
      if (f32(x) && f32(out) && out.length >= SMALL && packShapes(xShape, outShape)) nb.expand(x, out, dims);
      else js.expand(x, xShape, out, outShape);
    },
    reduce(op, x, shape, reduced, out) {
      if (f32(x) && f32(out) && x.length >= SMALL && shape.length <= MAX_RANK) {
        dims[0] = shape.length;
        for (let i = 0; i < shape.length; i++) {
          dims[1 + i] = shape[i]!;
          dims[1 + shape.length + i] = reduced[i] ? 1 : 0;
        }
        nb.reduce(REDUCE_CODE[op], x, out, dims);
      } else js.reduce(op, x, shape, reduced, out);
    },
    argReduce(op, x, outer, n, inner, out) {
      if (f32(x) && out instanceof Float64Array && x.length >= SMALL && n > 0)
        nb.argReduce(op === 'argmax', x, outer, n, inner, out);
      else js.argReduce(op, x, outer, n, inner, out);
    },
    matmul(a, b, out, batch, m, k, n, opts = {}) {
      if (f32(a) && f32(b) && f32(out)) {
        nb.matmul(
          a,
          b,
          out,
          batch,
          m,
          k,
          n,
          opts.transA ?? false,
          opts.transB ?? false,
          opts.strideA ?? m * k,
          opts.strideB ?? k * n,
          opts.accumulate ?? false,
        );
      } else js.matmul(a, b, out, batch, m, k, n, opts);
    },
    permute: js.permute,
    copyAxis: js.copyAxis,
    sliceAxis: js.sliceAxis,
    sliceAxisBackward: js.sliceAxisBackward,
    indexSelect: js.indexSelect,
    indexAdd: js.indexAdd,
    gather: js.gather,
    scatterAdd: js.scatterAdd,
    pad: js.pad,
    softmax(x, outer, n, inner, out, log) {
      if (f32(x) && f32(out) && x.length >= SMALL) nb.softmax(x, outer, n, inner, out, log);
      else js.softmax(x, outer, n, inner, out, log);
    },
    softmaxGrad(y, g, outer, n, inner, out, log) {
      if (f32(y) && f32(g) && f32(out) && y.length >= SMALL) nb.softmaxGrad(y, g, outer, n, inner, out, log);
      else js.softmaxGrad(y, g, outer, n, inner, out, log);
    },
    conv2d(x, w, bias, out, g) {
      if (f32(x) && f32(w) && f32(out) && (bias === null || f32(bias)))
        nb.conv2d(x, w, bias, out, packConv(g));
      else js.conv2d(x, w, bias, out, g);
    },
    conv2dBackwardInput(gy, w, gx, g) {
      if (f32(gy) && f32(w) && f32(gx)) nb.conv2dBackwardInput(gy, w, gx, packConv(g));
      else js.conv2dBackwardInput(gy, w, gx, g);
    },
    conv2dBackwardWeight(gy, x, gw, gb, g) {
      if (f32(gy) && f32(x) && f32(gw) && (gb === null || f32(gb)))
        nb.conv2dBackwardWeight(gy, x, gw, gb, packConv(g));
      else js.conv2dBackwardWeight(gy, x, gw, gb, g);
    },
    maxPool2d(x, out, indices, g) {
      if (f32(x) && f32(out)) nb.maxPool2d(x, out, indices, packPool(g));
      else js.maxPool2d(x, out, indices, g);
    },
    maxPool2dBackward(gy, indices, gx, g) {
      if (f32(gy) && f32(gx)) nb.maxPool2dBackward(gy, indices, gx, packPool(g));
      else js.maxPool2dBackward(gy, indices, gx, g);
    },
    avgPool2d(x, out, g, cip, div) {
      if (f32(x) && f32(out)) nb.avgPool2d(x, out, packPool(g), cip, div);
      else js.avgPool2d(x, out, g, cip, div);
    },
    avgPool2dBackward(gy, gx, g, cip, div) {
      if (f32(gy) && f32(gx)) nb.avgPool2dBackward(gy, gx, packPool(g), cip, div);
      else js.avgPool2dBackward(gy, gx, g, cip, div);
    },
    adaptiveAvgPool2d(x, planes, h, w, oh, ow, out) {
      if (f32(x) && f32(out)) nb.adaptiveAvgPool2d(x, out, planes, h, w, oh, ow);
      else js.adaptiveAvgPool2d(x, planes, h, w, oh, ow, out);
    },
    adaptiveAvgPool2dBackward(gy, planes, h, w, oh, ow, gx) {
      if (f32(gy) && f32(gx)) nb.adaptiveAvgPool2dBackward(gy, gx, planes, h, w, oh, ow);
      else js.adaptiveAvgPool2dBackward(gy, planes, h, w, oh, ow, gx);
    },
  };
  return backend;
}

export type { NativeBinding } from './binding.js';
export { loadBinding } from './binding.js';
