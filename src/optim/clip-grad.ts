// Gradient clipping in place: clipGradNorm_ (torch.nn.utils.clip_grad_norm_'s formula) and clipGradValue_.
import { Tensor } from '../tensor/tensor.js';
import { formatValue } from './keys.js';

export interface ClipGradNormOptions {
  /** The p of the p-norm: a positive number or Infinity (max |g|). Default 2. */
  normType?: number;
  /** Throw if the total norm is NaN or ±Infinity instead of scaling by it (default false, as in torch). */
  errorIfNonfinite?: boolean;
}

function gradsOf(who: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor))
      throw new TypeError(`${who}: params[${i}] is not a Tensor: ${formatValue(p)}`);
  });
  return list.map((p) => p.grad).filter((g): g is Tensor => g !== null);
}

function pNorm(values: Iterable<number>, p: number): number {
  let acc = 0;
  if (p === Infinity) {
    for (const v of values) acc = Number.isNaN(v) || Number.isNaN(acc) ? NaN : Math.max(acc, Math.abs(v));
    return acc;
  }
  for (const v of values) acc += p === 2 ? v * v : p === 1 ? Math.abs(v) : Math.abs(v) ** p;
  return p === 2 ? Math.sqrt(acc) : p === 1 ? acc : acc ** (1 / p);
}

/**
 * Scale all gradients together so that their joint p-norm (as if concatenated into one vector) is at most
 * `maxNorm`, in place; returns that total norm (before clipping). torch's formula: each gradient is multiplied
 * by min(1, maxNorm / (total + 1e-6)), computed in float32 for float32 gradients. Parameters without a
 * gradient are skipped; with none at all the result is 0.
 */
export function clipGradNorm_(
  params: Tensor | Iterable<Tensor>,
  maxNorm: number,
  { normType = 2, errorIfNonfinite = false }: ClipGradNormOptions = {},
): number {
  const who = 'clipGradNorm_';
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) {
    throw new Error(`${who}: maxNorm must be a number, got ${formatValue(maxNorm)}`);
  }
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new Error(`${who}: normType must be a positive number or Infinity, got ${formatValue(normType)}`);
  }
  const grads = gradsOf(who, params);
  if (grads.length === 0) return 0;
  const r = grads.every((g) => g.dtype === 'float64') ? (x: number) => x : Math.fround;
  // per-gradient norms (rounded like torch's float32 results), then the norm of those norms
  const total = r(
    pNorm(
      grads.map((g) => r(pNorm(g.data, normType))),
      normType,
    ),
  );
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new Error(
      `${who}: the total norm of order ${normType} of the gradients is ${total}, so it cannot be clipped; ` +
        'pass errorIfNonfinite: false to scale the gradients by it anyway',
    );
  }
  // torch: clip_coef = max_norm / (total_norm + 1e-6) = reciprocal(total + 1e-6) * max_norm, clamped to 1
  const coef = Math.min(r(r(1 / r(total + r(1e-6))) * r(maxNorm)), 1);
  for (const g of grads) {
    const d = g.data;
    for (let i = 0; i < d.length; i++) d[i] = d[i]! * coef;
    g.bumpVersion();
  }
  return total;
}

/** Clamp every gradient to [−clipValue, clipValue], in place (torch.nn.utils.clip_grad_value_). */
export function clipGradValue_(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const who = 'clipGradValue_';
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) {
    throw new Error(`${who}: clipValue must be a number >= 0, got ${formatValue(clipValue)}`);
  }
  for (const g of gradsOf(who, params)) {
    const d = g.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i]!;
      d[i] = v < -clipValue ? -clipValue : v > clipValue ? clipValue : v;
    }
    g.bumpVersion();
  }
}
