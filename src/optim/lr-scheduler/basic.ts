// Step-wise and simple schedules: StepLR, MultiStepLR, ExponentialLR, ConstantLR, LinearLR, LambdaLR —
// torch's chainable forms (from the current lr) with their closed forms for stepTo().
import { checkFinite, checkInteger, formatValue } from '../keys.js';
import {
  LRScheduler,
  num,
  type AnyOptimizer,
  type SchedulerOptions,
  type SchedulerStateDict,
} from './scheduler.js';

/** Python's bisect_right on a sorted list: how many items are <= x. */
function countAtMost(sorted: readonly number[], x: number): number {
  let n = 0;
  while (n < sorted.length && sorted[n]! <= x) n++;
  return n;
}

function checkFactor(who: string, name: string, v: unknown, allowZero: boolean): void {
  if (typeof v !== 'number' || !(allowZero ? v >= 0 : v > 0) || v > 1) {
    throw new Error(
      `${who}: ${name} must be a number in ${allowZero ? '[0' : '(0'}, 1], got ${formatValue(v)}`,
    );
  }
}

export interface StepLROptions extends SchedulerOptions {
  /** Decay every stepSize epochs. */
  stepSize: number;
  /** Multiplicative factor (default 0.1). */
  gamma?: number;
}

/** Multiply the lr by gamma every stepSize epochs: lr = initialLr · gamma^⌊epoch / stepSize⌋. */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  constructor(optimizer: AnyOptimizer, opts: StepLROptions) {
    checkInteger('StepLR', 'stepSize', opts?.stepSize, 1);
    checkFinite('StepLR', 'gamma', opts.gamma ?? 0.1);
    super('StepLR', optimizer, opts.lastEpoch);
    this.stepSize = opts.stepSize;
    this.gamma = opts.gamma ?? 0.1;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
  protected override ownState(): SchedulerStateDict {
    return { step_size: this.stepSize, gamma: this.gamma };
  }
  protected override loadOwnState(sd: SchedulerStateDict): void {
    this.stepSize = num(this.who, sd, 'step_size');
    this.gamma = num(this.who, sd, 'gamma');
  }
}

export interface MultiStepLROptions extends SchedulerOptions {
  /** Epochs at which to decay (a repeated milestone decays once per repeat). */
  milestones: readonly number[];
  /** Multiplicative factor (default 0.1). */
  gamma?: number;
}

/** Multiply the lr by gamma at each milestone epoch. */
export class MultiStepLR extends LRScheduler {
  /** milestone → how many times it was listed (torch's Counter). */
  milestones: Map<number, number>;
  gamma: number;
  constructor(optimizer: AnyOptimizer, opts: MultiStepLROptions) {
    if (!Array.isArray(opts?.milestones)) {
      throw new Error(
        `MultiStepLR: milestones must be a list of epochs, got ${formatValue(opts?.milestones)}`,
      );
    }
    opts.milestones.forEach((m, i) => checkInteger('MultiStepLR', `milestones[${i}]`, m, 0));
    checkFinite('MultiStepLR', 'gamma', opts.gamma ?? 0.1);
    super('MultiStepLR', optimizer, opts.lastEpoch);
    this.milestones = new Map();
    for (const m of opts.milestones) this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    this.gamma = opts.gamma ?? 0.1;
    this.initialStep();
  }
  protected getLr(): number[] {
    const n = this.milestones.get(this.lastEpoch);
    if (n === undefined) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma ** n);
  }
  protected override closedFormLr(): number[] {
    const sorted = [...this.milestones].flatMap(([m, n]) => Array<number>(n).fill(m)).sort((a, b) => a - b);
    return this.baseLrs.map((b) => b * this.gamma ** countAtMost(sorted, this.lastEpoch));
  }
  protected override ownState(): SchedulerStateDict {
    return {
      milestones: Object.fromEntries([...this.milestones].map(([m, n]) => [String(m), n])),
      gamma: this.gamma,
    };
  }
  protected override loadOwnState(sd: SchedulerStateDict): void {
    const m = sd['milestones'];
    if (m === null || typeof m !== 'object' || Array.isArray(m)) {
      throw new Error(
        `MultiStepLR.loadStateDict: milestones must be an object {epoch: count}, got ${formatValue(m)}`,
      );
    }
    this.milestones = new Map(Object.entries(m).map(([k, v]) => [Number(k), Number(v)]));
    this.gamma = num(this.who, sd, 'gamma');
  }
}

export interface ExponentialLROptions extends SchedulerOptions {
  /** Multiplicative factor per epoch. */
  gamma: number;
}

/** Multiply the lr by gamma every epoch: lr = initialLr · gamma^epoch. */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  constructor(optimizer: AnyOptimizer, opts: ExponentialLROptions) {
    checkFinite('ExponentialLR', 'gamma', opts?.gamma);
    super('ExponentialLR', optimizer, opts.lastEpoch);
    this.gamma = opts.gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
  protected override ownState(): SchedulerStateDict {
    return { gamma: this.gamma };
  }
  protected override loadOwnState(sd: SchedulerStateDict): void {
    this.gamma = num(this.who, sd, 'gamma');
  }
}

export interface ConstantLROptions extends SchedulerOptions {
  /** The lr is initialLr · factor until totalIters (default 1/3), in (0, 1]. */
  factor?: number;
  /** Default 5. */
  totalIters?: number;
}

/** Hold the lr at initialLr · factor for totalIters epochs, then at initialLr. */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;
  constructor(optimizer: AnyOptimizer, opts: ConstantLROptions = {}) {
    checkFactor('ConstantLR', 'factor', opts.factor ?? 1 / 3, false);
    checkInteger('ConstantLR', 'totalIters', opts.totalIters ?? 5, 0);
    super('ConstantLR', optimizer, opts.lastEpoch);
    this.factor = opts.factor ?? 1 / 3;
    this.totalIters = opts.totalIters ?? 5;
    this.initialStep();
  }
  protected getLr(): number[] {
    const lrs = this.currentLrs();
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return lrs;
    return lrs.map((lr) => lr * (1.0 / this.factor));
  }
  protected override closedFormLr(): number[] {
    const after = this.lastEpoch >= this.totalIters ? 1 : 0;
    return this.baseLrs.map((b) => b * (this.factor + after * (1 - this.factor)));
  }
  protected override ownState(): SchedulerStateDict {
    return { factor: this.factor, total_iters: this.totalIters };
  }
  protected override loadOwnState(sd: SchedulerStateDict): void {
    this.factor = num(this.who, sd, 'factor');
    this.totalIters = num(this.who, sd, 'total_iters');
  }
}

export interface LinearLROptions extends SchedulerOptions {
  /** Factor at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** Factor from totalIters on, in [0, 1] (default 1). */
  endFactor?: number;
  /** Default 5. */
  totalIters?: number;
}

/**
 * Change the lr linearly from initialLr·startFactor to initialLr·endFactor over totalIters epochs — the usual
 * warm-up (`{ startFactor: 0.1, totalIters: 5 }`), or a linear decay.
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  constructor(optimizer: AnyOptimizer, opts: LinearLROptions = {}) {
    checkFactor('LinearLR', 'startFactor', opts.startFactor ?? 1 / 3, false);
    checkFactor('LinearLR', 'endFactor', opts.endFactor ?? 1, true);
    checkInteger('LinearLR', 'totalIters', opts.totalIters ?? 5, 1);
    super('LinearLR', optimizer, opts.lastEpoch);
    this.startFactor = opts.startFactor ?? 1 / 3;
    this.endFactor = opts.endFactor ?? 1;
    this.totalIters = opts.totalIters ?? 5;
    this.initialStep();
  }
  protected getLr(): number[] {
    const lrs = this.currentLrs();
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * this.startFactor);
    if (this.lastEpoch > this.totalIters) return lrs;
    const d = this.endFactor - this.startFactor;
    return lrs.map((lr) => lr * (1 + d / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * d)));
  }
  protected override closedFormLr(): number[] {
    const d = this.endFactor - this.startFactor;
    return this.baseLrs.map(
      (b) => b * (this.startFactor + (d * Math.min(this.totalIters, this.lastEpoch)) / this.totalIters),
    );
  }
  protected override ownState(): SchedulerStateDict {
    return { start_factor: this.startFactor, end_factor: this.endFactor, total_iters: this.totalIters };
  }
  protected override loadOwnState(sd: SchedulerStateDict): void {
    this.startFactor = num(this.who, sd, 'start_factor');
    this.endFactor = num(this.who, sd, 'end_factor');
    this.totalIters = num(this.who, sd, 'total_iters');
  }
}

export type LrLambda = (epoch: number) => number;

export interface LambdaLROptions extends SchedulerOptions {
  /** lr = initialLr · lrLambda(epoch); one function, or one per param group. */
  lrLambda: LrLambda | readonly LrLambda[];
}

/** lr = initialLr · lrLambda(epoch). Functions are not data: the state dict holds `lr_lambdas: [null, …]`. */
export class LambdaLR extends LRScheduler {
  readonly lrLambdas: LrLambda[];
  constructor(optimizer: AnyOptimizer, opts: LambdaLROptions) {
    const fns = opts?.lrLambda;
    const list = typeof fns === 'function' ? null : Array.isArray(fns) ? [...fns] : undefined;
    if (list === undefined || list?.some((f) => typeof f !== 'function')) {
      throw new Error(
        `LambdaLR: lrLambda must be a function or a list of functions, got ${formatValue(fns)}`,
      );
    }
    super('LambdaLR', optimizer, opts.lastEpoch);
    const n = this.optimizer.paramGroups.length;
    if (list !== null && list.length !== n) {
      throw new Error(`LambdaLR: expected ${n} lrLambda functions (one per param group), got ${list.length}`);
    }
    this.lrLambdas = list ?? Array<LrLambda>(n).fill(fns as LrLambda);
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i]!(this.lastEpoch));
  }
  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), lr_lambdas: this.lrLambdas.map(() => null) };
  }
}
