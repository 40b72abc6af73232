// Where a training step's time goes: wraps every Backend method with a timer (and counts allocations),
// runs the small CNN or a ResNet-18 step, and prints per-kernel totals against the step time.
// Usage: node bench/profile.mjs [cnn|resnet32|resnet224|infer224] --threads N --steps S [--shapes]
// (--shapes: one row per convolution geometry instead of one per kernel)
import { parseArgs } from 'node:util';
import { nn, optim, randn, randint, manualSeed, models, setBackend, noGrad } from '../dist/index.js';
import { nativeBackend, jsBackend, setNumThreads, memoryStats } from '../dist/backend/index.js';
import { loadBinding } from '../dist/backend/native/binding.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string', default: '1' },
    steps: { type: 'string', default: '10' },
    // CPU time of the main thread instead of wall time: steadier on a shared machine (with 1 thread)
    cpu: { type: 'boolean', default: false },
    shapes: { type: 'boolean', default: false },
  },
});
setNumThreads(Number(values.threads));
const base = nativeBackend() ?? jsBackend;
const binding = loadBinding().binding;
const now = values.cpu && binding ? () => binding.threadCpuMs() : () => performance.now();
const stats = new Map();
const proxy = {};
for (const [k, v] of Object.entries(base)) {
  if (typeof v !== 'function') {
    proxy[k] = v;
    continue;
  }
  proxy[k] = (...args) => {
    const t0 = now();
    const r = v(...args);
    const dt = now() - t0;
    let label =
      k === 'unary' || k === 'binary' || k === 'reduce' || k === 'unaryGrad' ? `${k}:${args[0]}` : k;
    if (values.shapes && k.startsWith('conv2d')) {
      const g = args[args.length - 1];
      label = `${k.replace('conv2d', 'conv')} ${g.c}>${g.o} k${g.kh} s${g.sh} ${g.h}x${g.w}${g.groups > 1 ? ` g${g.groups}` : ''}`;
    }
    const s = stats.get(label) ?? { ms: 0, calls: 0, elems: 0 };
    s.ms += dt;
    s.calls++;
    if (k === 'alloc') s.elems += args[1];
    stats.set(label, s);
    return r;
  };
}
setBackend(proxy);

const F = nn.functional;
const which = positionals[0] ?? 'cnn';
manualSeed(0);
let model, x, y;
if (which === 'cnn') {
  model = new nn.Sequential(
    new nn.Conv2d(1, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(3136, 128), new nn.ReLU(), new nn.Linear(128, 10),
  ); // prettier-ignore
  x = randn([64, 1, 28, 28]);
  y = randint(0, 10, [64]);
} else if (which === 'infer224') {
  model = models.resnet18();
  model.eval();
  x = randn([1, 3, 224, 224]);
} else {
  const size = which === 'resnet224' ? 224 : 32;
  const batch = which === 'resnet224' ? 16 : 32;
  model = models.resnet18({ numClasses: 10 });
  x = randn([batch, 3, size, size]);
  y = randint(0, 10, [batch]);
}
const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const phase = { forward: 0, backward: 0, step: 0 };
const infer = () => {
  const t = now();
  noGrad(() => model.forward(x));
  phase.forward += now() - t;
};
const run =
  which === 'infer224'
    ? infer
    : () => {
        let t = now();
        opt.zeroGrad();
        const loss = F.crossEntropy(model.forward(x), y);
        phase.forward += now() - t;
        t = now();
        loss.backward();
        phase.backward += now() - t;
        t = now();
        opt.step();
        phase.step += now() - t;
      };
for (let i = 0; i < 2; i++) run();
stats.clear();
Object.keys(phase).forEach((k) => (phase[k] = 0));
const steps = Number(values.steps);
const t0 = now();
for (let i = 0; i < steps; i++) run();
const total = (now() - t0) / steps;
const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
let kernels = 0;
console.log(
  `${which}: ${total.toFixed(2)} ms/step (${((x.shape[0] * 1000) / total).toFixed(0)} img/s), threads ${values.threads}`,
);
console.log(
  `phases ms/step: ${Object.entries(phase)
    .map(([k, v]) => `${k} ${(v / steps).toFixed(2)}`)
    .join(', ')}`,
);
for (const [k, s] of rows) {
  kernels += s.ms;
  const extra = k === 'alloc' ? ` ${(s.elems / steps / 1e6).toFixed(1)} M elements/step` : '';
  console.log(
    `${k.padEnd(28)} ${(s.ms / steps).toFixed(3).padStart(9)} ms ${((100 * s.ms) / steps / total).toFixed(1).padStart(5)} %  ${(s.calls / steps).toFixed(0)} calls${extra}`,
  );
}
console.log(
  `outside the backend (JS ops, autograd, optimizer): ${(total - kernels / steps).toFixed(2)} ms/step`,
);
console.log('memory pool:', JSON.stringify(memoryStats()));
