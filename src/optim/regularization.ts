// Explicit regularisation terms to add to the loss: l1Penalty (L1). L2 is the optimizers' weightDecay option.
import { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { formatValue } from './keys.js';

/**
 * L1 regularisation: λ·Σ|w| over the given parameters, a differentiable scalar to add to the loss
 * (`loss = loss.add(l1Penalty(model.parameters(), 1e-4))`). Its gradient is λ·sign(w) (0 at w = 0), which
 * pushes weights to exactly zero and so gives sparse weights.
 *
 * L2 regularisation / weight decay is not a loss term here but the optimizers' `weightDecay` option, as in
 * torch: SGD, Adam, RMSprop and Adagrad add weightDecay·w to the gradient (the gradient of
 * ½·weightDecay·‖w‖²), shrinking weights towards zero in proportion to their size; AdamW instead decays the
 * weights directly, w ← w·(1 − lr·weightDecay), which under Adam's per-coordinate scaling is not the same thing
 * ("decoupled" weight decay, usually what you want with Adam). Choose the parameters for either kind through
 * param groups or the `params` argument, e.g. to leave biases and BatchNorm weights undecayed.
 */
export function l1Penalty(params: Tensor | Iterable<Tensor>, lambda: number): Tensor {
  if (typeof lambda !== 'number' || !(lambda >= 0) || !Number.isFinite(lambda)) {
    throw new Error(`l1Penalty: lambda must be a finite number >= 0, got ${formatValue(lambda)}`);
  }
  const list = params instanceof Tensor ? [params] : [...params];
  if (list.length === 0) throw new Error('l1Penalty: got an empty parameter list');
  let total: Tensor | null = null;
  list.forEach((p, i) => {
    if (!(p instanceof Tensor))
      throw new TypeError(`l1Penalty: params[${i}] is not a Tensor: ${formatValue(p)}`);
    const term = ops.sum(ops.abs(p));
    total = total === null ? term : ops.add(total, term);
  });
  return ops.mul(total!, lambda);
}
