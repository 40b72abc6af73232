// Native vs reference: the fused batch-norm kernels (statistics, normalisation, closed-form backward in
// training and eval) over [N, C, S] shapes with 1-sized dims, with and without affine parameters.
import { describe, it } from 'vitest';
import { batchNormApply, batchNormBackward, batchNormStats } from '../../src/backend/js/norm.js';
import { expectClose, native, pick, randArray, randInt, rng } from './helpers.js';

const bn = native; // batch norm is part of the Backend interface

describe.skipIf(!bn)('native batch norm matches the reference', () => {
  it('statistics, apply and backward over random [N, C, S]', () => {
    const r = rng(41);
    for (let t = 0; t < 40; t++) {
      const [n, c, s] = [pick(r, [1, 2, 5, 16]), randInt(r, 1, 9), pick(r, [1, 3, 49, 196])];
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
