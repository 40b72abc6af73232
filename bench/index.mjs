// `npm run bench`: weightroom against PyTorch on this machine, in the same run, with the same thread counts.
// Each measurement runs in its own process (bench/wr_bench.mjs, bench/torch_bench.py); rounds alternate the
// two sides and keep each side's best, so a burst of load from elsewhere does not decide a ratio. PyTorch
// runs twice: tuned (OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset, glibc told never to trim or mmap — what
// makes it fastest here) and as shipped (the environment as it is). Results: console and bench/results/.
// Usage: node bench/index.mjs [--only sgemm,cnn,resnet32,resnet224,infer] [--threads 1,2] [--rounds 2] [--quick]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = join(import.meta.dirname, '..');
const NOMINAL_PEAK_PER_CORE = 221; // GFLOP/s, AVX-512 FMA peak quoted in docs/ARCHITECTURE.md for this machine

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'sgemm,cnn,resnet32,resnet224,infer' },
    threads: { type: 'string', default: [...new Set([1, Math.min(2, availableParallelism())])].join(',') },
    rounds: { type: 'string', default: '2' },
    quick: { type: 'boolean', default: false },
  },
});
const only = new Set(values.only.split(','));
const threadCounts = values.threads.split(',').map(Number);
const rounds = Number(values.rounds);
const minTime = values.quick ? 1 : 3;

if (!existsSync(join(root, 'dist', 'index.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(1);
}

const python = '/usr/bin/python3';
const hasTorch = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
const torchEnv = {
  tuned: (() => {
    const e = {
      ...process.env,
      MALLOC_MMAP_THRESHOLD_: '1000000000000',
      MALLOC_TRIM_THRESHOLD_: '1000000000000',
    };
    delete e.OPENBLAS_CORETYPE;
    delete e.OPENBLAS_L2_SIZE;
    return e;
  })(),
  shipped: { ...process.env },
};

/** Run one measurement process; the last stdout line is its JSON result. */
function measure(cmd, args, env, timeoutS = 900) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr || '').trim().split('\n').slice(-3).join(' | ');
    console.error(`  ! ${cmd} ${args.join(' ')} failed: ${why}`);
    return null;
  }
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

const wr = (bench, threads, extra = []) =>
  measure(
    process.execPath,
    ['bench/wr_bench.mjs', bench, '--threads', String(threads), '--min-time', String(minTime), ...extra],
    {
      ...process.env,
      WEIGHTROOM_NUM_THREADS: String(threads),
    },
  );
const torch = (which, bench, threads, extra = []) =>
  hasTorch
    ? measure(
        python,
        [
          'bench/torch_bench.py',
          bench,
          '--threads',
          String(threads),
          '--min-time',
          String(minTime),
          ...extra,
        ],
        {
          ...torchEnv[which],
          OMP_NUM_THREADS: String(threads),
        },
      )
    : null;

/** Best of `rounds` alternating runs per side; `better(a, b)` picks the better of two results. */
function compare(run, better) {
  const best = { weightroom: null, tuned: null, shipped: null };
  for (let r = 0; r < rounds; r++) {
    for (const side of ['weightroom', 'tuned', 'shipped']) {
      const res = run(side);
      if (res) best[side] = best[side] ? better(best[side], res) : res;
    }
  }
  return best;
}

const fmt = (x, d = 1) => (x == null ? '—' : x.toFixed(d));
const ratio = (a, b) => (a == null || b == null ? null : a / b);
const results = {
  date: new Date().toISOString(),
  machine: { cpus: availableParallelism(), nominalPeakPerCoreGflops: NOMINAL_PEAK_PER_CORE },
  torch: hasTorch ? 'present' : 'absent (weightroom figures only)',
  env: {
    OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? null,
    OPENBLAS_L2_SIZE: process.env.OPENBLAS_L2_SIZE ?? null,
  },
  peak: {},
  benchmarks: [],
};
if (!hasTorch)
  console.log('PyTorch (/usr/bin/python3 -c "import torch") is absent: weightroom figures only.');

function row(name, threads, unit, best, pick, higherIsBetter = true) {
  const w = best.weightroom ? pick(best.weightroom) : null;
  const t = best.tuned ? pick(best.tuned) : null;
  const s = best.shipped ? pick(best.shipped) : null;
  const rt = higherIsBetter ? ratio(w, t) : ratio(t, w);
  const rs = higherIsBetter ? ratio(w, s) : ratio(s, w);
  const entry = {
    name,
    threads,
    unit,
    weightroom: w,
    torchTuned: t,
    torchShipped: s,
    ratioVsTuned: rt,
    ratioVsShipped: rs,
  };
  results.benchmarks.push(entry);
  console.log(
    `${name.padEnd(34)} ${String(threads).padStart(2)}T  ${fmt(w).padStart(9)}  ${fmt(t).padStart(9)}  ${fmt(rt, 2).padStart(6)}x  ${fmt(s).padStart(9)}  ${fmt(rs, 2).padStart(6)}x  ${unit}`,
  );
  return entry;
}

console.log(`${'benchmark'.padEnd(34)} thr  weightroom  torch(tuned)  ratio  torch(shipped)  ratio`);
for (const T of threadCounts) {
  // the best of a few probes: a probe that overlaps load from elsewhere reads low
  let p = null;
  for (let r = 0; r < Math.max(3, rounds); r++) {
    const q = wr('peak', T);
    if (q && (!p || q.gflops > p.gflops)) p = q;
  }
  results.peak[T] = p?.gflops ?? null;
  console.log(
    `FMA peak measured (register-only FMAs, ${p?.isa ?? '?'}), ${T} thread(s): ${fmt(p?.gflops)} GFLOP/s (nominal ${NOMINAL_PEAK_PER_CORE * T})`,
  );
}

const gemmSizes = ['256x256x256', '512x512x512', '1024x1024x1024', '64x3136x576'];
const maxBy = (key) => (a, b) => (b[key] > a[key] ? b : a);
for (const T of threadCounts) {
  if (only.has('sgemm')) {
    const best = compare(
      (side) =>
        side === 'weightroom'
          ? wr('sgemm', T, ['--sizes', gemmSizes.join(',')])
          : torch(side, 'sgemm', T, ['--sizes', gemmSizes.join(',')]),
      (a, b) => ({ sgemm: a.sgemm.map((x, i) => (b.sgemm[i].gflops > x.gflops ? b.sgemm[i] : x)) }),
    );
    gemmSizes.forEach((sz, i) => {
      const e = row(`sgemm ${sz}`, T, 'GFLOP/s', best, (r) => r.sgemm[i].gflops);
      e.percentOfMeasuredPeak =
        e.weightroom != null && results.peak[T] ? (100 * e.weightroom) / results.peak[T] : null;
      e.percentOfNominalPeak =
        e.weightroom != null ? (100 * e.weightroom) / (NOMINAL_PEAK_PER_CORE * T) : null;
      console.log(
        `${''.padEnd(40)}weightroom at ${fmt(e.percentOfMeasuredPeak)} % of the measured peak, ${fmt(e.percentOfNominalPeak)} % of nominal`,
      );
    });
  }
  if (only.has('cnn')) {
    const best = compare(
      (side) => (side === 'weightroom' ? wr('cnn', T) : torch(side, 'cnn', T)),
      maxBy('imagesPerSec'),
    );
    row('small CNN training (batch 64)', T, 'images/s', best, (r) => r.imagesPerSec);
  }
  if (only.has('resnet32')) {
    const a = ['--batch', '32', '--size', '32'];
    const best = compare(
      (side) => (side === 'weightroom' ? wr('resnet-train', T, a) : torch(side, 'resnet-train', T, a)),
      maxBy('imagesPerSec'),
    );
    row('ResNet-18 train 32x3x32x32', T, 'images/s', best, (r) => r.imagesPerSec);
    row('  peak RSS of that run', T, 'MB', best, (r) => r.peakRssBytes / 1e6, false);
  }
  if (only.has('resnet224')) {
    const a = ['--batch', '16', '--size', '224'];
    const best = compare(
      (side) => (side === 'weightroom' ? wr('resnet-train', T, a) : torch(side, 'resnet-train', T, a)),
      maxBy('imagesPerSec'),
    );
    row('ResNet-18 train 16x3x224x224', T, 'images/s', best, (r) => r.imagesPerSec);
  }
  if (only.has('infer')) {
    const best = compare(
      (side) => (side === 'weightroom' ? wr('resnet-infer', T) : torch(side, 'resnet-infer', T)),
      (a, b) => (b.latencyMs < a.latencyMs ? b : a),
    );
    row(
      'ResNet-18 inference 1x3x224x224',
      T,
      'ms (ratio: torch/weightroom)',
      best,
      (r) => r.latencyMs,
      false,
    );
  }
}

mkdirSync(join(root, 'bench', 'results'), { recursive: true });
const file = join(root, 'bench', 'results', `bench-${results.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
writeFileSync(join(root, 'bench', 'results', 'latest.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`results: ${file}`);
