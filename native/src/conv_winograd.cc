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

bool winograd_applies(const ConvGeom& g) {
  if (!(g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.ph == 1 && g.pw == 1 &&
        g.groups == 1 && g.c >= 16 && g.o >= 16 && g.h >= 8 && g.w >= 8))
    return false;
  // Enough tiles to pay for transforming the weights (16 values per input-output channel pair, repacked for
  // every chunk of tiles): measured on ResNet-18 shapes, a win for 64-256 channels on maps of 8x8 and more
  // (up to 1.5x), a loss for 512 channels on 7x7 maps at batch 16 and for 4x4 maps (all tiles on the border).
  const long tiles = g.n * ((g.oh + 1) / 2) * ((g.ow + 1) / 2);
  return tiles >= 64 && (g.o * g.c <= 256 * 256 || tiles >= 1024);
}

namespace {

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

// Tile t's image, top-left output row and column.
struct TilePos {
  long n, y, x;
};
inline TilePos tile_pos(const Tiling& tl, long t) {
  const long r = t % (tl.th * tl.tw);
  return {t / (tl.th * tl.tw), 2 * (r / tl.tw), 2 * (r % tl.tw)};
}

// V[xi][ic][j] for tiles [t0, t0 + cnt) of the input x [n, C, h, w] (zero outside the image). Channels are
// split over threads (inline when already inside a parallel chunk); per channel the 16 outputs are 16
// sequential streams over the tiles.
void input_transform(const float* x, const Tiling& tl, long t0, long cnt, float* V) {
  const long ld = tl.chunk, plane = tl.C * ld;
  const int T = threads_for((double)tl.C * cnt * 24.0);
  parallel(T, [&](int th, int TT) {
    long c0, c1;
    chunk_range(tl.C, th, TT, 1, &c0, &c1);
    float vb[16][16];  // [xi][tile]: 16 tiles at a time, then one cache line per xi stream
    for (long ic = c0; ic < c1; ic++)
      for (long j0 = 0; j0 < cnt; j0 += 16) {
        const long nb = cnt - j0 < 16 ? cnt - j0 : 16;
        for (long l = 0; l < nb; l++) {
          const TilePos tp = tile_pos(tl, t0 + j0 + l);
          const long y0 = tp.y - 1, x0 = tp.x - 1;
          const float* p = x + (tp.n * tl.C + ic) * tl.h * tl.w;
          float d[4][4];
          if (y0 >= 0 && x0 >= 0 && y0 + 4 <= tl.h && x0 + 4 <= tl.w) {
            for (int i = 0; i < 4; i++)
              for (int q = 0; q < 4; q++) d[i][q] = p[(y0 + i) * tl.w + x0 + q];
          } else {
            for (int i = 0; i < 4; i++)
              for (int q = 0; q < 4; q++) {
                const long yy = y0 + i, xx = x0 + q;
                d[i][q] = yy >= 0 && yy < tl.h && xx >= 0 && xx < tl.w ? p[yy * tl.w + xx] : 0.f;
              }
          }
          // B^T d B with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
          float s[4][4];
          for (int q = 0; q < 4; q++) {
            s[0][q] = d[0][q] - d[2][q];
            s[1][q] = d[1][q] + d[2][q];
            s[2][q] = d[2][q] - d[1][q];
            s[3][q] = d[1][q] - d[3][q];
          }
          for (int i = 0; i < 4; i++) {
            vb[i * 4 + 0][l] = s[i][0] - s[i][2];
            vb[i * 4 + 1][l] = s[i][1] + s[i][2];
            vb[i * 4 + 2][l] = s[i][2] - s[i][1];
            vb[i * 4 + 3][l] = s[i][1] - s[i][3];
          }
        }
        float* v = V + ic * ld + j0;
        for (int xi = 0; xi < 16; xi++) memcpy(v + xi * plane, vb[xi], nb * sizeof(float));
      }
  });
}

// out [n, O, h, w] for tiles [t0, t0 + cnt) from M[xi][oc][j] (+ bias): A^T M A, A^T = [1 1 1 0; 0 1 -1 -1].
void output_transform(const float* M, const float* bias, const Tiling& tl, long t0, long cnt, float* out) {
  const long ld = tl.chunk, plane = tl.O * ld;
  const int T = threads_for((double)tl.O * cnt * 24.0);
  parallel(T, [&](int th, int TT) {
    long o0, o1;
    chunk_range(tl.O, th, TT, 1, &o0, &o1);
    float mb[16][16];  // [xi][tile]
    for (long oc = o0; oc < o1; oc++) {
      const float b = bias ? bias[oc] : 0.f;
      for (long j0 = 0; j0 < cnt; j0 += 16) {
        const long nb = cnt - j0 < 16 ? cnt - j0 : 16;
        const float* m = M + oc * ld + j0;
        for (int xi = 0; xi < 16; xi++) memcpy(mb[xi], m + xi * plane, nb * sizeof(float));
        for (long l = 0; l < nb; l++) {
          const TilePos tp = tile_pos(tl, t0 + j0 + l);
          float s[2][4];
          for (int q = 0; q < 4; q++) {
            s[0][q] = mb[q][l] + mb[4 + q][l] + mb[8 + q][l];
            s[1][q] = mb[4 + q][l] - mb[8 + q][l] - mb[12 + q][l];
          }
          float y[2][2];
          for (int i = 0; i < 2; i++) {
            y[i][0] = s[i][0] + s[i][1] + s[i][2] + b;
            y[i][1] = s[i][1] - s[i][2] - s[i][3] + b;
          }
          float* op = out + (tp.n * tl.O + oc) * tl.h * tl.w;
          if (tp.y + 2 <= tl.h && tp.x + 2 <= tl.w) {
            op[tp.y * tl.w + tp.x] = y[0][0];
            op[tp.y * tl.w + tp.x + 1] = y[0][1];
            op[(tp.y + 1) * tl.w + tp.x] = y[1][0];
            op[(tp.y + 1) * tl.w + tp.x + 1] = y[1][1];
          } else {
            for (int i = 0; i < 2; i++)
              for (int q = 0; q < 2; q++)
                if (tp.y + i < tl.h && tp.x + q < tl.w) op[(tp.y + i) * tl.w + tp.x + q] = y[i][q];
          }
        }
      }
    }
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
  // itself); a chunk's columns never change a result's bits, so this may depend on the thread count
  const long T = num_threads();
  while (chunk > 32 && (tl.T + chunk - 1) / chunk < 2 * T) chunk -= 32;
  if (chunk > tl.T) chunk = tl.T;
  tl.chunk = chunk;
  tl.nchunks = (tl.T + chunk - 1) / chunk;
  auto run = [&](long q) {
    const long t0 = q * chunk, cnt = tl.T - t0 < chunk ? tl.T - t0 : chunk;
    float* V = workspace(WS_COL, 16 * C * chunk);
    float* M = workspace(WS_TMP, 16 * O * chunk);
    input_transform(x, tl, t0, cnt, V);
    for (int xi = 0; xi < 16; xi++)
      sgemm(O, cnt, C, Mat{U + xi * O * C, C, 1}, Mat{V + xi * C * chunk, chunk, 1}, M + xi * O * chunk, chunk,
            false);
    output_transform(M, bias, tl, t0, cnt, out);
  };
  if (T > 1 && tl.nchunks >= 2 * T)
    parallel((int)tl.nchunks, [&](int q, int) { run(q); });
  else
    for (long q = 0; q < tl.nchunks; q++) run(q);
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
