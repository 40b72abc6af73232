// The per-ISA kernel table. Each instruction set (AVX-512, AVX2+FMA, portable C) is compiled in its own
// translation unit with its own flags and fills one IsaKernels; the drivers (gemm.cc, conv.cc, ...) are
// compiled for baseline x86-64 and only call through the table picked at run time (cpu.cc).
#pragma once
#include <cstddef>
#include <cstdint>

namespace wr {

// Op codes shared with src/backend/native/binding.ts (keep both lists in the same order).
enum UnaryCode {
  U_NEG, U_ABS, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_SIGMOID, U_TANH, U_RELU, U_LEAKY_RELU, U_GELU,
  U_GELU_TANH, U_SILU, U_HARDSWISH, U_HARDSIGMOID, U_RELU6, U_SQUARE, U_RECIPROCAL, U_SIGN, U_SIN,
  U_COS, U_LOG1P, U_EXPM1, U_FLOOR, U_CEIL, U_ROUND, U_SOFTPLUS, U_COUNT
};
enum BinaryCode {
  B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAXIMUM, B_MINIMUM, B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE,
  B_AND, B_OR, B_COUNT
};
static inline bool binary_is_compare(int op) { return op >= B_EQ; }
// ReLU as torch has it: NaN stays NaN (a plain max(v, 0) would drop it), -0 becomes 0.
static inline float relu_keep_nan(float v) { return v > 0.f ? v : (v != v ? v : 0.f); }

// Fused optimizer updates (float32). Each field is a float32 constant computed as torch computes it; every
// `fmaf` stands where torch's kernel does one fused multiply-add (add with alpha, addcmul), everything else is
// one rounded operation, so the result is torch's to the bit.
struct SgdHyper {
  float wd, mom, keep, neg_lr;  // keep = 1 - dampening
  int nesterov, maximize, first;  // first: the momentum buffer starts as the (decayed) gradient
};
struct AdamHyper {
  float neg_step, bc2_sqrt, b1, b2, omb1, omb2, eps, wd, decay;  // omb = 1 - beta; decay = 1 - lr*wd (AdamW)
  int coupled, decoupled, maximize;
};

// Implicit im2col (conv_lowering.cc): one row of col per (channel c, tap i, j) of the kernel, and one run per
// stretch of a packed panel's columns that lies in one output row of one sample.
struct ColRow {
  long xoff;        // c * H * W
  long offy, offx;  // i*dh - ph, j*dw - pw
  long xlo, xhi;    // output columns ox whose input column ox*sw + offx is inside [0, W)
};
struct ColRun {
  long t0, len;     // panel columns [t0, t0 + len)
  long s, oy, ox0;  // sample, output row, first output column
};
struct ColSrc {
  const float* x;  // first channel of the group, first sample
  long xs;         // sample stride
  long h, w, sh, sw;
};


struct IsaKernels {
  const char* name;
  // GEMM register tile and cache blocking (KC: depth of a packed panel; MC rows of A kept in L2;
  // NC columns of B kept in L3). MC is a multiple of MR and NC of NR.
  int mr, nr, kc, mc, nc;
  // C[mr x nr] (row stride ldc) = (accumulate ? C : 0) + sum_p Ap[p][0..mr) (x) Bp[p][0..nr), where the
  // packed panels hold MR (resp. NR) values per p. Always a full tile; the driver handles the edges.
  void (*ukernel)(long kc, const float* ap, const float* bp, float* c, long ldc, int accumulate);
  // Pack rows [0, rows) x depth [0, kc) of A (element (i, p) at a[i*rs + p*cs]) into MR-row micro-panels:
  // dst[(i/MR)*MR*kc + p*MR + i%MR], zero-filling rows past `rows` up to a multiple of MR.
  void (*pack_a)(long rows, long kc, const float* a, long rs, long cs, float* dst);
  // Same for B (element (p, j) at b[p*rs + j*cs]) into NR-column micro-panels: dst[(j/NR)*NR*kc + p*NR + j%NR].
  void (*pack_b)(long cols, long kc, const float* b, long rs, long cs, float* dst);

  // Elementwise on float32; `alpha` is leakyRelu's slope.
  void (*unary)(int op, const float* x, float* y, long n, float alpha);
  void (*unary_grad)(int op, const float* x, const float* y, const float* g, float* out, long n, float alpha);
  // out[i] = a[i*sa] op b[i*sb] with sa, sb in {0, 1} (0 broadcasts one value).
  void (*binary)(int op, const float* a, long sa, const float* b, long sb, float* out, long n);
  void (*compare)(int op, const float* a, long sa, const float* b, long sb, uint8_t* out, long n);
  // Reductions with double accumulators (fixed lane order, so deterministic).
  double (*sum)(const float* x, long n);
  // acc[i] += x[i] (double accumulators of a column reduction).
  void (*acc_add)(double* acc, const float* x, long n);
  // y[i] += a * x[i]
  void (*axpy)(long n, float a, const float* x, float* y);
  // max / min of a contiguous row, NaN-propagating (returns NaN if any element is NaN).
  float (*max)(const float* x, long n);
  float (*min)(const float* x, long n);
  // y[i] = exp(x[i] - m), returns the sum in double (softmax numerator and denominator in one pass).
  double (*exp_sum)(const float* x, float m, float* y, long n);
  // Max pooling over one output row's interior columns [xlo, xhi): best[ox] / arg[ox] (flat h*w index) over
  // the taps (i, j) of windows starting at x[row0 + ox*sw] (tap offset i*dh*w + j*dw), in tap order; the first
  // max wins and the first NaN wins for good.
  void (*maxpool_row)(const float* x, long row0, long w, long kh, long kw, long dh, long dw, long sw, long xlo,
                      long xhi, float* best, int32_t* arg);
  // SGD: d = ±g (+ wd*p); buf = mom*buf + keep*d (buf = d on the first step; buf null without momentum);
  // d = nesterov ? d + mom*buf : buf; p += neg_lr*d.
  void (*sgd_step)(float* p, const float* g, float* buf, long n, const SgdHyper& h);
  // Adam/AdamW (vmax non-null: amsgrad): m = b1*m + omb1*g; v = b2*v + omb2*g*g; p += neg_step*m / (sqrt(v)/bc2_sqrt + eps).
  void (*adam_step)(float* p, const float* g, float* m, float* v, float* vmax, long n, const AdamHyper& h);
  // Peak probe for the benchmarks: `iters` rounds of independent register-only FMA chains; returns a
  // checksum, and *flops the floating-point operations done.
  float (*fma_probe)(long iters, double* flops);
  // Winograd F(2x2, 3x3) transforms of 16 horizontally adjacent tiles (lanes), straight from and to the image.
  // wino_in16: rows[i] is input row y - 1 + i of the tile row (null: outside the image); tile l's 4x4 patch is
  // columns xs + 2l .. xs + 2l + 3 of those rows (zero outside [0, w)); V[xi*plane + l] = (B^T d_l B)[xi] for
  // l < len. wino_out16: m[xi][l] = M[xi*plane + l] (l < len) -> A^T m_l A + bias into output rows y0 and y1
  // (null: past the image), columns 2l and 2l + 1 of each, the first wlen columns.
  void (*wino_in16)(const float* const* rows, long xs, long w, long len, float* V, long plane);
  void (*wino_out16)(const float* M, long plane, long len, float bias, float* y0, float* y1, long wlen);
  // The weight gradient's transform of 16 output-gradient tiles: rows[i] is row y + i of the output gradient
  // (null: past the image), tile l's 2x2 patch is columns x0 + 2l, x0 + 2l + 1 (zero from w on);
  // Z[xi*plane + l] = (A g_l A^T)[xi] for l < len (the adjoint of the output transform).
  void (*wino_gy16)(const float* const* rows, long x0, long w, long len, float* Z, long plane);
  // Batch-norm over one channel of [N, C, S]: `rows` rows of s values, stride apart (double arithmetic; each
  // row summed in 8 fixed lanes, rows added in order, so deterministic): sum_rows = sum x; bn_sqdev = sum
  // (x - m)^2; sg += sum g and sgx += sum g*(x - m)*is; y = x*scale + shift (then relu'd if `relu`; y may be x
  // itself); o = k*(L*g - sg - (x - m)*bc).
  double (*sum_rows)(const float* x, long rows, long stride, long s);
  double (*bn_sqdev)(const float* x, long rows, long stride, long s, double m);
  void (*bn_dots)(const float* x, const float* g, long rows, long stride, long s, double m, double is, double* sg,
                  double* sgx);
  void (*bn_apply)(const float* x, float* y, long rows, long stride, long s, double scale, double shift, int relu);
  void (*bn_grad)(const float* x, const float* g, float* o, long rows, long stride, long s, double k, double L,
                  double sg, double m, double bc);
  // Optional: the micro-kernel for an edge tile of mr < MR rows (full NR columns) that computes only those rows
  // (the full kernel on a zero-padded panel would spend MR/mr times the FMAs). Same FMA order per element as
  // ukernel, so the bits do not depend on which one ran. nullptr: the driver uses ukernel on a scratch tile.
  void (*ukernel_rows)(long mr, long kc, const float* ap, const float* bp, float* c, long ldc, int accumulate);
  // Whether maxpool_row has dedicated 2x2 and 3x3 stride-2 kernels (then short rows should go there too).
  int maxpool_s2_fast;
  // One panel of implicit im2col: for q in [0, kc), d[q*nr + t] = the input pixel col row rows[q] reads at
  // panel column t (0 in the padding), t over the runs (which cover [0, width)); zero for t in [width, nr).
  void (*pack_col_panel)(const ColSrc& src, const ColRow* rows, long kc, const ColRun* runs, int nrun, long width,
                         int nr, float* d);
  // Optional: rows [0, mr) x columns [0, NR/2) of the tile only, for an edge at most half a tile wide (a 14x14
  // map's 196 columns end in 4); same per-element FMA chain as ukernel. nullptr: the full kernel.
  void (*ukernel_half)(long mr, long kc, const float* ap, const float* bp, float* c, long ldc, int accumulate);
};

extern const IsaKernels kAvx512;
extern const IsaKernels kAvx2;
extern const IsaKernels kPortable;

// The table in use: the best the CPU runs, or a lower one forced by WEIGHTROOM_ISA.
const IsaKernels& isa();
// Names of every ISA this CPU can run, best first (for tests and `weightroom info`).
int isa_available(const char** names, int cap);
// Select by name at run time (used only at init and in tests); false if the CPU cannot run it.
bool isa_select(const char* name);

}  // namespace wr
