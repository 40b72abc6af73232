// Adam (L2 weight decay added to the gradient) and AdamW (decoupled weight decay), with amsgrad and maximize —
// torch.optim.Adam / AdamW's single-tensor update.
import type { FloatStorage } from '../tensor/dtype.js';
import { tensor, zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import * as F from './functional.js';
import { checkBoolean, checkNonNegative, checkUnitInterval, formatValue } from './keys.js';
import {
  Optimizer,
  loadStateTensor,
  loadStep,
  snapshot,
  type GroupLayout,
  type ParamGroup,
  type Params,
  type StateDictValue,
} from './optimizer.js';

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /**
   * Adam: L2 penalty added to the gradient (default 0), so it is rescaled by the adaptive denominator.
   * AdamW: decoupled decay p ← p·(1 − lr·weightDecay) (default 1e-2). See `l1Penalty` for L1.
   */
  weightDecay?: number;
  /** Use the running maximum of the second moment (AMSGrad). */
  amsgrad?: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize?: boolean;
}

export interface AdamParamGroup extends ParamGroup {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

export interface AdamState {
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
  /** Only with amsgrad. */
  maxExpAvgSq: Tensor | null;
}

abstract class AdamBase extends Optimizer<AdamParamGroup, AdamState> {
  protected abstract readonly decoupled: boolean;

  protected constructor(
    name: string,
    layout: GroupLayout,
    params: Params<AdamOptions>,
    opts: AdamOptions,
    wd: number,
  ) {
    super(
      { name, layout },
      params,
      {
        lr: opts.lr ?? 1e-3,
        betas: opts.betas ? [...opts.betas] : [0.9, 0.999],
        eps: opts.eps ?? 1e-8,
        weightDecay: opts.weightDecay ?? wd,
        amsgrad: opts.amsgrad ?? false,
        maximize: opts.maximize ?? false,
      },
      opts,
    );
  }

  protected checkGroup(g: AdamParamGroup): void {
    const who = this.spec.name;
    checkNonNegative(who, 'lr', g.lr);
    checkNonNegative(who, 'eps', g.eps);
    if (!Array.isArray(g.betas) || g.betas.length !== 2) {
      throw new Error(`${who}: betas must be a pair [beta1, beta2], got ${formatValue(g.betas)}`);
    }
    checkUnitInterval(who, 'betas[0]', g.betas[0]);
    checkUnitInterval(who, 'betas[1]', g.betas[1]);
    checkNonNegative(who, 'weightDecay', g.weightDecay);
    checkBoolean(who, 'amsgrad', g.amsgrad);
    checkBoolean(who, 'maximize', g.maximize);
  }

  protected updateParam(p: Tensor, grad: FloatStorage, g: AdamParamGroup): void {
    let s = this.state.get(p);
    if (s === undefined) {
      s = { step: 0, expAvg: zerosLike(p), expAvgSq: zerosLike(p), maxExpAvgSq: null };
      this.state.set(p, s);
    }
    if (g.amsgrad && s.maxExpAvgSq === null) s.maxExpAvgSq = zerosLike(p);
    s.step += 1;
    const max = g.amsgrad ? s.maxExpAvgSq : null;
    F.adam(
      p.data as FloatStorage,
      grad,
      s.expAvg.data as FloatStorage,
      s.expAvgSq.data as FloatStorage,
      max ? (max.data as FloatStorage) : null,
      { ...g, beta1: g.betas[0], beta2: g.betas[1], decoupled: this.decoupled, step: s.step },
    );
    s.expAvg.bumpVersion();
    s.expAvgSq.bumpVersion();
    max?.bumpVersion();
  }

  protected packState(s: AdamState): Record<string, StateDictValue> {
    // torch keeps step as a float32 scalar tensor
    const out: Record<string, StateDictValue> = {
      step: tensor(s.step),
      exp_avg: snapshot(s.expAvg),
      exp_avg_sq: snapshot(s.expAvgSq),
    };
    if (s.maxExpAvgSq) out['max_exp_avg_sq'] = snapshot(s.maxExpAvgSq);
    return out;
  }

  protected unpackState(raw: Record<string, StateDictValue>, p: Tensor, where: string): AdamState {
    return {
      step: loadStep(raw, where),
      expAvg: loadStateTensor(raw, 'exp_avg', p, where),
      expAvgSq: loadStateTensor(raw, 'exp_avg_sq', p, where),
      maxExpAvgSq:
        raw['max_exp_avg_sq'] === undefined ? null : loadStateTensor(raw, 'max_exp_avg_sq', p, where),
    };
  }
}

/**
 * Adam (Kingma & Ba), torch.optim.Adam's formula; weightDecay is L2 added to the gradient:
 * `new Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] })`.
 */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: Params<AdamOptions>, opts: AdamOptions = {}) {
    super(
      'Adam',
      [
        'lr',
        'betas',
        'eps',
        'weightDecay',
        'amsgrad',
        'maximize',
        ['foreach', null],
        ['capturable', false],
        ['differentiable', false],
        ['fused', false],
      ],
      params,
      opts,
      0,
    );
  }
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay p ← p·(1 − lr·weightDecay), default 1e-2,
 * torch.optim.AdamW's formula.
 */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: Params<AdamOptions>, opts: AdamOptions = {}) {
    super(
      'AdamW',
      ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', ['foreach', null], 'maximize', ['capturable', false]],
      params,
      opts,
      1e-2,
    );
  }
}
