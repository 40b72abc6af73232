// A whole training run against real PyTorch 1.13 (issue 9 item 3). Fixture: test/fixtures/whole-run.json, written
// by scripts/fixtures/whole_run.py (run `/usr/bin/python3 scripts/fixtures/whole_run.py`; it reads
// ../shared/data/fashion-mnist, as this test does).
//
// The run: manualSeed(0); models.simpleCnn() (train mode: Dropout(0.25) active, BatchNorm on batch statistics);
// the first 50 × 32 Fashion-MNIST training images through toTensor + normalize((0.286,), (0.353,)), in order;
// 50 steps of forward, crossEntropy (mean), zeroGrad, backward, step — once with SGD(lr 0.05, momentum 0.9), once
// with Adam(lr 1e-3). PyTorch recorded three versions of each run: its default float32 run (on x86 CPUs its
// convolutions are oneDNN's), the same run with oneDNN disabled, and the same run in float64 from the same
// float32 init and inputs (the exact trajectory that any float32 implementation approximates).
//
// Exact (bitwise): the converted input, the labels, every initial state-dict tensor (sha256), the dropout mask of
// every step (predicted from a copy of the generator just before the forward, so nothing else may draw before the
// dropout layer), and num_batches_tracked.
//
// Tolerances, from measurement (native backend, AVX-512 and AVX2 give identical numbers, the portable kernels
// agree to the same order; 1 or 2 threads give identical numbers). Loss: |l - ref| / ref per step. Parameters and
// BatchNorm buffers: max |x - ref| over the recorded elements (all of a tensor up to 1280 elements, else 256
// spread evenly) divided by the tensor's max |ref|, or the relative difference of the L2 norms if larger.
//
//   losses, steps 1–15, vs float64 and vs oneDNN-free float32 PyTorch   ≤ 2e-6  (measured ≤ 2.3e-7, both
//                                                                       optimizers, native and JS backends)
//   losses, steps 1–3, vs PyTorch's default float32 run                 ≤ 5e-7  (measured ≤ 1.2e-7)
//   Adam losses, all 50 steps, vs float64: ≤ 2e-3 and, from step 16, at most 3× PyTorch float32's own drift
//     from float64 so far (measured ≤ 7.8e-4 at step 50 where torch float32 drifted 4.7e-4; JS ≤ 1.1e-7 over 10)
//   Adam losses, all 50 steps, vs PyTorch's default float32 run         ≤ 1e-3  (measured ≤ 4.6e-4)
//   SGD losses, steps 16–50, vs float64: no further than PyTorch's own default float32 run has drifted from
//     float64 by that step (measured: at most 0.06× that envelope)
//   parameters after step 1, vs float32 and float64                     ≤ 2e-6  (measured ≤ 6.2e-7)
//   parameters after step 25, vs float64: Adam ≤ 1e-3 (measured 8.6e-7 with composed BatchNorm, 2e-4 with the fused
//     kernel: Adam's update m/√v is ±lr for parameters whose gradient is ~0, e.g. BatchNorm biases, so rounding noise
//     there flips whole steps), SGD ≤ 2e-4 (measured 4.0e-5)
//   parameters after step 50, vs float64: Adam ≤ 2e-2 (measured 1.4e-3 composed, 9.9e-3 fused BatchNorm), SGD ≤ 0.2 (measured 5.1e-2), and for
//     (SGD) every tensor at most 5× as far as PyTorch's own float32 run is from float64 (measured ≤ 0.14×). For
//     Adam the late checks are the absolute bounds only: one float32 op order more or less sends Adam down another,
//     equally valid path (with the fused BatchNorm kernel: 9.9e-3 on the native backend, 1.4e-3 on the JS backend,
//     whose single-step gradients agree with the native ones to 1e-6); the early checks are what catch bugs
//
// What the numbers show. Step 1 agrees to float32 rounding (~1e-7). With Adam the drift from the float64 run grows
// from 1e-7 to ~1e-3 over 50 steps, step for step in the same pattern and magnitude as PyTorch's own float32 run
// (4.7e-4): the run amplifies rounding differences, whoever makes them. SGD with lr 0.05 and momentum 0.9 is chaotic on this problem (its loss climbs back to ~2
// after step 25): rounding differences of 1e-7 grow ~10× per step once they take hold, so every float32
// implementation leaves the exact trajectory at some step and then follows a different, equally valid one.
// PyTorch's default float32 run leaves it at step 4 (its oneDNN convolutions: with oneDNN disabled, torch float32
// stays within 5e-6 of float64 for 45 steps, and so does it over the 12 steps tried with only its convolutions in
// float64), weightroom's native
// backend at step ~30 and its JS backend at step ~16. So the SGD run is held to rounding-level agreement through
// step 15 (params through step 25), and after that only to PyTorch's own float32-vs-float64 spread. A real
// difference in the stack shows within the first steps: init or dropout draw order fail the bitwise checks, a
// biased running variance in BatchNorm fails the step-1 parameters (5.5e-6), Adam's eps added before the bias
// correction fails the step 1–15 losses (6e-4) — both mutations tried.
//
// Time: 9–15 s for both runs on the native backend on 2 cores (up to 37 s seen with the machine loaded 3× over).
// On the JS backend (no native addon) a run takes ~100 s, so there it runs the first 10 steps only.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  Generator,
  Tensor,
  datasets,
  defaultGenerator,
  getBackend,
  manualSeed,
  models,
  nn,
  ones,
  optim,
  stack,
  transforms as T,
} from '../../src/index.js';

interface Summary {
  norm?: number;
  maxAbs?: number;
  sample?: number[];
  value?: number;
}
interface Run {
  optimizer: { lr: number; momentum?: number };
  init: Record<string, { sha256: string; head: number[] }>;
  losses: number[];
  dropoutMask: { sha256_16: string[]; kept: number[] };
  snapshots: Record<string, Record<string, Summary>>;
}
type Name = 'sgd' | 'adam';
interface Fixture {
  data: {
    first: number;
    mean: number;
    std: number;
    pixelsSha256: string;
    inputSha256: string;
    labelsHead: number[];
    labelsSha256: string;
  };
  steps: number;
  batchSize: number;
  seed: number;
  snapshotSteps: number[];
  runs: Record<Name, Run>;
  runsFloat64: Record<Name, Run>;
  runsNoMkldnn: Record<Name, { losses: number[] }>;
}

const FIX = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/whole-run.json', import.meta.url)), 'utf8'),
) as Fixture;
const FASHION = fileURLToPath(new URL('../../../shared/data/fashion-mnist/', import.meta.url));
/** The JS backend takes ~100 s per 50-step run: there, only the first 10 steps. */
const STEPS = Number(process.env.WEIGHTROOM_WHOLE_RUN_STEPS) || (getBackend().name === 'js' ? 10 : FIX.steps);

const TOL = {
  tightSteps: 15,
  lossTight: 2e-6, // steps 1..tightSteps vs float64 and oneDNN-free float32
  lossTorch32Steps: 3,
  lossTorch32: 5e-7, // steps 1..3 vs PyTorch's default float32 run
  adamLoss64: 2e-3, // and at most 3× PyTorch float32's own drift from float64 so far
  adamLoss32: 1e-3,
  params: {
    1: { sgd: 2e-6, adam: 2e-6 },
    25: { sgd: 2e-4, adam: 1e-3 },
    50: { sgd: 0.2, adam: 2e-2 },
  } as Record<string, Record<Name, number>>,
};

const sha = (a: ArrayBufferView) =>
  createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');

/** sha256 of a tensor's bytes as torch lays them out (float32 as is; int64 as little-endian 64-bit). */
function tensorSha(t: Tensor): string {
  if (t.dtype === 'int64')
    return sha(BigInt64Array.from(Array.from(t.data as ArrayLike<number>), (v) => BigInt(v)));
  return sha(t.data as Float32Array);
}

/** The elements whole_run.py records: all up to 1280, else floor(k (n - 1) / 255) for k = 0..255. */
function sampleIdx(n: number): number[] {
  if (n <= 1280) return Array.from({ length: n }, (_, i) => i);
  const s = new Set<number>();
  for (let k = 0; k < 256; k++) s.add(Math.floor((k * (n - 1)) / 255));
  return [...s].sort((a, b) => a - b);
}

let slice: { x: Tensor; y: Tensor; pixels: Uint8Array } | undefined;
/** The slice, converted by weightroom's own torchvision-equivalent transforms, one image at a time, in order. */
function loadSlice(): { x: Tensor; y: Tensor; pixels: Uint8Array } {
  if (slice) return slice;
  const n = FIX.data.first;
  const ds = new datasets.FashionMNIST({
    root: FASHION,
    transform: T.compose([T.toTensor(), T.normalize([FIX.data.mean], [FIX.data.std])]),
  });
  const xs: Tensor[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const [x, y] = ds.get(i);
    xs.push(x);
    ys.push(y);
  }
  const pixels = (ds.data.data as Uint8Array).subarray(0, n * 28 * 28);
  return (slice = { x: stack(xs), y: new Tensor(Float64Array.from(ys), [n], 'int64'), pixels });
}

interface Trained {
  losses: number[];
  /** stateDict data after each snapshot step (float32 copies; num_batches_tracked as a number). */
  snaps: Record<string, Record<string, Float32Array | number>>;
}

function trainRun(name: Name): Trained {
  const fx = FIX.runs[name];
  const { x, y } = loadSlice();
  manualSeed(FIX.seed);
  const model = models.simpleCnn();
  // (1) the initial state dict is torch's, bit for bit
  const sd0 = model.stateDict();
  expect(Object.keys(sd0)).toEqual(Object.keys(fx.init));
  for (const [k, v] of Object.entries(sd0)) expect(tensorSha(v), k).toBe(fx.init[k]!.sha256);
  model.train();
  const opt =
    name === 'sgd'
      ? new optim.SGD(model.parameters(), { lr: fx.optimizer.lr, momentum: fx.optimizer.momentum! })
      : new optim.Adam(model.parameters(), { lr: fx.optimizer.lr });
  const B = FIX.batchSize;
  const losses: number[] = [];
  const snaps: Trained['snaps'] = {};
  for (let step = 0; step < STEPS; step++) {
    // the mask the dropout layer is about to draw, from a copy of the generator: torch's mask only if the draws
    // are torch's and nothing draws before the dropout layer
    const g = new Generator().setState(defaultGenerator.getState());
    const predicted = nn.functional.dropout(ones([B, 128]), 0.25, { generator: g }).data;
    const mask = Uint8Array.from(predicted, (v) => (v > 0 ? 1 : 0));
    expect(sha(mask).slice(0, 16), `dropout mask, step ${step + 1}`).toBe(fx.dropoutMask.sha256_16[step]);
    const loss = nn.functional.crossEntropy(
      model.forward(x.narrow(0, step * B, B)),
      y.narrow(0, step * B, B),
    );
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(loss.item());
    if (FIX.snapshotSteps.includes(step + 1))
      snaps[String(step + 1)] = Object.fromEntries(
        Object.entries(model.stateDict()).map(([k, t]) => [
          k,
          t.dtype === 'int64' ? t.item() : Float32Array.from(t.data as Float32Array),
        ]),
      );
  }
  return { losses, snaps };
}

const relLoss = (a: readonly number[], b: readonly number[]) =>
  a.map((l, i) => Math.abs(l - b[i]!) / Math.abs(b[i]!));
const maxOf = (a: readonly number[]) => a.reduce((m, v) => Math.max(m, v), 0);

/** Per tensor: max(max |x - ref| over the recorded elements / max |ref|, |‖x‖ - ‖ref‖| / ‖ref‖). */
function paramDiff(
  snap: Record<string, Float32Array | number> | Record<string, Summary>,
  ref: Record<string, Summary>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, r] of Object.entries(ref)) {
    const v = snap[k]!;
    if (r.value !== undefined) {
      expect(typeof v === 'number' ? v : (v as Summary).value, k).toBe(r.value);
      continue;
    }
    let d = 0;
    let norm: number;
    if (v instanceof Float32Array) {
      sampleIdx(v.length).forEach((i, j) => (d = Math.max(d, Math.abs(v[i]! - r.sample![j]!))));
      norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    } else {
      const s = v as Summary;
      s.sample!.forEach((x, j) => (d = Math.max(d, Math.abs(x - r.sample![j]!))));
      norm = s.norm!;
    }
    out[k] = Math.max(d / r.maxAbs!, Math.abs(norm - r.norm!) / r.norm!);
  }
  return out;
}

describe('a whole training run matches PyTorch 1.13 (simpleCnn, 50 steps of Fashion-MNIST)', () => {
  it('reads and converts the same input, bit for bit', () => {
    const { x, y, pixels } = loadSlice();
    expect(sha(pixels)).toBe(FIX.data.pixelsSha256);
    expect(sha(x.data as Float32Array)).toBe(FIX.data.inputSha256);
    expect(Array.from(y.data as ArrayLike<number>).slice(0, 16)).toEqual(FIX.data.labelsHead);
    expect(sha(Uint8Array.from(y.data as ArrayLike<number>))).toBe(FIX.data.labelsSha256);
  });

  for (const name of ['sgd', 'adam'] as const)
    it(`${name}: same init and dropout masks, losses and parameters within the stated tolerances`, () => {
      const t = trainRun(name);
      const t32 = FIX.runs[name];
      const t64 = FIX.runsFloat64[name];
      const vs64 = relLoss(t.losses, t64.losses);
      const vs32 = relLoss(t.losses, t32.losses);
      const vsNoMkl = relLoss(t.losses, FIX.runsNoMkldnn[name].losses);
      const torchDrift = relLoss(t32.losses, t64.losses).slice(0, STEPS);
      const x1 = (a: number[], n = a.length) => maxOf(a.slice(0, n)).toExponential(1);
      const [nt, n32] = [TOL.tightSteps, TOL.lossTorch32Steps];
      const report = [
        `${name}: ${STEPS} steps, loss ${t.losses[0]!.toFixed(4)} -> ${t.losses.at(-1)!.toFixed(4)}`,
        `  max rel loss diff vs float64: steps 1-${nt} ${x1(vs64, nt)}, all ${x1(vs64)}`,
        `  vs torch float32: steps 1-${n32} ${x1(vs32, n32)}, all ${x1(vs32)} (torch32 vs float64: ${x1(torchDrift)})`,
      ];
      // (2) losses
      const tight = TOL.tightSteps;
      expect(maxOf(vs64.slice(0, tight)), 'loss vs float64, tight window').toBeLessThanOrEqual(TOL.lossTight);
      expect(maxOf(vsNoMkl.slice(0, tight)), 'loss vs oneDNN-free float32').toBeLessThanOrEqual(
        TOL.lossTight,
      );
      expect(maxOf(vs32.slice(0, TOL.lossTorch32Steps)), 'loss vs torch float32').toBeLessThanOrEqual(
        TOL.lossTorch32,
      );
      if (name === 'adam') {
        expect(maxOf(vs64), 'adam loss vs float64').toBeLessThanOrEqual(TOL.adamLoss64);
        let env = 0;
        vs64.forEach((d, i) => {
          env = Math.max(env, torchDrift[i]!);
          if (i >= tight)
            expect(
              d,
              `adam loss vs float64 at step ${i + 1} (torch float32 drift so far ${env})`,
            ).toBeLessThanOrEqual(3 * env);
        });
        expect(maxOf(vs32), 'adam loss vs torch float32').toBeLessThanOrEqual(TOL.adamLoss32);
      } else {
        let envelope = 0;
        let worstRatio = 0;
        vs64.forEach((d, i) => {
          envelope = Math.max(envelope, torchDrift[i]!);
          if (i < tight) return;
          worstRatio = Math.max(worstRatio, d / envelope);
          expect(
            d,
            `sgd loss vs float64 at step ${i + 1} (torch float32 drift so far ${envelope})`,
          ).toBeLessThanOrEqual(envelope);
        });
        if (STEPS > tight)
          report.push(
            `  steps ${tight + 1}-${STEPS}: at most ${worstRatio.toFixed(2)}× torch float32's own drift`,
          );
      }
      // (3) parameters and BatchNorm buffers
      for (const step of Object.keys(t.snaps)) {
        const d64 = paramDiff(t.snaps[step]!, t64.snapshots[step]!);
        const tol = TOL.params[step]![name];
        for (const [k, d] of Object.entries(d64))
          expect(d, `${k} after step ${step} vs float64`).toBeLessThanOrEqual(tol);
        let line = `  params after step ${step}: vs float64 ${maxOf(Object.values(d64)).toExponential(1)}`;
        if (step === '1') {
          const d32 = paramDiff(t.snaps[step]!, t32.snapshots[step]!);
          for (const [k, d] of Object.entries(d32))
            expect(d, `${k} after step 1 vs float32`).toBeLessThanOrEqual(tol);
          line += `, vs torch float32 ${maxOf(Object.values(d32)).toExponential(1)}`;
        }
        if (step === '50' && name === 'sgd') {
          // about as far from the exact run as PyTorch's own float32 run is, tensor by tensor (5× allowed: both
          // are rounding noise amplified by the run, in different directions)
          const torch = paramDiff(t32.snapshots[step]!, t64.snapshots[step]!);
          let ratio = 0;
          for (const [k, d] of Object.entries(d64)) {
            expect(
              d,
              `${k} after step 50, vs float64 (torch float32 is ${torch[k]} away)`,
            ).toBeLessThanOrEqual(5 * torch[k]!);
            ratio = Math.max(ratio, d / torch[k]!);
          }
          line += ` (at most ${ratio.toFixed(2)}× torch float32's own distance)`;
        }
        report.push(line);
      }
      console.log(report.join('\n'));
    });
});
