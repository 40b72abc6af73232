// Building blocks of a training run, shared by the CLI commands: datasets by name, models, weight-initialisation
// schemes, optimizers and LR schedulers from plain options, with errors that list the valid values.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Dataset } from '../data/dataset.js';
import { randomSplit } from '../data/dataset.js';
import { DataLoader } from '../data/dataloader.js';
import { CIFAR10, CIFAR100 } from '../data/datasets/cifar.js';
import { FashionMNIST, MNIST, KMNIST } from '../data/datasets/mnist.js';
import { ImageFolder } from '../data/datasets/image-folder.js';
import * as T from '../data/transforms/index.js';
import * as init from '../nn/init.js';
import { Conv2d, Linear } from '../nn/layers/linear.js';
import { Dropout } from '../nn/layers/simple.js';
import type { Parameter } from '../nn/parameter.js';
import * as optim from '../optim/index.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LRScheduler } from '../optim/lr-scheduler/scheduler.js';
import type { ReduceLROnPlateau } from '../optim/lr-scheduler/plateau.js';
import { Generator } from '../tensor/generator.js';
import type { Tensor } from '../tensor/tensor.js';
import * as zoo from '../models/zoo.js';
import { list as listModels, type Classifier } from '../models/registry.js';

export const DATASETS = ['fashion-mnist', 'mnist', 'kmnist', 'cifar10', 'cifar100', 'imagefolder'] as const;
export const INITS = [
  'pytorch-default',
  'xavier-uniform',
  'xavier-normal',
  'kaiming-uniform',
  'kaiming-normal',
  'normal',
  'uniform',
] as const;
export const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'] as const;
export const SCHEDULERS = [
  'none',
  'step',
  'multistep',
  'exponential',
  'cosine',
  'onecycle',
  'plateau',
  'warmup-cosine',
] as const;

export type DatasetName = (typeof DATASETS)[number];
export type InitName = (typeof INITS)[number];

export function oneOf<T extends string>(what: string, value: string, valid: readonly T[]): T {
  if (!(valid as readonly string[]).includes(value))
    throw new Error(`unknown ${what} '${value}'; valid: ${valid.join(', ')}`);
  return value as T;
}

type Sample = [Tensor, number];

export interface DataBundle {
  train: Dataset<Sample>;
  val: Dataset<Sample> | null;
  test: Dataset<Sample> | null;
  numClasses: number;
  classNames: string[];
  inChannels: number;
  inputSize: number;
  /** Where the data came from, for the log and the report. */
  source: string;
}

export interface DataOptions {
  dataset?: string;
  /** Folder with the dataset; omitted for fashion-mnist → the starter subset shipped in the package. */
  dataDir?: string | null;
  /** Fraction of the training set held out for validation (default 0.1; 0 = none). */
  valSplit?: number;
  augment?: boolean;
  seed?: number;
  /** Resize imagefolder images to this square size (default 64). */
  imageSize?: number;
  /** Give grayscale datasets 3 channels (for ImageNet-style models). */
  rgb?: boolean;
}

/** The per-channel normalisation a dataset is trained with (and must be predicted with). */
export function datasetStats(dataset: string): { mean: number[]; std: number[] } {
  return STATS[oneOf('dataset', dataset, DATASETS)]!;
}

const STATS: Record<string, { mean: number[]; std: number[] }> = {
  'fashion-mnist': { mean: [0.286], std: [0.353] },
  mnist: { mean: [0.1307], std: [0.3081] },
  kmnist: { mean: [0.1918], std: [0.3483] },
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
  cifar100: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
  imagefolder: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
};

/** Datasets by name with torchvision-style preprocessing; a seeded validation split of the training set. */
export function buildData(opts: DataOptions = {}): DataBundle {
  const name = oneOf('dataset', opts.dataset ?? 'fashion-mnist', DATASETS);
  const { mean, std } = STATS[name]!;
  const norm = T.normalize(mean, std);
  let train: Dataset<Sample>;
  let test: Dataset<Sample> | null;
  let classNames: string[];
  let inChannels = 1;
  let inputSize = 28;
  let source: string;
  const dir = opts.dataDir ?? null;
  const small = name === 'fashion-mnist' || name === 'mnist' || name === 'kmnist';
  if (small) {
    const augment = opts.augment ? [T.randomCrop(28, { padding: 2 })] : [];
    const rgb = opts.rgb ? [T.grayscale(3)] : [];
    const n3 = opts.rgb ? T.normalize([mean[0]!, mean[0]!, mean[0]!], [std[0]!, std[0]!, std[0]!]) : norm;
    const trainT = T.compose([...augment, ...rgb, T.toTensor(), n3]) as never;
    const testT = T.compose([...rgb, T.toTensor(), n3]) as never;
    if (opts.rgb) inChannels = 3;
    const Cls = name === 'mnist' ? MNIST : name === 'kmnist' ? KMNIST : FashionMNIST;
    if (!dir) {
      if (name !== 'fashion-mnist')
        throw new Error(`dataset '${name}' needs --data-dir (only fashion-mnist ships a starter subset)`);
      train = FashionMNIST.starter({ train: true, transform: trainT }) as unknown as Dataset<Sample>;
      test = FashionMNIST.starter({ train: false, transform: testT }) as unknown as Dataset<Sample>;
      source = 'Fashion-MNIST starter subset (shipped with weightroom)';
    } else {
      train = new Cls({ root: dir, train: true, transform: trainT }) as unknown as Dataset<Sample>;
      test = new Cls({ root: dir, train: false, transform: testT }) as unknown as Dataset<Sample>;
      source = dir;
    }
    classNames = [...Cls.classes];
  } else if (name === 'cifar10' || name === 'cifar100') {
    if (!dir) throw new Error(`dataset '${name}' needs --data-dir (the folder with the CIFAR binary files)`);
    const augment = opts.augment ? [T.randomCrop(32, { padding: 4 }), T.randomHorizontalFlip()] : [];
    const Cls = name === 'cifar10' ? CIFAR10 : CIFAR100;
    const tr = new Cls({
      root: dir,
      train: true,
      transform: T.compose([...augment, T.toTensor(), norm]) as never,
    });
    train = tr as unknown as Dataset<Sample>;
    test = new Cls({
      root: dir,
      train: false,
      transform: T.compose([T.toTensor(), norm]) as never,
    }) as unknown as Dataset<Sample>;
    classNames = [...tr.classes];
    inChannels = 3;
    inputSize = 32;
    source = dir;
  } else {
    if (!dir)
      throw new Error(
        "dataset 'imagefolder' needs --data-dir (a folder with train/ and optionally test/, one subfolder per class)",
      );
    const size = opts.imageSize ?? 64;
    const trainDir = existsSync(join(dir, 'train')) ? join(dir, 'train') : dir;
    const augment = opts.augment
      ? [T.randomResizedCrop(size), T.randomHorizontalFlip()]
      : [T.resize(size), T.centerCrop(size)];
    const tr = new ImageFolder(trainDir, { transform: T.compose([...augment, T.toTensor(), norm]) as never });
    train = tr as unknown as Dataset<Sample>;
    const testDir = join(dir, 'test');
    test = existsSync(testDir)
      ? (new ImageFolder(testDir, {
          transform: T.compose([T.resize(size), T.centerCrop(size), T.toTensor(), norm]) as never,
        }) as unknown as Dataset<Sample>)
      : null;
    classNames = [...tr.classes];
    inChannels = 3;
    inputSize = size;
    source = dir;
  }
  const valSplit = opts.valSplit ?? 0.1;
  if (!(valSplit >= 0 && valSplit < 1)) throw new Error(`--val-split must be in [0, 1), got ${valSplit}`);
  let val: Dataset<Sample> | null = null;
  if (valSplit > 0) {
    const nVal = Math.max(1, Math.round(train.length * valSplit));
    const [a, b] = randomSplit(train, [train.length - nVal, nVal], new Generator(opts.seed ?? 0));
    train = a!;
    val = b!;
  }
  return { train, val, test, numClasses: classNames.length, classNames, inChannels, inputSize, source };
}

export function loaders(data: DataBundle, batchSize: number, seed: number, numWorkers = 0) {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`--batch-size must be a positive integer, got ${batchSize}`);
  const mk = (ds: Dataset<Sample> | null, shuffle: boolean) =>
    ds ? new DataLoader(ds, { batchSize, shuffle, generator: new Generator(seed + 1), numWorkers }) : null;
  return { train: mk(data.train, true)!, val: mk(data.val, false), test: mk(data.test, false) };
}

/** A zoo model by name, sized for the data (classes, input channels, input size for simple_cnn). */
export function buildModel(
  name: string,
  data: Pick<DataBundle, 'numClasses' | 'inChannels' | 'inputSize'>,
  opts: { dropout?: number } = {},
): Classifier {
  const arch = name.replace(/-/g, '_');
  if (!listModels().includes(arch))
    throw new Error(`unknown model '${name}'; valid: ${listModels().join(', ')}`);
  const o: Record<string, unknown> = { numClasses: data.numClasses };
  if (opts.dropout !== undefined) o.dropout = opts.dropout;
  if (arch === 'simple_cnn') Object.assign(o, { inChannels: data.inChannels, inputSize: data.inputSize });
  else if (data.inChannels !== 3)
    throw new Error(
      `model '${name}' expects 3-channel images; dataset has ${data.inChannels} (use simple_cnn)`,
    );
  const m = zoo.get(arch, o);
  if (opts.dropout !== undefined)
    for (const d of m.modules()) if (d instanceof Dropout) (d as { p: number }).p = opts.dropout;
  return m;
}

/**
 * Re-initialise every Conv2d/Linear weight with a scheme (biases to zero), from the default generator — call
 * manualSeed first for reproducible runs. 'pytorch-default' keeps the layers' own initialisation.
 */
export function applyInit(model: Classifier, scheme: string): void {
  const s = oneOf('init', scheme, INITS);
  if (s === 'pytorch-default') return;
  for (const m of model.modules()) {
    if (!(m instanceof Conv2d || m instanceof Linear)) continue;
    const w = m.weight;
    switch (s) {
      case 'xavier-uniform':
        init.xavierUniform_(w);
        break;
      case 'xavier-normal':
        init.xavierNormal_(w);
        break;
      case 'kaiming-uniform':
        init.kaimingUniform_(w, { nonlinearity: 'relu' });
        break;
      case 'kaiming-normal':
        init.kaimingNormal_(w, { nonlinearity: 'relu' });
        break;
      case 'normal':
        init.normal_(w, 0, 0.01);
        break;
      case 'uniform':
        init.uniform_(w, -0.05, 0.05);
        break;
      default:
        s satisfies never;
    }
    if (m.bias) init.zeros_(m.bias);
  }
}

export interface OptimizerOptions {
  optimizer?: string;
  lr?: number;
  momentum?: number;
  weightDecay?: number;
}

export function buildOptimizer(
  params: Parameter[] | { params: Parameter[]; lr: number }[],
  o: OptimizerOptions = {},
): Optimizer {
  const name = oneOf('optimizer', o.optimizer ?? 'adam', OPTIMIZERS);
  const wd = o.weightDecay ?? 0;
  const p = params as never;
  switch (name) {
    case 'sgd':
      return new optim.SGD(p, { lr: o.lr ?? 0.05, momentum: o.momentum ?? 0.9, weightDecay: wd });
    case 'adam':
      return new optim.Adam(p, { lr: o.lr ?? 1e-3, weightDecay: wd });
    case 'adamw':
      return new optim.AdamW(p, { lr: o.lr ?? 1e-3, weightDecay: o.weightDecay ?? 0.01 });
    case 'rmsprop':
      return new optim.RMSprop(p, { lr: o.lr ?? 1e-3, momentum: o.momentum ?? 0, weightDecay: wd });
    case 'adagrad':
      return new optim.Adagrad(p, { lr: o.lr ?? 1e-2, weightDecay: wd });
    default:
      return name satisfies never;
  }
}

/** An LR schedule by name over `epochs` epochs of `stepsPerEpoch` batches. */
export function buildScheduler(
  opt: Optimizer,
  name: string,
  epochs: number,
  stepsPerEpoch: number,
): LRScheduler | ReduceLROnPlateau | null {
  const s = oneOf('scheduler', name, SCHEDULERS);
  const L = optim.lrScheduler;
  const lr = opt.paramGroups.map((g) => g.lr);
  switch (s) {
    case 'none':
      return null;
    case 'step':
      return new L.StepLR(opt, { stepSize: Math.max(1, Math.round(epochs / 3)), gamma: 0.1 });
    case 'multistep':
      return new L.MultiStepLR(opt, {
        milestones: [Math.round(epochs * 0.5), Math.round(epochs * 0.75)],
        gamma: 0.1,
      });
    case 'exponential':
      return new L.ExponentialLR(opt, { gamma: 0.9 });
    case 'cosine':
      return new L.CosineAnnealingLR(opt, { tMax: epochs });
    case 'onecycle':
      return new L.OneCycleLR(opt, {
        maxLr: lr.length === 1 ? lr[0]! : lr,
        epochs,
        stepsPerEpoch: Math.max(1, stepsPerEpoch),
      });
    case 'plateau':
      return new L.ReduceLROnPlateau(opt, { factor: 0.5, patience: 1 });
    case 'warmup-cosine': {
      const warm = Math.max(1, Math.round(epochs / 10));
      return new L.SequentialLR(opt, {
        schedulers: [
          new L.LinearLR(opt, { startFactor: 0.1, totalIters: warm }),
          new L.CosineAnnealingLR(opt, { tMax: Math.max(1, epochs - warm) }),
        ],
        milestones: [warm],
      });
    }
    default:
      return s satisfies never;
  }
}
