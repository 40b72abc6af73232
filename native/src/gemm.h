// SGEMM driver (BLIS/GotoBLAS structure) over the per-ISA micro-kernel and packing routines.
#pragma once
#include "kernels.h"

namespace wr {

inline long round_up(long x, long m) { return (x + m - 1) / m * m; }

// The depth blocks: k split into equal blocks of at most KC (k = 288 as one block, 576 as 2 x 288, not
// 256 + 256 + 64: a thin last block would pay a full load/store of C for little work).
inline long kstep_for(long k, long KC) {
  const long kblocks = (k + KC - 1) / KC;
  return round_up((k + kblocks - 1) / kblocks, 4);
}

// Packs rows [p0, p0 + kc) x columns [j0, j0 + nc) of a virtual B into NR-column micro-panels, in the layout
// of IsaKernels::pack_b. Lets a caller generate B on the fly (conv2d's implicit im2col) instead of storing it.
// For a virtual A the same with the roles swapped: rows [j0, j0 + nc) x depth [p0, p0 + kc) into MR-row
// micro-panels, in the layout of IsaKernels::pack_a.
using PackFn = void (*)(const void* ctx, long p0, long kc, long j0, long nc, float* dst);

// A strided matrix view: element (i, j) at p[i*rs + j*cs]. Transposes are just swapped strides. A view may
// instead carry a pack function (then p/rs/cs are unused and col0 is added to every column index of B, every
// row index of A).
struct Mat {
  const float* p;
  long rs, cs;
  PackFn pack = nullptr;
  const void* ctx = nullptr;
  long col0 = 0;
};

// One MR x NR tile of C. An edge tile runs the same kernel into a scratch tile, then does the same C + tile
// addition, so an element's bits do not depend on whether it sits in an edge tile.
inline void gemm_tile(const IsaKernels& K, long kc, const float* ap, const float* bp, float* c, long ldc, long mr,
                        long nr, int acc, float* tmp) {
  if (mr == K.mr && nr == K.nr) {
    K.ukernel(kc, ap, bp, c, ldc, acc);
    return;
  }
  if (nr == K.nr && K.ukernel_rows) {
    K.ukernel_rows(mr, kc, ap, bp, c, ldc, acc);
    return;
  }
  long ld = K.nr;
  if (nr <= K.nr / 2 && K.ukernel_half) {
    ld = K.nr / 2;
    K.ukernel_half(mr, kc, ap, bp, tmp, ld, 0);
  } else {
    K.ukernel(kc, ap, bp, tmp, K.nr, 0);
  }
  for (long i = 0; i < mr; i++) {
    float* ci = c + i * ldc;
    const float* ti = tmp + i * ld;
    if (acc)
      for (long j = 0; j < nr; j++) ci[j] = ci[j] + ti[j];
    else
      for (long j = 0; j < nr; j++) ci[j] = ti[j];
  }
}

// C (m x n, row stride ldc) = (accumulate ? C : 0) + A (m x k) @ B (k x n), on the calling thread only.
void sgemm_serial(long m, long n, long k, Mat A, Mat B, float* C, long ldc, bool accumulate);

// The same split over pool threads (by column panels of B, or row panels of A when C is tall and narrow).
// Each element of C is computed by one thread in one fixed order, so the bits do not depend on the thread
// count at all.
void sgemm(long m, long n, long k, Mat A, Mat B, float* C, long ldc, bool accumulate);

// The Backend.matmul contract: `batch` products of row-major matrices, op(A[b]) m x k (A[b] at a + b*sa,
// stored k x m when transA) and op(B[b]) k x n, into contiguous out[b] (m x n).
void sgemm_batched(long batch, long m, long n, long k, const float* a, long sa, bool transA, const float* b,
                   long sb, bool transB, float* c, bool accumulate);

}  // namespace wr
