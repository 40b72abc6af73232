// glibc 2.36's expf, logf, erff and erf ported bit for bit (table-driven), for the float32 erfinv/trunc_normal_
// of torch's CPU kernels; the fused multiply-adds are emulated exactly (see generator.ts).
import { F32, U32, F64, U64, fma, hf, words } from './fma.js';

const f = Math.fround;

// -------------------------------------------------------------------------- glibc 2.36 expf, logf, erff, erf
// calc_erfinv<float> calls libm's expf, logf, erff: ports of glibc sysdeps/ieee754/flt-32 e_expf.c, e_logf.c
// (double evaluation, small tables) and s_erff.c (fdlibm in float), equal to glibc's bit for bit. erf ports
// fdlibm's s_erf.c, but with Math.exp, whose last bit differs from glibc's exp for ~10% of arguments.

const EXPF_T = words(`3ff0000000000000 3fefd9b0d3158574 3fefb5586cf9890f 3fef9301d0125b51 3fef72b83c7d517b
  3fef54873168b9aa 3fef387a6e756238 3fef1e9df51fdee1 3fef06fe0a31b715 3feef1a7373aa9cb 3feedea64c123422
  3feece086061892d 3feebfdad5362a27 3feeb42b569d4f82 3feeab07dd485429 3feea47eb03a5585 3feea09e667f3bcd
  3fee9f75e8ec5f74 3feea11473eb0187 3feea589994cce13 3feeace5422aa0db 3feeb737b0cdc5e5 3feec49182a3f090
  3feed503b23e255d 3feee89f995ad3ad 3feeff76f2fb5e47 3fef199bdd85529c 3fef3720dcef9069 3fef5818dcfba487
  3fef7c97337b9b5f 3fefa4afa2a490da 3fefd0765b6e4540`); // bits of 2^(i/32) - (i << 47)
const EXPF_HI = Int32Array.from(EXPF_T, (h) => parseInt(h.slice(0, 8), 16));
const EXPF_LO = Uint32Array.from(EXPF_T, (h) => parseInt(h.slice(8), 16));
const INVLN2_32 = hf('0x1.71547652b82fep+0') * 32;
const EXPF_C = ['1.c6af84b912394p-5', '1.ebfce50fac4f3p-3', '1.62e42ff0c52d6p-1'].map(
  (h, i) => hf(h) / 32 ** (3 - i),
);

/** expf: k = round(32 x / ln2) (adding 1.5 * 2^52 rounds), 2^(k/32) from the table, a cubic in the rest. */
export function expf(x: number): number {
  if (!(Math.abs(x) < 88)) return f(Math.exp(x)); // glibc's overflow/underflow paths (erfinv never gets here)
  const kd = INVLN2_32 * x + 6755399441055744;
  F64[0] = kd;
  const ki = U64[0]!;
  const r = INVLN2_32 * x - (kd - 6755399441055744);
  U64[0] = EXPF_LO[ki & 31]!;
  U64[1] = EXPF_HI[ki & 31]! + (ki << 15); // + (ki << 47) on the 64-bit pattern
  return f(((EXPF_C[0]! * r + EXPF_C[1]!) * (r * r) + (EXPF_C[2]! * r + 1)) * F64[0]);
}

const LOGF_T = words(`1.661ec79f8f3bep+0 -1.57bf7808caadep-2 1.571ed4aaf883dp+0 -1.2bef0a7c06ddbp-2
  1.49539f0f010bp+0 -1.01eae7f513a67p-2 1.3c995b0b80385p+0 -1.b31d8a68224e9p-3 1.30d190c8864a5p+0
  -1.6574f0ac07758p-3 1.25e227b0b8eap+0 -1.1aa2bc79c81p-3 1.1bb4a4a1a343fp+0 -1.a4e76ce8c0e5ep-4
  1.12358f08ae5bap+0 -1.1973c5a611cccp-4 1.0953f419900a7p+0 -1.252f438e10c1ep-5 1p+0 0p+0 1.e608cfd9a47acp-1
  1.aa5aa5df25984p-5 1.ca4b31f026aap-1 1.c5e53aa362eb4p-4 1.b2036576afce6p-1 1.526e57720db08p-3
  1.9c2d163a1aa2dp-1 1.bc2860d22477p-3 1.886e6037841edp-1 1.1058bc8a07ee1p-2 1.767dcf5534862p-1
  1.4043057b6ee09p-2`).map(hf); // 16 x {1/c, log c}
const LOGF_A = ['-1.00ea348b88334p-2', '1.5575b0be00b6ap-2', '-1.ffffef20a4123p-2'].map(hf);
const LN2 = hf('1.62e42fefa39efp-1');

/** logf of a normal positive float: x = 2^k z with z near a table point c; log1p(z/c - 1) + log c + k ln2. */
export function logf(x: number): number {
  F32[0] = x;
  const ix = U32[0]!;
  if (ix === 0x3f800000) return 0;
  if (!(x >= 1.1754943508222875e-38 && x < Infinity)) return f(Math.log(x)); // (erfinv never gets here)
  const tmp = (ix - 0x3f330000) | 0;
  const i = 2 * ((tmp >>> 19) & 15);
  U32[0] = ix - (tmp & 0xff800000);
  const r = F32[0]! * LOGF_T[i]! - 1;
  const y = LOGF_A[0]! * (r * r) + (LOGF_A[1]! * r + LOGF_A[2]!);
  return f(y * (r * r) + (LOGF_T[i + 1]! + (tmp >> 23) * LN2 + r));
}

// fdlibm s_erf.c: erx efx | pp0-4 | qq1-5 | pa0-6 | qa1-6 | ra0-7 | sa1-8 | rb0-6 | sb1-7. s_erff.c's
// constants are exactly these rounded to float; it evaluates by Horner, s_erf.c in a split form.
const ERF_K = words(`8.45062911510467529297e-01 1.28379167095512586316e-01 1.28379167095512558561e-01
  -3.25042107247001499370e-01 -2.84817495755985104766e-02 -5.77027029648944159157e-03
  -2.37630166566501626084e-05 3.97917223959155352819e-01 6.50222499887672944485e-02
  5.08130628187576562776e-03 1.32494738004321644526e-04 -3.96022827877536812320e-06
  -2.36211856075265944077e-03 4.14856118683748331666e-01 -3.72207876035701323847e-01
  3.18346619901161753674e-01 -1.10894694282396677476e-01 3.54783043256182359371e-02
  -2.16637559486879084300e-03 1.06420880400844228286e-01 5.40397917702171048937e-01
  7.18286544141962662868e-02 1.26171219808761642112e-01 1.36370839120290507362e-02
  1.19844998467991074170e-02 -9.86494403484714822705e-03 -6.93858572707181764372e-01
  -1.05586262253232909814e+01 -6.23753324503260060396e+01 -1.62396669462573470355e+02
  -1.84605092906711035994e+02 -8.12874355063065934246e+01 -9.81432934416914548592e+00
  1.96512716674392571292e+01 1.37657754143519042600e+02 4.34565877475229228821e+02
  6.45387271733267880336e+02 4.29008140027567833386e+02 1.08635005541779435134e+02
  6.57024977031928170135e+00 -6.04244152148580987438e-02 -9.86494292470009928597e-03
  -7.99283237680523006574e-01 -1.77579549177547519889e+01 -1.60636384855821916062e+02
  -6.37566443368389627722e+02 -1.02509513161107724954e+03 -4.83519191608651397019e+02
  3.03380607434824582924e+01 3.25792512996573918826e+02 1.53672958608443695994e+03
  3.19985821950859553908e+03 2.55305040643316442583e+03 4.74528541206955367215e+02
  -2.24409524465858183362e+01`).map(Number);
const [ERX, EFX] = [ERF_K[0]!, ERF_K[1]!];
let at = 2; // slice the tables; qq, qa, sa, sb get their leading 1
const ERF_D = [5, 5, 7, 6, 8, 8, 7, 7].map((n, i) => (i % 2 ? [1] : []).concat(ERF_K.slice(at, (at += n))));
const [PP, QQ, PA, QA, RA, SA, RB, SB] = ERF_D;
const [PPF, QQF, PAF, QAF, RAF, SAF, RBF, SBF] = ERF_D.map((c) => c.map(f));

/** Horner over k[i..j) (constant first) with fused steps fm(acc, x, k[t]); `one` appends `* x + 1`. */
export function poly(fm: typeof fma, k: number[], x: number, i = 0, j = k.length, one = false): number {
  let acc = k[j - 1]!;
  for (let t = j - 2; t >= i; t--) acc = fm(acc, x, k[t]!);
  return one ? fm(acc, x, 1) : acc;
}
/** s_erff.c's Horner: every operation rounded to float, no fma. */
function hornerF(c: number[], x: number): number {
  let r = c[c.length - 1]!;
  for (let i = c.length - 2; i >= 0; i--) r = f(f(r * x) + c[i]!);
  return r;
}
/** s_erf.c's (c0 + x c1) + x^2 (c2 + x c3) + x^4 (c4 + x c5) + ..., powers formed as it forms them. */
function splitD(c: number[], x: number, x2: number): number {
  const p = [1, x2, x2 * x2, x2 * x2 * x2, x2 * x2 * (x2 * x2)];
  let acc = c[0]! + x * c[1]!;
  for (let k = 2; k < c.length; k += 2) acc += p[k / 2]! * (k + 1 < c.length ? c[k]! + x * c[k + 1]! : c[k]!);
  return acc;
}

/** glibc erff (s_erff.c), every operation rounded to float. */
export function erff(x: number): number {
  const ax = Math.abs(x);
  if (!(ax < 6)) return x !== x ? x : Math.sign(x);
  if (ax < 0.84375) {
    if (ax < 2 ** -119) return f(0.0625 * f(f(16 * x) + f(f(16 * EFX) * x))); // (avoids underflow)
    if (ax < 2 ** -28) return f(x + f(f(EFX) * x));
    const z = f(x * x);
    return f(x + f(x * f(hornerF(PPF, z) / hornerF(QQF, z))));
  }
  if (ax < 1.25) {
    const q = f(hornerF(PAF, f(ax - 1)) / hornerF(QAF, f(ax - 1)));
    return x >= 0 ? f(f(ERX) + q) : f(f(-ERX) - q);
  }
  const s = f(1 / f(ax * ax));
  const near = ax < 2.857142925262451; // 0x4036DB6E, about 1/0.35
  const rs = f(hornerF(near ? RAF : RBF, s) / hornerF(near ? SAF : SBF, s));
  F32[0] = ax;
  U32[0] = U32[0]! & 0xfffff000; // z: ax with low bits cleared, so z*z is exact
  const z = F32[0]!;
  const e = f(expf(f(f(-z * z) - 0.5625)) * expf(f(f(f(z - ax) * f(z + ax)) + rs)));
  return x >= 0 ? f(1 - f(e / ax)) : f(f(e / ax) - 1);
}

/** glibc erf (fdlibm s_erf.c). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (!(ax < 6)) return x !== x ? x : Math.sign(x);
  if (ax < 0.84375) {
    if (ax < 2 ** -1015) return 0.0625 * (16 * x + 16 * EFX * x);
    if (ax < 2 ** -28) return x + EFX * x;
    const z = x * x;
    return x + x * (splitD(PP, z, z * z) / splitD(QQ, z, z * z));
  }
  if (ax < 1.25) {
    const s = ax - 1;
    const q = splitD(PA, s, s * s) / splitD(QA, s, s * s);
    return x >= 0 ? ERX + q : -ERX - q;
  }
  const s = 1 / (ax * ax);
  const near = ax < 2.8571434020996094; // high word 0x4006DB6E, about 1/0.35
  const rs = splitD(near ? RA : RB, s, s * s) / splitD(near ? SA : SB, s, s * s);
  F64[0] = ax;
  U64[0] = 0; // z: ax with the low word cleared
  const z = F64[0];
  const e = Math.exp(-z * z - 0.5625) * Math.exp((z - ax) * (z + ax) + rs);
  return x >= 0 ? 1 - e / ax : e / ax - 1;
}
