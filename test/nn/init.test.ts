// nn.init: fan values and gains equal torch's; each scheme's empirical statistics match its formula on large
// tensors; structural inits (eye, dirac, orthogonal, sparse) have their defining properties.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { empty, manualSeed, nn, type Tensor } from '../../src/index.js';

const init = nn.init;
const fx = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/nn.json'), 'utf8')) as {
  fans: { shape: number[]; fanIn: number; fanOut: number }[];
  gains: Record<string, number>;
};

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const d = t.data;
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of d) {
    s += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / d.length;
  let v2 = 0;
  for (const v of d) v2 += (v - mean) ** 2;
  return { mean, std: Math.sqrt(v2 / d.length), min, max };
}

describe('init', () => {
  it('fan in/out equal torch for linear and conv shapes', () => {
    for (const f of fx.fans)
      expect(init.calculateFanInAndFanOut(f.shape), f.shape.join('x')).toEqual({
        fanIn: f.fanIn,
        fanOut: f.fanOut,
      });
    expect(() => init.calculateFanInAndFanOut([5])).toThrow(/fewer than 2 dims/);
  });
  it('gains equal torch', () => {
    for (const [k, v] of Object.entries(fx.gains)) {
      const g =
        k === 'leaky_relu_0.2'
          ? init.calculateGain('leaky_relu', 0.2)
          : init.calculateGain(k as nn.init.Nonlinearity);
      expect(g, k).toBeCloseTo(v, 14);
    }
  });
  const W = () => empty([512, 256, 3, 3]); // fan_in 2304, fan_out 4608
  const fanIn = 256 * 9;
  const fanOut = 512 * 9;
  const within = (got: number, want: number, rel: number, what: string) =>
    expect(Math.abs(got - want) / want, `${what}: ${got} vs ${want}`).toBeLessThan(rel);
  it('kaiming (He) normal and uniform: std = gain/√fan within 2 %, bounds', () => {
    manualSeed(1);
    within(
      stats(init.kaimingNormal_(W(), { nonlinearity: 'relu' })).std,
      Math.SQRT2 / Math.sqrt(fanIn),
      0.02,
      'He normal',
    );
    within(
      stats(init.kaimingNormal_(W(), { nonlinearity: 'relu', mode: 'fanOut' })).std,
      Math.SQRT2 / Math.sqrt(fanOut),
      0.02,
      'He normal fanOut',
    );
    const u = stats(init.kaimingUniform_(W(), { nonlinearity: 'relu' }));
    const bound = Math.sqrt(6 / fanIn);
    within(u.std, bound / Math.sqrt(3), 0.02, 'He uniform std');
    expect(u.max).toBeLessThanOrEqual(Math.fround(bound)); // float32 storage rounds the bound itself
    expect(u.min).toBeGreaterThanOrEqual(Math.fround(-bound));
    within(u.max, bound, 0.01, 'He uniform reaches its bound');
    const leaky = stats(init.kaimingUniform_(W(), { a: Math.sqrt(5) }));
    within(leaky.max, 1 / Math.sqrt(fanIn), 0.01, "torch's default a=√5 → bound 1/√fan_in");
    expect(Math.abs(u.mean)).toBeLessThan(0.001);
  });
  it('xavier (Glorot) normal and uniform with gain', () => {
    manualSeed(2);
    const std = Math.sqrt(2 / (fanIn + fanOut));
    within(stats(init.xavierNormal_(W())).std, std, 0.02, 'xavier normal');
    const u = stats(init.xavierUniform_(W(), init.calculateGain('tanh')));
    within(u.std, (5 / 3) * std, 0.02, 'xavier uniform std');
    expect(u.max).toBeLessThanOrEqual((5 / 3) * std * Math.sqrt(3));
  });
  it('uniform_, normal_, truncNormal_, constant_', () => {
    manualSeed(3);
    const u = stats(init.uniform_(empty([200000]), -2, 3));
    expect(u.min).toBeGreaterThanOrEqual(-2);
    expect(u.max).toBeLessThan(3);
    within(u.mean + 10, 0.5 + 10, 0.001, 'uniform mean');
    const n = stats(init.normal_(empty([200000]), 1, 0.5));
    within(n.mean, 1, 0.01, 'normal mean');
    within(n.std, 0.5, 0.01, 'normal std');
    const t = stats(init.truncNormal_(empty([200000]), 0, 1, -1, 1));
    expect(t.min).toBeGreaterThanOrEqual(-1);
    expect(t.max).toBeLessThanOrEqual(1);
    within(t.std, 0.5379, 0.02, 'truncated normal std on [-1, 1]'); // sqrt(1 - 2φ(1)/(Φ(1)-Φ(-1)))
    expect(init.constant_(empty([3]), 0.25).toArray()).toEqual([0.25, 0.25, 0.25]);
    expect(init.ones_(empty([2])).toArray()).toEqual([1, 1]);
    expect(() => init.uniform_(empty([2], { dtype: 'int64' }))).toThrow(/float32 or float64/);
  });
  it('eye_, dirac_, orthogonal_, sparse_', () => {
    expect(init.eye_(empty([2, 3])).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    const d = init.dirac_(empty([4, 2, 3, 3]), 2);
    // a dirac conv with groups=2 copies channel 0,1 into outputs 0,1 and again into 2,3
    expect(d.sum().item()).toBe(4);
    expect(d.data[0 * 18 + 0 * 9 + 4]).toBe(1);
    expect(d.data[3 * 18 + 1 * 9 + 4]).toBe(1);
    manualSeed(4);
    for (const shape of [
      [6, 4],
      [4, 6],
      [5, 2, 2],
    ]) {
      const q = init.orthogonal_(empty(shape, { dtype: 'float64' }), 2);
      const m = q.reshape([shape[0]!, -1]);
      const gram = m.shape[0]! <= m.shape[1]! ? m.matmul(m.t()) : m.t().matmul(m);
      const n = gram.shape[0]!;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) expect(gram.data[i * n + j]!).toBeCloseTo(i === j ? 4 : 0, 10);
    }
    const s = init.sparse_(empty([10, 50]), 0.3, 0.1);
    for (let c = 0; c < 50; c++) {
      let zeros = 0;
      for (let r = 0; r < 10; r++) if (s.data[r * 50 + c] === 0) zeros++;
      expect(zeros).toBe(3);
    }
  });
  it('layers use torch defaults: BatchNorm ones/zeros, Linear bound 1/√fan_in', () => {
    const bn = new nn.BatchNorm2d(3);
    expect(bn.weight!.toArray()).toEqual([1, 1, 1]);
    expect(bn.runningVar!.toArray()).toEqual([1, 1, 1]);
    expect(bn.numBatchesTracked!.dtype).toBe('int64');
    const lin = new nn.Linear(400, 300);
    const st = stats(lin.weight);
    within(st.max, 1 / 20, 0.01, 'Linear weight bound');
    expect(stats(lin.bias!).max).toBeLessThanOrEqual(1 / 20);
  });
});
