// simpleCnn: the default model of the training command — two conv-BN-ReLU-pool stages and an MLP head, for
// 28×28 grayscale (Fashion-MNIST/MNIST) or any square input size divisible by 4.
import type { Tensor } from '../tensor/tensor.js';
import { Module } from '../nn/module.js';
import { Conv2d, Flatten, Linear } from '../nn/layers/linear.js';
import { BatchNorm2d } from '../nn/layers/norm.js';
import { Dropout, MaxPool2d, ReLU } from '../nn/layers/simple.js';
import { Sequential } from '../nn/layers/containers.js';
import { checkNumClasses, type ModelOptions } from './common.js';

export interface SimpleCnnOptions extends ModelOptions {
  inChannels?: number;
  /** Height = width of the input images (default 28). */
  inputSize?: number;
  /** Dropout before the last layer (default 0.25). */
  dropout?: number;
  /** BatchNorm after each conv (default true). */
  batchNorm?: boolean;
}

export class SimpleCNN extends Module {
  readonly features: Sequential;
  readonly classifier: Sequential;
  constructor(opts: SimpleCnnOptions = {}) {
    super();
    const n = checkNumClasses('simpleCnn', opts.numClasses ?? 10);
    const c = opts.inChannels ?? 1;
    const s = opts.inputSize ?? 28;
    if (!Number.isInteger(s) || s < 4 || s % 4 !== 0)
      throw new Error(`simpleCnn: inputSize must be a multiple of 4, got ${s}`);
    const bn = opts.batchNorm ?? true;
    const stage = (i: number, o: number) => [
      new Conv2d(i, o, 3, { padding: 1, bias: !bn }),
      ...(bn ? [new BatchNorm2d(o)] : []),
      new ReLU(),
      new MaxPool2d(2),
    ];
    this.features = this.registerModule('features', new Sequential(...stage(c, 32), ...stage(32, 64)));
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(
        new Flatten(),
        new Linear(64 * (s / 4) ** 2, 128),
        new ReLU(),
        new Dropout(opts.dropout ?? 0.25),
        new Linear(128, n),
      ),
    );
  }
  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x));
  }
}

export const simpleCnn = (o: SimpleCnnOptions = {}) => new SimpleCNN(o);
