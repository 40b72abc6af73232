// Pooling: max (with PyTorch's flat h*w argmax indices, stored as doubles like every int64 here), average
// (count_include_pad, divisor_override) and adaptive average, forward and backward. Planes (n*c) are
// independent, so each thread takes whole planes; a backward pass scatters only within its own plane.
#include <math.h>
#include <string.h>

#include "kernels.h"
#include "ops.h"
#include "parallel.h"
#include "workspace.h"

namespace wr {
namespace {

template <class F>
void over_planes(long planes, long per_plane, F&& f) {
  const int T = threads_for((double)planes * (double)per_plane);
  parallel(planes >= T ? T : 1, [&](int t, int TT) {
    long p0, p1;
    chunk_range(planes, t, TT, 1, &p0, &p1);
    for (long p = p0; p < p1; p++) f(p);
  });
}

// The average-pool window of (oy, ox) clipped to the padded input, then to the input, and its divisor.
struct Window {
  long y0, x0, y1, x1;
  double div;
};
inline Window avg_window(const PoolGeom& g, long oy, long ox, bool cip, long divisor) {
  long y0 = oy * g.sh - g.ph, x0 = ox * g.sw - g.pw;
  long y1 = y0 + g.kh < g.h + g.ph ? y0 + g.kh : g.h + g.ph;
  long x1 = x0 + g.kw < g.w + g.pw ? x0 + g.kw : g.w + g.pw;
  const long pool_size = (y1 - y0) * (x1 - x0);
  y0 = y0 > 0 ? y0 : 0;
  x0 = x0 > 0 ? x0 : 0;
  y1 = y1 < g.h ? y1 : g.h;
  x1 = x1 < g.w ? x1 : g.w;
  const double div = divisor > 0 ? (double)divisor : cip ? (double)pool_size : (double)((y1 - y0) * (x1 - x0));
  return {y0, x0, y1, x1, div};
}

// torch's adaptive windows: [floor(o*in/out), ceil((o+1)*in/out))
inline long a_start(long o, long in, long out) { return (o * in) / out; }
inline long a_end(long o, long in, long out) { return ((o + 1) * in + out - 1) / out; }

}  // namespace

static inline uint32_t to_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}
static inline float from_bits(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

// best/arg <- v/off if v beats best: greater, or the first NaN (then nothing beats it). Branch-free: on random
// activations "is this the new max" is a coin flip a branch predictor loses.
static inline void take_max(float v, long off, float* best, long* arg) {
  const int take = (v > *best) | ((v != v) & (*best == *best));
  const uint32_t m = 0u - (uint32_t)take;
  *best = from_bits((to_bits(v) & m) | (to_bits(*best) & ~m));
  *arg = (off & (long)(int32_t)m) | (*arg & ~(long)(int32_t)m);
}

// One output of max pooling by the general rule (any padding): the first max in tap order wins, a NaN wins
// for good. The window is clipped to the input first (taps on padding are skipped).
static inline void max_one(const float* xp, const PoolGeom& g, long oy, long ox, float* out, double* idx) {
  const long y0 = oy * g.sh - g.ph, x0 = ox * g.sw - g.pw;
  long i0 = 0, i1 = g.kh, j0 = 0, j1 = g.kw;
  while (i0 < i1 && y0 + i0 * g.dh < 0) i0++;
  while (i1 > i0 && y0 + (i1 - 1) * g.dh >= g.h) i1--;
  while (j0 < j1 && x0 + j0 * g.dw < 0) j0++;
  while (j1 > j0 && x0 + (j1 - 1) * g.dw >= g.w) j1--;
  if (i0 >= i1 || j0 >= j1) {
    *out = -INFINITY;
    if (idx) *idx = -1;
    return;
  }
  long bi = (y0 + i0 * g.dh) * g.w + x0 + j0 * g.dw;
  float best = xp[bi];
  for (long i = i0; i < i1; i++)
    for (long j = i == i0 ? j0 + 1 : j0; j < j1; j++) {
      const long off = (y0 + i * g.dh) * g.w + x0 + j * g.dw;
      take_max(xp[off], off, &best, &bi);
    }
  *out = best;
  if (idx) *idx = (double)bi;
}

constexpr long kShortRow = 48;  // interior rows narrower than this skip the vector kernel (measured: 8x8 outputs 2-4x faster, 56 wide ~equal)

// Outputs whose whole window lies inside the input take the vectorised ISA kernel (IsaKernels::maxpool_row,
// a row of outputs at a time, one window tap after another); the border (padding) outputs use max_one.
void max_pool2d(const float* x, float* out, double* idx, const PoolGeom& g) {  // idx may be null
  const long L = g.oh * g.ow;
  // interior output rows/cols: o*s - p >= 0 and o*s - p + (k-1)*d <= n-1
  auto interior = [](long n, long k, long s, long p, long d, long on, long* lo, long* hi) {
    *lo = (p + s - 1) / s;
    const long last = n - 1 + p - (k - 1) * d;
    *hi = last < 0 ? 0 : last / s + 1;
    if (*hi > on) *hi = on;
    if (*lo > *hi) *lo = *hi;
  };
  long ylo, yhi, xlo, xhi;
  interior(g.h, g.kh, g.sh, g.ph, g.dh, g.oh, &ylo, &yhi);
  interior(g.w, g.kw, g.sw, g.pw, g.dw, g.ow, &xlo, &xhi);
  const bool fast = g.h * g.w < (1L << 31);
  const IsaKernels& K = isa();
  // 2x2 and 3x3 / stride 2 have dedicated vector kernels (AVX-512) that take short rows in one step
  const bool s2_kernel =
      K.maxpool_s2_fast && (g.kh == 2 || g.kh == 3) && g.kw == g.kh && g.sw == 2 && g.dh == 1 && g.dw == 1;
  over_planes(g.planes, L * g.kh * g.kw, [&](long p) {
    const float* xp = x + p * g.h * g.w;
    float* op = out + p * L;
    double* ip = idx ? idx + p * L : nullptr;  // null: no indices wanted
    int32_t* bi = reinterpret_cast<int32_t*>(workspace(WS_TMP, g.ow));
    for (long oy = 0; oy < g.oh; oy++) {
      const bool row_in = fast && oy >= ylo && oy < yhi && xhi > xlo;
      for (long ox = 0; ox < g.ow; ox++) {
        if (row_in && ox == xlo) ox = xhi;  // the interior is done below
        if (ox >= g.ow) break;
        max_one(xp, g, oy, ox, op + oy * g.ow + ox, ip ? ip + oy * g.ow + ox : nullptr);
      }
      if (!row_in) continue;
      float* best = op + oy * g.ow;
      const long row0 = (oy * g.sh - g.ph) * g.w - g.pw;
      if (xhi - xlo < kShortRow && !s2_kernel) {
        // short rows (small maps): up to 8 windows side by side in registers, taps outermost, so the 8 compare
        // chains overlap (the vector kernel's per-tap loop setup would dominate rows this short)
        for (long ox0 = xlo; ox0 < xhi; ox0 += 8) {
          const long nn = xhi - ox0 < 8 ? xhi - ox0 : 8;
          float b[8];
          long a[8];
          for (long q = 0; q < nn; q++) {
            a[q] = row0 + (ox0 + q) * g.sw;
            b[q] = xp[a[q]];
          }
          for (long i = 0; i < g.kh; i++)
            for (long j = i == 0 ? 1 : 0; j < g.kw; j++) {
              const long off = row0 + ox0 * g.sw + i * g.dh * g.w + j * g.dw;
              for (long q = 0; q < nn; q++) {
                take_max(xp[off + q * g.sw], off + q * g.sw, &b[q], &a[q]);
              }
            }
          for (long q = 0; q < nn; q++) {
            best[ox0 + q] = b[q];
            if (ip) ip[oy * g.ow + ox0 + q] = (double)a[q];
          }
        }
        continue;
      }
      K.maxpool_row(xp, row0, g.w, g.kh, g.kw, g.dh, g.dw, g.sw, xlo, xhi, best, bi);
      if (ip)
        for (long ox = xlo; ox < xhi; ox++) ip[oy * g.ow + ox] = (double)bi[ox];
    }
  });
}

void max_pool2d_backward(const float* gy, const double* idx, float* gx, const PoolGeom& g) {
  const long L = g.oh * g.ow, HW = g.h * g.w;
  over_planes(g.planes, L + HW, [&](long p) {
    float* gp = gx + p * HW;
    memset(gp, 0, HW * sizeof(float));
    for (long l = 0; l < L; l++) {
      const long bi = (long)idx[p * L + l];
      if (bi >= 0) gp[bi] += gy[p * L + l];
    }
  });
}

void avg_pool2d(const float* x, float* out, const PoolGeom& g, bool cip, long divisor) {
  const long L = g.oh * g.ow;
  over_planes(g.planes, L * g.kh * g.kw, [&](long p) {
    const float* xp = x + p * g.h * g.w;
    for (long oy = 0; oy < g.oh; oy++)
      for (long ox = 0; ox < g.ow; ox++) {
        const Window wd = avg_window(g, oy, ox, cip, divisor);
        double s = 0;
        for (long iy = wd.y0; iy < wd.y1; iy++)
          for (long ix = wd.x0; ix < wd.x1; ix++) s += xp[iy * g.w + ix];
        out[p * L + oy * g.ow + ox] = (float)(s / wd.div);
      }
  });
}

void avg_pool2d_backward(const float* gy, float* gx, const PoolGeom& g, bool cip, long divisor) {
  const long L = g.oh * g.ow, HW = g.h * g.w;
  over_planes(g.planes, L * g.kh * g.kw + HW, [&](long p) {
    float* gp = gx + p * HW;
    memset(gp, 0, HW * sizeof(float));
    for (long oy = 0; oy < g.oh; oy++)
      for (long ox = 0; ox < g.ow; ox++) {
        const Window wd = avg_window(g, oy, ox, cip, divisor);
        const float v = (float)(gy[p * L + oy * g.ow + ox] / wd.div);
        for (long iy = wd.y0; iy < wd.y1; iy++)
          for (long ix = wd.x0; ix < wd.x1; ix++) gp[iy * g.w + ix] += v;
      }
  });
}

void adaptive_avg_pool2d(const float* x, long planes, long h, long w, long oh, long ow, float* out) {
  over_planes(planes, h * w + oh * ow, [&](long p) {
    const float* xp = x + p * h * w;
    for (long oy = 0; oy < oh; oy++) {
      const long y0 = a_start(oy, h, oh), y1 = a_end(oy, h, oh);
      for (long ox = 0; ox < ow; ox++) {
        const long x0 = a_start(ox, w, ow), x1 = a_end(ox, w, ow);
        double s = 0;
        for (long iy = y0; iy < y1; iy++)
          for (long ix = x0; ix < x1; ix++) s += xp[iy * w + ix];
        out[(p * oh + oy) * ow + ox] = (float)(s / (double)((y1 - y0) * (x1 - x0)));
      }
    }
  });
}

void adaptive_avg_pool2d_backward(const float* gy, long planes, long h, long w, long oh, long ow, float* gx) {
  over_planes(planes, h * w + oh * ow, [&](long p) {
    float* gp = gx + p * h * w;
    memset(gp, 0, h * w * sizeof(float));
    for (long oy = 0; oy < oh; oy++) {
      const long y0 = a_start(oy, h, oh), y1 = a_end(oy, h, oh);
      for (long ox = 0; ox < ow; ox++) {
        const long x0 = a_start(ox, w, ow), x1 = a_end(ox, w, ow);
        const float v = (float)(gy[(p * oh + oy) * ow + ox] / (double)((y1 - y0) * (x1 - x0)));
        for (long iy = y0; iy < y1; iy++)
          for (long ix = x0; ix < x1; ix++) gp[iy * w + ix] += v;
      }
    }
  });
}

}  // namespace wr
