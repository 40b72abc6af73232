// Losses: crossEntropy (class indices or probabilities, label smoothing, class weights, ignoreIndex), nllLoss,
// mseLoss, l1Loss, smoothL1Loss, binaryCrossEntropyWithLogits — torch's formulas and reductions.
import { isIntegral } from '../../tensor/dtype.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as ops from '../../ops/index.js';
import { assertFloat, checkTensor, scalarTensor } from '../../ops/util.js';

export type Reduction = 'mean' | 'sum' | 'none';

function reduce(op: string, loss: Tensor, reduction: Reduction): Tensor {
  switch (reduction) {
    case 'mean':
      return ops.mean(loss);
    case 'sum':
      return ops.sum(loss);
    case 'none':
      return loss;
    default:
      throw new Error(
        `${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction satisfies never)}'`,
      );
  }
}

export interface NllLossOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
}

/** Class dim 1 of [N, C, ...] (or dim 0 of an unbatched [C]) against integer targets [N, ...]. */
function classLayout(op: string, input: Tensor, target: Tensor): { c: number; batched: boolean } {
  if (input.ndim === 1) {
    if (target.ndim !== 0)
      throw new Error(
        `${op}: for input [C] the target must be a 0-d class index, got ${fmtShape(target.shape)}`,
      );
    return { c: input.shape[0]!, batched: false };
  }
  const expected = [input.shape[0]!, ...input.shape.slice(2)];
  if (target.shape.join() !== expected.join()) {
    throw new Error(
      `${op}: target ${fmtShape(target.shape)} does not match input ${fmtShape(input.shape)}; expected target ${fmtShape(expected)} of class indices`,
    );
  }
  return { c: input.shape[1]!, batched: true };
}

/** Negative log-likelihood of log-probabilities `input` at the target classes. */
export function nllLoss(input: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  checkTensor('nllLoss', input);
  checkTensor('nllLoss', target, 'target');
  assertFloat('nllLoss', input);
  if (!isIntegral(target.dtype))
    throw new Error(`nllLoss: target must hold class indices (int64), got ${target.dtype}`);
  const { c, batched } = classLayout('nllLoss', input, target);
  const ignore = opts.ignoreIndex ?? -100;
  const reduction = opts.reduction ?? 'mean';
  const w = opts.weight ?? null;
  if (w && (w.ndim !== 1 || w.shape[0] !== c))
    throw new Error(`nllLoss: weight must be [${c}], got ${fmtShape(w.shape)}`);
  const t = target.data;
  for (let i = 0; i < t.length; i++) {
    const v = t[i]!;
    if (v !== ignore && (v < 0 || v >= c))
      throw new Error(`nllLoss: target ${v} is out of bounds for ${c} classes`);
  }
  const valid = ops.ne(target, ignore);
  const safeTarget = ops.where(valid, target, scalarTensor(0, target.dtype));
  const inp = batched ? input : ops.unsqueeze(input, 0);
  const tgt = batched ? safeTarget : ops.unsqueeze(safeTarget, 0);
  const picked = ops.squeeze(ops.gather(inp, 1, ops.unsqueeze(tgt, 1)), 1);
  const pickedShaped = batched ? picked : ops.squeeze(picked, 0);
  const zero = scalarTensor(0, input.dtype);
  const sw = ops.where(
    valid,
    w
      ? ops.indexSelect(w, 0, ops.reshape(safeTarget, [-1])).reshape(safeTarget.shape)
      : scalarTensor(1, input.dtype),
    zero,
  );
  const loss = ops.neg(ops.mul(pickedShaped, sw));
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return ops.sum(loss);
  if (reduction !== 'mean')
    throw new Error(`nllLoss: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  // mean is weighted: divided by the total weight of the non-ignored targets (NaN if all are ignored, like torch)
  return ops.div(ops.sum(loss), ops.sum(ops.cast(sw, input.dtype)));
}

export interface CrossEntropyOptions extends NllLossOptions {
  labelSmoothing?: number;
}

/**
 * Cross-entropy of raw logits [N, C, ...] against class indices [N, ...] or class probabilities [N, C, ...],
 * with torch's label smoothing, class weights and ignoreIndex semantics.
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  checkTensor('crossEntropy', input);
  checkTensor('crossEntropy', target, 'target');
  assertFloat('crossEntropy', input);
  const ls = opts.labelSmoothing ?? 0;
  if (!(ls >= 0 && ls <= 1)) throw new Error(`crossEntropy: labelSmoothing must be in [0, 1], got ${ls}`);
  const reduction = opts.reduction ?? 'mean';
  const classDim = input.ndim === 1 ? 0 : 1;
  const c = input.shape[classDim]!;
  const w = opts.weight ?? null;
  if (w && (w.ndim !== 1 || w.shape[0] !== c))
    throw new Error(`crossEntropy: weight must be [${c}], got ${fmtShape(w.shape)}`);
  const logp = ops.logSoftmax(input, classDim);
  const wb = w
    ? ops.reshape(
        w,
        input.shape.map((s, i) => (i === classDim ? s : 1)),
      )
    : null;

  if (!isIntegral(target.dtype)) {
    // probabilities
    if (target.shape.join() !== input.shape.join()) {
      throw new Error(
        `crossEntropy: probability target ${fmtShape(target.shape)} must match input ${fmtShape(input.shape)} (or pass int64 class indices)`,
      );
    }
    let tp = target;
    if (ls > 0) tp = ops.add(ops.mul(target, 1 - ls), ls / c);
    let prod = ops.mul(logp, tp);
    if (wb) prod = ops.mul(prod, wb);
    const loss = ops.neg(ops.sum(prod, classDim));
    if (reduction === 'mean') return ops.div(ops.sum(loss), input.numel / c);
    return reduce('crossEntropy', loss, reduction);
  }

  const nll = nllLoss(logp, target, opts);
  if (ls === 0) return nll;
  // torch's label smoothing: (1-ε)·nll + ε/C · Σ_c −w_c·log p_c, ignored targets contribute 0
  const ignore = opts.ignoreIndex ?? -100;
  const valid = ops.ne(target, ignore);
  let smooth = ops.neg(ops.sum(wb ? ops.mul(logp, wb) : logp, classDim));
  smooth = ops.where(valid, smooth, scalarTensor(0, input.dtype));
  let sm: Tensor;
  if (reduction === 'mean') {
    if (w) {
      const safe = ops.where(valid, target, scalarTensor(0, target.dtype));
      const tw = ops.where(
        valid,
        ops.reshape(ops.indexSelect(w, 0, ops.reshape(safe, [-1])), safe.shape),
        scalarTensor(0, w.dtype),
      );
      sm = ops.div(ops.sum(smooth), ops.sum(tw));
    } else sm = ops.div(ops.sum(smooth), ops.sum(ops.cast(valid, input.dtype))); // torch: by the non-ignored count
  } else sm = reduce('crossEntropy', smooth, reduction);
  return ops.add(ops.mul(nll, 1 - ls), ops.mul(sm, ls / c));
}

function checkPair(op: string, input: Tensor, target: Tensor): void {
  checkTensor(op, input);
  checkTensor(op, target, 'target');
  assertFloat(op, input);
  if (input.shape.join() !== target.shape.join()) {
    throw new Error(
      `${op}: input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`,
    );
  }
}

export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkPair('mseLoss', input, target);
  const d = ops.sub(input, target);
  return reduce('mseLoss', ops.mul(d, d), opts.reduction ?? 'mean');
}

export function l1Loss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkPair('l1Loss', input, target);
  return reduce('l1Loss', ops.abs(ops.sub(input, target)), opts.reduction ?? 'mean');
}

/** Huber-style loss: 0.5·d²/β where |d| < β, else |d| − 0.5·β (β = 1 by default). */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  opts: { reduction?: Reduction; beta?: number } = {},
): Tensor {
  checkPair('smoothL1Loss', input, target);
  const beta = opts.beta ?? 1;
  if (!(beta >= 0)) throw new Error(`smoothL1Loss: beta must be >= 0, got ${beta}`);
  const d = ops.abs(ops.sub(input, target));
  const loss =
    beta === 0
      ? d
      : ops.where(ops.lt(d, beta), ops.div(ops.mul(ops.mul(d, d), 0.5), beta), ops.sub(d, 0.5 * beta));
  return reduce('smoothL1Loss', loss, opts.reduction ?? 'mean');
}

export interface BceWithLogitsOptions {
  weight?: Tensor | null;
  posWeight?: Tensor | null;
  reduction?: Reduction;
}

/** Sigmoid + binary cross-entropy in one stable expression (torch's formula, with posWeight). */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: BceWithLogitsOptions = {},
): Tensor {
  checkPair('binaryCrossEntropyWithLogits', input, target);
  // log(1 + exp(-|x|)) + max(-x, 0) = -log σ(x), computed without overflow
  const softTerm = ops.add(ops.log1p(ops.exp(ops.neg(ops.abs(input)))), ops.clamp(ops.neg(input), 0, null));
  let loss: Tensor;
  if (opts.posWeight) {
    const lw = ops.add(ops.mul(ops.sub(opts.posWeight, 1), target), 1);
    loss = ops.add(ops.mul(ops.sub(1, target), input), ops.mul(lw, softTerm));
  } else {
    loss = ops.add(ops.mul(ops.sub(1, target), input), softTerm);
  }
  if (opts.weight) loss = ops.mul(loss, opts.weight);
  return reduce('binaryCrossEntropyWithLogits', loss, opts.reduction ?? 'mean');
}
