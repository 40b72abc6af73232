// batchNorm (training batch statistics with a running-stat update, or eval with running stats) and layerNorm,
// composed from differentiable ops so their backward is the exact chain rule.
import { noGrad } from '../../autograd/grad-mode.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as ops from '../../ops/index.js';
import { assertFloat, checkTensor, emptyUninit, record } from '../../ops/util.js';
import type { FloatStorage } from '../../tensor/dtype.js';
import { getBackend } from '../../backend/index.js';

export interface BatchNormOptions {
  training?: boolean;
  /** Weight of the new batch statistic in the running average; null → cumulative average (pass the count). */
  momentum?: number | null;
  eps?: number;
  /** For momentum null: batches seen so far including this one (torch uses 1/num_batches_tracked). */
  numBatchesTracked?: number;
}

function checkVec(op: string, t: Tensor | null | undefined, c: number, what: string): void {
  if (t && (t.ndim !== 1 || t.shape[0] !== c))
    throw new Error(`${op}: ${what} must be [${c}], got ${fmtShape(t.shape)}`);
}

/**
 * Batch normalisation over dim 1 of [N, C, ...]. In training the batch mean and biased variance normalise,
 * and the running stats (when given) are updated in place with the unbiased variance, like torch.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  opts: BatchNormOptions = {},
): Tensor {
  checkTensor('batchNorm', x);
  assertFloat('batchNorm', x);
  if (x.ndim < 2) throw new Error(`batchNorm: input must be [N, C, ...], got ${fmtShape(x.shape)}`);
  const c = x.shape[1]!;
  checkVec('batchNorm', runningMean, c, 'runningMean');
  checkVec('batchNorm', runningVar, c, 'runningVar');
  checkVec('batchNorm', weight, c, 'weight');
  checkVec('batchNorm', bias, c, 'bias');
  const training = opts.training ?? false;
  const eps = opts.eps ?? 1e-5;
  const n = x.shape[0]!;
  const sp = x.numel / (n * c || 1);
  const L = n * sp;
  const mean = new Float64Array(c);
  const invstd = new Float64Array(c);
  if (training) {
    if (L <= 1) {
      throw new Error(
        `batchNorm: expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`,
      );
    }
    const varb = new Float64Array(c);
    getBackend().batchNormStats(x.data as FloatStorage, n, c, sp, mean, varb);
    for (let ch = 0; ch < c; ch++) invstd[ch] = 1 / Math.sqrt(varb[ch]! + eps);
    if (runningMean && runningVar) {
      const momentum =
        opts.momentum === null ? 1 / Math.max(opts.numBatchesTracked ?? 1, 1) : (opts.momentum ?? 0.1);
      // torch: the running variance takes the unbiased batch variance
      noGrad(() => {
        const rm = runningMean.data;
        const rv = runningVar.data;
        for (let ch = 0; ch < c; ch++) {
          rm[ch] = (1 - momentum) * rm[ch]! + momentum * mean[ch]!;
          rv[ch] = (1 - momentum) * rv[ch]! + momentum * ((varb[ch]! * L) / (L - 1));
        }
        runningMean.bumpVersion();
        runningVar.bumpVersion();
      });
    }
  } else {
    if (!runningMean || !runningVar) {
      throw new Error('batchNorm: runningMean and runningVar are required when training is false');
    }
    for (let ch = 0; ch < c; ch++) {
      mean[ch] = runningMean.data[ch]!;
      invstd[ch] = 1 / Math.sqrt(runningVar.data[ch]! + eps);
    }
  }
  const wt = weight && weight.dtype !== x.dtype ? ops.cast(weight, x.dtype) : weight;
  const bs = bias && bias.dtype !== x.dtype ? ops.cast(bias, x.dtype) : bias;
  const y = emptyUninit(x.dtype, x.shape);
  getBackend().batchNormApply(
    x.data as FloatStorage,
    n,
    c,
    sp,
    mean,
    invstd,
    (wt?.data ?? null) as FloatStorage | null,
    (bs?.data ?? null) as FloatStorage | null,
    y.data as FloatStorage,
  );
  const inputs = [x, ...(wt ? [wt] : []), ...(bs ? [bs] : [])];
  return record('batchNorm', inputs, y, (g, needs) => {
    const gx = needs[0] ? emptyUninit(x.dtype, x.shape) : null;
    const gw = wt && needs[1] ? emptyUninit(wt.dtype, wt.shape) : null;
    const gb = bs && needs[wt ? 2 : 1] ? emptyUninit(bs.dtype, bs.shape) : null;
    getBackend().batchNormBackward(
      x.data as FloatStorage,
      g.data as FloatStorage,
      n,
      c,
      sp,
      mean,
      invstd,
      (wt?.data ?? null) as FloatStorage | null,
      training,
      (gx?.data ?? null) as FloatStorage | null,
      (gw?.data ?? null) as FloatStorage | null,
      (gb?.data ?? null) as FloatStorage | null,
    );
    return wt ? [gx, gw, gb] : [gx, gb];
  });
}

/**
 * Eval-mode batch norm (running statistics) of `x` written over `x`'s own buffer, then max(0, ·) when `relu`
 * (NaN stays NaN): the same values as batchNorm(x, ..., { training: false }) followed by relu, without a new
 * buffer. For inference on a tensor nothing else reads (nn/transient.ts decides); weight, bias and the running
 * statistics must have x's dtype.
 */
export function batchNormEvalInPlace(
  x: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  relu: boolean,
): void {
  checkTensor('batchNormEvalInPlace', x);
  assertFloat('batchNormEvalInPlace', x);
  if (x.ndim < 2)
    throw new Error(`batchNormEvalInPlace: input must be [N, C, ...], got ${fmtShape(x.shape)}`);
  const c = x.shape[1]!;
  for (const [t, what] of [
    [runningMean, 'runningMean'],
    [runningVar, 'runningVar'],
    [weight, 'weight'],
    [bias, 'bias'],
  ] as const) {
    checkVec('batchNormEvalInPlace', t, c, what);
    if (t && t.dtype !== x.dtype)
      throw new Error(`batchNormEvalInPlace: ${what} is ${t.dtype}, input is ${x.dtype}`);
  }
  const n = x.shape[0]!;
  const mean = new Float64Array(c);
  const invstd = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    mean[ch] = runningMean.data[ch]!;
    invstd[ch] = 1 / Math.sqrt(runningVar.data[ch]! + eps);
  }
  const d = x.data as FloatStorage;
  getBackend().batchNormApply(
    d,
    n,
    c,
    x.numel / (n * c || 1),
    mean,
    invstd,
    (weight?.data ?? null) as FloatStorage | null,
    (bias?.data ?? null) as FloatStorage | null,
    d,
    relu,
  );
  x.bumpVersion();
}

/** Layer normalisation over the trailing `normalizedShape` dims (biased variance, like torch). */
export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  opts: { eps?: number } = {},
): Tensor {
  checkTensor('layerNorm', x);
  assertFloat('layerNorm', x);
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k === 0 || k > x.ndim || tail.some((s, i) => s !== normalizedShape[i])) {
    throw new Error(
      `layerNorm: input ${fmtShape(x.shape)} does not end with normalizedShape ${fmtShape(normalizedShape)}`,
    );
  }
  for (const [t, what] of [
    [weight, 'weight'],
    [bias, 'bias'],
  ] as const) {
    if (t && t.shape.join() !== normalizedShape.join()) {
      throw new Error(`layerNorm: ${what} must be ${fmtShape(normalizedShape)}, got ${fmtShape(t.shape)}`);
    }
  }
  const dims = normalizedShape.map((_, i) => x.ndim - k + i);
  const mean = ops.mean(x, dims, true);
  const c = ops.sub(x, mean);
  const v = ops.mean(ops.mul(c, c), dims, true);
  let y = ops.mul(c, ops.rsqrt(ops.add(v, opts.eps ?? 1e-5)));
  if (weight) y = ops.mul(y, weight);
  if (bias) y = ops.add(y, bias);
  return y;
}
