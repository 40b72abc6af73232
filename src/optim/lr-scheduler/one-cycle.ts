// OneCycleLR: the 1cycle policy (Smith & Topin) — lr from maxLr/divFactor up to maxLr and down to a minimum,
// cos or linear annealing, optional third phase, and momentum (SGD) or beta1 (Adam) cycled inversely.
import { checkBoolean, checkFinite, checkInteger, formatValue } from '../keys.js';
import type { ParamGroup, StateDictValue } from '../optimizer.js';
import {
  LRScheduler,
  num,
  type AnyOptimizer,
  type SchedulerOptions,
  type SchedulerStateDict,
} from './scheduler.js';

type LrKey = 'initialLr' | 'maxLr' | 'minLr';
type MomentumKey = 'maxMomentum' | 'baseMomentum';
interface Phase {
  endStep: number;
  startLr: LrKey;
  endLr: LrKey;
  startMomentum: MomentumKey;
  endMomentum: MomentumKey;
}
interface CycleGroup extends ParamGroup {
  maxLr?: number;
  minLr?: number;
  maxMomentum?: number;
  baseMomentum?: number;
  momentum?: number;
  betas?: [number, number];
}

// torch's names for the group keys a phase refers to (they are data in the state dict)
const TORCH_PHASE_KEY: Record<LrKey | MomentumKey, string> = {
  initialLr: 'initial_lr',
  maxLr: 'max_lr',
  minLr: 'min_lr',
  maxMomentum: 'max_momentum',
  baseMomentum: 'base_momentum',
};

export interface OneCycleLROptions extends SchedulerOptions {
  /** Peak lr, one value or one per param group. */
  maxLr: number | readonly number[];
  /** Steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** Default 'cos'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD, RMSprop) or beta1 (Adam, AdamW) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Lowest momentum, reached at the peak lr (default 0.85); one value or one per group. */
  baseMomentum?: number | readonly number[];
  /** Highest momentum (default 0.95); one value or one per group. */
  maxMomentum?: number | readonly number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** A third phase annihilating the lr after a symmetric up/down (fastai's schedule when false). */
  threePhase?: boolean;
}

function perGroup(name: string, v: number | readonly number[], n: number): number[] {
  if (typeof v === 'number') return Array<number>(n).fill(v);
  if (!Array.isArray(v) || v.length !== n) {
    throw new Error(
      `OneCycleLR: expected ${n} values for ${name} (one per param group), got ${formatValue(v)}`,
    );
  }
  return [...v];
}

/** The 1cycle learning-rate policy, stepped once per batch (totalSteps = epochs · stepsPerEpoch). */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1: boolean;
  private phases: Phase[];

  constructor(optimizer: AnyOptimizer, opts: OneCycleLROptions) {
    const who = 'OneCycleLR';
    let total: number;
    if (opts?.totalSteps !== undefined) {
      checkInteger(who, 'totalSteps', opts.totalSteps, 1);
      total = opts.totalSteps;
    } else if (opts?.epochs !== undefined || opts?.stepsPerEpoch !== undefined) {
      checkInteger(who, 'epochs', opts.epochs, 1);
      checkInteger(who, 'stepsPerEpoch', opts.stepsPerEpoch, 1);
      total = opts.epochs! * opts.stepsPerEpoch!;
    } else throw new Error(`${who}: give totalSteps, or epochs and stepsPerEpoch`);
    const pct = opts.pctStart ?? 0.3;
    if (typeof pct !== 'number' || !(pct >= 0 && pct <= 1)) {
      throw new Error(`${who}: pctStart must be a number in [0, 1], got ${formatValue(pct)}`);
    }
    const anneal = opts.annealStrategy ?? 'cos';
    if (anneal !== 'cos' && anneal !== 'linear') {
      throw new Error(`${who}: annealStrategy must be 'cos' or 'linear', got ${formatValue(anneal)}`);
    }
    checkFinite(who, 'divFactor', opts.divFactor ?? 25);
    checkFinite(who, 'finalDivFactor', opts.finalDivFactor ?? 1e4);
    checkBoolean(who, 'threePhase', opts.threePhase ?? false);
    super(who, optimizer, opts.lastEpoch);
    this.totalSteps = total;
    this.annealStrategy = anneal;
    this.phases = opts.threePhase
      ? [
          {
            endStep: pct * total - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          {
            endStep: 2 * pct * total - 2,
            startLr: 'maxLr',
            endLr: 'initialLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
          {
            endStep: total - 1,
            startLr: 'initialLr',
            endLr: 'minLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'maxMomentum',
          },
        ]
      : [
          {
            endStep: pct * total - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          {
            endStep: total - 1,
            startLr: 'maxLr',
            endLr: 'minLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
        ];
    const groups = this.optimizer.paramGroups as CycleGroup[];
    const n = groups.length;
    const maxLrs = perGroup('maxLr', opts.maxLr, n);
    maxLrs.forEach((v, i) => checkFinite(who, `maxLr[${i}]`, v));
    const fresh = this.lastEpoch === -1;
    if (fresh) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i]! / (opts.divFactor ?? 25);
        g.maxLr = maxLrs[i]!;
        g.minLr = g.initialLr / (opts.finalDivFactor ?? 1e4);
      });
    }
    this.cycleMomentum = opts.cycleMomentum ?? true;
    const defaults = this.optimizer.defaults;
    this.useBeta1 = 'betas' in defaults;
    if (this.cycleMomentum) {
      if (!('momentum' in defaults) && !this.useBeta1) {
        throw new Error(
          `${who}: optimizer must support momentum (or betas) with the cycleMomentum option enabled`,
        );
      }
      const maxMs = perGroup('maxMomentum', opts.maxMomentum ?? 0.95, n);
      const baseMs = perGroup('baseMomentum', opts.baseMomentum ?? 0.85, n);
      if (fresh) {
        groups.forEach((g, i) => {
          if (this.useBeta1) g.betas = [maxMs[i]!, g.betas![1]];
          else g.momentum = maxMs[i]!;
          g.maxMomentum = maxMs[i]!;
          g.baseMomentum = baseMs[i]!;
        });
      }
    }
    this.baseLrs = groups.map((g) => g.initialLr!);
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    const cosOut = Math.cos(Math.PI * pct) + 1;
    return end + ((start - end) / 2.0) * cosOut;
  }

  protected getLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new Error(
        `OneCycleLR: tried to step ${step + 1} times; the specified number of total steps is ${this.totalSteps}`,
      );
    }
    return (this.optimizer.paramGroups as CycleGroup[]).map((g) => {
      let start = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i]!;
        if (step <= ph.endStep || i === this.phases.length - 1) {
          const pct = (step - start) / (ph.endStep - start);
          const lr = this.anneal(g[ph.startLr]!, g[ph.endLr]!, pct);
          if (this.cycleMomentum) {
            const m = this.anneal(g[ph.startMomentum]!, g[ph.endMomentum]!, pct);
            if (this.useBeta1) g.betas = [m, g.betas![1]];
            else g.momentum = m;
          }
          return lr;
        }
        start = ph.endStep;
      }
      throw new Error('OneCycleLR: unreachable');
    });
  }

  protected override ownState(): SchedulerStateDict {
    const phases: StateDictValue[] = this.phases.map((p) => ({
      end_step: p.endStep,
      start_lr: TORCH_PHASE_KEY[p.startLr],
      end_lr: TORCH_PHASE_KEY[p.endLr],
      start_momentum: TORCH_PHASE_KEY[p.startMomentum],
      end_momentum: TORCH_PHASE_KEY[p.endMomentum],
    }));
    // torch 1.13 stores the bound anneal method here; newer torch stores its name as _anneal_func_type
    const out: SchedulerStateDict = {
      total_steps: this.totalSteps,
      _schedule_phases: phases,
      _anneal_func_type: this.annealStrategy,
      cycle_momentum: this.cycleMomentum,
    };
    if (this.cycleMomentum) out['use_beta1'] = this.useBeta1;
    return out;
  }

  protected override loadOwnState(sd: SchedulerStateDict): void {
    const who = this.who;
    this.totalSteps = num(who, sd, 'total_steps');
    const fromTorch = Object.fromEntries(Object.entries(TORCH_PHASE_KEY).map(([k, v]) => [v, k]));
    const raw = sd['_schedule_phases'];
    if (!Array.isArray(raw)) throw new Error(`${who}.loadStateDict: _schedule_phases must be a list`);
    this.phases = raw.map((p: Record<string, StateDictValue>) => ({
      endStep: num(who, p, 'end_step'),
      startLr: fromTorch[String(p['start_lr'])] as LrKey,
      endLr: fromTorch[String(p['end_lr'])] as LrKey,
      startMomentum: fromTorch[String(p['start_momentum'])] as MomentumKey,
      endMomentum: fromTorch[String(p['end_momentum'])] as MomentumKey,
    }));
    const a = sd['_anneal_func_type'];
    if (a === 'cos' || a === 'linear') this.annealStrategy = a;
    if (typeof sd['cycle_momentum'] === 'boolean') this.cycleMomentum = sd['cycle_momentum'];
    if (typeof sd['use_beta1'] === 'boolean') this.useBeta1 = sd['use_beta1'];
  }
}
