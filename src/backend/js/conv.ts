// Reference 2-d convolution by im2col + GEMM (forward, backward-input via col2im, backward-weight), any
// stride/padding/dilation/groups. The native backend replaces this with packed kernels.
import type { Conv2dGeom } from '../backend.js';
import type { FloatStorage } from '../../tensor/dtype.js';
import { matmul } from './matmul.js';

/** col[(c*kh + i)*kw + j, oy*ow + ox] = x[c, oy*sh - ph + i*dh, ox*sw - pw + j*dw] (0 outside). */
function im2col(x: FloatStorage, xo: number, cg: number, g: Conv2dGeom, col: Float64Array): void {
  const { h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const L = oh * ow;
  for (let c = 0; c < cg; c++) {
    const plane = xo + c * h * w;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const row = ((c * kh + i) * kw + j) * L;
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + i * dh;
          const r = row + oy * ow;
          if (iy < 0 || iy >= h) {
            for (let ox = 0; ox < ow; ox++) col[r + ox] = 0;
            continue;
          }
          const xr = plane + iy * w;
          for (let ox = 0; ox < ow; ox++) {
            const ix = ox * sw - pw + j * dw;
            col[r + ox] = ix >= 0 && ix < w ? x[xr + ix]! : 0;
          }
        }
      }
    }
  }
}

function col2im(col: Float64Array, cg: number, g: Conv2dGeom, gx: FloatStorage, xo: number): void {
  const { h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  const L = oh * ow;
  for (let c = 0; c < cg; c++) {
    const plane = xo + c * h * w;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const row = ((c * kh + i) * kw + j) * L;
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          const xr = plane + iy * w;
          const r = row + oy * ow;
          for (let ox = 0; ox < ow; ox++) {
            const ix = ox * sw - pw + j * dw;
            if (ix >= 0 && ix < w) gx[xr + ix]! += col[r + ox]!;
          }
        }
      }
    }
  }
}

export function conv2d(
  x: FloatStorage,
  wt: FloatStorage,
  bias: FloatStorage | null,
  out: FloatStorage,
  g: Conv2dGeom,
): void {
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const K = cg * g.kh * g.kw;
  const L = g.oh * g.ow;
  const col = new Float64Array(K * L);
  const res = new Float64Array(og * L);
  for (let n = 0; n < g.n; n++) {
    for (let gr = 0; gr < g.groups; gr++) {
      im2col(x, (n * g.c + gr * cg) * g.h * g.w, cg, g, col);
      const wg = wt.subarray(gr * og * K, (gr + 1) * og * K);
      matmul(wg, col, res, 1, og, K, L);
      const oo = (n * g.o + gr * og) * L;
      for (let o = 0; o < og; o++) {
        const b = bias ? bias[gr * og + o]! : 0;
        for (let l = 0; l < L; l++) out[oo + o * L + l] = res[o * L + l]! + b;
      }
    }
  }
}

export function conv2dBackwardInput(
  gy: FloatStorage,
  wt: FloatStorage,
  gx: FloatStorage,
  g: Conv2dGeom,
): void {
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const K = cg * g.kh * g.kw;
  const L = g.oh * g.ow;
  const col = new Float64Array(K * L);
  gx.fill(0);
  for (let n = 0; n < g.n; n++) {
    for (let gr = 0; gr < g.groups; gr++) {
      const wg = wt.subarray(gr * og * K, (gr + 1) * og * K);
      const gyg = gy.subarray((n * g.o + gr * og) * L, (n * g.o + (gr + 1) * og) * L);
      matmul(wg, gyg, col, 1, K, og, L, { transA: true }); // col = W^T @ gy
      col2im(col, cg, g, gx, (n * g.c + gr * cg) * g.h * g.w);
    }
  }
}

export function conv2dBackwardWeight(
  gy: FloatStorage,
  x: FloatStorage,
  gw: FloatStorage,
  gb: FloatStorage | null,
  g: Conv2dGeom,
): void {
  const cg = g.c / g.groups;
  const og = g.o / g.groups;
  const K = cg * g.kh * g.kw;
  const L = g.oh * g.ow;
  const col = new Float64Array(K * L);
  const acc = new Float64Array(g.o * K);
  for (let n = 0; n < g.n; n++) {
    for (let gr = 0; gr < g.groups; gr++) {
      im2col(x, (n * g.c + gr * cg) * g.h * g.w, cg, g, col);
      const gyg = gy.subarray((n * g.o + gr * og) * L, (n * g.o + (gr + 1) * og) * L);
      matmul(gyg, col, acc.subarray(gr * og * K, (gr + 1) * og * K), 1, og, L, K, {
        transB: true,
        accumulate: true,
      });
    }
  }
  gw.set(acc);
  if (gb) {
    for (let o = 0; o < g.o; o++) {
      let s = 0;
      for (let n = 0; n < g.n; n++) {
        const base = (n * g.o + o) * L;
        for (let l = 0; l < L; l++) s += gy[base + l]!;
      }
      gb[o] = s;
    }
  }
}
