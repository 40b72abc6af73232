// AlexNet and SqueezeNet 1.0/1.1 (torchvision's modules, keys and init).
import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import * as init from '../nn/init.js';
import { Module } from '../nn/module.js';
import { Conv2d, Linear } from '../nn/layers/linear.js';
import { AdaptiveAvgPool2d, Dropout, MaxPool2d, ReLU } from '../nn/layers/simple.js';
import { Sequential } from '../nn/layers/containers.js';
import { checkNumClasses, type ModelOptions } from './common.js';

export interface DropoutModelOptions extends ModelOptions {
  dropout?: number;
}

export class AlexNet extends Module {
  readonly features: Sequential;
  readonly avgpool: AdaptiveAvgPool2d;
  readonly classifier: Sequential;
  constructor(opts: DropoutModelOptions = {}) {
    super();
    const n = checkNumClasses('AlexNet', opts.numClasses ?? 1000);
    const p = opts.dropout ?? 0.5;
    this.features = this.registerModule(
      'features',
      new Sequential(
        new Conv2d(3, 64, 11, { stride: 4, padding: 2 }),
        new ReLU(),
        new MaxPool2d(3, { stride: 2 }),
        new Conv2d(64, 192, 5, { padding: 2 }),
        new ReLU(),
        new MaxPool2d(3, { stride: 2 }),
        new Conv2d(192, 384, 3, { padding: 1 }),
        new ReLU(),
        new Conv2d(384, 256, 3, { padding: 1 }),
        new ReLU(),
        new Conv2d(256, 256, 3, { padding: 1 }),
        new ReLU(),
        new MaxPool2d(3, { stride: 2 }),
      ),
    );
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d([6, 6]));
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(
        new Dropout(p),
        new Linear(256 * 6 * 6, 4096),
        new ReLU(),
        new Dropout(p),
        new Linear(4096, 4096),
        new ReLU(),
        new Linear(4096, n),
      ),
    );
  }
  forward(x: Tensor): Tensor {
    return this.classifier.forward(ops.flatten(this.avgpool.forward(this.features.forward(x)), 1));
  }
}

export class Fire extends Module {
  readonly squeeze: Conv2d;
  readonly squeezeActivation: ReLU;
  readonly expand1x1: Conv2d;
  readonly expand1x1Activation: ReLU;
  readonly expand3x3: Conv2d;
  readonly expand3x3Activation: ReLU;
  constructor(inplanes: number, squeezePlanes: number, e1: number, e3: number) {
    super();
    this.squeeze = this.registerModule('squeeze', new Conv2d(inplanes, squeezePlanes, 1));
    this.squeezeActivation = this.registerModule('squeeze_activation', new ReLU());
    this.expand1x1 = this.registerModule('expand1x1', new Conv2d(squeezePlanes, e1, 1));
    this.expand1x1Activation = this.registerModule('expand1x1_activation', new ReLU());
    this.expand3x3 = this.registerModule('expand3x3', new Conv2d(squeezePlanes, e3, 3, { padding: 1 }));
    this.expand3x3Activation = this.registerModule('expand3x3_activation', new ReLU());
  }
  forward(x: Tensor): Tensor {
    const s = ops.relu(this.squeeze.forward(x));
    return ops.cat([ops.relu(this.expand1x1.forward(s)), ops.relu(this.expand3x3.forward(s))], 1);
  }
}

export class SqueezeNet extends Module {
  readonly features: Sequential;
  readonly classifier: Sequential;
  constructor(version: '1_0' | '1_1' = '1_0', opts: DropoutModelOptions = {}) {
    super();
    const n = checkNumClasses('SqueezeNet', opts.numClasses ?? 1000);
    const pool = () => new MaxPool2d(3, { stride: 2, ceilMode: true });
    let layers: Module[];
    if (version === '1_0') {
      layers = [
        new Conv2d(3, 96, 7, { stride: 2 }),
        new ReLU(),
        pool(),
        new Fire(96, 16, 64, 64),
        new Fire(128, 16, 64, 64),
        new Fire(128, 32, 128, 128),
        pool(),
        new Fire(256, 32, 128, 128),
        new Fire(256, 48, 192, 192),
        new Fire(384, 48, 192, 192),
        new Fire(384, 64, 256, 256),
        pool(),
        new Fire(512, 64, 256, 256),
      ];
    } else if (version === '1_1') {
      layers = [
        new Conv2d(3, 64, 3, { stride: 2 }),
        new ReLU(),
        pool(),
        new Fire(64, 16, 64, 64),
        new Fire(128, 16, 64, 64),
        pool(),
        new Fire(128, 32, 128, 128),
        new Fire(256, 32, 128, 128),
        pool(),
        new Fire(256, 48, 192, 192),
        new Fire(384, 48, 192, 192),
        new Fire(384, 64, 256, 256),
        new Fire(512, 64, 256, 256),
      ];
    } else throw new Error(`SqueezeNet: unsupported version '${String(version)}' (expected '1_0' or '1_1')`);
    this.features = this.registerModule('features', new Sequential(...layers));
    const finalConv = new Conv2d(512, n, 1);
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(new Dropout(opts.dropout ?? 0.5), finalConv, new ReLU(), new AdaptiveAvgPool2d([1, 1])),
    );
    for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        if (m === finalConv) init.normal_(m.weight, 0, 0.01);
        else init.kaimingUniform_(m.weight);
        if (m.bias) init.zeros_(m.bias);
      }
    }
  }
  forward(x: Tensor): Tensor {
    return ops.flatten(this.classifier.forward(this.features.forward(x)), 1);
  }
}

export const alexnet = (o: DropoutModelOptions = {}) => new AlexNet(o);
export const squeezenet1_0 = (o: DropoutModelOptions = {}) => new SqueezeNet('1_0', o);
export const squeezenet1_1 = (o: DropoutModelOptions = {}) => new SqueezeNet('1_1', o);
