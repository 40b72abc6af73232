// Seeded generator reproducing PyTorch 1.13's CPU random streams bit for bit: at::mt19937, CPUGeneratorImpl
// (state bytes included) plus the kernels of ATen's DistributionsHelper.h and native/cpu/, FMAs included.
import type { Storage } from './dtype.js';

type Floats = Float32Array | Float64Array;
const f = Math.fround;
const N = 624; // MERSENNE_STATE_N
const M = 397; // MERSENNE_STATE_M
const STATE_BYTES = 5056; // sizeof(CPUGeneratorImplState) = torch.get_rng_state().numel()

import { F32, U32, fma, fmaf } from './fma.js';
import { erf, erff, expf, logf, poly } from './libm.js';

// ------------------------------------------------------------------------------ Generator (CPUGeneratorImpl)

export class Generator {
  private readonly mt = new Uint32Array(N);
  private left = 1;
  private next = 0;
  private seedValue = 0n;
  private nextDouble: number | null = null; // next_double_normal_sample_: spare Box-Muller value
  private nextFloat: number | null = null; // next_float_normal_sample_: no 1.13 CPU kernel uses it

  /** The default seed is c10::detail::default_rng_seed_val, as for a fresh torch.Generator(). */
  constructor(seed: number | bigint = 67280421310721n) {
    this.manualSeed(seed);
  }

  /** set_current_seed: mt19937 init_genrand(seed & 0xffffffff); keeps the 64-bit seed, clears the spares. */
  manualSeed(seed: number | bigint): this {
    if (!Number.isInteger(Number(seed))) throw new TypeError(`seed must be an integer: ${seed}`);
    const s = BigInt(seed);
    if (s < -(1n << 63n) || s >= 1n << 64n) throw new RangeError(`seed must fit in 64 bits: ${s}`);
    this.seedValue = BigInt.asUintN(64, s); // negative seeds wrap, as in torch.Generator.manual_seed
    const mt = this.mt;
    mt[0] = Number(this.seedValue & 0xffffffffn);
    for (let j = 1; j < N; j++) mt[j] = Math.imul(1812433253, mt[j - 1]! ^ (mt[j - 1]! >>> 30)) + j;
    [this.left, this.next, this.nextDouble, this.nextFloat] = [1, 0, null, null];
    return this;
  }

  initialSeed(): bigint {
    return this.seedValue;
  }

  /** Reseed nondeterministically (torch reads /dev/urandom); returns the new seed. */
  seed(): bigint {
    const w = new Uint32Array(2);
    (
      globalThis as unknown as { crypto: { getRandomValues(a: Uint32Array): unknown } }
    ).crypto.getRandomValues(w);
    return this.manualSeed((BigInt(w[0]!) << 32n) | BigInt(w[1]!)).seedValue;
  }

  /** mt19937_engine::next_state: regenerate the 624 words. */
  private twist(): void {
    const mt = this.mt;
    for (let k = 0; k < N; k++) {
      const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % N]! & 0x7fffffff);
      mt[k] = mt[(k + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    [this.left, this.next] = [N, 0];
  }

  /** CPUGeneratorImpl::random(): the next tempered uint32. */
  random(): number {
    if (--this.left === 0) this.twist();
    let y = this.mt[this.next++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    return (y ^ (y >>> 18)) >>> 0;
  }

  /** CPUGeneratorImpl::random64(): (random() << 32) | random(). */
  random64(): bigint {
    const hi = BigInt(this.random()) << 32n;
    return hi | BigInt(this.random());
  }

  /** uniform_real_distribution<float>(0, 1): (random() & (2^24 - 1)) * 2^-24, an exact float. */
  uniform24(): number {
    return (this.random() & 0xffffff) * 5.9604644775390625e-8;
  }

  /** uniform_real_distribution<double>(0, 1): (random64() & (2^53 - 1)) * 2^-53. */
  uniform53(): number {
    const hi = this.random() & 0x1fffff;
    return (hi * 4294967296 + this.random()) * 1.1102230246251565e-16;
  }

  /**
   * normal_distribution<double> before `* std + mean`: the cached spare, else with u1, u2 = uniform53():
   * r = sqrt(-2 log(1 - u2)), theta = 2 pi u1; caches r sin(theta), returns r cos(theta).
   */
  normalSample(): number {
    const c = this.nextDouble;
    this.nextDouble = null;
    if (c !== null) return c;
    const theta = 6.283185307179586 * this.uniform53();
    const r = Math.sqrt(-2 * Math.log(1 - this.uniform53()));
    this.nextDouble = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Bytes identical to torch.get_rng_state(): CPUGeneratorImplState {legacy pod, float spare, its flag}. */
  getState(): Uint8Array {
    const dv = new DataView(new ArrayBuffer(STATE_BYTES));
    dv.setBigUint64(0, this.seedValue, true); // the_initial_seed
    dv.setInt32(8, this.left, true);
    dv.setInt32(12, 1, true); // seeded
    dv.setUint32(16, this.next, true); // uint64 next
    for (let j = 0; j < N; j++) dv.setUint32(24 + 8 * j, this.mt[j]!, true); // uint64 state[624]
    dv.setFloat64(5024, this.nextDouble ?? 0, true); // normal_y (normal_x, normal_rho stay 0)
    dv.setInt32(5040, this.nextDouble === null ? 0 : 1, true); // normal_is_valid
    dv.setFloat32(5048, this.nextFloat ?? 0, true); // next_float_normal_sample
    dv.setUint8(5052, this.nextFloat === null ? 0 : 1);
    return new Uint8Array(dv.buffer);
  }

  /** Restore getState() (or torch.get_rng_state()) bytes, validated like CPUGeneratorImpl::set_state. */
  setState(state: Uint8Array): this {
    if (!(state instanceof Uint8Array) || state.length !== STATE_BYTES)
      throw new Error(`Generator state must be a Uint8Array of ${STATE_BYTES} bytes, got ${state?.length}`);
    const dv = new DataView(state.buffer, state.byteOffset, STATE_BYTES);
    const [left, seeded, next] = [dv.getInt32(8, true), dv.getInt32(12, true), dv.getBigUint64(16, true)];
    // torch checks seeded, 0 < left <= 624, next <= 624; next + left <= 625 also keeps reads inside the state
    if (seeded !== 1 || !(left > 0 && left <= N) || next > BigInt(N + 1 - left))
      throw new Error(`Invalid mt19937 state (seeded=${seeded}, left=${left}, next=${next})`);
    const [dValid, fValid] = [dv.getInt32(5040, true), dv.getUint8(5052)];
    if (dValid >>> 1 || fValid >>> 1) throw new Error('Invalid normal-sample cache flags in generator state');
    for (let j = 0; j < N; j++)
      if (dv.getUint32(28 + 8 * j, true)) throw new Error(`Invalid mt19937 state: word ${j} exceeds 32 bits`);
    for (let j = 0; j < N; j++) this.mt[j] = dv.getUint32(24 + 8 * j, true);
    [this.seedValue, this.left, this.next] = [dv.getBigUint64(0, true), left, Number(next)];
    this.nextDouble = dValid ? dv.getFloat64(5024, true) : null;
    this.nextFloat = fValid ? dv.getFloat32(5048, true) : null;
    return this;
  }
}

/** weightroom's default generator: deterministic (default seed) until seeded, unlike torch's. */
export const defaultGenerator = new Generator();

/** torch.manual_seed: seeds defaultGenerator and returns it. */
export function manualSeed(seed: number | bigint): Generator {
  return defaultGenerator.manualSeed(seed);
}

// ------------------------------------------------------------------- uniform_, randint, randperm, bernoulli_

/** torch.rand / Tensor.uniform_(from, to): transformation::uniform_real, fma(u, to - from, from) in dtype. */
export function uniformFill(out: Floats, from: number, to: number, gen: Generator): void {
  const single = out instanceof Float32Array;
  const [lo, hi] = single ? [f(from), f(to)] : [from, to];
  const range = single ? f(hi - lo) : hi - lo;
  if (!(lo <= hi) || !(range <= (single ? 3.4028234663852886e38 : Number.MAX_VALUE)))
    throw new RangeError(`uniform_ expects a finite [from, to) range, but found from=${from}, to=${to}`);
  const n = out.length;
  if (single) for (let i = 0; i < n; i++) out[i] = fmaf(gen.uniform24(), range, lo);
  else if (lo === 0 && range === 1) for (let i = 0; i < n; i++) out[i] = gen.uniform53();
  else for (let i = 0; i < n; i++) out[i] = fma(gen.uniform53(), range, lo);
}

/**
 * torch.randint(low, high) / Tensor.random_(low, high) (uniform_int_from_to_distribution): low + r % range,
 * r = random64() if range >= 2^32 and the dtype is int64/float32/float64 (Float32/64Array), else random().
 */
export function randintFill(out: Storage, low: number, high: number, gen: Generator): void {
  const narrow = out instanceof Int32Array || out instanceof Uint8Array;
  const max = out instanceof Int32Array ? 2 ** 31 : out instanceof Uint8Array ? 256 : Infinity;
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || !(low < high) || low < -max || high > max)
    throw new RangeError(
      `randint expects integers from < to in the dtype's range, got from=${low}, to=${high}`,
    );
  if (out instanceof Uint8Array && low < 0) throw new RangeError(`randint: from=${low} < 0 for uint8`);
  const range = high - low;
  if (range < 2 ** 32 || narrow) for (let i = 0; i < out.length; i++) out[i] = low + (gen.random() % range);
  else for (let i = 0, r = BigInt(range); i < out.length; i++) out[i] = low + Number(gen.random64() % r);
}

/** torch.randperm(n) (randperm_cpu): identity, then for i < n-1 swap r[i] and r[i + random() % (n - i)]. */
export function randperm(n: number, gen: Generator): Float64Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`randperm expects an integer n >= 0, got ${n}`);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  for (let i = 0; i < n - 1; i++) {
    const z = i + (gen.random() % (n - i));
    const t = r[i]!;
    r[i] = r[z]!;
    r[z] = t;
  }
  return r;
}

/**
 * Tensor.bernoulli_(p), scalar p (bernoulli_distribution<double>): 1 where uniform53() < p. That is the
 * kernel of builds without MKL (Debian's) and of AMD CPUs; MKL builds on Intel CPUs draw from an MKL MCG31
 * stream seeded by one random() instead. CPU dropout is x * empty_like(x).bernoulli_(1 - p) / (1 - p), so
 * F.dropout's mask is bernoulliFill(m, 1 - p).
 */
export function bernoulliFill(out: Floats | Uint8Array, p: number, gen: Generator): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`bernoulli_ expects p to be in [0, 1], but got p=${p}`);
  for (let i = 0, n = out.length; i < n; i++) out[i] = gen.uniform53() < p ? 1 : 0;
}

// ------------------------------------------------------------------------------------ normal (normal_kernel)
// numel >= 16: fill with uniforms, then Box-Muller 16 at a time (u1 = 1 - d[j], u2 = d[j+8] -> d[j], d[j+8]);
// a ragged tail redoes the last 16 from fresh uniforms. float32 runs normal_fill_AVX2, whose log256_ps and
// sincos256_ps (avx_mathfun.h, Cephes polynomials) are emulated lane by lane with the FMAs GCC forms in them;
// float64 runs normal_fill<double> (libm log, cos, sin). numel < 16: normal_distribution<double>, then cast.

const LOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(f);
const [LOG_Q1, LOG_Q2, SQRTHF] = [f(-2.1219444e-4), f(0.693359375), f(Math.SQRT1_2)];
const [FOPI, TWO_PI_F] = [f(1.27323954473516), f(2 * Math.PI)]; // 4/pi; _mm256_set1_ps(2.0f * pi)
const DP = [-0.78515625, -2.4187564849853515625e-4, -3.774894977445941e-8].map(f); // -pi/4 in three parts
const SINCOF = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(f);
const COSCOF = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(f);

/** log256_ps for one lane, x in (0, 1]: x = m 2^e, m in [sqrt(1/2), sqrt(2)); e ln2 + a log1p(m - 1) poly. */
function log256(x: number): number {
  F32[0] = x;
  const bits = U32[0]!;
  let e = (bits >>> 23) - 0x7e;
  U32[0] = (bits & 0x807fffff) | 0x3f000000; // mantissa in [0.5, 1)
  let m = F32[0]!;
  if (m < SQRTHF) {
    e -= 1;
    m = f(f(m - 1) + m); // 2m - 1, exact
  } else m = f(m - 1);
  const z = f(m * m);
  let y = LOG_P[0]!;
  for (let k = 1; k < 9; k++) y = fmaf(y, m, LOG_P[k]!);
  y = fmaf(f(y * m), z, f(e * LOG_Q1)); // of the two products feeding this add, GCC fuses the first
  return fmaf(e, LOG_Q2, f(m + f(y - z * 0.5)));
}

// Two passes over the blocks [o, o + 16) in d[from, to) (as separate functions V8 keeps doubles unboxed):
// d[o+k] <- radius = sqrt(-2 log(1 - d[o+k])); then sincos256_ps(2 pi d[o+8+k]) gives both outputs.
function radii(d: Float32Array, from: number, to: number): void {
  for (let o = from; o < to; o += 16)
    for (let j = o; j < o + 8; j++) d[j] = f(Math.sqrt(-2 * log256(1 - d[j]!)));
}
function boxMuller(d: Float32Array, from: number, to: number, mean: number, std: number): void {
  for (let o = from; o < to; o += 16)
    for (let k = o; k < o + 8; k++) {
      // octant j of theta, x = theta - j pi/4 (Cody-Waite), Cephes sin/cos polynomials in z = x^2
      const theta = f(TWO_PI_F * d[k + 8]!);
      const j = ((f(theta * FOPI) | 0) + 1) & ~1;
      let x = theta; // j * DP[i] has <= 28 bits, so these fused sums are exact in a double
      for (let i = 0; i < 3; i++) x = f(j * DP[i]! + x);
      const z = f(x * x);
      let c = COSCOF[0]!;
      let s = SINCOF[0]!;
      for (let i = 1; i < 3; i++) {
        c = fmaf(c, z, COSCOF[i]!);
        s = fmaf(s, z, SINCOF[i]!);
      }
      c = f(fmaf(f(c * z), z, -z * 0.5) + 1);
      s = fmaf(f(s * z), x, x);
      const swap = (j & 2) !== 0;
      const sin = (j & 4 ? -1 : 1) * ((swap ? c : s) + 0);
      const cos = ((j - 2) & 4 ? 1 : -1) * ((swap ? s : c) + 0);
      d[k + 8] = fmaf(f(d[k]! * sin), std, mean); // _mm256_fmadd_ps(radius * sin, std, mean)
      d[k] = fmaf(f(d[k]! * cos), std, mean);
    }
}
function uniforms(d: Floats, from: number, to: number, gen: Generator): void {
  if (d instanceof Float32Array) for (let i = from; i < to; i++) d[i] = gen.uniform24();
  else for (let i = from; i < to; i++) d[i] = gen.uniform53();
}
function boxMuller64(d: Float64Array, from: number, to: number, mean: number, std: number): void {
  for (let o = from; o < to; o += 16)
    for (let j = o; j < o + 8; j++) {
      const radius = Math.sqrt(-2 * Math.log(1 - d[j]!));
      const theta = 6.283185307179586 * d[j + 8]!;
      d[j] = fma(radius * Math.cos(theta), std, mean); // radius * cos(theta) * std + mean, contracted
      d[j + 8] = fma(radius * Math.sin(theta), std, mean);
    }
}

/** torch.randn / Tensor.normal_(mean, std) of a contiguous tensor. */
export function normalFill(out: Floats, mean: number, std: number, gen: Generator): void {
  if (!(std >= 0)) throw new RangeError(`normal expects std >= 0.0, but found std ${std}`);
  const n = out.length;
  if (n < 16) {
    for (let i = 0; i < n; i++) out[i] = fma(gen.normalSample(), std, mean); // transformation::normal
    return;
  }
  const blocks = (from: number, to: number) => {
    if (out instanceof Float64Array) return boxMuller64(out, from, to, mean, std);
    radii(out, from, to);
    boxMuller(out, from, to, f(mean), f(std));
  };
  uniforms(out, 0, n, gen);
  blocks(0, n - 15);
  if (n % 16 === 0) return;
  uniforms(out, n - 16, n, gen);
  blocks(n - 16, n - 15);
}

// -------------------------------------------------------------------- erfinv (calc_erfinv) and trunc_normal_
// calc_erfinv (ATen/native/Math.h): a rational guess in y^2 for |y| <= 0.7, else in z = sqrt(-log((1-|y|)/2))
// (polynomials contracted to fmas); then two Newton steps x -= (erf(x) - y) / (2/sqrt(pi) exp(-x^2)).

const EI = [
  0.886226899, -1.645349621, 0.914624893, -0.140543331, -2.118377725, 1.442710462, -0.329097515, 0.012229801,
  -1.970840454, -1.624906493, 3.429567803, 1.641345311, 3.5438892, 1.6370678,
]; // a, b, c, d
const EIF = EI.map(f);
const TWO_OVER_SQRT_PI_F = f(2 / f(Math.sqrt(Math.PI)));

function erfinvF(y: number): number {
  const ya = Math.abs(y);
  if (!(ya < 1)) return ya === 1 ? y * Infinity : NaN;
  let x: number;
  if (ya <= f(0.7)) {
    const z = f(y * y);
    x = f(f(y * poly(fmaf, EIF, z, 0, 4)) / poly(fmaf, EIF, z, 4, 8, true));
  } else {
    const z = f(Math.sqrt(-logf(f(1 - ya) / 2)));
    const num = poly(fmaf, EIF, z, 8, 12);
    x = f((y < 0 ? -num : num) / poly(fmaf, EIF, z, 12, 14, true));
  }
  x = f(x - f(f(erff(x) - y) / f(TWO_OVER_SQRT_PI_F * expf(f(-x * x)))));
  return f(x - f(f(erff(x) - y) / f(TWO_OVER_SQRT_PI_F * expf(f(-x * x)))));
}
function erfinvD(y: number): number {
  const ya = Math.abs(y);
  if (!(ya < 1)) return ya === 1 ? y * Infinity : NaN;
  let x: number;
  if (ya <= 0.7) x = (y * poly(fma, EI, y * y, 0, 4)) / poly(fma, EI, y * y, 4, 8, true);
  else {
    const z = Math.sqrt(-Math.log((1 - ya) / 2));
    x = ((y < 0 ? -1 : 1) * poly(fma, EI, z, 8, 12)) / poly(fma, EI, z, 12, 14, true);
  }
  x -= (erf(x) - y) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
  return x - (erf(x) - y) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
}

/**
 * torch.erfinv of one element. float32 (default; y is rounded to float) is bitwise; float64 agrees to a few
 * ulp (it uses Math.exp/Math.log and the erf above where torch calls glibc's).
 */
export function erfinv(y: number, dtype: 'float32' | 'float64' = 'float32'): number {
  return dtype === 'float32' ? erfinvF(f(y)) : erfinvD(y);
}

/**
 * torch.nn.init.trunc_normal_(t, mean, std, a, b): l, u = normal CDFs at a, b (Python math.erf, in double);
 * uniform_(2l - 1, 2u - 1), erfinv_(), mul_(std * sqrt(2)), add_(mean), clamp_(a, b), each in t's dtype.
 */
export function truncNormalFill(
  out: Floats,
  mean: number,
  std: number,
  a: number,
  b: number,
  gen: Generator,
): void {
  const cdf = (v: number) => (1 + erf(v / Math.SQRT2)) / 2;
  uniformFill(out, 2 * cdf((a - mean) / std) - 1, 2 * cdf((b - mean) / std) - 1, gen);
  const n = out.length;
  if (out instanceof Float32Array) {
    const [scale, m, lo, hi] = [f(std * Math.SQRT2), f(mean), f(a), f(b)];
    for (let i = 0; i < n; i++) out[i] = Math.min(Math.max(f(f(erfinvF(out[i]!) * scale) + m), lo), hi);
  } else {
    for (let i = 0; i < n; i++)
      out[i] = Math.min(Math.max(erfinvD(out[i]!) * (std * Math.SQRT2) + mean, a), b);
  }
}
