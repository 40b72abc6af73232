// Parameter-free layers: activations, softmax, pooling and dropout, each a thin module over nn.functional.
import type { Tensor } from '../../tensor/tensor.js';
import * as ops from '../../ops/index.js';
import * as F from '../functional/index.js';
import type { Generator } from '../../tensor/generator.js';
import { Module } from '../module.js';
import { isReluLayer, keepsNoTensors } from '../transient.js';
import { pyFloat } from '../repr.js';

type Pair = number | readonly [number, number];
const fmt = (v: Pair) => (typeof v === 'number' ? String(v) : `(${v[0]}, ${v[1]})`);

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return ops.relu(x);
  }
}
export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return ops.relu6(x);
  }
}
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return ops.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }
  forward(x: Tensor): Tensor {
    return ops.gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return ops.silu(x);
  }
}
export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return ops.hardswish(x);
  }
}
export class Hardsigmoid extends Module {
  forward(x: Tensor): Tensor {
    return ops.hardsigmoid(x);
  }
}
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return ops.sigmoid(x);
  }
}
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return ops.tanh(x);
  }
}
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return ops.softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    return ops.logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly opts: F.MaxPool2dOptions = {},
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.kernelSize, this.opts);
  }
  override extraRepr(): string {
    const o = this.opts;
    return `kernel_size=${fmt(this.kernelSize)}, stride=${fmt(o.stride ?? this.kernelSize)}, padding=${fmt(o.padding ?? 0)}, dilation=${fmt(o.dilation ?? 1)}, ceil_mode=${o.ceilMode ? 'True' : 'False'}`;
  }
}

export class AvgPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly opts: F.AvgPool2dOptions = {},
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.kernelSize, this.opts);
  }
  override extraRepr(): string {
    const o = this.opts;
    return `kernel_size=${fmt(this.kernelSize)}, stride=${fmt(o.stride ?? this.kernelSize)}, padding=${fmt(o.padding ?? 0)}`;
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly [number | null, number | null]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    const o = this.outputSize;
    return `output_size=${typeof o === 'number' ? o : `(${o[0] ?? 'None'}, ${o[1] ?? 'None'})`}`;
  }
}

/** Zeroes elements with probability p in training mode (seeded by the default generator or `generator`). */
export class Dropout extends Module {
  constructor(
    readonly p = 0.5,
    readonly opts: { generator?: Generator } = {},
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: probability has to be between 0 and 1, got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, { training: this.training, ...this.opts });
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}

/** Zeroes whole channels with probability p in training mode. */
export class Dropout2d extends Module {
  constructor(
    readonly p = 0.5,
    readonly opts: { generator?: Generator } = {},
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout2d: probability has to be between 0 and 1, got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return F.dropout2d(x, this.p, { training: this.training, ...this.opts });
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}

for (const cls of [
  ReLU,
  ReLU6,
  LeakyReLU,
  GELU,
  SiLU,
  Hardswish,
  Hardsigmoid,
  Sigmoid,
  Tanh,
  Softmax,
  LogSoftmax,
  MaxPool2d,
  AvgPool2d,
  AdaptiveAvgPool2d,
  Dropout,
  Dropout2d,
])
  keepsNoTensors(cls);
isReluLayer(ReLU);
