// Autograd semantics: leaves and .grad accumulation, explicit gradients, retainGraph, noGrad/enableGrad,
// detach, hooks, retainGrad, in-place rules and version checks, and the error messages.
import { describe, expect, it } from 'vitest';
import { enableGrad, isGradEnabled, noGrad, tensor, zeros } from '../../src/index.js';

describe('autograd', () => {
  it('fills .grad of leaves and accumulates across backward calls', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    expect(y.isLeaf).toBe(false);
    expect(x.isLeaf).toBe(true);
    y.backward();
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
    x.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([5, 7, 9]);
  });
  it('uses the same input twice (diamond) and a shared subexpression', () => {
    const x = tensor([2], { requiresGrad: true, dtype: 'float64' });
    const a = x.mul(3);
    const y = a.mul(a).add(a); // 9x² + 3x → 18x + 3
    y.sum().backward();
    expect(x.grad!.item()).toBe(39);
  });
  it('backward with an explicit gradient; non-scalar without one is an error', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(
      /grad can be implicitly created only for scalar outputs; got shape \[2\]/,
    );
    y.backward(tensor([1, 10]));
    expect(x.grad!.toArray()).toEqual([2, 20]);
    expect(() => x.mul(2).backward(tensor([1, 2, 3]))).toThrow(/gradient shape \[3\] does not match/);
  });
  it('frees the graph after backward unless retainGraph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const z = x.exp().sum();
    z.backward(undefined, { retainGraph: true });
    z.backward();
    expect(() => z.backward()).toThrow(/backward through the graph a second time/);
  });
  it('noGrad records nothing; enableGrad re-enables inside it; detach cuts the graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    const z = noGrad(() => enableGrad(() => x.mul(2)));
    expect(z.requiresGrad).toBe(true);
    expect(isGradEnabled()).toBe(true);
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(() => d.sum().backward()).toThrow(/does not require grad/);
    expect(() => noGrad(() => Promise.resolve(1))).toThrow(/Promise/);
    expect(isGradEnabled()).toBe(true);
  });
  it('grad mode is restored when the function throws', () => {
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });
  it('in-place updates of leaves under noGrad (an SGD step)', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    w.mul(w).sum().backward();
    expect(() => w.sub_(w.grad!.mul(0.1))).toThrow(/in-place update of a tensor that requires grad/);
    noGrad(() => w.sub_(w.grad!.mul(0.1)));
    expect(w.toArray()).toEqual([0.8, 1.6].map(Math.fround));
    expect(w.requiresGrad).toBe(true);
    w.grad!.zero_();
    expect(w.grad!.toArray()).toEqual([0, 0]);
  });
  it('detects a saved tensor modified in place before backward', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const x = tensor([3, 4]);
    const y = w.mul(x).sum();
    x.mul_(2);
    expect(() => y.backward()).toThrow(/modified in place after it was used/);
  });
  it('hooks see and may replace gradients; retainGrad keeps a non-leaf grad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const seen: number[][] = [];
    const remove = x.registerHook((g) => {
      seen.push(g.toArray() as number[]);
      return g.mul(10);
    });
    const h = x.mul(3).retainGrad();
    h.sum().backward();
    expect(seen).toEqual([[3, 3]]);
    expect(x.grad!.toArray()).toEqual([30, 30]);
    expect(h.grad!.toArray()).toEqual([1, 1]);
    remove();
    x.grad = null;
    x.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 3]);
    expect(() => zeros([2]).registerHook(() => undefined)).toThrow(/doesn't require grad/);
  });
  it('requiresGrad rules', () => {
    expect(() => tensor([1], { dtype: 'int64', requiresGrad: true })).toThrow(/only floating-point tensors/);
    const x = tensor([1], { requiresGrad: true });
    expect(() => {
      x.mul(2).requiresGrad = false;
    }).toThrow(/leaf/);
    expect(zeros([2]).requiresGrad_().requiresGrad).toBe(true);
  });
  it('handles deep graphs without stack overflow', () => {
    const x = tensor([1], { requiresGrad: true, dtype: 'float64' });
    let y = x;
    for (let i = 0; i < 20000; i++) y = y.add(1);
    y.sum().backward();
    expect(x.grad!.item()).toBe(1);
  });
});

// A leaf without .grad takes its gradient tensor without a copy only when nothing else can reach that storage.
describe('.grad without a copy never aliases another tensor', () => {
  const shares = (a: { data: ArrayLike<number> }, b: { data: ArrayLike<number> }) =>
    (a.data as Float32Array).buffer === (b.data as Float32Array).buffer;
  it('one gradient passed to two leaves (add returns it for both inputs): two separate .grad', () => {
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const b = tensor([4, 5, 6], { requiresGrad: true });
    a.add(b).mul(2).sum().backward();
    expect(shares(a.grad!, b.grad!)).toBe(false);
    a.grad!.data[0] = 100;
    expect(b.grad!.toArray()).toEqual([2, 2, 2]);
  });
  it("the caller's gradient passed straight through stays the caller's", () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const g = tensor([3, 4]);
    a.clone().backward(g);
    expect(a.grad!.toArray()).toEqual([3, 4]);
    expect(shares(a.grad!, g)).toBe(false);
    g.data[0] = 0;
    expect(a.grad!.toArray()).toEqual([3, 4]);
  });
  it('a gradient a hook has seen is copied', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    let seen: { data: Float32Array } | null = null;
    a.registerHook((g) => {
      seen = g as unknown as { data: Float32Array };
      return g;
    });
    a.mul(3).sum().backward();
    expect(shares(a.grad!, seen!)).toBe(false);
  });
  it('a view of a gradient that also reaches another tensor is copied', () => {
    const a = tensor([1, 2, 3, 4], { requiresGrad: true });
    const b = tensor([[1, 1], [1, 1]], { requiresGrad: true }); // prettier-ignore
    a.reshape([2, 2]).add(b).mul(2).sum().backward();
    expect(shares(a.grad!, b.grad!)).toBe(false);
    expect(a.grad!.toArray()).toEqual([2, 2, 2, 2]);
  });
  it('a fresh gradient is taken as is, and later backward calls accumulate into it', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    a.mul(a).sum().backward();
    const first = a.grad!;
    a.mul(3).sum().backward();
    expect(a.grad).toBe(first);
    expect(a.grad!.toArray()).toEqual([5, 7]);
  });
});
