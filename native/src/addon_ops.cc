// N-API functions for the elementwise, reduction, convolution and pooling kernels. Shapes and geometry
// arrive in small Int32Arrays the TypeScript side reuses (no per-call allocation); each function checks that
// every buffer holds what that geometry needs before touching it.
#include <math.h>

#include "kernels.h"
#include "napi_args.h"
#include "ops.h"

namespace wr {
namespace {

constexpr int kMaxRank = 32;

long prod(const int32_t* s, int r) {
  long p = 1;
  for (int i = 0; i < r; i++) p *= s[i];
  return p;
}

// unary(op, x, out, alpha)
napi_value Unary(napi_env env, napi_callback_info info) {
  Args a(env, info, "unary");
  const long op = a.integer(0);
  const double alpha = a.number(3);
  size_t n = 0;
  float* y = static_cast<float*>(a.typed(2, napi_float32_array, &n, "out must be a Float32Array"));
  const float* x = a.f32(1, n, "x must be a Float32Array");
  if (!a.failed && op >= U_COUNT) a.fail("unknown op");
  if (a.failed) return nullptr;
  ew_unary((int)op, x, y, (long)n, (float)alpha);
  return undefined(env);
}

// unaryGrad(op, x, y, g, out, alpha)
napi_value UnaryGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, "unaryGrad");
  const long op = a.integer(0);
  const double alpha = a.number(5);
  size_t n = 0;
  float* out = static_cast<float*>(a.typed(4, napi_float32_array, &n, "out must be a Float32Array"));
  const float* x = a.f32(1, n, "x must be a Float32Array");
  const float* y = a.f32(2, n, "y must be a Float32Array");
  const float* g = a.f32(3, n, "g must be a Float32Array");
  if (!a.failed && op >= U_COUNT) a.fail("unknown op");
  if (a.failed) return nullptr;
  ew_unary_grad((int)op, x, y, g, out, (long)n, (float)alpha);
  return undefined(env);
}

// Unpack dims = [ra, ...aShape, rb, ...bShape, ro, ...outShape] (rb/b absent when count == 2).
bool shapes(Args& a, const int32_t* d, size_t len, int count, const int32_t** s, int* r) {
  size_t at = 0;
  for (int k = 0; k < count; k++) {
    if (at >= len) return false;
    r[k] = d[at++];
    if (r[k] < 0 || r[k] > kMaxRank || at + r[k] > len) return false;
    s[k] = d + at;
    for (int i = 0; i < r[k]; i++)
      if (s[k][i] < 0) return false;
    at += r[k];
  }
  return true;
}

// binary(op, a, b, out, dims)
napi_value Binary(napi_env env, napi_callback_info info) {
  Args a(env, info, "binary");
  const long op = a.integer(0);
  size_t dl = 0;
  const int32_t* d = a.i32(4, &dl, "dims must be an Int32Array");
  const int32_t* s[3];
  int r[3];
  if (!a.failed && (!shapes(a, d, dl, 3, s, r) || op >= B_COUNT)) a.fail("bad shapes");
  if (a.failed) return nullptr;
  const float* A = a.f32(1, prod(s[0], r[0]), "a must be a Float32Array");
  const float* B = a.f32(2, prod(s[1], r[1]), "b must be a Float32Array");
  void* out = binary_is_compare((int)op) ? (void*)a.u8(3, prod(s[2], r[2]), "out must be a Uint8Array")
                                         : (void*)a.f32(3, prod(s[2], r[2]), "out must be a Float32Array");
  if (a.failed) return nullptr;
  ew_binary((int)op, A, s[0], r[0], B, s[1], r[1], out, s[2], r[2]);
  return undefined(env);
}

// expand(x, out, dims = [rx, ...xShape, ro, ...outShape])
napi_value Expand(napi_env env, napi_callback_info info) {
  Args a(env, info, "expand");
  size_t dl = 0;
  const int32_t* d = a.i32(2, &dl, "dims must be an Int32Array");
  const int32_t* s[2];
  int r[2];
  if (!a.failed && !shapes(a, d, dl, 2, s, r)) a.fail("bad shapes");
  if (a.failed) return nullptr;
  const float* x = a.f32(0, prod(s[0], r[0]), "x must be a Float32Array");
  float* out = a.f32(1, prod(s[1], r[1]), "out must be a Float32Array");
  if (a.failed) return nullptr;
  ew_expand(x, s[0], r[0], out, s[1], r[1]);
  return undefined(env);
}

// clamp(x, lo, hi, out): NaN bounds mean unbounded
napi_value Clamp(napi_env env, napi_callback_info info) {
  Args a(env, info, "clamp");
  const double lo = a.number(1), hi = a.number(2);
  size_t n = 0;
  float* out = static_cast<float*>(a.typed(3, napi_float32_array, &n, "out must be a Float32Array"));
  const float* x = a.f32(0, n, "x must be a Float32Array");
  if (a.failed) return nullptr;
  ew_clamp(x, (float)lo, (float)hi, !isnan(lo), !isnan(hi), out, (long)n);
  return undefined(env);
}

// reduce(op, x, out, dims = [rank, ...shape, ...reducedFlags])
napi_value Reduce(napi_env env, napi_callback_info info) {
  Args a(env, info, "reduce");
  const long op = a.integer(0);
  size_t dl = 0;
  const int32_t* d = a.i32(3, &dl, "dims must be an Int32Array");
  if (!a.failed && (dl < 1 || d[0] < 0 || d[0] > kMaxRank || dl < 1 + 2 * (size_t)d[0] || op > 3))
    a.fail("bad shape");
  if (a.failed) return nullptr;
  const int rank = d[0];
  const int32_t* shape = d + 1;
  uint8_t red[kMaxRank];
  long outn = 1, total = 1;
  for (int i = 0; i < rank; i++) {
    if (shape[i] < 0) a.fail("bad shape");
    red[i] = d[1 + rank + i] != 0;
    total *= shape[i];
    if (!red[i]) outn *= shape[i];
  }
  const float* x = a.f32(1, total, "x must be a Float32Array");
  float* out = a.f32(2, outn, "out must be a Float32Array");
  if (a.failed) return nullptr;
  reduce((int)op, x, shape, red, rank, out, outn);
  return undefined(env);
}

// argReduce(isMax, x, outer, n, inner, out: Float64Array)
napi_value ArgReduce(napi_env env, napi_callback_info info) {
  Args a(env, info, "argReduce");
  const bool is_max = a.boolean(0);
  const long outer = a.integer(2), n = a.integer(3), inner = a.integer(4);
  if (!a.failed && n < 1) a.fail("empty reduction");
  const float* x = a.f32(1, outer * n * inner, "x must be a Float32Array");
  double* out = a.f64(5, outer * inner, "out must be a Float64Array");
  if (a.failed) return nullptr;
  arg_reduce(is_max, x, outer, n, inner, out);
  return undefined(env);
}

// softmax(x, outer, n, inner, out, log)
napi_value Softmax(napi_env env, napi_callback_info info) {
  Args a(env, info, "softmax");
  const long outer = a.integer(1), n = a.integer(2), inner = a.integer(3);
  const bool lg = a.boolean(5);
  const float* x = a.f32(0, outer * n * inner, "x must be a Float32Array");
  float* out = a.f32(4, outer * n * inner, "out must be a Float32Array");
  if (a.failed) return nullptr;
  softmax(x, outer, n, inner, out, lg);
  return undefined(env);
}

// softmaxGrad(y, g, outer, n, inner, out, log)
napi_value SoftmaxGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, "softmaxGrad");
  const long outer = a.integer(2), n = a.integer(3), inner = a.integer(4);
  const bool lg = a.boolean(6);
  const long total = outer * n * inner;
  const float* y = a.f32(0, total, "y must be a Float32Array");
  const float* g = a.f32(1, total, "g must be a Float32Array");
  float* out = a.f32(5, total, "out must be a Float32Array");
  if (a.failed) return nullptr;
  softmax_grad(y, g, outer, n, inner, out, lg);
  return undefined(env);
}

// geometry Int32Array: n c h w o kh kw sh sw ph pw dh dw groups oh ow
bool conv_geom(Args& a, size_t i, ConvGeom* g) {
  size_t len = 0;
  const int32_t* d = a.i32(i, &len, "geometry must be an Int32Array");
  if (a.failed) return false;
  if (len < 16) {
    a.fail("geometry needs 16 entries");
    return false;
  }
  long v[16];
  for (int k = 0; k < 16; k++) v[k] = d[k];
  *g = ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]};
  const bool ok = g->n >= 0 && g->c >= 1 && g->h >= 1 && g->w >= 1 && g->o >= 1 && g->kh >= 1 && g->kw >= 1 &&
                  g->sh >= 1 && g->sw >= 1 && g->ph >= 0 && g->pw >= 0 && g->dh >= 1 && g->dw >= 1 &&
                  g->groups >= 1 && g->c % g->groups == 0 && g->o % g->groups == 0 && g->oh >= 1 && g->ow >= 1 &&
                  (g->oh - 1) * g->sh + (g->kh - 1) * g->dh < g->h + 2 * g->ph &&
                  (g->ow - 1) * g->sw + (g->kw - 1) * g->dw < g->w + 2 * g->pw;
  if (!ok) a.fail("inconsistent geometry");
  return ok;
}

long wsize(const ConvGeom& g) { return g.o * (g.c / g.groups) * g.kh * g.kw; }

// conv2d(x, w, bias|null, out, geom)
napi_value Conv2d(napi_env env, napi_callback_info info) {
  Args a(env, info, "conv2d");
  ConvGeom g;
  if (!conv_geom(a, 4, &g)) return nullptr;
  const float* x = a.f32(0, g.n * g.c * g.h * g.w, "x must be a Float32Array");
  const float* w = a.f32(1, wsize(g), "weight must be a Float32Array");
  const float* b = a.is_null(2) ? nullptr : a.f32(2, g.o, "bias must be a Float32Array");
  float* out = a.f32(3, g.n * g.o * g.oh * g.ow, "out must be a Float32Array");
  if (a.failed) return nullptr;
  conv2d_forward(x, w, b, out, g);
  return undefined(env);
}

// conv2dBackwardInput(gy, w, gx, geom)
napi_value Conv2dBackwardInput(napi_env env, napi_callback_info info) {
  Args a(env, info, "conv2dBackwardInput");
  ConvGeom g;
  if (!conv_geom(a, 3, &g)) return nullptr;
  const float* gy = a.f32(0, g.n * g.o * g.oh * g.ow, "gy must be a Float32Array");
  const float* w = a.f32(1, wsize(g), "weight must be a Float32Array");
  float* gx = a.f32(2, g.n * g.c * g.h * g.w, "gx must be a Float32Array");
  if (a.failed) return nullptr;
  conv2d_backward_input(gy, w, gx, g);
  return undefined(env);
}

// conv2dBackwardWeight(gy, x, gw, gb|null, geom)
napi_value Conv2dBackwardWeight(napi_env env, napi_callback_info info) {
  Args a(env, info, "conv2dBackwardWeight");
  ConvGeom g;
  if (!conv_geom(a, 4, &g)) return nullptr;
  const float* gy = a.f32(0, g.n * g.o * g.oh * g.ow, "gy must be a Float32Array");
  const float* x = a.f32(1, g.n * g.c * g.h * g.w, "x must be a Float32Array");
  float* gw = a.f32(2, wsize(g), "gw must be a Float32Array");
  float* gb = a.is_null(3) ? nullptr : a.f32(3, g.o, "gb must be a Float32Array");
  if (a.failed) return nullptr;
  conv2d_backward_weight(gy, x, gw, gb, g);
  return undefined(env);
}

// geometry Int32Array: planes h w kh kw sh sw ph pw dh dw oh ow
bool pool_geom(Args& a, size_t i, PoolGeom* g) {
  size_t len = 0;
  const int32_t* d = a.i32(i, &len, "geometry must be an Int32Array");
  if (a.failed) return false;
  if (len < 13) {
    a.fail("geometry needs 13 entries");
    return false;
  }
  long v[13];
  for (int k = 0; k < 13; k++) v[k] = d[k];
  *g = PoolGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]};
  const bool ok = g->planes >= 0 && g->h >= 1 && g->w >= 1 && g->kh >= 1 && g->kw >= 1 && g->sh >= 1 &&
                  g->sw >= 1 && g->ph >= 0 && g->pw >= 0 && g->dh >= 1 && g->dw >= 1 && g->oh >= 0 && g->ow >= 0;
  if (!ok) a.fail("inconsistent geometry");
  return ok;
}

// maxPool2d(x, out, indices: Float64Array, geom)
napi_value MaxPool2d(napi_env env, napi_callback_info info) {
  Args a(env, info, "maxPool2d");
  PoolGeom g;
  if (!pool_geom(a, 3, &g)) return nullptr;
  const long no = g.planes * g.oh * g.ow;
  const float* x = a.f32(0, g.planes * g.h * g.w, "x must be a Float32Array");
  float* out = a.f32(1, no, "out must be a Float32Array");
  double* idx = a.is_null(2) ? nullptr : a.f64(2, no, "indices must be a Float64Array or null");
  if (a.failed) return nullptr;
  max_pool2d(x, out, idx, g);
  return undefined(env);
}

// maxPool2dBackward(gy, indices, gx, geom)
napi_value MaxPool2dBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, "maxPool2dBackward");
  PoolGeom g;
  if (!pool_geom(a, 3, &g)) return nullptr;
  const long no = g.planes * g.oh * g.ow, HW = g.h * g.w;
  const float* gy = a.f32(0, no, "gy must be a Float32Array");
  const double* idx = a.f64(1, no, "indices must be a Float64Array");
  float* gx = a.f32(2, g.planes * HW, "gx must be a Float32Array");
  if (a.failed) return nullptr;
  for (long i = 0; i < no; i++)
    if (!(idx[i] < (double)HW)) {  // also rejects NaN; -1 (an all-padding window) is allowed
      a.fail("index out of range");
      return nullptr;
    }
  max_pool2d_backward(gy, idx, gx, g);
  return undefined(env);
}

// avgPool2d(x, out, geom, countIncludePad, divisorOverride)
napi_value AvgPool2d(napi_env env, napi_callback_info info) {
  Args a(env, info, "avgPool2d");
  PoolGeom g;
  if (!pool_geom(a, 2, &g)) return nullptr;
  const bool cip = a.boolean(3);
  const long div = (long)a.number(4);
  const float* x = a.f32(0, g.planes * g.h * g.w, "x must be a Float32Array");
  float* out = a.f32(1, g.planes * g.oh * g.ow, "out must be a Float32Array");
  if (a.failed) return nullptr;
  avg_pool2d(x, out, g, cip, div);
  return undefined(env);
}

// avgPool2dBackward(gy, gx, geom, countIncludePad, divisorOverride)
napi_value AvgPool2dBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, "avgPool2dBackward");
  PoolGeom g;
  if (!pool_geom(a, 2, &g)) return nullptr;
  const bool cip = a.boolean(3);
  const long div = (long)a.number(4);
  const float* gy = a.f32(0, g.planes * g.oh * g.ow, "gy must be a Float32Array");
  float* gx = a.f32(1, g.planes * g.h * g.w, "gx must be a Float32Array");
  if (a.failed) return nullptr;
  avg_pool2d_backward(gy, gx, g, cip, div);
  return undefined(env);
}

// adaptiveAvgPool2d(x, out, planes, h, w, oh, ow)
napi_value AdaptiveAvgPool2d(napi_env env, napi_callback_info info) {
  Args a(env, info, "adaptiveAvgPool2d");
  const long planes = a.integer(2), h = a.integer(3), w = a.integer(4), oh = a.integer(5), ow = a.integer(6);
  if (!a.failed && (oh < 1 || ow < 1)) a.fail("output size must be positive");
  const float* x = a.f32(0, planes * h * w, "x must be a Float32Array");
  float* out = a.f32(1, planes * oh * ow, "out must be a Float32Array");
  if (a.failed) return nullptr;
  adaptive_avg_pool2d(x, planes, h, w, oh, ow, out);
  return undefined(env);
}

// adaptiveAvgPool2dBackward(gy, gx, planes, h, w, oh, ow)
napi_value AdaptiveAvgPool2dBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, "adaptiveAvgPool2dBackward");
  const long planes = a.integer(2), h = a.integer(3), w = a.integer(4), oh = a.integer(5), ow = a.integer(6);
  if (!a.failed && (oh < 1 || ow < 1)) a.fail("output size must be positive");
  const float* gy = a.f32(0, planes * oh * ow, "gy must be a Float32Array");
  float* gx = a.f32(1, planes * h * w, "gx must be a Float32Array");
  if (a.failed) return nullptr;
  adaptive_avg_pool2d_backward(gy, planes, h, w, oh, ow, gx);
  return undefined(env);
}

// batchNormStats(x, n, c, s, mean: Float64Array, varb: Float64Array)
napi_value BatchNormStats(napi_env env, napi_callback_info info) {
  Args a(env, info, "batchNormStats");
  const long n = a.integer(1), c = a.integer(2), s = a.integer(3);
  const float* x = a.f32(0, n * c * s, "x must be a Float32Array");
  double* mean = a.f64(4, c, "mean must be a Float64Array");
  double* varb = a.f64(5, c, "varb must be a Float64Array");
  if (a.failed) return nullptr;
  batch_norm_stats(x, n, c, s, mean, varb);
  return undefined(env);
}

// batchNormApply(x, n, c, s, mean, invstd, w|null, b|null, y[, relu]) (y may be x)
napi_value BatchNormApply(napi_env env, napi_callback_info info) {
  Args a(env, info, "batchNormApply");
  const long n = a.integer(1), c = a.integer(2), s = a.integer(3);
  const float* x = a.f32(0, n * c * s, "x must be a Float32Array");
  const double* mean = a.f64(4, c, "mean must be a Float64Array");
  const double* invstd = a.f64(5, c, "invstd must be a Float64Array");
  const float* w = a.is_null(6) ? nullptr : a.f32(6, c, "weight must be a Float32Array");
  const float* b = a.is_null(7) ? nullptr : a.f32(7, c, "bias must be a Float32Array");
  float* y = a.f32(8, n * c * s, "y must be a Float32Array");
  const bool relu = a.n > 9 && a.boolean(9);
  if (a.failed) return nullptr;
  batch_norm_apply(x, n, c, s, mean, invstd, w, b, y, relu);
  return undefined(env);
}

// batchNormBackward(x, gy, n, c, s, mean, invstd, w|null, training, gx|null, gw|null, gb|null)
napi_value BatchNormBackward(napi_env env, napi_callback_info info) {
  Args a(env, info, "batchNormBackward");
  const long n = a.integer(2), c = a.integer(3), s = a.integer(4);
  const bool training = a.boolean(8);
  const float* x = a.f32(0, n * c * s, "x must be a Float32Array");
  const float* gy = a.f32(1, n * c * s, "gy must be a Float32Array");
  const double* mean = a.f64(5, c, "mean must be a Float64Array");
  const double* invstd = a.f64(6, c, "invstd must be a Float64Array");
  const float* w = a.is_null(7) ? nullptr : a.f32(7, c, "weight must be a Float32Array");
  float* gx = a.is_null(9) ? nullptr : a.f32(9, n * c * s, "gx must be a Float32Array");
  float* gw = a.is_null(10) ? nullptr : a.f32(10, c, "gw must be a Float32Array");
  float* gb = a.is_null(11) ? nullptr : a.f32(11, c, "gb must be a Float32Array");
  if (a.failed) return nullptr;
  batch_norm_backward(x, gy, n, c, s, mean, invstd, w, training, gx, gw, gb);
  return undefined(env);
}

// sgdStep(p, g, buf | null, wd, momentum, keep, negLr, nesterov, maximize, first)
napi_value SgdStep(napi_env env, napi_callback_info info) {
  Args a(env, info, "sgdStep");
  size_t n = 0;
  float* p = static_cast<float*>(a.typed(0, napi_float32_array, &n, "param must be a Float32Array"));
  const float* g = a.f32(1, n, "grad must be a Float32Array");
  float* buf = a.is_null(2) ? nullptr : a.f32(2, n, "momentum buffer must be a Float32Array");
  const SgdHyper h{(float)a.number(3), (float)a.number(4), (float)a.number(5), (float)a.number(6),
                   a.boolean(7), a.boolean(8), a.boolean(9)};
  if (a.failed) return nullptr;
  sgd_update(p, g, buf, (long)n, h);
  return undefined(env);
}

// adamStep(p, g, m, v, vmax | null, [negStep, bc2Sqrt, b1, b2, omb1, omb2, eps, wd, decay], coupled, decoupled,
// maximize): the float constants arrive in one Float32Array
napi_value AdamStep(napi_env env, napi_callback_info info) {
  Args a(env, info, "adamStep");
  size_t n = 0;
  float* p = static_cast<float*>(a.typed(0, napi_float32_array, &n, "param must be a Float32Array"));
  const float* g = a.f32(1, n, "grad must be a Float32Array");
  float* m = a.f32(2, n, "exp_avg must be a Float32Array");
  float* v = a.f32(3, n, "exp_avg_sq must be a Float32Array");
  float* vmax = a.is_null(4) ? nullptr : a.f32(4, n, "max_exp_avg_sq must be a Float32Array");
  const float* c = a.f32(5, 9, "constants must be a Float32Array of 9");
  const bool coupled = a.boolean(6), decoupled = a.boolean(7), maximize = a.boolean(8);
  if (a.failed) return nullptr;
  const AdamHyper h{c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], coupled, decoupled, maximize};
  adam_update(p, g, m, v, vmax, (long)n, h);
  return undefined(env);
}

}  // namespace

void register_ops(napi_env env, napi_value exports) {
#define WR_FN(name, fn) {name, nullptr, fn, nullptr, nullptr, nullptr, napi_default, nullptr}
  napi_property_descriptor props[] = {
      WR_FN("unary", Unary),
      WR_FN("unaryGrad", UnaryGrad),
      WR_FN("binary", Binary),
      WR_FN("expand", Expand),
      WR_FN("clamp", Clamp),
      WR_FN("reduce", Reduce),
      WR_FN("argReduce", ArgReduce),
      WR_FN("softmax", Softmax),
      WR_FN("softmaxGrad", SoftmaxGrad),
      WR_FN("conv2d", Conv2d),
      WR_FN("conv2dBackwardInput", Conv2dBackwardInput),
      WR_FN("conv2dBackwardWeight", Conv2dBackwardWeight),
      WR_FN("maxPool2d", MaxPool2d),
      WR_FN("maxPool2dBackward", MaxPool2dBackward),
      WR_FN("avgPool2d", AvgPool2d),
      WR_FN("avgPool2dBackward", AvgPool2dBackward),
      WR_FN("adaptiveAvgPool2d", AdaptiveAvgPool2d),
      WR_FN("adaptiveAvgPool2dBackward", AdaptiveAvgPool2dBackward),
      WR_FN("batchNormStats", BatchNormStats),
      WR_FN("batchNormApply", BatchNormApply),
      WR_FN("batchNormBackward", BatchNormBackward),
      WR_FN("sgdStep", SgdStep),
      WR_FN("adamStep", AdamStep),
  };
#undef WR_FN
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace wr
