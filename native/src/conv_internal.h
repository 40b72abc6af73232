// Shared pieces of the conv2d implementation (conv.cc drives; conv_lowering.cc turns convolutions into GEMM
// operands; conv_depthwise.cc has the direct depthwise loops). Internal to the addon.
#pragma once
#include <stdint.h>

#include "gemm.h"
#include "kernels.h"
#include "ops.h"

namespace wr {
namespace conv {

// Output positions o in [lo, hi) read input o*stride + off inside [0, in).
inline void valid_range(long off, long stride, long in, long out_n, long* lo, long* hi) {
  long a = off >= 0 ? 0 : (-off + stride - 1) / stride;
  long b = in - 1 - off < 0 ? 0 : (in - 1 - off) / stride + 1;
  if (b > out_n) b = out_n;
  if (a > b) a = b;
  *lo = a;
  *hi = b;
}

// Where kernel tap (i, j) reads, relative to output position (oy*sh, ox*sw): offsets offy/offx, and the output
// rows [ylo, yhi) and columns [xlo, xhi) for which the read lands inside the image.
struct Tap {
  long offy, offx, ylo, yhi, xlo, xhi;
};
inline Tap tap(const ConvGeom& g, long i, long j) {
  Tap t;
  t.offy = i * g.dh - g.ph;
  t.offx = j * g.dw - g.pw;
  valid_range(t.offy, g.sh, g.h, g.oh, &t.ylo, &t.yhi);
  valid_range(t.offx, g.sw, g.w, g.ow, &t.xlo, &t.xhi);
  return t;
}

struct Plan {
  long cg, og, K, L, HW, S;
  bool direct;  // 1x1, stride 1, no padding, S == 1: the input plane block is col itself
};

Plan plan(const ConvGeom& g);

inline bool is_depthwise(const ConvGeom& g) { return g.groups > 1 && g.c == g.groups; }

// Per kernel tap t (row-major over kh x kw) and output position l: the offset within an input plane that tap t
// reads for l, or -1 where it reads padding; tab[t * oh*ow + l] (in this thread's WS_TAPS workspace).
int32_t* tap_table(const ConvGeom& g);
// im2col of S samples (from the group's first channel at x, sample stride xs) into col [K x S*L].
void par_im2col(const float* x, long xs, long S, const ConvGeom& g, const Plan& p, float* col);
// gx planes of the group's channels, zeroed, += every col entry read from them (S samples, stride xs).
void par_col2im(const float* col, long S, const ConvGeom& g, const Plan& p, float* gx, long xs);
// dst[oc][s*L + l] = src[s*ss + oc*L + l]: S samples' [og x L] blocks side by side.
void gather_rows(const float* src, long ss, long S, long og, long L, float* dst);

// Implicit im2col: B = col for the forward GEMM, packed straight from the input (see conv_lowering.cc).
struct ColPack {
  const float* x;  // first channel of the group, first sample
  long xs;         // sample stride
  const ConvGeom* g;
  const ColRow* rows;
  long L;
  int nr;
};
ColRow* col_rows(const ConvGeom& g, const Plan& p);
void pack_col(const void* ctx, long p0, long kc, long j0, long nc, float* dst);

// Winograd F(2x2, 3x3) (conv_winograd.cc) for 3x3 / stride 1 / pad 1 / ungrouped layers with enough channels
// and tiles to pay for the transforms.
bool winograd_applies(const ConvGeom& g, bool weight_grad);
void winograd_forward(const float* x, const float* w, const float* bias, float* out, const ConvGeom& g);
void winograd_backward_input(const float* gy, const float* w, float* gx, const ConvGeom& g);
void winograd_backward_weight(const float* gy, const float* x, float* gw, const ConvGeom& g);

// Small maps, batches of 8 or more (conv_taps.cc): a sum over kernel taps in a position-major layout that
// skips the (tap, position) pairs which only see padding.
bool taps_applies(const ConvGeom& g, bool input_grad);
void taps_forward(const float* x, const float* w, const float* bias, float* out, const ConvGeom& g);
void taps_backward_input(const float* gy, const float* w, float* gx, const ConvGeom& g);
void taps_backward_weight(const float* gy, const float* x, float* gw, const ConvGeom& g);

void dw_forward(const float* x, const float* w, const float* bias, float* out, const ConvGeom& g);
void dw_backward_input(const float* gy, const float* w, float* gx, const ConvGeom& g);
void dw_backward_weight(const float* gy, const float* x, float* gw, const ConvGeom& g);

}  // namespace conv
}  // namespace wr
