// Reference batched GEMM: i-k-j loop order over row-major panels (the fast version lives in the native backend).
import type { MatmulOpts } from '../backend.js';
import type { FloatStorage } from '../../tensor/dtype.js';

export function matmul(
  a: FloatStorage,
  b: FloatStorage,
  out: FloatStorage,
  batch: number,
  m: number,
  k: number,
  n: number,
  opts: MatmulOpts = {},
): void {
  const ta = opts.transA ?? false;
  const tb = opts.transB ?? false;
  const sa = opts.strideA ?? m * k;
  const sb = opts.strideB ?? k * n;
  const row = new Float64Array(n);
  for (let bt = 0; bt < batch; bt++) {
    const ao = bt * sa;
    const bo = bt * sb;
    const oo = bt * m * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const av = ta ? a[ao + p * m + i]! : a[ao + i * k + p]!;
        if (tb) {
          for (let j = 0; j < n; j++) row[j]! += av * b[bo + j * k + p]!;
        } else {
          const bp = bo + p * n;
          for (let j = 0; j < n; j++) row[j]! += av * b[bp + j]!;
        }
      }
      const orow = oo + i * n;
      if (opts.accumulate) for (let j = 0; j < n; j++) out[orow + j]! += row[j]!;
      else for (let j = 0; j < n; j++) out[orow + j] = row[j]!;
    }
  }
}
