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
