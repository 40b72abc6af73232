// optim: optimizers (SGD, Adam, AdamW, RMSprop, Adagrad) on a common Optimizer base, gradient clipping, L1
// regularisation, the pure update kernels (functional) and learning-rate schedulers (lrScheduler).
export {
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type Params,
  type OptimizerStateDict,
  type StateDictValue,
} from './optimizer.js';
export { SGD, type SGDOptions, type SGDParamGroup, type SGDState } from './sgd.js';
export { Adam, AdamW, type AdamOptions, type AdamParamGroup, type AdamState } from './adam.js';
export { RMSprop, type RMSpropOptions, type RMSpropParamGroup, type RMSpropState } from './rmsprop.js';
export { Adagrad, type AdagradOptions, type AdagradParamGroup, type AdagradState } from './adagrad.js';
export { clipGradNorm_, clipGradValue_, type ClipGradNormOptions } from './clip-grad.js';
export { l1Penalty } from './regularization.js';
export * as functional from './functional.js';
export * as lrScheduler from './lr-scheduler/index.js';
