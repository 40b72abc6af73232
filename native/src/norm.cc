// Fused batch-norm kernels over [N, C, S] (S = spatial size), the native twins of src/backend/js/norm.ts:
// per-channel statistics in one pass each (double accumulators, 8 fixed lanes per row: vectorised and
// deterministic; the per-ISA kernels in isa_body.inc), the normalisation as one multiply-add, and the
// closed-form backward. Channels are independent, so each is computed by one thread in a fixed order:
// the results do not depend on the thread count.
#include "kernels.h"
#include "ops.h"
#include "parallel.h"
#include "workspace.h"

#include <type_traits>

namespace wr {
namespace {

template <class F>
void over_channel_ranges(long n, long c, long s, F&& f) {
  const int T = threads_for((double)n * c * s);
  parallel(c >= T ? T : 1, [&](int t, int TT) {
    long c0, c1;
    chunk_range(c, t, TT, 1, &c0, &c1);
    if (c1 > c0) f(c0, c1);
  });
}

template <class F>
void over_channels(long n, long c, long s, F&& f) {
  over_channel_ranges(n, c, s, [&](long c0, long c1) {
    for (long ch = c0; ch < c1; ch++) f(ch);
  });
}

// Maps of fewer than 8 positions (2x2 and 1x1 at the end of a ResNet on small images): a channel's rows hold
// fewer values than the ISA kernels' 8 lanes, and taken one row at a time their reductions are chains of
// dependent additions ([32, 512, 1] statistics: 8 ns per value). Here the channels of a row go side by side
// (independent chains the compiler vectorises), each reduced as sum_rows / bn_sqdev / bn_dots reduce it: value
// j of a row in lane j, the same lane tree, rows added in order. (The ISA kernels may fuse a multiply-add where
// this baseline code rounds twice: the last bit of a double can differ, hardly ever the float result.)
inline double lane_tree(const double* a) {
  return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
}
constexpr long kSmallS = 8;

template <int s>
void stats_small(const float* x, long n, long c, long c0, long c1, double L, double* mean, double* varb) {
  for (long ch = c0; ch < c1; ch++) mean[ch] = varb[ch] = 0;
  for (long i = 0; i < n; i++)
    for (long ch = c0; ch < c1; ch++) {
      const float* r = x + (i * c + ch) * s;
      double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (long j = 0; j < s; j++) a[j] += (double)r[j];
      mean[ch] += lane_tree(a);
    }
  for (long ch = c0; ch < c1; ch++) mean[ch] /= L;
  for (long i = 0; i < n; i++)
    for (long ch = c0; ch < c1; ch++) {
      const float* r = x + (i * c + ch) * s;
      const double m = mean[ch];
      double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (long j = 0; j < s; j++) {
        const double d = (double)r[j] - m;
        a[j] += d * d;
      }
      varb[ch] += lane_tree(a);
    }
  for (long ch = c0; ch < c1; ch++) varb[ch] /= L;
}

// sg[ch] = sum gy, sgx[ch] = sum gy * (x - m) * is over channels [c0, c1), as bn_dots computes them.
template <int s>
void dots_small(const float* x, const float* gy, long n, long c, long c0, long c1, const double* mean,
                  const double* invstd, double* sg, double* sgx) {
  for (long ch = c0; ch < c1; ch++) sg[ch - c0] = sgx[ch - c0] = 0;
  for (long i = 0; i < n; i++)
    for (long ch = c0; ch < c1; ch++) {
      const float* xr = x + (i * c + ch) * s;
      const float* gr = gy + (i * c + ch) * s;
      const double m = mean[ch], is = invstd[ch];
      double a[8] = {0, 0, 0, 0, 0, 0, 0, 0}, b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (long j = 0; j < s; j++) {
        const double gv = (double)gr[j];
        a[j] += gv;
        b[j] += gv * (((double)xr[j] - m) * is);
      }
      sg[ch - c0] += lane_tree(a);
      sgx[ch - c0] += lane_tree(b);
    }
}

// s as a compile-time constant (1..7): the per-row loops unroll and the channel loop vectorises.
template <class F>
void with_small_s(long s, F&& f) {
  switch (s) {
    case 1: return f(std::integral_constant<int, 1>());
    case 2: return f(std::integral_constant<int, 2>());
    case 3: return f(std::integral_constant<int, 3>());
    case 4: return f(std::integral_constant<int, 4>());
    case 5: return f(std::integral_constant<int, 5>());
    case 6: return f(std::integral_constant<int, 6>());
    default: return f(std::integral_constant<int, 7>());
  }
}

}  // namespace

void batch_norm_stats(const float* x, long n, long c, long s, double* mean, double* varb) {
  const double L = (double)(n * s);
  if (s < kSmallS) {
    over_channel_ranges(n, c, s, [&](long c0, long c1) {
      with_small_s(s, [&](auto S) { stats_small<decltype(S)::value>(x, n, c, c0, c1, L, mean, varb); });
    });
    return;
  }
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
  if (s < kSmallS) {
    // one pass over all of it, each value as bn_apply computes it (y may be x)
    over_channel_ranges(n, c, s, [&](long c0, long c1) {
      double* scale = reinterpret_cast<double*>(workspace(WS_TMP, 4 * (c1 - c0) + 16));
      double* shift = scale + (c1 - c0);
      for (long ch = c0; ch < c1; ch++) {
        scale[ch - c0] = invstd[ch] * (w ? w[ch] : 1.0);
        shift[ch - c0] = (b ? b[ch] : 0.0) - mean[ch] * scale[ch - c0];
      }
      with_small_s(s, [&](auto S) {
        constexpr int ss = decltype(S)::value;
        for (long i = 0; i < n; i++)
          for (long ch = c0; ch < c1; ch++) {
            const float* xr = x + (i * c + ch) * ss;
            float* yr = y + (i * c + ch) * ss;
            for (int j = 0; j < ss; j++) {
              const float v = (float)((double)xr[j] * scale[ch - c0] + shift[ch - c0]);
              yr[j] = relu ? relu_keep_nan(v) : v;
            }
          }
      });
    });
    return;
  }
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
  if (s < kSmallS) {
    over_channel_ranges(n, c, s, [&](long c0, long c1) {
      double* sg = reinterpret_cast<double*>(workspace(WS_TMP, 8 * (c1 - c0) + 16));
      double* sgx = sg + (c1 - c0);
      with_small_s(s, [&](auto S) { dots_small<decltype(S)::value>(x, gy, n, c, c0, c1, mean, invstd, sg, sgx); });
      for (long ch = c0; ch < c1; ch++) {
        if (gw) gw[ch] = (float)sgx[ch - c0];
        if (gb) gb[ch] = (float)sg[ch - c0];
      }
      if (!gx) return;
      // per channel: k, and (training) bc = sgx * is; sg and the mean are already at hand
      double* kk = sgx + (c1 - c0);
      double* bc = kk + (c1 - c0);
      for (long ch = c0; ch < c1; ch++) {
        const double is = invstd[ch], wv = w ? w[ch] : 1.0;
        kk[ch - c0] = training ? wv * is / L : wv * is;
        bc[ch - c0] = sgx[ch - c0] * is;
      }
      with_small_s(s, [&](auto S) {
        constexpr int ss = decltype(S)::value;
        for (long i = 0; i < n; i++)
          for (long ch = c0; ch < c1; ch++) {
            const float* xr = x + (i * c + ch) * ss;
            const float* gr = gy + (i * c + ch) * ss;
            float* o = gx + (i * c + ch) * ss;
            const double k = kk[ch - c0];
            if (training) {
              const double m = mean[ch], sgc = sg[ch - c0], b2 = bc[ch - c0];
              for (int j = 0; j < ss; j++) o[j] = (float)(k * (L * (double)gr[j] - sgc - ((double)xr[j] - m) * b2));
            } else {
              for (int j = 0; j < ss; j++) o[j] = (float)(gr[j] * k);
            }
          }
      });
    });
    return;
  }
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
