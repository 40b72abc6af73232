// PyTorch parity: replays the cases in test/fixtures/ops-*.json (written by scripts/fixtures/ops.py with
// PyTorch 1.13; regenerate with `/usr/bin/python3 scripts/fixtures/ops.py`) with weightroom and compares the
// outputs and the input gradients. No Python runs here.
//
// Fixture conventions: float32 inputs stored bit-exactly; reference values computed by torch in float64 from
// those inputs; gradients are of L = sum_i (out_i * upstream_i).sum(), upstream_i being stored per differentiable
// output. Floats must match with |got - want| <= atol + rtol * |want| (rtol 1e-4, atol 1e-5); integer and
// boolean outputs (indices, masks) must match exactly.
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  tensor,
  nn,
  Tensor,
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  neg,
  abs,
  exp,
  log,
  sqrt,
  rsqrt,
  sigmoid,
  tanh,
  relu,
  silu,
  hardswish,
  hardsigmoid,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  where,
  cat,
  stack,
  pad,
  type DType,
} from '../../src/index.js';

const F = nn.functional;
const RTOL = 1e-4;
const ATOL = 1e-5;
const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

// ---------------------------------------------------------------------------------------------- fixture types
interface TensorJSON {
  shape: number[];
  dtype: 'float32' | 'int64' | 'bool';
  /** Flat row-major values; null stands for NaN/±inf (JSON has none). */
  data: (number | null)[];
}
interface InputJSON extends TensorJSON {
  requiresGrad: boolean;
}
type Pair = number | [number, number];
/** The union of every op's arguments (see scripts/fixtures/ops.py). */
interface Args {
  fn?: string;
  scalar?: number;
  slope?: number;
  approximate?: 'none' | 'tanh';
  min?: number;
  max?: number;
  dim?: number | number[];
  dim0?: number;
  dim1?: number;
  dims?: number[];
  keepdim?: boolean;
  correction?: number;
  shape?: number[];
  start?: number;
  end?: number;
  step?: number;
  length?: number;
  split?: number | number[];
  chunks?: number;
  pads?: number[];
  value?: number;
  stride?: Pair;
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  k?: Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number;
  size?: number | [number | null, number | null];
  training?: boolean;
  momentum?: number;
  eps?: number;
  reduction?: 'mean' | 'sum' | 'none';
  labelSmoothing?: number;
  ignoreIndex?: number;
  beta?: number;
}
interface Case {
  name: string;
  op: string;
  args: Args;
  inputs: Record<string, InputJSON>;
  outputs: TensorJSON[];
  upstream: (TensorJSON | null)[];
  grads: Record<string, TensorJSON>;
}
interface FixtureFile {
  torch: string;
  convention: string;
  cases: Case[];
}

// ---------------------------------------------------------------------------------------------- builders
type Inputs = Record<string, Tensor>;
type Builder = (I: Inputs, a: Args) => Tensor | Tensor[];

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`fixture is missing ${what}`);
  return v;
}
const opt = (t: Tensor | undefined): Tensor | null => t ?? null;

type BinaryFn = (a: Tensor | number, b: Tensor | number) => Tensor;
const BINARY: Record<string, BinaryFn> = { add, sub, mul, div, pow, maximum, minimum };
const UNARY: Record<string, (x: Tensor) => Tensor> = {
  neg,
  abs,
  exp,
  log,
  sqrt,
  rsqrt,
  sigmoid,
  tanh,
  relu,
  silu,
  hardswish,
  hardsigmoid,
};
const COMPARE: Record<string, BinaryFn> = { eq, ne, lt, le, gt, ge };
const pick = <T>(table: Record<string, T>, name: string | undefined): T =>
  need(table[need(name, 'args.fn')], `an implementation of '${name}'`);

function reduceOp(I: Inputs, a: Args): Tensor | Tensor[] {
  const x = I.x!;
  const keep = a.keepdim ?? false;
  const dim = a.dim ?? null;
  switch (a.fn) {
    case 'sum':
      return x.sum(dim, keep);
    case 'mean':
      return x.mean(dim, keep);
    case 'amax':
      return x.amax(dim, keep);
    case 'amin':
      return x.amin(dim, keep);
    case 'logsumexp':
      return x.logsumexp(need(a.dim, 'dim'), keep);
    case 'var':
      return x.var(dim, { correction: a.correction ?? 1, keepdim: keep });
    case 'std':
      return x.std(dim, { correction: a.correction ?? 1, keepdim: keep });
    case 'max':
    case 'min': {
      const d = need(a.dim, 'dim') as number;
      const r = a.fn === 'max' ? x.max(d, keep) : x.min(d, keep);
      return [r.values, r.indices];
    }
    case 'argmax':
      return x.argmax(a.dim as number | undefined, keep);
    case 'argmin':
      return x.argmin(a.dim as number | undefined, keep);
    default:
      throw new Error(`unknown reduction '${a.fn}'`);
  }
}

function shapeOp(I: Inputs, a: Args): Tensor | Tensor[] {
  const x = I.x!;
  switch (a.fn) {
    case 'reshape':
      return x.reshape(need(a.shape, 'shape'));
    case 'flatten':
      return x.flatten(a.start ?? 0, a.end ?? -1);
    case 'unsqueeze':
      return x.unsqueeze(a.dim as number);
    case 'squeeze':
      return a.dim === undefined ? x.squeeze() : x.squeeze(a.dim as number);
    case 'permute':
      return x.permute(need(a.dims, 'dims'));
    case 'transpose':
      return x.transpose(need(a.dim0, 'dim0'), need(a.dim1, 'dim1'));
    case 'expand':
      return x.expand(need(a.shape, 'shape'));
    case 'cat':
      return cat([I.x0!, I.x1!, I.x2!], a.dim as number);
    case 'stack':
      return stack([I.x0!, I.x1!, I.x2!], a.dim as number);
    case 'split':
      return x.split(need(a.split, 'split'), a.dim as number);
    case 'chunk':
      return x.chunk(need(a.chunks, 'chunks'), a.dim as number);
    case 'narrow':
      return x.narrow(a.dim as number, need(a.start, 'start'), need(a.length, 'length'));
    case 'slice':
      return x.slice(a.dim as number, a.start ?? null, a.end ?? null, a.step ?? 1);
    case 'indexSelect':
      return x.indexSelect(a.dim as number, I.index!);
    case 'gather':
      return x.gather(a.dim as number, I.index!);
    case 'pad':
      return pad(x, need(a.pads, 'pads'), { value: a.value ?? 0 });
    default:
      throw new Error(`unknown shape op '${a.fn}'`);
  }
}

function regressionLoss(I: Inputs, a: Args): Tensor {
  const reduction = a.reduction ?? 'mean';
  switch (a.fn) {
    case 'mseLoss':
      return F.mseLoss(I.x!, I.t!, { reduction });
    case 'l1Loss':
      return F.l1Loss(I.x!, I.t!, { reduction });
    case 'smoothL1Loss':
      return F.smoothL1Loss(I.x!, I.t!, { reduction, beta: a.beta ?? 1 });
    case 'bceWithLogits':
      return F.binaryCrossEntropyWithLogits(I.x!, I.t!, {
        weight: opt(I.weight),
        posWeight: opt(I.posWeight),
        reduction,
      });
    default:
      throw new Error(`unknown loss '${a.fn}'`);
  }
}

function convnet(I: Inputs): Tensor[] {
  let h = F.conv2d(I.x!, I['conv1.weight']!, I['conv1.bias']!, { padding: 1 });
  h = F.batchNorm(h, I['bn.running_mean']!, I['bn.running_var']!, I['bn.weight']!, I['bn.bias']!, {
    training: true,
    momentum: 0.1,
    eps: 1e-5,
  });
  h = F.relu(h);
  h = F.maxPool2d(h, 2);
  h = F.conv2d(h, I['conv2.weight']!, I['conv2.bias']!, { stride: 2, groups: 2 });
  h = F.relu(h);
  h = F.adaptiveAvgPool2d(h, 1);
  h = h.flatten(1);
  const logits = F.linear(h, I['fc.weight']!, I['fc.bias']!);
  const loss = F.crossEntropy(logits, I.target!, { labelSmoothing: 0.1 });
  return [loss, logits.detach(), I['bn.running_mean']!, I['bn.running_var']!];
}

const BUILDERS: Record<string, Builder> = {
  binary: (I, a) => pick(BINARY, a.fn)(I.a!, I.b!),
  binaryScalarRight: (I, a) => pick(BINARY, a.fn)(I.a!, need(a.scalar, 'scalar')),
  binaryScalarLeft: (I, a) => pick(BINARY, a.fn)(need(a.scalar, 'scalar'), I.b!),
  unary: (I, a) => {
    const x = I.x!;
    switch (a.fn) {
      case 'leakyRelu':
        return x.leakyRelu(need(a.slope, 'slope'));
      case 'gelu':
        return x.gelu({ approximate: need(a.approximate, 'approximate') });
      case 'clamp':
        return x.clamp(a.min ?? null, a.max ?? null);
      default:
        return pick(UNARY, a.fn)(x);
    }
  },
  compare: (I, a) => pick(COMPARE, a.fn)(I.a!, I.b!),
  compareScalar: (I, a) => pick(COMPARE, a.fn)(I.a!, need(a.scalar, 'scalar')),
  where: (I) => where(I.c!.gt(0), I.x!, I.y!),
  whereScalar: (I, a) => where(I.c!.gt(0), I.x!, need(a.scalar, 'scalar')),
  reduce: reduceOp,
  shape: shapeOp,
  matmul: (I) => I.a!.matmul(I.b!),
  linear: (I) => F.linear(I.x!, I.w!, opt(I.b)),
  conv2d: (I, a) =>
    F.conv2d(I.x!, I.w!, opt(I.b), {
      stride: a.stride,
      padding: a.padding,
      dilation: a.dilation,
      groups: a.groups,
    }),
  maxPool2d: (I, a) => {
    const r = F.maxPool2d(I.x!, need(a.k, 'k'), {
      stride: a.stride ?? null,
      padding: a.padding as Pair | undefined,
      dilation: a.dilation,
      ceilMode: a.ceilMode,
      returnIndices: true,
    });
    return [r.output, r.indices];
  },
  avgPool2d: (I, a) =>
    F.avgPool2d(I.x!, need(a.k, 'k'), {
      stride: a.stride ?? null,
      padding: a.padding as Pair | undefined,
      ceilMode: a.ceilMode,
      countIncludePad: a.countIncludePad,
      divisorOverride: a.divisorOverride ?? null,
    }),
  adaptiveAvgPool2d: (I, a) => F.adaptiveAvgPool2d(I.x!, need(a.size, 'size')),
  batchNorm: (I, a) => {
    const y = F.batchNorm(I.x!, opt(I.rm), opt(I.rv), opt(I.w), opt(I.b), {
      training: a.training,
      momentum: a.momentum ?? 0.1,
      eps: a.eps ?? 1e-5,
    });
    return I.rm ? [y, I.rm, I.rv!] : [y];
  },
  layerNorm: (I, a) => F.layerNorm(I.x!, need(a.shape, 'shape'), opt(I.w), opt(I.b), { eps: a.eps ?? 1e-5 }),
  softmax: (I, a) => (a.fn === 'softmax' ? F.softmax : F.logSoftmax)(I.x!, a.dim as number),
  crossEntropy: (I, a) =>
    F.crossEntropy(I.x!, I.t!, {
      weight: opt(I.weight),
      ignoreIndex: a.ignoreIndex,
      reduction: a.reduction ?? 'mean',
      labelSmoothing: a.labelSmoothing ?? 0,
    }),
  nllLoss: (I, a) =>
    F.nllLoss(I.x!, I.t!, {
      weight: opt(I.weight),
      ignoreIndex: a.ignoreIndex,
      reduction: a.reduction ?? 'mean',
    }),
  regressionLoss,
  convnet,
};

// ---------------------------------------------------------------------------------------------- comparison
function fromJSON(t: TensorJSON, requiresGrad = false): Tensor {
  const vals = t.data.map((v) => (v === null ? NaN : v));
  if (t.dtype === 'float32') return tensor(Float32Array.from(vals), { shape: t.shape, requiresGrad });
  const dtype: DType = t.dtype;
  return tensor(Float64Array.from(vals), { shape: t.shape, dtype });
}

function multiIndex(flat: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return `[${idx.join(', ')}]`;
}

/** Problems found comparing `got` with the reference `want` (empty when they match). */
function compare(what: string, got: Tensor | null, want: TensorJSON): string[] {
  if (got === null) return [`${what}: missing (got null), expected shape [${want.shape.join(', ')}]`];
  if (got.shape.join() !== want.shape.join()) {
    return [`${what}: shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`];
  }
  const problems: string[] = [];
  const gotKind = got.dtype === 'float32' || got.dtype === 'float64' ? 'float32' : got.dtype;
  if (gotKind !== want.dtype) problems.push(`${what}: dtype ${got.dtype}, expected ${want.dtype}`);
  const g = got.typedArray;
  const exact = want.dtype !== 'float32';
  let bad = 0;
  let worst = -1;
  let worstErr = -1;
  for (let i = 0; i < want.data.length; i++) {
    const w = want.data[i] ?? NaN;
    const v = g[i]!;
    let err: number;
    let ok: boolean;
    if (Number.isNaN(w) || Number.isNaN(v)) {
      ok = Number.isNaN(w) && Number.isNaN(v);
      err = ok ? 0 : Infinity;
    } else {
      err = Math.abs(v - w);
      ok = exact ? v === w : err <= ATOL + RTOL * Math.abs(w);
    }
    if (!ok) bad++;
    if (!ok && err > worstErr) {
      worstErr = err;
      worst = i;
    }
  }
  if (bad > 0) {
    const w = want.data[worst] ?? NaN;
    problems.push(
      `${what}: ${bad}/${want.data.length} elements out of tolerance; max abs error ${worstErr.toExponential(3)} ` +
        `at index ${worst} ${multiIndex(worst, want.shape)} (got ${g[worst]}, expected ${w})`,
    );
  }
  return problems;
}

function runCase(c: Case): string[] {
  const builder = BUILDERS[c.op];
  if (!builder) return [`no builder for op '${c.op}'`];
  const I: Inputs = {};
  for (const [name, t] of Object.entries(c.inputs)) I[name] = fromJSON(t, t.requiresGrad);
  const res = builder(I, c.args);
  const outs = Array.isArray(res) ? res : [res];
  const label = `${c.op} (${c.name})`;
  if (outs.length !== c.outputs.length)
    return [`${label}: ${outs.length} outputs, expected ${c.outputs.length}`];
  const problems: string[] = [];
  c.outputs.forEach((want, i) => problems.push(...compare(`${label} output ${i}`, outs[i]!, want)));

  const gradNames = Object.keys(c.grads);
  if (gradNames.length === 0) return problems;
  const terms: [Tensor, Tensor][] = [];
  c.upstream.forEach((u, i) => {
    if (u !== null) terms.push([outs[i]!, fromJSON(u)]);
  });
  if (terms.length === 1) {
    terms[0]![0].backward(terms[0]![1]);
  } else {
    let loss: Tensor | null = null;
    for (const [o, u] of terms) {
      const term = o.mul(u).sum();
      loss = loss === null ? term : loss.add(term);
    }
    loss!.backward();
  }
  for (const name of gradNames) {
    const want = c.grads[name]!;
    const grad = I[name]!.grad;
    // torch reports None for an input the output does not depend on; the fixture stores zeros then
    if (grad === null && want.data.every((v) => v === 0)) continue;
    problems.push(...compare(`${label} grad of ${name}`, grad, want));
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------- tests
const files = readdirSync(FIXTURE_DIR)
  .filter((f) => /^ops(-[\w-]+)?\.json$/.test(f))
  .sort();

describe('PyTorch parity fixtures', () => {
  it('exist and stay small', () => {
    expect(files.length).toBeGreaterThan(0);
    const total = files.reduce((s, f) => s + statSync(join(FIXTURE_DIR, f)).size, 0);
    expect(total).toBeLessThan(2 * 1024 * 1024);
  });
});

for (const file of files) {
  const fixture = JSON.parse(readFileSync(join(FIXTURE_DIR, file), 'utf8')) as FixtureFile;
  describe(`parity with torch ${fixture.torch}: ${file}`, () => {
    for (const c of fixture.cases) {
      it(`${c.op}: ${c.name}`, () => {
        expect(runCase(c)).toEqual([]);
      });
    }
  });
}
