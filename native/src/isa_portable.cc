// Portable kernels in plain C++ (baseline flags: SSE2 on x86-64, NEON on arm64), the fallback that runs
// anywhere. GEMM micro-kernel: a 4x16 tile in a local array the compiler keeps in vector registers.
#include <math.h>
#include <stdint.h>

#include "kernels.h"

namespace wr {
namespace portable {
#define WR_MR 4
#define WR_NR 16
#include "isa_body.inc"

static void ukernel(long kc, const float* __restrict a, const float* __restrict b, float* __restrict c, long ldc,
                    int accumulate) {
  float acc[WR_MR][WR_NR];
  for (int r = 0; r < WR_MR; r++)
    for (int j = 0; j < WR_NR; j++) acc[r][j] = 0.f;
  for (long p = 0; p < kc; p++) {
    for (int r = 0; r < WR_MR; r++) {
      const float x = a[r];
      for (int j = 0; j < WR_NR; j++) acc[r][j] += x * b[j];
    }
    a += WR_MR;
    b += WR_NR;
  }
  for (int r = 0; r < WR_MR; r++) {
    float* cr = c + r * ldc;
    if (accumulate)
      for (int j = 0; j < WR_NR; j++) cr[j] = cr[j] + acc[r][j];
    else
      for (int j = 0; j < WR_NR; j++) cr[j] = acc[r][j];
  }
}

// Independent multiply-add chains in a local array (the compiler vectorises across it; no FMA on baseline).
static float fma_probe(long iters, double* flops) {
  float p[64];
  for (int j = 0; j < 64; j++) p[j] = 0.001f * j;
  for (long it = 0; it < iters; it++)
    for (int j = 0; j < 64; j++) p[j] = p[j] * 0.9999f + 1e-5f;
  float s = 0.f;
  for (int j = 0; j < 64; j++) s += p[j];
  *flops = 2.0 * 64 * (double)iters;
  return s;
}
}  // namespace portable

const IsaKernels kPortable = {
    "portable", WR_MR, WR_NR, 256, 128, 4096, portable::ukernel, portable::pack_a, portable::pack_b,
    portable::unary, portable::unary_grad, portable::binary, portable::compare, portable::sum,
    portable::acc_add, portable::axpy, portable::row_max, portable::row_min, portable::exp_sum,
    portable::maxpool_row, portable::sgd_step, portable::adam_step, portable::fma_probe, portable::wino_in16, portable::wino_out16, portable::wino_gy16, portable::sum_rows, portable::bn_sqdev, portable::bn_dots, portable::bn_apply, portable::bn_grad, nullptr, 0, portable::pack_col_panel, nullptr,
};
}  // namespace wr
