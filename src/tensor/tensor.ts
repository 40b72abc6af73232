// Tensor: a contiguous row-major typed array with shape and dtype, plus autograd state. Math lives in src/ops;
// the methods here delegate to it so `x.matmul(w).add(b).relu().sum()` reads like PyTorch.
import type { GradNode } from '../autograd/node.js';
import { runBackward, type BackwardOptions } from '../autograd/engine.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import * as ops from '../ops/index.js';
import { allocStorage, castScalar, isFloat, type DType, type Storage } from './dtype.js';
import { fmtShape, numel as numelOf } from './shape.js';
import { formatTensor } from './format.js';

export type NestedArray = number | boolean | NestedArray[];
export type GradHook = (grad: Tensor) => Tensor | void;
type Dims = number | readonly number[];

/** other * alpha (alpha undefined → other), for add/sub's alpha option. */
function scaled(other: Tensor | number, alpha: number | undefined): Tensor | number {
  if (alpha === undefined) return other;
  return typeof other === 'number' ? other * alpha : ops.mul(other, alpha);
}

/** Shared by a tensor and its views (reshape/view/flatten): bumped by every in-place write. */
interface VersionCounter {
  v: number;
}

export class Tensor {
  /** Row-major elements. Views share it; never replaced, so registered parameters stay the same object. */
  readonly data: Storage;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Accumulated gradient of a leaf after backward(). */
  grad: Tensor | null = null;
  /** The node that produced this tensor (null for leaves). */
  gradFn: GradNode | null = null;
  /** Set by retainGrad(): keep .grad on a non-leaf too. */
  retainsGrad = false;
  /**
   * Internal (nn/transient.ts): only the autograd graph can reach this tensor, so backward may hand its
   * buffer back to the memory pool once the tensor's own grad node has run.
   */
  transient = false;
  private requires = false;
  private hooks: GradHook[] | null = null;
  private readonly counter: VersionCounter;

  /** Low level: wrap a buffer (not copied). Prefer `tensor()`, `zeros()`, … */
  constructor(data: Storage, shape: readonly number[], dtype: DType, counter?: VersionCounter) {
    if (data.length !== numelOf(shape)) {
      throw new Error(`Tensor: buffer of ${data.length} elements does not fit shape ${fmtShape(shape)}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.counter = counter ?? { v: 0 };
  }

  // ---- metadata ----
  get ndim(): number {
    return this.shape.length;
  }
  get numel(): number {
    return this.data.length;
  }
  /** size() is the shape; size(d) one dim (negative counts from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    const d = dim < 0 ? dim + this.ndim : dim;
    if (d < 0 || d >= this.ndim) throw new Error(`size: dim ${dim} out of range for ${this.ndim}-d tensor`);
    return this.shape[d]!;
  }
  get version(): number {
    return this.counter.v;
  }
  /** A view sharing this tensor's buffer and version counter (reshape/view). */
  viewAs(shape: readonly number[]): Tensor {
    return new Tensor(this.data, shape, this.dtype, this.counter);
  }

  // ---- autograd ----
  get requiresGrad(): boolean {
    return this.requires;
  }
  set requiresGrad(on: boolean) {
    if (this.gradFn !== null && !on) {
      throw new Error('requiresGrad: can only change the flag of leaf tensors; use detach() on a non-leaf');
    }
    if (on && !isFloat(this.dtype)) {
      throw new Error(`requiresGrad: only floating-point tensors can require gradients, got ${this.dtype}`);
    }
    this.requires = on;
  }
  /** Set requiresGrad and return this (chainable, like requires_grad_()). */
  requiresGrad_(on = true): this {
    this.requiresGrad = on;
    return this;
  }
  /** Internal: mark an op's output. */
  setGradFn(node: GradNode): void {
    this.gradFn = node;
    this.requires = true;
  }
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** Backpropagate from this tensor; scalar outputs need no gradient argument. */
  backward(gradient?: Tensor, opts?: BackwardOptions): void {
    runBackward(this, gradient, opts);
  }
  /** Inspect or replace the gradient flowing into this tensor; returns a function that removes the hook. */
  registerHook(hook: GradHook): () => void {
    if (!this.requires)
      throw new Error("registerHook: cannot register a hook on a tensor that doesn't require grad");
    (this.hooks ??= []).push(hook);
    return () => {
      const i = this.hooks?.indexOf(hook) ?? -1;
      if (i >= 0) this.hooks!.splice(i, 1);
    };
  }
  retainGrad(): this {
    if (!this.requires)
      throw new Error("retainGrad: cannot retain grad of a tensor that doesn't require grad");
    this.retainsGrad = true;
    return this;
  }
  /** Internal (engine): whether gradient hooks are registered. */
  get hasHooks(): boolean {
    return this.hooks !== null && this.hooks.length > 0;
  }
  /** Internal (engine): apply hooks in registration order. */
  runHooks(g: Tensor): Tensor {
    if (!this.hooks) return g;
    for (const h of this.hooks) {
      const r = h(g);
      if (r instanceof Tensor) {
        if (r.shape.join() !== g.shape.join()) {
          throw new Error(
            `registerHook: hook returned shape ${fmtShape(r.shape)}, expected ${fmtShape(g.shape)}`,
          );
        }
        g = r;
      }
    }
    return g;
  }
  /** Internal (engine): .grad += g, storing a private copy the first time. */
  accumulateGrad(g: Tensor, steal = false): void {
    const gg = g.dtype === this.dtype ? g : g.to(this.dtype);
    // steal: the engine owns g and nothing else can reach its storage (see runBackward), so it becomes .grad as is
    if (this.grad === null) this.grad = steal && gg === g && g.gradFn === null ? g : gg.clone();
    else {
      const d = this.grad.data;
      const s = gg.data;
      for (let i = 0; i < d.length; i++) d[i]! += s[i]!;
      this.grad.bumpVersion();
    }
  }
  /** A tensor sharing data but cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, this.dtype, this.counter);
  }
  /** Internal: a constant ones tensor like this one (backward's seed). */
  onesLikeConst(): Tensor {
    const d = allocStorage(this.dtype, this.numel);
    d.fill(1);
    return new Tensor(d, this.shape, this.dtype);
  }

  // ---- in-place (for optimizers and init: leaves under noGrad, or tensors outside the graph) ----
  bumpVersion(): void {
    this.counter.v++;
  }
  private checkInPlace(op: string): void {
    if (isGradEnabled() && this.requires) {
      throw new Error(
        `${op}: in-place update of a tensor that requires grad (shape ${fmtShape(this.shape)}); ` +
          'wrap it in noGrad(() => …) (as optimizers do) or use the out-of-place op',
      );
    }
  }
  /** Copy src (broadcast to this shape, cast to this dtype) into this tensor. */
  copy_(src: Tensor | number): this {
    this.checkInPlace('copy_');
    const s = typeof src === 'number' ? null : src;
    if (s === null) {
      this.data.fill(castScalar(src as number, this.dtype));
    } else {
      const e = s.shape.join() === this.shape.join() ? s : ops.expand(s.detach(), this.shape);
      const d = this.data;
      const sd = e.data;
      if (this.dtype === 'bool') for (let i = 0; i < d.length; i++) d[i] = sd[i]! !== 0 ? 1 : 0;
      else if (this.dtype === 'int64') for (let i = 0; i < d.length; i++) d[i] = Math.trunc(sd[i]!);
      else d.set(sd as never);
    }
    this.bumpVersion();
    return this;
  }
  fill_(value: number): this {
    return this.copy_(value);
  }
  zero_(): this {
    return this.copy_(0);
  }
  add_(other: Tensor | number, opts: { alpha?: number } = {}): this {
    const o = scaled(other, opts.alpha);
    return this.copy_(ops.add(this.detach(), ops.detachIf(o)));
  }
  sub_(other: Tensor | number, opts: { alpha?: number } = {}): this {
    const o = scaled(other, opts.alpha);
    return this.copy_(ops.sub(this.detach(), ops.detachIf(o)));
  }
  mul_(other: Tensor | number): this {
    return this.copy_(ops.mul(this.detach(), ops.detachIf(other)));
  }
  div_(other: Tensor | number): this {
    return this.copy_(ops.div(this.detach(), ops.detachIf(other)));
  }
  clamp_(min?: number | null, max?: number | null): this {
    return this.copy_(ops.clamp(this.detach(), min, max));
  }

  // ---- read-out ----
  /** The single element as a number (boolean tensors give 0/1). */
  item(): number {
    if (this.numel !== 1)
      throw new Error(`item: only one-element tensors can be converted, got shape ${fmtShape(this.shape)}`);
    return this.data[0]!;
  }
  /** Nested arrays like tolist(); bool tensors give booleans. */
  toArray(): NestedArray {
    const d = this.data;
    const isBool = this.dtype === 'bool';
    const at = (i: number): number | boolean => (isBool ? d[i] !== 0 : d[i]!);
    if (this.ndim === 0) return at(0);
    const build = (dim: number, off: number, stride: number): NestedArray[] => {
      const n = this.shape[dim]!;
      const inner = stride / Math.max(n, 1);
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++)
        out[i] = dim === this.ndim - 1 ? at(off + i) : build(dim + 1, off + i * inner, inner);
      return out;
    };
    return build(0, 0, this.numel);
  }
  /** The typed array behind the tensor (shared, not copied). int64 is a Float64Array of exact integers. */
  get typedArray(): Storage {
    return this.data;
  }
  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- conversions ----
  to(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  long(): Tensor {
    return this.to('int64');
  }
  int(): Tensor {
    return this.to('int32');
  }
  bool(): Tensor {
    return this.to('bool');
  }
  clone(): Tensor {
    return ops.clone(this);
  }
  contiguous(): Tensor {
    return this;
  }

  // ---- elementwise ----
  add(o: Tensor | number, opts?: { alpha?: number }): Tensor {
    return ops.add(this, scaled(o, opts?.alpha));
  }
  sub(o: Tensor | number, opts?: { alpha?: number }): Tensor {
    return ops.sub(this, scaled(o, opts?.alpha));
  }
  mul(o: Tensor | number): Tensor {
    return ops.mul(this, o);
  }
  div(o: Tensor | number): Tensor {
    return ops.div(this, o);
  }
  pow(o: Tensor | number): Tensor {
    return ops.pow(this, o);
  }
  maximum(o: Tensor | number): Tensor {
    return ops.maximum(this, o);
  }
  minimum(o: Tensor | number): Tensor {
    return ops.minimum(this, o);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  abs(): Tensor {
    return ops.abs(this);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  }
  square(): Tensor {
    return ops.square(this);
  }
  sign(): Tensor {
    return ops.sign(this);
  }
  reciprocal(): Tensor {
    return ops.reciprocal(this);
  }
  log1p(): Tensor {
    return ops.log1p(this);
  }
  expm1(): Tensor {
    return ops.expm1(this);
  }
  floor(): Tensor {
    return ops.floor(this);
  }
  ceil(): Tensor {
    return ops.ceil(this);
  }
  round(): Tensor {
    return ops.round(this);
  }
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  leakyRelu(negativeSlope?: number): Tensor {
    return ops.leakyRelu(this, negativeSlope);
  }
  gelu(opts?: { approximate?: 'none' | 'tanh' }): Tensor {
    return ops.gelu(this, opts);
  }
  silu(): Tensor {
    return ops.silu(this);
  }
  hardswish(): Tensor {
    return ops.hardswish(this);
  }
  hardsigmoid(): Tensor {
    return ops.hardsigmoid(this);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return ops.clamp(this, min, max);
  }
  eq(o: Tensor | number): Tensor {
    return ops.eq(this, o);
  }
  ne(o: Tensor | number): Tensor {
    return ops.ne(this, o);
  }
  lt(o: Tensor | number): Tensor {
    return ops.lt(this, o);
  }
  le(o: Tensor | number): Tensor {
    return ops.le(this, o);
  }
  gt(o: Tensor | number): Tensor {
    return ops.gt(this, o);
  }
  ge(o: Tensor | number): Tensor {
    return ops.ge(this, o);
  }

  // ---- reductions ----
  sum(dim?: Dims | null, keepdim = false): Tensor {
    return ops.sum(this, dim, keepdim);
  }
  mean(dim?: Dims | null, keepdim = false): Tensor {
    return ops.mean(this, dim, keepdim);
  }
  var(dim?: Dims | null, opts?: ops.VarOptions): Tensor {
    return ops.variance(this, dim, opts);
  }
  std(dim?: Dims | null, opts?: ops.VarOptions): Tensor {
    return ops.std(this, dim, opts);
  }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ops.ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ops.ValuesIndices {
    return dim === undefined ? ops.amax(this) : ops.maxDim(this, dim, keepdim);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ops.ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ops.ValuesIndices {
    return dim === undefined ? ops.amin(this) : ops.minDim(this, dim, keepdim);
  }
  amax(dim?: Dims | null, keepdim = false): Tensor {
    return ops.amax(this, dim, keepdim);
  }
  amin(dim?: Dims | null, keepdim = false): Tensor {
    return ops.amin(this, dim, keepdim);
  }
  argmax(dim?: number | null, keepdim = false): Tensor {
    return ops.argmax(this, dim, keepdim);
  }
  argmin(dim?: number | null, keepdim = false): Tensor {
    return ops.argmin(this, dim, keepdim);
  }
  logsumexp(dim: Dims, keepdim = false): Tensor {
    return ops.logsumexp(this, dim, keepdim);
  }
  softmax(dim: number): Tensor {
    return ops.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return ops.logSoftmax(this, dim);
  }

  // ---- shape ----
  reshape(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  view(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return ops.flatten(this, startDim, endDim);
  }
  unsqueeze(dim: number): Tensor {
    return ops.unsqueeze(this, dim);
  }
  squeeze(dim?: number): Tensor {
    return ops.squeeze(this, dim);
  }
  permute(dims: readonly number[]): Tensor {
    return ops.permute(this, dims);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  /** Transpose of a matrix (≤ 2 dims). */
  t(): Tensor {
    if (this.ndim > 2)
      throw new Error(`t: expects a tensor with <= 2 dims, got ${fmtShape(this.shape)}; use transpose()`);
    return this.ndim < 2 ? this : ops.transpose(this, 0, 1);
  }
  expand(shape: readonly number[]): Tensor {
    return ops.expand(this, shape);
  }
  expandAs(other: Tensor): Tensor {
    return ops.expand(this, other.shape);
  }
  split(sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
    return ops.split(this, sizeOrSections, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return ops.chunk(this, chunks, dim);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return ops.narrow(this, dim, start, length);
  }
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return ops.slice(this, dim, start, end, step);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return ops.indexSelect(this, dim, index);
  }
  gather(dim: number, index: Tensor): Tensor {
    return ops.gather(this, dim, index);
  }
  matmul(o: Tensor): Tensor {
    return ops.matmul(this, o);
  }
}
