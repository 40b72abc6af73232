// SGD with momentum, dampening, Nesterov momentum, weight decay (L2) and maximize — torch.optim.SGD's update.
import type { FloatStorage } from '../tensor/dtype.js';
import { zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import * as F from './functional.js';
import { checkBoolean, checkFinite, checkNonNegative } from './keys.js';
import {
  Optimizer,
  loadStateTensor,
  snapshot,
  type ParamGroup,
  type Params,
  type StateDictValue,
} from './optimizer.js';

export interface SGDOptions {
  /** Learning rate; required unless every param group gives its own. */
  lr?: number;
  /** Momentum factor μ (default 0: plain SGD). */
  momentum?: number;
  /** Dampening of the gradient added to the momentum buffer (default 0). */
  dampening?: number;
  /** L2 penalty: adds weightDecay·w to the gradient (default 0). See `l1Penalty` for L1. */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize?: boolean;
}

export interface SGDParamGroup extends ParamGroup {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

export interface SGDState {
  /** null while momentum is 0 (torch saves `momentum_buffer: None`). */
  momentumBuffer: Tensor | null;
}

/**
 * Stochastic gradient descent, torch.optim.SGD's formula:
 * `new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, nesterov: true })`.
 */
export class SGD extends Optimizer<SGDParamGroup, SGDState> {
  constructor(params: Params<SGDOptions>, opts: SGDOptions = {}) {
    super(
      {
        name: 'SGD',
        layout: [
          'lr',
          'momentum',
          'dampening',
          'weightDecay',
          'nesterov',
          'maximize',
          ['foreach', null],
          ['differentiable', false],
        ],
      },
      params,
      {
        lr: opts.lr,
        momentum: opts.momentum ?? 0,
        dampening: opts.dampening ?? 0,
        weightDecay: opts.weightDecay ?? 0,
        nesterov: opts.nesterov ?? false,
        maximize: opts.maximize ?? false,
      },
      opts,
    );
  }

  protected checkGroup(g: SGDParamGroup): void {
    checkNonNegative('SGD', 'lr', g.lr);
    checkNonNegative('SGD', 'momentum', g.momentum);
    checkFinite('SGD', 'dampening', g.dampening);
    checkNonNegative('SGD', 'weightDecay', g.weightDecay);
    checkBoolean('SGD', 'nesterov', g.nesterov);
    checkBoolean('SGD', 'maximize', g.maximize);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new Error(
        `SGD: nesterov needs momentum > 0 and dampening = 0, got momentum ${g.momentum} and dampening ${g.dampening}`,
      );
    }
  }

  protected updateParam(p: Tensor, grad: FloatStorage, g: SGDParamGroup): void {
    let s = this.state.get(p);
    if (s === undefined) this.state.set(p, (s = { momentumBuffer: null }));
    let first = false;
    if (g.momentum !== 0 && s.momentumBuffer === null) {
      s.momentumBuffer = zerosLike(p);
      first = true;
    }
    const buf = g.momentum !== 0 ? s.momentumBuffer : null;
    F.sgd(p.data as FloatStorage, grad, buf ? (buf.data as FloatStorage) : null, g, first);
    buf?.bumpVersion();
  }

  protected packState(s: SGDState): Record<string, StateDictValue> {
    return { momentum_buffer: s.momentumBuffer ? snapshot(s.momentumBuffer) : null };
  }

  protected unpackState(raw: Record<string, StateDictValue>, p: Tensor, where: string): SGDState {
    const b = raw['momentum_buffer'];
    return {
      momentumBuffer:
        b === null || b === undefined ? null : loadStateTensor(raw, 'momentum_buffer', p, where),
    };
  }
}
