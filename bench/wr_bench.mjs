// weightroom side of the benchmarks (bench/index.mjs runs it): one measurement per process, the same
// workloads as torch_bench.py, printed as a JSON object on the last line. Imports the built package (dist/).
// Usage: node bench/wr_bench.mjs <sgemm|cnn|resnet-train|resnet-infer|peak> --threads N [...]
import { parseArgs } from 'node:util';
import { getBackend, nn, noGrad, optim, randn, randint, manualSeed, models } from '../dist/index.js';
import { backendInfo, nativeBackend, setNumThreads } from '../dist/backend/index.js';
import { loadBinding } from '../dist/backend/native/binding.js';

const F = nn.functional;

/** Mean seconds per call over a window of at least minTime, after `warmup` calls. */
function timed(fn, minTime, warmup) {
  for (let i = 0; i < warmup; i++) fn();
  let n = 0;
  const t0 = performance.now();
  for (;;) {
    fn();
    n++;
    const dt = (performance.now() - t0) / 1e3;
    if (dt >= minTime) return dt / n;
  }
}

function sgemm(a) {
  const be = nativeBackend() ?? getBackend();
  const out = [];
  for (const spec of a.sizes.split(',')) {
    const [m, n, k] = spec.split('x').map(Number);
    const A = randn([m, k]).typedArray;
    const B = randn([k, n]).typedArray;
    const C = new Float32Array(m * n);
    // the backend's GEMM into a preallocated output, like torch.mm(a, b, out=c)
    const call = () => be.matmul(A, B, C, 1, m, k, n);
    let best = Infinity;
    for (let r = 0; r < 3; r++) best = Math.min(best, timed(call, a.minTime / 3, 2));
    out.push({ m, n, k, gflops: (2 * m * n * k) / best / 1e9 });
  }
  return { sgemm: out };
}

function smallCnn() {
  return new nn.Sequential(
    new nn.Conv2d(1, 32, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(3136, 128),
    new nn.ReLU(),
    new nn.Linear(128, 10),
  );
}

function trainRate(model, x, y, minTime, warmup) {
  const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  model.train();
  const step = () => {
    opt.zeroGrad();
    F.crossEntropy(model.forward(x), y).backward();
    opt.step();
  };
  return x.shape[0] / timed(step, minTime, warmup);
}

function cnn(a) {
  manualSeed(0);
  const x = randn([64, 1, 28, 28]);
  const y = randint(0, 10, [64]);
  return { imagesPerSec: trainRate(smallCnn(), x, y, a.minTime, 3) };
}

function resnetTrain(a) {
  manualSeed(0);
  const x = randn([a.batch, 3, a.size, a.size]);
  const y = randint(0, 10, [a.batch]);
  const rate = trainRate(models.resnet18({ numClasses: 10 }), x, y, a.minTime, 2);
  return { imagesPerSec: rate, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
}

function resnetInfer(a) {
  manualSeed(0);
  const model = models.resnet18({ numClasses: 1000 }).eval();
  const x = randn([1, 3, 224, 224]);
  const sec = noGrad(() => timed(() => model.forward(x), a.minTime, 3));
  return { latencyMs: sec * 1e3 };
}

function peak(a) {
  const r = loadBinding();
  if (!r.binding) return { gflops: null };
  return { gflops: r.binding.fmaPeak(a.threads, 20) };
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string', default: '1' },
    sizes: { type: 'string', default: '256x256x256' },
    batch: { type: 'string', default: '32' },
    size: { type: 'string', default: '32' },
    'min-time': { type: 'string', default: '2' },
  },
});
const a = {
  threads: Number(values.threads),
  sizes: values.sizes,
  batch: Number(values.batch),
  size: Number(values.size),
  minTime: Number(values['min-time']),
};
setNumThreads(a.threads);
const fns = { sgemm, cnn, 'resnet-train': resnetTrain, 'resnet-infer': resnetInfer, peak };
const fn = fns[positionals[0]];
if (!fn) throw new Error(`unknown benchmark ${positionals[0]}; one of ${Object.keys(fns).join(', ')}`);
const res = fn(a);
const info = backendInfo();
console.log(JSON.stringify({ ...res, backend: info.name, isa: info.isa, threads: info.threads }));
