// Native vs reference: SGEMM (all transposes, batched, broadcast operands, accumulate, sizes around the
// register tiles and cache blocks) and conv2d forward/backward (stride, padding, dilation, groups, depthwise,
// 1x1, batches that split into several im2col groups). Runs on whatever ISA this process uses
// (WEIGHTROOM_ISA; isa.test.ts reruns this file for each lower ISA the CPU supports).
import { describe, it } from 'vitest';
import type { Conv2dGeom } from '../../src/backend/backend.js';
import {
  AWKWARD,
  expectClose,
  expectSameBits,
  js,
  native,
  pick,
  randArray,
  randInt,
  rng,
} from './helpers.js';

const d = native ? describe : describe.skip;

function gemmCase(seed: number, m: number, k: number, n: number, batch = 1): void {
  const r = rng(seed);
  const transA = r() < 0.5;
  const transB = r() < 0.5;
  const accumulate = r() < 0.3;
  const strideA = batch > 1 && r() < 0.25 ? 0 : m * k;
  const strideB = batch > 1 && r() < 0.25 ? 0 : k * n;
  const a = randArray(r, strideA * (batch - 1) + m * k);
  const b = randArray(r, strideB * (batch - 1) + k * n);
  const init = randArray(r, batch * m * n);
  const want = init.slice();
  const got = init.slice();
  const opts = { transA, transB, strideA, strideB, accumulate };
  js.matmul(a, b, want, batch, m, k, n, opts);
  native!.matmul(a, b, got, batch, m, k, n, opts);
  expectClose(
    `matmul ${batch}x[${m}x${k}]@[${k}x${n}] ${JSON.stringify(opts)}`,
    got,
    want,
    1e-5,
    3e-7 * k + 1e-6,
  );
}

d('native SGEMM matches the reference', () => {
  it('awkward sizes, every transpose, accumulate, batched with broadcast operands', () => {
    const r = rng(1);
    for (let t = 0; t < 60; t++) {
      gemmCase(
        100 + t,
        pick(r, AWKWARD),
        pick(r, AWKWARD),
        pick(r, AWKWARD),
        t % 4 === 0 ? randInt(r, 2, 3) : 1,
      );
    }
  });
  it('across cache blocks (k > KC, m > MC, n > NC) and threaded sizes', () => {
    gemmCase(1, 200, 300, 97);
    gemmCase(2, 13, 520, 45);
    gemmCase(3, 3, 5, 4100);
    gemmCase(4, 130, 257, 129);
    gemmCase(5, 64, 576, 400);
    gemmCase(6, 4100, 3, 7);
    gemmCase(7, 8, 70, 9, 40); // many small matrices: whole matrices per thread
    for (let seed = 8; seed < 16; seed++) gemmCase(seed, 1, 300 + seed, 1000); // one row: dot products
  });
  it('an element has the same bits in an edge tile (narrow or short) as in a full one', () => {
    const r = rng(9);
    const [m, k, n] = [29, 300, 64];
    const a = randArray(r, m * k);
    const b = randArray(r, k * n);
    const full = new Float32Array(m * n);
    native!.matmul(a, b, full, 1, m, k, n, {});
    for (const cols of [4, 16, 17, 36, 50]) {
      const bc = new Float32Array(k * cols);
      for (let p = 0; p < k; p++) bc.set(b.subarray(p * n, p * n + cols), p * cols);
      const got = new Float32Array(m * cols);
      native!.matmul(a, bc, got, 1, m, k, cols, {});
      const want = new Float32Array(m * cols);
      for (let i = 0; i < m; i++) want.set(full.subarray(i * n, i * n + cols), i * cols);
      expectSameBits(`${cols} columns`, got, want);
    }
  });
  it('k = 0 gives zeros (or leaves out unchanged when accumulating)', () => {
    const out = new Float32Array(6).fill(7);
    native!.matmul(new Float32Array(0), new Float32Array(0), out, 1, 2, 0, 3, {});
    expectClose('k=0', out, new Float32Array(6));
    out.fill(7);
    native!.matmul(new Float32Array(0), new Float32Array(0), out, 1, 2, 0, 3, { accumulate: true });
    expectClose('k=0 accumulate', out, new Float32Array(6).fill(7));
  });
});

function geom(
  n: number,
  c: number,
  h: number,
  w: number,
  o: number,
  k: [number, number],
  s: [number, number],
  p: [number, number],
  dl: [number, number],
  groups: number,
): Conv2dGeom | null {
  const oh = Math.floor((h + 2 * p[0] - dl[0] * (k[0] - 1) - 1) / s[0]) + 1;
  const ow = Math.floor((w + 2 * p[1] - dl[1] * (k[1] - 1) - 1) / s[1]) + 1;
  if (oh < 1 || ow < 1) return null;
  return {
    n,
    c,
    h,
    w,
    o,
    kh: k[0],
    kw: k[1],
    sh: s[0],
    sw: s[1],
    ph: p[0],
    pw: p[1],
    dh: dl[0],
    dw: dl[1],
    groups,
    oh,
    ow,
  };
}

function convCase(seed: number, g: Conv2dGeom, bias: boolean): void {
  const r = rng(seed);
  const cg = g.c / g.groups;
  const x = randArray(r, g.n * g.c * g.h * g.w);
  const w = randArray(r, g.o * cg * g.kh * g.kw);
  const b = bias ? randArray(r, g.o) : null;
  const L = g.oh * g.ow;
  const gy = randArray(r, g.n * g.o * L);
  const name = `conv2d ${JSON.stringify(g)}`;
  const K = cg * g.kh * g.kw;
  const [want, got] = [new Float32Array(g.n * g.o * L), new Float32Array(g.n * g.o * L).fill(NaN)];
  js.conv2d(x, w, b, want, g);
  native!.conv2d(x, w, b, got, g);
  expectClose(`${name} forward`, got, want, 1e-5, 3e-7 * K + 1e-6);
  const [gxWant, gxGot] = [new Float32Array(x.length), new Float32Array(x.length).fill(NaN)];
  js.conv2dBackwardInput(gy, w, gxWant, g);
  native!.conv2dBackwardInput(gy, w, gxGot, g);
  expectClose(`${name} backward-input`, gxGot, gxWant, 1e-5, 3e-7 * (g.o / g.groups) * g.kh * g.kw + 1e-6);
  const [gwWant, gwGot] = [new Float32Array(w.length), new Float32Array(w.length).fill(NaN)];
  const [gbWant, gbGot] = bias ? [new Float32Array(g.o), new Float32Array(g.o).fill(NaN)] : [null, null];
  js.conv2dBackwardWeight(gy, x, gwWant, gbWant, g);
  native!.conv2dBackwardWeight(gy, x, gwGot, gbGot, g);
  expectClose(`${name} backward-weight`, gwGot, gwWant, 1e-5, 3e-7 * g.n * L + 1e-6);
  if (gbGot) expectClose(`${name} backward-bias`, gbGot, gbWant!, 1e-5, 3e-7 * g.n * L + 1e-6);
}

d('native conv2d matches the reference', () => {
  it('random geometries: stride, padding, dilation, groups, odd sizes', () => {
    const r = rng(7);
    let done = 0;
    for (let t = 0; done < 40 && t < 400; t++) {
      const groups = pick(r, [1, 1, 1, 2, 3]);
      const cg = randInt(r, 1, 5);
      const og = randInt(r, 1, 6);
      const k: [number, number] = [randInt(r, 1, 4), randInt(r, 1, 4)];
      const g = geom(
        randInt(r, 1, 3),
        cg * groups,
        randInt(r, 1, 13),
        randInt(r, 1, 13),
        og * groups,
        k,
        [randInt(r, 1, 3), randInt(r, 1, 3)],
        [randInt(r, 0, 2), randInt(r, 0, 2)],
        [randInt(r, 1, 2), randInt(r, 1, 2)],
        groups,
      );
      if (!g) continue;
      convCase(1000 + t, g, r() < 0.6);
      done++;
    }
  });
  it('depthwise (with channel multiplier), 1x1, and batches split into several im2col groups', () => {
    const cases: [Conv2dGeom | null, boolean][] = [
      [geom(2, 6, 9, 11, 6, [3, 3], [1, 1], [1, 1], [1, 1], 6), true], // depthwise
      [geom(2, 4, 10, 7, 8, [3, 3], [2, 2], [1, 1], [1, 1], 4), false], // depthwise x2, strided
      [geom(1, 3, 8, 8, 3, [5, 5], [1, 1], [4, 4], [2, 2], 3), true], // depthwise, dilated
      [geom(2, 16, 9, 9, 24, [1, 1], [1, 1], [0, 0], [1, 1], 1), true], // 1x1 over a small map: batched
      [geom(1, 16, 40, 40, 8, [1, 1], [1, 1], [0, 0], [1, 1], 1), false], // 1x1 direct (S = 1)
      [geom(3, 8, 20, 20, 10, [1, 1], [2, 2], [0, 0], [1, 1], 1), true], // 1x1 strided
      [geom(5, 3, 20, 20, 7, [3, 3], [1, 1], [1, 1], [1, 1], 1), true], // 400 positions: groups of 3 + 2
      [geom(9, 5, 4, 4, 6, [3, 3], [1, 1], [1, 1], [1, 1], 1), true], // tiny maps: all 9 in one GEMM
      [geom(2, 32, 14, 14, 64, [3, 3], [1, 1], [1, 1], [1, 1], 1), true], // small-CNN conv2 shape
      [geom(3, 1, 12, 12, 16, [3, 3], [1, 1], [1, 1], [1, 1], 1), true], // K = 9: transposed weight gradient
      [geom(3, 64, 9, 13, 64, [3, 3], [1, 1], [1, 1], [1, 1], 1), true], // Winograd: odd sizes, partial tiles
      [geom(4, 64, 20, 20, 72, [3, 3], [1, 1], [1, 1], [1, 1], 1), false], // Winograd: several tile chunks
      [geom(2, 64, 8, 31, 64, [3, 3], [1, 1], [1, 1], [1, 1], 1), true], // Winograd: rows of 16 tiles, odd width
      [geom(3, 64, 11, 40, 80, [3, 3], [1, 1], [1, 1], [1, 1], 1), true], // Winograd: rows of 16 + 4 tiles
      [geom(4, 128, 15, 17, 128, [3, 3], [1, 1], [1, 1], [1, 1], 1), true], // Winograd, 128 channels: one chunk
      [geom(4, 24, 1, 1, 16, [3, 3], [1, 1], [1, 1], [1, 1], 1), true], // 1x1 map: only the centre tap lives
      [geom(3, 8, 1, 1, 12, [3, 3], [1, 1], [1, 1], [1, 1], 2), false], // one live tap, grouped (strided weights)
      [geom(2, 6, 1, 1, 5, [2, 2], [2, 2], [1, 1], [1, 1], 1), true], // one live tap in a corner
      [geom(2, 40, 2, 2, 24, [3, 3], [2, 2], [1, 1], [1, 1], 1), true], // 2x2 live taps (ResNet's 256->512 shape)
      [geom(2, 6, 2, 7, 4, [5, 3], [2, 1], [3, 1], [1, 2], 2), false], // dead rows of taps, grouped, dilated
      [geom(2, 4, 9, 9, 12, [1, 1], [1, 1], [0, 0], [1, 1], 2), true], // K = 2 per group, transposed, grouped
      [geom(2, 8, 30, 30, 12, [3, 3], [1, 1], [1, 1], [1, 1], 1), true], // implicit im2col (long rows)
      [geom(1, 16, 29, 31, 5, [3, 3], [2, 2], [2, 2], [2, 2], 1), false], // implicit, strided + dilated
      [geom(1, 6, 40, 9, 10, [3, 5], [1, 2], [0, 2], [1, 1], 2), true], // implicit, one sample, grouped
      // the tap sum for small maps (batch >= 8, >= 16 channels, <= 64 output positions)
      [geom(8, 16, 4, 4, 20, [3, 3], [1, 1], [1, 1], [1, 1], 1), true], // panels span several positions
      [geom(33, 17, 3, 5, 19, [3, 3], [1, 1], [1, 1], [1, 1], 1), false], // odd batch and channel counts
      [geom(32, 16, 8, 8, 24, [3, 3], [2, 2], [1, 1], [1, 1], 1), true], // strided: input gradient too
      [geom(8, 20, 6, 7, 16, [5, 5], [2, 2], [2, 2], [1, 1], 1), true], // strided, batch 8: forward only
      [geom(12, 16, 5, 5, 16, [3, 3], [1, 1], [2, 2], [2, 2], 1), false], // dilated
      [geom(8, 16, 5, 4, 18, [2, 2], [1, 1], [1, 1], [1, 1], 1), true], // even kernel
      [geom(9, 16, 2, 2, 16, [3, 3], [1, 1], [3, 3], [1, 1], 1), true], // positions that see only padding
      [geom(8, 400, 2, 2, 24, [3, 3], [1, 1], [1, 1], [1, 1], 1), false], // depth > KC (forward)
      [geom(8, 24, 2, 3, 400, [3, 3], [1, 1], [1, 1], [1, 1], 1), true], // depth > KC (input gradient), rows split
    ];
    cases.forEach(([g, bias], i) => convCase(500 + i, g!, bias));
  });
  it('is bit-identical for 1 and 2 threads', async () => {
    const { setNumThreads, getNumThreads } = await import('../../src/backend/index.js');
    const r = rng(3);
    // im2col + GEMM, Winograd (64 channels, 32 x 49 tiles), and the tap sum (split over output rows too)
    const geoms = [32, 64].map((c) => geom(4 * (c / 32), c, 14, 14, 64, [3, 3], [1, 1], [1, 1], [1, 1], 1)!);
    geoms.push(geom(32, 128, 4, 4, 128, [3, 3], [1, 1], [1, 1], [1, 1], 1)!);
    const data = geoms.map((g) => ({
      x: randArray(r, g.n * g.c * g.h * g.w),
      w: randArray(r, g.o * g.c * 9),
      gy: randArray(r, g.n * g.o * g.oh * g.ow),
    }));
    const run = () => {
      const res: Float32Array[] = [];
      geoms.forEach((g, i) => {
        const { x, w, gy } = data[i]!;
        const out = new Float32Array(gy.length);
        const gw = new Float32Array(w.length);
        const gx = new Float32Array(x.length);
        native!.conv2d(x, w, null, out, g);
        native!.conv2dBackwardWeight(gy, x, gw, null, g);
        native!.conv2dBackwardInput(gy, w, gx, g);
        res.push(out, gw, gx);
      });
      const mm = new Float32Array(300 * 200);
      native!.matmul(randArray(rng(5), 300 * 257), randArray(rng(6), 257 * 200), mm, 1, 300, 257, 200, {});
      return [...res, mm];
    };
    const before = getNumThreads();
    try {
      setNumThreads(1);
      const one = run();
      setNumThreads(2);
      const two = run();
      one.forEach((a, i) => expectSameBits(`result ${i}`, a, two[i]!));
    } finally {
      setNumThreads(before);
    }
  });
});
