// Cosine schedules: CosineAnnealingLR (torch's recursive chainable form, so values match torch step by step)
// and CosineAnnealingWarmRestarts (SGDR).
import { checkFinite, checkInteger, formatValue } from '../keys.js';
import {
  LRScheduler,
  num,
  type AnyOptimizer,
  type SchedulerOptions,
  type SchedulerStateDict,
} from './scheduler.js';

export interface CosineAnnealingLROptions extends SchedulerOptions {
  /** Half-period in epochs: the lr reaches etaMin at tMax (and climbs back after, as in torch). */
  tMax: number;
  /** Minimum lr (default 0). */
  etaMin?: number;
}

/**
 * Cosine annealing from initialLr to etaMin over tMax epochs:
 * lr = etaMin + (initialLr − etaMin)·(1 + cos(π·epoch/tMax))/2, computed recursively from the current lr like
 * torch (so it composes with other changes to the lr).
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;
  constructor(optimizer: AnyOptimizer, opts: CosineAnnealingLROptions) {
    if (typeof opts?.tMax !== 'number' || !(opts.tMax > 0)) {
      throw new Error(`CosineAnnealingLR: tMax must be a number > 0, got ${formatValue(opts?.tMax)}`);
    }
    checkFinite('CosineAnnealingLR', 'etaMin', opts.etaMin ?? 0);
    super('CosineAnnealingLR', optimizer, opts.lastEpoch);
    this.tMax = opts.tMax;
    this.etaMin = opts.etaMin ?? 0;
    this.initialStep();
  }
  protected getLr(): number[] {
    const { tMax, etaMin, lastEpoch: e } = this;
    const lrs = this.currentLrs();
    if (e === 0) return lrs;
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.map((b) => etaMin + ((b - etaMin) * (1 + Math.cos((e * Math.PI) / tMax))) / 2);
    }
    if ((e - 1 - tMax) % (2 * tMax) === 0) {
      return lrs.map((lr, i) => lr + ((this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return lrs.map(
      (lr) =>
        ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) * (lr - etaMin) +
        etaMin,
    );
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map(
      (b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2,
    );
  }
  protected override ownState(): SchedulerStateDict {
    return { T_max: this.tMax, eta_min: this.etaMin };
  }
  protected override loadOwnState(sd: SchedulerStateDict): void {
    this.tMax = num(this.who, sd, 'T_max');
    this.etaMin = num(this.who, sd, 'eta_min');
  }
}

export interface CosineAnnealingWarmRestartsOptions extends SchedulerOptions {
  /** Epochs until the first restart (a positive integer). */
  t0: number;
  /** Each period is tMult times the previous one (an integer >= 1, default 1). */
  tMult?: number;
  /** Minimum lr (default 0). */
  etaMin?: number;
}

/**
 * SGDR: cosine annealing from initialLr to etaMin over periods of t0, t0·tMult, … epochs, restarting at
 * initialLr. `step()` advances one epoch; `step(epoch)` accepts fractional epochs (step per batch with
 * `step(epoch + i / itersPerEpoch)`), as in torch.
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  t0: number;
  tI: number;
  tMult: number;
  etaMin: number;
  tCur: number;
  constructor(optimizer: AnyOptimizer, opts: CosineAnnealingWarmRestartsOptions) {
    checkInteger('CosineAnnealingWarmRestarts', 't0', opts?.t0, 1);
    checkInteger('CosineAnnealingWarmRestarts', 'tMult', opts.tMult ?? 1, 1);
    checkFinite('CosineAnnealingWarmRestarts', 'etaMin', opts.etaMin ?? 0);
    super('CosineAnnealingWarmRestarts', optimizer, opts.lastEpoch);
    this.t0 = opts.t0;
    this.tI = opts.t0;
    this.tMult = opts.tMult ?? 1;
    this.etaMin = opts.etaMin ?? 0;
    this.tCur = this.lastEpoch;
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map(
      (b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2,
    );
  }
  /** Advance one epoch, or jump to `epoch` (may be fractional). Unlike the others, does not count stepCount. */
  override step(epoch?: number): void {
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur = this.tCur + 1;
      if (this.tCur >= this.tI) {
        this.tCur = this.tCur - this.tI;
        this.tI = this.tI * this.tMult;
      }
    } else {
      if (typeof epoch !== 'number' || !(epoch >= 0)) {
        throw new Error(
          `CosineAnnealingWarmRestarts: epoch must be a number >= 0, got ${formatValue(epoch)}`,
        );
      }
      if (epoch >= this.t0) {
        if (this.tMult === 1) this.tCur = epoch % this.t0;
        else {
          const n = Math.trunc(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
          this.tCur = epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
          this.tI = this.t0 * this.tMult ** n;
        }
      } else {
        this.tI = this.t0;
        this.tCur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    this.setLrs(this.getLr());
  }
  override stepTo(epoch: number): void {
    this.step(epoch);
  }
  protected override ownState(): SchedulerStateDict {
    return { T_0: this.t0, T_i: this.tI, T_mult: this.tMult, eta_min: this.etaMin, T_cur: this.tCur };
  }
  protected override loadOwnState(sd: SchedulerStateDict): void {
    this.t0 = num(this.who, sd, 'T_0');
    this.tI = num(this.who, sd, 'T_i');
    this.tMult = num(this.who, sd, 'T_mult');
    this.etaMin = num(this.who, sd, 'eta_min');
    this.tCur = num(this.who, sd, 'T_cur');
  }
}
