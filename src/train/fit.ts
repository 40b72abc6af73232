// The fit loop: epochs of forward/backward/step over a loader, optional L1/L2 penalties, gradient clipping,
// LR scheduling (per epoch or per batch), validation, callbacks and a history with per-layer norms.
import { noGrad } from '../autograd/grad-mode.js';
import type { Module } from '../nn/module.js';
import * as F from '../nn/functional/index.js';
import * as ops from '../ops/index.js';
import type { Optimizer } from '../optim/optimizer.js';
import { clipGradNorm_ } from '../optim/clip-grad.js';
import { l1Penalty } from '../optim/regularization.js';
import { LRScheduler } from '../optim/lr-scheduler/scheduler.js';
import { ReduceLROnPlateau } from '../optim/lr-scheduler/plateau.js';
import { OneCycleLR } from '../optim/lr-scheduler/one-cycle.js';
import { Tensor } from '../tensor/tensor.js';
import { Progress } from '../util/progress.js';
import type { Callback } from './callbacks.js';
import { MetricAccumulator, type ClassificationReport } from './metrics.js';

export type Batch = readonly [Tensor, Tensor] | { x: Tensor; y: Tensor };
export type BatchSource = (AsyncIterable<Batch> | Iterable<Batch>) & { readonly length?: number };
export type Classifier = Module<[Tensor], Tensor>;
export type LossFn = (logits: Tensor, target: Tensor) => Tensor;

export interface LayerStat {
  name: string;
  /** L2 norm of the parameter at the end of the epoch. */
  weightNorm: number;
  /** Mean L2 norm of its gradient over the epoch's steps. */
  gradNorm: number;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  valLoss: number | null;
  valAcc: number | null;
  lr: number;
  seconds: number;
  /** Training images per second (validation excluded). */
  imagesPerSec: number;
  layers: LayerStat[];
}

export interface History {
  epochs: EpochRecord[];
  /** Why training stopped early, if it did. */
  stoppedReason: string | null;
  /** Per-parameter gradient norms sampled every `gradLogEvery` steps: { step, norms: { name: norm } }. */
  gradSteps: { step: number; norms: Record<string, number> }[];
}

export interface FitOptions {
  model: Classifier;
  optimizer: Optimizer;
  trainLoader: BatchSource;
  valLoader?: BatchSource | null;
  epochs: number;
  lossFn?: LossFn;
  scheduler?: LRScheduler | ReduceLROnPlateau | null;
  /** When the scheduler steps; OneCycleLR defaults to 'batch', the rest to 'epoch'. */
  schedulerInterval?: 'epoch' | 'batch';
  callbacks?: Callback[];
  /** Explicit penalties added to the loss: l1·Σ|w| and l2·Σw² over weights (params with ≥ 2 dims). */
  regularization?: { l1?: number; l2?: number };
  /** Clip the global gradient norm to this value before each step. */
  clipGradNorm?: number | null;
  numClasses?: number;
  /** Where lines go (default console.log). */
  log?: (line: string) => void;
  /** A live bar per epoch (default: on a TTY). */
  progress?: boolean;
  /** Resume: the epoch to start from (0-based) and the history so far. */
  startEpoch?: number;
  history?: History;
  /** Sample per-parameter gradient norms every this many steps (default 10). */
  gradLogEvery?: number;
}

export interface FitContext {
  readonly model: Classifier;
  readonly optimizer: Optimizer;
  readonly history: History;
  epoch: number;
  step: number;
  /** (parameter name, gradient norm) of the last step. */
  lastGradNorms: [string, number][];
  log(line: string): void;
  /** Ask the loop to stop after this step/epoch; `error` makes fit() throw with the reason. */
  stop(reason: string, error?: boolean): void;
}

function unpack(b: Batch): [Tensor, Tensor] {
  if (Array.isArray(b)) return [b[0] as Tensor, b[1] as Tensor];
  const o = b as { x: Tensor; y: Tensor };
  if (!(o.x instanceof Tensor) || !(o.y instanceof Tensor))
    throw new Error('fit: a batch must be [inputs, targets] or { x, y } tensors');
  return [o.x, o.y];
}

function norm(d: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i]! * d[i]!;
  return Math.sqrt(s);
}

function correctCount(logits: Tensor, y: Tensor): number {
  const pred = ops.argmax(logits, 1);
  let c = 0;
  for (let i = 0; i < pred.numel; i++) if (pred.data[i] === y.data[i]) c++;
  return c;
}

/** Train `model`; returns the history (also kept on `opts.history` when resuming). */
export async function fit(opts: FitOptions): Promise<History> {
  const { model, optimizer } = opts;
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1)
    throw new Error(`fit: epochs must be a positive integer, got ${opts.epochs}`);
  const lossFn: LossFn = opts.lossFn ?? ((o, t) => F.crossEntropy(o, t));
  const log = opts.log ?? ((l: string) => console.log(l));
  const callbacks = opts.callbacks ?? [];
  const interval = opts.schedulerInterval ?? (opts.scheduler instanceof OneCycleLR ? 'batch' : 'epoch');
  const history: History = opts.history ?? { epochs: [], stoppedReason: null, gradSteps: [] };
  const named = model.namedParameters();
  const gradEvery = opts.gradLogEvery ?? 10;
  let stopReason: string | null = null;
  let stopError = false;
  const ctx: FitContext = {
    model,
    optimizer,
    history,
    epoch: opts.startEpoch ?? 0,
    step: 0,
    lastGradNorms: [],
    log,
    stop(reason, error = false) {
      stopReason ??= reason;
      stopError ||= error;
    },
  };
  for (const c of callbacks) await c.onTrainBegin?.(ctx);
  const l1 = opts.regularization?.l1 ?? 0;
  const l2 = opts.regularization?.l2 ?? 0;
  const weights = named.filter(([, p]) => p.ndim >= 2).map(([, p]) => p);

  for (let epoch = opts.startEpoch ?? 0; epoch < opts.epochs && stopReason === null; epoch++) {
    ctx.epoch = epoch + 1;
    for (const c of callbacks) await c.onEpochBegin?.(ctx);
    model.train();
    const t0 = Date.now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    const gradSums = new Map<string, number>();
    let steps = 0;
    const total = opts.trainLoader.length ?? 0;
    const bar = new Progress(`epoch ${epoch + 1}/${opts.epochs}`, total, { enabled: opts.progress });
    for await (const batch of opts.trainLoader as AsyncIterable<Batch>) {
      const [x, y] = unpack(batch);
      const logits = model.forward(x);
      let loss = lossFn(logits, y);
      const dataLoss = loss.item();
      if (l1 > 0) loss = ops.add(loss, l1Penalty(weights, l1));
      if (l2 > 0)
        loss = ops.add(
          loss,
          ops.mul(
            weights.map((w) => ops.sum(ops.mul(w, w))).reduce((a, b) => ops.add(a, b)),
            l2,
          ),
        );
      optimizer.zeroGrad();
      loss.backward();
      ctx.step++;
      steps++;
      const norms: [string, number][] = named
        .filter(([, p]) => p.grad !== null)
        .map(([n, p]) => [n, norm(p.grad!.data)]);
      ctx.lastGradNorms = norms;
      for (const [n, g] of norms) gradSums.set(n, (gradSums.get(n) ?? 0) + g);
      if (gradEvery > 0 && ctx.step % gradEvery === 1)
        history.gradSteps.push({ step: ctx.step, norms: Object.fromEntries(norms) });
      if (opts.clipGradNorm) clipGradNorm_(model.parameters(), opts.clipGradNorm);
      for (const c of callbacks) await c.onBatchEnd?.(ctx, dataLoss);
      if (stopReason !== null) break;
      optimizer.step();
      if (interval === 'batch' && opts.scheduler instanceof LRScheduler) opts.scheduler.step();
      const n = x.shape[0]!;
      lossSum += dataLoss * n;
      correct += noGrad(() => correctCount(logits, y));
      seen += n;
      bar.tick(1, `loss ${(lossSum / seen).toFixed(4)} acc ${(correct / seen).toFixed(4)}`);
    }
    bar.stop();
    const trainSeconds = (Date.now() - t0) / 1000;
    if (stopReason !== null && stopError) break;
    const lr = optimizer.paramGroups[0]?.lr ?? NaN;
    let valLoss: number | null = null;
    let valAcc: number | null = null;
    if (opts.valLoader) {
      const r = await evaluate(model, opts.valLoader, { lossFn, numClasses: opts.numClasses });
      valLoss = r.loss;
      valAcc = r.accuracy;
    }
    const seconds = (Date.now() - t0) / 1000;
    const record: EpochRecord = {
      epoch: epoch + 1,
      trainLoss: seen ? lossSum / seen : NaN,
      trainAcc: seen ? correct / seen : NaN,
      valLoss,
      valAcc,
      lr,
      seconds,
      imagesPerSec: seen / Math.max(trainSeconds, 1e-9),
      layers: named.map(([name, p]) => ({
        name,
        weightNorm: norm(p.data),
        gradNorm: steps ? (gradSums.get(name) ?? 0) / steps : 0,
      })),
    };
    history.epochs.push(record);
    log(
      `epoch ${record.epoch}/${opts.epochs}: train loss ${record.trainLoss.toFixed(4)} acc ${record.trainAcc.toFixed(4)}` +
        (valLoss !== null ? ` | val loss ${valLoss.toFixed(4)} acc ${valAcc!.toFixed(4)}` : '') +
        ` | lr ${optimizer.paramGroups.map((g) => g.lr.toPrecision(3)).join('/')} | ${seconds.toFixed(1)} s, ${Math.round(record.imagesPerSec)} img/s`,
    );
    if (opts.scheduler instanceof ReduceLROnPlateau) opts.scheduler.step(valLoss ?? record.trainLoss);
    else if (interval === 'epoch' && opts.scheduler) opts.scheduler.step();
    for (const c of callbacks) await c.onEpochEnd?.(ctx, record);
  }
  history.stoppedReason = stopReason;
  if (stopReason !== null) log(stopReason);
  for (const c of callbacks) await c.onTrainEnd?.(ctx);
  if (stopError) throw new Error(stopReason!);
  return history;
}

export interface EvaluateOptions {
  lossFn?: LossFn;
  numClasses?: number;
  classNames?: readonly string[];
}

/** Run `model` in eval mode over `loader` without gradients; returns loss, accuracy and per-class metrics. */
export async function evaluate(
  model: Classifier,
  loader: BatchSource,
  opts: EvaluateOptions = {},
): Promise<ClassificationReport> {
  const lossFn: LossFn = opts.lossFn ?? ((o, t) => F.crossEntropy(o, t));
  const wasTraining = model.training;
  model.eval();
  let acc: MetricAccumulator | null = null;
  try {
    for await (const batch of loader as AsyncIterable<Batch>) {
      const [x, y] = unpack(batch);
      const [logits, loss] = noGrad(() => {
        const o = model.forward(x);
        return [o, lossFn(o, y).item()] as const;
      });
      acc ??= new MetricAccumulator(opts.numClasses ?? logits.shape[1]!, opts.classNames);
      acc.update(logits, y, loss);
    }
  } finally {
    if (wasTraining) model.train();
  }
  if (!acc) throw new Error('evaluate: the loader produced no batches');
  return acc.compute();
}
