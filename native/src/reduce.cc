// Reductions (sum/max/min/prod over any set of dims), arg-reductions and softmax. Sums accumulate in double
// in a fixed order (per-row lanes, then rows in index order), so results never depend on the thread count.
// Dims are coalesced first (size-1 dims dropped, neighbours with the same reduced flag merged), which turns
// the common cases into [R], [K,R] (rows), [R,K] / [K,R,K] (columns) and [R,K,R] (e.g. a bias gradient).
#include <math.h>
#include <string.h>

#include "kernels.h"
#include "ops.h"
#include "parallel.h"
#include "workspace.h"

namespace wr {
namespace {

enum { R_SUM = 0, R_MAX = 1, R_MIN = 2, R_PROD = 3 };
constexpr int kMaxRank = 32;

double init_of(int op) {
  return op == R_SUM ? 0.0 : op == R_PROD ? 1.0 : op == R_MAX ? -INFINITY : INFINITY;
}

// Fold one value into an accumulator; NaN sticks for max/min (v != v assigns it, and nothing beats it).
inline double fold(int op, double acc, double v) {
  switch (op) {
    case R_SUM: return acc + v;
    case R_PROD: return acc * v;
    case R_MAX: return (v > acc || v != v) ? v : acc;
    default: return (v < acc || v != v) ? v : acc;
  }
}

// Reduce one contiguous row into acc.
inline double fold_row(const IsaKernels& K, int op, double acc, const float* x, long n) {
  switch (op) {
    case R_SUM: return acc + K.sum(x, n);
    case R_MAX: return n ? fold(op, acc, K.max(x, n)) : acc;
    case R_MIN: return n ? fold(op, acc, K.min(x, n)) : acc;
    default:
      for (long i = 0; i < n; i++) acc *= x[i];
      return acc;
  }
}

// acc[r] <- fold(acc[r], x[r]) for a row of kept columns.
inline void fold_cols(const IsaKernels& K, int op, double* acc, const float* x, long n) {
  if (op == R_SUM) {
    K.acc_add(acc, x, n);
    return;
  }
  for (long r = 0; r < n; r++) acc[r] = fold(op, acc[r], x[r]);
}

}  // namespace

void reduce(int op, const float* x, const int32_t* shape, const uint8_t* reduced, int rank, float* out,
            long out_n) {
  const IsaKernels& K = isa();
  // Coalesce, outermost first.
  long size[kMaxRank];
  bool red[kMaxRank];
  int r = 0;
  long total = 1;
  for (int d = 0; d < rank; d++) {
    total *= shape[d];
    if (shape[d] == 1) continue;
    if (r > 0 && red[r - 1] == (reduced[d] != 0)) {
      size[r - 1] *= shape[d];
      continue;
    }
    size[r] = shape[d];
    red[r] = reduced[d] != 0;
    r++;
  }
  const double init = init_of(op);
  if (total == 0) {
    for (long i = 0; i < out_n; i++) out[i] = (float)init;
    return;
  }
  if (r == 0 || (r == 1 && !red[0])) {
    // nothing to reduce: each output is fold(init, x)
    for (long i = 0; i < out_n; i++) out[i] = (float)fold(op, init, x[i]);
    return;
  }
  const int T = threads_for((double)total / 2.0);
  if (r == 1 || (r == 2 && !red[0])) {
    // [R] or [K, R]: independent rows (a full reduction is the one-row case, split in fixed blocks).
    const long rows = r == 1 ? 1 : size[0], n = size[r - 1];
    if (rows == 1 && op == R_SUM && n >= (1L << 17)) {
      const long B = 1L << 16, nb = (n + B - 1) / B;
      double* part = reinterpret_cast<double*>(workspace(WS_TMP, 2 * nb));
      parallel(T, [&](int t, int TT) {
        long b0, b1;
        chunk_range(nb, t, TT, 1, &b0, &b1);
        for (long b = b0; b < b1; b++) part[b] = K.sum(x + b * B, (b + 1) * B < n ? B : n - b * B);
      });
      double s = 0;
      for (long b = 0; b < nb; b++) s += part[b];
      out[0] = (float)s;
      return;
    }
    parallel(rows >= T ? T : 1, [&](int t, int TT) {
      long i0, i1;
      chunk_range(rows, t, TT, 1, &i0, &i1);
      for (long i = i0; i < i1; i++) out[i] = (float)fold_row(K, op, init, x + i * n, n);
    });
    return;
  }
  if ((r == 2 && red[0]) || (r == 3 && !red[0])) {
    // [R, K] or [K, R, K]: column reductions, split over the kept inner columns.
    const long outer = r == 2 ? 1 : size[0], n = size[r - 2], inner = size[r - 1];
    parallel(T, [&](int t, int TT) {
      long c0, c1;
      chunk_range(inner, t, TT, 16, &c0, &c1);
      if (c1 <= c0) return;
      const long w = c1 - c0;
      double* acc = reinterpret_cast<double*>(workspace(WS_TMP, 2 * w));
      for (long o = 0; o < outer; o++) {
        for (long c = 0; c < w; c++) acc[c] = init;
        const float* xo = x + o * n * inner + c0;
        for (long j = 0; j < n; j++) fold_cols(K, op, acc, xo + j * inner, w);
        for (long c = 0; c < w; c++) out[o * inner + c0 + c] = (float)acc[c];
      }
    });
    return;
  }
  if (r == 3 && red[0]) {
    // [R, K, R]: out[k] = fold over a, c of x[a, k, c] (a bias or batch-norm gradient over N and H*W).
    const long A = size[0], Kk = size[1], C = size[2];
    parallel(Kk >= T ? T : 1, [&](int t, int TT) {
      long k0, k1;
      chunk_range(Kk, t, TT, 1, &k0, &k1);
      for (long k = k0; k < k1; k++) {
        double acc = init;
        for (long a = 0; a < A; a++) acc = fold_row(K, op, acc, x + (a * Kk + k) * C, C);
        out[k] = (float)acc;
      }
    });
    return;
  }
  // General pattern: walk every row of the innermost dim in order, folding it into its output(s).
  double* acc = reinterpret_cast<double*>(workspace(WS_TMP, 2 * out_n));
  for (long i = 0; i < out_n; i++) acc[i] = init;
  long ost[kMaxRank];
  long s = 1;
  for (int d = r - 1; d >= 0; d--) {
    ost[d] = red[d] ? 0 : s;
    if (!red[d]) s *= size[d];
  }
  long idx[kMaxRank] = {0};
  const long len = size[r - 1];
  long o = 0;
  for (long i = 0; i < total; i += len) {
    if (red[r - 1])
      acc[o] = fold_row(K, op, acc[o], x + i, len);
    else
      fold_cols(K, op, acc + o, x + i, len);
    for (int d = r - 2; d >= 0; d--) {
      o += ost[d];
      if (++idx[d] < size[d]) break;
      o -= ost[d] * size[d];
      idx[d] = 0;
    }
  }
  for (long i = 0; i < out_n; i++) out[i] = (float)acc[i];
}

void arg_reduce(bool is_max, const float* x, long outer, long n, long inner, double* out) {
  const int T = threads_for((double)outer * n * inner / 2.0);
  parallel(outer >= T ? T : 1, [&](int t, int TT) {
    long o0, o1;
    chunk_range(outer, t, TT, 1, &o0, &o1);
    for (long o = o0; o < o1; o++)
      for (long r = 0; r < inner; r++) {
        const float* b = x + o * n * inner + r;
        float best = b[0];
        long bi = 0;
        // first occurrence wins; a NaN wins at once (torch's rule)
        if (best == best)
          for (long j = 1; j < n; j++) {
            const float v = b[j * inner];
            if (v != v) {
              bi = j;
              break;
            }
            if (is_max ? v > best : v < best) {
              best = v;
              bi = j;
            }
          }
        out[o * inner + r] = (double)bi;
      }
  });
}

void softmax(const float* x, long outer, long n, long inner, float* out, bool log_) {
  const IsaKernels& K = isa();
  const int T = threads_for((double)outer * n * inner);
  if (inner == 1) {
    parallel(outer >= T ? T : 1, [&](int t, int TT) {
      long o0, o1;
      chunk_range(outer, t, TT, 1, &o0, &o1);
      for (long o = o0; o < o1; o++) {
        const float* xr = x + o * n;
        float* yr = out + o * n;
        float m = n ? K.max(xr, n) : 0.f;
        if (m == -INFINITY) m = 0.f;  // an all -inf row gives NaN, like torch
        const double s = K.exp_sum(xr, m, yr, n);
        if (log_) {
          const float ls = (float)(log(s) + m);
          for (long j = 0; j < n; j++) yr[j] = xr[j] - ls;
        } else {
          const float inv = (float)(1.0 / s);
          for (long j = 0; j < n; j++) yr[j] *= inv;
        }
      }
    });
    return;
  }
  // Softmax over a middle axis: vectorise across the `inner` columns.
  parallel(outer >= T ? T : 1, [&](int t, int TT) {
    long o0, o1;
    chunk_range(outer, t, TT, 1, &o0, &o1);
    float* m = workspace(WS_TMP, 3 * inner);
    double* s = reinterpret_cast<double*>(m + inner + (inner & 1));
    for (long o = o0; o < o1; o++) {
      const float* xo = x + o * n * inner;
      float* yo = out + o * n * inner;
      for (long r = 0; r < inner; r++) m[r] = -INFINITY;
      for (long j = 0; j < n; j++)
        for (long r = 0; r < inner; r++) {
          const float v = xo[j * inner + r];
          m[r] = (v > m[r] || v != v) ? v : m[r];
        }
      for (long r = 0; r < inner; r++) {
        if (m[r] == -INFINITY) m[r] = 0.f;
        s[r] = 0;
      }
      for (long j = 0; j < n; j++) {
        float* yj = yo + j * inner;
        const float* xj = xo + j * inner;
        for (long r = 0; r < inner; r++) yj[r] = xj[r] - m[r];
        K.unary(U_EXP, yj, yj, inner, 0.f);
        K.acc_add(s, yj, inner);
      }
      if (log_) {
        for (long r = 0; r < inner; r++) m[r] = (float)(log(s[r]) + m[r]);
        for (long j = 0; j < n; j++)
          for (long r = 0; r < inner; r++) yo[j * inner + r] = xo[j * inner + r] - m[r];
      } else {
        for (long r = 0; r < inner; r++) m[r] = (float)(1.0 / s[r]);
        for (long j = 0; j < n; j++)
          for (long r = 0; r < inner; r++) yo[j * inner + r] *= m[r];
      }
    }
  });
}

// softmax: gx = y * (g - sum(g * y)); logSoftmax: gx = g - exp(y) * sum(g).
void softmax_grad(const float* y, const float* g, long outer, long n, long inner, float* out, bool log_) {
  const IsaKernels& K = isa();
  const int T = threads_for((double)outer * n * inner);
  parallel(outer >= T ? T : 1, [&](int t, int TT) {
    long o0, o1;
    chunk_range(outer, t, TT, 1, &o0, &o1);
    double* s = reinterpret_cast<double*>(workspace(WS_TMP, 2 * inner));
    for (long o = o0; o < o1; o++) {
      const long base = o * n * inner;
      for (long r = 0; r < inner; r++) s[r] = 0;
      for (long j = 0; j < n; j++) {
        const float* gj = g + base + j * inner;
        const float* yj = y + base + j * inner;
        if (log_)
          K.acc_add(s, gj, inner);
        else
          for (long r = 0; r < inner; r++) s[r] += (double)gj[r] * (double)yj[r];
      }
      for (long j = 0; j < n; j++) {
        const long k = base + j * inner;
        if (log_) {
          K.unary(U_EXP, y + k, out + k, inner, 0.f);
          for (long r = 0; r < inner; r++) out[k + r] = g[k + r] - out[k + r] * (float)s[r];
        } else {
          for (long r = 0; r < inner; r++) out[k + r] = y[k + r] * (g[k + r] - (float)s[r]);
        }
      }
    }
  });
}

}  // namespace wr
