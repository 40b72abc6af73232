// SequentialLR: run schedulers one after another, switching at milestone epochs (each restarts at epoch 0).
import { formatValue } from '../keys.js';
import {
  LRScheduler,
  num,
  numbers,
  type AnyOptimizer,
  type SchedulerOptions,
  type SchedulerStateDict,
} from './scheduler.js';

export interface SequentialLROptions extends SchedulerOptions {
  /** The schedulers, all built on this optimizer (e.g. a LinearLR warm-up, then a CosineAnnealingLR). */
  schedulers: readonly LRScheduler[];
  /** The epochs at which to switch to the next scheduler (one fewer than the schedulers). */
  milestones: readonly number[];
}

/**
 * Chain schedulers: `new SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [5] })` follows
 * `warmup` for epochs 0–4 and `cosine` from epoch 5, which it restarts at its own epoch 0.
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: LRScheduler[];
  milestones: number[];

  constructor(optimizer: AnyOptimizer, opts: SequentialLROptions) {
    const who = 'SequentialLR';
    const list = opts?.schedulers;
    if (!Array.isArray(list) || list.length === 0) {
      throw new Error(`${who}: schedulers must be a non-empty list of schedulers, got ${formatValue(list)}`);
    }
    list.forEach((s, i) => {
      if (!(s instanceof LRScheduler) || s instanceof SequentialLR) {
        throw new Error(
          `${who}: schedulers[${i}] must be an epoch-based scheduler (not ReduceLROnPlateau or SequentialLR)`,
        );
      }
      if (s.optimizer !== optimizer) {
        throw new Error(
          `${who}: all schedulers must belong to the optimizer passed in, but schedulers[${i}] does not`,
        );
      }
    });
    const ms = opts.milestones;
    if (!Array.isArray(ms) || ms.length !== list.length - 1) {
      throw new Error(
        `${who}: expected ${list.length - 1} milestones (one fewer than the ${list.length} schedulers), got ${formatValue(ms)}`,
      );
    }
    super(who, optimizer, opts.lastEpoch);
    this.schedulers = [...list];
    this.milestones = [...ms];
    this.lastEpoch = (opts.lastEpoch ?? -1) + 1;
    // reset to the initial lr and redo the first scheduler's initial step, as torch does
    for (const g of this.optimizer.paramGroups) g.lr = g.initialLr!;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0]!.initialStep();
    this.lastLr = this.schedulers[0]!.getLastLr();
  }

  protected getLr(): number[] {
    return this.currentLrs();
  }

  override step(): void {
    this.lastEpoch += 1;
    let idx = 0;
    while (idx < this.milestones.length && this.milestones[idx]! <= this.lastEpoch) idx++;
    const s = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.stepTo(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }

  override stateDict(): SchedulerStateDict {
    return {
      _milestones: [...this.milestones],
      last_epoch: this.lastEpoch,
      _last_lr: [...this.lastLr],
      _schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  override loadStateDict(sd: SchedulerStateDict): void {
    const subs = sd['_schedulers'];
    if (!Array.isArray(subs) || subs.length !== this.schedulers.length) {
      throw new Error(
        `SequentialLR.loadStateDict: _schedulers must list ${this.schedulers.length} state dicts`,
      );
    }
    this.milestones = numbers(this.who, sd, '_milestones');
    this.lastEpoch = num(this.who, sd, 'last_epoch');
    this.lastLr = numbers(this.who, sd, '_last_lr');
    subs.forEach((s, i) => this.schedulers[i]!.loadStateDict(s as SchedulerStateDict));
  }
}
