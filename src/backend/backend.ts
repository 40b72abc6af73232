// The kernel seam: a Backend only computes on flat row-major buffers. Ops validate shapes and dtypes,
// allocate outputs through `alloc` (the pooling seam) and record autograd; backends never build Tensors.
import type { DType, Storage, FloatStorage } from '../tensor/dtype.js';

export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'gelu'
  | 'geluTanh'
  | 'silu'
  | 'hardswish'
  | 'hardsigmoid'
  | 'relu6'
  | 'square'
  | 'reciprocal'
  | 'sign'
  | 'sin'
  | 'cos'
  | 'log1p'
  | 'expm1'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'softplus'
  | 'logicalNot';

export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'logicalAnd'
  | 'logicalOr';

export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';

/** Parameters of a unary op: `alpha` is leakyRelu's negative slope. */
export interface UnaryParams {
  alpha?: number;
}

/** Geometry of one 2-d convolution, all sizes resolved (padding is symmetric per axis). */
export interface Conv2dGeom {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  groups: number;
  oh: number;
  ow: number;
}

/** Geometry of a 2-d pooling window over [n*c planes, h, w] → [oh, ow]. */
export interface Pool2dGeom {
  planes: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  oh: number;
  ow: number;
}

export interface MatmulOpts {
  transA?: boolean;
  transB?: boolean;
  /** Elements between consecutive batch matrices of A / B (0 broadcasts one matrix over the batch). */
  strideA?: number;
  strideB?: number;
  /** out = out*beta + A@B when accumulate is set (beta = 1). */
  accumulate?: boolean;
}

/** SGD's per-step constants, each already rounded to the parameter's dtype (see optim/functional.ts). */
export interface SgdStepConsts {
  wd: number;
  momentum: number;
  /** 1 − dampening */
  keep: number;
  negLr: number;
  nesterov: boolean;
  maximize: boolean;
  /** The first momentum step: the buffer starts as the (decayed) gradient. */
  first: boolean;
}

/** Adam/AdamW's per-step constants, each already rounded to the parameter's dtype. */
export interface AdamStepConsts {
  negStepSize: number;
  bc2Sqrt: number;
  beta1: number;
  beta2: number;
  oneMinusBeta1: number;
  oneMinusBeta2: number;
  eps: number;
  wd: number;
  /** 1 − lr·wd (AdamW) */
  decay: number;
  /** Adam's L2: wd·p added to the gradient. */
  coupled: boolean;
  /** AdamW: p scaled by `decay` first. */
  decoupled: boolean;
  maximize: boolean;
}

export interface Backend {
  readonly name: string;
  /** Allocate a zero-filled buffer for `n` elements of `dtype`. The pool seam: a backend may recycle blocks. */
  alloc(dtype: DType, n: number): Storage;
  /**
   * A buffer whose contents are unspecified (a recycled block is not cleared), for outputs that a kernel writes
   * entirely. Optional: ops fall back to `alloc`.
   */
  allocUninit?(dtype: DType, n: number): Storage;
  /**
   * Take a buffer back for reuse now instead of when the GC finds it (optional). Only for storage that nothing
   * will touch again (the autograd engine's own gradient temporaries); afterwards the storage is detached
   * (length 0). Returns false, changing nothing, when the backend cannot (e.g. not a pooled block).
   */
  release?(s: Storage): boolean;

  /**
   * Fused optimizer updates in place (optional; src/optim/functional.ts holds the reference loops and their
   * formulas). Return false to decline (e.g. an unsupported dtype), and the reference loop runs instead.
   */
  sgdStep?(p: FloatStorage, g: FloatStorage, buf: FloatStorage | null, h: SgdStepConsts): boolean;
  adamStep?(
    p: FloatStorage,
    g: FloatStorage,
    m: FloatStorage,
    v: FloatStorage,
    vmax: FloatStorage | null,
    h: AdamStepConsts,
  ): boolean;

  unary(op: UnaryOp, x: Storage, out: Storage, p?: UnaryParams): void;
  /** out = g * f'(x), with y = f(x) given too so kernels may use whichever is cheaper. */
  unaryGrad(
    op: UnaryOp,
    x: FloatStorage,
    y: FloatStorage,
    g: FloatStorage,
    out: FloatStorage,
    p?: UnaryParams,
  ): void;
  binary(
    op: BinaryOp,
    a: Storage,
    aShape: readonly number[],
    b: Storage,
    bShape: readonly number[],
    out: Storage,
    outShape: readonly number[],
  ): void;
  /** out = clamp(x, lo, hi); NaN bounds mean unbounded on that side. */
  clamp(x: Storage, lo: number, hi: number, out: Storage): void;
  where(
    cond: Storage,
    cShape: readonly number[],
    a: Storage,
    aShape: readonly number[],
    b: Storage,
    bShape: readonly number[],
    out: Storage,
    outShape: readonly number[],
  ): void;
  /** Broadcast-copy x (shape xShape, right-aligned) into out (outShape). */
  expand(x: Storage, xShape: readonly number[], out: Storage, outShape: readonly number[]): void;
  /** Reduce x over the dims where `reduced[d]` is true; out has the kept dims' sizes in order. */
  reduce(op: ReduceOp, x: Storage, shape: readonly number[], reduced: readonly boolean[], out: Storage): void;
  /** Index of the max/min along a middle axis of an [outer, n, inner] view; first occurrence wins, NaN wins. */
  argReduce(op: 'argmax' | 'argmin', x: Storage, outer: number, n: number, inner: number, out: Storage): void;
  /** Batched row-major GEMM: out[b] (m×n) = op(A[b]) (m×k) @ op(B[b]) (k×n). */
  matmul(
    a: FloatStorage,
    b: FloatStorage,
    out: FloatStorage,
    batch: number,
    m: number,
    k: number,
    n: number,
    opts?: MatmulOpts,
  ): void;
  permute(x: Storage, shape: readonly number[], perm: readonly number[], out: Storage): void;
  /** Copy an [outer, srcN, inner] block into out's [outer, dstN, inner] at offset `at` along the middle axis (add when accumulate). */
  copyAxis(
    src: Storage,
    outer: number,
    srcN: number,
    inner: number,
    out: Storage,
    dstN: number,
    at: number,
    accumulate?: boolean,
  ): void;
  /** Slice [outer, n, inner] → [outer, len, inner] starting at `start` with `step`. */
  sliceAxis(
    x: Storage,
    outer: number,
    n: number,
    inner: number,
    start: number,
    len: number,
    step: number,
    out: Storage,
  ): void;
  /** Scatter-add of sliceAxis' gradient back into a zeroed [outer, n, inner] buffer. */
  sliceAxisBackward(
    g: Storage,
    outer: number,
    n: number,
    inner: number,
    start: number,
    len: number,
    step: number,
    out: Storage,
  ): void;
  /** out[o, i, r] = x[o, index[i], r]. */
  indexSelect(x: Storage, outer: number, n: number, inner: number, index: Storage, out: Storage): void;
  /** out[o, index[i], r] += g[o, i, r]. */
  indexAdd(g: Storage, outer: number, n: number, inner: number, index: Storage, out: Storage): void;
  /** Gather along `dim` of x (shape) with index of shape iShape; out has iShape. */
  gather(
    x: Storage,
    shape: readonly number[],
    dim: number,
    index: Storage,
    iShape: readonly number[],
    out: Storage,
  ): void;
  /** out (shape) [dim = index] += src (iShape). */
  scatterAdd(
    src: Storage,
    iShape: readonly number[],
    dim: number,
    index: Storage,
    out: Storage,
    shape: readonly number[],
  ): void;
  /** Constant padding: pads[2*d], pads[2*d+1] = before/after for dim d (negative crops). */
  pad(x: Storage, shape: readonly number[], pads: readonly number[], value: number, out: Storage): void;
  /** softmax / logSoftmax along the middle axis of [outer, n, inner]. */
  softmax(x: FloatStorage, outer: number, n: number, inner: number, out: FloatStorage, log: boolean): void;
  /** Gradient of softmax / logSoftmax given its output y. */
  softmaxGrad(
    y: FloatStorage,
    g: FloatStorage,
    outer: number,
    n: number,
    inner: number,
    out: FloatStorage,
    log: boolean,
  ): void;

  // Convolution and pooling kernels write every element of their outputs (out, gx, gw, gb): callers may pass
  // buffers from allocUninit.
  conv2d(x: FloatStorage, w: FloatStorage, bias: FloatStorage | null, out: FloatStorage, g: Conv2dGeom): void;
  conv2dBackwardInput(gy: FloatStorage, w: FloatStorage, gx: FloatStorage, g: Conv2dGeom): void;
  /** gw (and gb when given) from gy and x. */
  conv2dBackwardWeight(
    gy: FloatStorage,
    x: FloatStorage,
    gw: FloatStorage,
    gb: FloatStorage | null,
    g: Conv2dGeom,
  ): void;
  /** Max pooling; `indices` gets the flat h*w index of each max within its plane (PyTorch's convention). */
  /** Max pooling; `indices` (flat h*w position of each max) may be null when nothing will read them. */
  maxPool2d(x: FloatStorage, out: FloatStorage, indices: Float64Array | null, g: Pool2dGeom): void;
  maxPool2dBackward(gy: FloatStorage, indices: Float64Array, gx: FloatStorage, g: Pool2dGeom): void;
  avgPool2d(
    x: FloatStorage,
    out: FloatStorage,
    g: Pool2dGeom,
    countIncludePad: boolean,
    divisorOverride: number,
  ): void;
  avgPool2dBackward(
    gy: FloatStorage,
    gx: FloatStorage,
    g: Pool2dGeom,
    countIncludePad: boolean,
    divisorOverride: number,
  ): void;
  adaptiveAvgPool2d(
    x: FloatStorage,
    planes: number,
    h: number,
    w: number,
    oh: number,
    ow: number,
    out: FloatStorage,
  ): void;
  adaptiveAvgPool2dBackward(
    gy: FloatStorage,
    planes: number,
    h: number,
    w: number,
    oh: number,
    ow: number,
    gx: FloatStorage,
  ): void;

  /** Per-channel mean and biased variance of x [N, C, S] (float64 outputs). */
  batchNormStats(
    x: FloatStorage,
    n: number,
    c: number,
    s: number,
    mean: Float64Array,
    varb: Float64Array,
  ): void;
  /**
   * y = (x - mean)·invstd·w + b per channel of [N, C, S] (w/b null → 1/0), then max(0, ·) when `relu` (NaN
   * stays NaN). y may be x itself.
   */
  batchNormApply(
    x: FloatStorage,
    n: number,
    c: number,
    s: number,
    mean: Float64Array,
    invstd: Float64Array,
    w: FloatStorage | null,
    b: FloatStorage | null,
    y: FloatStorage,
    relu?: boolean,
  ): void;
  /** Batch-norm gradients (training: batch statistics; eval: constant statistics); any output may be null. */
  batchNormBackward(
    x: FloatStorage,
    gy: FloatStorage,
    n: number,
    c: number,
    s: number,
    mean: Float64Array,
    invstd: Float64Array,
    w: FloatStorage | null,
    training: boolean,
    gx: FloatStorage | null,
    gw: FloatStorage | null,
    gb: FloatStorage | null,
  ): void;
}
