// AVX-512F kernels (compiled with -mavx512f -mfma, this file only). GEMM micro-kernel: a 12x32 tile of C in
// 24 zmm accumulators; per step of k it loads 2 vectors of the packed B row and broadcasts 12 values of the
// packed A column: 24 FMAs for 14 loads, which keeps both FMA pipes of a Zen 4/5 or Skylake-X core busy.
#include <math.h>
#include <stdint.h>

#include "kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

namespace wr {
namespace avx512 {
#define WR_MR 12
#define WR_NR 32
#include "isa_body.inc"

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
}  // namespace avx512

// KC is an upper bound (the driver splits k into equal blocks <= KC); measured on Zen 4 (32 KB L1, 1 MB L2)
// the rate is flat for KC 128..384, and 384 keeps conv depths like 288 or 576 in one or two blocks.
const IsaKernels kAvx512 = {
    "avx512", 12, 32, 384, 192, 4096, avx512::ukernel, avx512::pack_a, avx512::pack_b,
    avx512::unary, avx512::unary_grad, avx512::binary, avx512::compare, avx512::sum, avx512::acc_add,
    avx512::axpy, avx512::row_max, avx512::row_min, avx512::exp_sum, avx512::fma_probe,
};
}  // namespace wr
#else
namespace wr {
const IsaKernels kAvx512 = {nullptr, 0, 0, 0, 0, 0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                            nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};
}
#endif
