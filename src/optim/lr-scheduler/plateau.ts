// ReduceLROnPlateau: divide the lr when a monitored metric stops improving (torch's rules for mode, threshold,
// patience and cooldown). Driven by step(metric), not by epochs.
import { Tensor } from '../../tensor/tensor.js';
import { checkInteger, checkNonNegative, formatValue } from '../keys.js';
import { Optimizer } from '../optimizer.js';
import { num, numbers, type AnyOptimizer, type SchedulerStateDict } from './scheduler.js';

export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should go down (a loss); 'max': up (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** new lr = lr · factor, in [0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement to tolerate before reducing (default 10). */
  patience?: number;
  /** Minimum change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel': better than best·(1 ∓ threshold); 'abs': better than best ∓ threshold. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound on the lr, one value or one per param group (default 0). */
  minLr?: number | readonly number[];
  /** Reductions smaller than eps are skipped (default 1e-8). */
  eps?: number;
}

/** Reduce the lr by `factor` once the metric passed to `step(metric)` has not improved for `patience` epochs. */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: 'min' | 'max';
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  /** The best metric so far (starts at the worst value, ±Infinity). */
  best: number;
  numBadEpochs = 0;
  eps: number;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: AnyOptimizer, opts: ReduceLROnPlateauOptions = {}) {
    const who = 'ReduceLROnPlateau';
    if (!(optimizer instanceof Optimizer)) {
      throw new TypeError(`${who}: optimizer must be an Optimizer, got ${formatValue(optimizer)}`);
    }
    const factor = opts.factor ?? 0.1;
    if (typeof factor !== 'number' || !(factor >= 0 && factor < 1)) {
      throw new Error(`${who}: factor must be a number in [0, 1), got ${formatValue(factor)}`);
    }
    const mode = opts.mode ?? 'min';
    if (mode !== 'min' && mode !== 'max')
      throw new Error(`${who}: mode must be 'min' or 'max', got ${formatValue(mode)}`);
    const thresholdMode = opts.thresholdMode ?? 'rel';
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') {
      throw new Error(`${who}: thresholdMode must be 'rel' or 'abs', got ${formatValue(thresholdMode)}`);
    }
    checkInteger(who, 'patience', opts.patience ?? 10, 0);
    checkInteger(who, 'cooldown', opts.cooldown ?? 0, 0);
    checkNonNegative(who, 'threshold', opts.threshold ?? 1e-4);
    checkNonNegative(who, 'eps', opts.eps ?? 1e-8);
    const n = optimizer.paramGroups.length;
    const minLr = opts.minLr ?? 0;
    if (Array.isArray(minLr) && minLr.length !== n) {
      throw new Error(`${who}: expected ${n} minLr values (one per param group), got ${minLr.length}`);
    }
    const minLrs = Array.isArray(minLr) ? [...(minLr as number[])] : Array<number>(n).fill(minLr as number);
    minLrs.forEach((v, i) => checkNonNegative(who, Array.isArray(minLr) ? `minLr[${i}]` : 'minLr', v));
    this.optimizer = optimizer;
    this.factor = factor;
    this.minLrs = minLrs;
    this.patience = opts.patience ?? 10;
    this.cooldown = opts.cooldown ?? 0;
    this.mode = mode;
    this.threshold = opts.threshold ?? 1e-4;
    this.thresholdMode = thresholdMode;
    this.eps = opts.eps ?? 1e-8;
    this.best = this.modeWorse;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private get modeWorse(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min')
      return this.thresholdMode === 'rel' ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === 'rel' ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  /** Record one epoch's metric (a number or a one-element tensor) and reduce the lr if it has plateaued. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    if (typeof current !== 'number') {
      throw new Error(
        `ReduceLROnPlateau.step: metric must be a number or a one-element Tensor, got ${formatValue(metric)}`,
      );
    }
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs += 1;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // ignore bad epochs during cooldown
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const next = Math.max(g.lr * this.factor, this.minLrs[i]!);
        if (g.lr - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The groups' lrs after the last step (or at construction). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** State under torch's attribute names (`best`, `num_bad_epochs`, `cooldown_counter`, …). */
  stateDict(): SchedulerStateDict {
    return {
      factor: this.factor,
      min_lrs: [...this.minLrs],
      patience: this.patience,
      verbose: false,
      cooldown: this.cooldown,
      cooldown_counter: this.cooldownCounter,
      mode: this.mode,
      threshold: this.threshold,
      threshold_mode: this.thresholdMode,
      best: this.best,
      num_bad_epochs: this.numBadEpochs,
      mode_worse: this.modeWorse,
      eps: this.eps,
      last_epoch: this.lastEpoch,
      _last_lr: [...this.lastLr],
    };
  }

  /** Restore a state dict from `stateDict()` (hyper-parameters included, as in torch). */
  loadStateDict(sd: SchedulerStateDict): void {
    const who = 'ReduceLROnPlateau';
    const mode = sd['mode'];
    const thresholdMode = sd['threshold_mode'];
    if (mode !== 'min' && mode !== 'max')
      throw new Error(`${who}.loadStateDict: mode must be 'min' or 'max'`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') {
      throw new Error(`${who}.loadStateDict: threshold_mode must be 'rel' or 'abs'`);
    }
    const factor = num(who, sd, 'factor');
    const minLrs = numbers(who, sd, 'min_lrs');
    const patience = num(who, sd, 'patience');
    const cooldown = num(who, sd, 'cooldown');
    const cooldownCounter = num(who, sd, 'cooldown_counter');
    const threshold = num(who, sd, 'threshold');
    const best = num(who, sd, 'best');
    const numBadEpochs = num(who, sd, 'num_bad_epochs');
    const eps = num(who, sd, 'eps');
    const lastEpoch = num(who, sd, 'last_epoch');
    const lastLr = sd['_last_lr'] === undefined ? this.lastLr : numbers(who, sd, '_last_lr');
    this.factor = factor;
    this.minLrs = minLrs;
    this.patience = patience;
    this.cooldown = cooldown;
    this.cooldownCounter = cooldownCounter;
    this.mode = mode;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.best = best;
    this.numBadEpochs = numBadEpochs;
    this.eps = eps;
    this.lastEpoch = lastEpoch;
    this.lastLr = lastLr;
  }
}
