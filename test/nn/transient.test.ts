// Inference hands intermediate activations back to the pool as soon as the next layer has read them
// (nn/transient.ts). The results must not change, and nothing a user can reach may be released: the input,
// the result, tensors kept by a module of the user's own (or a subclass of a built-in one), and buffers
// shared through Identity, Flatten or in-place ops.
import { afterEach, describe, expect, it } from 'vitest';
import { getBackend, setBackend } from '../../src/backend/index.js';
import { enableGrad, manualSeed, models, nn, noGrad, randn, type Tensor } from '../../src/index.js';
import { native } from '../backend/helpers.js';
import type { Storage } from '../../src/tensor/dtype.js';

const original = getBackend();
let released = 0;
function countReleases(): void {
  released = 0;
  setBackend({ ...native!, release: (s) => (released++, native!.release!(s)) });
}
afterEach(() => setBackend(original));

const intact = (t: Tensor) => t.data.length === t.numel;
const same = (a: Tensor, b: Tensor) => expect(Array.from(a.data)).toEqual(Array.from(b.data));

class Keep extends nn.Module {
  kept: Tensor[] = [];
  forward(x: Tensor): Tensor {
    this.kept.push(x);
    return x.relu();
  }
}

class SeeingReLU extends nn.ReLU {
  seen: Tensor[] = [];
  override forward(x: Tensor): Tensor {
    const y = super.forward(x);
    this.seen.push(y);
    return y;
  }
}

describe.skipIf(!native)('inference releases intermediates once read', () => {
  it('ResNet-18: same result as with grad mode on, and buffers do go back', () => {
    manualSeed(3);
    const m = models.resnet18({ numClasses: 7 });
    m.eval();
    const x = randn([2, 3, 64, 64]);
    countReleases();
    const want = enableGrad(() => m.forward(x));
    expect(released).toBe(0); // grad mode: an autograd graph may hold anything
    const got = noGrad(() => m.forward(x));
    // (batch norm, ReLU and the residual tails write over their inputs: fewer buffers to hand back)
    expect(released).toBeGreaterThan(15);
    same(got, want);
    expect(intact(x)).toBe(true);
  });

  it('MobileNetV3 and EfficientNet-B0 blocks: same results, and buffers do go back', () => {
    for (const make of [
      () => models.mobilenetV3Small({ numClasses: 4 }),
      () => models.efficientnetB0({ numClasses: 4 }),
    ]) {
      manualSeed(8);
      const m = make();
      m.eval();
      const x = randn([1, 3, 64, 64]);
      const want = enableGrad(() => m.forward(x));
      countReleases();
      const got = noGrad(() => m.forward(x));
      expect(released).toBeGreaterThan(20);
      same(got, want);
    }
  });

  it("never releases what a user's module keeps, nor what a subclass of a built-in layer keeps", () => {
    manualSeed(4);
    const keep = new Keep();
    const seq = new nn.Sequential(new nn.Conv2d(3, 8, 3), keep, new nn.Conv2d(8, 4, 3), new nn.ReLU());
    const x = randn([2, 3, 20, 20]);
    const want = enableGrad(() => seq.forward(x));
    countReleases();
    const got = noGrad(() => seq.forward(x));
    same(got, want);
    expect(keep.kept.every(intact)).toBe(true);
    // what the conv after `keep` made was read by a ReLU: that one alone may go
    expect(released).toBe(1);

    const m = models.resnet18({ numClasses: 5 });
    m.eval();
    const seeing = new SeeingReLU();
    m.layer2.at(0).setSubmodule('relu', seeing);
    const y = randn([1, 3, 64, 64]);
    const ref = enableGrad(() => m.forward(y));
    const out = noGrad(() => m.forward(y));
    same(out, ref);
    expect(seeing.seen.length).toBeGreaterThan(0);
    expect(seeing.seen.every(intact)).toBe(true);
  });

  it('batch norm (+ ReLU) and the residual tail write over buffers nobody else reads, and only those', () => {
    manualSeed(6);
    const bn = () => {
      const b = new nn.BatchNorm2d(8);
      noGrad(() => {
        b.runningMean!.copy_(randn([8]));
        b.runningVar!.copy_(randn([8]).abs().add(0.5));
        b.weight!.copy_(randn([8]));
        b.bias!.copy_(randn([8]));
      });
      return b;
    };
    const keep = new Keep();
    const seq = new nn.Sequential(
      new nn.Conv2d(3, 8, 3),
      bn(),
      new nn.ReLU(),
      new nn.Conv2d(8, 8, 3),
      bn(),
      keep, // keeps what the batch norm returned: that must stay as it was
      new nn.Conv2d(8, 8, 1),
      bn(), // no ReLU after it: batch norm alone in place
      new nn.Flatten(),
    );
    seq.eval();
    const x = randn([2, 3, 12, 12]);
    const want = enableGrad(() => seq.forward(x));
    const keptWant = keep.kept.map((t) => Array.from(t.data));
    keep.kept.length = 0;
    const calls: [boolean, boolean][] = [];
    setBackend({
      ...native!,
      batchNormApply: (...a: Parameters<NonNullable<typeof native>['batchNormApply']>) => {
        calls.push([a[0] === a[8], a[9] === true]);
        native!.batchNormApply(...a);
      },
    });
    const got = noGrad(() => seq.forward(x));
    same(got, want);
    expect(keep.kept.map((t) => Array.from(t.data))).toEqual(keptWant);
    // conv -> bn -> relu: in place, fused; conv -> bn -> (user module): in place; conv -> bn: in place
    expect(calls).toEqual([
      [true, true],
      [true, false],
      [true, false],
    ]);
    // the chain's own input is never written over, nor is a batch norm in training mode run in place
    calls.length = 0;
    const first = new nn.Sequential(bn(), new nn.ReLU());
    first.eval();
    const y = randn([2, 8, 4, 4]);
    const yData = Array.from(y.data);
    noGrad(() => first.forward(y));
    expect(Array.from(y.data)).toEqual(yData);
    const training = new nn.Sequential(new nn.Conv2d(3, 8, 3), bn(), new nn.ReLU());
    noGrad(() => training.forward(x));
    expect(calls.every(([inPlace]) => !inPlace)).toBe(true);
  });

  it('keeps buffers shared through Identity, Flatten and in-place results, and the caller’s input', () => {
    manualSeed(5);
    const seq = new nn.Sequential(
      new nn.Identity(),
      new nn.Conv2d(2, 3, 3),
      new nn.Identity(),
      new nn.Flatten(),
      new nn.Linear(3 * 6 * 6, 4),
      new nn.Dropout(0.5),
    );
    seq.eval();
    const x = randn([2, 2, 8, 8]);
    const want = enableGrad(() => seq.forward(x));
    countReleases();
    const got = noGrad(() => seq.forward(x));
    same(got, want);
    expect(intact(x)).toBe(true);
    expect(intact(got)).toBe(true);
    // x passes Identity unchanged, so the conv's input is the caller's: kept; the conv's output is what
    // Identity returns and Flatten views: released only after Linear has read the view
    expect(released).toBe(1);
  });
});

// In training the same activations are marked, and backward releases each one right after its own grad node
// has run. Gradients must be exactly those of a run without any release.
describe.skipIf(!native)('training releases marked activations during backward', () => {
  const grads = (m: nn.Module, build: () => Tensor, opts: { retainGraph?: boolean } = {}) => {
    m.zeroGrad();
    const y = build();
    y.sum().backward(undefined, opts);
    return m.parameters().map((p) => Array.from(p.grad!.data));
  };
  const withoutRelease = <T>(f: () => T): T => {
    setBackend({ ...native!, release: undefined });
    try {
      return f();
    } finally {
      setBackend(original);
    }
  };

  it('ResNet-18 training step: the same gradients, and activations do go back', () => {
    manualSeed(6);
    const m = models.resnet18({ numClasses: 3 });
    const x = randn([2, 3, 32, 32]);
    const want = withoutRelease(() => grads(m, () => m.forward(x)));
    let bytes = 0;
    const counting = { ...native!, release: (s: Storage) => ((bytes += s.byteLength), native!.release!(s)) };
    setBackend(counting);
    const got = grads(m, () => m.forward(x));
    expect(got).toEqual(want);
    // the gradient temporaries alone: a forward that cannot mark (no release then), a backward that can
    const all = bytes;
    bytes = 0;
    m.zeroGrad();
    const y = withoutRelease(() => m.forward(x));
    setBackend(counting);
    y.sum().backward();
    expect(all - bytes).toBeGreaterThan(4 * 2 * 64 * 16 * 16 * 4); // activations: several stem-sized maps
    expect(intact(x)).toBe(true);
  });

  it('a view of a producer’s input is never released (ReLU -> Flatten -> Linear), nor with retainGraph', () => {
    manualSeed(7);
    const keep = new Keep();
    const m = new nn.Sequential(
      new nn.Conv2d(2, 4, 3),
      new nn.ReLU(),
      new nn.Flatten(),
      new nn.Linear(4 * 6 * 6, 5),
      keep,
      new nn.Linear(5, 3),
    );
    const x = randn([3, 2, 8, 8]);
    const want = withoutRelease(() => grads(m, () => m.forward(x)));
    countReleases();
    const got = grads(m, () => m.forward(x));
    expect(got).toEqual(want);
    expect(keep.kept.every(intact)).toBe(true);
    // retainGraph: a second backward through the same graph needs every saved activation
    const y = m.forward(x);
    m.zeroGrad();
    y.sum().backward(undefined, { retainGraph: true });
    const first = m.parameters().map((p) => Array.from(p.grad!.data));
    m.zeroGrad();
    y.sum().backward();
    expect(m.parameters().map((p) => Array.from(p.grad!.data))).toEqual(first);
  });
});
