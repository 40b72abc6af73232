// Winograd F(2x2, 3x3) for the 3x3 / stride 1 / padding 1 convolutions that dominate ResNet-style networks:
// 4 multiplications per output and input-output channel pair instead of 9. Per 2x2 output tile, the 4x4
// input patch d and each 3x3 kernel g are transformed (V = B^T d B, U = G g G^T), the products are summed
// over input channels as 16 independent GEMMs (M_xi = U_xi @ V_xi, one per position xi of the 4x4 tile),
// and the output tile is Y = A^T M A. (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks".)
//
// Tiles are processed in fixed chunks (their size depends on the geometry only), each chunk by one thread
// (or, when there are too few chunks to share, one after another with the threads inside the GEMMs), so the
// bits never depend on the thread count. Results differ from the direct convolution by rounding only (the
// transforms are exact in binary up to the 0.5 factors).
#include <string.h>

#include "conv_internal.h"
#include "kernels.h"
#include "parallel.h"
#include "workspace.h"

namespace wr {
namespace conv {

bool winograd_applies(const ConvGeom& g, bool weight_grad) {
  if (!(g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.ph == 1 && g.pw == 1 &&
        g.groups == 1 && g.c >= 32 && g.o >= 32 && g.h >= 8 && g.w >= 8))
    return false;
  // Enough tiles to pay for transforming the weights (16 values per input-output channel pair, written and
  // read back once per call) and enough channels for GEMMs that run near peak. Measured on one thread
  // (32-256 channels, maps of 8x8 to 56x56, batches 1-64): a win from ~200 tiles for the forward and input
  // gradient (1.2-1.9x), from ~100 for the weight gradient; a loss below ~100 tiles (up to 1.7x slower for
  // 256-512 channels on one 14x14 map), and a loss on 4x4 maps.
  const long tiles = g.n * ((g.oh + 1) / 2) * ((g.ow + 1) / 2);
  return tiles >= (weight_grad ? 96 : 160) && (g.o * g.c <= 256 * 256 || tiles >= 1024);
}

namespace {

constexpr long kBigUC = 128 * 128;         // "many channels": O x C from here
constexpr long kBigChunkFloats = 8L << 20;  // V + M of one chunk up to 32 MB

// U[xi][r][s] (r < R rows, s < S columns) = G g G^T of the 3x3 kernel at k (row stride 3), G = [1 0 0; .5 .5 .5;
// .5 -.5 .5; 0 0 1]. `flip` rotates the kernel by 180 degrees first (the backward-input convolution).
inline void kernel_transform(const float* k, bool flip, float* U, long plane, long at) {
  float g[9];
  for (int i = 0; i < 9; i++) g[i] = flip ? k[8 - i] : k[i];
  float t[4][3];  // G g
  for (int j = 0; j < 3; j++) {
    const float a = g[j], b = g[3 + j], c = g[6 + j];
    t[0][j] = a;
    t[1][j] = 0.5f * (a + b + c);
    t[2][j] = 0.5f * (a - b + c);
    t[3][j] = c;
  }
  for (int i = 0; i < 4; i++) {
    const float a = t[i][0], b = t[i][1], c = t[i][2];
    U[(i * 4 + 0) * plane + at] = a;
    U[(i * 4 + 1) * plane + at] = 0.5f * (a + b + c);
    U[(i * 4 + 2) * plane + at] = 0.5f * (a - b + c);
    U[(i * 4 + 3) * plane + at] = c;
  }
}

// U as 16 matrices [O' x C'] (row-major). Forward: O' = o, C' = c, kernel w[o][c]. Backward-input (transposed):
// O' = c, C' = o, kernel w[o][c] rotated, at U[xi][c][o].
void weight_transform(const float* w, long o, long c, bool transposed, float* U) {
  const long plane = o * c;
  const int T = threads_for((double)plane * 40.0);
  parallel(T, [&](int t, int TT) {
    long a0, a1;
    chunk_range(o, t, TT, 1, &a0, &a1);
    for (long oc = a0; oc < a1; oc++)
      for (long ic = 0; ic < c; ic++) {
        const float* k = w + (oc * c + ic) * 9;
        kernel_transform(k, transposed, U, plane, transposed ? ic * o + oc : oc * c + ic);
      }
  });
}

struct Tiling {
  long n, C, O, h, w, th, tw, T, chunk, nchunks;
};

// Chunk tiles [t0, t0 + cnt) cut into segments of at most 16 horizontally adjacent tiles of one tile row:
// f(j0, len, n, y, x) with j0 the segment's first tile within the chunk and (y, x) its top-left output pixel.
template <class F>
void for_segments(const Tiling& tl, long t0, long cnt, F&& f) {
  for (long j = 0; j < cnt;) {
    const long t = t0 + j, r = t % (tl.th * tl.tw), tx = r % tl.tw;
    long len = tl.tw - tx;
    if (len > 16) len = 16;
    if (len > cnt - j) len = cnt - j;
    f(j, len, t / (tl.th * tl.tw), 2 * (r / tl.tw), 2 * tx);
    j += len;
  }
}

// f(c) for every channel c < count, split over threads (inline when already inside a parallel chunk of tiles).
template <class F>
void each_channel(long count, long tiles, F&& f) {
  const int T = threads_for((double)count * tiles * 8.0);
  parallel(T, [&](int th, int TT) {
    long c0, c1;
    chunk_range(count, th, TT, 1, &c0, &c1);
    for (long c = c0; c < c1; c++) f(c);
  });
}

// gemm(xi, split) for the 16 positions of the 4x4 tile, each GEMM `flops` multiply-adds: 16 independent GEMMs
// share the threads (split = false: each runs whole on one thread, with no fork/join or repacking inside it);
// past 16 threads they run one after another, each split over the threads (split = true). Same bits either way.
template <class F>
void each_position(long flops, F&& gemm) {
  const int T = threads_for(16.0 * (double)flops / 64.0);
  if (T > 1 && num_threads() > 16) {
    for (int xi = 0; xi < 16; xi++) gemm(xi, true);
    return;
  }
  parallel(T > 1 ? 16 : 1, [&](int t, int TT) {
    for (int xi = t * 16 / TT; xi < (t + 1) * 16 / TT; xi++) gemm(xi, false);
  });
}

// V[xi][ic][j] for tiles [t0, t0 + cnt) of the input x [n, C, h, w] (zero outside the image).
void input_transform(const float* x, const Tiling& tl, long t0, long cnt, float* V) {
  const long ld = tl.chunk, plane = tl.C * ld;
  const IsaKernels& K = isa();
  each_channel(tl.C, cnt, [&](long ic) {
    for_segments(tl, t0, cnt, [&](long j0, long len, long ni, long y, long x0) {
      const float* p = x + (ni * tl.C + ic) * tl.h * tl.w;
      const float* rows[4];
      for (int i = 0; i < 4; i++) rows[i] = y - 1 + i >= 0 && y - 1 + i < tl.h ? p + (y - 1 + i) * tl.w : nullptr;
      K.wino_in16(rows, x0 - 1, tl.w, len, V + ic * ld + j0, plane);
    });
  });
}

// out [n, O, h, w] for tiles [t0, t0 + cnt) from M[xi][oc][j] (+ bias): A^T M A.
void output_transform(const float* M, const float* bias, const Tiling& tl, long t0, long cnt, float* out) {
  const long ld = tl.chunk, plane = tl.O * ld;
  const IsaKernels& K = isa();
  each_channel(tl.O, cnt, [&](long oc) {
    const float b = bias ? bias[oc] : 0.f;
    for_segments(tl, t0, cnt, [&](long j0, long len, long ni, long y, long x0) {
      float* op = out + (ni * tl.O + oc) * tl.h * tl.w + y * tl.w + x0;
      const long wlen = x0 + 2 * len <= tl.w ? 2 * len : tl.w - x0;
      K.wino_out16(M + oc * ld + j0, plane, len, b, op, y + 1 < tl.h ? op + tl.w : nullptr, wlen);
    });
  });
}

// The convolution of x [n, C, h, w] with transformed weights U (16 x [O x C]) into out [n, O, h, w].
void winograd_run(const float* x, const float* U, const float* bias, float* out, long n, long C, long O, long h,
                  long w) {
  Tiling tl{n, C, O, h, w, (h + 1) / 2, (w + 1) / 2, 0, 0, 0};
  tl.T = n * tl.th * tl.tw;
  // a chunk's V and M (16 x (C + O) x chunk floats) within ~1.5 MB, in whole register tiles of columns
  long chunk = (384L << 10) / (16 * (C + O));
  chunk = chunk / 32 * 32;
  if (chunk < 32) chunk = 32;
  if (chunk > 512) chunk = 512;
  // and at least 2 chunks per thread when the tiles allow (a GEMM this small would not split over threads
  // itself), their number a multiple of the thread count and their sizes equal (to 16 tiles), so the threads
  // finish together; a chunk's columns never change a result's bits, so this may depend on the thread count
  const long T = num_threads();
  if (T > 1 && tl.T >= 2 * T * 32) {
    long nch = (tl.T + chunk - 1) / chunk;
    if (nch < 2 * T) nch = 2 * T;
    nch = (nch + T - 1) / T * T;
    chunk = ((tl.T + nch - 1) / nch + 15) / 16 * 16;
  }
  if (chunk > tl.T) chunk = tl.T;
  // Many channels: every chunk repacks all of U (16 x O x C), so take the tiles in as few chunks as fit in
  // kBigChunkFloats of V + M (the GEMMs then run on all threads): 256 channels on 14x14 at batch 16, 10-15%.
  if (O * C >= kBigUC && 16 * (C + O) * tl.T <= kBigChunkFloats) chunk = tl.T;
  tl.chunk = chunk;
  tl.nchunks = (tl.T + chunk - 1) / chunk;
  auto run = [&](long q) {
    const long t0 = q * chunk, cnt = tl.T - t0 < chunk ? tl.T - t0 : chunk;
    float* V = workspace(WS_COL, 16 * C * chunk);
    float* M = workspace(WS_TMP, 16 * O * chunk);
    input_transform(x, tl, t0, cnt, V);
    each_position(O * cnt * C, [&](int xi, bool split) {
      (split ? sgemm : sgemm_serial)(O, cnt, C, Mat{U + xi * O * C, C, 1}, Mat{V + xi * C * chunk, chunk, 1},
                                     M + xi * O * chunk, chunk, false);
    });
    output_transform(M, bias, tl, t0, cnt, out);
  };
  if (T > 1 && tl.nchunks >= 2 * T)
    parallel((int)tl.nchunks, [&](int q, int) { run(q); });
  else
    for (long q = 0; q < tl.nchunks; q++) run(q);
}

// Z[xi][oc][j] = A gy A^T for tiles [t0, t0 + cnt) of the output gradient gy [n, O, h, w] (zero outside).
void grad_transform(const float* gy, const Tiling& tl, long t0, long cnt, float* Z) {
  const long ld = tl.chunk, plane = tl.O * ld;
  const IsaKernels& K = isa();
  each_channel(tl.O, cnt, [&](long oc) {
    for_segments(tl, t0, cnt, [&](long j0, long len, long ni, long y, long x0) {
      const float* p = gy + (ni * tl.O + oc) * tl.h * tl.w + y * tl.w;
      const float* rows[2] = {p, y + 1 < tl.h ? p + tl.w : nullptr};
      K.wino_gy16(rows, x0, tl.w, len, Z + oc * ld + j0, plane);
    });
  });
}

}  // namespace

void winograd_forward(const float* x, const float* w, const float* bias, float* out, const ConvGeom& g) {
  float* U = shared_workspace(16 * g.o * g.c);
  weight_transform(w, g.o, g.c, false, U);
  winograd_run(x, U, bias, out, g.n, g.c, g.o, g.h, g.w);
}

// gx = the 3x3 / pad 1 convolution of gy with the kernel transposed (in <-> out channels) and rotated.
void winograd_backward_input(const float* gy, const float* w, float* gx, const ConvGeom& g) {
  float* U = shared_workspace(16 * g.o * g.c);
  weight_transform(w, g.o, g.c, true, U);
  winograd_run(gy, U, nullptr, gx, g.n, g.o, g.c, g.oh, g.ow);
}

}  // namespace conv
}  // namespace wr

namespace wr {
namespace conv {

// gW = sum over tiles of G^T [(A gy A^T) (.) (B^T x B)] G: per position xi of the 4x4 tile, the GEMM
// dU_xi [O x C] = Z_xi [O x tiles] @ V_xi^T, then each 4x4 dU[o][c] back to 3x3 with G^T = [1 .5 .5 0;
// 0 .5 -.5 0; 0 .5 .5 1]. Tiles are summed in fixed chunks, and the chunks in at most 8 fixed partial sums
// added in order, so the bits depend on the geometry only, never on the thread count.
void winograd_backward_weight(const float* gy, const float* x, float* gw, const ConvGeom& g) {
  const long C = g.c, O = g.o;
  Tiling tl{g.n, C, O, g.h, g.w, (g.oh + 1) / 2, (g.ow + 1) / 2, 0, 0, 0};
  tl.T = g.n * tl.th * tl.tw;
  // tiles are the GEMMs' depth here: chunks of 256 amortise loading and storing dU (a shallower GEMM spends
  // its time there), whatever the cache footprint of V and Z
  long chunk = 256;
  if (chunk > tl.T) chunk = tl.T;
  tl.chunk = chunk;
  tl.nchunks = (tl.T + chunk - 1) / chunk;
  const long usize = 16 * O * C;
  long P = tl.nchunks < 8 ? tl.nchunks : 8;
  while (P > 1 && P * usize > (8L << 20)) P--;  // partial sums within 32 MB
  float* dU = shared_workspace(P * usize);
  auto run = [&](long q) {
    const long a = q * tl.nchunks / P, b = (q + 1) * tl.nchunks / P;
    float* acc = dU + q * usize;
    float* V = workspace(WS_COL, 16 * C * chunk);
    float* Z = workspace(WS_TMP, 16 * O * chunk);
    for (long ch = a; ch < b; ch++) {
      const long t0 = ch * chunk, cnt = tl.T - t0 < chunk ? tl.T - t0 : chunk;
      input_transform(x, tl, t0, cnt, V);
      grad_transform(gy, tl, t0, cnt, Z);
      each_position(O * C * cnt, [&](int xi, bool split) {
        (split ? sgemm : sgemm_serial)(O, C, cnt, Mat{Z + xi * O * chunk, chunk, 1},
                                       Mat{V + xi * C * chunk, 1, chunk}, acc + xi * O * C, C, ch > a);
      });
    }
  };
  if (P > 1 && num_threads() > 1)
    parallel((int)P, [&](int q, int) { run(q); });
  else
    for (long q = 0; q < P; q++) run(q);
  // sum the partials in order, then 4x4 -> 3x3 per (o, c)
  const int T = threads_for((double)O * C * (16.0 * P + 40.0));
  parallel(T, [&](int th, int TT) {
    long o0, o1;
    chunk_range(O, th, TT, 1, &o0, &o1);
    // row oc of the 16 planes, partials summed (contiguous rows: the per-(o, c) gather across 16 * P planes
    // would touch a new page for every value)
    float* rows = workspace(WS_TMP2, 16 * C);
    for (long oc = o0; oc < o1; oc++) {
      for (int k = 0; k < 16; k++) {
        float* r = rows + k * C;
        const float* src = dU + k * O * C + oc * C;
        for (long ic = 0; ic < C; ic++) r[ic] = src[ic];
        for (long q = 1; q < P; q++)
          for (long ic = 0; ic < C; ic++) r[ic] += src[q * usize + ic];
      }
      for (long ic = 0; ic < C; ic++) {
        float u[4][4];
        for (int k = 0; k < 16; k++) u[k / 4][k % 4] = rows[k * C + ic];
        float t[3][4];  // G^T u
        for (int j = 0; j < 4; j++) {
          t[0][j] = u[0][j] + 0.5f * (u[1][j] + u[2][j]);
          t[1][j] = 0.5f * (u[1][j] - u[2][j]);
          t[2][j] = 0.5f * (u[1][j] + u[2][j]) + u[3][j];
        }
        float* w = gw + (oc * C + ic) * 9;
        for (int i = 0; i < 3; i++) {
          w[i * 3 + 0] = t[i][0] + 0.5f * (t[i][1] + t[i][2]);
          w[i * 3 + 1] = 0.5f * (t[i][1] - t[i][2]);
          w[i * 3 + 2] = 0.5f * (t[i][1] + t[i][2]) + t[i][3];
        }
      }
    }
  });
}

}  // namespace conv
}  // namespace wr
