// Losses as modules, holding their options: CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, SmoothL1Loss,
// BCEWithLogitsLoss. Class weights are registered as buffers, like torch.
import type { Tensor } from '../../tensor/tensor.js';
import * as F from '../functional/index.js';
import { Module } from '../module.js';

type Reduction = F.Reduction;

export class CrossEntropyLoss extends Module<[Tensor, Tensor]> {
  readonly weight: Tensor | null;
  constructor(readonly opts: F.CrossEntropyOptions = {}) {
    super();
    this.weight = this.registerBuffer('weight', opts.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, { ...this.opts, weight: this.weight });
  }
}

export class NLLLoss extends Module<[Tensor, Tensor]> {
  readonly weight: Tensor | null;
  constructor(readonly opts: F.NllLossOptions = {}) {
    super();
    this.weight = this.registerBuffer('weight', opts.weight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { ...this.opts, weight: this.weight });
  }
}

export class MSELoss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: { reduction?: Reduction } = {}) {
    super();
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, this.opts);
  }
}

export class L1Loss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: { reduction?: Reduction } = {}) {
    super();
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, this.opts);
  }
}

export class SmoothL1Loss extends Module<[Tensor, Tensor]> {
  constructor(readonly opts: { reduction?: Reduction; beta?: number } = {}) {
    super();
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, this.opts);
  }
}

export class BCEWithLogitsLoss extends Module<[Tensor, Tensor]> {
  readonly weight: Tensor | null;
  readonly posWeight: Tensor | null;
  constructor(readonly opts: F.BceWithLogitsOptions = {}) {
    super();
    this.weight = this.registerBuffer('weight', opts.weight ?? null);
    this.posWeight = this.registerBuffer('pos_weight', opts.posWeight ?? null);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, {
      ...this.opts,
      weight: this.weight,
      posWeight: this.posWeight,
    });
  }
}
