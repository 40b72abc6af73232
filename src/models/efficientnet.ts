// EfficientNet B0–B7: torchvision 0.14's MBConv blocks with squeeze-excitation and row-wise stochastic depth, its
// keys, construction order (same seeded draws), init loop and per-variant width/depth/dropout/BatchNorm settings.
import type { Tensor } from '../tensor/tensor.js';
import { empty } from '../tensor/creation.js';
import { bernoulliFill, defaultGenerator } from '../tensor/generator.js';
import * as ops from '../ops/index.js';
import { Module } from '../nn/module.js';
import { dropTransient, keepsNoTensors } from '../nn/transient.js';
import { Linear } from '../nn/layers/linear.js';
import { BatchNorm2d } from '../nn/layers/norm.js';
import { AdaptiveAvgPool2d, Dropout, Sigmoid, SiLU } from '../nn/layers/simple.js';
import { pyFloat } from '../nn/repr.js';
import { Sequential } from '../nn/layers/containers.js';
import { checkNumClasses, type Layer, type ModelOptions } from './common.js';
import {
  Conv2dNormActivation,
  makeDivisible,
  mobileInit,
  SqueezeExcitation,
  type NormFactory,
} from './mobilenet.js';

/**
 * torchvision.ops.StochasticDepth: in training, zero the input with probability p — per sample ('row') or all at
 * once ('batch') — and scale survivors by 1/(1-p); identity in eval. Draws from the default generator like torch.
 */
export class StochasticDepth extends Module {
  constructor(
    readonly p: number,
    readonly mode: 'row' | 'batch',
  ) {
    super();
    if (!(p >= 0 && p <= 1))
      throw new Error(`StochasticDepth: drop probability has to be between 0 and 1, got ${p}`);
    if (mode !== 'row' && mode !== 'batch')
      throw new Error(`StochasticDepth: mode has to be either 'row' or 'batch', got '${String(mode)}'`);
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const survival = 1 - this.p;
    const size = this.mode === 'row' ? [x.shape[0]!, ...x.shape.slice(1).map(() => 1)] : x.shape.map(() => 1);
    // torch: empty(size).bernoulli_(survival), then div_(survival) unless nothing survives
    const noise = empty(size, { dtype: x.dtype });
    bernoulliFill(noise.data as Float32Array | Float64Array, survival, defaultGenerator);
    return ops.mul(x, survival > 0 ? ops.div(noise, survival) : noise);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, mode=${this.mode}`;
  }
}

/** One stage of Table 1 of the EfficientNet paper, channels and depth already scaled. */
export interface MBConvConfig {
  expandRatio: number;
  kernel: number;
  stride: number;
  inputChannels: number;
  outChannels: number;
  numLayers: number;
}

/** Mobile inverted bottleneck: [1×1 expand] → k×k depthwise → SE (SiLU) → 1×1 projection, + stochastic-depth skip. */
export class MBConv extends Module {
  readonly block: Sequential;
  readonly stochasticDepth: StochasticDepth;
  readonly outChannels: number;
  private readonly useResConnect: boolean;
  constructor(cnf: MBConvConfig, stochasticDepthProb: number, norm: NormFactory) {
    super();
    if (cnf.stride < 1 || cnf.stride > 2) throw new Error(`MBConv: illegal stride ${cnf.stride}`);
    this.useResConnect = cnf.stride === 1 && cnf.inputChannels === cnf.outChannels;
    const silu = () => new SiLU();
    const expanded = makeDivisible(cnf.inputChannels * cnf.expandRatio, 8);
    const layers: Layer[] = [];
    if (expanded !== cnf.inputChannels)
      layers.push(
        new Conv2dNormActivation(cnf.inputChannels, expanded, { kernelSize: 1, norm, activation: silu }),
      );
    layers.push(
      new Conv2dNormActivation(expanded, expanded, {
        kernelSize: cnf.kernel,
        stride: cnf.stride,
        groups: expanded,
        norm,
        activation: silu,
      }),
    );
    // the squeeze width follows the block's input channels, not the expanded ones
    const squeeze = Math.max(1, Math.floor(cnf.inputChannels / 4));
    layers.push(new SqueezeExcitation(expanded, squeeze, silu, () => new Sigmoid()));
    layers.push(
      new Conv2dNormActivation(expanded, cnf.outChannels, { kernelSize: 1, norm, activation: null }),
    );
    this.block = this.registerModule('block', new Sequential(...layers));
    this.stochasticDepth = this.registerModule(
      'stochastic_depth',
      new StochasticDepth(stochasticDepthProb, 'row'),
    );
    this.outChannels = cnf.outChannels;
  }
  forward(x: Tensor): Tensor {
    let y = this.block.forward(x);
    if (this.useResConnect) {
      const d = this.stochasticDepth.forward(y);
      const sum = ops.add(d, x);
      dropTransient(y, this.block, this.stochasticDepth, sum, x); // (in inference: nn/transient.ts)
      if (d !== y) dropTransient(d, this.stochasticDepth, null, sum, x);
      y = sum;
    }
    return y;
  }
}

export interface EfficientNetOptions extends ModelOptions {
  /** Dropout before the head; each variant has its own default (0.2 for B0/B1 up to 0.5 for B7). */
  dropout?: number;
  /** Largest drop probability of the stochastic depth, reached linearly by the last block (default 0.2). */
  stochasticDepthProb?: number;
}

export class EfficientNet extends Module {
  readonly features: Sequential;
  readonly avgpool: AdaptiveAvgPool2d;
  readonly classifier: Sequential;
  constructor(
    setting: MBConvConfig[],
    dropout: number,
    opts: EfficientNetOptions & { norm?: NormFactory; lastChannel?: number | null } = {},
  ) {
    super();
    const n = checkNumClasses('EfficientNet', opts.numClasses ?? 1000);
    if (setting.length === 0)
      throw new Error('EfficientNet: the inverted residual setting should not be empty');
    const norm = opts.norm ?? ((c: number) => new BatchNorm2d(c));
    const sdProb = opts.stochasticDepthProb ?? 0.2;
    const silu = () => new SiLU();
    const layers: Layer[] = [
      new Conv2dNormActivation(3, setting[0]!.inputChannels, { stride: 2, norm, activation: silu }),
    ];
    const total = setting.reduce((s, c) => s + c.numLayers, 0);
    let blockId = 0;
    for (const cnf of setting) {
      const stage = new Sequential();
      for (let i = 0; i < cnf.numLayers; i++) {
        // blocks after the first of a stage take its output and keep the resolution
        const c = i === 0 ? cnf : { ...cnf, inputChannels: cnf.outChannels, stride: 1 };
        // the drop probability grows linearly with the block's depth in the whole network
        stage.append(new MBConv(c, (sdProb * blockId) / total, norm));
        blockId++;
      }
      layers.push(stage);
    }
    const lastIn = setting[setting.length - 1]!.outChannels;
    const lastOut = opts.lastChannel ?? 4 * lastIn;
    layers.push(new Conv2dNormActivation(lastIn, lastOut, { kernelSize: 1, norm, activation: silu }));
    this.features = this.registerModule('features', new Sequential(...layers));
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(new Dropout(dropout), new Linear(lastOut, n)),
    );
    mobileInit(this, 'uniformFanOut');
  }
  forward(x: Tensor): Tensor {
    return this.classifier.forward(ops.flatten(this.avgpool.forward(this.features.forward(x)), 1));
  }
}

/** torchvision's _efficientnet_conf for B0–B7: the B0 table with channels × width and depths × depth (ceil). */
export function efficientnetConfig(widthMult: number, depthMult: number): MBConvConfig[] {
  const ch = (c: number) => makeDivisible(c * widthMult, 8);
  const rows: [number, number, number, number, number, number][] = [
    // expand, kernel, stride, in, out, layers
    [1, 3, 1, 32, 16, 1],
    [6, 3, 2, 16, 24, 2],
    [6, 5, 2, 24, 40, 2],
    [6, 3, 2, 40, 80, 3],
    [6, 5, 1, 80, 112, 3],
    [6, 5, 2, 112, 192, 4],
    [6, 3, 1, 192, 320, 1],
  ];
  return rows.map(([e, k, s, i, o, l]) => ({
    expandRatio: e,
    kernel: k,
    stride: s,
    inputChannels: ch(i),
    outChannels: ch(o),
    numLayers: Math.ceil(l * depthMult),
  }));
}

// B5–B7 were ported from TF weights and keep TF's BatchNorm eps/momentum
const tfNorm: NormFactory = (c) => new BatchNorm2d(c, { eps: 0.001, momentum: 0.01 });

const variant =
  (width: number, depth: number, dropout: number, norm?: NormFactory) =>
  (o: EfficientNetOptions = {}) =>
    new EfficientNet(efficientnetConfig(width, depth), o.dropout ?? dropout, {
      ...o,
      ...(norm ? { norm } : {}),
    });

export const efficientnetB0 = variant(1.0, 1.0, 0.2);
export const efficientnetB1 = variant(1.0, 1.1, 0.2);
export const efficientnetB2 = variant(1.1, 1.2, 0.3);
export const efficientnetB3 = variant(1.2, 1.4, 0.3);
export const efficientnetB4 = variant(1.4, 1.8, 0.4);
export const efficientnetB5 = variant(1.6, 2.2, 0.4, tfNorm);
export const efficientnetB6 = variant(1.8, 2.6, 0.5, tfNorm);
export const efficientnetB7 = variant(2.0, 3.1, 0.5, tfNorm);

keepsNoTensors(StochasticDepth);
keepsNoTensors(MBConv, 'container');
