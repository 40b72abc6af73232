// The fit loop on small synthetic problems: learning happens, history is complete, schedulers step, early
// stopping restores the best weights, the NaN guard names the step and layer, penalties change the gradient.
import { describe, expect, it } from 'vitest';
import { Generator, manualSeed, nn, optim, randn, tensor, type Tensor } from '../../src/index.js';
import { EarlyStopping, evaluate, fit, NanGuard, type Batch } from '../../src/train/index.js';

function blobs(n: number, seed: number): Batch[] {
  // three Gaussian blobs in 2-d, batches of 16
  const g = new Generator(seed);
  const x = randn([n, 2], { generator: g });
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    x.data[2 * i]! += [3, -3, 0][i % 3]!;
    x.data[2 * i + 1]! += [0, 0, 4][i % 3]!;
  }
  const yt = tensor(y, { dtype: 'int64' });
  const out: Batch[] = [];
  for (let i = 0; i < n; i += 16)
    out.push([x.narrow(0, i, Math.min(16, n - i)), yt.narrow(0, i, Math.min(16, n - i))]);
  return out;
}

const mlp = () => new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 3));

describe('fit', () => {
  it('learns, records history per epoch and per layer, steps the scheduler', async () => {
    manualSeed(0);
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    const lines: string[] = [];
    const h = await fit({
      model,
      optimizer: opt,
      trainLoader: blobs(192, 1),
      valLoader: blobs(96, 2),
      epochs: 4,
      scheduler: sched,
      log: (l) => lines.push(l),
      progress: false,
    });
    expect(h.epochs).toHaveLength(4);
    expect(h.epochs[3]!.valAcc!).toBeGreaterThan(0.9);
    expect(h.epochs[3]!.trainLoss).toBeLessThan(h.epochs[0]!.trainLoss);
    expect(h.epochs.map((e) => e.lr)).toEqual([0.1, 0.1, 0.05, 0.05]);
    expect(h.epochs[0]!.layers.map((l) => l.name)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(h.epochs[0]!.layers[0]!.gradNorm).toBeGreaterThan(0);
    expect(h.gradSteps.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(
      /^epoch 1\/4: train loss \d\.\d{4} acc \d\.\d{4} \| val loss \d\.\d{4} acc \d\.\d{4} \| lr 0\.100 \| /,
    );
    const r = await evaluate(model, blobs(96, 3));
    expect(r.accuracy).toBeGreaterThan(0.9);
    expect(r.confusion.flat().reduce((a, b) => a + b)).toBe(96);
    expect(model.training).toBe(true);
  });
  it('early stopping stops and restores the best weights', async () => {
    manualSeed(1);
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.05 });
    const es = new EarlyStopping({ monitor: 'valAcc', patience: 0, minDelta: 0.5 });
    const lines: string[] = [];
    const h = await fit({
      model,
      optimizer: opt,
      trainLoader: blobs(96, 1),
      valLoader: blobs(48, 2),
      epochs: 10,
      callbacks: [es],
      log: (l) => lines.push(l),
      progress: false,
    });
    expect(h.epochs.length).toBe(2);
    expect(h.stoppedReason).toMatch(/early stopping: valAcc has not improved for 0 epochs/);
    expect(lines.at(-1)).toMatch(/restored the weights of epoch 1/);
    const r = await evaluate(model, blobs(48, 2));
    expect(r.accuracy).toBeCloseTo(h.epochs[0]!.valAcc!, 10);
  });
  it('the NaN guard stops with the step, the layer and a suggestion', async () => {
    manualSeed(2);
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 1e30 });
    await expect(
      fit({
        model,
        optimizer: opt,
        trainLoader: blobs(96, 1),
        epochs: 3,
        callbacks: [new NanGuard()],
        log: () => undefined,
        progress: false,
      }),
    ).rejects.toThrow(/non-finite loss .* at epoch 1, step \d+: .*Try a lower learning rate/);
  });
  it('L1/L2 penalties add λ·Σ|w| and λ·Σw² over weights to the loss', async () => {
    manualSeed(3);
    const model = mlp();
    const w0 = (model.at(0) as nn.Linear).weight.clone();
    const opt = new optim.SGD(model.parameters(), { lr: 0 });
    const batch = blobs(16, 1);
    let grad: Tensor | null = null;
    await fit({
      model,
      optimizer: opt,
      trainLoader: batch,
      epochs: 1,
      regularization: { l1: 0.1, l2: 0.01 },
      callbacks: [
        { onBatchEnd: (c) => void (grad = (c.model as nn.Sequential).at(0).parameters()[0]!.grad!.clone()) },
      ],
      log: () => undefined,
      progress: false,
    });
    // same batch without penalties, then add the analytic penalty gradient
    const m2 = mlp();
    m2.loadStateDict(model.stateDict());
    const [x, y] = batch[0] as [Tensor, Tensor];
    nn.functional.crossEntropy(m2.forward(x), y).backward();
    const g2 = (m2.at(0) as nn.Linear).weight.grad!;
    const expected = g2.add(w0.sign().mul(0.1)).add(w0.mul(0.02));
    for (let i = 0; i < expected.numel; i++) expect(grad!.data[i]!).toBeCloseTo(expected.data[i]!, 5);
  });
});
