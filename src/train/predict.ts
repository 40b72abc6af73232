// Evaluating saved weights on a dataset split, and classifying image files with class names and probabilities
// (weightroom runs, or torchvision's ImageNet weights by name such as resnet18:DEFAULT).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DataLoader } from '../data/dataloader.js';
import { decodeImage } from '../data/datasets/decode.js';
import * as T from '../data/transforms/index.js';
import { load } from '../io/weights.js';
import { noGrad } from '../autograd/grad-mode.js';
import * as ops from '../ops/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { imagenetClasses, pretrained, weightsInfo } from '../models/pretrained.js';
import type { Classifier } from '../models/registry.js';
import { evaluate } from './fit.js';
import type { ClassificationReport } from './metrics.js';
import { buildData, buildModel, datasetStats, type DataBundle } from './recipe.js';

/** Read a state dict file with a clear error when it is missing. */
export async function readStateDict(file: string): Promise<Record<string, Tensor>> {
  if (!existsSync(file)) throw new Error(`weights file not found: ${file}`);
  return load<Record<string, Tensor>>(new Uint8Array(await readFile(file)), { dtype: 'float32' });
}

/** Build `model` for `data` and load a state dict into it (the error lists missing/unexpected keys). */
export async function modelFromWeights(
  model: string,
  data: Pick<DataBundle, 'numClasses' | 'inChannels' | 'inputSize'>,
  file: string,
): Promise<Classifier> {
  const m = buildModel(model, data);
  const sd = await readStateDict(file);
  try {
    m.loadStateDict(sd);
  } catch (e) {
    throw new Error(`${file} does not fit ${model} for ${data.numClasses} classes: ${(e as Error).message}`);
  }
  m.eval();
  return m;
}

export interface EvaluateWeightsOptions {
  weights: string;
  model: string;
  dataset: string;
  dataDir: string | null;
  split: 'test' | 'train';
  batchSize: number;
  /** imagefolder: the square size images are resized to (as in training). */
  imageSize?: number;
}

export async function evaluateWeights(o: EvaluateWeightsOptions): Promise<ClassificationReport> {
  const data = buildData({ dataset: o.dataset, dataDir: o.dataDir, valSplit: 0, imageSize: o.imageSize });
  const ds = o.split === 'test' ? data.test : data.train;
  if (!ds) throw new Error(`evaluate: dataset '${o.dataset}' has no ${o.split} split here`);
  const m = await modelFromWeights(o.model, data, o.weights);
  return evaluate(m, new DataLoader(ds, { batchSize: o.batchSize }), {
    numClasses: data.numClasses,
    classNames: data.classNames,
  });
}

export interface Prediction {
  file: string;
  top: { index: number; name: string; probability: number }[];
}

export interface PredictOptions {
  weights: string;
  model: string;
  dataset: string;
  topK: number;
  /** imagefolder: the training folder (class names) and image size. */
  dataDir?: string | null;
  imageSize?: number;
}

/** Classify image files. `weights` is a state-dict file, or `<arch>:<weights name>` for torchvision's ImageNet weights. */
export async function predictImages(files: string[], o: PredictOptions): Promise<Prediction[]> {
  let model: Classifier;
  let names: string[];
  let prep: (file: string) => Promise<Tensor>;
  const named = /^([a-z0-9_]+):([A-Z0-9_]+)$/.exec(o.weights);
  if (named || o.dataset === 'imagenet') {
    const arch = named ? named[1]! : o.model;
    const info = weightsInfo(arch, named ? named[2]! : 'DEFAULT');
    model = named
      ? await pretrained(arch, { weights: info.name })
      : await modelFromWeights(arch, { numClasses: 1000, inChannels: 3, inputSize: info.crop }, o.weights);
    names = imagenetClasses();
    const t = T.compose([
      T.resize(info.resize),
      T.centerCrop(info.crop),
      T.toTensor(),
      T.normalize(info.mean, info.std),
    ]);
    prep = async (f) => (t as unknown as (x: unknown) => Tensor)(await decodeImage(f, 'RGB'));
  } else {
    const data = buildData({
      dataset: o.dataset,
      dataDir: o.dataDir ?? null,
      valSplit: 0,
      imageSize: o.imageSize,
    });
    names = data.classNames;
    model = await modelFromWeights(o.model, data, o.weights);
    const gray = data.inChannels === 1;
    // the normalisation the model was trained with (buildData's)
    const { mean, std } = datasetStats(o.dataset);
    const t = T.compose([
      T.resize(data.inputSize),
      T.centerCrop(data.inputSize),
      T.toTensor(),
      T.normalize(mean, std),
    ]);
    prep = async (f) => (t as unknown as (x: unknown) => Tensor)(await decodeImage(f, gray ? 'L' : 'RGB'));
  }
  model.eval();
  const out: Prediction[] = [];
  for (const file of files) {
    let x: Tensor;
    try {
      x = await prep(file);
    } catch (e) {
      throw new Error(`predict: cannot read image '${file}': ${(e as Error).message}`);
    }
    const p = noGrad(() => ops.softmax(model.forward(ops.unsqueeze(x, 0)), 1));
    const idx = [...p.data.keys()].sort((a, b) => p.data[b]! - p.data[a]!).slice(0, Math.max(1, o.topK));
    out.push({
      file,
      top: idx.map((i) => ({ index: i, name: names[i] ?? String(i), probability: p.data[i]! })),
    });
  }
  return out;
}
