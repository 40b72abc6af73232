// Depthwise convolution (one input channel per group, any channel multiplier) as direct per-plane loops:
// as GEMMs they would be 1 x kh*kw deep. Each output (or input-gradient) plane, and each weight, is written
// by one thread in a fixed order, so the results do not depend on the thread count.
#include <string.h>

#include "conv_internal.h"
#include "kernels.h"
#include "parallel.h"

namespace wr {
namespace conv {

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
          const auto [offy, offx, ylo, yhi, xlo, xhi] = tap(g, i, j);
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
            const auto [offy, offx, ylo, yhi, xlo, xhi] = tap(g, i, j);
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
          const auto [offy, offx, ylo, yhi, xlo, xhi] = tap(g, i, j);
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

}  // namespace conv
}  // namespace wr
