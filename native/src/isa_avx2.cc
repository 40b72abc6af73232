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
    "avx2", 6, 16, 384, 120, 4096, avx2::ukernel, avx2::pack_a, avx2::pack_b,
    avx2::unary, avx2::unary_grad, avx2::binary, avx2::compare, avx2::sum, avx2::acc_add,
    avx2::axpy, avx2::row_max, avx2::row_min, avx2::exp_sum, avx2::fma_probe,
};
}  // namespace wr
#else
namespace wr {
const IsaKernels kAvx2 = {nullptr, 0, 0, 0, 0, 0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                          nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
}
#endif
