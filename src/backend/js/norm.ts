// Fused batch-norm kernels over [N, C, S] (S = spatial size): one pass for the statistics, one to normalise;
// the backward in closed form. Sums accumulate in float64.
import type { FloatStorage } from '../../tensor/dtype.js';

/** Per-channel mean and biased variance of x [N, C, S]. */
export function batchNormStats(
  x: FloatStorage,
  n: number,
  c: number,
  s: number,
  mean: Float64Array,
  varb: Float64Array,
): void {
  const L = n * s;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const o = (i * c + ch) * s;
      for (let j = 0; j < s; j++) sum += x[o + j]!;
    }
    const m = sum / L;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const o = (i * c + ch) * s;
      for (let j = 0; j < s; j++) {
        const d = x[o + j]! - m;
        sq += d * d;
      }
    }
    mean[ch] = m;
    varb[ch] = sq / L;
  }
}

/** y = (x - mean) * invstd * w + b per channel (w/b null → 1/0). */
export function batchNormApply(
  x: FloatStorage,
  n: number,
  c: number,
  s: number,
  mean: Float64Array,
  invstd: Float64Array,
  w: FloatStorage | null,
  b: FloatStorage | null,
  y: FloatStorage,
  relu = false,
): void {
  for (let ch = 0; ch < c; ch++) {
    const scale = invstd[ch]! * (w ? w[ch]! : 1);
    const shift = (b ? b[ch]! : 0) - mean[ch]! * scale;
    for (let i = 0; i < n; i++) {
      const o = (i * c + ch) * s;
      if (!relu) for (let j = 0; j < s; j++) y[o + j] = x[o + j]! * scale + shift;
      else
        for (let j = 0; j < s; j++) {
          // rounded to y's precision first, as separate ops would; NaN stays NaN
          y[o + j] = x[o + j]! * scale + shift;
          const v = y[o + j]!;
          if (v <= 0) y[o + j] = 0;
        }
    }
  }
}

/**
 * Gradients of batch norm. training: gx = w·invstd/L · (L·gy − Σgy − x̂·Σ(gy·x̂)); eval (statistics constant):
 * gx = gy·w·invstd. gw = Σ gy·x̂, gb = Σ gy. Any output may be null.
 */
export function batchNormBackward(
  x: FloatStorage,
  gy: FloatStorage,
  n: number,
  c: number,
  s: number,
  mean: Float64Array,
  invstd: Float64Array,
  w: FloatStorage | null,
  training: boolean,
  gx: FloatStorage | null,
  gw: FloatStorage | null,
  gb: FloatStorage | null,
): void {
  const L = n * s;
  for (let ch = 0; ch < c; ch++) {
    const m = mean[ch]!;
    const is = invstd[ch]!;
    let sg = 0;
    let sgx = 0;
    for (let i = 0; i < n; i++) {
      const o = (i * c + ch) * s;
      for (let j = 0; j < s; j++) {
        const g = gy[o + j]!;
        sg += g;
        sgx += g * (x[o + j]! - m) * is;
      }
    }
    if (gw) gw[ch] = sgx;
    if (gb) gb[ch] = sg;
    if (!gx) continue;
    const wv = w ? w[ch]! : 1;
    if (training) {
      const k = (wv * is) / L;
      const a = sg;
      const bcoef = sgx * is;
      for (let i = 0; i < n; i++) {
        const o = (i * c + ch) * s;
        for (let j = 0; j < s; j++) gx[o + j] = k * (L * gy[o + j]! - a - (x[o + j]! - m) * bcoef);
      }
    } else {
      const k = wv * is;
      for (let i = 0; i < n; i++) {
        const o = (i * c + ch) * s;
        for (let j = 0; j < s; j++) gx[o + j] = gy[o + j]! * k;
      }
    }
  }
}
