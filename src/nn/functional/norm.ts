// batchNorm (training batch statistics with a running-stat update, or eval with running stats) and layerNorm,
// composed from differentiable ops so their backward is the exact chain rule.
import { noGrad } from '../../autograd/grad-mode.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as ops from '../../ops/index.js';
import { assertFloat, checkTensor } from '../../ops/util.js';

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
  const bshape = x.shape.map((s, i) => (i === 1 ? s : 1));
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  let mean: Tensor;
  let varb: Tensor;
  if (training) {
    const count = x.numel / c;
    if (count <= 1) {
      throw new Error(
        `batchNorm: expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`,
      );
    }
    mean = ops.mean(x, dims, true);
    const centered = ops.sub(x, mean);
    varb = ops.mean(ops.mul(centered, centered), dims, true);
    if (runningMean && runningVar) {
      const momentum =
        opts.momentum === null ? 1 / Math.max(opts.numBatchesTracked ?? 1, 1) : (opts.momentum ?? 0.1);
      noGrad(() => {
        const m = ops.reshape(mean, [c]);
        const vUnbiased = ops.mul(ops.reshape(varb, [c]), count / (count - 1));
        runningMean.copy_(ops.add(ops.mul(runningMean, 1 - momentum), ops.mul(m, momentum)));
        runningVar.copy_(ops.add(ops.mul(runningVar, 1 - momentum), ops.mul(vUnbiased, momentum)));
      });
    }
  } else {
    if (!runningMean || !runningVar) {
      throw new Error('batchNorm: runningMean and runningVar are required when training is false');
    }
    mean = ops.reshape(runningMean, bshape);
    varb = ops.reshape(runningVar, bshape);
  }
  let y = ops.mul(ops.sub(x, mean), ops.rsqrt(ops.add(varb, eps)));
  if (weight) y = ops.mul(y, ops.reshape(weight, bshape));
  if (bias) y = ops.add(y, ops.reshape(bias, bshape));
  return y;
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
