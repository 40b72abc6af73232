// The fused optimizer updates (Backend.sgdStep / adamStep: one native pass per parameter) against torch 1.13
// on a parameter large enough to take that path (scripts/fixtures/optim.py → optim-fused.json, bit-exact),
// and against the reference loops of src/optim/functional.ts on random data incl. NaN and ±inf gradients.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { getBackend, jsBackend, setBackend, type Backend } from '../../src/backend/index.js';
import { optim, tensor, type Tensor } from '../../src/index.js';
import { native, randArray, rng } from '../backend/helpers.js';
import { OPTIMIZERS } from './helpers.js';

const fx = JSON.parse(readFileSync(new URL('../fixtures/optim-fused.json', import.meta.url), 'utf8')) as {
  torch: string;
  n: number;
  init: string;
  grads: string[];
  runs: {
    name: string;
    optimizer: keyof typeof OPTIMIZERS;
    options: Record<string, unknown>;
    final: string;
  }[];
};
const f32 = (b64: string): Float32Array => {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
};
/** The bit patterns, NaNs as one (their sign and payload are not specified by torch either). */
const bits = (a: Float32Array): number[] =>
  Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (u, i) => (Number.isNaN(a[i]) ? -1 : u));

type Ctor = new (params: Tensor[], opts: Record<string, unknown>) => optim.Optimizer;
function runSteps(
  name: keyof typeof OPTIMIZERS,
  opts: Record<string, unknown>,
  init: Float32Array,
  grads: Float32Array[],
) {
  const p = tensor(init.slice(), { shape: [init.length] }).requiresGrad_();
  const opt = new (OPTIMIZERS[name] as unknown as Ctor)([p], opts);
  for (const g of grads) {
    p.grad = tensor(g.slice(), { shape: [g.length] });
    opt.step();
  }
  return p.data as Float32Array;
}

const original = getBackend();
afterEach(() => setBackend(original));
const backends: [string, Backend | null][] = [
  ['native', native],
  ['reference', jsBackend],
];

describe(`fused updates on a ${fx.n}-element parameter equal torch ${fx.torch} bit for bit (3 steps)`, () => {
  for (const [label, be] of backends)
    describe.skipIf(!be)(label, () => {
      for (const run of fx.runs)
        it(run.name, () => {
          setBackend(be!);
          const out = runSteps(run.optimizer, run.options, f32(fx.init), fx.grads.map(f32));
          expect(bits(out)).toEqual(bits(f32(run.final)));
        });
    });
});

describe.skipIf(!native)('native fused updates equal the reference loops (random data, NaN and ±inf)', () => {
  const configs: [keyof typeof OPTIMIZERS, Record<string, unknown>][] = [
    ['SGD', { lr: 0.1 }],
    ['SGD', { lr: 0.1, momentum: 0.9 }],
    ['SGD', { lr: 0.03, momentum: 0.8, dampening: 0.2, weightDecay: 1e-3 }],
    ['SGD', { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4, maximize: true }],
    ['Adam', { lr: 1e-3 }],
    ['Adam', { lr: 1e-2, betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.1, amsgrad: true, maximize: true }],
    ['AdamW', { lr: 1e-3, weightDecay: 0.05 }],
    ['AdamW', { lr: 1e-3, weightDecay: 0.05, amsgrad: true }],
  ];
  const r = rng(7);
  const n = 100_003; // several chunks per thread, an odd tail
  const init = randArray(r, n, 2);
  const grads = [0, 1, 2, 3].map(() => {
    const g = randArray(r, n, 0.5);
    for (let i = 0; i < n; i += 9973) g[i] = [NaN, Infinity, -Infinity, 0][(i / 9973) % 4]!;
    return g;
  });
  for (const [name, opts] of configs)
    it(`${name} ${JSON.stringify(opts)}`, () => {
      setBackend(native!);
      const a = runSteps(name, opts, init, grads);
      setBackend(jsBackend);
      const b = runSteps(name, opts, init, grads);
      expect(bits(a)).toEqual(bits(b));
    });
});
