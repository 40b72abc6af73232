// Matrix products with their backward: matmul (1-d, 2-d, batched with broadcasting, torch.matmul's rules).
import { getBackend } from '../backend/index.js';
import { type FloatStorage } from '../tensor/dtype.js';
import { broadcastShapes, fmtShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast } from './elementwise.js';
import { promoteTypes } from '../tensor/dtype.js';
import { expand, reshape, squeeze, unsqueeze } from './shape.js';
import { assertFloat, checkTensor, empty, emptyUninit, record } from './util.js';

/** [B, m, k] @ [B, k, n] → [B, m, n] on contiguous buffers; backward by the same kernel with transposes. */
function bmm(a: Tensor, b: Tensor): Tensor {
  const [B, m, k] = a.shape as [number, number, number];
  const n = b.shape[2]!;
  // a GEMM writes every output element when k > 0 (k = 0 must give zeros)
  const alloc = k > 0 && m > 0 && n > 0 ? emptyUninit : empty;
  const out = alloc(a.dtype, [B, m, n]);
  getBackend().matmul(a.data as FloatStorage, b.data as FloatStorage, out.data as FloatStorage, B, m, k, n);
  return record('matmul', [a, b], out, (g, needs) => {
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs[0]) {
      ga = (n > 0 ? emptyUninit : empty)(a.dtype, a.shape); // g @ b^T
      getBackend().matmul(
        g.data as FloatStorage,
        b.data as FloatStorage,
        ga.data as FloatStorage,
        B,
        m,
        n,
        k,
        { transB: true },
      );
    }
    if (needs[1]) {
      gb = (m > 0 ? emptyUninit : empty)(b.dtype, b.shape); // a^T @ g
      getBackend().matmul(
        a.data as FloatStorage,
        g.data as FloatStorage,
        gb.data as FloatStorage,
        B,
        k,
        m,
        n,
        { transA: true },
      );
    }
    return [ga, gb];
  });
}

/** torch.matmul: dot, matrix-vector, matrix-matrix, and batched with broadcast batch dims. */
export function matmul(x: Tensor, y: Tensor): Tensor {
  checkTensor('matmul', x);
  checkTensor('matmul', y, 'other');
  if (x.ndim === 0 || y.ndim === 0) {
    throw new Error(
      `matmul: both arguments need at least 1 dim, got ${fmtShape(x.shape)} and ${fmtShape(y.shape)}`,
    );
  }
  assertFloat('matmul', x);
  assertFloat('matmul', y, 'other');
  const dtype = promoteTypes(x.dtype, y.dtype);
  let a = x.dtype === dtype ? x : cast(x, dtype);
  let b = y.dtype === dtype ? y : cast(y, dtype);
  const aVec = a.ndim === 1;
  const bVec = b.ndim === 1;
  if (aVec) a = unsqueeze(a, 0);
  if (bVec) b = unsqueeze(b, -1);
  const m = a.shape[a.ndim - 2]!;
  const k = a.shape[a.ndim - 1]!;
  const k2 = b.shape[b.ndim - 2]!;
  const n = b.shape[b.ndim - 1]!;
  if (k !== k2) {
    throw new Error(
      `matmul: shapes ${fmtShape(x.shape)} and ${fmtShape(y.shape)} cannot be multiplied (${m}x${k} and ${k2}x${n})`,
    );
  }
  let out: Tensor;
  if (b.ndim === 2) {
    // fold every batch dim of a into its rows: one GEMM, no copy of b
    const batch = a.shape.slice(0, -2);
    const rows = batch.reduce((p, q) => p * q, 1) * m;
    const r = bmm(reshape(a, [1, rows, k]), reshape(b, [1, k, n]));
    out = reshape(r, [...batch, m, n]);
  } else {
    const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
    const B = batch.reduce((p, q) => p * q, 1);
    const ae = reshape(expand(a, [...batch, m, k]), [B, m, k]);
    const be = reshape(expand(b, [...batch, k, n]), [B, k, n]);
    out = reshape(bmm(ae, be), [...batch, m, n]);
  }
  if (aVec) out = squeeze(out, -2);
  if (bVec) out = squeeze(out, -1);
  return out;
}
