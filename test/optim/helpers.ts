// Shared by the optim tests: reading test/fixtures/optim.json (written by scripts/fixtures/optim.py with
// torch 1.13), building optimizers by name, the fixture's tiny MLP, and comparisons.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { nn, optim, tensor, Tensor } from '../../src/index.js';

export interface Enc {
  shape: number[];
  dtype: 'float32' | 'int64' | 'bool';
  data: (number | null)[];
}
type Json = number | string | boolean | null | Json[] | { [k: string]: Json };

export interface OptimRun {
  name: string;
  optimizer: keyof typeof OPTIMIZERS;
  options: Record<string, unknown>;
  lr2: number;
}

export const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/optim.json', import.meta.url), 'utf8'),
) as {
  torch: string;
  model: {
    x: Enc;
    y: Enc;
    init: Record<string, Enc>;
    runs: (OptimRun & { losses: number[]; final: Record<string, Enc> })[];
  };
  synthetic: {
    init: Enc[];
    grads: Enc[][];
    runs: (OptimRun & { final: Enc[]; stateDict3: Record<string, Json> })[];
  };
  clip: { grads: Enc[]; cases: Record<string, Json>[] };
  schedulers: { plateauMetrics: number[]; runs: Record<string, Json>[] };
};

/** A fixture tensor as a weightroom tensor (null → NaN). */
export function decode(e: Enc): Tensor {
  const data = e.data.map((v) => (v === null ? NaN : v));
  if (e.dtype === 'float32') return tensor(Float32Array.from(data), { shape: e.shape });
  return tensor(Float64Array.from(data), { dtype: e.dtype, shape: e.shape });
}

export const OPTIMIZERS = {
  SGD: optim.SGD,
  Adam: optim.Adam,
  AdamW: optim.AdamW,
  RMSprop: optim.RMSprop,
  Adagrad: optim.Adagrad,
};

type AnyCtor = new (params: optim.Params<unknown>, opts: Record<string, unknown>) => optim.Optimizer;

/** The optimizer of a fixture run over two groups: groups[0] at the default lr, groups[1] at lr2. */
export function buildOptimizer(run: OptimRun, groups: [Tensor[], Tensor[]]): optim.Optimizer {
  const Ctor = OPTIMIZERS[run.optimizer] as unknown as AnyCtor;
  return new Ctor([{ params: groups[0] }, { params: groups[1], lr: run.lr2 }], run.options);
}

/** The fixture's tiny MLP: crossEntropy(linear(tanh(linear(x, w1, b1)), w2, b2), y). */
export function makeModel(): { params: Record<string, Tensor>; loss: () => Tensor } {
  const x = decode(fixture.model.x);
  const y = decode(fixture.model.y);
  const params: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(fixture.model.init)) params[k] = decode(v).requiresGrad_();
  const F = nn.functional;
  const loss = () =>
    F.crossEntropy(
      F.linear(F.linear(x, params['w1']!, params['b1']!).tanh(), params['w2']!, params['b2']!),
      y,
    );
  return { params, loss };
}

/** One training step: zeroGrad, loss, backward, step; returns the loss. */
export function trainStep(opt: optim.Optimizer, loss: () => Tensor): number {
  opt.zeroGrad();
  const l = loss();
  l.backward();
  opt.step();
  return l.item();
}

/** Element-wise |a − b| <= atol + rtol·|b| (NaN only matches NaN), with a readable failure. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
  what = '',
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    const excess = Math.abs(a - b) - (atol + rtol * Math.abs(b));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`,
    );
  }
}

/** A weightroom state-dict value in the fixture's JSON form (tensors as {shape, dtype, data}, inf as a string). */
export function toJson(v: unknown): Json {
  if (v instanceof Tensor) {
    return {
      shape: [...v.shape],
      dtype: v.dtype === 'float32' ? 'float32' : v.dtype,
      data: Array.from(v.data as Float32Array),
    } as Json;
  }
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v)) return v > 0 ? 'inf' : '-inf';
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  }
  return v as Json;
}

/** The fixture's JSON form back to state-dict values (encoded tensors → Tensors, 'inf' → Infinity). */
export function fromJson(v: Json): optim.StateDictValue {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v === 'inf' || v === '-inf') return v === 'inf' ? Infinity : -Infinity;
  if (v !== null && typeof v === 'object') {
    if ('shape' in v && 'dtype' in v && 'data' in v) return decode(v as unknown as Enc);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJson(x)]));
  }
  return v;
}

/** Deep comparison of JSON values: numbers within a relative tolerance, everything else exactly. */
export function expectJsonClose(actual: Json, expected: Json, rtol: number, path = ''): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const ok = actual === expected || Math.abs(actual - expected) <= rtol * Math.abs(expected);
    if (!ok) expect.fail(`${path}: ${actual} vs ${expected}`);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path}: expected a list, got ${JSON.stringify(actual)}`).toBe(true);
    expect((actual as Json[]).length, `${path}: length`).toBe(expected.length);
    expected.forEach((e, i) => expectJsonClose((actual as Json[])[i]!, e, rtol, `${path}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(
      actual !== null && typeof actual === 'object' && !Array.isArray(actual),
      `${path}: expected an object`,
    ).toBe(true);
    const a = actual as Record<string, Json>;
    expect(Object.keys(a).sort(), `${path}: keys`).toEqual(Object.keys(expected).sort());
    for (const k of Object.keys(expected)) expectJsonClose(a[k]!, expected[k]!, rtol, `${path}.${k}`);
    return;
  }
  expect(actual, path).toEqual(expected);
}
