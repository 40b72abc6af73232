// Exact fused multiply-add emulation (float and double) and bit views, for reproducing torch's -mfma kernels.

const f = Math.fround;

// Bit views (word order [lo, hi]); hf parses C99 hex floats exactly.
export const F64 = new Float64Array([1]);
export const U64 = new Uint32Array(F64.buffer);
export const F32 = new Float32Array(1);
export const U32 = new Uint32Array(F32.buffer);
if (U64[1] !== 0x3ff00000) throw new Error('weightroom: big-endian platforms are not supported');
export const words = (s: string) => s.trim().split(/\s+/);
export function hf(s: string): number {
  const m = /^(-?)(?:0x)?([0-9a-f])\.?([0-9a-f]*)p([-+]?\d+)$/i.exec(s)!;
  return (m[1] ? -1 : 1) * parseInt(m[2]! + m[3]!, 16) * 2 ** (Number(m[4]) - 4 * m[3]!.length);
}

// ---------------------------------------------------------------------------------------- fused multiply-add
// ATen's CPU kernels are built with -mfma (AVX2 capability) and GCC's default -ffp-contract=fast, so each
// `a * b + c` is one vfmadd, rounded once. Checked against torch: with two roundings, uniform_, normal_ and
// erfinv results differ in 10-40% of values.

/** Exact error of s = fl(a + b) (TwoSum). */
export function sumErr(a: number, b: number, s: number): number {
  const bb = s - a;
  return a - (s - bb) + (b - bb);
}
/** Round to odd: s = fl(x), x = s + err; if inexact, make the last mantissa bit 1 by stepping toward x. */
export function roundToOdd(s: number, err: number): number {
  if (err === 0) return s;
  F64[0] = s;
  const lo = U64[0]!;
  if (lo & 1) return s;
  if (err > 0 === s > 0) U64[0] = lo + 1;
  else if (lo !== 0) U64[0] = lo - 1;
  else {
    U64[0] = 0xffffffff;
    U64[1] = U64[1]! - 1;
  }
  return F64[0];
}
/** fmaf of floats: a*b is exact in a double, so only a sum landing on a float midpoint would round twice. */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = f(s);
  if (r === s) return r;
  const t = 2 * s - r; // a float (the other neighbour) iff s is a midpoint
  return f(t) !== t ? r : f(roundToOdd(s, sumErr(p, c, s)));
}
/** Double fma (Boldo & Melquiond 2008): Dekker's exact product, TwoSum with c, low parts rounded to odd. */
export function fma(a: number, b: number, c: number): number {
  const ph = a * b;
  let t = 134217729 * a; // Veltkamp split
  const ah = t - (t - a);
  t = 134217729 * b;
  const bh = t - (t - b);
  const pl = ah * bh - ph + ah * (b - bh) + (a - ah) * bh + (a - ah) * (b - bh);
  const th = c + ph;
  const tl = sumErr(c, ph, th);
  const v = tl + pl;
  return th + roundToOdd(v, sumErr(tl, pl, v));
}
