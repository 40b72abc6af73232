// The native kernels never touch memory outside their typed arrays: every input and output is placed right
// against an inaccessible page (its end on one pass, its start on the other), so a read or write one element
// past either end faults and fails the run — the way ResNet-18's stem pool once read one float past its input
// (harmless inside a larger buffer, a segfault at the end of a mapping). Linux only (mprotect guard pages).
import { describe, expect, it } from 'vitest';
import type { Conv2dGeom, Pool2dGeom } from '../../src/backend/backend.js';
import { loadBinding } from '../../src/backend/native/binding.js';
import { native, rng } from './helpers.js';

const binding = native ? loadBinding().binding : null;
const supported = binding !== null && process.platform === 'linux';

/** n floats of random data in a buffer that touches a guard page at its end (or start). */
function guarded(r: () => number, n: number, atStart: boolean): Float32Array {
  const ab = binding!.guardedBuffer(Math.max(1, n) * 4, atStart)!;
  const a = new Float32Array(ab, 0, n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

function guarded64(n: number, atStart: boolean): Float64Array {
  return new Float64Array(binding!.guardedBuffer(Math.max(1, n) * 8, atStart)!, 0, n);
}

function convGeom(
  n: number,
  c: number,
  h: number,
  w: number,
  o: number,
  k: number,
  s: number,
  p: number,
  groups = 1,
): Conv2dGeom {
  const oh = Math.floor((h + 2 * p - k) / s) + 1;
  const ow = Math.floor((w + 2 * p - k) / s) + 1;
  return { n, c, h, w, o, kh: k, kw: k, sh: s, sw: s, ph: p, pw: p, dh: 1, dw: 1, groups, oh, ow };
}

function poolGeom(planes: number, h: number, w: number, k: number, s: number, p: number): Pool2dGeom {
  const oh = Math.floor((h + 2 * p - k) / s) + 1;
  const ow = Math.floor((w + 2 * p - k) / s) + 1;
  return { planes, h, w, kh: k, kw: k, sh: s, sw: s, ph: p, pw: p, dh: 1, dw: 1, oh, ow };
}

describe.skipIf(!supported)('native kernels stay inside their arrays (guard pages)', () => {
  for (const atStart of [false, true]) {
    const where = atStart ? 'start' : 'end';
    it(`pooling, every window shape ResNet/VGG/the small CNN use (guard at the ${where})`, () => {
      const r = rng(atStart ? 2 : 1);
      for (const [h, w, k, s, p] of [
        [16, 16, 3, 2, 1],
        [112, 112, 3, 2, 1],
        [7, 33, 3, 2, 1],
        [28, 28, 2, 2, 0],
        [14, 14, 2, 2, 0],
        [9, 31, 2, 2, 0],
        [13, 13, 3, 1, 1],
        [10, 10, 3, 3, 0],
      ] as const) {
        const g = poolGeom(5, h, w, k, s, p);
        const x = guarded(r, 5 * h * w, atStart);
        const out = guarded(r, 5 * g.oh * g.ow, atStart);
        const idx = guarded64(5 * g.oh * g.ow, atStart);
        native!.maxPool2d(x, out, idx, g);
        const gx = guarded(r, x.length, atStart);
        native!.maxPool2dBackward(guarded(r, out.length, atStart), idx, gx, g);
        native!.avgPool2d(x, out, g, true, 0);
        native!.avgPool2dBackward(guarded(r, out.length, atStart), gx, g, false, 0);
      }
    });
    it(`convolutions: Winograd, implicit/explicit im2col, shrunk, 1x1, depthwise (guard at the ${where})`, () => {
      const r = rng(atStart ? 4 : 3);
      for (const g of [
        convGeom(2, 64, 9, 13, 64, 3, 1, 1), // Winograd, partial tiles
        convGeom(1, 64, 8, 40, 64, 3, 1, 1), // Winograd, rows of 16 + 4 tiles
        convGeom(2, 3, 30, 30, 8, 7, 2, 3), // implicit im2col, stride 2
        convGeom(3, 16, 5, 5, 24, 3, 1, 1), // explicit im2col, several samples per GEMM
        convGeom(4, 24, 1, 1, 16, 3, 1, 1), // shrunk to one tap
        convGeom(2, 16, 2, 2, 20, 3, 2, 1), // shrunk to 2x2 taps
        convGeom(2, 8, 9, 9, 12, 1, 1, 0), // 1x1
        convGeom(2, 12, 11, 7, 12, 3, 2, 1, 12), // depthwise
      ]) {
        const x = guarded(r, g.n * g.c * g.h * g.w, atStart);
        const w = guarded(r, (g.o * g.c * g.kh * g.kw) / g.groups, atStart);
        const b = guarded(r, g.o, atStart);
        const out = guarded(r, g.n * g.o * g.oh * g.ow, atStart);
        native!.conv2d(x, w, b, out, g);
        native!.conv2dBackwardInput(out, w, guarded(r, x.length, atStart), g);
        native!.conv2dBackwardWeight(out, x, guarded(r, w.length, atStart), guarded(r, g.o, atStart), g);
      }
    });
    it(`GEMM, elementwise, softmax, batch norm, optimizer steps on odd sizes (guard at the ${where})`, () => {
      const r = rng(atStart ? 6 : 5);
      for (const [m, k, n] of [
        [13, 29, 37],
        [64, 577, 3],
        [300, 7, 200],
      ] as const) {
        for (const transA of [false, true])
          for (const transB of [false, true]) {
            const out = guarded(r, m * n, atStart);
            native!.matmul(guarded(r, m * k, atStart), guarded(r, k * n, atStart), out, 1, m, k, n, {
              transA,
              transB,
            });
          }
      }
      for (const len of [33, 1000, 4099]) {
        const x = guarded(r, len, atStart);
        const y = guarded(r, len, atStart);
        native!.unary('relu', x, y);
        native!.unary('exp', x, y);
        native!.unaryGrad('relu', x, y, guarded(r, len, atStart), guarded(r, len, atStart));
        native!.binary('add', x, [len], guarded(r, len, atStart), [len], y, [len]);
        native!.softmax(x, 1, len, 1, y, false);
        const p = guarded(r, len, atStart);
        const buf = guarded(r, len, atStart);
        const consts = {
          wd: 0,
          momentum: 0.9,
          keep: 1,
          negLr: -0.1,
          nesterov: false,
          maximize: false,
          first: false,
        };
        expect(native!.sgdStep!(p, x, buf, consts)).toBe(len >= 1024);
        native!.adamStep!(p, x, guarded(r, len, atStart), guarded(r, len, atStart), null, {
          negStepSize: -1e-3,
          bc2Sqrt: 0.1,
          beta1: 0.9,
          beta2: 0.999,
          oneMinusBeta1: 0.1,
          oneMinusBeta2: 0.001,
          eps: 1e-8,
          wd: 0,
          decay: 1,
          coupled: false,
          decoupled: false,
          maximize: false,
        });
      }
      const [bn, c, s] = [3, 5, 37];
      const x = guarded(r, bn * c * s, atStart);
      const mean = new Float64Array(c);
      const varb = new Float64Array(c);
      native!.batchNormStats(x, bn, c, s, mean, varb);
      const invstd = varb.map((v) => 1 / Math.sqrt(v + 1e-5));
      const y = guarded(r, x.length, atStart);
      native!.batchNormApply(x, bn, c, s, mean, invstd, guarded(r, c, atStart), guarded(r, c, atStart), y);
      native!.batchNormBackward(
        x,
        y,
        bn,
        c,
        s,
        mean,
        invstd,
        guarded(r, c, atStart),
        true,
        guarded(r, x.length, atStart),
        guarded(r, c, atStart),
        guarded(r, c, atStart),
      );
    });
  }
});
