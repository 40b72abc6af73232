// Linear, Conv2d, Identity and Flatten layers: torch's constructors, parameter names and default init
// (kaiming_uniform with a=√5 for weights, U(±1/√fan_in) for biases).
import type { Tensor } from '../../tensor/tensor.js';
import { empty } from '../../tensor/creation.js';
import * as ops from '../../ops/index.js';
import * as F from '../functional/index.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import { keepsNoTensors } from '../transient.js';
import type { Parameter } from '../parameter.js';
import type { DType } from '../../tensor/dtype.js';

type Pair = number | readonly [number, number];
const pairStr = (v: Pair) => (typeof v === 'number' ? `(${v}, ${v})` : `(${v[0]}, ${v[1]})`);

function checkCount(layer: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0)
    throw new Error(`${layer}: ${name} must be a positive integer, got ${v}`);
}

/** torch's reset_parameters of Linear and Conv: kaiming_uniform(a=√5) then U(-1/√fan_in, 1/√fan_in) bias. */
function resetWeightBias(weight: Tensor, bias: Tensor | null): void {
  // a=sqrt(5) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)), PyTorch's default
  init.kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const { fanIn } = init.calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    init.uniform_(bias, -bound, bound);
  }
}

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
}

/** y = x Wᵀ + b, weight [out, in]. */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    checkCount('Linear', 'inFeatures', inFeatures);
    checkCount('Linear', 'outFeatures', outFeatures);
    const dtype = opts.dtype ?? 'float32';
    this.weight = this.registerParameter('weight', empty([outFeatures, inFeatures], { dtype }));
    this.bias =
      (opts.bias ?? true)
        ? this.registerParameter('bias', empty([outFeatures], { dtype }))
        : this.registerParameter('bias', null);
    this.resetParameters();
  }
  resetParameters(): void {
    resetWeightBias(this.weight, this.bias);
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? 'True' : 'False'}`;
  }
}

export interface Conv2dLayerOptions {
  stride?: Pair;
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  dtype?: DType;
}

/** 2-d convolution, weight [out, in/groups, kH, kW]. */
export class Conv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly kernelSize: [number, number];
  readonly stride: Pair;
  readonly padding: Pair | 'same' | 'valid';
  readonly dilation: Pair;
  readonly groups: number;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    opts: Conv2dLayerOptions = {},
  ) {
    super();
    checkCount('Conv2d', 'inChannels', inChannels);
    checkCount('Conv2d', 'outChannels', outChannels);
    this.groups = opts.groups ?? 1;
    checkCount('Conv2d', 'groups', this.groups);
    if (inChannels % this.groups !== 0)
      throw new Error(`Conv2d: inChannels ${inChannels} must be divisible by groups ${this.groups}`);
    if (outChannels % this.groups !== 0)
      throw new Error(`Conv2d: outChannels ${outChannels} must be divisible by groups ${this.groups}`);
    this.kernelSize =
      typeof kernelSize === 'number' ? [kernelSize, kernelSize] : [kernelSize[0], kernelSize[1]];
    this.kernelSize.forEach((k) => checkCount('Conv2d', 'kernelSize', k));
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    const dtype = opts.dtype ?? 'float32';
    this.weight = this.registerParameter(
      'weight',
      empty([outChannels, inChannels / this.groups, ...this.kernelSize], { dtype }),
    );
    this.bias =
      (opts.bias ?? true)
        ? this.registerParameter('bias', empty([outChannels], { dtype }))
        : this.registerParameter('bias', null);
    this.resetParameters();
  }
  resetParameters(): void {
    resetWeightBias(this.weight, this.bias);
  }
  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pairStr(this.kernelSize)}, stride=${pairStr(this.stride)}`;
    if (this.padding !== 0)
      s += `, padding=${typeof this.padding === 'string' ? this.padding : pairStr(this.padding)}`;
    if (this.dilation !== 1) s += `, dilation=${pairStr(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    return s;
  }
}

/** Passes its input through unchanged (a placeholder, e.g. for a removed head). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Flattens dims startDim..endDim (default 1..-1: keeps the batch dim). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return ops.flatten(x, this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

for (const cls of [Linear, Conv2d, Identity, Flatten]) keepsNoTensors(cls);
