// Inception v3 as torchvision 0.14 builds it: keys (Conv2d_1a_3x3, Mixed_5b, AuxLogits, …), construction order
// (same seeded draws), the per-module trunc-normal init, the optional input transform and the auxiliary head.
import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import * as F from '../nn/functional/index.js';
import * as init from '../nn/init.js';
import { Module } from '../nn/module.js';
import { Conv2d, Linear } from '../nn/layers/linear.js';
import { BatchNorm2d } from '../nn/layers/norm.js';
import { AdaptiveAvgPool2d, Dropout, MaxPool2d } from '../nn/layers/simple.js';
import { checkNumClasses, type ModelOptions } from './common.js';
import { BasicConv2d, transformImageNetInput } from './googlenet.js';

type Reg = <M extends Module<never, unknown>>(name: string, m: M) => M;
const avgPool3 = (x: Tensor) => F.avgPool2d(x, 3, { stride: 1, padding: 1 });
const maxPool3s2 = (x: Tensor) => F.maxPool2d(x, 3, { stride: 2 });
const run = (x: Tensor, ...ms: BasicConv2d[]) => ms.reduce((y, m) => m.forward(y), x);

/** 35×35 block: 1×1 | 1×1→5×5 | 1×1→3×3→3×3 | avg-pool→1×1. */
export class InceptionA extends Module {
  readonly branch1x1: BasicConv2d;
  readonly branch5x5_1: BasicConv2d;
  readonly branch5x5_2: BasicConv2d;
  readonly branch3x3dbl_1: BasicConv2d;
  readonly branch3x3dbl_2: BasicConv2d;
  readonly branch3x3dbl_3: BasicConv2d;
  readonly branch_pool: BasicConv2d;
  constructor(inC: number, poolFeatures: number) {
    super();
    const r: Reg = (n, m) => this.registerModule(n, m);
    this.branch1x1 = r('branch1x1', new BasicConv2d(inC, 64, 1));
    this.branch5x5_1 = r('branch5x5_1', new BasicConv2d(inC, 48, 1));
    this.branch5x5_2 = r('branch5x5_2', new BasicConv2d(48, 64, 5, { padding: 2 }));
    this.branch3x3dbl_1 = r('branch3x3dbl_1', new BasicConv2d(inC, 64, 1));
    this.branch3x3dbl_2 = r('branch3x3dbl_2', new BasicConv2d(64, 96, 3, { padding: 1 }));
    this.branch3x3dbl_3 = r('branch3x3dbl_3', new BasicConv2d(96, 96, 3, { padding: 1 }));
    this.branch_pool = r('branch_pool', new BasicConv2d(inC, poolFeatures, 1));
  }
  forward(x: Tensor): Tensor {
    return ops.cat(
      [
        this.branch1x1.forward(x),
        run(x, this.branch5x5_1, this.branch5x5_2),
        run(x, this.branch3x3dbl_1, this.branch3x3dbl_2, this.branch3x3dbl_3),
        this.branch_pool.forward(avgPool3(x)),
      ],
      1,
    );
  }
}

/** 35→17 reduction: 3×3/2 | 1×1→3×3→3×3/2 | max-pool/2. */
export class InceptionB extends Module {
  readonly branch3x3: BasicConv2d;
  readonly branch3x3dbl_1: BasicConv2d;
  readonly branch3x3dbl_2: BasicConv2d;
  readonly branch3x3dbl_3: BasicConv2d;
  constructor(inC: number) {
    super();
    const r: Reg = (n, m) => this.registerModule(n, m);
    this.branch3x3 = r('branch3x3', new BasicConv2d(inC, 384, 3, { stride: 2 }));
    this.branch3x3dbl_1 = r('branch3x3dbl_1', new BasicConv2d(inC, 64, 1));
    this.branch3x3dbl_2 = r('branch3x3dbl_2', new BasicConv2d(64, 96, 3, { padding: 1 }));
    this.branch3x3dbl_3 = r('branch3x3dbl_3', new BasicConv2d(96, 96, 3, { stride: 2 }));
  }
  forward(x: Tensor): Tensor {
    const dbl = run(x, this.branch3x3dbl_1, this.branch3x3dbl_2, this.branch3x3dbl_3);
    return ops.cat([this.branch3x3.forward(x), dbl, maxPool3s2(x)], 1);
  }
}

const P17 = { padding: [0, 3] as const };
const P71 = { padding: [3, 0] as const };

/** 17×17 block with factorised 7×7 convolutions (1×7 and 7×1). */
export class InceptionC extends Module {
  readonly branch1x1: BasicConv2d;
  readonly branch7x7_1: BasicConv2d;
  readonly branch7x7_2: BasicConv2d;
  readonly branch7x7_3: BasicConv2d;
  readonly branch7x7dbl_1: BasicConv2d;
  readonly branch7x7dbl_2: BasicConv2d;
  readonly branch7x7dbl_3: BasicConv2d;
  readonly branch7x7dbl_4: BasicConv2d;
  readonly branch7x7dbl_5: BasicConv2d;
  readonly branch_pool: BasicConv2d;
  constructor(inC: number, c7: number) {
    super();
    const r: Reg = (n, m) => this.registerModule(n, m);
    this.branch1x1 = r('branch1x1', new BasicConv2d(inC, 192, 1));
    this.branch7x7_1 = r('branch7x7_1', new BasicConv2d(inC, c7, 1));
    this.branch7x7_2 = r('branch7x7_2', new BasicConv2d(c7, c7, [1, 7], P17));
    this.branch7x7_3 = r('branch7x7_3', new BasicConv2d(c7, 192, [7, 1], P71));
    this.branch7x7dbl_1 = r('branch7x7dbl_1', new BasicConv2d(inC, c7, 1));
    this.branch7x7dbl_2 = r('branch7x7dbl_2', new BasicConv2d(c7, c7, [7, 1], P71));
    this.branch7x7dbl_3 = r('branch7x7dbl_3', new BasicConv2d(c7, c7, [1, 7], P17));
    this.branch7x7dbl_4 = r('branch7x7dbl_4', new BasicConv2d(c7, c7, [7, 1], P71));
    this.branch7x7dbl_5 = r('branch7x7dbl_5', new BasicConv2d(c7, 192, [1, 7], P17));
    this.branch_pool = r('branch_pool', new BasicConv2d(inC, 192, 1));
  }
  forward(x: Tensor): Tensor {
    const b7 = run(x, this.branch7x7_1, this.branch7x7_2, this.branch7x7_3);
    const d = [this.branch7x7dbl_1, this.branch7x7dbl_2, this.branch7x7dbl_3, this.branch7x7dbl_4];
    const b7dbl = run(x, ...d, this.branch7x7dbl_5);
    return ops.cat([this.branch1x1.forward(x), b7, b7dbl, this.branch_pool.forward(avgPool3(x))], 1);
  }
}

/** 17→8 reduction: 1×1→3×3/2 | 1×1→1×7→7×1→3×3/2 | max-pool/2. */
export class InceptionD extends Module {
  readonly branch3x3_1: BasicConv2d;
  readonly branch3x3_2: BasicConv2d;
  readonly branch7x7x3_1: BasicConv2d;
  readonly branch7x7x3_2: BasicConv2d;
  readonly branch7x7x3_3: BasicConv2d;
  readonly branch7x7x3_4: BasicConv2d;
  constructor(inC: number) {
    super();
    const r: Reg = (n, m) => this.registerModule(n, m);
    this.branch3x3_1 = r('branch3x3_1', new BasicConv2d(inC, 192, 1));
    this.branch3x3_2 = r('branch3x3_2', new BasicConv2d(192, 320, 3, { stride: 2 }));
    this.branch7x7x3_1 = r('branch7x7x3_1', new BasicConv2d(inC, 192, 1));
    this.branch7x7x3_2 = r('branch7x7x3_2', new BasicConv2d(192, 192, [1, 7], P17));
    this.branch7x7x3_3 = r('branch7x7x3_3', new BasicConv2d(192, 192, [7, 1], P71));
    this.branch7x7x3_4 = r('branch7x7x3_4', new BasicConv2d(192, 192, 3, { stride: 2 }));
  }
  forward(x: Tensor): Tensor {
    const b3 = run(x, this.branch3x3_1, this.branch3x3_2);
    const b7 = run(x, this.branch7x7x3_1, this.branch7x7x3_2, this.branch7x7x3_3, this.branch7x7x3_4);
    return ops.cat([b3, b7, maxPool3s2(x)], 1);
  }
}

/** 8×8 block whose 3×3 branches split into parallel 1×3 and 3×1 convolutions. */
export class InceptionE extends Module {
  readonly branch1x1: BasicConv2d;
  readonly branch3x3_1: BasicConv2d;
  readonly branch3x3_2a: BasicConv2d;
  readonly branch3x3_2b: BasicConv2d;
  readonly branch3x3dbl_1: BasicConv2d;
  readonly branch3x3dbl_2: BasicConv2d;
  readonly branch3x3dbl_3a: BasicConv2d;
  readonly branch3x3dbl_3b: BasicConv2d;
  readonly branch_pool: BasicConv2d;
  constructor(inC: number) {
    super();
    const r: Reg = (n, m) => this.registerModule(n, m);
    const p13 = { padding: [0, 1] as const };
    const p31 = { padding: [1, 0] as const };
    this.branch1x1 = r('branch1x1', new BasicConv2d(inC, 320, 1));
    this.branch3x3_1 = r('branch3x3_1', new BasicConv2d(inC, 384, 1));
    this.branch3x3_2a = r('branch3x3_2a', new BasicConv2d(384, 384, [1, 3], p13));
    this.branch3x3_2b = r('branch3x3_2b', new BasicConv2d(384, 384, [3, 1], p31));
    this.branch3x3dbl_1 = r('branch3x3dbl_1', new BasicConv2d(inC, 448, 1));
    this.branch3x3dbl_2 = r('branch3x3dbl_2', new BasicConv2d(448, 384, 3, { padding: 1 }));
    this.branch3x3dbl_3a = r('branch3x3dbl_3a', new BasicConv2d(384, 384, [1, 3], p13));
    this.branch3x3dbl_3b = r('branch3x3dbl_3b', new BasicConv2d(384, 384, [3, 1], p31));
    this.branch_pool = r('branch_pool', new BasicConv2d(inC, 192, 1));
  }
  forward(x: Tensor): Tensor {
    const t = this.branch3x3_1.forward(x);
    const d = run(x, this.branch3x3dbl_1, this.branch3x3dbl_2);
    return ops.cat(
      [
        this.branch1x1.forward(x),
        ops.cat([this.branch3x3_2a.forward(t), this.branch3x3_2b.forward(t)], 1),
        ops.cat([this.branch3x3dbl_3a.forward(d), this.branch3x3dbl_3b.forward(d)], 1),
        this.branch_pool.forward(avgPool3(x)),
      ],
      1,
    );
  }
}

/** Inception v3's auxiliary classifier on the 17×17 features. */
export class InceptionAux extends Module {
  readonly conv0: BasicConv2d;
  readonly conv1: BasicConv2d;
  readonly fc: Linear;
  constructor(inChannels: number, numClasses: number) {
    super();
    this.conv0 = this.registerModule('conv0', new BasicConv2d(inChannels, 128, 1));
    this.conv1 = this.registerModule('conv1', new BasicConv2d(128, 768, 5));
    this.fc = this.registerModule('fc', new Linear(768, numClasses));
  }
  forward(x: Tensor): Tensor {
    x = this.conv1.forward(this.conv0.forward(F.avgPool2d(x, 5, { stride: 3 })));
    return this.fc.forward(ops.flatten(F.adaptiveAvgPool2d(x, [1, 1]), 1));
  }
}

export interface Inception3Options extends ModelOptions {
  /** Build the auxiliary head (AuxLogits); default true, like torchvision's class. */
  auxLogits?: boolean;
  /** Map ImageNet-normalised input to the (x - 0.5) / 0.5 normalisation of the original weights. Default false. */
  transformInput?: boolean;
  /** torchvision's init: trunc-normal convs and linears (std 0.1, the aux fc 0.001), BatchNorm 1/0. Default true. */
  initWeights?: boolean;
  dropout?: number;
}

/** torchvision's InceptionOutputs: auxLogits is null in eval mode or without the auxiliary head. */
export interface InceptionOutputs {
  logits: Tensor;
  auxLogits: Tensor | null;
}

/**
 * Inception v3 (input 3×299×299, at least 75×75). `forward` always returns the main logits; in training mode with
 * auxLogits it still runs the auxiliary head as torchvision does (its BatchNorm running stats advance the same
 * way). `forwardWithAux` also returns the aux logits, e.g. for torchvision's loss main + 0.4 · aux.
 */
export class Inception3 extends Module {
  readonly Conv2d_1a_3x3: BasicConv2d;
  readonly Conv2d_2a_3x3: BasicConv2d;
  readonly Conv2d_2b_3x3: BasicConv2d;
  readonly maxpool1: MaxPool2d;
  readonly Conv2d_3b_1x1: BasicConv2d;
  readonly Conv2d_4a_3x3: BasicConv2d;
  readonly maxpool2: MaxPool2d;
  readonly Mixed_5b: InceptionA;
  readonly Mixed_5c: InceptionA;
  readonly Mixed_5d: InceptionA;
  readonly Mixed_6a: InceptionB;
  readonly Mixed_6b: InceptionC;
  readonly Mixed_6c: InceptionC;
  readonly Mixed_6d: InceptionC;
  readonly Mixed_6e: InceptionC;
  readonly AuxLogits: InceptionAux | null;
  readonly Mixed_7a: InceptionD;
  readonly Mixed_7b: InceptionE;
  readonly Mixed_7c: InceptionE;
  readonly avgpool: AdaptiveAvgPool2d;
  readonly dropout: Dropout;
  readonly fc: Linear;
  readonly auxLogits: boolean;
  readonly transformInput: boolean;

  constructor(opts: Inception3Options = {}) {
    super();
    const n = checkNumClasses('Inception3', opts.numClasses ?? 1000);
    this.auxLogits = opts.auxLogits ?? true;
    this.transformInput = opts.transformInput ?? false;
    const r: Reg = (name, m) => this.registerModule(name, m);
    this.Conv2d_1a_3x3 = r('Conv2d_1a_3x3', new BasicConv2d(3, 32, 3, { stride: 2 }));
    this.Conv2d_2a_3x3 = r('Conv2d_2a_3x3', new BasicConv2d(32, 32, 3));
    this.Conv2d_2b_3x3 = r('Conv2d_2b_3x3', new BasicConv2d(32, 64, 3, { padding: 1 }));
    this.maxpool1 = r('maxpool1', new MaxPool2d(3, { stride: 2 }));
    this.Conv2d_3b_1x1 = r('Conv2d_3b_1x1', new BasicConv2d(64, 80, 1));
    this.Conv2d_4a_3x3 = r('Conv2d_4a_3x3', new BasicConv2d(80, 192, 3));
    this.maxpool2 = r('maxpool2', new MaxPool2d(3, { stride: 2 }));
    this.Mixed_5b = r('Mixed_5b', new InceptionA(192, 32));
    this.Mixed_5c = r('Mixed_5c', new InceptionA(256, 64));
    this.Mixed_5d = r('Mixed_5d', new InceptionA(288, 64));
    this.Mixed_6a = r('Mixed_6a', new InceptionB(288));
    this.Mixed_6b = r('Mixed_6b', new InceptionC(768, 128));
    this.Mixed_6c = r('Mixed_6c', new InceptionC(768, 160));
    this.Mixed_6d = r('Mixed_6d', new InceptionC(768, 160));
    this.Mixed_6e = r('Mixed_6e', new InceptionC(768, 192));
    // registered between Mixed_6e and Mixed_7a, as in torchvision: key order and draw order follow
    this.AuxLogits = this.registerModule('AuxLogits', this.auxLogits ? new InceptionAux(768, n) : null);
    this.Mixed_7a = r('Mixed_7a', new InceptionD(768));
    this.Mixed_7b = r('Mixed_7b', new InceptionE(1280));
    this.Mixed_7c = r('Mixed_7c', new InceptionE(2048));
    this.avgpool = r('avgpool', new AdaptiveAvgPool2d([1, 1]));
    this.dropout = r('dropout', new Dropout(opts.dropout ?? 0.5));
    this.fc = r('fc', new Linear(2048, n));
    if (opts.initWeights ?? true) {
      for (const m of this.modules()) {
        if (m instanceof Conv2d || m instanceof Linear) {
          // torchvision reads a `stddev` attribute off the Conv2d/Linear itself: only AuxLogits.fc has one
          // (AuxLogits.conv1.stddev = 0.01 is set on the BasicConv2d wrapper, so its conv gets the default 0.1)
          const std = m === this.AuxLogits?.fc ? 0.001 : 0.1;
          init.truncNormal_(m.weight, 0, std, -2, 2);
        } else if (m instanceof BatchNorm2d) {
          if (m.weight) init.ones_(m.weight);
          if (m.bias) init.zeros_(m.bias);
        }
      }
    }
  }

  /** Main logits plus, in training mode with auxLogits, the auxiliary logits (torchvision's InceptionOutputs). */
  forwardWithAux(x: Tensor): InceptionOutputs {
    if (this.transformInput) x = transformImageNetInput(x);
    x = run(x, this.Conv2d_1a_3x3, this.Conv2d_2a_3x3, this.Conv2d_2b_3x3);
    x = run(this.maxpool1.forward(x), this.Conv2d_3b_1x1, this.Conv2d_4a_3x3);
    x = this.maxpool2.forward(x);
    x = this.Mixed_6a.forward(this.Mixed_5d.forward(this.Mixed_5c.forward(this.Mixed_5b.forward(x))));
    x = this.Mixed_6e.forward(this.Mixed_6d.forward(this.Mixed_6c.forward(this.Mixed_6b.forward(x))));
    const aux = this.AuxLogits && this.training ? this.AuxLogits.forward(x) : null;
    x = this.Mixed_7c.forward(this.Mixed_7b.forward(this.Mixed_7a.forward(x)));
    // torchvision applies dropout before flattening (same values either way)
    x = ops.flatten(this.dropout.forward(this.avgpool.forward(x)), 1);
    return { logits: this.fc.forward(x), auxLogits: aux };
  }

  forward(x: Tensor): Tensor {
    return this.forwardWithAux(x).logits;
  }
}

export const inceptionV3 = (o: Inception3Options = {}) => new Inception3(o);
