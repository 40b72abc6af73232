// SGEMM in the BLIS/GotoBLAS shape. Five loops around the micro-kernel:
//   jc over NC columns of B   (a KC x NC panel of packed B lives in L3)
//   pc over KC of the depth   (pack B's panel once, reuse it for every row block)
//   ic over MC rows of A      (a packed MC x KC block of A lives in L2)
//   jr over NR columns        (one KC x NR micro-panel of B stays in L1 ...)
//   ir over MR rows           (... while the MR x KC micro-panels of A stream past it)
// Packing copies A and B into the exact order the micro-kernel reads (contiguous, aligned, zero-padded to
// the tile), which is also where transposes are absorbed.
#include "gemm.h"

#include <string.h>

#include "kernels.h"
#include "parallel.h"
#include "workspace.h"

namespace wr {


// Columns [j0, j0 + cols) x depth [pc, pc + kc) of B into NR-column micro-panels at dst (from an image when B
// carries a pack function: implicit im2col).
static inline void pack_b_block(const IsaKernels& K, const Mat& B, long pc, long kc, long j0, long cols, float* dst) {
  if (B.pack)
    B.pack(B.ctx, pc, kc, B.col0 + j0, cols, dst);
  else
    K.pack_b(cols, kc, B.p + pc * B.rs + j0 * B.cs, B.rs, B.cs, dst);
}

// Rows [i0, i0 + rows) x depth [pc, pc + kc) of A into MR-row micro-panels at dst.
static inline void pack_a_block(const IsaKernels& K, const Mat& A, long pc, long kc, long i0, long rows, float* dst) {
  if (A.pack)
    A.pack(A.ctx, pc, kc, A.col0 + i0, rows, dst);
  else
    K.pack_a(rows, kc, A.p + i0 * A.rs + pc * A.cs, A.rs, A.cs, dst);
}

// bpre: all of B already packed (depth block at pc starts at bpre + pc * round_up(n, NR), panels of kc x NR
// in order), shared by the threads of a row split; null: pack here.
// apre: the same for A (depth block at pc starts at apre + pc * round_up(m, MR), panels of MR x kc), shared by
// the threads of a column split.
static void sgemm_serial_impl(long m, long n, long k, Mat A, Mat B, float* C, long ldc, bool accumulate,
                              const float* bpre, const float* apre) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate)
      for (long i = 0; i < m; i++) memset(C + i * ldc, 0, n * sizeof(float));
    return;
  }
  const IsaKernels& K = isa();
  const long MR = K.mr, NR = K.nr, KC = K.kc, MC = K.mc, NC = K.nc;
  float* Bp = workspace(WS_PACK_B, (KC + 4) * round_up(n < NC ? n : NC, NR));
  float* Ap = workspace(WS_PACK_A, round_up(m < MC ? m : MC, MR) * (KC + 4));
  alignas(64) float tmp[16 * 64];  // an edge tile (MR*NR <= 1024 for every ISA)
  const long kstep = kstep_for(k, KC);
  const long nround = round_up(n, NR), mround = round_up(m, MR);
  if (m <= MC) {
    // All of A fits one packed block (e.g. 64 output channels of a conv): pack A once per depth block, then
    // pack each KC x NR micro-panel of B right before the micro-kernels use it, so it never leaves L1 (the
    // general path writes a KC x NC panel out to L2/L3 first, and with few rows of A to amortise it over,
    // that round trip dominates).
    for (long pc = 0; pc < k; pc += kstep) {
      const long kc = k - pc < kstep ? k - pc : kstep;
      const int acc = accumulate || pc > 0;
      const float* ap = Ap;
      if (apre)
        ap = apre + pc * mround;
      else
        pack_a_block(K, A, pc, kc, 0, m, Ap);
      for (long jr = 0; jr < n; jr += NR) {
        const long nr = n - jr < NR ? n - jr : NR;
        const float* bp = Bp;
        if (bpre)
          bp = bpre + pc * nround + jr * kc;
        else
          pack_b_block(K, B, pc, kc, jr, nr, Bp);
        for (long ir = 0; ir < m; ir += MR) {
          const long mr = m - ir < MR ? m - ir : MR;
          gemm_tile(K, kc, ap + ir * kc, bp, C + ir * ldc + jr, ldc, mr, nr, acc, tmp);
        }
      }
    }
    return;
  }
  for (long jc = 0; jc < n; jc += NC) {
    const long nc = n - jc < NC ? n - jc : NC;
    for (long pc = 0; pc < k; pc += kstep) {
      const long kc = k - pc < kstep ? k - pc : kstep;
      // later depth blocks add onto the partial sums of the earlier ones
      const int acc = accumulate || pc > 0;
      const float* Bpanel = Bp;
      if (bpre)
        Bpanel = bpre + pc * nround + jc * kc;
      else
        pack_b_block(K, B, pc, kc, jc, nc, Bp);
      for (long ic = 0; ic < m; ic += MC) {
        const long mc = m - ic < MC ? m - ic : MC;
        const float* Ablock = Ap;
        if (apre)
          Ablock = apre + pc * mround + ic * kc;
        else
          pack_a_block(K, A, pc, kc, ic, mc, Ap);
        for (long jr = 0; jr < nc; jr += NR) {
          const long nr = nc - jr < NR ? nc - jr : NR;
          const float* bp = Bpanel + jr * kc;
          for (long ir = 0; ir < mc; ir += MR) {
            const long mr = mc - ir < MR ? mc - ir : MR;
            const float* ap = Ablock + ir * kc;
            gemm_tile(K, kc, ap, bp, C + (ic + ir) * ldc + jc + jr, ldc, mr, nr, acc, tmp);
          }
        }
      }
    }
  }
}

void sgemm_serial(long m, long n, long k, Mat A, Mat B, float* C, long ldc, bool accumulate) {
  sgemm_serial_impl(m, n, k, A, B, C, ldc, accumulate, nullptr, nullptr);
}

// One operand packed whole, ahead of a parallel split that shares it: `extent` rows (or columns) in panels of
// `unit`, every depth block at pc stored at dst + pc * round_up(extent, unit) (the layout sgemm_serial_impl reads
// as apre / bpre). The panels are split over T threads; pack(i0, count, pc, kc, dst) packs one run of them.
template <class Pack>
static const float* prepack(long extent, long unit, long k, WorkspaceSlot slot, int T, Pack&& pack) {
  const long kstep = kstep_for(k, isa().kc), round = round_up(extent, unit);
  float* dst = workspace(slot, (size_t)round * k + 16);
  parallel(T, [&](int t, int TT) {
    long p0, p1;
    chunk_range(round / unit, t, TT, 1, &p0, &p1);
    if (p1 <= p0) return;
    const long i0 = p0 * unit, i1 = p1 * unit < extent ? p1 * unit : extent;
    for (long pc = 0; pc < k; pc += kstep) {
      const long kc = k - pc < kstep ? k - pc : kstep;
      pack(i0, i1 - i0, pc, kc, dst + pc * round + i0 * kc);
    }
  });
  return dst;
}

static const float* prepack_a(long m, long k, const Mat& A, int T) {
  const IsaKernels& K = isa();
  return prepack(m, K.mr, k, WS_PREPACK_A, T, [&](long i0, long rows, long pc, long kc, float* d) {
    pack_a_block(K, A, pc, kc, i0, rows, d);
  });
}

static const float* prepack_b(long n, long k, const Mat& B, int T) {
  const IsaKernels& K = isa();
  return prepack(n, K.nr, k, WS_PREPACK_B, T,
                 [&](long j0, long cols, long pc, long kc, float* d) { pack_b_block(K, B, pc, kc, j0, cols, d); });
}

// A's rows from i0 on.
static inline Mat rows_from(Mat A, long i0) {
  if (A.pack)
    A.col0 += i0;
  else
    A.p += i0 * A.rs;
  return A;
}

// One row of A against B with contiguous columns (x @ W^T of a Linear layer on one sample): a dot product per
// output, each row of W read once, instead of packing all of W for a GEMM of one row (memory-bound either way;
// ResNet-18's classifier, 512 x 1000, in the model: 0.30 -> 0.06 ms on 2 threads). Each output is one thread's, in a fixed
// order: the same bits for any thread count.
static bool gemv(long n, long k, const Mat& A, const Mat& B, float* C, bool accumulate) {
  if (A.pack || B.pack || B.rs != 1 || A.cs != 1) return false;
  const int T = threads_for((double)n * (double)k / 4.0);
  parallel(T, [&](int t, int TT) {
    long j0, j1;
    chunk_range(n, t, TT, 16, &j0, &j1);
    for (long j = j0; j < j1; j++) {
      const float* w = B.p + j * B.cs;
      float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      long p = 0;
      for (; p + 8 <= k; p += 8)
        for (int q = 0; q < 8; q++) s[q] += A.p[p + q] * w[p + q];
      float v = ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
      for (; p < k; p++) v += A.p[p] * w[p];
      C[j] = accumulate ? C[j] + v : v;
    }
  });
  return true;
}

void sgemm(long m, long n, long k, Mat A, Mat B, float* C, long ldc, bool accumulate) {
  if (m == 1 && k >= 64 && n >= 64 && gemv(n, k, A, B, C, accumulate)) return;
  // ~64 FMAs per ns per core on AVX-512: count work in nanoseconds
  const int T = threads_for((double)m * (double)n * (double)k / 64.0);
  if (T <= 1) {
    sgemm_serial(m, n, k, A, B, C, ldc, accumulate);
    return;
  }
  const IsaKernels& K = isa();
  const long nb = (n + K.nr - 1) / K.nr, mb = (m + K.mr - 1) / K.mr;
  // More chunks than threads (claimed dynamically), so a thread the OS deschedules on a busy machine only
  // delays its current chunk. But each chunk repacks the whole shared operand (all of A for a column split,
  // all of B for a row split, im2col included when B is packed from an image), which costs about as much as
  // ~100 rows (or columns) of the chunk's own work: keep chunks at least 128 wide.
  auto chunks = [&](long extent) {
    long c = 4L * T;
    if (c > extent / 128) c = extent / 128;
    return (int)(c < T ? T : c);
  };
  if (nb >= mb || nb >= 4L * T) {
    // split columns: each chunk packs its own B panels; all of A is packed once for all of them (when it
    // fits 32 MB)
    const float* apre = round_up(m, K.mr) * k <= (8L << 20) ? prepack_a(m, k, A, T) : nullptr;
    parallel(chunks(n), [&](int t, int TT) {
      long j0, j1;
      chunk_range(n, t, TT, K.nr, &j0, &j1);
      if (j1 <= j0) return;
      Mat Bj = B;
      if (B.pack)
        Bj.col0 += j0;
      else
        Bj.p += j0 * B.cs;
      sgemm_serial_impl(m, j1 - j0, k, A, Bj, C + j0, ldc, accumulate, nullptr, apre);
    });
  } else {
    // split rows: every chunk reads all of B, so pack it once for all of them (when it fits 32 MB)
    const float* bpre = round_up(n, K.nr) * k <= (8L << 20) ? prepack_b(n, k, B, T) : nullptr;
    parallel(chunks(m), [&](int t, int TT) {
      long i0, i1;
      chunk_range(m, t, TT, K.mr, &i0, &i1);
      if (i1 > i0)
        sgemm_serial_impl(i1 - i0, n, k, rows_from(A, i0), B, C + i0 * ldc, ldc, accumulate, bpre,
                          nullptr);
    });
  }
}

void sgemm_batched(long batch, long m, long n, long k, const float* a, long sa, bool transA, const float* b,
                   long sb, bool transB, float* c, bool accumulate) {
  const long ars = transA ? 1 : k, acs = transA ? m : 1;
  const long brs = transB ? 1 : n, bcs = transB ? k : 1;
  const double work = (double)m * (double)n * (double)k / 64.0;
  const int T = threads_for(work * (double)batch);
  if (batch >= T && T > 1 && threads_for(work) < T) {
    // many small products: whole matrices per thread
    parallel(T, [&](int t, int TT) {
      long b0, b1;
      chunk_range(batch, t, TT, 1, &b0, &b1);
      for (long i = b0; i < b1; i++)
        sgemm_serial(m, n, k, Mat{a + i * sa, ars, acs}, Mat{b + i * sb, brs, bcs}, c + i * m * n, n,
                     accumulate);
    });
    return;
  }
  for (long i = 0; i < batch; i++)
    sgemm(m, n, k, Mat{a + i * sa, ars, acs}, Mat{b + i * sb, brs, bcs}, c + i * m * n, n, accumulate);
}

}  // namespace wr
