// Elementwise drivers: broadcasting binary ops, expand and clamp. Shapes are right-aligned and coalesced
// (size-1 output dims dropped, neighbouring dims merged when both inputs step through them contiguously), so
// the inner loop is always one long run whose input strides are 0 (broadcast) or 1, handed to the ISA kernel.
#include <string.h>

#include "kernels.h"
#include "ops.h"
#include "parallel.h"

namespace wr {
namespace {

constexpr int kMaxRank = 32;

// Coalesced iteration space, innermost dim first: size[d], and each input's element stride st[k][d].
struct Space {
  int rank = 0;
  long size[kMaxRank];
  long st[2][kMaxRank];
  long total = 1;
};

// Strides of an input of shape xs (rank xr) broadcast into an output of rank orank, outermost first.
void bcast_strides(const int32_t* xs, int xr, int orank, long* st) {
  long s = 1;
  for (int j = 0; j < orank; j++) st[j] = 0;
  for (int i = xr - 1; i >= 0; i--) {
    const int j = orank - xr + i;
    st[j] = xs[i] == 1 ? 0 : s;
    s *= xs[i];
  }
}

Space coalesce(int nin, const long* const* strides, const int32_t* os, int orank) {
  Space sp;
  for (int j = orank - 1; j >= 0; j--) {
    const long n = os[j];
    sp.total *= n;
    if (n == 1) continue;
    if (sp.rank > 0) {
      const int d = sp.rank - 1;
      bool merge = true;
      for (int k = 0; k < nin; k++) merge = merge && strides[k][j] == sp.st[k][d] * sp.size[d];
      if (merge) {
        sp.size[d] *= n;
        continue;
      }
    }
    sp.size[sp.rank] = n;
    for (int k = 0; k < nin; k++) sp.st[k][sp.rank] = strides[k][j];
    sp.rank++;
  }
  return sp;
}

// Visit rows [r0, r1) of the space (a row = the innermost dim), calling f(out_offset, in_offsets..., len).
template <class F>
void for_rows(const Space& sp, int nin, long r0, long r1, F&& f) {
  const long len = sp.rank ? sp.size[0] : 1;
  long idx[kMaxRank];
  long off[2] = {0, 0};
  long rem = r0;
  for (int d = 1; d < sp.rank; d++) {
    idx[d] = rem % sp.size[d];
    rem /= sp.size[d];
    for (int k = 0; k < nin; k++) off[k] += idx[d] * sp.st[k][d];
  }
  for (long r = r0; r < r1; r++) {
    f(r * len, off[0], off[1], len);
    for (int d = 1; d < sp.rank; d++) {
      for (int k = 0; k < nin; k++) off[k] += sp.st[k][d];
      if (++idx[d] < sp.size[d]) break;
      for (int k = 0; k < nin; k++) off[k] -= sp.st[k][d] * sp.size[d];
      idx[d] = 0;
    }
  }
}

// Run rows in parallel chunks when the whole op is big enough (memory-bound: ~1 element per ns).
template <class F>
void parallel_rows(const Space& sp, int nin, F&& f) {
  const long len = sp.rank ? sp.size[0] : 1;
  const long rows = sp.total / len;
  const int T = rows > 1 ? threads_for((double)sp.total / 2.0) : 1;
  parallel(T, [&](int t, int TT) {
    long r0, r1;
    chunk_range(rows, t, TT, 1, &r0, &r1);
    if (r1 > r0) for_rows(sp, nin, r0, r1, f);
  });
}

// Contiguous element ranges for the shape-free ops.
template <class F>
void parallel_flat(long n, F&& f) {
  const int T = threads_for((double)n / 2.0);
  parallel(T, [&](int t, int TT) {
    long i0, i1;
    chunk_range(n, t, TT, 64, &i0, &i1);
    if (i1 > i0) f(i0, i1);
  });
}

}  // namespace

void ew_unary(int op, const float* x, float* y, long n, float alpha) {
  const IsaKernels& K = isa();
  parallel_flat(n, [&](long i0, long i1) { K.unary(op, x + i0, y + i0, i1 - i0, alpha); });
}

void ew_unary_grad(int op, const float* x, const float* y, const float* g, float* out, long n, float alpha) {
  const IsaKernels& K = isa();
  parallel_flat(n, [&](long i0, long i1) {
    K.unary_grad(op, x + i0, y + i0, g + i0, out + i0, i1 - i0, alpha);
  });
}

void ew_binary(int op, const float* a, const int32_t* ashape, int ar, const float* b, const int32_t* bshape, int br,
               void* out, const int32_t* oshape, int orank) {
  long sa[kMaxRank], sb[kMaxRank];
  bcast_strides(ashape, ar, orank, sa);
  bcast_strides(bshape, br, orank, sb);
  const long* strides[2] = {sa, sb};
  const Space sp = coalesce(2, strides, oshape, orank);
  if (sp.total == 0) return;
  const long ia = sp.rank ? sp.st[0][0] : 0, ib = sp.rank ? sp.st[1][0] : 0;
  const IsaKernels& K = isa();
  if (binary_is_compare(op)) {
    uint8_t* o = static_cast<uint8_t*>(out);
    parallel_rows(sp, 2, [&](long oo, long oa, long ob, long len) {
      K.compare(op, a + oa, ia, b + ob, ib, o + oo, len);
    });
  } else {
    float* o = static_cast<float*>(out);
    parallel_rows(sp, 2, [&](long oo, long oa, long ob, long len) {
      K.binary(op, a + oa, ia, b + ob, ib, o + oo, len);
    });
  }
}

void ew_expand(const float* x, const int32_t* xshape, int xr, float* out, const int32_t* oshape, int orank) {
  long sx[kMaxRank];
  bcast_strides(xshape, xr, orank, sx);
  const long* strides[1] = {sx};
  const Space sp = coalesce(1, strides, oshape, orank);
  if (sp.total == 0) return;
  const long ix = sp.rank ? sp.st[0][0] : 0;
  parallel_rows(sp, 1, [&](long oo, long ox, long, long len) {
    if (ix)
      memcpy(out + oo, x + ox, len * sizeof(float));
    else
      for (long i = 0; i < len; i++) out[oo + i] = x[ox];
  });
}

void ew_clamp(const float* x, float lo, float hi, bool has_lo, bool has_hi, float* out, long n) {
  parallel_flat(n, [&](long i0, long i1) {
    for (long i = i0; i < i1; i++) {
      float v = x[i];
      // NaN passes through, like torch.clamp
      v = has_lo && v < lo ? lo : v;
      v = has_hi && v > hi ? hi : v;
      out[i] = v;
    }
  });
}

}  // namespace wr
