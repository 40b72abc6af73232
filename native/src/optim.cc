// Fused optimizer updates: one pass over each parameter (torch's single-tensor path makes three to five).
// Elementwise, so any split over threads gives the same bits.
#include "kernels.h"
#include "ops.h"
#include "parallel.h"

namespace wr {

template <class F>
static void over_chunks(long n, F&& f) {
  const int T = threads_for((double)n / 2.0);
  parallel(T, [&](int t, int TT) {
    long i0, i1;
    chunk_range(n, t, TT, 64, &i0, &i1);
    if (i1 > i0) f(i0, i1 - i0);
  });
}

void sgd_update(float* p, const float* g, float* buf, long n, const SgdHyper& h) {
  const IsaKernels& K = isa();
  over_chunks(n, [&](long i0, long len) { K.sgd_step(p + i0, g + i0, buf ? buf + i0 : nullptr, len, h); });
}

void adam_update(float* p, const float* g, float* m, float* v, float* vmax, long n, const AdamHyper& h) {
  const IsaKernels& K = isa();
  over_chunks(n, [&](long i0, long len) {
    K.adam_step(p + i0, g + i0, m + i0, v + i0, vmax ? vmax + i0 : nullptr, len, h);
  });
}

}  // namespace wr
