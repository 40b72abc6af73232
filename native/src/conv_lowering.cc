// Lowering a convolution to GEMM operands: the plan (how many samples share one GEMM), im2col and col2im
// (row copies for wide maps, per-tap offset tables for small ones), the implicit-im2col packing routine,
// and the gather of several samples' gradient blocks side by side.
#include <string.h>

#include "conv_internal.h"
#include "kernels.h"
#include "parallel.h"
#include "workspace.h"

namespace wr {
namespace conv {

constexpr long kTargetCols = 1024;         // aim for GEMMs at least this wide
constexpr long kMaxColFloats = 4L << 20;  // cap the col buffer at 16 MB

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
static void im2col(const float* x, long xs, long S, const ConvGeom& g, const Plan& p, long r0, long r1, float* col) {
  const long ld = S * p.L, khw = g.kh * g.kw;
  for (long row = r0; row < r1; row++) {
    const long c = row / khw, i = (row / g.kw) % g.kh, j = row % g.kw;
    const auto [offy, offx, ylo, yhi, xlo, xhi] = tap(g, i, j);
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

// Small feature maps (short output rows): the row-by-row loops above would spend their time on loop
// overhead (a 2x2 map has rows of 2). Instead, per tap (i, j), a table gives for each output position l the
// input offset within the plane it reads (-1: padding); im2col and col2im then run one flat loop of L
// per (row, sample). Within one tap, distinct positions read distinct pixels, so col2im's adds never collide.
static bool small_maps(const ConvGeom& g) { return g.ow < 8; }  // measured: 2x2 and 4x4 maps win, 14x14 loses

int32_t* tap_table(const ConvGeom& g) {
  const long L = g.oh * g.ow;
  const long khw = g.kh * g.kw;
  int32_t* tab = reinterpret_cast<int32_t*>(workspace(WS_TAPS, khw * L + 1));
  for (long t = 0; t < khw; t++) {
    const long i = t / g.kw, j = t % g.kw;
    for (long oy = 0; oy < g.oh; oy++)
      for (long ox = 0; ox < g.ow; ox++) {
        const long iy = oy * g.sh - g.ph + i * g.dh, ix = ox * g.sw - g.pw + j * g.dw;
        tab[t * L + oy * g.ow + ox] = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w ? (int32_t)(iy * g.w + ix) : -1;
      }
  }
  return tab;
}

static void im2col_small(const float* x, long xs, long S, const ConvGeom& g, const Plan& p, long r0, long r1, float* col,
                  const int32_t* tab) {
  const long ld = S * p.L, khw = g.kh * g.kw;
  for (long row = r0; row < r1; row++) {
    const int32_t* idx = tab + (row % khw) * p.L;
    for (long s = 0; s < S; s++) {
      float* d = col + row * ld + s * p.L;
      const float* plane = x + s * xs + (row / khw) * p.HW;
      for (long l = 0; l < p.L; l++) {
        const int32_t k = idx[l];
        const float v = plane[k < 0 ? 0 : k];
        d[l] = k < 0 ? 0.f : v;
      }
    }
  }
}

static void col2im_small(const float* col, long S, const ConvGeom& g, const Plan& p, long c0, long c1, float* gx, long xs,
                  const int32_t* tab) {
  const long ld = S * p.L, khw = g.kh * g.kw;
  for (long s = 0; s < S; s++)
    for (long c = c0; c < c1; c++) {
      float* plane = gx + s * xs + c * p.HW;
      memset(plane, 0, p.HW * sizeof(float));
      for (long t = 0; t < khw; t++) {
        const int32_t* idx = tab + t * p.L;
        const float* src = col + (c * khw + t) * ld + s * p.L;
        for (long l = 0; l < p.L; l++)
          if (idx[l] >= 0) plane[idx[l]] += src[l];
      }
    }
}

// gx planes of channels [c0, c1) (zeroed here) += every col entry that was read from them.
static void col2im(const float* col, long S, const ConvGeom& g, const Plan& p, long c0, long c1, float* gx, long xs) {
  const long ld = S * p.L;
  for (long s = 0; s < S; s++)
    for (long c = c0; c < c1; c++) {
      float* plane = gx + s * xs + c * p.HW;
      memset(plane, 0, p.HW * sizeof(float));
      for (long i = 0; i < g.kh; i++)
        for (long j = 0; j < g.kw; j++) {
          const auto [offy, offx, ylo, yhi, xlo, xhi] = tap(g, i, j);
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

// Implicit im2col: the forward GEMM's B = col is never stored; its packing routine reads the input directly,
// with one ColRow per row (c, i, j) of col, computed once per call.
void pack_col(const void* vctx, long p0, long kc, long j0, long nc, float* dst) {
  const ColPack& c = *static_cast<const ColPack*>(vctx);
  const ConvGeom& g = *c.g;
  const IsaKernels& K = isa();
  const int NR = c.nr;
  const ColSrc src{c.x, c.xs, g.h, g.w, g.sh, g.sw};
  ColRun runs[64];
  for (long jp = 0; jp < nc; jp += NR) {
    const long w = nc - jp < NR ? nc - jp : NR;
    // split the panel's columns into runs within one output row of one sample
    int nrun = 0;
    for (long t = 0, col = j0 + jp; t < w;) {
      const long s = col / c.L, l = col % c.L, oy = l / g.ow, ox = l % g.ow;
      const long len = w - t < g.ow - ox ? w - t : g.ow - ox;
      runs[nrun++] = ColRun{t, len, s, oy, ox};
      t += len;
      col += len;
    }
    K.pack_col_panel(src, c.rows + p0, kc, runs, nrun, w, NR, dst + jp * kc);
  }
}

ColRow* col_rows(const ConvGeom& g, const Plan& p) {
  ColRow* rows = reinterpret_cast<ColRow*>(workspace(WS_COL, p.K * sizeof(ColRow) / sizeof(float) + 1));
  for (long row = 0; row < p.K; row++) {
    const long c = row / (g.kh * g.kw), i = (row / g.kw) % g.kh, j = row % g.kw;
    ColRow& r = rows[row];
    r.xoff = c * p.HW;
    r.offy = i * g.dh - g.ph;
    r.offx = j * g.dw - g.pw;
    valid_range(r.offx, g.sw, g.w, g.ow, &r.xlo, &r.xhi);
  }
  return rows;
}

void par_im2col(const float* x, long xs, long S, const ConvGeom& g, const Plan& p, float* col) {
  const int32_t* tab = small_maps(g) ? tap_table(g) : nullptr;
  const int T = threads_for((double)p.K * S * p.L);
  parallel(T, [&](int t, int TT) {
    long r0, r1;
    chunk_range(p.K, t, TT, 1, &r0, &r1);
    if (tab)
      im2col_small(x, xs, S, g, p, r0, r1, col, tab);
    else
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

void par_col2im(const float* col, long S, const ConvGeom& g, const Plan& p, float* gx, long xs) {
  const int32_t* tab = small_maps(g) ? tap_table(g) : nullptr;
  const int T = threads_for((double)p.K * S * p.L);
  parallel(T, [&](int t, int TT) {
    long c0, c1;
    chunk_range(p.cg, t, TT, 1, &c0, &c1);
    if (c1 <= c0) return;
    if (tab)
      col2im_small(col, S, g, p, c0, c1, gx, xs, tab);
    else
      col2im(col, S, g, p, c0, c1, gx, xs);
  });
}

}  // namespace conv
}  // namespace wr
