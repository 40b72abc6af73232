// Native vs reference: unary ops and their gradients (incl. NaN, ±inf, ±0 and the activations' kinks),
// broadcasting binary ops and comparisons, expand, clamp, reductions over any dims, arg-reductions, softmax
// and logSoftmax with their gradients, and max/avg/adaptive pooling forward and backward.
import { describe, it } from 'vitest';
import type { BinaryOp, Pool2dGeom, ReduceOp, UnaryOp } from '../../src/backend/backend.js';
import { expectClose, js, native, pick, randArray, randInt, rng } from './helpers.js';

const d = native ? describe : describe.skip;

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 3, -3, 6, 20, 21, 1e-30, -88, 89];

/** Random values with the special ones sprinkled in. */
function values(r: () => number, n: number, scale = 4, special = true): Float32Array {
  const a = randArray(r, n, scale);
  if (special) for (let i = 0; i < n; i += 7) a[i] = pick(r, SPECIAL);
  return a;
}

const UNARY: UnaryOp[] = [
  'neg', 'abs', 'exp', 'log', 'sqrt', 'rsqrt', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'gelu', 'geluTanh',
  'silu', 'hardswish', 'hardsigmoid', 'relu6', 'square', 'reciprocal', 'sign', 'sin', 'cos', 'log1p', 'expm1',
  'floor', 'ceil', 'round', 'softplus',
]; // prettier-ignore
// the polynomial exp (sigmoid, silu share it) is within a few ulp; everything else is correctly rounded or close
const LOOSE = new Set<UnaryOp>(['exp', 'sigmoid', 'silu']);

function randShape(r: () => number, rank: number): number[] {
  return Array.from({ length: rank }, () => pick(r, [1, 1, 2, 3, 5, 7, 16, 33]));
}

d('native elementwise ops match the reference', () => {
  it('every unary op and its gradient, with NaN/inf/0 and kinks', () => {
    const r = rng(11);
    for (const op of UNARY) {
      for (const n of [33, 1000, 70001]) {
        const x = values(r, n);
        const p = op === 'leakyRelu' ? { alpha: 0.2 } : undefined;
        const [want, got] = [new Float32Array(n), new Float32Array(n)];
        js.unary(op, x, want, p);
        native!.unary(op, x, got, p);
        const rtol = LOOSE.has(op) ? 1e-6 : 3e-7;
        expectClose(`${op}(${n})`, got, want, rtol, 1e-37);
        const g = values(r, n, 2, false);
        const [gw, gg] = [new Float32Array(n), new Float32Array(n)];
        js.unaryGrad(op, x, want, g, gw, p);
        native!.unaryGrad(op, x, want, g, gg, p);
        expectClose(`${op}' (${n})`, gg, gw, 2e-6, 1e-30);
      }
    }
  });
  it('broadcasting binary ops and comparisons over random shapes', () => {
    const r = rng(12);
    const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'];
    const cmp: BinaryOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr'];
    for (let t = 0; t < 120; t++) {
      const rank = randInt(r, 0, 4);
      const out = randShape(r, rank);
      // each operand: a right-aligned suffix of out with some dims set to 1
      const operand = () => out.slice(randInt(r, 0, rank)).map((s) => (r() < 0.3 ? 1 : s));
      const [as, bs] = [operand(), operand()];
      const os = out.map((s, i) => {
        const ai = as[i - (rank - as.length)] ?? 1;
        const bi = bs[i - (rank - bs.length)] ?? 1;
        return Math.max(ai, bi);
      });
      const size = (s: number[]) => s.reduce((p, q) => p * q, 1);
      const op = pick(r, [...ops, ...cmp]);
      const a = values(r, size(as), 3, op !== 'pow');
      const b = op === 'pow' ? randArray(r, size(bs), 2) : values(r, size(bs), 3);
      if (op === 'pow') for (let i = 0; i < a.length; i++) a[i] = Math.abs(a[i]!) + 0.1;
      const isCmp = cmp.includes(op);
      const n = Math.max(size(os), 32); // below 32 elements the native backend defers to the reference
      const mk = () => (isCmp ? new Uint8Array(size(os)) : new Float32Array(size(os)));
      const [want, got] = [mk(), mk()];
      if (n !== size(os)) continue;
      js.binary(op, a, as, b, bs, want, os);
      native!.binary(op, a, as, b, bs, got, os);
      expectClose(`${op} ${JSON.stringify(as)} ${JSON.stringify(bs)}`, got, want, 3e-7, 0);
    }
  });
  it('expand and clamp', () => {
    const r = rng(13);
    const x = values(r, 3 * 5);
    const [want, got] = [new Float32Array(4 * 3 * 7 * 5), new Float32Array(4 * 3 * 7 * 5)];
    js.expand(x, [3, 1, 5], want, [4, 3, 7, 5]);
    native!.expand(x, [3, 1, 5], got, [4, 3, 7, 5]);
    expectClose('expand', got, want, 0, 0);
    const y = values(r, 1000);
    for (const [lo, hi] of [
      [-1, 2],
      [NaN, 0.5],
      [-0.5, NaN],
    ] as const) {
      const [cw, cg] = [new Float32Array(1000), new Float32Array(1000)];
      js.clamp(y, lo, hi, cw);
      native!.clamp(y, lo, hi, cg);
      expectClose(`clamp ${lo} ${hi}`, cg, cw, 0, 0);
    }
  });
});

d('native reductions and softmax match the reference', () => {
  it('sum/max/min/prod over random dims', () => {
    const r = rng(21);
    for (let t = 0; t < 150; t++) {
      const rank = randInt(r, 1, 4);
      const shape = randShape(r, rank);
      const reduced = shape.map(() => r() < 0.5);
      const op = pick(r, ['sum', 'sum', 'max', 'min', 'prod'] as ReduceOp[]);
      const n = shape.reduce((p, q) => p * q, 1);
      const x = op === 'prod' ? randArray(r, n, 1) : values(r, n, 3, r() < 0.3);
      const outN = shape.reduce((p, s, i) => (reduced[i] ? p : p * s), 1);
      const [want, got] = [new Float32Array(outN), new Float32Array(outN)];
      js.reduce(op, x, shape, reduced, want);
      native!.reduce(op, x, shape, reduced, got);
      expectClose(`${op} ${JSON.stringify(shape)} ${JSON.stringify(reduced)}`, got, want, 1e-6, 1e-6);
    }
    // a long full sum (split into fixed blocks) and a bias-gradient shaped [N, C, H*W] -> [C]
    const big = randArray(r, 300_001);
    const [w1, g1] = [new Float32Array(1), new Float32Array(1)];
    js.reduce('sum', big, [300_001], [true], w1);
    native!.reduce('sum', big, [300_001], [true], g1);
    expectClose('long sum', g1, w1, 1e-6, 1e-6);
    const act = randArray(r, 8 * 32 * 49);
    const [w2, g2] = [new Float32Array(32), new Float32Array(32)];
    js.reduce('sum', act, [8, 32, 7, 7], [true, false, true, true], w2);
    native!.reduce('sum', act, [8, 32, 7, 7], [true, false, true, true], g2);
    expectClose('bias grad', g2, w2, 1e-6, 1e-6);
  });
  it('argmax/argmin, softmax and logSoftmax (with gradients) along any axis', () => {
    const r = rng(22);
    for (let t = 0; t < 60; t++) {
      const [outer, n, inner] = [randInt(r, 1, 9), pick(r, [1, 2, 7, 10, 33, 100]), pick(r, [1, 1, 3, 8])];
      const size = outer * n * inner;
      if (size < 32) continue;
      const x = values(r, size, 5, r() < 0.2);
      if (r() < 0.1) for (let j = 0; j < n; j++) x[j * inner] = -Infinity; // an all -inf slice
      for (const op of ['argmax', 'argmin'] as const) {
        const [aw, ag] = [new Float64Array(outer * inner), new Float64Array(outer * inner)];
        js.argReduce(op, x, outer, n, inner, aw);
        native!.argReduce(op, x, outer, n, inner, ag);
        expectClose(`${op} [${outer},${n},${inner}]`, ag, aw, 0, 0);
      }
      for (const log of [false, true]) {
        const [yw, yg] = [new Float32Array(size), new Float32Array(size)];
        js.softmax(x, outer, n, inner, yw, log);
        native!.softmax(x, outer, n, inner, yg, log);
        expectClose(`softmax log=${log} [${outer},${n},${inner}]`, yg, yw, 2e-6, 1e-6);
        const g = randArray(r, size);
        const [gw, gg] = [new Float32Array(size), new Float32Array(size)];
        js.softmaxGrad(yw, g, outer, n, inner, gw, log);
        native!.softmaxGrad(yw, g, outer, n, inner, gg, log);
        expectClose(`softmaxGrad log=${log} [${outer},${n},${inner}]`, gg, gw, 2e-6, 1e-5);
      }
    }
  });
});

function poolGeom(r: () => number): Pool2dGeom | null {
  const [h, w] = [randInt(r, 1, 12), randInt(r, 1, 12)];
  const [kh, kw] = [randInt(r, 1, 4), randInt(r, 1, 4)];
  const [sh, sw] = [randInt(r, 1, 3), randInt(r, 1, 3)];
  const [ph, pw] = [randInt(r, 0, Math.floor(kh / 2)), randInt(r, 0, Math.floor(kw / 2))];
  const [dh, dw] = r() < 0.3 ? [2, 2] : [1, 1];
  let oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  let ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (oh < 1 || ow < 1) return null;
  // ceil mode: one more window when it still starts inside the input or its left padding (torch's rule)
  if (r() < 0.3 && oh * sh < h + ph) oh++;
  if (r() < 0.3 && ow * sw < w + pw) ow++;
  return { planes: randInt(r, 1, 6), h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow };
}

d('native pooling matches the reference', () => {
  it('2x2 and 3x3 stride-2 max pooling (the vectorised paths): ties, NaN and -inf, rows of 1 to 56 outputs', () => {
    const r = rng(32);
    for (const [h, w, k, p] of [
      [2, 2, 2, 0],
      [4, 30, 2, 0],
      [6, 70, 2, 0],
      [9, 33, 2, 0],
      [28, 28, 2, 0],
      [14, 14, 2, 0],
      [16, 16, 3, 1], // ResNet's stem pool on 32x32 images
      [7, 33, 3, 1],
      [12, 112, 3, 1],
      [5, 40, 3, 0],
    ] as const) {
      const oh = Math.floor((h + 2 * p - k) / 2) + 1;
      const ow = Math.floor((w + 2 * p - k) / 2) + 1;
      const g: Pool2dGeom = {
        planes: 3,
        h,
        w,
        kh: k,
        kw: k,
        sh: 2,
        sw: 2,
        ph: p,
        pw: p,
        dh: 1,
        dw: 1,
        oh,
        ow,
      };
      const x = new Float32Array(3 * h * w).map(() => pick(r, [0, 1, 1, 2, NaN, -Infinity, -0]));
      const no = 3 * oh * ow;
      const [ow_, og_, iw, ig] = [
        new Float32Array(no),
        new Float32Array(no),
        new Float64Array(no),
        new Float64Array(no),
      ];
      js.maxPool2d(x, ow_, iw, g);
      native!.maxPool2d(x, og_, ig, g);
      expectClose(`maxPool ${k}x${k}/2 ${h}x${w}`, og_, ow_, 0, 0);
      expectClose(`maxPool ${k}x${k}/2 indices ${h}x${w}`, ig, iw, 0, 0);
      // without indices (inference): the same maxima
      const [on, jn] = [new Float32Array(no), new Float32Array(no)];
      native!.maxPool2d(x, on, null, g);
      js.maxPool2d(x, jn, null, g);
      expectClose(`maxPool ${k}x${k}/2 ${h}x${w} no indices`, on, ow_, 0, 0);
      expectClose(`maxPool ${k}x${k}/2 ${h}x${w} no indices (js)`, jn, ow_, 0, 0);
    }
  });
  it('max (indices too), average (countIncludePad, divisor) and adaptive, forward and backward', () => {
    const r = rng(31);
    for (let t = 0, done = 0; done < 40 && t < 200; t++) {
      const g = poolGeom(r);
      if (!g) continue;
      done++;
      const x = values(r, g.planes * g.h * g.w, 3, r() < 0.2);
      const no = g.planes * g.oh * g.ow;
      const gy = randArray(r, no);
      const name = JSON.stringify(g);
      const [ow_, og_, iw, ig] = [
        new Float32Array(no),
        new Float32Array(no),
        new Float64Array(no),
        new Float64Array(no),
      ];
      js.maxPool2d(x, ow_, iw, g);
      native!.maxPool2d(x, og_, ig, g);
      expectClose(`maxPool ${name}`, og_, ow_, 0, 0);
      expectClose(`maxPool indices ${name}`, ig, iw, 0, 0);
      const [bw, bg] = [new Float32Array(x.length), new Float32Array(x.length)];
      js.maxPool2dBackward(gy, iw, bw, g);
      bg.fill(NaN); // the kernels write every element (ops pass uninitialised buffers)
      native!.maxPool2dBackward(gy, iw, bg, g);
      expectClose(`maxPool backward ${name}`, bg, bw, 1e-6, 1e-7);
      const cip = r() < 0.5;
      const div = r() < 0.2 ? 3 : 0;
      const [aw, ag] = [new Float32Array(no), new Float32Array(no)];
      js.avgPool2d(x, aw, g, cip, div);
      native!.avgPool2d(x, ag, g, cip, div);
      expectClose(`avgPool ${name} ${cip} ${div}`, ag, aw, 1e-6, 1e-7);
      js.avgPool2dBackward(gy, bw, g, cip, div);
      bg.fill(NaN); // the kernels write every element (ops pass uninitialised buffers)
      native!.avgPool2dBackward(gy, bg, g, cip, div);
      expectClose(`avgPool backward ${name}`, bg, bw, 1e-6, 1e-7);
      const [oh, ow] = [randInt(r, 1, g.h + 2), randInt(r, 1, g.w + 2)];
      const na = g.planes * oh * ow;
      const [pw, pg] = [new Float32Array(na), new Float32Array(na)];
      js.adaptiveAvgPool2d(x, g.planes, g.h, g.w, oh, ow, pw);
      native!.adaptiveAvgPool2d(x, g.planes, g.h, g.w, oh, ow, pg);
      expectClose(`adaptiveAvgPool ${name} -> ${oh}x${ow}`, pg, pw, 1e-6, 1e-7);
      const gya = randArray(r, na);
      js.adaptiveAvgPool2dBackward(gya, g.planes, g.h, g.w, oh, ow, bw);
      bg.fill(NaN); // the kernels write every element (ops pass uninitialised buffers)
      native!.adaptiveAvgPool2dBackward(gya, g.planes, g.h, g.w, oh, ow, bg);
      expectClose(`adaptiveAvgPool backward ${name}`, bg, bw, 1e-6, 1e-7);
    }
  });
});
