// train: the fit loop, evaluation, metrics and callbacks.
export {
  fit,
  evaluate,
  type FitOptions,
  type FitContext,
  type History,
  type EpochRecord,
  type LayerStat,
  type Batch,
  type BatchSource,
  type EvaluateOptions,
} from './fit.js';
export {
  EarlyStopping,
  NanGuard,
  ModelCheckpoint,
  type ModelCheckpointOptions,
  type Callback,
  type EarlyStoppingOptions,
  type Monitor,
} from './callbacks.js';
export {
  MetricAccumulator,
  formatReport,
  formatConfusion,
  type ClassificationReport,
  type ClassMetrics,
} from './metrics.js';
export {
  histogram,
  type ReportData,
  type Histogram,
  type LayerHistograms,
  type InitRun,
} from './report-data.js';
export { renderReport, writeReport } from './report.js';
export { runTraining, historyCsv, type RunConfig, type RunResult, type RunHooks } from './run.js';
export { compareInits } from './compare.js';
export { finetune, type FinetuneOptions } from './finetune.js';
export {
  evaluateWeights,
  predictImages,
  modelFromWeights,
  readStateDict,
  type Prediction,
} from './predict.js';
export {
  buildData,
  buildModel,
  buildOptimizer,
  buildScheduler,
  applyInit,
  loaders,
  DATASETS,
  INITS,
  OPTIMIZERS,
  SCHEDULERS,
  type DataBundle,
  type DataOptions,
} from './recipe.js';
