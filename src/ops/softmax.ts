// softmax / logSoftmax along one dim, each with its backward from the saved output.
import { getBackend } from '../backend/index.js';
import type { FloatStorage } from '../tensor/dtype.js';
import { normDim } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast } from './elementwise.js';
import { checkTensor, emptyUninit, record } from './util.js';

function softmaxImpl(name: string, x: Tensor, dim: number, log: boolean): Tensor {
  checkTensor(name, x);
  const xin = x.dtype === 'float32' || x.dtype === 'float64' ? x : cast(x, 'float32');
  const d = normDim(name, dim, xin.ndim);
  const n = xin.ndim === 0 ? 1 : xin.shape[d]!;
  const outer = xin.shape.slice(0, d).reduce((a, b) => a * b, 1);
  const inner = xin.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const out = emptyUninit(xin.dtype, xin.shape);
  getBackend().softmax(xin.data as FloatStorage, outer, n, inner, out.data as FloatStorage, log);
  return record(name, [xin], out, (g) => {
    const gx = emptyUninit(xin.dtype, xin.shape);
    getBackend().softmaxGrad(
      out.data as FloatStorage,
      g.data as FloatStorage,
      outer,
      n,
      inner,
      gx.data as FloatStorage,
      log,
    );
    return [gx];
  });
}

export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxImpl('softmax', x, dim, false);
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  return softmaxImpl('logSoftmax', x, dim, true);
}
