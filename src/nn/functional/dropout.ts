// dropout / dropout2d: a seeded Bernoulli(1-p) mask scaled by 1/(1-p) in training, identity in eval —
// the same draws as torch (empty_like(x).bernoulli_(1-p)) after the same manualSeed.
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { bernoulliFill, defaultGenerator, type Generator } from '../../tensor/generator.js';
import * as ops from '../../ops/index.js';
import { assertFloat, checkTensor, empty } from '../../ops/util.js';

export interface DropoutOptions {
  training?: boolean;
  generator?: Generator;
}

function checkP(op: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new Error(`${op}: dropout probability has to be between 0 and 1, got ${p}`);
}

function masked(x: Tensor, maskShape: number[], p: number, gen: Generator): Tensor {
  if (p === 1) return ops.mul(x, 0);
  const mask = empty(x.dtype, maskShape);
  bernoulliFill(mask.data as Float32Array | Float64Array, 1 - p, gen);
  return ops.mul(x, ops.div(mask, 1 - p));
}

/** Zero each element with probability p and scale the rest by 1/(1-p) (training defaults to true, like F.dropout). */
export function dropout(x: Tensor, p = 0.5, opts: DropoutOptions = {}): Tensor {
  checkTensor('dropout', x);
  checkP('dropout', p);
  if (!(opts.training ?? true) || p === 0) return x;
  assertFloat('dropout', x);
  return masked(x, [...x.shape], p, opts.generator ?? defaultGenerator);
}

/** Zero whole channels of [N, C, H, W] (or [C, H, W]) with probability p. */
export function dropout2d(x: Tensor, p = 0.5, opts: DropoutOptions = {}): Tensor {
  checkTensor('dropout2d', x);
  checkP('dropout2d', p);
  if (x.ndim !== 3 && x.ndim !== 4)
    throw new Error(`dropout2d: input must be [N, C, H, W] or [C, H, W], got ${fmtShape(x.shape)}`);
  if (!(opts.training ?? true) || p === 0) return x;
  assertFloat('dropout2d', x);
  const maskShape = x.shape.map((s, i) => (i < x.ndim - 2 ? s : 1));
  return masked(x, maskShape, p, opts.generator ?? defaultGenerator);
}
