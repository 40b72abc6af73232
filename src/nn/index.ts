// nn: Module and Parameter, layers with torch's names and default initialisation, losses, init, functional.
export * as functional from './functional/index.js';
export * as init from './init.js';
export { Module, type StateDict, type LoadResult } from './module.js';
export { Parameter } from './parameter.js';
export {
  Linear,
  Conv2d,
  Identity,
  Flatten,
  type LinearOptions,
  type Conv2dLayerOptions,
} from './layers/linear.js';
export { BatchNorm1d, BatchNorm2d, LayerNorm, type BatchNormOptions } from './layers/norm.js';
export {
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
} from './layers/simple.js';
export { Sequential, ModuleList, ModuleDict } from './layers/containers.js';
export {
  CrossEntropyLoss,
  NLLLoss,
  MSELoss,
  L1Loss,
  SmoothL1Loss,
  BCEWithLogitsLoss,
} from './layers/loss.js';
