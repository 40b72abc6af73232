// GoogLeNet (Inception v1) as torchvision 0.14 builds it: keys, construction order (same seeded draws), the
// trunc-normal init, the optional input transform and the two auxiliary heads used in training.
import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import * as F from '../nn/functional/index.js';
import * as init from '../nn/init.js';
import { Module } from '../nn/module.js';
import { Conv2d, Linear, type Conv2dLayerOptions } from '../nn/layers/linear.js';
import { BatchNorm2d } from '../nn/layers/norm.js';
import { AdaptiveAvgPool2d, Dropout, MaxPool2d } from '../nn/layers/simple.js';
import { Sequential } from '../nn/layers/containers.js';
import { checkNumClasses, type ModelOptions } from './common.js';

type Pair = number | readonly [number, number];

/** conv (no bias) → BatchNorm (eps 0.001) → ReLU; the ReLU is functional, so it is not a child module. */
export class BasicConv2d extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, opts: Conv2dLayerOptions = {}) {
    super();
    this.conv = this.registerModule(
      'conv',
      new Conv2d(inChannels, outChannels, kernelSize, { ...opts, bias: false }),
    );
    this.bn = this.registerModule('bn', new BatchNorm2d(outChannels, { eps: 0.001 }));
  }
  forward(x: Tensor): Tensor {
    return ops.relu(this.bn.forward(this.conv.forward(x)));
  }
}

/**
 * torchvision's transform_input: re-normalise an input normalised with ImageNet's mean/std as if it had been
 * normalised with mean = std = 0.5 (what the original Google weights expect).
 */
export function transformImageNetInput(x: Tensor): Tensor {
  const chans = [
    [0.229, 0.485],
    [0.224, 0.456],
    [0.225, 0.406],
  ].map(([std, mean], c) => ops.add(ops.mul(ops.narrow(x, 1, c, 1), std! / 0.5), (mean! - 0.5) / 0.5));
  return ops.cat(chans, 1);
}

/** The four-branch block: 1×1 | 1×1→3×3 | 1×1→"5×5" | 3×3 max-pool→1×1, concatenated on channels. */
export class Inception extends Module {
  readonly branch1: BasicConv2d;
  readonly branch2: Sequential;
  readonly branch3: Sequential;
  readonly branch4: Sequential;
  constructor(
    inC: number,
    ch1: number,
    ch3red: number,
    ch3: number,
    ch5red: number,
    ch5: number,
    pool: number,
  ) {
    super();
    this.branch1 = this.registerModule('branch1', new BasicConv2d(inC, ch1, 1));
    this.branch2 = this.registerModule(
      'branch2',
      new Sequential(new BasicConv2d(inC, ch3red, 1), new BasicConv2d(ch3red, ch3, 3, { padding: 1 })),
    );
    // kernel 3 instead of 5 is torchvision's known bug (pytorch/vision#906), kept so weights and keys match
    this.branch3 = this.registerModule(
      'branch3',
      new Sequential(new BasicConv2d(inC, ch5red, 1), new BasicConv2d(ch5red, ch5, 3, { padding: 1 })),
    );
    this.branch4 = this.registerModule(
      'branch4',
      new Sequential(
        new MaxPool2d(3, { stride: 1, padding: 1, ceilMode: true }),
        new BasicConv2d(inC, pool, 1),
      ),
    );
  }
  forward(x: Tensor): Tensor {
    const outs = [this.branch1, this.branch2, this.branch3, this.branch4].map((b) => b.forward(x));
    return ops.cat(outs, 1);
  }
}

/** GoogLeNet's auxiliary classifier (after inception4a and inception4d). */
export class InceptionAux extends Module {
  readonly conv: BasicConv2d;
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly dropout: Dropout;
  constructor(inChannels: number, numClasses: number, dropout = 0.7) {
    super();
    this.conv = this.registerModule('conv', new BasicConv2d(inChannels, 128, 1));
    this.fc1 = this.registerModule('fc1', new Linear(2048, 1024));
    this.fc2 = this.registerModule('fc2', new Linear(1024, numClasses));
    this.dropout = this.registerModule('dropout', new Dropout(dropout));
  }
  forward(x: Tensor): Tensor {
    x = ops.flatten(this.conv.forward(F.adaptiveAvgPool2d(x, [4, 4])), 1);
    return this.fc2.forward(this.dropout.forward(ops.relu(this.fc1.forward(x))));
  }
}

export interface GoogLeNetOptions extends ModelOptions {
  /** Build the two auxiliary heads (aux1, aux2); default true, like torchvision's class. */
  auxLogits?: boolean;
  /** Map ImageNet-normalised input to the (x - 0.5) / 0.5 normalisation of the original weights. Default false. */
  transformInput?: boolean;
  /** torchvision's init: trunc-normal(0, 0.01) convs and linears, BatchNorm 1/0. Default true. */
  initWeights?: boolean;
  dropout?: number;
  dropoutAux?: number;
}

/**
 * Logits of the main head and of the aux heads, named by head (null in eval mode or without aux heads).
 * torchvision's GoogLeNetOutputs tuple is (logits, aux1's output, aux2's output): its field names aux_logits2 and
 * aux_logits1 are swapped relative to the heads (forward unpacks _forward's (x, aux2, aux1) as (x, aux1, aux2)).
 */
export interface GoogLeNetOutputs {
  logits: Tensor;
  /** Output of `aux1`, the head after inception4a (torchvision's `aux_logits2` field). */
  aux1: Tensor | null;
  /** Output of `aux2`, the head after inception4d (torchvision's `aux_logits1` field). */
  aux2: Tensor | null;
}

/**
 * GoogLeNet. `forward` always returns the main logits. In training mode with auxLogits it still runs both
 * auxiliary heads, as torchvision does (their BatchNorm running stats and dropout draws advance the same way);
 * call `forwardWithAux` to get their logits too, e.g. for torchvision's loss main + 0.3 · (aux1 + aux2).
 */
export class GoogLeNet extends Module {
  readonly conv1: BasicConv2d;
  readonly maxpool1: MaxPool2d;
  readonly conv2: BasicConv2d;
  readonly conv3: BasicConv2d;
  readonly maxpool2: MaxPool2d;
  readonly inception3a: Inception;
  readonly inception3b: Inception;
  readonly maxpool3: MaxPool2d;
  readonly inception4a: Inception;
  readonly inception4b: Inception;
  readonly inception4c: Inception;
  readonly inception4d: Inception;
  readonly inception4e: Inception;
  readonly maxpool4: MaxPool2d;
  readonly inception5a: Inception;
  readonly inception5b: Inception;
  readonly aux1: InceptionAux | null;
  readonly aux2: InceptionAux | null;
  readonly avgpool: AdaptiveAvgPool2d;
  readonly dropout: Dropout;
  readonly fc: Linear;
  readonly auxLogits: boolean;
  readonly transformInput: boolean;

  constructor(opts: GoogLeNetOptions = {}) {
    super();
    const n = checkNumClasses('GoogLeNet', opts.numClasses ?? 1000);
    this.auxLogits = opts.auxLogits ?? true;
    this.transformInput = opts.transformInput ?? false;
    const reg = <M extends Module<never, unknown> | null>(name: string, m: M) => this.registerModule(name, m);
    const pool = (k: number) => new MaxPool2d(k, { stride: 2, ceilMode: true });
    this.conv1 = reg('conv1', new BasicConv2d(3, 64, 7, { stride: 2, padding: 3 }));
    this.maxpool1 = reg('maxpool1', pool(3));
    this.conv2 = reg('conv2', new BasicConv2d(64, 64, 1));
    this.conv3 = reg('conv3', new BasicConv2d(64, 192, 3, { padding: 1 }));
    this.maxpool2 = reg('maxpool2', pool(3));
    this.inception3a = reg('inception3a', new Inception(192, 64, 96, 128, 16, 32, 32));
    this.inception3b = reg('inception3b', new Inception(256, 128, 128, 192, 32, 96, 64));
    this.maxpool3 = reg('maxpool3', pool(3));
    this.inception4a = reg('inception4a', new Inception(480, 192, 96, 208, 16, 48, 64));
    this.inception4b = reg('inception4b', new Inception(512, 160, 112, 224, 24, 64, 64));
    this.inception4c = reg('inception4c', new Inception(512, 128, 128, 256, 24, 64, 64));
    this.inception4d = reg('inception4d', new Inception(512, 112, 144, 288, 32, 64, 64));
    this.inception4e = reg('inception4e', new Inception(528, 256, 160, 320, 32, 128, 128));
    this.maxpool4 = reg('maxpool4', pool(2));
    this.inception5a = reg('inception5a', new Inception(832, 256, 160, 320, 32, 128, 128));
    this.inception5b = reg('inception5b', new Inception(832, 384, 192, 384, 48, 128, 128));
    // the aux heads are built (and registered) before avgpool/dropout/fc, as in torchvision: same draw order
    const dAux = opts.dropoutAux ?? 0.7;
    this.aux1 = reg('aux1', this.auxLogits ? new InceptionAux(512, n, dAux) : null);
    this.aux2 = reg('aux2', this.auxLogits ? new InceptionAux(528, n, dAux) : null);
    this.avgpool = reg('avgpool', new AdaptiveAvgPool2d([1, 1]));
    this.dropout = reg('dropout', new Dropout(opts.dropout ?? 0.2));
    this.fc = reg('fc', new Linear(1024, n));
    if (opts.initWeights ?? true) {
      for (const m of this.modules()) {
        if (m instanceof Conv2d || m instanceof Linear) init.truncNormal_(m.weight, 0, 0.01, -2, 2);
        else if (m instanceof BatchNorm2d) {
          if (m.weight) init.ones_(m.weight);
          if (m.bias) init.zeros_(m.bias);
        }
      }
    }
  }

  /** Main logits plus, in training mode with auxLogits, the logits of both auxiliary heads. */
  forwardWithAux(x: Tensor): GoogLeNetOutputs {
    if (this.transformInput) x = transformImageNetInput(x);
    x = this.maxpool1.forward(this.conv1.forward(x));
    x = this.maxpool2.forward(this.conv3.forward(this.conv2.forward(x)));
    x = this.maxpool3.forward(this.inception3b.forward(this.inception3a.forward(x)));
    x = this.inception4a.forward(x);
    const aux1 = this.aux1 && this.training ? this.aux1.forward(x) : null;
    x = this.inception4d.forward(this.inception4c.forward(this.inception4b.forward(x)));
    const aux2 = this.aux2 && this.training ? this.aux2.forward(x) : null;
    x = this.maxpool4.forward(this.inception4e.forward(x));
    x = this.inception5b.forward(this.inception5a.forward(x));
    x = this.dropout.forward(ops.flatten(this.avgpool.forward(x), 1));
    return { logits: this.fc.forward(x), aux1, aux2 };
  }

  forward(x: Tensor): Tensor {
    return this.forwardWithAux(x).logits;
  }
}

export const googlenet = (o: GoogLeNetOptions = {}) => new GoogLeNet(o);
