// Separable resampling kernels. Images follow PIL 9's ImagingResample (bilinear filter widened by the scale when
// shrinking, i.e. antialiased; 22-bit fixed-point coefficients; horizontal pass then vertical, each rounded to
// uint8) bit for bit; tensors follow torch's interpolate (bilinear, align_corners=False, antialias optional).
import type { Raster } from './raster.js';
import { storeU8 } from './raster.js';

/** Per output index: first input index, tap count, and `ksize` weights (row-major). */
interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  ksize: number;
}

const bilinear = (x: number) => {
  const a = Math.abs(x);
  return a < 1 ? 1 - a : 0;
};

/** PIL precompute_coeffs / torch _compute_indices_weights_aa: triangle filter scaled by max(1, in/out). */
export function antialiasTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) ww += weights[xx * ksize + x] = bilinear((x + xmin - center + 0.5) * ss);
    if (ww !== 0) for (let x = 0; x < xmax; x++) weights[xx * ksize + x]! /= ww;
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { start, count, weights, ksize };
}

/** torch upsample_bilinear2d (align_corners=False): src = max(0, (i + 0.5) in/out - 0.5), two taps, float32. */
export function bilinearTaps(inSize: number, outSize: number): Taps {
  const f = Math.fround;
  const scale = f(inSize / outSize);
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * 2);
  for (let i = 0; i < outSize; i++) {
    let src = f(f(scale * f(i + 0.5)) - 0.5);
    if (src < 0) src = 0;
    const i0 = Math.trunc(src);
    const l1 = f(src - i0);
    start[i] = i0;
    if (i0 < inSize - 1) {
      count[i] = 2;
      weights[2 * i] = f(1 - l1);
      weights[2 * i + 1] = l1;
    } else {
      count[i] = 1;
      weights[2 * i] = f(f(1 - l1) + l1);
    }
  }
  return { start, count, weights, ksize: 2 };
}

/** Nearest taps: PIL accumulates x = 0.5 s + k s in doubles (ImagingScaleAffine); torch floors i * f32(s). */
export function nearestTaps(inSize: number, outSize: number, pil: boolean): Taps {
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize).fill(1);
  const weights = new Float64Array(outSize).fill(1);
  if (pil) {
    const a = inSize / outSize;
    let xo = a * 0.5;
    for (let i = 0; i < outSize; i++, xo += a) start[i] = Math.min(Math.trunc(xo), inSize - 1);
  } else {
    const s = Math.fround(inSize / outSize);
    for (let i = 0; i < outSize; i++) start[i] = Math.min(Math.floor(Math.fround(i * s)), inSize - 1);
  }
  return { start, count, weights, ksize: 1 };
}

const PRECISION_BITS = 22; // 32 - 8 - 2

/** PIL normalize_coeffs_8bpc: weights to 22-bit fixed point, rounded away from zero at .5. */
function fixedWeights(t: Taps): Int32Array {
  return Int32Array.from(t.weights, (k) =>
    Math.trunc(k < 0 ? -0.5 + k * (1 << PRECISION_BITS) : 0.5 + k * (1 << PRECISION_BITS)),
  );
}

/**
 * Resample `src` along one axis (`axis` 'x' or 'y') into `dst` (same raster kind, that axis resized).
 * `pilFixed`: uint8 in, uint8 out with PIL's fixed-point arithmetic; else double sums stored to dst's type.
 */
export function resamplePass(src: Raster, dst: Raster, axis: 'x' | 'y', taps: Taps, pilFixed: boolean): void {
  const { start, count, weights, ksize } = taps;
  const fixed = pilFixed ? fixedWeights(taps) : null;
  const outer = axis === 'x' ? dst.h : dst.w; // the untouched axis
  const n = axis === 'x' ? dst.w : dst.h;
  const sStep = axis === 'x' ? src.sx : src.sy;
  const sOuter = axis === 'x' ? src.sy : src.sx;
  const dStep = axis === 'x' ? dst.sx : dst.sy;
  const dOuter = axis === 'x' ? dst.sy : dst.sx;
  const sd = src.data;
  const dd = dst.data;
  const round = dst.u8 && !pilFixed;
  for (let c = 0; c < dst.c; c++) {
    for (let o = 0; o < outer; o++) {
      const sBase = c * src.sc + o * sOuter;
      const dBase = c * dst.sc + o * dOuter;
      for (let i = 0; i < n; i++) {
        const k0 = i * ksize;
        let p = sBase + start[i]! * sStep;
        const m = count[i]!;
        if (fixed) {
          let ss = 1 << (PRECISION_BITS - 1);
          for (let k = 0; k < m; k++, p += sStep) ss += sd[p]! * fixed[k0 + k]!;
          dd[dBase + i * dStep] = ss >= 1 << 30 ? 255 : ss <= 0 ? 0 : ss >> PRECISION_BITS;
        } else {
          let s = 0;
          for (let k = 0; k < m; k++, p += sStep) s += sd[p]! * weights[k0 + k]!;
          dd[dBase + i * dStep] = round ? storeU8(s) : s;
        }
      }
    }
  }
}
