// ResNet family (resnet18…152, resnext50_32x4d, wide_resnet50_2): torchvision 0.14's modules, key names,
// construction order (so the seeded default init draws the same numbers) and forward.
import type { Tensor } from '../tensor/tensor.js';
import * as ops from '../ops/index.js';
import * as init from '../nn/init.js';
import { Module } from '../nn/module.js';
import { addReluInPlace, dropTransient, keepsNoTensors, ownsBuffer, runChain } from '../nn/transient.js';
import { Conv2d, Linear } from '../nn/layers/linear.js';
import { BatchNorm2d } from '../nn/layers/norm.js';
import { AdaptiveAvgPool2d, MaxPool2d, ReLU } from '../nn/layers/simple.js';
import { Sequential } from '../nn/layers/containers.js';
import { checkNumClasses, heInitConvs, type Layer, type ModelOptions } from './common.js';

const conv3x3 = (i: number, o: number, stride = 1, groups = 1, dilation = 1) =>
  new Conv2d(i, o, 3, { stride, padding: dilation, groups, bias: false, dilation });
const conv1x1 = (i: number, o: number, stride = 1) => new Conv2d(i, o, 1, { stride, bias: false });

interface BlockArgs {
  inplanes: number;
  planes: number;
  stride: number;
  downsample: Sequential | null;
  groups: number;
  baseWidth: number;
  dilation: number;
}

/** relu(out + identity), the block's tail; `made` made `out` (intermediates released in inference). */
function residual(out: Tensor, made: Module, x: Tensor, downsample: Sequential | null): Tensor {
  const identity = downsample ? downsample.forward(x) : x;
  // inference: over out's own buffer when nothing else reads it
  if (ownsBuffer(out, made, null, [x, identity]) && addReluInPlace(out, identity)) {
    if (downsample) dropTransient(identity, downsample, null, out, x);
    return out;
  }
  const sum = ops.add(out, identity);
  dropTransient(out, made, null, sum, x);
  if (downsample) dropTransient(identity, downsample, null, sum, x);
  const y = ops.relu(sum);
  dropTransient(sum, null, null, y, x);
  return y;
}

export class BasicBlock extends Module {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;
  constructor(a: BlockArgs) {
    super();
    if (a.groups !== 1 || a.baseWidth !== 64)
      throw new Error('BasicBlock only supports groups=1 and baseWidth=64');
    if (a.dilation > 1) throw new Error('BasicBlock: dilation > 1 is not supported');
    this.conv1 = this.registerModule('conv1', conv3x3(a.inplanes, a.planes, a.stride));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(a.planes));
    this.relu = this.registerModule('relu', new ReLU());
    this.conv2 = this.registerModule('conv2', conv3x3(a.planes, a.planes));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(a.planes));
    this.downsample = this.registerModule('downsample', a.downsample);
  }
  forward(x: Tensor): Tensor {
    // (in inference each intermediate goes back to the pool once read: see nn/transient.ts)
    const out = runChain(x, [this.conv1, this.bn1, this.relu, this.conv2, this.bn2]);
    return residual(out, this.bn2, x, this.downsample);
  }
}

export class Bottleneck extends Module {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly relu: ReLU;
  readonly downsample: Sequential | null;
  constructor(a: BlockArgs) {
    super();
    const width = Math.floor(a.planes * (a.baseWidth / 64)) * a.groups;
    this.conv1 = this.registerModule('conv1', conv1x1(a.inplanes, width));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(width));
    this.conv2 = this.registerModule('conv2', conv3x3(width, width, a.stride, a.groups, a.dilation));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(width));
    this.conv3 = this.registerModule('conv3', conv1x1(width, a.planes * 4));
    this.bn3 = this.registerModule('bn3', new BatchNorm2d(a.planes * 4));
    this.relu = this.registerModule('relu', new ReLU());
    this.downsample = this.registerModule('downsample', a.downsample);
  }
  forward(x: Tensor): Tensor {
    const { conv1, bn1, conv2, bn2, conv3, bn3, relu } = this;
    const out = runChain(x, [conv1, bn1, relu, conv2, bn2, relu, conv3, bn3]);
    return residual(out, bn3, x, this.downsample);
  }
}

type BlockClass = (typeof BasicBlock | typeof Bottleneck) & { expansion: number };

export interface ResNetOptions extends ModelOptions {
  zeroInitResidual?: boolean;
  groups?: number;
  widthPerGroup?: number;
  replaceStrideWithDilation?: [boolean, boolean, boolean];
}

export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu: ReLU;
  readonly maxpool: MaxPool2d;
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly layer4: Sequential;
  readonly avgpool: AdaptiveAvgPool2d;
  fc: Layer;
  private inplanes = 64;
  private dilation = 1;
  private readonly groups: number;
  private readonly baseWidth: number;

  constructor(block: BlockClass, layers: [number, number, number, number], opts: ResNetOptions = {}) {
    super();
    const numClasses = checkNumClasses('ResNet', opts.numClasses ?? 1000);
    const rswd = opts.replaceStrideWithDilation ?? [false, false, false];
    this.groups = opts.groups ?? 1;
    this.baseWidth = opts.widthPerGroup ?? 64;
    this.conv1 = this.registerModule('conv1', new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(64));
    this.relu = this.registerModule('relu', new ReLU());
    this.maxpool = this.registerModule('maxpool', new MaxPool2d(3, { stride: 2, padding: 1 }));
    this.layer1 = this.registerModule('layer1', this.makeLayer(block, 64, layers[0]));
    this.layer2 = this.registerModule('layer2', this.makeLayer(block, 128, layers[1], 2, rswd[0]));
    this.layer3 = this.registerModule('layer3', this.makeLayer(block, 256, layers[2], 2, rswd[1]));
    this.layer4 = this.registerModule('layer4', this.makeLayer(block, 512, layers[3], 2, rswd[2]));
    this.avgpool = this.registerModule('avgpool', new AdaptiveAvgPool2d([1, 1]));
    this.fc = this.registerModule('fc', new Linear(512 * block.expansion, numClasses));
    heInitConvs(this);
    if (opts.zeroInitResidual) {
      for (const m of this.modules()) {
        if (m instanceof Bottleneck && m.bn3.weight) init.zeros_(m.bn3.weight);
        else if (m instanceof BasicBlock && m.bn2.weight) init.zeros_(m.bn2.weight);
      }
    }
  }

  private makeLayer(
    block: BlockClass,
    planes: number,
    blocks: number,
    stride = 1,
    dilate = false,
  ): Sequential {
    let downsample: Sequential | null = null;
    const previousDilation = this.dilation;
    if (dilate) {
      this.dilation *= stride;
      stride = 1;
    }
    // the downsample path is built before the block, as in torchvision (same draw order)
    if (stride !== 1 || this.inplanes !== planes * block.expansion) {
      downsample = new Sequential(
        conv1x1(this.inplanes, planes * block.expansion, stride),
        new BatchNorm2d(planes * block.expansion),
      );
    }
    const seq = new Sequential();
    const common = { planes, groups: this.groups, baseWidth: this.baseWidth };
    seq.append(
      new block({ ...common, inplanes: this.inplanes, stride, downsample, dilation: previousDilation }),
    );
    this.inplanes = planes * block.expansion;
    for (let i = 1; i < blocks; i++) {
      seq.append(
        new block({
          ...common,
          inplanes: this.inplanes,
          stride: 1,
          downsample: null,
          dilation: this.dilation,
        }),
      );
    }
    return seq;
  }

  forward(x: Tensor): Tensor {
    const { conv1, bn1, relu, maxpool, layer1, layer2, layer3, layer4, avgpool, fc } = this;
    const flat = (t: Tensor) => fc.forward(ops.flatten(t, 1));
    return runChain(x, [conv1, bn1, relu, maxpool, layer1, layer2, layer3, layer4, avgpool, [fc, flat]]);
  }
}

keepsNoTensors(BasicBlock, 'container');
keepsNoTensors(Bottleneck, 'container');
keepsNoTensors(ResNet, 'container');

export const resnet18 = (o: ResNetOptions = {}) => new ResNet(BasicBlock, [2, 2, 2, 2], o);
export const resnet34 = (o: ResNetOptions = {}) => new ResNet(BasicBlock, [3, 4, 6, 3], o);
export const resnet50 = (o: ResNetOptions = {}) => new ResNet(Bottleneck, [3, 4, 6, 3], o);
export const resnet101 = (o: ResNetOptions = {}) => new ResNet(Bottleneck, [3, 4, 23, 3], o);
export const resnet152 = (o: ResNetOptions = {}) => new ResNet(Bottleneck, [3, 8, 36, 3], o);
export const resnext50_32x4d = (o: ResNetOptions = {}) =>
  new ResNet(Bottleneck, [3, 4, 6, 3], { groups: 32, widthPerGroup: 4, ...o });
export const resnext101_32x8d = (o: ResNetOptions = {}) =>
  new ResNet(Bottleneck, [3, 4, 23, 3], { groups: 32, widthPerGroup: 8, ...o });
export const wideResnet50_2 = (o: ResNetOptions = {}) =>
  new ResNet(Bottleneck, [3, 4, 6, 3], { widthPerGroup: 128, ...o });
export const wideResnet101_2 = (o: ResNetOptions = {}) =>
  new ResNet(Bottleneck, [3, 4, 23, 3], { widthPerGroup: 128, ...o });
