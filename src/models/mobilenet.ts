// MobileNetV2 and MobileNetV3 small/large, plus torchvision.ops.misc's Conv2dNormActivation and SqueezeExcitation
// (shared with EfficientNet): torchvision 0.14's modules, keys, construction order (same seeded draws) and forward.
import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import * as F from '../nn/functional/index.js';
import * as init from '../nn/init.js';
import { Module } from '../nn/module.js';
import { dropTransient, keepsNoTensors } from '../nn/transient.js';
import { Conv2d, Linear } from '../nn/layers/linear.js';
import { BatchNorm2d } from '../nn/layers/norm.js';
import { AdaptiveAvgPool2d, Dropout, Hardsigmoid, Hardswish, ReLU, ReLU6 } from '../nn/layers/simple.js';
import { Sequential } from '../nn/layers/containers.js';
import { checkNumClasses, type AnyModule, type Layer, type ModelOptions } from './common.js';

export type NormFactory = (channels: number) => Layer;
export type ActFactory = () => Layer;

/** torchvision's _make_divisible: round to a multiple of `divisor`, never more than 10% below v. */
export function makeDivisible(v: number, divisor: number, minValue?: number): number {
  // int(v + divisor / 2) // divisor * divisor, in doubles like Python
  let n = Math.max(minValue ?? divisor, Math.floor(Math.floor(v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

export interface ConvNormActOptions {
  kernelSize?: number;
  stride?: number;
  /** Defaults to (kernelSize - 1) / 2 * dilation. */
  padding?: number;
  groups?: number;
  /** null: no norm layer (the conv then has a bias). Default BatchNorm2d. */
  norm?: NormFactory | null;
  /** null: no activation. Default ReLU. */
  activation?: ActFactory | null;
  dilation?: number;
  bias?: boolean;
}

/** Conv2d → norm → activation as a Sequential ('0', '1', '2'), torchvision.ops.Conv2dNormActivation. */
export class Conv2dNormActivation extends Sequential {
  readonly outChannels: number;
  constructor(inChannels: number, outChannels: number, opts: ConvNormActOptions = {}) {
    const k = opts.kernelSize ?? 3;
    const dilation = opts.dilation ?? 1;
    const norm = opts.norm === undefined ? (c: number) => new BatchNorm2d(c) : opts.norm;
    const act = opts.activation === undefined ? () => new ReLU() : opts.activation;
    const layers: Layer[] = [
      new Conv2d(inChannels, outChannels, k, {
        stride: opts.stride ?? 1,
        padding: opts.padding ?? Math.floor((k - 1) / 2) * dilation,
        dilation,
        groups: opts.groups ?? 1,
        bias: opts.bias ?? norm === null,
      }),
    ];
    if (norm) layers.push(norm(outChannels));
    if (act) layers.push(act());
    super(...layers);
    this.outChannels = outChannels;
  }
}

/** Squeeze-and-excitation (torchvision.ops.SqueezeExcitation): x · σ(fc2(δ(fc1(avgpool(x))))). */
export class SqueezeExcitation extends Module {
  readonly avgpool: AdaptiveAvgPool2d;
  readonly fc1: Conv2d;
  readonly fc2: Conv2d;
  readonly activation: Layer;
  readonly scaleActivation: Layer;
  constructor(inputChannels: number, squeezeChannels: number, activation: ActFactory, scale: ActFactory) {
    super();
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.fc1 = this.registerModule('fc1', new Conv2d(inputChannels, squeezeChannels, 1));
    this.fc2 = this.registerModule('fc2', new Conv2d(squeezeChannels, inputChannels, 1));
    this.activation = this.registerModule('activation', activation());
    this.scaleActivation = this.registerModule('scale_activation', scale());
  }
  forward(x: Tensor): Tensor {
    const s = this.fc2.forward(this.activation.forward(this.fc1.forward(this.avgpool.forward(x))));
    return ops.mul(this.scaleActivation.forward(s), x);
  }
}

/**
 * The init loop of MobileNetV2/V3 and EfficientNet: He normal (fan_out) convs with zero bias, BatchNorm 1/0, and
 * Linear N(0, 0.01) (MobileNet) or U(±1/√out_features) (EfficientNet), each with zero bias.
 */
export function mobileInit(model: AnyModule, linear: 'normal0.01' | 'uniformFanOut'): void {
  for (const m of model.modules()) {
    if (m instanceof Conv2d) {
      // torch's default nonlinearity (leaky_relu, a=0) has the same gain √2 as relu
      init.kaimingNormal_(m.weight, { mode: 'fanOut' });
      if (m.bias) init.zeros_(m.bias);
    } else if (m instanceof BatchNorm2d) {
      if (m.weight) init.ones_(m.weight);
      if (m.bias) init.zeros_(m.bias);
    } else if (m instanceof Linear) {
      if (linear === 'normal0.01') init.normal_(m.weight, 0, 0.01);
      else {
        const r = 1 / Math.sqrt(m.outFeatures);
        init.uniform_(m.weight, -r, r);
      }
      if (m.bias) init.zeros_(m.bias);
    }
  }
}

// ------------------------------------------------------------------------------------------------ MobileNetV2

/** MobileNetV2's inverted residual: [1×1 expand] → 3×3 depthwise → 1×1 linear projection (+ x when shapes allow). */
export class InvertedResidual extends Module {
  readonly conv: Sequential;
  readonly outChannels: number;
  private readonly useResConnect: boolean;
  constructor(inp: number, oup: number, stride: number, expandRatio: number) {
    super();
    if (stride !== 1 && stride !== 2)
      throw new Error(`InvertedResidual: stride should be 1 or 2, got ${stride}`);
    const hidden = Math.round(inp * expandRatio);
    this.useResConnect = stride === 1 && inp === oup;
    const relu6 = () => new ReLU6();
    const layers: Layer[] = [];
    if (expandRatio !== 1)
      layers.push(new Conv2dNormActivation(inp, hidden, { kernelSize: 1, activation: relu6 }));
    layers.push(
      new Conv2dNormActivation(hidden, hidden, { stride, groups: hidden, activation: relu6 }),
      new Conv2d(hidden, oup, 1, { bias: false }),
      new BatchNorm2d(oup),
    );
    this.conv = this.registerModule('conv', new Sequential(...layers));
    this.outChannels = oup;
  }
  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    if (!this.useResConnect) return y;
    const sum = ops.add(x, y);
    dropTransient(y, this.conv, null, sum, x); // (in inference: nn/transient.ts)
    return sum;
  }
}

export interface MobileNetV2Options extends ModelOptions {
  widthMult?: number;
  /** Rows [t, c, n, s]: expansion, channels, repeats, first stride. */
  invertedResidualSetting?: [number, number, number, number][];
  roundNearest?: number;
  dropout?: number;
}

const V2_SETTING: [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

export class MobileNetV2 extends Module {
  readonly features: Sequential;
  readonly classifier: Sequential;
  readonly lastChannel: number;
  constructor(opts: MobileNetV2Options = {}) {
    super();
    const n = checkNumClasses('MobileNetV2', opts.numClasses ?? 1000);
    const width = opts.widthMult ?? 1;
    const round = opts.roundNearest ?? 8;
    const setting = opts.invertedResidualSetting ?? V2_SETTING;
    if (setting.length === 0 || setting[0]!.length !== 4)
      throw new Error('MobileNetV2: invertedResidualSetting must be a non-empty list of [t, c, n, s] rows');
    let input = makeDivisible(32 * width, round);
    this.lastChannel = makeDivisible(1280 * Math.max(1, width), round);
    const relu6 = () => new ReLU6();
    const features: Layer[] = [new Conv2dNormActivation(3, input, { stride: 2, activation: relu6 })];
    for (const [t, c, reps, s] of setting) {
      const output = makeDivisible(c * width, round);
      for (let i = 0; i < reps; i++) {
        features.push(new InvertedResidual(input, output, i === 0 ? s : 1, t));
        input = output;
      }
    }
    features.push(new Conv2dNormActivation(input, this.lastChannel, { kernelSize: 1, activation: relu6 }));
    this.features = this.registerModule('features', new Sequential(...features));
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(new Dropout(opts.dropout ?? 0.2), new Linear(this.lastChannel, n)),
    );
    mobileInit(this, 'normal0.01');
  }
  forward(x: Tensor): Tensor {
    // torchvision pools functionally here (no avgpool module, so no 'avgpool' in named_modules)
    const pooled = F.adaptiveAvgPool2d(this.features.forward(x), [1, 1]);
    return this.classifier.forward(ops.flatten(pooled, 1));
  }
}

// ------------------------------------------------------------------------------------------------ MobileNetV3

/** One row of MobileNetV3's Tables 1/2, with channels already scaled by the width multiplier. */
export interface InvertedResidualConfig {
  inputChannels: number;
  kernel: number;
  expandedChannels: number;
  outChannels: number;
  useSe: boolean;
  useHs: boolean;
  stride: number;
  dilation: number;
}

/** MobileNetV3's block: [1×1 expand] → k×k depthwise → [SE with hard-sigmoid] → 1×1 projection (+ x). */
export class InvertedResidualV3 extends Module {
  readonly block: Sequential;
  readonly outChannels: number;
  private readonly useResConnect: boolean;
  constructor(cnf: InvertedResidualConfig, norm: NormFactory) {
    super();
    if (cnf.stride < 1 || cnf.stride > 2) throw new Error(`InvertedResidual: illegal stride ${cnf.stride}`);
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    const activation = cnf.useHs ? () => new Hardswish() : () => new ReLU();
    const layers: Layer[] = [];
    if (cnf.expandedChannels !== cnf.inputChannels)
      layers.push(
        new Conv2dNormActivation(cnf.inputChannels, cnf.expandedChannels, {
          kernelSize: 1,
          norm,
          activation,
        }),
      );
    layers.push(
      new Conv2dNormActivation(cnf.expandedChannels, cnf.expandedChannels, {
        kernelSize: cnf.kernel,
        stride: cnf.dilation > 1 ? 1 : cnf.stride, // dilated stages keep the resolution
        dilation: cnf.dilation,
        groups: cnf.expandedChannels,
        norm,
        activation,
      }),
    );
    if (cnf.useSe) {
      const squeeze = makeDivisible(Math.floor(cnf.expandedChannels / 4), 8);
      layers.push(
        new SqueezeExcitation(
          cnf.expandedChannels,
          squeeze,
          () => new ReLU(),
          () => new Hardsigmoid(),
        ),
      );
    }
    layers.push(
      new Conv2dNormActivation(cnf.expandedChannels, cnf.outChannels, {
        kernelSize: 1,
        norm,
        activation: null,
      }),
    );
    this.block = this.registerModule('block', new Sequential(...layers));
    this.outChannels = cnf.outChannels;
  }
  override get typeName(): string {
    return 'InvertedResidual'; // torchvision's name (mobilenetv3.InvertedResidual)
  }
  forward(x: Tensor): Tensor {
    const y = this.block.forward(x);
    if (!this.useResConnect) return y;
    const sum = ops.add(y, x);
    dropTransient(y, this.block, null, sum, x);
    return sum;
  }
}

export interface MobileNetV3Options extends ModelOptions {
  dropout?: number;
  widthMult?: number;
  /** Halve the channels of the last stage (for detection backbones). */
  reducedTail?: boolean;
  /** Dilate the last stage instead of striding it. */
  dilated?: boolean;
}

export class MobileNetV3 extends Module {
  readonly features: Sequential;
  readonly avgpool: AdaptiveAvgPool2d;
  readonly classifier: Sequential;
  constructor(setting: InvertedResidualConfig[], lastChannel: number, opts: MobileNetV3Options = {}) {
    super();
    const n = checkNumClasses('MobileNetV3', opts.numClasses ?? 1000);
    if (setting.length === 0)
      throw new Error('MobileNetV3: the inverted residual setting should not be empty');
    // MobileNetV3 uses TF-style BatchNorm hyper-parameters
    const norm: NormFactory = (c) => new BatchNorm2d(c, { eps: 0.001, momentum: 0.01 });
    const hs = () => new Hardswish();
    const layers: Layer[] = [
      new Conv2dNormActivation(3, setting[0]!.inputChannels, { stride: 2, norm, activation: hs }),
    ];
    for (const cnf of setting) layers.push(new InvertedResidualV3(cnf, norm));
    const lastIn = setting[setting.length - 1]!.outChannels;
    const lastOut = 6 * lastIn;
    layers.push(new Conv2dNormActivation(lastIn, lastOut, { kernelSize: 1, norm, activation: hs }));
    this.features = this.registerModule('features', new Sequential(...layers));
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(
        new Linear(lastOut, lastChannel),
        new Hardswish(),
        new Dropout(opts.dropout ?? 0.2),
        new Linear(lastChannel, n),
      ),
    );
    mobileInit(this, 'normal0.01');
  }
  forward(x: Tensor): Tensor {
    return this.classifier.forward(ops.flatten(this.avgpool.forward(this.features.forward(x)), 1));
  }
}

type Row = [number, number, number, number, boolean, 'RE' | 'HS', number, number];

/** torchvision's _mobilenet_v3_conf: the block table and last channel of 'large' or 'small'. */
export function mobilenetV3Config(
  arch: 'large' | 'small',
  opts: MobileNetV3Options = {},
): { setting: InvertedResidualConfig[]; lastChannel: number } {
  const width = opts.widthMult ?? 1;
  const r = opts.reducedTail ? 2 : 1;
  const d = opts.dilated ? 2 : 1;
  const adj = (c: number) => makeDivisible(c * width, 8);
  const div = (c: number) => Math.floor(c / r);
  // input, kernel, expanded, out, SE, activation, stride, dilation
  const rows: Row[] =
    arch === 'large'
      ? [
          [16, 3, 16, 16, false, 'RE', 1, 1],
          [16, 3, 64, 24, false, 'RE', 2, 1],
          [24, 3, 72, 24, false, 'RE', 1, 1],
          [24, 5, 72, 40, true, 'RE', 2, 1],
          [40, 5, 120, 40, true, 'RE', 1, 1],
          [40, 5, 120, 40, true, 'RE', 1, 1],
          [40, 3, 240, 80, false, 'HS', 2, 1],
          [80, 3, 200, 80, false, 'HS', 1, 1],
          [80, 3, 184, 80, false, 'HS', 1, 1],
          [80, 3, 184, 80, false, 'HS', 1, 1],
          [80, 3, 480, 112, true, 'HS', 1, 1],
          [112, 3, 672, 112, true, 'HS', 1, 1],
          [112, 5, 672, div(160), true, 'HS', 2, d],
          [div(160), 5, div(960), div(160), true, 'HS', 1, d],
          [div(160), 5, div(960), div(160), true, 'HS', 1, d],
        ]
      : [
          [16, 3, 16, 16, true, 'RE', 2, 1],
          [16, 3, 72, 24, false, 'RE', 2, 1],
          [24, 3, 88, 24, false, 'RE', 1, 1],
          [24, 5, 96, 40, true, 'HS', 2, 1],
          [40, 5, 240, 40, true, 'HS', 1, 1],
          [40, 5, 240, 40, true, 'HS', 1, 1],
          [40, 5, 120, 48, true, 'HS', 1, 1],
          [48, 5, 144, 48, true, 'HS', 1, 1],
          [48, 5, 288, div(96), true, 'HS', 2, d],
          [div(96), 5, div(576), div(96), true, 'HS', 1, d],
          [div(96), 5, div(576), div(96), true, 'HS', 1, d],
        ];
  const setting = rows.map(([i, k, e, o, se, act, s, dil]) => ({
    inputChannels: adj(i),
    kernel: k,
    expandedChannels: adj(e),
    outChannels: adj(o),
    useSe: se,
    useHs: act === 'HS',
    stride: s,
    dilation: dil,
  }));
  return { setting, lastChannel: adj(div(arch === 'large' ? 1280 : 1024)) };
}

export const mobilenetV2 = (o: MobileNetV2Options = {}) => new MobileNetV2(o);
export const mobilenetV3Large = (o: MobileNetV3Options = {}) => {
  const { setting, lastChannel } = mobilenetV3Config('large', o);
  return new MobileNetV3(setting, lastChannel, o);
};
export const mobilenetV3Small = (o: MobileNetV3Options = {}) => {
  const { setting, lastChannel } = mobilenetV3Config('small', o);
  return new MobileNetV3(setting, lastChannel, o);
};

// their forwards keep no tensors (the blocks release their own intermediates in inference, and Sequentials of
// them release what passes between blocks)
for (const cls of [Conv2dNormActivation, SqueezeExcitation, InvertedResidual, InvertedResidualV3])
  keepsNoTensors(cls, 'container');
