// Gradient clipping against torch 1.13 (clip_grad_norm_ with several norm types, clip_grad_value_; fixtures from
// scripts/fixtures/optim.py, rtol 1e-6) and the L1 penalty.
import { describe, expect, it } from 'vitest';
import { optim, tensor, zeros, type Tensor } from '../../src/index.js';
import { decode, expectClose, fixture } from './helpers.js';

const param = (v: number[] = [1, -2, 3]) => tensor(v).requiresGrad_();

describe(`gradient clipping matches torch ${fixture.torch}`, () => {
  const withGrads = () =>
    fixture.clip.grads.map((g) => {
      const p = zeros(decode(g).shape).requiresGrad_();
      p.grad = decode(g);
      return p;
    });
  for (const c of fixture.clip.cases) {
    const name =
      c['kind'] === 'norm'
        ? `clipGradNorm_(maxNorm ${c['maxNorm']}, normType ${c['normType']})`
        : `clipGradValue_(${c['clip']})`;
    it(name, () => {
      const ps = withGrads();
      if (c['kind'] === 'norm') {
        const normType = c['normType'] === 'inf' ? Infinity : (c['normType'] as number);
        const total = optim.clipGradNorm_(ps, c['maxNorm'] as number, { normType });
        expectClose([total], [c['total'] as number], 1e-6, 0, 'total norm');
      } else optim.clipGradValue_(ps, c['clip'] as number);
      (c['grads'] as never[]).forEach((g, i) =>
        expectClose(ps[i]!.grad!.data, decode(g).data, 1e-6, 1e-7, `grad ${i}`),
      );
    });
  }
  it('no gradients: 0; non-finite norms can be an error', () => {
    expect(optim.clipGradNorm_([param()], 1)).toBe(0);
    const p = param();
    p.grad = tensor([1, Infinity, 0]);
    expect(() => optim.clipGradNorm_(p, 1, { errorIfNonfinite: true })).toThrow(
      /clipGradNorm_: the total norm of order 2 .* is Infinity/,
    );
    expect(() => optim.clipGradNorm_(p, 1, { normType: 0 })).toThrow(
      /normType must be a positive number or Infinity, got 0/,
    );
    expect(() => optim.clipGradValue_(p, -1)).toThrow(
      /clipGradValue_: clipValue must be a number >= 0, got -1/,
    );
  });
});

describe('l1Penalty', () => {
  it('is λ·Σ|w| with gradient λ·sign(w)', () => {
    const a: Tensor = param([1, -2, 0]);
    const b = param([-0.5]);
    const pen = optim.l1Penalty([a, b], 0.1);
    expect(pen.item()).toBeCloseTo(0.35, 6);
    pen.backward();
    expectClose(a.grad!.data, [0.1, -0.1, 0], 1e-6, 0);
    expectClose(b.grad!.data, [-0.1], 1e-6, 0);
  });
  it('checks its arguments', () => {
    expect(() => optim.l1Penalty([param()], -1)).toThrow(
      /l1Penalty: lambda must be a finite number >= 0, got -1/,
    );
    expect(() => optim.l1Penalty([], 0.1)).toThrow(/l1Penalty: got an empty parameter list/);
  });
});
