// 2-d convolution (NCHW, weights [O, C/groups, kH, kW]) forward, backward-input and backward-weight.
//
// General case: im2col + GEMM. For a group of S samples, col is a [K = cg*kh*kw] x [S*L] matrix (L = oh*ow)
// whose row (c, i, j) holds the input pixels tap (i, j) of channel c sees at every output position, so
//   forward          out_g[og x S*L] = W_g[og x K] @ col
//   backward-input   col = W_g^T @ gy_g, then col2im adds each column back onto the pixels it came from
//   backward-weight  gW_g += gy_g[og x S*L] @ col^T   (accumulated over sample groups)
// Batching S samples into one GEMM keeps its n dimension wide when the feature maps are small (a 7x7 map
// alone would give n = 49); S = 1 when the maps are large, and then a 1x1/stride-1/unpadded convolution skips
// im2col (the input already is col). Depthwise convolutions (one input channel per group) run as direct
// per-plane loops instead: their GEMMs would be 1 x kh*kw deep.
//
// Every step is either a GEMM (whose bits do not depend on the thread split) or a loop where each output
// element is written by one thread in a fixed order, so all three are bit-identical for any thread count.
#include <string.h>

#include "gemm.h"
#include "kernels.h"
#include "ops.h"
#include "parallel.h"
#include "workspace.h"

namespace wr {
namespace {

constexpr long kTargetCols = 1024;         // aim for GEMMs at least this wide
constexpr long kMaxColFloats = 4L << 20;  // cap the col buffer at 16 MB

// Output positions o in [lo, hi) read input o*stride + off inside [0, in).
inline void valid_range(long off, long stride, long in, long out_n, long* lo, long* hi) {
  long a = off >= 0 ? 0 : (-off + stride - 1) / stride;
  long b = in - 1 - off < 0 ? 0 : (in - 1 - off) / stride + 1;
  if (b > out_n) b = out_n;
  if (a > b) a = b;
  *lo = a;
  *hi = b;
}

struct Plan {
  long cg, og, K, L, HW, S;
  bool direct;  // 1x1, stride 1, no padding, S == 1: the input plane block is col itself
};

Plan plan(const ConvGeom& g) {
  Plan p;
  p.cg = g.c / g.groups;
  p.og = g.o / g.groups;
  p.K = p.cg * g.kh * g.kw;
  p.L = g.oh * g.ow;
  p.HW = g.h * g.w;
  long S = (kTargetCols + p.L - 1) / p.L;
  const long cap = kMaxColFloats / (p.K * p.L);
  if (S > cap) S = cap;
  if (S > g.n) S = g.n;
  p.S = S < 1 ? 1 : S;
  p.direct = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && p.S == 1;
  return p;
}

// col rows [r0, r1) for samples s0.., S of them, from the channel block starting at x (sample stride xs).
void im2col(const float* x, long xs, long S, const ConvGeom& g, const Plan& p, long r0, long r1, float* col) {
  const long ld = S * p.L, khw = g.kh * g.kw;
  for (long row = r0; row < r1; row++) {
    const long c = row / khw, i = (row / g.kw) % g.kh, j = row % g.kw;
    const long offy = i * g.dh - g.ph, offx = j * g.dw - g.pw;
    long ylo, yhi, xlo, xhi;
    valid_range(offy, g.sh, g.h, g.oh, &ylo, &yhi);
    valid_range(offx, g.sw, g.w, g.ow, &xlo, &xhi);
    for (long s = 0; s < S; s++) {
      float* d = col + row * ld + s * p.L;
      const float* plane = x + s * xs + c * p.HW;
      memset(d, 0, ylo * g.ow * sizeof(float));
      for (long oy = ylo; oy < yhi; oy++) {
        float* dr = d + oy * g.ow;
        const float* xr = plane + (oy * g.sh + offy) * g.w + offx;
        for (long ox = 0; ox < xlo; ox++) dr[ox] = 0.f;
        if (g.sw == 1)
          for (long ox = xlo; ox < xhi; ox++) dr[ox] = xr[ox];  // short rows: a loop beats a memcpy call
        else
          for (long ox = xlo; ox < xhi; ox++) dr[ox] = xr[ox * g.sw];
        for (long ox = xhi; ox < g.ow; ox++) dr[ox] = 0.f;
      }
      memset(d + yhi * g.ow, 0, (g.oh - yhi) * g.ow * sizeof(float));
    }
  }
}

// gx planes of channels [c0, c1) (zeroed here) += every col entry that was read from them.
void col2im(const float* col, long S, const ConvGeom& g, const Plan& p, long c0, long c1, float* gx, long xs) {
  const long ld = S * p.L;
  for (long s = 0; s < S; s++)
    for (long c = c0; c < c1; c++) {
      float* plane = gx + s * xs + c * p.HW;
      memset(plane, 0, p.HW * sizeof(float));
      for (long i = 0; i < g.kh; i++)
        for (long j = 0; j < g.kw; j++) {
          const long offy = i * g.dh - g.ph, offx = j * g.dw - g.pw;
          long ylo, yhi, xlo, xhi;
          valid_range(offy, g.sh, g.h, g.oh, &ylo, &yhi);
          valid_range(offx, g.sw, g.w, g.ow, &xlo, &xhi);
          const float* src = col + ((c * g.kh + i) * g.kw + j) * ld + s * p.L;
          for (long oy = ylo; oy < yhi; oy++) {
            float* gr = plane + (oy * g.sh + offy) * g.w + offx;
            const float* sr = src + oy * g.ow;
            if (g.sw == 1)
              for (long ox = xlo; ox < xhi; ox++) gr[ox] += sr[ox];
            else
              for (long ox = xlo; ox < xhi; ox++) gr[ox * g.sw] += sr[ox];
          }
        }
    }
}

void par_im2col(const float* x, long xs, long S, const ConvGeom& g, const Plan& p, float* col) {
  const int T = threads_for((double)p.K * S * p.L);
  parallel(T, [&](int t, int TT) {
    long r0, r1;
    chunk_range(p.K, t, TT, 1, &r0, &r1);
    im2col(x, xs, S, g, p, r0, r1, col);
  });
}

// dst[oc][s*L + l] = src[s*ss + oc*L + l]: gather S samples' [og x L] blocks side by side.
void gather_rows(const float* src, long ss, long S, long og, long L, float* dst) {
  const int T = threads_for((double)og * S * L / 2.0);
  parallel(T, [&](int t, int TT) {
    long o0, o1;
    chunk_range(og, t, TT, 1, &o0, &o1);
    for (long oc = o0; oc < o1; oc++)
      for (long s = 0; s < S; s++) memcpy(dst + oc * S * L + s * L, src + s * ss + oc * L, L * sizeof(float));
  });
}

// ------------------------------------------------------------------------------------------ depthwise
bool is_depthwise(const ConvGeom& g) { return g.groups > 1 && g.c == g.groups; }

void dw_forward(const float* x, const float* w, const float* bias, float* out, const ConvGeom& g) {
  const IsaKernels& K = isa();
  const long og = g.o / g.groups, L = g.oh * g.ow, HW = g.h * g.w, planes = g.n * g.o;
  const int T = threads_for((double)planes * L * g.kh * g.kw);
  parallel(T, [&](int t, int TT) {
    long p0, p1;
    chunk_range(planes, t, TT, 1, &p0, &p1);
    for (long pl = p0; pl < p1; pl++) {
      const long ni = pl / g.o, oc = pl % g.o, ic = oc / og;
      const float* xp = x + (ni * g.c + ic) * HW;
      float* op = out + pl * L;
      const float b = bias ? bias[oc] : 0.f;
      for (long l = 0; l < L; l++) op[l] = b;
      for (long i = 0; i < g.kh; i++)
        for (long j = 0; j < g.kw; j++) {
          const float wv = w[(oc * g.kh + i) * g.kw + j];
          const long offy = i * g.dh - g.ph, offx = j * g.dw - g.pw;
          long ylo, yhi, xlo, xhi;
          valid_range(offy, g.sh, g.h, g.oh, &ylo, &yhi);
          valid_range(offx, g.sw, g.w, g.ow, &xlo, &xhi);
          for (long oy = ylo; oy < yhi; oy++) {
            const float* xr = xp + (oy * g.sh + offy) * g.w + offx;
            float* orow = op + oy * g.ow;
            if (g.sw == 1)
              K.axpy(xhi - xlo, wv, xr + xlo, orow + xlo);
            else
              for (long ox = xlo; ox < xhi; ox++) orow[ox] += wv * xr[ox * g.sw];
          }
        }
    }
  });
}

void dw_backward_input(const float* gy, const float* w, float* gx, const ConvGeom& g) {
  const IsaKernels& K = isa();
  const long og = g.o / g.groups, L = g.oh * g.ow, HW = g.h * g.w, planes = g.n * g.c;
  const int T = threads_for((double)g.n * g.o * L * g.kh * g.kw);
  parallel(T, [&](int t, int TT) {
    long p0, p1;
    chunk_range(planes, t, TT, 1, &p0, &p1);
    for (long pl = p0; pl < p1; pl++) {
      const long ni = pl / g.c, ic = pl % g.c;
      float* gp = gx + pl * HW;
      memset(gp, 0, HW * sizeof(float));
      for (long oc = ic * og; oc < (ic + 1) * og; oc++) {
        const float* gyp = gy + (ni * g.o + oc) * L;
        for (long i = 0; i < g.kh; i++)
          for (long j = 0; j < g.kw; j++) {
            const float wv = w[(oc * g.kh + i) * g.kw + j];
            const long offy = i * g.dh - g.ph, offx = j * g.dw - g.pw;
            long ylo, yhi, xlo, xhi;
            valid_range(offy, g.sh, g.h, g.oh, &ylo, &yhi);
            valid_range(offx, g.sw, g.w, g.ow, &xlo, &xhi);
            for (long oy = ylo; oy < yhi; oy++) {
              float* gr = gp + (oy * g.sh + offy) * g.w + offx;
              const float* gyr = gyp + oy * g.ow;
              if (g.sw == 1)
                K.axpy(xhi - xlo, wv, gyr + xlo, gr + xlo);
              else
                for (long ox = xlo; ox < xhi; ox++) gr[ox * g.sw] += wv * gyr[ox];
            }
          }
      }
    }
  });
}

void dw_backward_weight(const float* gy, const float* x, float* gw, const ConvGeom& g) {
  const long og = g.o / g.groups, L = g.oh * g.ow, HW = g.h * g.w;
  const int T = threads_for((double)g.n * g.o * L * g.kh * g.kw);
  parallel(g.o >= T ? T : 1, [&](int t, int TT) {
    long o0, o1;
    chunk_range(g.o, t, TT, 1, &o0, &o1);
    for (long oc = o0; oc < o1; oc++) {
      const long ic = oc / og;
      for (long i = 0; i < g.kh; i++)
        for (long j = 0; j < g.kw; j++) {
          const long offy = i * g.dh - g.ph, offx = j * g.dw - g.pw;
          long ylo, yhi, xlo, xhi;
          valid_range(offy, g.sh, g.h, g.oh, &ylo, &yhi);
          valid_range(offx, g.sw, g.w, g.ow, &xlo, &xhi);
          double acc = 0;
          for (long ni = 0; ni < g.n; ni++) {
            const float* gyp = gy + (ni * g.o + oc) * L;
            const float* xp = x + (ni * g.c + ic) * HW;
            for (long oy = ylo; oy < yhi; oy++) {
              const float* xr = xp + (oy * g.sh + offy) * g.w + offx;
              const float* gyr = gyp + oy * g.ow;
              float s = 0.f;  // one row in float, rows summed in double
              for (long ox = xlo; ox < xhi; ox++) s += gyr[ox] * xr[ox * g.sw];
              acc += s;
            }
          }
          gw[(oc * g.kh + i) * g.kw + j] = (float)acc;
        }
    }
  });
}

}  // namespace

void conv2d_forward(const float* x, const float* w, const float* bias, float* out, const ConvGeom& g) {
  if (is_depthwise(g)) return dw_forward(x, w, bias, out, g);
  const Plan p = plan(g);
  const long ld = p.S * p.L;
  for (long s0 = 0; s0 < g.n; s0 += p.S) {
    const long S = g.n - s0 < p.S ? g.n - s0 : p.S;
    for (long gr = 0; gr < g.groups; gr++) {
      const float* xin = x + (s0 * g.c + gr * p.cg) * p.HW;
      Mat B{xin, p.L, 1};
      if (!p.direct) {
        float* col = workspace(WS_COL, p.K * S * p.L);
        par_im2col(xin, g.c * p.HW, S, g, p, col);
        B = Mat{col, S * p.L, 1};
      }
      const Mat A{w + gr * p.og * p.K, p.K, 1};
      if (p.S == 1) {
        // write straight into out; a bias is the initial value the GEMM accumulates onto
        float* C = out + (s0 * g.o + gr * p.og) * p.L;
        if (bias)
          for (long oc = 0; oc < p.og; oc++)
            for (long l = 0; l < p.L; l++) C[oc * p.L + l] = bias[gr * p.og + oc];
        sgemm(p.og, p.L, p.K, A, B, C, p.L, bias != nullptr);
      } else {
        float* C = workspace(WS_TMP, p.og * ld);
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
  }
}

void conv2d_backward_input(const float* gy, const float* w, float* gx, const ConvGeom& g) {
  if (is_depthwise(g)) return dw_backward_input(gy, w, gx, g);
  const Plan p = plan(g);
  for (long s0 = 0; s0 < g.n; s0 += p.S) {
    const long S = g.n - s0 < p.S ? g.n - s0 : p.S;
    for (long gr = 0; gr < g.groups; gr++) {
      const Mat At{w + gr * p.og * p.K, 1, p.K};  // W_g^T: element (k, oc) at w[oc*K + k]
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
      const int T = threads_for((double)p.K * S * p.L);
      parallel(T, [&](int t, int TT) {
        long c0, c1;
        chunk_range(p.cg, t, TT, 1, &c0, &c1);
        if (c1 > c0) col2im(col, S, g, p, c0, c1, gxg, g.c * p.HW);
      });
    }
  }
}

void conv2d_backward_weight(const float* gy, const float* x, float* gw, float* gb, const ConvGeom& g) {
  if (gb) {
    // gb[o] = sum over n and positions of gy[n, o, :]
    const IsaKernels& K = isa();
    const long L = g.oh * g.ow;
    const int T = threads_for((double)g.n * g.o * L / 2.0);
    parallel(g.o >= T ? T : 1, [&](int t, int TT) {
      long o0, o1;
      chunk_range(g.o, t, TT, 1, &o0, &o1);
      for (long oc = o0; oc < o1; oc++) {
        double s = 0;
        for (long ni = 0; ni < g.n; ni++) s += K.sum(gy + (ni * g.o + oc) * L, L);
        gb[oc] = (float)s;
      }
    });
  }
  if (is_depthwise(g)) return dw_backward_weight(gy, x, gw, g);
  const Plan p = plan(g);
  if (g.n == 0) memset(gw, 0, g.o * p.K * sizeof(float));
  for (long s0 = 0; s0 < g.n; s0 += p.S) {
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
      sgemm(p.og, p.K, S * p.L, A, Bt, gw + gr * p.og * p.K, p.K, s0 > 0);
    }
  }
}

}  // namespace wr
