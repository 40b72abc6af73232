// Fused batch-norm kernels over [N, C, S] (S = spatial size), the native twins of src/backend/js/norm.ts:
// per-channel statistics in one pass each (double accumulators, 8 fixed lanes per row: vectorised and
// deterministic; the per-ISA kernels in isa_body.inc), the normalisation as one multiply-add, and the
// closed-form backward. Channels are independent, so each is computed by one thread in a fixed order:
// the results do not depend on the thread count.
#include "kernels.h"
#include "ops.h"
#include "parallel.h"

namespace wr {
namespace {

template <class F>
void over_channels(long n, long c, long s, F&& f) {
  const int T = threads_for((double)n * c * s);
  parallel(c >= T ? T : 1, [&](int t, int TT) {
    long c0, c1;
    chunk_range(c, t, TT, 1, &c0, &c1);
    for (long ch = c0; ch < c1; ch++) f(ch);
  });
}

}  // namespace

void batch_norm_stats(const float* x, long n, long c, long s, double* mean, double* varb) {
  const double L = (double)(n * s);
  const IsaKernels& K = isa();
  over_channels(n, c, s, [&](long ch) {
    const double m = K.sum_rows(x + ch * s, n, c * s, s) / L;
    const double sq = K.bn_sqdev(x + ch * s, n, c * s, s, m);  // two-pass variance: no cancellation when |mean| >> std
    mean[ch] = m;
    varb[ch] = sq / L;
  });
}

void batch_norm_apply(const float* x, long n, long c, long s, const double* mean, const double* invstd,
                      const float* w, const float* b, float* y, bool relu) {
  const IsaKernels& K = isa();
  over_channels(n, c, s, [&](long ch) {
    const double scale = invstd[ch] * (w ? w[ch] : 1.0);
    const double shift = (b ? b[ch] : 0.0) - mean[ch] * scale;
    K.bn_apply(x + ch * s, y + ch * s, n, c * s, s, scale, shift, relu ? 1 : 0);
  });
}

// training: gx = w*invstd/L * (L*gy - sum(gy) - xhat*sum(gy*xhat)); eval: gx = gy*w*invstd.
// gw = sum(gy*xhat), gb = sum(gy). Any output may be null.
void batch_norm_backward(const float* x, const float* gy, long n, long c, long s, const double* mean,
                         const double* invstd, const float* w, bool training, float* gx, float* gw, float* gb) {
  const double L = (double)(n * s);
  const IsaKernels& K = isa();
  over_channels(n, c, s, [&](long ch) {
    const double m = mean[ch], is = invstd[ch];
    double sg = 0, sgx = 0;
    K.bn_dots(x + ch * s, gy + ch * s, n, c * s, s, m, is, &sg, &sgx);
    if (gw) gw[ch] = (float)sgx;
    if (gb) gb[ch] = (float)sg;
    if (!gx) return;
    const double wv = w ? w[ch] : 1.0;
    if (training) {
      const double k = wv * is / L, bcoef = sgx * is;
      K.bn_grad(x + ch * s, gy + ch * s, gx + ch * s, n, c * s, s, k, L, sg, m, bcoef);
    } else {
      const double k = wv * is;
      for (long i = 0; i < n; i++) {
        const float* gr = gy + (i * c + ch) * s;
        float* o = gx + (i * c + ch) * s;
        for (long j = 0; j < s; j++) o[j] = (float)(gr[j] * k);
      }
    }
  });
}

}  // namespace wr
