// AVX-512F kernels (compiled with -mavx512f -mfma, this file only). GEMM micro-kernel: a 12x32 tile of C in
// 24 zmm accumulators; per step of k it loads 2 vectors of the packed B row and broadcasts 12 values of the
// packed A column: 24 FMAs for 14 loads, which keeps both FMA pipes of a Zen 4/5 or Skylake-X core busy.
#include <math.h>
#include <stdint.h>

#include "kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
// GCC 12's unpack intrinsics trip -Wmaybe-uninitialized on their internal undefined operand
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace wr {
namespace avx512 {
#define WR_MR 12
#define WR_NR 32
#include "isa_body.inc"


// In-register 16x16 transpose (unpack, then 128-bit lane shuffles): r[i][j] <- r[j][i].
static inline void transpose16(__m512* r) {
  __m512 t[16];
  for (int i = 0; i < 8; i++) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; i++) {
    r[4 * i + 0] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], 0x44);
    r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i + 0], t[4 * i + 2], 0xEE);
    r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int i = 0; i < 4; i++) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
  }
  for (int i = 0; i < 8; i++) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
  }
}

// Packing where the source runs along the depth p (A not transposed, B transposed) is a transpose: do it
// 16 x 16 in registers instead of 12 or 32 strided scalar streams (the generic loop), which matters when
// the packed panel is reused for few rows, e.g. conv backward-weight GEMMs with 64 output channels.
static void pack_a_fast(long rows, long kc, const float* a, long rs, long cs, float* dst) {
  if (cs != 1) return pack_a(rows, kc, a, rs, cs, dst);
  const long full = rows / 12 * 12;
  const __m512 zero = _mm512_setzero_ps();
  for (long i0 = 0; i0 < full; i0 += 12) {
    float* d = dst + i0 * kc;
    const float* s = a + i0 * rs;
    long p = 0;
    for (; p + 16 <= kc; p += 16) {
      __m512 r[16];
      for (int i = 0; i < 12; i++) r[i] = _mm512_loadu_ps(s + i * rs + p);
      for (int i = 12; i < 16; i++) r[i] = zero;
      transpose16(r);
      for (int q = 0; q < 16; q++) _mm512_mask_storeu_ps(d + (p + q) * 12, 0x0FFF, r[q]);
    }
    for (; p < kc; p++)
      for (int i = 0; i < 12; i++) d[p * 12 + i] = s[i * rs + p];
  }
  if (full < rows) pack_a(rows - full, kc, a + full * rs, rs, cs, dst + full * kc);
}

static void pack_b_fast(long cols, long kc, const float* b, long rs, long cs, float* dst) {
  if (rs != 1 || cs == 1) return pack_b(cols, kc, b, rs, cs, dst);
  const long full = cols / 32 * 32;
  for (long j0 = 0; j0 < full; j0 += 32) {
    float* d = dst + j0 * kc;
    long p = 0;
    for (; p + 16 <= kc; p += 16)
      for (int h = 0; h < 2; h++) {
        __m512 r[16];
        const float* s = b + (j0 + h * 16) * cs + p;
        for (int j = 0; j < 16; j++) r[j] = _mm512_loadu_ps(s + j * cs);
        transpose16(r);
        for (int q = 0; q < 16; q++) _mm512_store_ps(d + (p + q) * 32 + h * 16, r[q]);
      }
    for (; p < kc; p++)
      for (int j = 0; j < 32; j++) d[p * 32 + j] = b[(j0 + j) * cs + p];
  }
  if (full < cols) pack_b(cols - full, kc, b + full * cs, rs, cs, dst + full * kc);
}

// Lanes [a, b) of a 16- or 32-lane mask (a, b clamped to [0, n]).
static inline uint32_t lane_range(long a, long b, long n) {
  a = a < 0 ? 0 : a > n ? n : a;
  b = b < 0 ? 0 : b > n ? n : b;
  if (b <= a) return 0;
  const uint32_t hi = b >= 32 ? 0xFFFFFFFFu : (1u << b) - 1u;
  return hi & ~((1u << a) - 1u);
}

// Lanes l < 16 of p[2l] (even) and p[2l + 1] (odd) from the 32 floats at p, reading only those in mask m.
static inline void load_pairs(const float* p, uint32_t m, __m512* even, __m512* odd) {
  const __m512i ie = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512 lo = _mm512_maskz_loadu_ps((__mmask16)(m & 0xFFFF), p);
  const __m512 hi = _mm512_maskz_loadu_ps((__mmask16)(m >> 16), p + 16);
  *even = _mm512_permutex2var_ps(lo, ie, hi);
  if (odd) *odd = _mm512_permutex2var_ps(lo, _mm512_add_epi32(ie, _mm512_set1_epi32(1)), hi);
}

// 2x2 stride-2 max pooling (the common case) 16 outputs at a time: masked loads of 32 inputs per window row,
// even/odd lanes split with permutes, then the four taps in order with the first-max / first-NaN rule as
// mask blends. The masks keep the loads inside the row, so short rows (14 or 7 outputs) take one step.
// The pooling rule per lane: v (at index vi) replaces the best so far if greater, or if it is the first NaN.
static inline void take_max16(__m512 v, __m512i vi, __m512* bv, __m512i* bi) {
  const __mmask16 gt = _mm512_cmp_ps_mask(v, *bv, _CMP_GT_OQ);
  const __mmask16 vnan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
  const __mmask16 bnan = _mm512_cmp_ps_mask(*bv, *bv, _CMP_UNORD_Q);
  const __mmask16 take = (__mmask16)(gt | (vnan & (__mmask16)~bnan));
  *bv = _mm512_mask_blend_ps(take, *bv, v);
  *bi = _mm512_mask_blend_epi32(take, *bi, vi);
}

// 3x3 stride-2 max pooling (the ResNet stem) 16 outputs at a time: per window row, taps 0 and 1 are the even and
// odd lanes of 32 inputs, tap 2 the even lanes of the same 32 shifted by 2; the first-max / first-NaN rule as
// mask blends, taps in row-major order.
static void maxpool3_row_fast(const float* x, long row0, long w, long xlo, long xhi, float* best, int32_t* arg) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  for (long ox = xlo; ox < xhi; ox += 16) {
    const long cnt = xhi - ox < 16 ? xhi - ox : 16;
    const __mmask16 m = (__mmask16)lane_range(0, cnt, 16);
    const long base = row0 + 2 * ox;
    const __m512i i0 = _mm512_add_epi32(_mm512_set1_epi32((int)base), even);
    __m512 bv = _mm512_setzero_ps();
    __m512i bi = i0;
    for (int i = 0; i < 3; i++) {
      const float* r = x + base + i * w;
      __m512 taps[3];
      load_pairs(r, lane_range(0, 2 * cnt, 32), &taps[0], &taps[1]);
      // tap 2 reads 2*cnt - 1 values from r + 2 (one fewer: the last window ends there, and so may the buffer)
      load_pairs(r + 2, lane_range(0, 2 * cnt - 1, 32), &taps[2], nullptr);
      for (int j = 0; j < 3; j++) {
        const __m512 v = taps[j];
        const __m512i vi = _mm512_add_epi32(i0, _mm512_set1_epi32((int)(i * w + j)));
        if (i == 0 && j == 0) {
          bv = v;
          continue;
        }
        take_max16(v, vi, &bv, &bi);
      }
    }
    _mm512_mask_storeu_ps(best + ox, m, bv);
    _mm512_mask_storeu_epi32(arg + ox, m, bi);
  }
}

static void maxpool_row_fast(const float* x, long row0, long w, long kh, long kw, long dh, long dw, long sw, long xlo,
                             long xhi, float* best, int32_t* arg) {
  if (kh == 3 && kw == 3 && sw == 2 && dh == 1 && dw == 1) return maxpool3_row_fast(x, row0, w, xlo, xhi, best, arg);
  if (kh != 2 || kw != 2 || sw != 2 || dh != 1 || dw != 1)
    return maxpool_row(x, row0, w, kh, kw, dh, dw, sw, xlo, xhi, best, arg);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  for (long ox = xlo; ox < xhi; ox += 16) {
    const long cnt = xhi - ox < 16 ? xhi - ox : 16;
    const __mmask16 m = (__mmask16)lane_range(0, cnt, 16);
    const long base = row0 + 2 * ox;
    __m512 bv, taps[3];
    load_pairs(x + base, lane_range(0, 2 * cnt, 32), &bv, &taps[0]);
    load_pairs(x + base + w, lane_range(0, 2 * cnt, 32), &taps[1], &taps[2]);
    const __m512i i0 = _mm512_add_epi32(_mm512_set1_epi32((int)base), even);
    __m512i bi = i0;
    const int offs[3] = {1, (int)w, (int)w + 1};
    for (int t = 0; t < 3; t++) take_max16(taps[t], _mm512_add_epi32(i0, _mm512_set1_epi32(offs[t])), &bv, &bi);
    _mm512_mask_storeu_ps(best + ox, m, bv);
    _mm512_mask_storeu_epi32(arg + ox, m, bi);
  }
}

static void ukernel(long kc, const float* __restrict a, const float* __restrict b, float* __restrict c, long ldc,
                    int accumulate) {
#define WR_DECL(r) __m512 c##r##0 = _mm512_setzero_ps(), c##r##1 = _mm512_setzero_ps();
  WR_DECL(0) WR_DECL(1) WR_DECL(2) WR_DECL(3) WR_DECL(4) WR_DECL(5)
  WR_DECL(6) WR_DECL(7) WR_DECL(8) WR_DECL(9) WR_DECL(10) WR_DECL(11)
#undef WR_DECL
  for (long p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_load_ps(b);
    const __m512 b1 = _mm512_load_ps(b + 16);
    _mm_prefetch((const char*)(b + 32 * 8), _MM_HINT_T0);
    __m512 x;
#define WR_ROW(r)                        \
  x = _mm512_set1_ps(a[r]);              \
  c##r##0 = _mm512_fmadd_ps(x, b0, c##r##0); \
  c##r##1 = _mm512_fmadd_ps(x, b1, c##r##1);
    WR_ROW(0) WR_ROW(1) WR_ROW(2) WR_ROW(3) WR_ROW(4) WR_ROW(5)
    WR_ROW(6) WR_ROW(7) WR_ROW(8) WR_ROW(9) WR_ROW(10) WR_ROW(11)
#undef WR_ROW
    a += 12;
    b += 32;
  }
#define WR_STORE(r)                                                                         \
  {                                                                                         \
    float* cr = c + (r) * ldc;                                                              \
    if (accumulate) {                                                                       \
      c##r##0 = _mm512_add_ps(_mm512_loadu_ps(cr), c##r##0);                                \
      c##r##1 = _mm512_add_ps(_mm512_loadu_ps(cr + 16), c##r##1);                           \
    }                                                                                       \
    _mm512_storeu_ps(cr, c##r##0);                                                          \
    _mm512_storeu_ps(cr + 16, c##r##1);                                                     \
  }
  WR_STORE(0) WR_STORE(1) WR_STORE(2) WR_STORE(3) WR_STORE(4) WR_STORE(5)
  WR_STORE(6) WR_STORE(7) WR_STORE(8) WR_STORE(9) WR_STORE(10) WR_STORE(11)
#undef WR_STORE
}

// The first M rows of the 12 x 32 tile (an edge of C): the same per-element FMA chain as ukernel, M rows only.
template <int M>
static void ukernel_m(long kc, const float* __restrict a, const float* __restrict b, float* __restrict c, long ldc,
                      int accumulate) {
  __m512 c0[M], c1[M];
  for (int r = 0; r < M; r++) c0[r] = c1[r] = _mm512_setzero_ps();
  for (long p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_load_ps(b);
    const __m512 b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
    for (int r = 0; r < M; r++) {
      const __m512 x = _mm512_set1_ps(a[r]);
      c0[r] = _mm512_fmadd_ps(x, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(x, b1, c1[r]);
    }
    a += 12;
    b += 32;
  }
#pragma GCC unroll 12
  for (int r = 0; r < M; r++) {
    float* cr = c + r * ldc;
    if (accumulate) {
      c0[r] = _mm512_add_ps(_mm512_loadu_ps(cr), c0[r]);
      c1[r] = _mm512_add_ps(_mm512_loadu_ps(cr + 16), c1[r]);
    }
    _mm512_storeu_ps(cr, c0[r]);
    _mm512_storeu_ps(cr + 16, c1[r]);
  }
}

// The first M rows and first 16 columns of the 12 x 32 tile (an edge of C no more than 16 wide): half the FMAs
// of the full tile, the same per-element chain.
template <int M>
static void ukernel_h(long kc, const float* __restrict a, const float* __restrict b, float* __restrict c, long ldc,
                      int accumulate) {
  __m512 c0[M];
  for (int r = 0; r < M; r++) c0[r] = _mm512_setzero_ps();
  for (long p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_load_ps(b);
#pragma GCC unroll 12
    for (int r = 0; r < M; r++) c0[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r]), b0, c0[r]);
    a += 12;
    b += 32;
  }
#pragma GCC unroll 12
  for (int r = 0; r < M; r++) {
    float* cr = c + r * ldc;
    if (accumulate) c0[r] = _mm512_add_ps(_mm512_loadu_ps(cr), c0[r]);
    _mm512_storeu_ps(cr, c0[r]);
  }
}

static void ukernel_half(long mr, long kc, const float* a, const float* b, float* c, long ldc, int accumulate) {
  switch (mr) {
#define WR_CASE(m) \
  case m:          \
    return ukernel_h<m>(kc, a, b, c, ldc, accumulate);
    WR_CASE(1) WR_CASE(2) WR_CASE(3) WR_CASE(4) WR_CASE(5) WR_CASE(6)
    WR_CASE(7) WR_CASE(8) WR_CASE(9) WR_CASE(10) WR_CASE(11) WR_CASE(12)
#undef WR_CASE
    default:
      return;
  }
}

static void ukernel_rows(long mr, long kc, const float* a, const float* b, float* c, long ldc, int accumulate) {
  switch (mr) {
#define WR_CASE(m) \
  case m:          \
    return ukernel_m<m>(kc, a, b, c, ldc, accumulate);
    WR_CASE(1) WR_CASE(2) WR_CASE(3) WR_CASE(4) WR_CASE(5) WR_CASE(6)
    WR_CASE(7) WR_CASE(8) WR_CASE(9) WR_CASE(10) WR_CASE(11)
#undef WR_CASE
    default:
      return;
  }
}

// 24 independent FMA chains in registers (enough to cover 4-cycle latency on 2 pipes with headroom).
static float fma_probe(long iters, double* flops) {
#define WR_D(i) __m512 p##i = _mm512_set1_ps(0.001f * i);
#define WR_F(i) p##i = _mm512_fmadd_ps(p##i, a, b);
#define WR_S(i) s = _mm512_add_ps(s, p##i);
  WR_D(0) WR_D(1) WR_D(2) WR_D(3) WR_D(4) WR_D(5) WR_D(6) WR_D(7) WR_D(8) WR_D(9) WR_D(10) WR_D(11)
  WR_D(12) WR_D(13) WR_D(14) WR_D(15) WR_D(16) WR_D(17) WR_D(18) WR_D(19) WR_D(20) WR_D(21) WR_D(22) WR_D(23)
  const __m512 a = _mm512_set1_ps(0.9999f), b = _mm512_set1_ps(1e-5f);
  for (long it = 0; it < iters; it++) {
    WR_F(0) WR_F(1) WR_F(2) WR_F(3) WR_F(4) WR_F(5) WR_F(6) WR_F(7) WR_F(8) WR_F(9) WR_F(10) WR_F(11)
    WR_F(12) WR_F(13) WR_F(14) WR_F(15) WR_F(16) WR_F(17) WR_F(18) WR_F(19) WR_F(20) WR_F(21) WR_F(22) WR_F(23)
  }
  __m512 s = _mm512_setzero_ps();
  WR_S(0) WR_S(1) WR_S(2) WR_S(3) WR_S(4) WR_S(5) WR_S(6) WR_S(7) WR_S(8) WR_S(9) WR_S(10) WR_S(11)
  WR_S(12) WR_S(13) WR_S(14) WR_S(15) WR_S(16) WR_S(17) WR_S(18) WR_S(19) WR_S(20) WR_S(21) WR_S(22) WR_S(23)
#undef WR_D
#undef WR_F
#undef WR_S
  *flops = 2.0 * 16 * 24 * (double)iters;
  float t[16];
  _mm512_storeu_ps(t, s);
  float r = 0.f;
  for (int j = 0; j < 16; j++) r += t[j];
  return r;
}

// Implicit im2col with masked loads and stores: a run of an output row is one or two vectors (stride 1) or
// two loads and a lane permute per 16 columns (stride 2); masked-off lanes are never read, so padding costs
// nothing and nothing outside the image is touched. Other strides use the generic loop.
static void pack_col_panel_fast(const ColSrc& c, const ColRow* rows, long kc, const ColRun* runs, int nrun,
                                long width, int nr, float* d) {
  if (c.sw > 2) return pack_col_panel(c, rows, kc, runs, nrun, width, nr, d);
  const __m512 zero = _mm512_setzero_ps();
  for (long q = 0; q < kc; q++) {
    const ColRow& r = rows[q];
    float* dq = d + q * nr;
    for (int k = 0; k < nrun; k++) {
      const ColRun& u = runs[k];
      const long iy = u.oy * c.sh + r.offy;
      long a0 = r.xlo > u.ox0 ? r.xlo : u.ox0, a1 = r.xhi < u.ox0 + u.len ? r.xhi : u.ox0 + u.len;
      if (iy < 0 || iy >= c.h || a1 < a0) a0 = a1 = u.ox0;  // whole run in the padding
      const float* xr = c.x + u.s * c.xs + r.xoff + iy * c.w + r.offx;
      for (long t = 0; t < u.len; t += 16) {
        const long ox = u.ox0 + t;  // lane i is output column ox + i
        const __mmask16 store = (__mmask16)lane_range(0, u.len - t, 16);
        const uint32_t valid = lane_range(a0 - ox, a1 - ox, 16) & store;
        __m512 v = zero;
        if (valid) {
          if (c.sw == 1) {
            v = _mm512_maskz_loadu_ps((__mmask16)valid, xr + ox);
          } else {
            // source element j (of 32) is column (ox + j/2); read only the span the valid lanes need
            const long va = __builtin_ctz(valid), vb = 32 - __builtin_clz(valid);
            load_pairs(xr + 2 * ox, lane_range(2 * va, 2 * vb - 1, 32), &v, nullptr);
            v = _mm512_maskz_mov_ps((__mmask16)valid, v);
          }
        }
        _mm512_mask_storeu_ps(dq + u.t0 + t, store, v);
      }
    }
    for (long t = width; t < nr; t += 16) _mm512_mask_storeu_ps(dq + t, (__mmask16)lane_range(0, nr - t, 16), zero);
  }
}

// Winograd transforms of 16 tiles straight from / to the image rows (see IsaKernels::wino_in16): masked loads
// give the zero padding, two lane permutes per load pair de-interleave the stride-2 tile columns. Same
// additions in the same order as the generic wino_in_core / wino_out_rows, so the same bits.
static void wino_in16_fast(const float* const* rows, long xs, long w, long len, float* V, long plane) {
  const long width = 2 * len + 2;
  const long lo = -xs > 0 ? -xs : 0, hi = w - xs < width ? w - xs : width;
  const uint32_t ma = lane_range(lo, hi, 32), mb = lane_range(lo - 2, hi - 2, 32);
  __m512 d[4][4];
  for (int i = 0; i < 4; i++) {
    if (!rows[i]) {
      for (int q = 0; q < 4; q++) d[i][q] = _mm512_setzero_ps();
      continue;
    }
    load_pairs(rows[i] + xs, ma, &d[i][0], &d[i][1]);      // columns xs + 2l, xs + 2l + 1
    load_pairs(rows[i] + xs + 2, mb, &d[i][2], &d[i][3]);  // xs + 2l + 2, xs + 2l + 3
  }
  const __mmask16 keep = (__mmask16)lane_range(0, len, 16);
  for (int i = 0; i < 4; i++) {
    __m512 t[4];
    for (int q = 0; q < 4; q++) {
      switch (i) {
        case 0: t[q] = _mm512_sub_ps(d[0][q], d[2][q]); break;
        case 1: t[q] = _mm512_add_ps(d[1][q], d[2][q]); break;
        case 2: t[q] = _mm512_sub_ps(d[2][q], d[1][q]); break;
        default: t[q] = _mm512_sub_ps(d[1][q], d[3][q]); break;
      }
    }
    float* o = V + (i * 4) * plane;
    _mm512_mask_storeu_ps(o, keep, _mm512_sub_ps(t[0], t[2]));
    _mm512_mask_storeu_ps(o + plane, keep, _mm512_add_ps(t[1], t[2]));
    _mm512_mask_storeu_ps(o + 2 * plane, keep, _mm512_sub_ps(t[2], t[1]));
    _mm512_mask_storeu_ps(o + 3 * plane, keep, _mm512_sub_ps(t[1], t[3]));
  }
}

static void wino_out16_fast(const float* M, long plane, long len, float bias, float* y0, float* y1, long wlen) {
  const __mmask16 keep = (__mmask16)lane_range(0, len, 16);
  __m512 m[16];
  for (int xi = 0; xi < 16; xi++) m[xi] = _mm512_maskz_loadu_ps(keep, M + xi * plane);
  const __m512 b = _mm512_set1_ps(bias);
  const __m512i ilo = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  const __m512i ihi = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
  const __mmask16 w0 = (__mmask16)lane_range(0, wlen, 16), w1 = (__mmask16)lane_range(0, wlen - 16, 16);
  float* y[2] = {y0, y1};
  for (int i = 0; i < 2; i++) {
    if (!y[i]) continue;
    __m512 s[4];
    for (int q = 0; q < 4; q++)
      s[q] = i == 0 ? _mm512_add_ps(_mm512_add_ps(m[q], m[4 + q]), m[8 + q])
                    : _mm512_sub_ps(_mm512_sub_ps(m[4 + q], m[8 + q]), m[12 + q]);
    const __m512 e = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s[0], s[1]), s[2]), b);
    const __m512 o = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s[1], s[2]), s[3]), b);
    _mm512_mask_storeu_ps(y[i], w0, _mm512_permutex2var_ps(e, ilo, o));
    _mm512_mask_storeu_ps(y[i] + 16, w1, _mm512_permutex2var_ps(e, ihi, o));
  }
}

static inline __m512 neg16(__m512 v) {
  return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(v), _mm512_set1_epi32((int)0x80000000u)));
}

static void wino_gy16_fast(const float* const* rows, long x0, long w, long len, float* Z, long plane) {
  const uint32_t m = lane_range(0, w - x0 < 2 * len ? w - x0 : 2 * len, 32);
  __m512 g[2][2];
  for (int i = 0; i < 2; i++) {
    if (!rows[i]) {
      g[i][0] = g[i][1] = _mm512_setzero_ps();
      continue;
    }
    load_pairs(rows[i] + x0, m, &g[i][0], &g[i][1]);
  }
  const __mmask16 keep = (__mmask16)lane_range(0, len, 16);
  for (int i = 0; i < 4; i++) {
    __m512 r[2];
    for (int q = 0; q < 2; q++) {
      const __m512 a = g[0][q], b = g[1][q];
      r[q] = i == 0 ? a : i == 1 ? _mm512_add_ps(a, b) : i == 2 ? _mm512_sub_ps(a, b) : neg16(b);
    }
    float* o = Z + (i * 4) * plane;
    _mm512_mask_storeu_ps(o, keep, r[0]);
    _mm512_mask_storeu_ps(o + plane, keep, _mm512_add_ps(r[0], r[1]));
    _mm512_mask_storeu_ps(o + 2 * plane, keep, _mm512_sub_ps(r[0], r[1]));
    _mm512_mask_storeu_ps(o + 3 * plane, keep, neg16(r[1]));
  }
}
}  // namespace avx512

// KC is an upper bound (the driver splits k into equal blocks <= KC); measured on Zen 4 (32 KB L1, 1 MB L2)
// the rate is flat for KC 128..384, and 384 keeps conv depths like 288 or 576 in one or two blocks.
const IsaKernels kAvx512 = {
    "avx512", 12, 32, 384, 192, 4096, avx512::ukernel, avx512::pack_a_fast, avx512::pack_b_fast,
    avx512::unary, avx512::unary_grad, avx512::binary, avx512::compare, avx512::sum, avx512::acc_add,
    avx512::axpy, avx512::row_max, avx512::row_min, avx512::exp_sum, avx512::maxpool_row_fast, avx512::sgd_step, avx512::adam_step, avx512::fma_probe, avx512::wino_in16_fast, avx512::wino_out16_fast, avx512::wino_gy16_fast, avx512::sum_rows, avx512::bn_sqdev, avx512::bn_dots, avx512::bn_apply, avx512::bn_grad,
    avx512::ukernel_rows, 1, avx512::pack_col_panel_fast, avx512::ukernel_half,
};
}  // namespace wr
#else
namespace wr {
const IsaKernels kAvx512 = {nullptr, 0, 0, 0, 0, 0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                            nullptr};
}
#endif
