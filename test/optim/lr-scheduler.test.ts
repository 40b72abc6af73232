// LR schedulers against torch 1.13 (fixtures from scripts/fixtures/optim.py): the lr (and OneCycleLR's
// momentum / beta1) after construction and each of 30 steps, the state dict's keys and values, the keys the
// schedulers add to the optimizer's param groups, and stateDict()/loadStateDict() resuming mid-schedule.
import { describe, expect, it } from 'vitest';
import { optim, zeros } from '../../src/index.js';
import { expectJsonClose, fixture, toJson } from './helpers.js';

const S = optim.lrScheduler;
type Scheduler = optim.lrScheduler.LRScheduler | optim.lrScheduler.ReduceLROnPlateau;
type Run = {
  name: string;
  optimizer: 'SGD' | 'Adam';
  optimizerOptions: Record<string, number>;
  scheduler: string;
  options: Record<string, unknown>;
  lrs: number[][];
  momentum?: number[][];
  stateDict: Record<string, unknown>;
  groupKeys: string[][];
};
const runs = fixture.schedulers.runs as unknown as Run[];
const metrics = fixture.schedulers.plateauMetrics;
// lrs are doubles; torch and weightroom evaluate the same expressions, up to libm's cos/pow in the last bit
const RTOL = 1e-12;

const LAMBDAS: Record<string, optim.lrScheduler.LrLambda> = {
  pow095: (e) => 0.95 ** e,
  inverse: (e) => 1.0 / (1.0 + e),
  warmup5: (e) => Math.min(1.0, (e + 1) / 5.0),
};

function makeOptimizer(run: Run): optim.Optimizer {
  const groups = [
    { params: [zeros([2]).requiresGrad_()] },
    { params: [zeros([2]).requiresGrad_()], lr: 0.05 },
  ];
  return run.optimizer === 'SGD'
    ? new optim.SGD(groups, run.optimizerOptions)
    : new optim.Adam(groups, run.optimizerOptions);
}

function build(opt: optim.Optimizer, kind: string, o: Record<string, unknown>): Scheduler {
  switch (kind) {
    case 'StepLR':
      return new S.StepLR(opt, o as never);
    case 'MultiStepLR':
      return new S.MultiStepLR(opt, o as never);
    case 'ExponentialLR':
      return new S.ExponentialLR(opt, o as never);
    case 'CosineAnnealingLR':
      return new S.CosineAnnealingLR(opt, o as never);
    case 'CosineAnnealingWarmRestarts':
      return new S.CosineAnnealingWarmRestarts(opt, o as never);
    case 'LinearLR':
      return new S.LinearLR(opt, o as never);
    case 'ConstantLR':
      return new S.ConstantLR(opt, o as never);
    case 'OneCycleLR':
      return new S.OneCycleLR(opt, o as never);
    case 'ReduceLROnPlateau':
      return new S.ReduceLROnPlateau(opt, o as never);
    case 'LambdaLR': {
      const f = o['lrLambda'];
      return new S.LambdaLR(opt, {
        lrLambda: Array.isArray(f) ? f.map((n) => LAMBDAS[n]!) : LAMBDAS[f as string]!,
      });
    }
    case 'SequentialLR': {
      const subs = (o['schedulers'] as { scheduler: string; options: Record<string, unknown> }[]).map(
        (s) => build(opt, s.scheduler, s.options) as optim.lrScheduler.LRScheduler,
      );
      return new S.SequentialLR(opt, { schedulers: subs, milestones: o['milestones'] as number[] });
    }
  }
  throw new Error(`unknown scheduler ${kind}`);
}

function stepOnce(opt: optim.Optimizer, s: Scheduler, k: number): void {
  opt.step();
  if (s instanceof S.ReduceLROnPlateau) s.step(metrics[k]!);
  else s.step();
}

const lrsOf = (opt: optim.Optimizer) => opt.paramGroups.map((g) => g.lr);
const momentaOf = (opt: optim.Optimizer) =>
  opt.paramGroups.map((g) =>
    Array.isArray(g['betas']) ? (g['betas'] as number[])[0]! : (g['momentum'] as number),
  );

describe(`schedulers: lr over 30 steps equals torch ${fixture.torch} (rtol ${RTOL})`, () => {
  for (const run of runs) {
    it(run.name, () => {
      const opt = makeOptimizer(run);
      const s = build(opt, run.scheduler, run.options);
      const lrs = [lrsOf(opt)];
      const mom = [momentaOf(opt)];
      expect(s.getLastLr()).toEqual(lrsOf(opt));
      for (let k = 0; k < 30; k++) {
        stepOnce(opt, s, k);
        lrs.push(lrsOf(opt));
        mom.push(momentaOf(opt));
        expect(s.getLastLr()).toEqual(lrsOf(opt));
      }
      expectJsonClose(lrs, run.lrs, RTOL, 'lrs');
      if (run.momentum) expectJsonClose(mom, run.momentum, RTOL, 'momentum');

      // state dict: torch's keys and values (torch 1.13 keeps OneCycleLR's anneal function itself, newer torch
      // and weightroom its name, _anneal_func_type)
      const sd = toJson(s.stateDict()) as Record<string, never>;
      if (run.scheduler === 'OneCycleLR') {
        expect(sd['_anneal_func_type']).toBe(run.options['annealStrategy'] ?? 'cos');
        delete sd['_anneal_func_type'];
      }
      expectJsonClose(sd, run.stateDict as never, RTOL, 'stateDict');
      expect(Object.keys(sd)).toEqual(Object.keys(run.stateDict));
      // keys the scheduler added to the param groups (initial_lr, max_lr, …) under torch's names
      const groupKeys = opt.stateDict().param_groups.map((g) =>
        Object.keys(g)
          .filter((k) => k !== 'params')
          .sort(),
      );
      expect(groupKeys).toEqual(run.groupKeys);
    });
  }
});

describe('schedulers resume from stateDict() exactly', () => {
  for (const run of runs) {
    it(run.name, () => {
      const opt = makeOptimizer(run);
      const s = build(opt, run.scheduler, run.options);
      for (let k = 0; k < 12; k++) stepOnce(opt, s, k);
      const optSd = opt.stateDict();
      const sSd = s.stateDict();

      const opt2 = makeOptimizer(run);
      const s2 = build(opt2, run.scheduler, run.options);
      opt2.loadStateDict(optSd);
      s2.loadStateDict(sSd);
      expect(s2.getLastLr()).toEqual(s.getLastLr());
      for (let k = 12; k < 30; k++) {
        stepOnce(opt2, s2, k);
        expect(lrsOf(opt2), `step ${k + 1}`).toEqual(lrsOf((stepOnce(opt, s, k), opt)));
        expectJsonClose(lrsOf(opt2), run.lrs[k + 1]!, RTOL, `step ${k + 1}`);
        if (run.momentum) expect(momentaOf(opt2)).toEqual(momentaOf(opt));
      }
    });
  }
});
