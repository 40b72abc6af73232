// nn.functional: the NN ops (PyTorch's F.*), plus the activations and softmax family re-exported from ops.
export { linear } from './linear.js';
export { conv2d, type Conv2dOptions, type Pair } from './conv.js';
export {
  maxPool2d,
  avgPool2d,
  adaptiveAvgPool2d,
  type MaxPool2dOptions,
  type AvgPool2dOptions,
} from './pool.js';
export { batchNorm, batchNormEvalInPlace, layerNorm, type BatchNormOptions } from './norm.js';
export { dropout, dropout2d, type DropoutOptions } from './dropout.js';
export {
  crossEntropy,
  nllLoss,
  mseLoss,
  l1Loss,
  smoothL1Loss,
  binaryCrossEntropyWithLogits,
  type Reduction,
  type CrossEntropyOptions,
  type NllLossOptions,
  type BceWithLogitsOptions,
} from './loss.js';
export {
  relu,
  relu6,
  leakyRelu,
  gelu,
  silu,
  hardswish,
  hardsigmoid,
  sigmoid,
  tanh,
  softplus,
  softmax,
  logSoftmax,
  pad,
} from '../../ops/index.js';
