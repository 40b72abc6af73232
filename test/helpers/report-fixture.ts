// A synthetic, deterministic ReportData for the report tests: 8 epochs, 10 classes (one named `<b>&"`), 4 layers,
// an init comparison of 3 inits, and a few missing/NaN values where real runs can have them.
import { tensor } from '../../src/index.js';
import type { EpochRecord, History } from '../../src/train/fit.js';
import type { ClassificationReport } from '../../src/train/metrics.js';
import { histogram, type InitRun, type ReportData } from '../../src/train/report-data.js';

export const FIXTURE_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  '<b>&"',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
export const FIXTURE_LAYERS = [
  'features.0.weight',
  'features.3.weight',
  'classifier.1.weight',
  'classifier.4.weight',
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0; // mulberry32
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function makeHistory(r: () => number, epochs: number, speed: number, withGaps: boolean): History {
  const records: EpochRecord[] = [];
  for (let e = 1; e <= epochs; e++) {
    const trainLoss = 1.6 * Math.exp(-speed * e) + 0.2 + 0.02 * r();
    const valLoss = trainLoss + 0.04 * e * 0.3 + 0.03 * r();
    records.push({
      epoch: e,
      trainLoss,
      trainAcc: Math.min(0.99, 0.55 + 0.42 * (1 - Math.exp(-speed * e))),
      valLoss: withGaps && e === 5 ? NaN : valLoss,
      valAcc:
        withGaps && e === 3 ? null : Math.min(0.97, 0.5 + 0.41 * (1 - Math.exp(-speed * e)) + 0.01 * r()),
      lr: 0.05 * 0.5 * (1 + Math.cos((Math.PI * (e - 1)) / epochs)) + 1e-4,
      seconds: 20 + 2 * r(),
      imagesPerSec: 2400 + 200 * r(),
      layers: FIXTURE_LAYERS.map((name, i) => ({
        name,
        weightNorm: 5 + i + 0.1 * e,
        gradNorm: 0.5 / (i + 1) / Math.sqrt(e),
      })),
    });
  }
  const gradSteps = Array.from({ length: 40 }, (_, k) => ({
    step: 1 + 25 * k,
    norms: Object.fromEntries(
      FIXTURE_LAYERS.map((name, i) => {
        let v = (0.8 / (i + 1)) * Math.exp(-k / 15) * (1 + 0.3 * r());
        if (withGaps && i === 2 && k === 10) v = NaN; // a gap
        if (withGaps && i === 3 && k === 11) v = 0; // not drawable on a log axis: a gap too
        return [name, v];
      }),
    ),
  }));
  return { epochs: records, stoppedReason: null, gradSteps };
}

function makeMetrics(r: () => number): ClassificationReport {
  const n = FIXTURE_CLASSES.length;
  const confusion = Array.from({ length: n }, (_, t) =>
    Array.from({ length: n }, (_, p) =>
      t === p ? 80 + Math.floor(18 * r()) : r() < 0.35 ? Math.floor(12 * r()) : 0,
    ),
  );
  const support = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const predicted = confusion[0]!.map((_, p) => confusion.reduce((a, row) => a + row[p]!, 0));
  const count = support.reduce((a, b) => a + b, 0);
  const perClass = FIXTURE_CLASSES.map((name, c) => {
    const tp = confusion[c]![c]!;
    const precision = predicted[c] ? tp / predicted[c]! : 0;
    const recall = support[c] ? tp / support[c]! : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { name, precision, recall, f1, support: support[c]! };
  });
  const mean = (k: 'precision' | 'recall' | 'f1') => perClass.reduce((a, c) => a + c[k], 0) / n;
  const wmean = (k: 'precision' | 'recall' | 'f1') =>
    perClass.reduce((a, c) => a + c[k] * c.support, 0) / count;
  const macro = { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') };
  return {
    count,
    accuracy: confusion.reduce((a, row, i) => a + row[i]!, 0) / count,
    top5: 0.995,
    loss: 0.3123,
    ...macro,
    macro,
    weighted: { precision: wmean('precision'), recall: wmean('recall'), f1: wmean('f1') },
    perClass,
    confusion,
    classNames: [...FIXTURE_CLASSES],
  };
}

function sample(r: () => number, n: number, mean: number, std: number): Float32Array {
  return Float32Array.from({ length: n }, () => mean + std * gauss(r));
}

/** The fixture; `withGaps: false` leaves out the NaN/null values. */
export function makeReportData({ withGaps = true }: { withGaps?: boolean } = {}): ReportData {
  const r = rng(42);
  const inits: [string, number][] = [
    ['kaiming-normal', 0.45],
    ['xavier-uniform', 0.35],
    ['normal', 0.15],
  ];
  const runs: InitRun[] = inits.map(([init, speed], i) => {
    const history = makeHistory(r, i === 2 ? 6 : 8, speed, false); // 'normal' stopped early
    const vals = history.epochs.map((e) => e.valAcc ?? -1);
    const best = Math.max(...vals);
    const reached = history.epochs.find((e) => (e.valAcc ?? 0) >= 0.85);
    return {
      init,
      history,
      finalValAcc: history.epochs[history.epochs.length - 1]!.valAcc,
      bestValAcc: best,
      bestEpoch: vals.indexOf(best) + 1,
      epochsToTarget: reached ? reached.epoch : null,
      initialGradNorms: Object.fromEntries(FIXTURE_LAYERS.map((l, j) => [l, (0.9 - 0.25 * i) / (j + 1)])),
    };
  });
  return {
    title: 'simpleCnn on fashion-mnist <starter>',
    createdAt: '2025-01-02T03:04:05.000Z',
    config: {
      model: 'simpleCnn',
      dataset: 'fashion-mnist',
      optimizer: 'sgd',
      lr: 0.05,
      momentum: 0.9,
      epochs: 8,
      batchSize: 64,
      scheduler: 'cosine',
      seed: 0,
      augment: false,
      earlyStopping: null,
      note: '</script><script>alert("x")</script>',
      classWeights: [1, 2, 3],
    },
    history: makeHistory(r, 8, 0.45, withGaps),
    metrics: makeMetrics(r),
    weightHistograms: FIXTURE_LAYERS.map((name, i) => {
      const n = 2000 + 500 * i;
      const std0 = 0.4 / Math.sqrt(9 * (i + 1));
      return {
        name,
        start: histogram(tensor(sample(r, n, 0, std0)), 30),
        end: histogram(tensor(sample(r, n, 0.01 * i, std0 * 1.6)), 30),
      };
    }),
    initComparison: { target: 0.85, runs },
  };
}
