// Convolutions on small feature maps as a sum over kernel taps, skipping the padding.
//
// im2col + GEMM multiplies every tap with every output position, padding included: on a 4x4 map a padded 3x3
// kernel sees the image in only 69 % of its (tap, position) pairs, on a 2x2 map in 44 %. Here the activations
// are laid out position-major, sample-minor ("PN": [channel][position][sample]), so column q = position * N +
// sample, and
//   out[:, q] = sum over taps t of W_t @ in[:, src_t(q)]      (W_t: the [O x C] matrix of tap t)
// where src_t(q) is the column tap t reads for q (or none: padding). The columns of one register-tile panel
// (NR wide) share few positions when the batch is large, so each panel runs only the taps that read the image
// for some of its columns, each as a GEMM micro-panel product of depth C onto the same output tile. The
// backward-input pass is the same sum with W_t^T and the taps' sources reversed (no col2im, no scatter-add).
//
// Each output panel is computed by one thread in one fixed order (taps ascending, depth blocks ascending), so the
// bits do not depend on the thread count.
#include <string.h>

#include <vector>

#include "conv_internal.h"
#include "gemm.h"
#include "kernels.h"
#include "parallel.h"
#include "workspace.h"

namespace wr {
namespace conv {

namespace {

// [N][C][P] -> [C][P][N] (PN layout), channels split over threads.
void to_pn(const float* src, long N, long C, long P, float* dst) {
  const int T = threads_for((double)N * C * P / 2.0);
  parallel(T, [&](int t, int TT) {
    long c0, c1;
    chunk_range(C, t, TT, 1, &c0, &c1);
    for (long c = c0; c < c1; c++) {
      float* d = dst + c * P * N;
      for (long n = 0; n < N; n++) {
        const float* s = src + (n * C + c) * P;
        for (long p = 0; p < P; p++) d[p * N + n] = s[p];
      }
    }
  });
}

// [C][P][N] (PN layout) -> [N][C][P] (+ bias[c]), channels split over threads.
void from_pn(const float* src, long N, long C, long P, const float* bias, float* dst) {
  const int T = threads_for((double)N * C * P / 2.0);
  parallel(T, [&](int t, int TT) {
    long c0, c1;
    chunk_range(C, t, TT, 1, &c0, &c1);
    for (long c = c0; c < c1; c++) {
      const float* s = src + c * P * N;
      const float b = bias ? bias[c] : 0.f;
      for (long n = 0; n < N; n++) {
        float* d = dst + (n * C + c) * P;
        if (bias)
          for (long p = 0; p < P; p++) d[p] = s[p * N + n] + b;
        else
          for (long p = 0; p < P; p++) d[p] = s[p * N + n];
      }
    }
  });
}

// The tap-sum product: dst[M][Pd*N] (PN layout, row stride Pd*N) = sum over taps t of A_t [M x D] @ the source
// columns tab[t*Pd + pd] (-1: none) of src[D][Ps*N]. `ap` holds the A_t packed for the micro-kernel: tap t's
// depth block at pc starts at ap + t*tap_stride + pc*mround, its MR-row panels kc apart.
struct TapProduct {
  long M, D, N, Pd, Ps, taps;
  const int32_t* tab;
  const float* ap;
  const float* src;
  float* dst;
};

constexpr int kGroup = 4;

// Floats from one tap's packed A_t to the next: one cache line more than its size, so that the taps' panels do
// not all fall on the same cache sets (the sizes are often multiples of 4 KiB).
inline long tap_stride(long mround, long D) { return mround * D + 16; }

void run_tap_product(const TapProduct& tp) {
  const IsaKernels& K = isa();
  const long MR = K.mr, NR = K.nr;
  const long mround = round_up(tp.M, MR);
  const long kstep = kstep_for(tp.D, K.kc);  // the depth blocks of pack_taps
  const long Q = tp.Pd * tp.N, Qs = tp.Ps * tp.N;
  const long panels = (Q + NR - 1) / NR;
  // Chunks (claimed dynamically: corner panels have fewer taps than interior ones) of a few panels each, and
  // when the packed A_t outgrow L2, of a share of the output rows as well, so that each thread reads only
  // its share of the weights. Splits fall on MR rows and whole panels: the same tiles either way.
  const int T = threads_for((double)tp.M * Q * tp.D * tp.taps / 64.0);
  const long mpanels = mround / MR;
  const int TM = T > 1 && tp.taps * mround * tp.D * 4 > (256L << 10) && mpanels >= 2L * T ? T : 1;
  const long pchunks = T > 1 ? (panels < 8L * T / TM ? panels : 8L * T / TM) : 1;
  parallel((int)(TM * pchunks), [&](int t, int) {
    long p0, p1, m0, m1;
    chunk_range(panels, t / TM, (int)pchunks, 1, &p0, &p1);
    chunk_range(tp.M, t % TM, TM, MR, &m0, &m1);
    if (p1 <= p0 || m1 <= m0) return;
    float* bp = workspace(WS_PACK_B, kGroup * kstep * NR + 16);
    alignas(64) float tmp[16 * 64];
    struct Run {
      long t0, len, pd, s0;
    };
    Run runs[kGroup][32];  // a panel is NR <= 32 columns wide on every ISA: at most 32 runs
    int nrun[kGroup];
    bool first[kGroup], live[kGroup];
    // groups of up to kGroup panels share each MR x kc micro-panel of A while it is in L1
    for (long g0 = p0; g0 < p1; g0 += kGroup) {
      const int G = (int)(p1 - g0 < kGroup ? p1 - g0 : kGroup);
      for (int i = 0; i < G; i++) {
        const long q0 = (g0 + i) * NR, width = Q - q0 < NR ? Q - q0 : NR;
        nrun[i] = 0;
        for (long j = 0; j < width;) {
          const long q = q0 + j, pd = q / tp.N, s0 = q % tp.N;
          const long len = tp.N - s0 < width - j ? tp.N - s0 : width - j;
          runs[i][nrun[i]++] = {j, len, pd, s0};
          j += len;
        }
        first[i] = true;
      }
      for (long tap = 0; tap < tp.taps; tap++) {
        const int32_t* tt = tp.tab + tap * tp.Pd;
        bool any = false;
        for (int i = 0; i < G; i++) {
          live[i] = false;
          for (int r = 0; r < nrun[i] && !live[i]; r++) live[i] = tt[runs[i][r].pd] >= 0;
          any = any || live[i];
        }
        if (!any) continue;
        const float* apt = tp.ap + tap * tap_stride(mround, tp.D);
        for (long pc = 0; pc < tp.D; pc += kstep) {
          const long kc = tp.D - pc < kstep ? tp.D - pc : kstep;
          // pack each live panel's kc x NR block of B: source columns, zero where the tap reads padding or
          // past the end
          for (int i = 0; i < G; i++) {
            if (!live[i]) continue;
            float* bi = bp + i * kstep * NR;
            long width = 0;
            for (int r = 0; r < nrun[i]; r++) {
              const Run& ru = runs[i][r];
              const long ps = tt[ru.pd];
              float* d = bi + ru.t0;
              width = ru.t0 + ru.len;
              if (ps < 0) {
                for (long k = 0; k < kc; k++) memset(d + k * NR, 0, ru.len * sizeof(float));
              } else {
                const float* src = tp.src + pc * Qs + ps * tp.N + ru.s0;
                for (long k = 0; k < kc; k++) {
                  const float* sk = src + k * Qs;
                  float* dk = d + k * NR;
                  for (long j = 0; j < ru.len; j++) dk[j] = sk[j];
                }
              }
            }
            if (width < NR)
              for (long k = 0; k < kc; k++) memset(bi + k * NR + width, 0, (NR - width) * sizeof(float));
          }
          const float* apc = apt + pc * mround;
          for (long ir = m0; ir < m1; ir += MR) {
            const long mr = m1 - ir < MR ? m1 - ir : MR;
            for (int i = 0; i < G; i++) {
              if (!live[i]) continue;
              const long q0 = (g0 + i) * NR, width = Q - q0 < NR ? Q - q0 : NR;
              const int acc = first[i] && pc == 0 ? 0 : 1;
              gemm_tile(K, kc, apc + ir * kc, bp + i * kstep * NR, tp.dst + ir * Q + q0, Q, mr, width, acc, tmp);
            }
          }
        }
        for (int i = 0; i < G; i++) first[i] = first[i] && !live[i];
      }
      for (int i = 0; i < G; i++) {
        if (!first[i]) continue;
        // no tap reads the image for any column of this panel (can happen with large padding)
        const long q0 = (g0 + i) * NR, width = Q - q0 < NR ? Q - q0 : NR;
        for (long m = m0; m < m1; m++) memset(tp.dst + m * Q + q0, 0, width * sizeof(float));
      }
    }
  });
}

// A_t for every tap, packed as run_tap_product reads it. Element (m, d) of A_t is w[m*rs + d*cs + t]: the taps
// of one (m, d) are adjacent, so one pass over w fills all of them (packing each tap on its own would read
// every cache line of w once per tap).
float* pack_taps(const float* w, long M, long D, long taps, long rs, long cs) {
  const IsaKernels& K = isa();
  const long MR = K.mr, mround = round_up(M, MR);
  const long kstep = kstep_for(D, K.kc);
  const long tstride = tap_stride(mround, D);
  float* ap = workspace(WS_PREPACK_A, (size_t)taps * tstride + 16);
  const long panels = mround / MR;
  const int T = threads_for((double)taps * M * D / 2.0);
  parallel(T, [&](int t, int TT) {
    long u0, u1;
    chunk_range(panels, t, TT, 1, &u0, &u1);
    for (long u = u0; u < u1; u++) {
      const long i0 = u * MR, rows = M - i0 < MR ? M - i0 : MR;
      for (long pc = 0; pc < D; pc += kstep) {
        const long kc = D - pc < kstep ? D - pc : kstep;
        float* dp = ap + pc * mround + i0 * kc;
        for (long p = 0; p < kc; p++) {
          float* d = dp + p * MR;
          for (long i = 0; i < rows; i++) {
            const float* src = w + (i0 + i) * rs + (pc + p) * cs;
            for (long tap = 0; tap < taps; tap++) d[tap * tstride + i] = src[tap];
          }
          for (long i = rows; i < MR; i++)
            for (long tap = 0; tap < taps; tap++) d[tap * tstride + i] = 0.f;
        }
      }
    }
  });
  return ap;
}

// The weight gradient's GEMMs reduce over the columns a tap reads the image at: per tap, runs of columns
// (k0: first index in the compacted depth, qa: first output column, qb: first source column, len).
struct DepthRun {
  long k0, qa, qb, len;
};
struct RunsPack {
  const float* base;  // [rows][ld]: output gradient (A) or input (B), PN layout
  long ld;
  const DepthRun* runs;
  long nrun;
  bool a;  // pack as A (rows of gy, MR panels) or as B (rows of x become columns, NR panels)
};

// PackFn for both operands: depth [p0, p0 + kc) of the compacted runs, rows (A) or columns (B) [j0, j0 + nc).
void pack_runs(const void* ctx, long p0, long kc, long j0, long nc, float* dst) {
  const RunsPack& r = *static_cast<const RunsPack*>(ctx);
  const IsaKernels& K = isa();
  const long U = r.a ? K.mr : K.nr;
  long first = 0;
  while (first < r.nrun && r.runs[first].k0 + r.runs[first].len <= p0) first++;
  for (long i0 = 0; i0 < nc; i0 += U) {
    const long rows = nc - i0 < U ? nc - i0 : U;
    float* pd = dst + i0 * kc;
    for (long q = first; q < r.nrun && r.runs[q].k0 < p0 + kc; q++) {
      const DepthRun& ru = r.runs[q];
      const long lo = ru.k0 > p0 ? ru.k0 : p0;
      const long hi = ru.k0 + ru.len < p0 + kc ? ru.k0 + ru.len : p0 + kc;
      const float* src = r.base + (j0 + i0) * r.ld + (r.a ? ru.qa : ru.qb) + (lo - ru.k0);
      if (r.a)
        K.pack_a(rows, hi - lo, src, r.ld, 1, pd + (lo - p0) * U);
      else
        K.pack_b(rows, hi - lo, src, 1, r.ld, pd + (lo - p0) * U);
    }
  }
}

}  // namespace

bool taps_applies(const ConvGeom& g, bool input_grad) {
  // Measured (1 and 2 threads, batches 8-64, 16-512 channels, maps 1x1-14x14): a win over im2col + GEMM up to
  // 8x8 output maps (1.1-1.9x, more the smaller the map; 512 channels on 7x7 at batch 16 too: no col buffer to
  // write and read back), and over the 8x8 maps' Winograd path up to 128 channels (conv.cc, use_taps); a loss
  // on 14x14. The input gradient of a strided convolution alternates tap sets from one input
  // position to the next, so a panel must hold whole positions there (batch a multiple of NR). A 1x1 kernel
  // has one tap and nothing to skip: plain GEMM is faster.
  if (g.groups != 1 || g.kh * g.kw < 2 || g.n < 8 || g.c < 16 || g.o < 16 || g.oh * g.ow > 64) return false;
  if (input_grad && (g.sh > 1 || g.sw > 1) && g.n % isa().nr != 0) return false;
  return true;
}

// Output position that tap (i, j) maps to input position (iy, ix) (the inverse of tap_table), or -1.
static int32_t* backward_table(const ConvGeom& g) {
  const long P = g.h * g.w, khw = g.kh * g.kw;
  int32_t* tab = reinterpret_cast<int32_t*>(workspace(WS_TAPS, khw * P + 1));
  for (long t = 0; t < khw; t++)
    for (long iy = 0; iy < g.h; iy++)
      for (long ix = 0; ix < g.w; ix++) {
        const long ny = iy + g.ph - (t / g.kw) * g.dh, nx = ix + g.pw - (t % g.kw) * g.dw;
        const long oy = ny / g.sh, ox = nx / g.sw;
        const bool ok = ny >= 0 && nx >= 0 && ny % g.sh == 0 && nx % g.sw == 0 && oy < g.oh && ox < g.ow;
        tab[t * P + iy * g.w + ix] = ok ? (int32_t)(oy * g.ow + ox) : -1;
      }
  return tab;
}

void taps_forward(const float* x, const float* w, const float* bias, float* out, const ConvGeom& g) {
  const long khw = g.kh * g.kw, P = g.oh * g.ow, HW = g.h * g.w;
  float* xt = workspace(WS_COL, g.c * HW * g.n + 16);
  to_pn(x, g.n, g.c, HW, xt);
  float* yt = workspace(WS_TMP, g.o * P * g.n + 16);
  const int32_t* tab = tap_table(g);
  const float* ap = pack_taps(w, g.o, g.c, khw, g.c * khw, khw);  // A_t[o][c] = w[o][c][t]
  run_tap_product(TapProduct{g.o, g.c, g.n, P, HW, khw, tab, ap, xt, yt});
  from_pn(yt, g.n, g.o, P, bias, out);
}

void taps_backward_input(const float* gy, const float* w, float* gx, const ConvGeom& g) {
  const long khw = g.kh * g.kw, P = g.oh * g.ow, HW = g.h * g.w;
  float* gyt = workspace(WS_COL, g.o * P * g.n + 16);
  to_pn(gy, g.n, g.o, P, gyt);
  float* gxt = workspace(WS_TMP, g.c * HW * g.n + 16);
  const int32_t* tab = backward_table(g);
  const float* ap = pack_taps(w, g.c, g.o, khw, khw, g.c * khw);  // A_t[c][o] = w[o][c][t]
  run_tap_product(TapProduct{g.c, g.o, g.n, HW, P, khw, tab, ap, gyt, gxt});
  from_pn(gxt, g.n, g.c, HW, nullptr, gx);
}

// gW_t[o][c] = sum over the columns q tap t reads the image at of gy[o][q] * x[c][src_t(q)]: one GEMM per tap
// over just those columns (the positions in order, merged into runs where both sides are contiguous), packed
// straight from the PN layouts; then gW_t into the [O][C][kh][kw] layout.
void taps_backward_weight(const float* gy, const float* x, float* gw, const ConvGeom& g) {
  const long khw = g.kh * g.kw, P = g.oh * g.ow, HW = g.h * g.w, N = g.n;
  float* xt = workspace(WS_COL, g.c * HW * N + 16);
  to_pn(x, N, g.c, HW, xt);
  float* gyt = workspace(WS_TMP, g.o * P * N + 16);
  to_pn(gy, N, g.o, P, gyt);
  const int32_t* tab = tap_table(g);
  const long wsz = g.o * g.c;
  float* gwt = workspace(WS_TMP2, khw * wsz + 16);
  // every tap's runs first (all of them live through the parallel region below)
  std::vector<DepthRun> runs(khw * P);
  std::vector<long> nruns(khw), depth(khw);
  for (long tap = 0; tap < khw; tap++) {
    DepthRun* rt = runs.data() + tap * P;
    long nrun = 0, k = 0;
    for (long pd = 0; pd < P; pd++) {
      const long ps = tab[tap * P + pd];
      if (ps < 0) continue;
      DepthRun* last = nrun ? &rt[nrun - 1] : nullptr;
      if (last && last->qa + last->len == pd * N && last->qb + last->len == ps * N)
        last->len += N;
      else
        rt[nrun++] = DepthRun{k, pd * N, ps * N, N};
      k += N;
    }
    nruns[tap] = nrun;
    depth[tap] = k;
  }
  // Units of (tap, share of the output channels) claimed dynamically: one fork/join for all the taps' GEMMs
  // (each on one thread; row splits fall on MR rows, so the bits are the same for any thread count).
  const IsaKernels& K = isa();
  const int TT0 = threads_for((double)g.o * g.c * N * P * khw / 64.0);
  const int TM = TT0 > 1 && g.o >= 2L * K.mr * TT0 ? TT0 : 1;
  parallel(TT0 > 1 ? (int)(khw * TM) : 1, [&](int u, int U) {
    const long tap0 = U == 1 ? 0 : u / TM, tap1 = U == 1 ? khw : tap0 + 1;
    long m0 = 0, m1 = g.o;
    if (U > 1) chunk_range(g.o, u % TM, TM, K.mr, &m0, &m1);
    for (long tap = tap0; tap < tap1; tap++) {
      float* dst = gwt + tap * wsz;
      if (depth[tap] == 0) {
        memset(dst + m0 * g.c, 0, (m1 - m0) * g.c * sizeof(float));
        continue;
      }
      const DepthRun* rt = runs.data() + tap * P;
      const RunsPack pa{gyt, P * N, rt, nruns[tap], true}, pb{xt, HW * N, rt, nruns[tap], false};
      Mat A{nullptr, 0, 0}, B{nullptr, 0, 0};
      A.pack = pack_runs;
      A.ctx = &pa;
      A.col0 = m0;
      B.pack = pack_runs;
      B.ctx = &pb;
      sgemm_serial(m1 - m0, g.c, depth[tap], A, B, dst + m0 * g.c, g.c, false);
    }
  });
  const int T = threads_for((double)khw * wsz);
  parallel(T, [&](int t, int TT) {
    long o0, o1;
    chunk_range(g.o, t, TT, 1, &o0, &o1);
    for (long o = o0; o < o1; o++)
      for (long c = 0; c < g.c; c++)
        for (long tap = 0; tap < khw; tap++) gw[(o * g.c + c) * khw + tap] = gwt[tap * wsz + o * g.c + c];
  });
}

}  // namespace conv
}  // namespace wr
