// Central finite differences in float64 against the autograd gradients, PyTorch gradcheck-style: the output is
// projected onto a fixed random direction so every output element contributes.
import { expect } from 'vitest';
import { Tensor, noGrad, tensor, type NestedArray } from '../../src/index.js';

/** Deterministic pseudo-random float64 values in [-1, 1) (independent of the library's generator). */
export function prand(shape: number[], seed = 1, opts: { positive?: boolean; spread?: number } = {}): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(n);
  let s = seed * 2654435761 + 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    let v = (s / 2147483648) * 2 - 1;
    if (opts.positive) v = 0.2 + Math.abs(v);
    d[i] = v * (opts.spread ?? 1);
  }
  return tensor(d, { shape, dtype: 'float64' });
}

export function f64(data: NestedArray): Tensor {
  return tensor(data, { dtype: 'float64' });
}

function project(out: Tensor, dir: Float64Array): number {
  let s = 0;
  const d = out.data;
  for (let i = 0; i < d.length; i++) s += d[i]! * dir[i]!;
  return s;
}

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Indices of inputs not to differentiate (e.g. integer targets). */
  skip?: number[];
}

/**
 * Checks d<f(inputs), dir>/d inputs by autograd against central differences. `inputs` must be float64 leaves;
 * their requiresGrad flags are set here.
 */
export function gradcheck(
  name: string,
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradcheckOptions = {},
): void {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-4;
  const diff = inputs.map((x, i) => !opts.skip?.includes(i) && x.dtype === 'float64');
  inputs.forEach((x, i) => {
    if (diff[i]) {
      x.requiresGrad = true;
      x.grad = null;
    }
  });
  const out = f(...inputs);
  expect(out.dtype, `${name}: output dtype`).toBe('float64');
  const dir = prand(out.shape as number[], 7).data as Float64Array;
  out.backward(tensor(dir, { shape: out.shape as number[], dtype: 'float64' }));
  inputs.forEach((x, i) => {
    if (!diff[i]) return;
    const g = x.grad;
    expect(g, `${name}: input ${i} got no gradient`).not.toBeNull();
    const num = new Float64Array(x.numel);
    noGrad(() => {
      for (let k = 0; k < x.numel; k++) {
        const orig = x.data[k]!;
        x.data[k] = orig + eps;
        const fp = project(f(...inputs), dir);
        x.data[k] = orig - eps;
        const fm = project(f(...inputs), dir);
        x.data[k] = orig;
        num[k] = (fp - fm) / (2 * eps);
      }
    });
    for (let k = 0; k < x.numel; k++) {
      const a = g!.data[k]!;
      const e = num[k]!;
      if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
        throw new Error(
          `${name}: gradient of input ${i} at flat index ${k}: autograd ${a} vs finite difference ${e}`,
        );
      }
    }
  });
}

/** Compare a tensor to expected nested values within tolerance, naming the first mismatch. */
export function expectClose(
  actual: Tensor,
  expected: NestedArray | Tensor,
  atol = 1e-6,
  rtol = 1e-5,
  what = 'tensor',
): void {
  const e = expected instanceof Tensor ? expected : tensor(expected, { dtype: 'float64' });
  expect(actual.shape, `${what}: shape`).toEqual(e.shape);
  for (let i = 0; i < actual.numel; i++) {
    const a = actual.data[i]!;
    const b = e.data[i]!;
    if (Number.isNaN(b) && Number.isNaN(a)) continue;
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b)) && a !== b) {
      throw new Error(`${what}: element ${i} is ${a}, expected ${b}`);
    }
  }
}
