// Shared model-building pieces: torchvision's option names, re-initialisation loops, and the
// `forwardSeq` helper for typed child calls.
import type { Tensor } from '../tensor/tensor.js';
import * as init from '../nn/init.js';
import { Module } from '../nn/module.js';
import { Conv2d, Linear } from '../nn/layers/linear.js';
import { BatchNorm2d } from '../nn/layers/norm.js';

/** Options every zoo constructor takes (torchvision's keyword arguments in camelCase). */
export interface ModelOptions {
  /** Output classes of the head (1000 for ImageNet). */
  numClasses?: number;
  /** Pretrained weights: a torchvision weights name ('IMAGENET1K_V1', 'DEFAULT') — see models.weights. */
  weights?: string | null;
}

export type Layer = Module<[Tensor], Tensor>;
export type AnyModule = Module<never, unknown>;

export function checkNumClasses(arch: string, n: number): number {
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${arch}: numClasses must be a positive integer, got ${n}`);
  return n;
}

/** torchvision's ResNet/VGG re-initialisation: He normal (fan_out, relu) for convs, 1/0 for BatchNorm. */
export function heInitConvs(
  model: AnyModule,
  opts: { convBiasZero?: boolean; linear?: 'normal0.01' | 'keep' } = {},
): void {
  for (const m of model.modules()) {
    if (m instanceof Conv2d) {
      init.kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
      if (opts.convBiasZero && m.bias) init.zeros_(m.bias);
    } else if (m instanceof BatchNorm2d) {
      if (m.weight) init.ones_(m.weight);
      if (m.bias) init.zeros_(m.bias);
    } else if (m instanceof Linear && opts.linear === 'normal0.01') {
      init.normal_(m.weight, 0, 0.01);
      if (m.bias) init.zeros_(m.bias);
    }
  }
}
