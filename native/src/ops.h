// Entry points of the native kernels (the drivers behind the addon's exported functions). Shapes and sizes
// are validated by the TypeScript ops; these only compute on flat row-major float32 buffers.
#pragma once
#include <cstdint>

#include "kernels.h"

namespace wr {

// elementwise.cc
void ew_unary(int op, const float* x, float* y, long n, float alpha);
void ew_unary_grad(int op, const float* x, const float* y, const float* g, float* out, long n, float alpha);
// Broadcasting binary op (shapes right-aligned, like NumPy); out is float* or, for comparisons, uint8_t*.
void ew_binary(int op, const float* a, const int32_t* ashape, int ar, const float* b, const int32_t* bshape, int br,
               void* out, const int32_t* oshape, int orank);
void ew_expand(const float* x, const int32_t* xshape, int xr, float* out, const int32_t* oshape, int orank);
void ew_clamp(const float* x, float lo, float hi, bool has_lo, bool has_hi, float* out, long n);

// reduce.cc (op: 0 sum, 1 max, 2 min, 3 prod)
void reduce(int op, const float* x, const int32_t* shape, const uint8_t* reduced, int rank, float* out,
            long out_n);
void arg_reduce(bool is_max, const float* x, long outer, long n, long inner, double* out);
void softmax(const float* x, long outer, long n, long inner, float* out, bool log);
void softmax_grad(const float* y, const float* g, long outer, long n, long inner, float* out, bool log);

// conv.cc
struct ConvGeom {
  long n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, oh, ow;
};
void conv2d_forward(const float* x, const float* w, const float* bias, float* out, const ConvGeom& g);
void conv2d_backward_input(const float* gy, const float* w, float* gx, const ConvGeom& g);
void conv2d_backward_weight(const float* gy, const float* x, float* gw, float* gb, const ConvGeom& g);

// pool.cc
struct PoolGeom {
  long planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
};
void max_pool2d(const float* x, float* out, double* idx, const PoolGeom& g);
void max_pool2d_backward(const float* gy, const double* idx, float* gx, const PoolGeom& g);
void avg_pool2d(const float* x, float* out, const PoolGeom& g, bool count_include_pad, long divisor);
void avg_pool2d_backward(const float* gy, float* gx, const PoolGeom& g, bool count_include_pad, long divisor);
void adaptive_avg_pool2d(const float* x, long planes, long h, long w, long oh, long ow, float* out);
void adaptive_avg_pool2d_backward(const float* gy, long planes, long h, long w, long oh, long ow, float* gx);

// norm.cc: fused batch norm over [N, C, S] (statistics in double)
void batch_norm_stats(const float* x, long n, long c, long s, double* mean, double* varb);
void batch_norm_apply(const float* x, long n, long c, long s, const double* mean, const double* invstd,
                      const float* w, const float* b, float* y, bool relu);
void batch_norm_backward(const float* x, const float* gy, long n, long c, long s, const double* mean,
                         const double* invstd, const float* w, bool training, float* gx, float* gw, float* gb);

// optim.cc: fused SGD / Adam(W) steps in place (buf, vmax may be null)
void sgd_update(float* p, const float* g, float* buf, long n, const SgdHyper& h);
void adam_update(float* p, const float* g, float* m, float* v, float* vmax, long n, const AdamHyper& h);

}  // namespace wr
