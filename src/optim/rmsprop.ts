// RMSprop (optionally centered, with momentum) — torch.optim.RMSprop's single-tensor update.
import type { FloatStorage } from '../tensor/dtype.js';
import { zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import * as F from './functional.js';
import { checkBoolean, checkNonNegative } from './keys.js';
import {
  Optimizer,
  loadStateTensor,
  loadStep,
  snapshot,
  type ParamGroup,
  type Params,
  type StateDictValue,
} from './optimizer.js';

export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha?: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). See `l1Penalty` for L1. */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Normalize by the estimated variance (subtract the squared mean gradient). */
  centered?: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize?: boolean;
}

export interface RMSpropParamGroup extends ParamGroup {
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export interface RMSpropState {
  /** A plain number, as torch keeps it for RMSprop. */
  step: number;
  squareAvg: Tensor;
  /** Only with momentum > 0. */
  momentumBuffer: Tensor | null;
  /** Only when centered. */
  gradAvg: Tensor | null;
}

/** RMSprop (Hinton), torch.optim.RMSprop's formula: `new RMSprop(params, { lr: 1e-2, alpha: 0.99 })`. */
export class RMSprop extends Optimizer<RMSpropParamGroup, RMSpropState> {
  constructor(params: Params<RMSpropOptions>, opts: RMSpropOptions = {}) {
    super(
      {
        name: 'RMSprop',
        layout: [
          'lr',
          'momentum',
          'alpha',
          'eps',
          'centered',
          'weightDecay',
          ['foreach', null],
          'maximize',
          ['differentiable', false],
        ],
      },
      params,
      {
        lr: opts.lr ?? 1e-2,
        momentum: opts.momentum ?? 0,
        alpha: opts.alpha ?? 0.99,
        eps: opts.eps ?? 1e-8,
        centered: opts.centered ?? false,
        weightDecay: opts.weightDecay ?? 0,
        maximize: opts.maximize ?? false,
      },
      opts,
    );
  }

  protected checkGroup(g: RMSpropParamGroup): void {
    checkNonNegative('RMSprop', 'lr', g.lr);
    checkNonNegative('RMSprop', 'eps', g.eps);
    checkNonNegative('RMSprop', 'momentum', g.momentum);
    checkNonNegative('RMSprop', 'weightDecay', g.weightDecay);
    checkNonNegative('RMSprop', 'alpha', g.alpha);
    checkBoolean('RMSprop', 'centered', g.centered);
    checkBoolean('RMSprop', 'maximize', g.maximize);
  }

  protected updateParam(p: Tensor, grad: FloatStorage, g: RMSpropParamGroup): void {
    let s = this.state.get(p);
    if (s === undefined) {
      s = { step: 0, squareAvg: zerosLike(p), momentumBuffer: null, gradAvg: null };
      this.state.set(p, s);
    }
    if (g.momentum > 0 && s.momentumBuffer === null) s.momentumBuffer = zerosLike(p);
    if (g.centered && s.gradAvg === null) s.gradAvg = zerosLike(p);
    s.step += 1;
    const buf = g.momentum > 0 ? s.momentumBuffer : null;
    const avg = g.centered ? s.gradAvg : null;
    F.rmsprop(
      p.data as FloatStorage,
      grad,
      s.squareAvg.data as FloatStorage,
      avg ? (avg.data as FloatStorage) : null,
      buf ? (buf.data as FloatStorage) : null,
      g,
    );
    s.squareAvg.bumpVersion();
    avg?.bumpVersion();
    buf?.bumpVersion();
  }

  protected packState(s: RMSpropState): Record<string, StateDictValue> {
    const out: Record<string, StateDictValue> = { step: s.step, square_avg: snapshot(s.squareAvg) };
    if (s.momentumBuffer) out['momentum_buffer'] = snapshot(s.momentumBuffer);
    if (s.gradAvg) out['grad_avg'] = snapshot(s.gradAvg);
    return out;
  }

  protected unpackState(raw: Record<string, StateDictValue>, p: Tensor, where: string): RMSpropState {
    const opt = (k: string): Tensor | null =>
      raw[k] === undefined || raw[k] === null ? null : loadStateTensor(raw, k, p, where);
    return {
      step: loadStep(raw, where),
      squareAvg: loadStateTensor(raw, 'square_avg', p, where),
      momentumBuffer: opt('momentum_buffer'),
      gradAvg: opt('grad_avg'),
    };
  }
}
