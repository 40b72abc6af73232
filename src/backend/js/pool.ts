// Reference pooling kernels: max (with PyTorch's flat h*w indices), average (countIncludePad, divisor override)
// and adaptive average, each with its backward.
import type { Pool2dGeom } from '../backend.js';
import type { FloatStorage } from '../../tensor/dtype.js';

export function maxPool2d(
  x: FloatStorage,
  out: FloatStorage,
  indices: Float64Array | null,
  g: Pool2dGeom,
): void {
  const { planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow } = g;
  for (let p = 0; p < planes; p++) {
    const xo = p * h * w;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let best = -Infinity;
        let bi = -1;
        for (let i = 0; i < kh; i++) {
          const iy = oy * sh - ph + i * dh;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = ox * sw - pw + j * dw;
            if (ix < 0 || ix >= w) continue;
            const v = x[xo + iy * w + ix]!;
            if (v > best || v !== v || bi < 0) {
              best = v;
              bi = iy * w + ix;
              if (v !== v) break;
            }
          }
          if (best !== best) break;
        }
        const o = (p * oh + oy) * ow + ox;
        out[o] = best;
        if (indices) indices[o] = bi;
      }
    }
  }
}

export function maxPool2dBackward(
  gy: FloatStorage,
  indices: Float64Array,
  gx: FloatStorage,
  g: Pool2dGeom,
): void {
  const { planes, h, w, oh, ow } = g;
  gx.fill(0);
  const L = oh * ow;
  for (let p = 0; p < planes; p++) {
    for (let l = 0; l < L; l++) {
      const o = p * L + l;
      const bi = indices[o]!;
      if (bi >= 0) gx[p * h * w + bi]! += gy[o]!;
    }
  }
}

/** The window of output (oy, ox) clipped to the padded extent and to the input, and its divisor. */
function avgWindow(g: Pool2dGeom, oy: number, ox: number, countIncludePad: boolean, divisorOverride: number) {
  const { h, w, kh, kw, sh, sw, ph, pw } = g;
  let y0 = oy * sh - ph;
  let x0 = ox * sw - pw;
  let y1 = Math.min(y0 + kh, h + ph);
  let x1 = Math.min(x0 + kw, w + pw);
  const poolSize = (y1 - y0) * (x1 - x0);
  y0 = Math.max(y0, 0);
  x0 = Math.max(x0, 0);
  y1 = Math.min(y1, h);
  x1 = Math.min(x1, w);
  const div = divisorOverride > 0 ? divisorOverride : countIncludePad ? poolSize : (y1 - y0) * (x1 - x0);
  return { y0, x0, y1, x1, div };
}

export function avgPool2d(
  x: FloatStorage,
  out: FloatStorage,
  g: Pool2dGeom,
  countIncludePad: boolean,
  divisorOverride: number,
): void {
  const { planes, h, w, oh, ow } = g;
  for (let p = 0; p < planes; p++) {
    const xo = p * h * w;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const { y0, x0, y1, x1, div } = avgWindow(g, oy, ox, countIncludePad, divisorOverride);
        let s = 0;
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) s += x[xo + iy * w + ix]!;
        out[(p * oh + oy) * ow + ox] = s / div;
      }
    }
  }
}

export function avgPool2dBackward(
  gy: FloatStorage,
  gx: FloatStorage,
  g: Pool2dGeom,
  countIncludePad: boolean,
  divisorOverride: number,
): void {
  const { planes, h, w, oh, ow } = g;
  gx.fill(0);
  for (let p = 0; p < planes; p++) {
    const xo = p * h * w;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const { y0, x0, y1, x1, div } = avgWindow(g, oy, ox, countIncludePad, divisorOverride);
        const v = gy[(p * oh + oy) * ow + ox]! / div;
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) gx[xo + iy * w + ix]! += v;
      }
    }
  }
}

// torch's adaptive windows: start = floor(o*in/out), end = ceil((o+1)*in/out)
const start = (o: number, inn: number, out: number) => Math.floor((o * inn) / out);
const end = (o: number, inn: number, out: number) => Math.ceil(((o + 1) * inn) / out);

export function adaptiveAvgPool2d(
  x: FloatStorage,
  planes: number,
  h: number,
  w: number,
  oh: number,
  ow: number,
  out: FloatStorage,
): void {
  for (let p = 0; p < planes; p++) {
    const xo = p * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = start(oy, h, oh);
      const y1 = end(oy, h, oh);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = start(ox, w, ow);
        const x1 = end(ox, w, ow);
        let s = 0;
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) s += x[xo + iy * w + ix]!;
        out[(p * oh + oy) * ow + ox] = s / ((y1 - y0) * (x1 - x0));
      }
    }
  }
}

export function adaptiveAvgPool2dBackward(
  gy: FloatStorage,
  planes: number,
  h: number,
  w: number,
  oh: number,
  ow: number,
  gx: FloatStorage,
): void {
  gx.fill(0);
  for (let p = 0; p < planes; p++) {
    const xo = p * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = start(oy, h, oh);
      const y1 = end(oy, h, oh);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = start(ox, w, ow);
        const x1 = end(ox, w, ow);
        const v = gy[(p * oh + oy) * ow + ox]! / ((y1 - y0) * (x1 - x0));
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) gx[xo + iy * w + ix]! += v;
      }
    }
  }
}
