// Loading the N-API addon (build/Release/weightroom.node, built by node-gyp at install) and its typed
// surface. Op codes must stay in the order of native/src/kernels.h.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BinaryOp, ReduceOp, UnaryOp } from '../backend.js';

type F32 = Float32Array;

/** Counters of the native buffer pool (per JS thread, except pooledBytes which is process-wide). */
export interface MemoryStats {
  /** Bytes of free blocks kept for reuse. */
  pooledBytes: number;
  /** Bytes of blocks handed out and not yet known to be garbage. */
  liveBytes: number;
  liveBlocks: number;
  hits: number;
  misses: number;
  sweeps: number;
  reclaimed: number;
  /** Bytes of handed-out reused blocks taken off V8's external-memory count (fewer GCs; see memory.cc). */
  hiddenBytes: number;
  /** V8's external-memory count, which starts a GC each time it grows by 64 MB. */
  v8ExternalBytes: number;
}

/** What the addon exports (see native/src/addon.cc and addon_ops.cc). */
export interface NativeBinding {
  info(): { isa: string; threads: number; available: string[] };
  /** A zero-filled pooled ArrayBuffer (undefined where the runtime forbids external buffers). */
  alloc(bytes: number, zero?: boolean): ArrayBuffer | undefined;
  memoryStats(): MemoryStats;
  /** Detach a pooled ArrayBuffer and return its block to the pool now; false if it is not a live pooled block. */
  release(buffer: ArrayBufferLike): boolean;
  /** Tests only: a buffer whose end (or, with atStart, start) touches an inaccessible page (Linux). */
  guardedBuffer(bytes: number, atStart: boolean): ArrayBuffer | undefined;
  emptyCache(): void;
  fmaPeak(threads: number, reps: number): number;
  threadCpuMs(): number;
  setNumThreads(n: number): void;
  matmul(
    a: F32,
    b: F32,
    out: F32,
    batch: number,
    m: number,
    k: number,
    n: number,
    transA: boolean,
    transB: boolean,
    strideA: number,
    strideB: number,
    accumulate: boolean,
  ): void;
  unary(op: number, x: F32, out: F32, alpha: number): void;
  unaryGrad(op: number, x: F32, y: F32, g: F32, out: F32, alpha: number): void;
  binary(op: number, a: F32, b: F32, out: F32 | Uint8Array, dims: Int32Array): void;
  expand(x: F32, out: F32, dims: Int32Array): void;
  clamp(x: F32, lo: number, hi: number, out: F32): void;
  reduce(op: number, x: F32, out: F32, dims: Int32Array): void;
  argReduce(isMax: boolean, x: F32, outer: number, n: number, inner: number, out: Float64Array): void;
  softmax(x: F32, outer: number, n: number, inner: number, out: F32, log: boolean): void;
  softmaxGrad(y: F32, g: F32, outer: number, n: number, inner: number, out: F32, log: boolean): void;
  conv2d(x: F32, w: F32, bias: F32 | null, out: F32, geom: Int32Array): void;
  conv2dBackwardInput(gy: F32, w: F32, gx: F32, geom: Int32Array): void;
  conv2dBackwardWeight(gy: F32, x: F32, gw: F32, gb: F32 | null, geom: Int32Array): void;
  maxPool2d(x: F32, out: F32, indices: Float64Array | null, geom: Int32Array): void;
  maxPool2dBackward(gy: F32, indices: Float64Array, gx: F32, geom: Int32Array): void;
  avgPool2d(x: F32, out: F32, geom: Int32Array, countIncludePad: boolean, divisorOverride: number): void;
  avgPool2dBackward(
    gy: F32,
    gx: F32,
    geom: Int32Array,
    countIncludePad: boolean,
    divisorOverride: number,
  ): void;
  adaptiveAvgPool2d(x: F32, out: F32, planes: number, h: number, w: number, oh: number, ow: number): void;
  adaptiveAvgPool2dBackward(
    gy: F32,
    gx: F32,
    planes: number,
    h: number,
    w: number,
    oh: number,
    ow: number,
  ): void;
  sgdStep(
    p: F32,
    g: F32,
    buf: F32 | null,
    wd: number,
    momentum: number,
    keep: number,
    negLr: number,
    nesterov: boolean,
    maximize: boolean,
    first: boolean,
  ): void;
  /** consts = [negStepSize, bc2Sqrt, beta1, beta2, 1-beta1, 1-beta2, eps, wd, decay] */
  adamStep(
    p: F32,
    g: F32,
    m: F32,
    v: F32,
    vmax: F32 | null,
    consts: F32,
    coupled: boolean,
    decoupled: boolean,
    maximize: boolean,
  ): void;
  batchNormStats(x: F32, n: number, c: number, s: number, mean: Float64Array, varb: Float64Array): void;
  batchNormApply(
    x: F32,
    n: number,
    c: number,
    s: number,
    mean: Float64Array,
    invstd: Float64Array,
    w: F32 | null,
    b: F32 | null,
    y: F32,
    relu?: boolean,
  ): void;
  batchNormBackward(
    x: F32,
    gy: F32,
    n: number,
    c: number,
    s: number,
    mean: Float64Array,
    invstd: Float64Array,
    w: F32 | null,
    training: boolean,
    gx: F32 | null,
    gw: F32 | null,
    gb: F32 | null,
  ): void;
}

const UNARY: readonly UnaryOp[] = [
  'neg',
  'abs',
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'sigmoid',
  'tanh',
  'relu',
  'leakyRelu',
  'gelu',
  'geluTanh',
  'silu',
  'hardswish',
  'hardsigmoid',
  'relu6',
  'square',
  'reciprocal',
  'sign',
  'sin',
  'cos',
  'log1p',
  'expm1',
  'floor',
  'ceil',
  'round',
  'softplus',
];
const BINARY: readonly BinaryOp[] = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
];

/** Native op code of each unary op (absent: the op stays on the reference kernels, e.g. logicalNot). */
export const UNARY_CODE: Partial<Record<UnaryOp, number>> = Object.fromEntries(UNARY.map((op, i) => [op, i]));
export const BINARY_CODE: Record<BinaryOp, number> = Object.fromEntries(
  BINARY.map((op, i) => [op, i]),
) as Record<BinaryOp, number>;
export const REDUCE_CODE: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2, prod: 3 };
/** Binary ops whose output is bool (a Uint8Array). */
export const COMPARE_FROM = BINARY_CODE.eq;

export type LoadResult = { binding: NativeBinding; path: string } | { binding: null; reason: string };

/** Load the addon from build/{Release,Debug} at the package root (the same relative place from src/ and dist/). */
export function loadBinding(): LoadResult {
  const candidates = ['Release', 'Debug'].map((d) =>
    fileURLToPath(new URL(`../../../build/${d}/weightroom.node`, import.meta.url)),
  );
  const path = candidates.find((p) => existsSync(p));
  if (!path) return { binding: null, reason: 'the addon was not built (no build/Release/weightroom.node)' };
  try {
    const require = createRequire(import.meta.url);
    return { binding: require(path) as NativeBinding, path };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    return { binding: null, reason: `the addon failed to load: ${msg}` };
  }
}
