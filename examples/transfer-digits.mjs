/**
 * Transfer learning on data available offline: pretrain `simpleCnn` on the Fashion-MNIST starter set shipped in
 * the package, then learn OpenCV's handwritten digits (examples/data/opencv-digits/digits.png, 5,000 digits of
 * 20×20, see COPYRIGHT there) from only 50 labelled images per class, three ways with the same budget (epochs,
 * batch size, optimizer, seed):
 *
 *   (a) frozen backbone: the pretrained `features` frozen (their BatchNorm kept in eval mode), a new head;
 *   (b) full fine-tuning: every layer trains, the pretrained ones at a tenth of the new head's learning rate
 *       (`models.discriminativeGroups`; `--backbone-lr-factor` changes the tenth);
 *   (c) from scratch: a freshly initialised simpleCnn.
 *
 * Each is scored on the held-out digits (the other 450 per class) and a Markdown table is printed at the end.
 * Everything is seeded, so reruns print the same accuracies. The pretrained weights are cached in
 * examples/.cache/ (gitignored), so a rerun skips pretraining; `--no-cache` retrains them.
 *
 * Run from the repository root (the package imports itself by name once built):
 *
 *   npm run build && node examples/transfer-digits.mjs
 *   node examples/transfer-digits.mjs --epochs 15 --per-class 20 --pretrain-epochs 2 --seed 1 --no-cache
 *
 * Options: --epochs (10), --per-class (50), --test-per-class (the rest), --pretrain-epochs (1), --batch-size (32),
 * --lr (1e-3), --backbone-lr-factor (0.1), --seed (0), --no-cache.
 */
/* global console, process, performance, URL */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DataLoader,
  Generator,
  Image,
  data,
  datasets,
  evaluate,
  fit,
  getBackend,
  load,
  manualSeed,
  models,
  optim,
  randperm,
  save,
  transforms as T,
} from 'weightroom';

const here = fileURLToPath(new URL('.', import.meta.url));
/** The OpenCV digits sheet: 2000×1000 grayscale, 100 digits per row, 5 rows per class, classes 0..9 down. */
export const DIGITS_PNG = join(here, 'data', 'opencv-digits', 'digits.png');
export const CACHE_DIR = join(here, '.cache');

const TILE = 20;
const PER_ROW = 100;
const ROWS_PER_CLASS = 5;
export const PER_CLASS_TOTAL = PER_ROW * ROWS_PER_CLASS; // 500

/** Fashion-MNIST's statistics: the digits are normalised as the pretraining data was (like ImageNet's mean/std). */
const MEAN = [0.286];
const STD = [0.353];

/** Cut the sheet into 5,000 tiles of 20×20: `pixels` uint8 [5000·400] and `labels` (row block = class). */
export async function loadDigits(path = DIGITS_PNG) {
  const sheet = await datasets.decodeImage(path, 'L');
  const cols = sheet.width / TILE;
  const rows = sheet.height / TILE;
  if (cols !== PER_ROW || rows !== 10 * ROWS_PER_CLASS)
    throw new Error(
      `${path}: expected a 2000×1000 sheet of 20×20 digits, got ${sheet.width}×${sheet.height}`,
    );
  const n = rows * cols;
  const pixels = new Uint8Array(n * TILE * TILE);
  const labels = new Int32Array(n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      labels[i] = Math.floor(r / ROWS_PER_CLASS);
      for (let y = 0; y < TILE; y++) {
        const from = (r * TILE + y) * sheet.width + c * TILE;
        pixels.set(sheet.data.subarray(from, from + TILE), (i * TILE + y) * TILE);
      }
    }
  }
  return { pixels, labels, length: n };
}

/** A map-style dataset over the tiles: [transform(20×20 L Image), label]. */
export class DigitTiles {
  constructor(digits, transform) {
    this.digits = digits;
    this.transform = transform;
  }
  get length() {
    return this.digits.length;
  }
  get(index, ctx) {
    const s = TILE * TILE;
    const img = new Image(this.digits.pixels.subarray(index * s, (index + 1) * s), TILE, TILE, 1);
    return [this.transform(img, ctx), this.digits.labels[index]];
  }
}

/** A seeded split: `perClass` training and `testPerClass` (default: all the rest) test indices of each class. */
export function splitPerClass(labels, perClass, testPerClass, seed) {
  const byClass = Array.from({ length: 10 }, () => []);
  labels.forEach((y, i) => byClass[y].push(i));
  const g = new Generator(seed);
  const train = [];
  const test = [];
  for (const idx of byClass) {
    if (perClass + (testPerClass ?? 0) > idx.length)
      throw new Error(
        `splitPerClass: ${perClass} + ${testPerClass ?? 0} images exceed the ${idx.length} of a class`,
      );
    const perm = randperm(idx.length, { generator: g }).toArray();
    train.push(...perm.slice(0, perClass).map((k) => idx[k]));
    test.push(
      ...perm
        .slice(perClass, testPerClass === undefined ? undefined : perClass + testPerClass)
        .map((k) => idx[k]),
    );
  }
  return { train, test };
}

const fmtInt = (n) => n.toLocaleString('en-US');
const secondsSince = (t0) => (performance.now() - t0) / 1000;

/**
 * Pretrain simpleCnn on the Fashion-MNIST starter set (10,000 training images; `limit` takes a seeded subset);
 * returns its state dict and Fashion-MNIST test accuracy, from `cacheDir` when an identical run is cached there.
 */
export async function pretrainFashion({ epochs, limit, batchSize, seed, cacheDir, log }) {
  const tag = `simple_cnn-fashion-e${epochs}-b${batchSize}-s${seed}${limit ? `-n${limit}` : ''}`;
  const weightsFile = cacheDir ? join(cacheDir, `${tag}.pth`) : null;
  const metaFile = cacheDir ? join(cacheDir, `${tag}.json`) : null;
  if (weightsFile && existsSync(weightsFile) && existsSync(metaFile)) {
    const meta = JSON.parse(await readFile(metaFile, 'utf8'));
    log(
      `pretrained weights: ${weightsFile} (cached; Fashion-MNIST test accuracy ${meta.fashionTestAcc.toFixed(4)})`,
    );
    return { stateDict: await load(weightsFile), ...meta, cached: true };
  }
  const transform = T.compose([T.toTensor(), T.normalize(MEAN, STD)]);
  let trainSet = datasets.FashionMNIST.starter({ train: true, transform });
  let testSet = datasets.FashionMNIST.starter({ train: false, transform });
  if (limit) {
    const g = new Generator(seed);
    trainSet = new data.Subset(
      trainSet,
      randperm(trainSet.length, { generator: g }).toArray().slice(0, limit),
    );
    const testLimit = Math.max(10, Math.round(limit / 5));
    testSet = new data.Subset(
      testSet,
      randperm(testSet.length, { generator: g }).toArray().slice(0, testLimit),
    );
  }
  log(`pretraining simple_cnn on Fashion-MNIST (${fmtInt(trainSet.length)} images, ${epochs} epoch(s))…`);
  manualSeed(seed);
  const model = models.simpleCnn();
  const t0 = performance.now();
  await fit({
    model,
    optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }),
    trainLoader: new DataLoader(trainSet, { batchSize, shuffle: true, generator: new Generator(seed) }),
    epochs,
    log: (l) => log(`  ${l}`),
    progress: false,
  });
  const seconds = secondsSince(t0);
  const r = await evaluate(model, new DataLoader(testSet, { batchSize: 500 }));
  log(`  Fashion-MNIST test accuracy ${r.accuracy.toFixed(4)} (${seconds.toFixed(1)} s)`);
  const stateDict = model.stateDict();
  const meta = { fashionTestAcc: r.accuracy, seconds, epochs, images: trainSet.length };
  if (weightsFile) {
    await mkdir(cacheDir, { recursive: true });
    await save(stateDict, weightsFile);
    await writeFile(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
    log(`  cached in ${weightsFile}`);
  }
  return { stateDict, ...meta, cached: false };
}

/** The three ways to learn the digits; `build` returns [model, optimizer] (called under the same seed). */
const VARIANTS = [
  {
    name: 'frozen backbone (pretrained `features` frozen, new head)',
    build(pretrained, lr) {
      const model = models.simpleCnn();
      model.loadStateDict(pretrained);
      models.replaceHead(model, 10);
      models.freeze(model, { upTo: 'features' }); // BatchNorm of `features` stays in eval mode (bnEval)
      const params = model.parameters().filter((p) => p.requiresGrad);
      return [model, new optim.Adam(params, { lr })];
    },
  },
  {
    name: (f) => `full fine-tuning (all layers; pretrained ones at ${f === 1 ? 'the same lr' : `lr×${f}`})`,
    build(pretrained, lr, backboneLrFactor) {
      const model = models.simpleCnn();
      model.loadStateDict(pretrained);
      models.replaceHead(model, 10);
      // two groups: the head (`classifier.4`) at lr, everything else at lr × backboneLrFactor
      const groups = models.discriminativeGroups(model, lr, { backboneLr: lr * backboneLrFactor });
      return [model, new optim.Adam(groups, { lr })];
    },
  },
  {
    name: 'from scratch (random init)',
    build(_pretrained, lr) {
      const model = models.simpleCnn();
      return [model, new optim.Adam(model.parameters(), { lr })];
    },
  },
];

/** Bitwise equality of the `features.*` entries of two state dicts (the frozen backbone must not move). */
function sameFeatures(a, b) {
  return Object.keys(a)
    .filter((k) => k.startsWith('features.'))
    .every((k) => {
      const x = a[k].data;
      const y = b[k].data;
      return x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
    });
}

/**
 * Run the whole comparison; returns the rows, the Markdown table and the pretraining summary.
 * @param {object} [o]
 * @param {number} [o.epochs] fine-tuning epochs, the same for every variant (default 10)
 * @param {number} [o.perClass] labelled digits per class for training (default 50)
 * @param {number} [o.testPerClass] held-out digits per class (default: all the other 500 − perClass)
 * @param {number} [o.pretrainEpochs] Fashion-MNIST epochs (default 1)
 * @param {number} [o.pretrainLimit] pretrain on a seeded subset of this many images (default: all 10,000)
 * @param {number} [o.batchSize] fine-tuning batch size (default 32; pretraining uses 128)
 * @param {number} [o.lr] Adam learning rate of the head (default 1e-3)
 * @param {number} [o.backboneLrFactor] full fine-tuning: the backbone's lr is lr × this (default 0.1)
 * @param {number} [o.seed] (default 0)
 * @param {string | null} [o.cacheDir] where pretrained weights are cached (default examples/.cache; null: none)
 * @param {(line: string) => void} [o.log] progress lines (default console.log)
 */
export async function main(o = {}) {
  const epochs = o.epochs ?? 10;
  const perClass = o.perClass ?? 50;
  const batchSize = o.batchSize ?? 32;
  const lr = o.lr ?? 1e-3;
  const backboneLrFactor = o.backboneLrFactor ?? 0.1;
  const seed = o.seed ?? 0;
  const log = o.log ?? ((l) => console.log(l));
  const cacheDir = o.cacheDir === undefined ? CACHE_DIR : o.cacheDir;
  const tStart = performance.now();

  const pre = await pretrainFashion({
    epochs: o.pretrainEpochs ?? 1,
    limit: o.pretrainLimit,
    batchSize: 128,
    seed,
    cacheDir,
    log,
  });

  const digits = await loadDigits();
  const split = splitPerClass(digits.labels, perClass, o.testPerClass, seed);
  const tiles = new DigitTiles(digits, T.compose([T.pad(4), T.toTensor(), T.normalize(MEAN, STD)])); // 20×20 → 28×28 centred
  const trainSet = new data.Subset(tiles, split.train);
  const testSet = new data.Subset(tiles, split.test);
  const testLoader = new DataLoader(testSet, { batchSize: 500 });
  log(
    `OpenCV digits: ${fmtInt(trainSet.length)} labelled (${perClass} per class), ${fmtInt(testSet.length)} held out; ` +
      `${epochs} epochs, batch ${batchSize}, Adam lr ${lr}, seed ${seed}`,
  );

  const rows = [];
  for (const v of VARIANTS) {
    manualSeed(seed); // the same head init, dropout masks and batch order for every variant
    const name = typeof v.name === 'function' ? v.name(backboneLrFactor) : v.name;
    const [model, optimizer] = v.build(pre.stateDict, lr, backboneLrFactor);
    const before = model.stateDict();
    const counts = models.parameterSummary(model);
    log(`${name}: ${fmtInt(counts.trainable)} trainable, ${fmtInt(counts.frozen)} frozen parameters`);
    const t0 = performance.now();
    const history = await fit({
      model,
      optimizer,
      trainLoader: new DataLoader(trainSet, { batchSize, shuffle: true, generator: new Generator(seed) }),
      epochs,
      log: (l) => log(`  ${l}`),
      progress: false,
    });
    const trainSeconds = secondsSince(t0);
    const r = await evaluate(model, testLoader);
    if (counts.frozen > 0 && !sameFeatures(before, model.stateDict()))
      throw new Error(
        `${name}: the frozen backbone changed during training (weights or BatchNorm statistics)`,
      );
    const row = {
      name,
      trainable: counts.trainable,
      frozen: counts.frozen,
      accuracy: r.accuracy,
      macroF1: r.f1,
      trainAcc: history.epochs.at(-1).trainAcc,
      seconds: trainSeconds,
    };
    log(
      `  test accuracy ${r.accuracy.toFixed(4)}, macro F1 ${r.f1.toFixed(4)} (${trainSeconds.toFixed(1)} s)`,
    );
    rows.push(row);
  }

  const table = [
    '| Digits model (same budget) | Trainable params | Frozen params | Test accuracy | Macro F1 | Train time (s) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${fmtInt(r.trainable)} | ${fmtInt(r.frozen)} | ${r.accuracy.toFixed(4)} | ${r.macroF1.toFixed(4)} | ${r.seconds.toFixed(1)} |`,
    ),
  ].join('\n');
  const totalSeconds = secondsSince(tStart);
  const setup =
    `Pretraining: simple_cnn, Fashion-MNIST starter (${fmtInt(pre.images)} images, ${pre.epochs} epoch(s), Adam 1e-3, ` +
    `batch 128): test accuracy ${pre.fashionTestAcc.toFixed(4)}, ${pre.seconds.toFixed(1)} s${pre.cached ? ' (cached)' : ''}. ` +
    `Digits: ${fmtInt(trainSet.length)} training / ${fmtInt(testSet.length)} held-out images, ${epochs} epochs, ` +
    `batch ${batchSize}, Adam (head lr ${lr}), seed ${seed}. Backend ${getBackend().name}, ${cpus().length} CPU(s) ` +
    `(${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.versions.node}; whole run ${totalSeconds.toFixed(1)} s.`;
  return { rows, table, setup, pretrain: pre, totalSeconds };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string' },
      'per-class': { type: 'string' },
      'test-per-class': { type: 'string' },
      'pretrain-epochs': { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      'backbone-lr-factor': { type: 'string' },
      seed: { type: 'string' },
      'no-cache': { type: 'boolean' },
    },
  });
  const num = (s) => (s === undefined ? undefined : Number(s));
  const result = await main({
    epochs: num(values.epochs),
    perClass: num(values['per-class']),
    testPerClass: num(values['test-per-class']),
    pretrainEpochs: num(values['pretrain-epochs']),
    batchSize: num(values['batch-size']),
    lr: num(values.lr),
    backboneLrFactor: num(values['backbone-lr-factor']),
    seed: num(values.seed),
    cacheDir: values['no-cache'] ? null : undefined,
  });
  console.log(`\n${result.table}\n\n${result.setup}`);
}
