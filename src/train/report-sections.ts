// The report's sections (run summary, curves, LR, confusion matrix, per-class scores, weight histograms, gradient
// norms, init comparison) as HTML, each with the Chart.js configs of its canvases; a section without data is left out.
import type { EpochRecord } from './fit.js';
import type { ClassificationReport } from './metrics.js';
import type { InitRun, LayerHistograms, ReportData } from './report-data.js';
import {
  barChart,
  colour,
  hasData,
  histogramChart,
  histStats,
  lineChart,
  num,
  pct,
  pos,
  type ChartSpec,
} from './report-charts.js';
import {
  confusionTable,
  esc,
  fmtFixed,
  fmtNum,
  fmtPct,
  fmtSeconds,
  fmtValue,
  table,
  tiles,
} from './report-html.js';

/** Collects chart specs and hands out the canvases that show them. */
export class Charts {
  readonly specs: Record<string, ChartSpec> = {};

  canvas(spec: ChartSpec | null, label: string, size: '' | 'tall' | 'small' | 'short' = ''): string {
    if (!spec) return '';
    const id = `chart-${Object.keys(this.specs).length + 1}`;
    this.specs[id] = spec;
    return `<div class="chart ${size}"><canvas id="${id}" role="img" aria-label="${esc(label)}"></canvas></div>`;
  }
}

export interface Section {
  id: string;
  title: string;
  html: string;
}

const section = (id: string, title: string, note: string, body: string): Section | null =>
  body
    ? { id, title, html: `<h2>${esc(title)}</h2>${note ? `<p class="note">${note}</p>` : ''}${body}` }
    : null;

const panel = (title: string, body: string) =>
  body ? `<div class="panel"><h3>${esc(title)}</h3>${body}</div>` : '';

const epochLabels = (epochs: readonly EpochRecord[]) => epochs.map((e, i) => num(e.epoch) ?? i + 1);

/** The epoch with the highest validation accuracy, or null when there is none. */
function bestVal(epochs: readonly EpochRecord[]): { acc: number; epoch: number } | null {
  let best: { acc: number; epoch: number } | null = null;
  epochs.forEach((e, i) => {
    const a = num(e.valAcc);
    if (a !== null && (best === null || a > best.acc)) best = { acc: a, epoch: num(e.epoch) ?? i + 1 };
  });
  return best;
}

function summary(data: ReportData, epochs: readonly EpochRecord[]): Section {
  const m = data.metrics;
  const last = epochs[epochs.length - 1];
  const best = bestVal(epochs);
  const seconds = epochs.reduce((s, e) => s + (num(e.seconds) ?? 0), 0);
  const speeds = epochs.map((e) => num(e.imagesPerSec)).filter((v): v is number => v !== null);
  const tileHtml = tiles([
    { label: 'Test accuracy', value: fmtPct(m?.accuracy), note: m ? `${m.count} images` : '' },
    { label: 'Test top-5 accuracy', value: fmtPct(m?.top5) },
    { label: 'Test loss', value: fmtFixed(m?.loss) },
    { label: 'Test macro F1', value: fmtFixed(m?.macro?.f1 ?? m?.f1, 3) },
    { label: 'Best val accuracy', value: fmtPct(best?.acc), note: best ? `epoch ${best.epoch}` : '' },
    { label: 'Final val accuracy', value: fmtPct(last?.valAcc) },
    { label: 'Final val loss', value: fmtFixed(last?.valLoss) },
    { label: 'Final train accuracy', value: fmtPct(last?.trainAcc) },
    { label: 'Final train loss', value: fmtFixed(last?.trainLoss) },
    { label: 'Epochs', value: epochs.length ? String(epochs.length) : '—' },
    { label: 'Training time', value: seconds > 0 ? fmtSeconds(seconds) : '—' },
    {
      label: 'Throughput',
      value: speeds.length ? `${Math.round(speeds.reduce((a, b) => a + b, 0) / speeds.length)} img/s` : '—',
    },
  ]);
  const stopped = data.history?.stoppedReason
    ? `<div class="warn">Stopped early: ${esc(data.history.stoppedReason)}</div>`
    : '';
  const entries = Object.entries(data.config ?? {});
  const config = entries.length
    ? `<h3>Configuration</h3>${table(
        ['setting', 'value'],
        entries.map(([k, v]) => [esc(k), esc(fmtValue(v))]),
        'config',
      )}`
    : '';
  return { id: 'summary', title: 'Run summary', html: `<h2>Run summary</h2>${stopped}${tileHtml}${config}` };
}

function curves(epochs: readonly EpochRecord[], charts: Charts): Section | null {
  if (epochs.length === 0) return null;
  const labels = epochLabels(epochs);
  const loss = lineChart(
    labels,
    [
      { label: 'train', data: epochs.map((e) => num(e.trainLoss)), color: colour(0) },
      { label: 'validation', data: epochs.map((e) => num(e.valLoss)), color: colour(1) },
    ],
    { x: 'epoch', y: 'loss' },
  );
  const acc = lineChart(
    labels,
    [
      { label: 'train', data: epochs.map((e) => pct(e.trainAcc)), color: colour(0) },
      { label: 'validation', data: epochs.map((e) => pct(e.valAcc)), color: colour(1) },
    ],
    { x: 'epoch', y: 'accuracy (%)' },
  );
  const body =
    panel('Loss', charts.canvas(loss, 'train and validation loss per epoch')) +
    panel('Accuracy', charts.canvas(acc, 'train and validation accuracy per epoch'));
  return section(
    'curves',
    'Training curves',
    'Train vs validation, per epoch.',
    body && `<div class="grid">${body}</div>`,
  );
}

function lrSchedule(epochs: readonly EpochRecord[], charts: Charts): Section | null {
  const lrs = epochs.map((e) => num(e.lr));
  if (!hasData(lrs)) return null;
  const finite = lrs.filter((v): v is number => v !== null);
  const log = finite.every((v) => v > 0) && Math.max(...finite) / Math.min(...finite) >= 20;
  const spec = lineChart(
    epochLabels(epochs),
    [{ label: 'learning rate', data: log ? lrs.map(pos) : lrs, color: colour(4) }],
    { x: 'epoch', y: log ? 'learning rate (log scale)' : 'learning rate', log },
    false,
  );
  return section(
    'lr',
    'Learning-rate schedule',
    'The learning rate of the first parameter group at the end of each epoch.',
    charts.canvas(spec, 'learning rate per epoch'),
  );
}

function confusion(m: ClassificationReport | null | undefined): Section | null {
  if (!m?.confusion?.length) return null;
  return section(
    'confusion',
    'Confusion matrix (test set)',
    'Rows are the true class, columns the prediction; the shade is the share of the row, so the diagonal reads as recall.',
    confusionTable(m.confusion, m.classNames ?? []),
  );
}

function perClass(m: ClassificationReport | null | undefined, charts: Charts): Section | null {
  if (!m?.perClass?.length) return null;
  const names = m.perClass.map((c) => c.name);
  const spec = barChart(
    names,
    [
      { label: 'precision', data: m.perClass.map((c) => num(c.precision)), color: colour(0) },
      { label: 'recall', data: m.perClass.map((c) => num(c.recall)), color: colour(1) },
      { label: 'F1', data: m.perClass.map((c) => num(c.f1)), color: colour(4) },
    ],
    { x: 'class', y: 'score', yMin: 0, yMax: 1 },
  );
  const avg = (name: string, a: { precision: number; recall: number; f1: number } | undefined) =>
    a
      ? [[esc(name), fmtFixed(a.precision, 3), fmtFixed(a.recall, 3), fmtFixed(a.f1, 3), String(m.count)]]
      : [];
  const rows = [
    ...m.perClass.map((c) => [
      esc(c.name),
      fmtFixed(c.precision, 3),
      fmtFixed(c.recall, 3),
      fmtFixed(c.f1, 3),
      esc(c.support),
    ]),
    [esc('accuracy'), '', '', fmtFixed(m.accuracy, 3), String(m.count)],
    ...avg('macro avg', m.macro),
    ...avg('weighted avg', m.weighted),
  ];
  const rowClasses = rows.map((_, i) => (i >= m.perClass.length ? 'avg' : ''));
  const body =
    `<div class="split"><div class="panel">${charts.canvas(spec, 'precision, recall and F1 per class', 'tall')}</div>` +
    `<div class="panel">${table(['class', 'precision', 'recall', 'F1', 'support'], rows, 'per-class', rowClasses)}</div></div>`;
  return section('per-class', 'Per-class precision, recall and F1 (test set)', '', body);
}

function weightHistograms(layers: readonly LayerHistograms[] | undefined, charts: Charts): Section | null {
  if (!layers?.length) return null;
  const stat = (s: ReturnType<typeof histStats>) => (s ? `μ ${fmtNum(s.mean)}, σ ${fmtNum(s.std)}` : '—');
  const panels = layers.map((l) => {
    const canvas = charts.canvas(histogramChart(l.start, l.end), `weight histogram of ${l.name}`, 'small');
    const stats = `<div class="stats">start ${esc(stat(histStats(l.start)))}<br>end ${esc(stat(histStats(l.end)))}</div>`;
    return canvas ? panel(l.name, canvas + stats) : '';
  });
  const body = panels.join('');
  return section(
    'weights',
    'Weight histograms per layer',
    'Start (blue) vs end of training (orange), drawn over shared bins for each layer.',
    body && `<div class="multiples">${body}</div>`,
  );
}

function gradientNorms(data: ReportData, epochs: readonly EpochRecord[], charts: Charts): Section | null {
  const steps = data.history?.gradSteps ?? [];
  let spec: ChartSpec | null;
  let note: string;
  if (steps.length) {
    const names = [...new Set(steps.flatMap((s) => Object.keys(s.norms ?? {})))];
    spec = lineChart(
      null,
      names.map((n, i) => ({
        label: n,
        data: steps.map((s) => ({ x: s.step, y: pos(s.norms?.[n]) })),
        color: colour(i),
        points: steps.length <= 40,
      })),
      { x: 'step', y: 'gradient L2 norm (log scale)', log: true, xLinear: true },
    );
    note = 'Per-parameter gradient L2 norms, sampled during training.';
  } else {
    const names = [...new Set(epochs.flatMap((e) => (e.layers ?? []).map((l) => l.name)))];
    spec = lineChart(
      epochLabels(epochs),
      names.map((n, i) => ({
        label: n,
        data: epochs.map((e) => pos(e.layers?.find((l) => l.name === n)?.gradNorm)),
        color: colour(i),
      })),
      { x: 'epoch', y: 'mean gradient L2 norm (log scale)', log: true },
    );
    note = 'Mean per-parameter gradient L2 norm over each epoch.';
  }
  return section(
    'gradients',
    'Gradient norms per layer',
    note,
    charts.canvas(spec, 'gradient norms per layer', 'tall'),
  );
}

function initComparison(cmp: ReportData['initComparison'], charts: Charts): Section | null {
  if (!cmp?.runs?.length) return null;
  const runs = cmp.runs;
  const layers = [...new Set(runs.flatMap((r) => Object.keys(r.initialGradNorms ?? {})))];
  const wide = layers.length <= 6; // few layers: one column each; many: a separate layers × inits table
  const bestFinal = Math.max(...runs.map((r) => num(r.finalValAcc) ?? -Infinity));
  const head = ['init', 'final val acc', 'best val acc', `epochs to ${fmtPct(cmp.target, 1)}`];
  const rows = runs.map((r) => [
    esc(r.init) + (num(r.finalValAcc) === bestFinal ? ' ★' : ''),
    fmtPct(r.finalValAcc),
    fmtPct(r.bestValAcc) + (num(r.bestEpoch) !== null ? ` @ epoch ${r.bestEpoch}` : ''),
    num(r.epochsToTarget) !== null ? String(r.epochsToTarget) : 'not reached',
    ...(wide ? layers.map((l) => fmtNum(r.initialGradNorms?.[l])) : []),
  ]);
  const layerHead = (l: string) => `‖∇‖₀<span class="sub">${esc(l)}</span>`;
  let tables = table([...head, ...(wide ? layers.map(layerHead) : [])], rows, 'inits');
  if (!wide && layers.length)
    tables += `<h3>Initial gradient norms per layer</h3>${table(
      ['layer', ...runs.map((r) => esc(r.init))],
      layers.map((l) => [esc(l), ...runs.map((r) => fmtNum(r.initialGradNorms?.[l]))]),
    )}`;
  const n = Math.max(...runs.map((r) => r.history?.epochs?.length ?? 0));
  const labels = Array.from({ length: n }, (_, i) => i + 1);
  const curve = (
    r: InitRun,
    val: (e: EpochRecord) => number | null,
    train: (e: EpochRecord) => number | null,
  ) => {
    const ep = r.history?.epochs ?? [];
    const useVal = hasData(ep.map(val));
    const data = labels.map((_, i) => (ep[i] ? (useVal ? val(ep[i]) : train(ep[i])) : null));
    return { label: useVal ? r.init : `${r.init} (train)`, data };
  };
  const acc = lineChart(
    labels,
    [
      ...runs.map((r, i) => ({
        ...curve(
          r,
          (e) => pct(e.valAcc),
          (e) => pct(e.trainAcc),
        ),
        color: colour(i),
      })),
      {
        label: 'target',
        data: labels.map(() => pct(cmp.target)),
        color: '#9ca3af',
        dashed: true,
        points: false,
      },
    ],
    { x: 'epoch', y: 'validation accuracy (%)' },
  );
  const loss = lineChart(
    labels,
    runs.map((r, i) => ({
      ...curve(
        r,
        (e) => num(e.valLoss),
        (e) => num(e.trainLoss),
      ),
      color: colour(i),
    })),
    { x: 'epoch', y: 'validation loss' },
  );
  const grid =
    panel('Validation accuracy', charts.canvas(acc, 'validation accuracy per init')) +
    panel('Validation loss', charts.canvas(loss, 'validation loss per init'));
  return section(
    'inits',
    'Weight initialisation comparison',
    'Same model, data, seed and budget for each init. ‖∇‖₀: gradient norm at the first step.',
    tables + (grid && `<div class="grid">${grid}</div>`),
  );
}
/** Every section that has data, in reading order. */
export function buildSections(data: ReportData, charts: Charts): Section[] {
  const epochs = data.history?.epochs ?? [];
  return [
    summary(data, epochs),
    curves(epochs, charts),
    lrSchedule(epochs, charts),
    confusion(data.metrics),
    perClass(data.metrics, charts),
    weightHistograms(data.weightHistograms, charts),
    gradientNorms(data, epochs, charts),
    initComparison(data.initComparison, charts),
  ].filter((s): s is Section => s !== null);
}
