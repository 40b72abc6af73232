// Adagrad with lr decay and an initial accumulator value — torch.optim.Adagrad's single-tensor update.
import type { FloatStorage } from '../tensor/dtype.js';
import { fullLike, tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import * as F from './functional.js';
import { checkBoolean, checkNonNegative } from './keys.js';
import {
  Optimizer,
  loadStateTensor,
  loadStep,
  snapshot,
  type ParamGroupInput,
  type ParamGroup,
  type Params,
  type StateDictValue,
} from './optimizer.js';

export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** The lr at step t is lr / (1 + (t − 1)·lrDecay) (default 0). */
  lrDecay?: number;
  /** L2 penalty added to the gradient (default 0). See `l1Penalty` for L1. */
  weightDecay?: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue?: number;
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps?: number;
  /** Maximize the objective instead of minimizing it. */
  maximize?: boolean;
}

export interface AdagradParamGroup extends ParamGroup {
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

export interface AdagradState {
  step: number;
  sum: Tensor;
}

/**
 * Adagrad (Duchi et al.), torch.optim.Adagrad's formula. As in torch the state (step 0, sum =
 * initialAccumulatorValue) exists for every parameter from construction (and from `addParamGroup`).
 */
export class Adagrad extends Optimizer<AdagradParamGroup, AdagradState> {
  constructor(params: Params<AdagradOptions>, opts: AdagradOptions = {}) {
    super(
      {
        name: 'Adagrad',
        layout: [
          'lr',
          'lrDecay',
          'eps',
          'weightDecay',
          'initialAccumulatorValue',
          ['foreach', null],
          'maximize',
        ],
      },
      params,
      {
        lr: opts.lr ?? 1e-2,
        lrDecay: opts.lrDecay ?? 0,
        eps: opts.eps ?? 1e-10,
        weightDecay: opts.weightDecay ?? 0,
        initialAccumulatorValue: opts.initialAccumulatorValue ?? 0,
        maximize: opts.maximize ?? false,
      },
      opts,
    );
  }

  override addParamGroup(input: ParamGroupInput<AdagradOptions>): void {
    super.addParamGroup(input);
    const g = this.paramGroups[this.paramGroups.length - 1]!;
    for (const p of g.params) this.state.set(p, { step: 0, sum: fullLike(p, g.initialAccumulatorValue) });
  }

  protected checkGroup(g: AdagradParamGroup): void {
    checkNonNegative('Adagrad', 'lr', g.lr);
    checkNonNegative('Adagrad', 'lrDecay', g.lrDecay);
    checkNonNegative('Adagrad', 'weightDecay', g.weightDecay);
    checkNonNegative('Adagrad', 'initialAccumulatorValue', g.initialAccumulatorValue);
    checkNonNegative('Adagrad', 'eps', g.eps);
    checkBoolean('Adagrad', 'maximize', g.maximize);
  }

  protected updateParam(p: Tensor, grad: FloatStorage, g: AdagradParamGroup): void {
    let s = this.state.get(p);
    if (s === undefined) this.state.set(p, (s = { step: 0, sum: fullLike(p, g.initialAccumulatorValue) }));
    s.step += 1;
    F.adagrad(p.data as FloatStorage, grad, s.sum.data as FloatStorage, { ...g, step: s.step });
    s.sum.bumpVersion();
  }

  protected packState(s: AdagradState): Record<string, StateDictValue> {
    return { step: tensor(s.step), sum: snapshot(s.sum) };
  }

  protected unpackState(raw: Record<string, StateDictValue>, p: Tensor, where: string): AdagradState {
    return { step: loadStep(raw, where), sum: loadStateTensor(raw, 'sum', p, where) };
  }
}
