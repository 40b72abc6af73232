// LRScheduler: torch's _LRScheduler. Construction records each group's initialLr and performs the initial
// step; step() advances lastEpoch and writes every group's lr; stateDict() uses torch's attribute names.
import { checkInteger, formatValue } from '../keys.js';
import { Optimizer, type ParamGroup, type StateDictValue } from '../optimizer.js';

/** Any optimizer, as schedulers see it: param groups with an lr (and momentum or betas for OneCycleLR). */
export type AnyOptimizer = Optimizer<ParamGroup, object>;

/** A scheduler state dict: torch's attribute names (`last_epoch`, `base_lrs`, `T_max`, …) to values. */
export type SchedulerStateDict = Record<string, StateDictValue>;

/** Options every epoch-based scheduler takes. */
export interface SchedulerOptions {
  /** The index of the last epoch when resuming (default −1: start fresh). Resuming needs `initialLr` set. */
  lastEpoch?: number;
}

/** Read a number array from a state dict entry, naming it on error. */
export function numbers(who: string, sd: SchedulerStateDict, key: string): number[] {
  const v = sd[key];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) {
    throw new Error(`${who}.loadStateDict: ${key} must be a list of numbers, got ${formatValue(v)}`);
  }
  return [...(v as number[])];
}

/** Read a number from a state dict entry, naming it on error. */
export function num(who: string, sd: SchedulerStateDict, key: string): number {
  const v = sd[key];
  if (typeof v !== 'number')
    throw new Error(`${who}.loadStateDict: ${key} must be a number, got ${formatValue(v)}`);
  return v;
}

/**
 * Base class of the epoch-based schedulers. Subclasses implement `getLr()` (torch's chainable form, from the
 * groups' current lrs) and optionally `closedFormLr()`, and call `this.initialStep()` at the end of their
 * constructor, as torch's base constructor does.
 */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** Each group's initialLr. */
  baseLrs: number[];
  /** The epoch of the lrs now set (0 right after construction). */
  lastEpoch: number;
  /** How many times step() ran (torch's _step_count; CosineAnnealingLR reads it). */
  stepCount = 0;
  protected lastLr: number[] = [];
  protected readonly who: string;

  protected constructor(who: string, optimizer: AnyOptimizer, lastEpoch = -1) {
    this.who = who;
    if (!(optimizer instanceof Optimizer)) {
      throw new TypeError(`${who}: optimizer must be an Optimizer, got ${formatValue(optimizer)}`);
    }
    checkInteger(who, 'lastEpoch', lastEpoch, -1);
    this.optimizer = optimizer;
    const groups = optimizer.paramGroups;
    if (lastEpoch === -1) {
      for (const g of groups) g.initialLr ??= g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) {
          throw new Error(
            `${who}: param group ${i} has no initialLr, which resuming (lastEpoch ${lastEpoch}) needs; load the optimizer's state dict first`,
          );
        }
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** torch's _initial_step: reset the step count and take the first step (epoch 0). */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** Advance one epoch (or iteration) and set every group's lr. Call it after `optimizer.step()`. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    this.setLrs(this.getLr());
  }

  /**
   * Jump to `epoch` (torch's deprecated `step(epoch)`), using the closed form where the schedule has one;
   * SequentialLR restarts a scheduler with `stepTo(0)` at its milestone.
   */
  stepTo(epoch: number): void {
    this.stepCount++;
    this.lastEpoch = epoch;
    this.setLrs(this.closedFormLr() ?? this.getLr());
  }

  /** The lrs set by the last step, one per param group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The lrs for `lastEpoch`, computed from the groups' current lrs (torch's chainable form). */
  protected abstract getLr(): number[];

  /** The lrs for `lastEpoch` from baseLrs alone, where the schedule has a closed form. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  protected setLrs(lrs: readonly number[]): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lrs[i]!;
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  protected currentLrs(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The subclass's own attributes, under torch's names (they come first in torch's state_dict). */
  protected ownState(): SchedulerStateDict {
    return {};
  }

  /** Restore the subclass's own attributes from a state dict. */
  protected loadOwnState(_sd: SchedulerStateDict): void {}

  /** The scheduler's state under torch's attribute names (the optimizer is not part of it). */
  stateDict(): SchedulerStateDict {
    return {
      ...this.ownState(),
      base_lrs: [...this.baseLrs],
      last_epoch: this.lastEpoch,
      verbose: false,
      _step_count: this.stepCount,
      _get_lr_called_within_step: false,
      _last_lr: [...this.lastLr],
    };
  }

  /** Restore a state dict from `stateDict()`; like torch, hyper-parameters in it replace the constructor's. */
  loadStateDict(sd: SchedulerStateDict): void {
    const who = this.who;
    if (sd === null || typeof sd !== 'object') throw new Error(`${who}.loadStateDict: expected an object`);
    const baseLrs = numbers(who, sd, 'base_lrs');
    const lastEpoch = num(who, sd, 'last_epoch');
    const stepCount = num(who, sd, '_step_count');
    const lastLr = sd['_last_lr'] === undefined ? this.lastLr : numbers(who, sd, '_last_lr');
    this.loadOwnState(sd);
    this.baseLrs = baseLrs;
    this.lastEpoch = lastEpoch;
    this.stepCount = stepCount;
    this.lastLr = lastLr;
  }
}
