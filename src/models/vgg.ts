// VGG 11/13/16/19 with and without BatchNorm (torchvision's cfgs, keys and init).
import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import { Module } from '../nn/module.js';
import { keepsNoTensors, runChain } from '../nn/transient.js';
import { Conv2d, Linear } from '../nn/layers/linear.js';
import { BatchNorm2d } from '../nn/layers/norm.js';
import { AdaptiveAvgPool2d, Dropout, MaxPool2d, ReLU } from '../nn/layers/simple.js';
import { Sequential } from '../nn/layers/containers.js';
import { checkNumClasses, heInitConvs, type ModelOptions } from './common.js';

export interface VGGOptions extends ModelOptions {
  dropout?: number;
  /** Apply torchvision's init (He normal convs, N(0, 0.01) linears); skipped when loading weights. */
  initWeights?: boolean;
}

const CFGS: Record<'A' | 'B' | 'D' | 'E', (number | 'M')[]> = {
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  B: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  E: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

function makeLayers(cfg: (number | 'M')[], batchNorm: boolean): Sequential {
  const seq = new Sequential();
  let c = 3;
  for (const v of cfg) {
    if (v === 'M') seq.append(new MaxPool2d(2, { stride: 2 }));
    else {
      seq.append(new Conv2d(c, v, 3, { padding: 1 }));
      if (batchNorm) seq.append(new BatchNorm2d(v));
      seq.append(new ReLU());
      c = v;
    }
  }
  return seq;
}

export class VGG extends Module {
  readonly features: Sequential;
  readonly avgpool: AdaptiveAvgPool2d;
  readonly classifier: Sequential;
  constructor(features: Sequential, opts: VGGOptions = {}) {
    super();
    const numClasses = checkNumClasses('VGG', opts.numClasses ?? 1000);
    const p = opts.dropout ?? 0.5;
    this.features = this.registerModule('features', features);
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d([7, 7]));
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(
        new Linear(512 * 7 * 7, 4096),
        new ReLU(),
        new Dropout(p),
        new Linear(4096, 4096),
        new ReLU(),
        new Dropout(p),
        new Linear(4096, numClasses),
      ),
    );
    if (opts.initWeights ?? true) heInitConvs(this, { convBiasZero: true, linear: 'normal0.01' });
  }
  forward(x: Tensor): Tensor {
    const { features, avgpool, classifier } = this;
    return runChain(x, [features, avgpool, [classifier, (t) => classifier.forward(ops.flatten(t, 1))]]);
  }
}

keepsNoTensors(VGG, 'container');

const make =
  (cfg: keyof typeof CFGS, bn: boolean) =>
  (o: VGGOptions = {}) =>
    new VGG(makeLayers(CFGS[cfg], bn), o);
export const vgg11 = make('A', false);
export const vgg11_bn = make('A', true);
export const vgg13 = make('B', false);
export const vgg13_bn = make('B', true);
export const vgg16 = make('D', false);
export const vgg16_bn = make('D', true);
export const vgg19 = make('E', false);
export const vgg19_bn = make('E', true);
