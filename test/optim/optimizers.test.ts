// Optimizer parity with torch 1.13 (fixtures from scripts/fixtures/optim.py): 10-step trajectories on a tiny
// MLP (float32, rtol 1e-5 / atol 1e-6), the update formulas on stored gradients (bit-exact), torch's
// state_dict after 3 steps (layout, keys and values), loading it, and save/load/resume (bit-exact).
import { describe, expect, it } from 'vitest';
import { optim, type Tensor } from '../../src/index.js';
import {
  buildOptimizer,
  decode,
  expectClose,
  expectJsonClose,
  fixture,
  fromJson,
  makeModel,
  toJson,
  trainStep,
} from './helpers.js';

// float32 trajectories: the gradients themselves differ from torch's in the last bits (summation order), and
// the differences carry through 10 steps, hence a tolerance rather than bit equality.
const RTOL = 1e-5;
const ATOL = 1e-6;

const groupsOf = (p: Record<string, Tensor>): [Tensor[], Tensor[]] => [
  [p['w1']!, p['b1']!],
  [p['w2']!, p['b2']!],
];

describe(`optimizers on a tiny MLP match torch ${fixture.torch} for 10 steps (rtol ${RTOL}, atol ${ATOL})`, () => {
  for (const run of fixture.model.runs) {
    it(run.name, () => {
      const { params, loss } = makeModel();
      const before = Object.fromEntries(Object.entries(params));
      const opt = buildOptimizer(run, groupsOf(params));
      const losses = Array.from({ length: 10 }, () => trainStep(opt, loss));
      expectClose(losses, run.losses, RTOL, ATOL, 'losses');
      for (const [k, v] of Object.entries(run.final)) {
        expect(params[k]).toBe(before[k]); // updated in place: the same objects
        expectClose(params[k]!.data, decode(v).data, RTOL, ATOL, k);
      }
    });
  }
});

/** Run a synthetic-gradient fixture case for `steps` steps (param 3 never gets a gradient). */
function synthetic(
  run: (typeof fixture.synthetic.runs)[number],
  steps: number,
  after?: (opt: optim.Optimizer, k: number) => void,
) {
  const ps = fixture.synthetic.init.map((e) => decode(e).requiresGrad_());
  const opt = buildOptimizer(run, [ps.slice(0, 2), ps.slice(2)]);
  for (let k = 0; k < steps; k++) {
    fixture.synthetic.grads[k]!.forEach((g, i) => (ps[i]!.grad = decode(g)));
    opt.step();
    after?.(opt, k + 1);
  }
  return { ps, opt };
}

describe('update formulas on stored gradients equal torch bit for bit', () => {
  for (const run of fixture.synthetic.runs) {
    it(run.name, () => {
      const { ps } = synthetic(run, 10);
      run.final.forEach((e, i) =>
        expect(Array.from(ps[i]!.data), `param ${i}`).toEqual(Array.from(decode(e).data)),
      );
      // the parameter without a gradient was skipped
      expect(Array.from(ps[3]!.data)).toEqual(Array.from(decode(fixture.synthetic.init[3]!).data));
    });
  }
});

describe("stateDict() after 3 steps equals torch's state_dict", () => {
  for (const run of fixture.synthetic.runs) {
    it(run.name, () => {
      let sd: optim.OptimizerStateDict | null = null;
      synthetic(run, 3, (opt, k) => {
        if (k === 3) sd = opt.stateDict();
      });
      const mine = toJson(sd) as Record<string, unknown>;
      const torch = toJson(fromJson(run.stateDict3 as never)) as Record<string, unknown>; // float32 values
      // same keys in the same order, exact values (tensors bit-exact, hyper-parameters as doubles)
      expectJsonClose(mine as never, torch as never, 0);
      const groups = (x: Record<string, unknown>) =>
        (x['param_groups'] as Record<string, unknown>[]).map(Object.keys);
      expect(groups(mine)).toEqual(groups(torch));
      const state = (x: Record<string, unknown>) =>
        Object.entries(x['state'] as Record<string, Record<string, unknown>>).map(([k, v]) => [
          k,
          Object.keys(v),
        ]);
      expect(state(mine)).toEqual(state(torch));
    });
  }

  for (const run of fixture.synthetic.runs) {
    it(`loading torch's state_dict continues like torch: ${run.name}`, () => {
      const { ps } = synthetic(run, 3);
      const fresh = buildOptimizer(run, [ps.slice(0, 2), ps.slice(2)]);
      fresh.loadStateDict(fromJson(run.stateDict3 as never) as unknown as optim.OptimizerStateDict);
      for (let k = 3; k < 10; k++) {
        fixture.synthetic.grads[k]!.forEach((g, i) => (ps[i]!.grad = decode(g)));
        fresh.step();
      }
      run.final.forEach((e, i) =>
        expect(Array.from(ps[i]!.data), `param ${i}`).toEqual(Array.from(decode(e).data)),
      );
    });
  }
});

describe('save after 5 steps, load into a fresh optimizer, continue: bit-identical to an uninterrupted run', () => {
  for (const run of fixture.model.runs) {
    it(run.name, () => {
      const a = makeModel();
      const optA = buildOptimizer(run, groupsOf(a.params));
      const lossesA = Array.from({ length: 10 }, () => trainStep(optA, a.loss));

      const b = makeModel();
      const optB = buildOptimizer(run, groupsOf(b.params));
      const lossesB = Array.from({ length: 5 }, () => trainStep(optB, b.loss));
      const saved = optB.stateDict();
      const weights = Object.fromEntries(Object.entries(b.params).map(([k, v]) => [k, v.data.slice()]));
      const snapshot = JSON.stringify(toJson(saved));
      trainStep(optB, b.loss); // later steps must not change the saved snapshot
      expect(JSON.stringify(toJson(saved))).toBe(snapshot);

      // a "new process": fresh parameter objects holding the saved weights, a fresh optimizer
      const c = makeModel();
      for (const k of Object.keys(c.params)) c.params[k]!.data.set(weights[k]!);
      const optC = buildOptimizer(run, groupsOf(c.params));
      optC.loadStateDict(saved);
      for (let i = 0; i < 5; i++) lossesB.push(trainStep(optC, c.loss));
      expect(lossesB).toEqual(lossesA);
      for (const k of Object.keys(a.params))
        expect(Array.from(c.params[k]!.data), k).toEqual(Array.from(a.params[k]!.data));
    });
  }
});
