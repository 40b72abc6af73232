// Callbacks of the fit loop: early stopping (with best-weight restore), a NaN/Inf guard naming the step and the
// layer whose gradient blew up, a vanishing-gradient warning, and an LR logger.
import type { Tensor } from '../tensor/tensor.js';
import type { EpochRecord, FitContext } from './fit.js';

export interface Callback {
  onTrainBegin?(ctx: FitContext): void | Promise<void>;
  onEpochBegin?(ctx: FitContext): void | Promise<void>;
  /** After each optimizer step; `loss` is the batch's loss. */
  onBatchEnd?(ctx: FitContext, loss: number): void | Promise<void>;
  onEpochEnd?(ctx: FitContext, record: EpochRecord): void | Promise<void>;
  onTrainEnd?(ctx: FitContext): void | Promise<void>;
}

export type Monitor = 'valLoss' | 'valAcc' | 'trainLoss' | 'trainAcc';

function monitorValue(r: EpochRecord, m: Monitor): number | null {
  const v = r[m];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export interface EarlyStoppingOptions {
  monitor?: Monitor;
  /** 'min' for losses, 'max' for accuracies; default from the monitor's name. */
  mode?: 'min' | 'max';
  /** Epochs without improvement before stopping (default 5). */
  patience?: number;
  /** Smallest change that counts as an improvement. */
  minDelta?: number;
  /** Put the best epoch's weights back when stopping or at the end (default true). */
  restoreBestWeights?: boolean;
}

/** Stop when the monitored value has not improved for `patience` epochs. */
export class EarlyStopping implements Callback {
  readonly monitor: Monitor;
  readonly mode: 'min' | 'max';
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBestWeights: boolean;
  best: number | null = null;
  bestEpoch = -1;
  private wait = 0;
  private bestState: Record<string, Tensor> | null = null;
  stoppedEpoch: number | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    this.monitor = opts.monitor ?? 'valLoss';
    this.mode = opts.mode ?? (this.monitor.endsWith('Loss') ? 'min' : 'max');
    this.patience = opts.patience ?? 5;
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    this.restoreBestWeights = opts.restoreBestWeights ?? true;
    if (!Number.isInteger(this.patience) || this.patience < 0)
      throw new Error(`EarlyStopping: patience must be a non-negative integer, got ${this.patience}`);
  }

  onEpochEnd(ctx: FitContext, r: EpochRecord): void {
    const v = monitorValue(r, this.monitor);
    if (v === null) {
      if (this.monitor.startsWith('val') && r.valLoss === null) {
        throw new Error(`EarlyStopping: monitor '${this.monitor}' needs a validation loader`);
      }
      return;
    }
    const better =
      this.best === null ||
      (this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta);
    if (better) {
      this.best = v;
      this.bestEpoch = r.epoch;
      this.wait = 0;
      if (this.restoreBestWeights) {
        this.bestState = Object.fromEntries(
          Object.entries(ctx.model.stateDict()).map(([k, t]) => [k, t.clone()]),
        );
      }
    } else if (++this.wait > this.patience) {
      this.stoppedEpoch = r.epoch;
      ctx.stop(
        `early stopping: ${this.monitor} has not improved for ${this.patience} epochs (best ${this.best!.toFixed(4)} at epoch ${this.bestEpoch})`,
      );
    }
  }

  onTrainEnd(ctx: FitContext): void {
    if (this.restoreBestWeights && this.bestState) {
      ctx.model.loadStateDict(this.bestState);
      ctx.log(`restored the weights of epoch ${this.bestEpoch} (${this.monitor} ${this.best!.toFixed(4)})`);
    }
  }
}

/**
 * Stops training at the first non-finite loss or gradient, naming the step, the layer whose gradient blew up
 * and what to try; and warns once per layer when a gradient norm collapses (vanishing gradients).
 */
export class NanGuard implements Callback {
  private warned = new Set<string>();
  constructor(readonly opts: { vanishingThreshold?: number } = {}) {}

  onBatchEnd(ctx: FitContext, loss: number): void {
    const grads = ctx.lastGradNorms;
    const bad = grads.find(([, g]) => !Number.isFinite(g));
    if (!Number.isFinite(loss) || bad) {
      const where = bad ? `the gradient of '${bad[0]}' is ${bad[1]}` : 'the gradients were finite';
      ctx.stop(
        `non-finite loss (${loss}) at epoch ${ctx.epoch}, step ${ctx.step}: ${where}. ` +
          'Try a lower learning rate, gradient clipping (clipGradNorm), or a different initialisation (e.g. kaiming-normal for ReLU nets).',
        true,
      );
      return;
    }
    const th = this.opts.vanishingThreshold ?? 1e-7;
    for (const [name, g] of grads) {
      if (g < th && !this.warned.has(name) && ctx.step > 1) {
        this.warned.add(name);
        ctx.log(
          `warning: vanishing gradient in '${name}' (norm ${g.toExponential(2)} at step ${ctx.step}); check the init and the learning rate`,
        );
      }
    }
  }
}

export interface ModelCheckpointOptions {
  /** Folder for best.pth and last.pth. */
  dir: string;
  monitor?: Monitor;
  mode?: 'min' | 'max';
  /** Write last.pth after every epoch (default true). */
  saveLast?: boolean;
}

/** Saves the model's state dict (atomically) after every epoch as last.pth and whenever the monitor improves as best.pth. */
export class ModelCheckpoint implements Callback {
  readonly monitor: Monitor;
  readonly mode: 'min' | 'max';
  best: number | null = null;
  bestEpoch = -1;
  constructor(readonly opts: ModelCheckpointOptions) {
    this.monitor = opts.monitor ?? 'valAcc';
    this.mode = opts.mode ?? (this.monitor.endsWith('Loss') ? 'min' : 'max');
  }
  async onEpochEnd(ctx: FitContext, r: EpochRecord): Promise<void> {
    const { save } = await import('../io/weights.js');
    const { join } = await import('node:path');
    const sd = ctx.model.stateDict();
    if (this.opts.saveLast ?? true) await save(sd, join(this.opts.dir, 'last.pth'));
    const v = monitorValue(r, this.monitor);
    if (v !== null && (this.best === null || (this.mode === 'min' ? v < this.best : v > this.best))) {
      this.best = v;
      this.bestEpoch = r.epoch;
      await save(sd, join(this.opts.dir, 'best.pth'));
    }
  }
}
