// A whole training run as the CLI does it: seed, data, model, init, optimizer, schedule, fit with callbacks and
// per-epoch checkpoints (resumable exactly), test evaluation, and the run directory with its report.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadCheckpoint, saveCheckpoint } from '../io/checkpoint.js';
import { save } from '../io/weights.js';
import { Conv2d, Linear } from '../nn/layers/linear.js';
import type { Parameter } from '../nn/parameter.js';
import { defaultGenerator, manualSeed } from '../tensor/generator.js';
import { Tensor } from '../tensor/tensor.js';
import { EarlyStopping, ModelCheckpoint, NanGuard, type Callback } from './callbacks.js';
import { evaluate, fit, type Classifier, type History } from './fit.js';
import type { ClassificationReport } from './metrics.js';
import {
  applyInit,
  buildData,
  buildModel,
  buildOptimizer,
  buildScheduler,
  loaders,
  type DataBundle,
} from './recipe.js';
import { histogram, type LayerHistograms, type ReportData } from './report-data.js';
import { writeReport } from './report.js';

export interface RunConfig {
  model: string;
  dataset: string;
  dataDir?: string | null;
  epochs: number;
  batchSize: number;
  lr?: number;
  optimizer: string;
  momentum?: number;
  weightDecay?: number;
  l1?: number;
  l2?: number;
  dropout?: number;
  init: string;
  scheduler: string;
  /** Early-stopping patience in epochs (null: off). */
  earlyStopping?: number | null;
  valSplit: number;
  augment: boolean;
  seed: number;
  numWorkers?: number;
  clipGradNorm?: number | null;
  /** The run directory. */
  out: string;
  /** A checkpoint.pth to resume from. */
  resume?: string | null;
  progress?: boolean;
  /** Don't write report.html (e.g. inside compare-init). */
  noReport?: boolean;
  /** Square size imagefolder images are resized to (default 64). */
  imageSize?: number;
}

export interface RunResult {
  runDir: string;
  history: History;
  metrics: ClassificationReport | null;
  model: Classifier;
  data: DataBundle;
}

function layerWeights(model: Classifier): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  for (const [name, m] of model.namedModules())
    if (m instanceof Conv2d || m instanceof Linear) out.push([`${name}.weight`, m.weight]);
  return out;
}

export function historyCsv(h: History): string {
  const rows = ['epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds,images_per_sec'];
  for (const e of h.epochs)
    rows.push(
      [
        e.epoch,
        e.trainLoss,
        e.trainAcc,
        e.valLoss ?? '',
        e.valAcc ?? '',
        e.lr,
        e.seconds.toFixed(3),
        e.imagesPerSec.toFixed(1),
      ].join(','),
    );
  return rows.join('\n') + '\n';
}

export interface RunHooks {
  /** Build the model instead of the zoo's fresh one (e.g. pretrained weights with a new head). */
  model?: (data: DataBundle) => Classifier | Promise<Classifier>;
  /** Parameter groups for the optimizer (e.g. discriminative learning rates). */
  paramGroups?: (model: Classifier) => { params: Parameter[]; lr: number }[];
  /** Give grayscale datasets 3 channels. */
  rgb?: boolean;
  /** Extra entries for the report's config table. */
  notes?: Record<string, unknown>;
}

/** Train as configured and write the run directory; returns what was trained and measured. */
export async function runTraining(
  cfg: RunConfig,
  log: (l: string) => void = (l) => console.log(l),
  hooks: RunHooks = {},
): Promise<RunResult> {
  const runDir = resolve(cfg.out);
  await mkdir(runDir, { recursive: true });
  manualSeed(cfg.seed);
  const data = buildData({
    dataset: cfg.dataset,
    dataDir: cfg.dataDir,
    valSplit: cfg.valSplit,
    augment: cfg.augment,
    seed: cfg.seed,
    rgb: hooks.rgb,
    imageSize: cfg.imageSize,
  });
  const dl = loaders(data, cfg.batchSize, cfg.seed, cfg.numWorkers ?? 0);
  let model: Classifier;
  if (hooks.model) model = await hooks.model(data);
  else {
    model = buildModel(cfg.model, data, { dropout: cfg.dropout });
    applyInit(model, cfg.init);
  }
  const startHist = layerWeights(model).map(([n, w]) => [n, histogram(w)] as const);
  const params = hooks.paramGroups
    ? hooks.paramGroups(model)
    : model.parameters().filter((p) => p.requiresGrad);
  const optimizer = buildOptimizer(params, cfg);
  const scheduler = buildScheduler(optimizer, cfg.scheduler, cfg.epochs, dl.train.length);
  log(
    `training ${cfg.model} on ${data.source}: ${data.train.length} train / ${data.val?.length ?? 0} val / ${data.test?.length ?? 0} test images, ` +
      `${data.numClasses} classes; ${model.numParameters().toLocaleString('en-US')} parameters; ${cfg.optimizer} lr ${optimizer.paramGroups[0]!.lr}, ` +
      `init ${cfg.init}, ${cfg.epochs} epochs of ${dl.train.length} batches`,
  );

  let startEpoch = 0;
  let history: History | undefined;
  if (cfg.resume) {
    const ck = await loadCheckpoint(cfg.resume, {
      model,
      optimizer,
      scheduler: scheduler ?? undefined,
      generator: defaultGenerator,
    });
    startEpoch = ck.epoch ?? 0;
    const ex = ck.extra as { history?: string; loaderRng?: Tensor };
    if (ex.history) history = JSON.parse(ex.history) as History;
    if (ex.loaderRng instanceof Tensor && dl.train.generator)
      dl.train.generator.setState(Uint8Array.from(ex.loaderRng.data));
    log(`resumed from ${cfg.resume} after epoch ${startEpoch}`);
  }

  const ckptPath = join(runDir, 'checkpoint.pth');
  const checkpointer: Callback = {
    async onEpochEnd(ctx, r) {
      const g = dl.train.generator?.getState();
      await saveCheckpoint(ckptPath, {
        model,
        optimizer,
        scheduler: scheduler ?? undefined,
        generator: defaultGenerator,
        epoch: r.epoch,
        step: ctx.step,
        extra: {
          history: JSON.stringify(ctx.history),
          ...(g ? { loaderRng: new Tensor(Uint8Array.from(g), [g.length], 'uint8') } : {}),
        },
      });
    },
  };
  const callbacks: Callback[] = [
    new NanGuard(),
    checkpointer,
    new ModelCheckpoint({ dir: runDir, monitor: data.val ? 'valAcc' : 'trainAcc', saveLast: false }),
  ];
  if (cfg.earlyStopping != null)
    callbacks.unshift(
      new EarlyStopping({ patience: cfg.earlyStopping, monitor: data.val ? 'valLoss' : 'trainLoss' }),
    );
  const t0 = Date.now();
  history = await fit({
    model,
    optimizer,
    trainLoader: dl.train,
    valLoader: dl.val,
    epochs: cfg.epochs,
    scheduler,
    callbacks,
    regularization: { l1: cfg.l1 ?? 0, l2: cfg.l2 ?? 0 },
    clipGradNorm: cfg.clipGradNorm ?? null,
    numClasses: data.numClasses,
    log,
    progress: cfg.progress,
    startEpoch,
    history,
  });
  let metrics: ClassificationReport | null = null;
  if (dl.test) {
    metrics = await evaluate(model, dl.test, { numClasses: data.numClasses, classNames: data.classNames });
    log(
      `test: loss ${metrics.loss!.toFixed(4)}, accuracy ${(metrics.accuracy * 100).toFixed(2)} %, macro F1 ${metrics.f1.toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
  }
  const endHist = new Map(layerWeights(model).map(([n, w]) => [n, histogram(w)]));
  const weightHistograms: LayerHistograms[] = startHist.map(([name, start]) => ({
    name,
    start,
    end: endHist.get(name)!,
  }));
  await save(model.stateDict(), join(runDir, 'model.pth'));
  await writeFile(join(runDir, 'history.json'), JSON.stringify(history, null, 1));
  await writeFile(join(runDir, 'history.csv'), historyCsv(history));
  if (metrics) await writeFile(join(runDir, 'metrics.json'), JSON.stringify(metrics, null, 1));
  const report: ReportData = {
    title: `${cfg.model} on ${cfg.dataset}`,
    createdAt: new Date().toISOString(),
    config: {
      ...cfg,
      lr: cfg.lr ?? optimizer.paramGroups[0]!.lr,
      ...hooks.notes,
      dataSource: data.source,
      numClasses: data.numClasses,
      parameters: model.numParameters(),
      trainableParameters: model.numParameters({ trainableOnly: true }),
    },
    history,
    metrics,
    weightHistograms,
    initComparison: null,
  };
  await writeFile(join(runDir, 'report.json'), JSON.stringify(report));
  if (!cfg.noReport) await writeReport(runDir, report);
  log(
    `wrote ${runDir}: model.pth, best.pth, checkpoint.pth, history.csv, history.json${metrics ? ', metrics.json' : ''}, report.html`,
  );
  return { runDir, history, metrics, model, data };
}
