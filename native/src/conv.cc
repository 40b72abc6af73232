// 2-d convolution (NCHW, weights [O, C/groups, kH, kW]) forward, backward-input and backward-weight.
//
// General case: im2col + GEMM. For a group of S samples, col is a [K = cg*kh*kw] x [S*L] matrix (L = oh*ow)
// whose row (c, i, j) holds the input pixels tap (i, j) of channel c sees at every output position, so
//   forward          out_g[og x S*L] = W_g[og x K] @ col   (col built inside the GEMM's packing when rows are
//                                                          long: implicit im2col, see conv_lowering.cc)
//   backward-input   col = W_g^T @ gy_g, then col2im adds each column back onto the pixels it came from
//   backward-weight  gW_g += gy_g[og x S*L] @ col^T   (accumulated over sample groups)
// Batching S samples into one GEMM keeps its n dimension wide when the feature maps are small (a 7x7 map
// alone would give n = 49); S = 1 when the maps are large, and then a 1x1/stride-1/unpadded convolution skips
// im2col (the input already is col). Taps that only ever see padding are dropped first (shrink() below).
// Depthwise convolutions run as direct per-plane loops instead (conv_depthwise.cc).
//
// Every step is either a GEMM (whose bits do not depend on the thread split) or a loop where each output
// element is written by one thread in a fixed order, so all three are bit-identical for any thread count.
#include <stdlib.h>
#include <string.h>

#include "conv_internal.h"
#include "kernels.h"
#include "ops.h"
#include "parallel.h"
#include "workspace.h"

namespace wr {
using namespace conv;

// Sample groups in parallel, one chunk each (claimed dynamically, everything inside on that thread: nested
// parallel regions run inline) when they divide evenly or are plentiful; else one after another with the
// parallelism inside each GEMM. Per sample group the work is identical either way, so is every result.
// WEIGHTROOM_WINOGRAD=0 turns the Winograd path off (im2col + GEMM everywhere), e.g. to compare.
static bool winograd_enabled() {
  static const bool on = [] {
    const char* e = getenv("WEIGHTROOM_WINOGRAD");
    return !(e && strcmp(e, "0") == 0);
  }();
  return on;
}
// The tap-sum path for small maps (conv_taps.cc), ahead of Winograd's for up to 128 x 128 channels (above,
// Winograd's 2.25x fewer multiplications win on 8x8 maps). WEIGHTROOM_TAPS=0 turns it off, e.g. to compare.
static bool use_taps(const ConvGeom& g, bool input_grad) {
  static const bool on = [] {
    const char* e = getenv("WEIGHTROOM_TAPS");
    return !(e && strcmp(e, "0") == 0);
  }();
  return on && taps_applies(g, input_grad) &&
         (g.c * g.o <= 128 * 128 || !(winograd_enabled() && winograd_applies(g, false)));
}

template <class F>
static void over_sample_groups(long n, F&& f) {
  const long T = num_threads();
  if (T > 1 && n >= 2 && (n % T == 0 || n >= 4 * T))
    parallel((int)n, [&](int t, int) { f(t); });
  else
    for (long i = 0; i < n; i++) f(i);
}

// The weights as a matrix W[o][k]: element (oc, k) at w[oc*wrs + k*wcs] (wrs = K, wcs = 1 when contiguous; a
// 1-tap shrunk kernel reads the live tap of the full one in place, see shrink() below).
struct WeightView {
  long rs, cs;
};

static void forward_impl(const float* x, const float* w, const float* bias, float* out, const ConvGeom& g,
                         WeightView wv = {-1, 1}) {
  if (is_depthwise(g)) return dw_forward(x, w, bias, out, g);
  const Plan p = plan(g);
  if (wv.rs < 0) wv.rs = p.K;
  const ColRow* rows = col_rows(g, p);
  // Implicit im2col wins when output rows are long (few runs per packed panel) or the batch is one GEMM per
  // sample, and when col is deep enough to amortise a panel's setup; measured on 56x56, 32x32, 14x14, 7x7.
  const bool implicit = (g.ow >= 24 || p.S == 1) && p.K >= 32;
  over_sample_groups((g.n + p.S - 1) / p.S, [&](long sg) {
    const long s0 = sg * p.S;
    const long S = g.n - s0 < p.S ? g.n - s0 : p.S;
    for (long gr = 0; gr < g.groups; gr++) {
      const float* xin = x + (s0 * g.c + gr * p.cg) * p.HW;
      Mat B{xin, p.L, 1};
      const ColPack ctx{xin, g.c * p.HW, &g, rows, p.L, isa().nr};
      if (p.direct) {
      } else if (implicit) {
        B.pack = pack_col;
        B.ctx = &ctx;
      } else {
        float* col = workspace(WS_TMP2, p.K * S * p.L);
        par_im2col(xin, g.c * p.HW, S, g, p, col);
        B = Mat{col, S * p.L, 1};
      }
      const Mat A{w + gr * p.og * wv.rs, wv.rs, wv.cs};
      if (p.S == 1) {
        // write straight into out; a bias is the initial value the GEMM accumulates onto
        float* C = out + (s0 * g.o + gr * p.og) * p.L;
        if (bias)
          for (long oc = 0; oc < p.og; oc++)
            for (long l = 0; l < p.L; l++) C[oc * p.L + l] = bias[gr * p.og + oc];
        sgemm(p.og, p.L, p.K, A, B, C, p.L, bias != nullptr);
      } else {
        float* C = workspace(WS_TMP, p.og * S * p.L);
        sgemm(p.og, S * p.L, p.K, A, B, C, S * p.L, false);
        // scatter [og x S*L] back to [S, og, L] (+ bias)
        const int T = threads_for((double)p.og * S * p.L / 2.0);
        parallel(T, [&](int t, int TT) {
          long o0, o1;
          chunk_range(p.og, t, TT, 1, &o0, &o1);
          for (long oc = o0; oc < o1; oc++) {
            const float b = bias ? bias[gr * p.og + oc] : 0.f;
            for (long s = 0; s < S; s++) {
              const float* src = C + oc * S * p.L + s * p.L;
              float* dst = out + ((s0 + s) * g.o + gr * p.og + oc) * p.L;
              for (long l = 0; l < p.L; l++) dst[l] = src[l] + b;
            }
          }
        });
      }
    }
  });
}

static void backward_input_impl(const float* gy, const float* w, float* gx, const ConvGeom& g,
                                WeightView wv = {-1, 1}) {
  if (is_depthwise(g)) return dw_backward_input(gy, w, gx, g);
  const Plan p = plan(g);
  if (wv.rs < 0) wv.rs = p.K;
  over_sample_groups((g.n + p.S - 1) / p.S, [&](long sg) {
    const long s0 = sg * p.S;
    const long S = g.n - s0 < p.S ? g.n - s0 : p.S;
    for (long gr = 0; gr < g.groups; gr++) {
      const Mat At{w + gr * p.og * wv.rs, wv.cs, wv.rs};  // W_g^T: element (k, oc) at w[oc*rs + k*cs]
      const float* gyg = gy + (s0 * g.o + gr * p.og) * p.L;
      float* gxg = gx + (s0 * g.c + gr * p.cg) * p.HW;
      if (p.direct) {
        sgemm(p.cg, p.L, p.og, At, Mat{gyg, p.L, 1}, gxg, p.L, false);
        continue;
      }
      Mat B{gyg, p.L, 1};
      if (S > 1) {
        float* gyc = workspace(WS_TMP, p.og * S * p.L);
        gather_rows(gyg, g.o * p.L, S, p.og, p.L, gyc);
        B = Mat{gyc, S * p.L, 1};
      }
      float* col = workspace(WS_COL, p.K * S * p.L);
      sgemm(p.K, S * p.L, p.og, At, B, col, S * p.L, false);
      par_col2im(col, S, g, p, gxg, g.c * p.HW);
    }
  });
}

// Partial weight gradients of sample-group ranges, summed in a fixed order at the end. Their number depends
// on the geometry only (at most 8, within 16 MB), never on the thread count, so neither do the bits.
static long partial_count(const ConvGeom& g, const Plan& p, long ngroups) {
  const long wsize = g.o * p.K;
  long P = ngroups < 8 ? ngroups : 8;
  while (P > 1 && P * wsize > (4L << 20)) P--;
  return P < 1 ? 1 : P;
}

static void backward_weight_impl(const float* gy, const float* x, float* gw, float* gb, const ConvGeom& g) {
  if (gb) {
    // gb[o] = sum over n and positions of gy[n, o, :]
    const IsaKernels& K = isa();
    const long L = g.oh * g.ow;
    const int T = threads_for((double)g.n * g.o * L / 2.0);
    parallel(g.o >= T ? T : 1, [&](int t, int TT) {
      long o0, o1;
      chunk_range(g.o, t, TT, 1, &o0, &o1);
      for (long oc = o0; oc < o1; oc++) {
        gb[oc] = (float)K.sum_rows(gy + oc * L, g.n, g.o * L, L);
      }
    });
  }
  if (is_depthwise(g)) return dw_backward_weight(gy, x, gw, g);
  // (the weight gradient's GEMMs reduce over one tap's columns: too shallow below 64 of them)
  if (g.n * g.oh * g.ow >= 64 && use_taps(g, false)) return taps_backward_weight(gy, x, gw, g);
  if (winograd_enabled() && winograd_applies(g, true)) return winograd_backward_weight(gy, x, gw, g);
  const Plan p = plan(g);
  const long wsize = g.o * p.K;
  if (g.n == 0) {
    memset(gw, 0, wsize * sizeof(float));
    return;
  }
  // A shallow col (K below one register tile, e.g. a 3x3 conv on 1 channel: K = 9) would make gW's GEMM
  // n = K columns wide, mostly padding. Then compute gW^T = col @ gy^T (n = og) and transpose at the end.
  const bool transposed = p.K < isa().nr && p.og > p.K;
  const long ngroups = (g.n + p.S - 1) / p.S;
  const long P = partial_count(g, p, ngroups);
  // partial q covers sample groups [q*ngroups/P, (q+1)*ngroups/P); partial 0 is gw itself unless transposed
  float* parts = (P > 1 || transposed) ? shared_workspace((transposed ? P : P - 1) * wsize) : nullptr;
  auto part = [&](long q) -> float* {
    if (transposed) return parts + q * wsize;
    return q == 0 ? gw : parts + (q - 1) * wsize;
  };
  auto run = [&](long q) {
    const long a = q * ngroups / P, b = (q + 1) * ngroups / P;
    float* dst = part(q);
    for (long sg = a; sg < b; sg++) {
      const long s0 = sg * p.S;
      const long S = g.n - s0 < p.S ? g.n - s0 : p.S;
      for (long gr = 0; gr < g.groups; gr++) {
        const float* xin = x + (s0 * g.c + gr * p.cg) * p.HW;
        const float* gyg = gy + (s0 * g.o + gr * p.og) * p.L;
        Mat Bt{xin, 1, p.L};  // col^T: element (l, k) at col[k*ld + l]
        if (!p.direct) {
          float* col = workspace(WS_COL, p.K * S * p.L);
          par_im2col(xin, g.c * p.HW, S, g, p, col);
          Bt = Mat{col, 1, S * p.L};
        }
        Mat A{gyg, p.L, 1};
        if (S > 1) {
          float* gyc = workspace(WS_TMP, p.og * S * p.L);
          gather_rows(gyg, g.o * p.L, S, p.og, p.L, gyc);
          A = Mat{gyc, S * p.L, 1};
        }
        const bool acc = sg > a;
        if (transposed)  // gW_g^T [K x og] += col [K x S*L] @ gy_g^T
          sgemm(p.K, p.og, S * p.L, Mat{Bt.p, Bt.cs, 1}, Mat{A.p, 1, A.rs}, dst + gr * p.og * p.K, p.og, acc);
        else
          sgemm(p.og, p.K, S * p.L, A, Bt, dst + gr * p.og * p.K, p.K, acc);
      }
    }
  };
  if (P > 1 && num_threads() > 1)
    parallel((int)P, [&](int q, int) { run(q); });
  else
    for (long q = 0; q < P; q++) run(q);
  // sum the partials in order (and undo the transposition)
  const int T = threads_for((double)wsize * P / 4.0);
  parallel(T, [&](int t, int TT) {
    long i0, i1;
    chunk_range(wsize, t, TT, 64, &i0, &i1);
    if (transposed) {
      for (long i = i0; i < i1; i++) {
        const long gr = i / (p.og * p.K), r = i % (p.og * p.K), oc = r / p.K, k = r % p.K;
        const long src = gr * p.og * p.K + k * p.og + oc;
        float v = parts[src];
        for (long q = 1; q < P; q++) v += parts[q * wsize + src];
        gw[i] = v;
      }
    } else {
      for (long q = 1; q < P; q++) {
        const float* pq = part(q);
        for (long i = i0; i < i1; i++) gw[i] += pq[i];
      }
    }
  });
}

// ------------------------------------------------------------------------------------ dead-tap shrinking
// A kernel tap whose input row (or column) is padding for every output position multiplies zeros only, e.g.
// 8 of the 9 taps of a padded 3x3 conv on a 1x1 map (ResNet's last stage on 32x32 images). The live taps
// form a sub-rectangle [i0, i1) x [j0, j1), and the conv equals a conv with that smaller kernel and the
// padding reduced by i0*dh / j0*dw. Shrinking turns such a layer into a plain GEMM.
namespace {

bool live_taps(long k, long d, long p, long s, long in, long out_n, long* t0, long* t1) {
  *t0 = k;
  *t1 = 0;
  for (long t = 0; t < k; t++) {
    long lo, hi;
    valid_range(t * d - p, s, in, out_n, &lo, &hi);
    if (hi > lo) {
      if (*t0 == k) *t0 = t;
      *t1 = t + 1;
    }
  }
  return *t1 > *t0 && (*t0 > 0 || *t1 < k);
}

struct Shrunk {
  bool active = false;
  ConvGeom g;
  long i0, j0;
};

Shrunk shrink(const ConvGeom& g) {
  Shrunk r;
  if (is_depthwise(g)) return r;  // the direct depthwise loops already skip padding
  long i0, i1, j0, j1;
  const bool sy = live_taps(g.kh, g.dh, g.ph, g.sh, g.h, g.oh, &i0, &i1);
  const bool sx = live_taps(g.kw, g.dw, g.pw, g.sw, g.w, g.ow, &j0, &j1);
  if (!sy && !sx) return r;
  if (!sy) i0 = 0, i1 = g.kh;
  if (!sx) j0 = 0, j1 = g.kw;
  r.active = true;
  r.g = g;
  r.g.kh = i1 - i0;
  r.g.kw = j1 - j0;
  r.g.ph = g.ph - i0 * g.dh;  // may go negative: every index is bounds-checked through valid_range
  r.g.pw = g.pw - j0 * g.dw;
  if (r.g.kh == 1) r.g.dh = 1;
  if (r.g.kw == 1) r.g.dw = 1;
  r.i0 = i0;
  r.j0 = j0;
  return r;
}

// w[o][c][i0 + i][j0 + j] of the full kernel for the shrunk one (into `dst`). Memory-bound (every cache line
// of the full kernel is read), so split over threads.
void slice_weights(const float* w, const ConvGeom& g, const Shrunk& s, float* dst) {
  const long oc = g.o * (g.c / g.groups);
  const int T = threads_for((double)oc * g.kh * g.kw);
  parallel(T, [&](int t, int TT) {
    long q0, q1;
    chunk_range(oc, t, TT, 16, &q0, &q1);
    for (long q = q0; q < q1; q++)
      for (long i = 0; i < s.g.kh; i++)
        for (long j = 0; j < s.g.kw; j++)
          dst[(q * s.g.kh + i) * s.g.kw + j] = w[(q * g.kh + s.i0 + i) * g.kw + s.j0 + j];
  });
}

// A shrunk kernel of one tap is the full kernel read with a stride: no copy needed.
bool one_tap(const Shrunk& s) { return s.g.kh == 1 && s.g.kw == 1; }
WeightView tap_view(const ConvGeom& g) { return {(g.c / g.groups) * g.kh * g.kw, g.kh * g.kw}; }

}  // namespace

void conv2d_forward(const float* x, const float* w, const float* bias, float* out, const ConvGeom& g) {
  const Shrunk s = shrink(g);
  if (s.active && one_tap(s)) return forward_impl(x, w + s.i0 * g.kw + s.j0, bias, out, s.g, tap_view(g));
  if (use_taps(g, false)) return taps_forward(x, w, bias, out, g);
  if (winograd_enabled() && winograd_applies(g, false)) return winograd_forward(x, w, bias, out, g);
  if (!s.active) return forward_impl(x, w, bias, out, g);
  float* ws = workspace(WS_SHRINK, (size_t)g.o * (g.c / g.groups) * s.g.kh * s.g.kw);
  slice_weights(w, g, s, ws);
  forward_impl(x, ws, bias, out, s.g);
}

void conv2d_backward_input(const float* gy, const float* w, float* gx, const ConvGeom& g) {
  const Shrunk s = shrink(g);
  if (s.active && one_tap(s)) return backward_input_impl(gy, w + s.i0 * g.kw + s.j0, gx, s.g, tap_view(g));
  if (use_taps(g, true)) return taps_backward_input(gy, w, gx, g);
  if (winograd_enabled() && winograd_applies(g, false)) return winograd_backward_input(gy, w, gx, g);
  if (!s.active) return backward_input_impl(gy, w, gx, g);
  float* ws = workspace(WS_SHRINK, (size_t)g.o * (g.c / g.groups) * s.g.kh * s.g.kw);
  slice_weights(w, g, s, ws);
  backward_input_impl(gy, ws, gx, s.g);
}

void conv2d_backward_weight(const float* gy, const float* x, float* gw, float* gb, const ConvGeom& g) {
  const Shrunk s = shrink(g);
  if (!s.active) return backward_weight_impl(gy, x, gw, gb, g);
  const long oc = g.o * (g.c / g.groups);
  float* gs = workspace(WS_SHRINK, (size_t)oc * s.g.kh * s.g.kw);
  backward_weight_impl(gy, x, gs, gb, s.g);
  // dead taps get exactly zero (gy times padding), live ones the shrunk gradient (memory-bound: threads)
  const long khw = g.kh * g.kw;
  const int T = threads_for((double)oc * khw);
  parallel(T, [&](int t, int TT) {
    long q0, q1;
    chunk_range(oc, t, TT, 16, &q0, &q1);
    if (q1 <= q0) return;
    memset(gw + q0 * khw, 0, (size_t)(q1 - q0) * khw * sizeof(float));
    for (long q = q0; q < q1; q++)
      for (long i = 0; i < s.g.kh; i++)
        for (long j = 0; j < s.g.kw; j++)
          gw[(q * g.kh + s.i0 + i) * g.kw + s.j0 + j] = gs[(q * s.g.kh + i) * s.g.kw + j];
  });
}

}  // namespace wr
