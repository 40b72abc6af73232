// BatchNorm1d/2d and LayerNorm: torch's parameter and buffer names (weight, bias, running_mean, running_var,
// num_batches_tracked), momentum/cumulative averaging, and input-rank checks.
import { noGrad } from '../../autograd/grad-mode.js';
import { ones, zeros } from '../../tensor/creation.js';
import type { DType } from '../../tensor/dtype.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as F from '../functional/index.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import { keepsNoTensors, runsInPlace } from '../transient.js';
import type { Parameter } from '../parameter.js';
import { pyFloat } from '../repr.js';

export interface BatchNormOptions {
  eps?: number;
  /** null → cumulative moving average. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
  dtype?: DType;
}

abstract class BatchNormBase extends Module {
  override readonly version: number = 2;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  protected abstract readonly ranks: readonly number[];
  protected abstract readonly shapeHint: string;

  constructor(
    readonly numFeatures: number,
    opts: BatchNormOptions = {},
  ) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures <= 0)
      throw new Error(`${this.constructor.name}: numFeatures must be a positive integer, got ${numFeatures}`);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    const dtype = opts.dtype ?? 'float32';
    if (this.affine) {
      this.weight = this.registerParameter('weight', ones([numFeatures], { dtype }));
      this.bias = this.registerParameter('bias', zeros([numFeatures], { dtype }));
    } else {
      this.weight = this.registerParameter('weight', null);
      this.bias = this.registerParameter('bias', null);
    }
    if (this.trackRunningStats) {
      this.runningMean = this.registerBuffer('running_mean', zeros([numFeatures], { dtype }));
      this.runningVar = this.registerBuffer('running_var', ones([numFeatures], { dtype }));
      this.numBatchesTracked = this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int64' }));
    } else {
      this.runningMean = this.registerBuffer('running_mean', null);
      this.runningVar = this.registerBuffer('running_var', null);
      this.numBatchesTracked = this.registerBuffer('num_batches_tracked', null);
    }
  }
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    noGrad(() => {
      this.runningMean!.zero_();
      this.runningVar!.fill_(1);
      this.numBatchesTracked!.zero_();
    });
  }
  resetParameters(): void {
    this.resetRunningStats();
    if (this.affine) {
      init.ones_(this.weight!);
      init.zeros_(this.bias!);
    }
  }
  forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.ndim) || x.shape[1] !== this.numFeatures) {
      throw new Error(
        `${this.typeName}: expected input ${this.shapeHint} with C = ${this.numFeatures}, got ${fmtShape(x.shape)}`,
      );
    }
    let momentum = this.momentum ?? 0;
    if (this.training && this.trackRunningStats) {
      noGrad(() => this.numBatchesTracked!.add_(1));
      if (this.momentum === null) momentum = 1 / this.numBatchesTracked!.item(); // cumulative moving average
    }
    // torch: batch statistics in training, or always when no running stats are tracked
    const useBatch = this.training || !this.trackRunningStats;
    const trackNow = !this.training || this.trackRunningStats;
    return F.batchNorm(
      x,
      trackNow ? this.runningMean : null,
      trackNow ? this.runningVar : null,
      this.weight,
      this.bias,
      {
        training: useBatch,
        momentum,
        eps: this.eps,
      },
    );
  }
  /**
   * Inference: the result written over `x` (then ReLU'd when `relu`), which the caller guarantees nothing else
   * reads (nn/transient.ts). False, writing nothing, where that does not apply (training, no running
   * statistics, a shape forward would reject, mixed dtypes).
   */
  forwardInPlace(x: Tensor, relu: boolean): boolean {
    if (this.training || !this.trackRunningStats) return false;
    if (!this.ranks.includes(x.ndim) || x.shape[1] !== this.numFeatures) return false;
    if (x.dtype !== this.runningMean!.dtype || (this.weight && this.weight.dtype !== x.dtype)) return false;
    F.batchNormEvalInPlace(x, this.runningMean!, this.runningVar!, this.weight, this.bias, this.eps, relu);
    return true;
  }
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, affine=${this.affine ? 'True' : 'False'}, track_running_stats=${this.trackRunningStats ? 'True' : 'False'}`;
  }
}

/** Batch norm over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNormBase {
  protected readonly ranks = [2, 3];
  protected readonly shapeHint = '[N, C] or [N, C, L]';
}

/** Batch norm over [N, C, H, W]. */
export class BatchNorm2d extends BatchNormBase {
  protected readonly ranks = [4];
  protected readonly shapeHint = '[N, C, H, W]';
}

/** Layer norm over the trailing normalizedShape dims. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly eps: number;
  constructor(
    normalizedShape: number | readonly number[],
    opts: { eps?: number; elementwiseAffine?: boolean; dtype?: DType } = {},
  ) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    this.eps = opts.eps ?? 1e-5;
    const dtype = opts.dtype ?? 'float32';
    if (opts.elementwiseAffine ?? true) {
      this.weight = this.registerParameter('weight', ones(this.normalizedShape, { dtype }));
      this.bias = this.registerParameter('bias', zeros(this.normalizedShape, { dtype }));
    } else {
      this.weight = this.registerParameter('weight', null);
      this.bias = this.registerParameter('bias', null);
    }
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, { eps: this.eps });
  }
  override extraRepr(): string {
    return `(${this.normalizedShape.join(', ')}${this.normalizedShape.length === 1 ? ',' : ''}), eps=${pyFloat(this.eps)}, elementwise_affine=${this.weight ? 'True' : 'False'}`;
  }
}

for (const cls of [BatchNorm1d, BatchNorm2d, LayerNorm]) keepsNoTensors(cls);
for (const cls of [BatchNorm1d, BatchNorm2d])
  runsInPlace(cls, (m, t, relu) => (m as BatchNormBase).forwardInPlace(t, relu));
