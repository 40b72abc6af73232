// Learning-rate schedulers (torch.optim.lr_scheduler): epoch-based schedules on LRScheduler, plus
// ReduceLROnPlateau, driven by a metric.
export {
  LRScheduler,
  type AnyOptimizer,
  type SchedulerOptions,
  type SchedulerStateDict,
} from './scheduler.js';
export {
  StepLR,
  MultiStepLR,
  ExponentialLR,
  ConstantLR,
  LinearLR,
  LambdaLR,
  type StepLROptions,
  type MultiStepLROptions,
  type ExponentialLROptions,
  type ConstantLROptions,
  type LinearLROptions,
  type LambdaLROptions,
  type LrLambda,
} from './basic.js';
export {
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  type CosineAnnealingLROptions,
  type CosineAnnealingWarmRestartsOptions,
} from './cosine.js';
export { OneCycleLR, type OneCycleLROptions } from './one-cycle.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './plateau.js';
export { SequentialLR, type SequentialLROptions } from './sequential.js';
