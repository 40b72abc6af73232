// Native vs reference: the fused batch-norm kernels (statistics, normalisation, closed-form backward in
// training and eval) over [N, C, S] shapes with 1-sized dims, with and without affine parameters.
import { describe, expect, it } from 'vitest';
import { batchNormApply, batchNormBackward, batchNormStats } from '../../src/backend/js/norm.js';
import { expectClose, native, pick, randArray, randInt, rng } from './helpers.js';

const bn = native; // batch norm is part of the Backend interface

describe.skipIf(!bn)('native batch norm matches the reference', () => {
  it('statistics, apply and backward over random [N, C, S]', () => {
    const r = rng(41);
    for (let t = 0; t < 80; t++) {
      const [n, c, s] = [pick(r, [1, 2, 5, 16]), randInt(r, 1, 9), pick(r, [1, 2, 3, 4, 5, 6, 7, 49, 196])];
      const x = randArray(r, n * c * s, 3);
      for (let i = 0; i < x.length; i++) x[i] = x[i]! + 5; // an offset mean: the variance must not cancel
      const [mw, vw, mg, vg] = [0, 0, 0, 0].map(() => new Float64Array(c));
      batchNormStats(x, n, c, s, mw!, vw!);
      bn!.batchNormStats(x, n, c, s, mg!, vg!);
      expectClose(`mean ${n}x${c}x${s}`, mg!, mw!, 1e-12, 1e-12);
      expectClose(`var ${n}x${c}x${s}`, vg!, vw!, 1e-12, 1e-12);
      const invstd = vw!.map((v) => 1 / Math.sqrt(v + 1e-5));
      const affine = r() < 0.7;
      const w = affine ? randArray(r, c, 2) : null;
      const b = affine ? randArray(r, c, 2) : null;
      const [yw, yg] = [new Float32Array(x.length), new Float32Array(x.length)];
      batchNormApply(x, n, c, s, mw!, invstd, w, b, yw);
      bn!.batchNormApply(x, n, c, s, mw!, invstd, w, b, yg);
      expectClose(`apply ${n}x${c}x${s}`, yg, yw, 1e-6, 1e-6);
      // fused ReLU, and in place (y = x): the same as apply, then max(0, .) (NaN stays NaN)
      const xr = Float32Array.from(x);
      xr[0] = NaN;
      const relu = (a: Float32Array) => a.map((v) => (v > 0 || Number.isNaN(v) ? v : 0));
      const [rw, rg] = [new Float32Array(x.length), new Float32Array(x.length)];
      batchNormApply(xr, n, c, s, mw!, invstd, w, b, rw);
      bn!.batchNormApply(xr, n, c, s, mw!, invstd, w, b, rg, true);
      expect(Number.isNaN(rg[0]!)).toBe(true);
      expectClose(`apply+relu ${n}x${c}x${s}`, rg, relu(rw), 1e-6, 1e-6);
      for (const [name, apply] of [
        ['reference', batchNormApply],
        ['native', bn!.batchNormApply.bind(bn)],
      ] as const) {
        const inPlace = Float32Array.from(xr);
        apply(inPlace, n, c, s, mw!, invstd, w, b, inPlace, true);
        expect(Array.from(inPlace), `${name} in place`).toEqual(
          Array.from(name === 'native' ? rg : relu(rw)),
        );
      }
      const gy = randArray(r, x.length);
      for (const training of [true, false]) {
        const outs = () => [new Float32Array(x.length), new Float32Array(c), new Float32Array(c)] as const;
        const [gxw, gww, gbw] = outs();
        const [gxg, gwg, gbg] = outs();
        const skipGx = r() < 0.2;
        batchNormBackward(x, gy, n, c, s, mw!, invstd, w, training, skipGx ? null : gxw, gww, gbw);
        bn!.batchNormBackward(x, gy, n, c, s, mw!, invstd, w, training, skipGx ? null : gxg, gwg, gbg);
        const name = `backward training=${training} ${n}x${c}x${s}`;
        expectClose(`${name} gx`, gxg, gxw, 1e-5, 1e-5);
        expectClose(`${name} gw`, gwg, gww, 1e-5, 1e-5);
        expectClose(`${name} gb`, gbg, gbw, 1e-5, 1e-5);
      }
    }
  });
});
