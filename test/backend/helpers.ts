// Shared helpers for the native-vs-reference differential tests: a seeded generator, random shapes that
// favour awkward sizes (1, odd, around the GEMM tiles), and an elementwise comparison that reports the
// worst element.
import { expect } from 'vitest';
import { jsBackend, nativeBackend, type Backend } from '../../src/backend/index.js';

export const js = jsBackend;
/** The native backend, or null when the addon is not built (the suites then skip). */
export const native: Backend | null = process.env.WEIGHTROOM_BACKEND === 'js' ? null : nativeBackend();

/** mulberry32: small, seeded, good enough for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/** Uniform values in [-scale, scale). */
export function randArray(r: () => number, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * scale;
  return a;
}

/** Sizes that stress tile edges: 1, small odd numbers and neighbours of the register tiles (4, 6, 12, 16, 32). */
export const AWKWARD = [1, 2, 3, 5, 7, 11, 12, 13, 15, 16, 17, 31, 32, 33, 47, 65] as const;

/**
 * Every element within atol + rtol*|want| (NaN must match NaN, infinities must match exactly). `scale`
 * widens atol for sums of many terms.
 */
export function expectClose(
  what: string,
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol = 1e-5,
  atol = 1e-6,
): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) !== Number.isNaN(g)) {
        worst = i;
        worstErr = Infinity;
        break;
      }
      continue;
    }
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      if (g !== w) {
        worst = i;
        worstErr = Infinity;
        break;
      }
      continue;
    }
    const err = Math.abs(g - w) - (atol + rtol * Math.abs(w));
    if (err > worstErr) {
      worstErr = err;
      worst = i;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${what}: element ${worst} is ${got[worst]}, reference ${want[worst]} (rtol ${rtol}, atol ${atol})`,
    );
  }
}

/** Bitwise equality (for determinism checks). */
export function expectSameBits(what: string, a: Float32Array, b: Float32Array): void {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++)
    if (ua[i] !== ub[i]) expect.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
}
