// linear: y = x Wᵀ + b over any leading dims, with a GEMM-shaped backward (no transposed copies).
import { getBackend } from '../../backend/index.js';
import type { FloatStorage } from '../../tensor/dtype.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as ops from '../../ops/index.js';
import { assertFloat, checkTensor, empty, emptyUninit, record } from '../../ops/util.js';

export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor('linear', x);
  checkTensor('linear', weight, 'weight');
  assertFloat('linear', x);
  if (weight.ndim !== 2) throw new Error(`linear: weight must be [out, in], got ${fmtShape(weight.shape)}`);
  const [outF, inF] = weight.shape as [number, number];
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== inF) {
    throw new Error(
      `linear: input must be [..., ${inF}] to match weight ${fmtShape(weight.shape)}; got ${fmtShape(x.shape)}`,
    );
  }
  if (x.dtype !== weight.dtype) {
    throw new Error(`linear: input dtype ${x.dtype} does not match weight dtype ${weight.dtype}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outF)) {
    throw new Error(`linear: bias must be [${outF}], got ${fmtShape(bias.shape)}`);
  }
  const lead = x.shape.slice(0, -1);
  const rows = lead.reduce((a, b) => a * b, 1);
  const out = (inF > 0 ? emptyUninit : empty)(x.dtype, [...lead, outF]);
  const be = getBackend();
  be.matmul(
    x.data as FloatStorage,
    weight.data as FloatStorage,
    out.data as FloatStorage,
    1,
    rows,
    inF,
    outF,
    { transB: true },
  );
  if (bias) {
    const o = out.data;
    const b = bias.data;
    for (let r = 0; r < rows; r++) for (let j = 0; j < outF; j++) o[r * outF + j]! += b[j]!;
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record('linear', inputs, out, (g, needs) => {
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    if (needs[0]) {
      gx = (outF > 0 ? emptyUninit : empty)(x.dtype, x.shape); // g @ W
      be.matmul(
        g.data as FloatStorage,
        weight.data as FloatStorage,
        gx.data as FloatStorage,
        1,
        rows,
        outF,
        inF,
      );
    }
    if (needs[1]) {
      gw = (rows > 0 ? emptyUninit : empty)(weight.dtype, weight.shape); // gᵀ @ x
      be.matmul(g.data as FloatStorage, x.data as FloatStorage, gw.data as FloatStorage, 1, outF, rows, inF, {
        transA: true,
      });
    }
    const gb = bias && needs[2] ? ops.sum(ops.reshape(g, [rows, outF]), 0) : null;
    return [gx, gw, gb];
  });
}
