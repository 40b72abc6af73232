// AVX2 + FMA kernels (compiled with -mavx2 -mfma, this file only). GEMM micro-kernel: a 6x16 tile of C in
// 12 ymm accumulators (16 registers: 12 + 2 B vectors + 1 broadcast), 12 FMAs per 8 loads per step of k.
#include <math.h>
#include <stdint.h>

#include "kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

namespace wr {
namespace avx2 {
#define WR_MR 6
#define WR_NR 16
#include "isa_body.inc"


// In-register 8x8 transpose: r[i][j] <- r[j][i].
static inline void transpose8(__m256* r) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; i++) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; i++) {
    u[4 * i + 0] = _mm256_shuffle_ps(t[4 * i + 0], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i + 0], t[4 * i + 2], 0xEE);
    u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int i = 0; i < 4; i++) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

// Transposing packs 8 x 8 in registers (see isa_avx512.cc).
static void pack_a_fast(long rows, long kc, const float* a, long rs, long cs, float* dst) {
  if (cs != 1) return pack_a(rows, kc, a, rs, cs, dst);
  const long full = rows / 6 * 6;
  const __m256i mask = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
  for (long i0 = 0; i0 < full; i0 += 6) {
    float* d = dst + i0 * kc;
    const float* s = a + i0 * rs;
    long p = 0;
    for (; p + 8 <= kc; p += 8) {
      __m256 r[8];
      for (int i = 0; i < 6; i++) r[i] = _mm256_loadu_ps(s + i * rs + p);
      r[6] = r[7] = _mm256_setzero_ps();
      transpose8(r);
      for (int q = 0; q < 8; q++) _mm256_maskstore_ps(d + (p + q) * 6, mask, r[q]);
    }
    for (; p < kc; p++)
      for (int i = 0; i < 6; i++) d[p * 6 + i] = s[i * rs + p];
  }
  if (full < rows) pack_a(rows - full, kc, a + full * rs, rs, cs, dst + full * kc);
}

static void pack_b_fast(long cols, long kc, const float* b, long rs, long cs, float* dst) {
  if (rs != 1 || cs == 1) return pack_b(cols, kc, b, rs, cs, dst);
  const long full = cols / 16 * 16;
  for (long j0 = 0; j0 < full; j0 += 16) {
    float* d = dst + j0 * kc;
    long p = 0;
    for (; p + 8 <= kc; p += 8)
      for (int h = 0; h < 2; h++) {
        __m256 r[8];
        const float* s = b + (j0 + h * 8) * cs + p;
        for (int j = 0; j < 8; j++) r[j] = _mm256_loadu_ps(s + j * cs);
        transpose8(r);
        for (int q = 0; q < 8; q++) _mm256_store_ps(d + (p + q) * 16 + h * 8, r[q]);
      }
    for (; p < kc; p++)
      for (int j = 0; j < 16; j++) d[p * 16 + j] = b[(j0 + j) * cs + p];
  }
  if (full < cols) pack_b(cols - full, kc, b + full * cs, rs, cs, dst + full * kc);
}

static void ukernel(long kc, const float* __restrict a, const float* __restrict b, float* __restrict c, long ldc,
                    int accumulate) {
#define WR_DECL(r) __m256 c##r##0 = _mm256_setzero_ps(), c##r##1 = _mm256_setzero_ps();
  WR_DECL(0) WR_DECL(1) WR_DECL(2) WR_DECL(3) WR_DECL(4) WR_DECL(5)
#undef WR_DECL
  for (long p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    _mm_prefetch((const char*)(b + 16 * 8), _MM_HINT_T0);
    __m256 x;
#define WR_ROW(r)                                \
  x = _mm256_broadcast_ss(a + (r));              \
  c##r##0 = _mm256_fmadd_ps(x, b0, c##r##0);     \
  c##r##1 = _mm256_fmadd_ps(x, b1, c##r##1);
    WR_ROW(0) WR_ROW(1) WR_ROW(2) WR_ROW(3) WR_ROW(4) WR_ROW(5)
#undef WR_ROW
    a += 6;
    b += 16;
  }
#define WR_STORE(r)                                                  \
  {                                                                  \
    float* cr = c + (r) * ldc;                                       \
    if (accumulate) {                                                \
      c##r##0 = _mm256_add_ps(_mm256_loadu_ps(cr), c##r##0);         \
      c##r##1 = _mm256_add_ps(_mm256_loadu_ps(cr + 8), c##r##1);     \
    }                                                                \
    _mm256_storeu_ps(cr, c##r##0);                                   \
    _mm256_storeu_ps(cr + 8, c##r##1);                               \
  }
  WR_STORE(0) WR_STORE(1) WR_STORE(2) WR_STORE(3) WR_STORE(4) WR_STORE(5)
#undef WR_STORE
}

// 12 independent FMA chains in ymm registers.
static float fma_probe(long iters, double* flops) {
#define WR_D(i) __m256 p##i = _mm256_set1_ps(0.001f * i);
#define WR_F(i) p##i = _mm256_fmadd_ps(p##i, a, b);
#define WR_S(i) s = _mm256_add_ps(s, p##i);
  WR_D(0) WR_D(1) WR_D(2) WR_D(3) WR_D(4) WR_D(5) WR_D(6) WR_D(7) WR_D(8) WR_D(9) WR_D(10) WR_D(11)
  const __m256 a = _mm256_set1_ps(0.9999f), b = _mm256_set1_ps(1e-5f);
  for (long it = 0; it < iters; it++) {
    WR_F(0) WR_F(1) WR_F(2) WR_F(3) WR_F(4) WR_F(5) WR_F(6) WR_F(7) WR_F(8) WR_F(9) WR_F(10) WR_F(11)
  }
  __m256 s = _mm256_setzero_ps();
  WR_S(0) WR_S(1) WR_S(2) WR_S(3) WR_S(4) WR_S(5) WR_S(6) WR_S(7) WR_S(8) WR_S(9) WR_S(10) WR_S(11)
#undef WR_D
#undef WR_F
#undef WR_S
  *flops = 2.0 * 8 * 12 * (double)iters;
  float t[8];
  _mm256_storeu_ps(t, s);
  return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
}
}  // namespace avx2

const IsaKernels kAvx2 = {
    "avx2", 6, 16, 384, 120, 4096, avx2::ukernel, avx2::pack_a_fast, avx2::pack_b_fast,
    avx2::unary, avx2::unary_grad, avx2::binary, avx2::compare, avx2::sum, avx2::acc_add,
    avx2::axpy, avx2::row_max, avx2::row_min, avx2::exp_sum, avx2::maxpool_row, avx2::sgd_step, avx2::adam_step, avx2::fma_probe, avx2::wino_in16, avx2::wino_out16, avx2::wino_gy16, avx2::sum_rows, avx2::bn_sqdev, avx2::bn_dots, avx2::bn_apply, avx2::bn_grad, nullptr, 0, avx2::pack_col_panel, nullptr,
};
}  // namespace wr
#else
namespace wr {
const IsaKernels kAvx2 = {nullptr, 0, 0, 0, 0, 0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                          nullptr};
}
#endif
