// Shared op plumbing: allocating outputs, lifting scalars, recording backward closures, reducing
// broadcast gradients back to an input's shape.
import { GradNode, type BackwardFn } from '../autograd/node.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { getBackend } from '../backend/index.js';
import { castScalar, type DType } from '../tensor/dtype.js';
import { numel } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

export type TensorOrScalar = Tensor | number;

/** A fresh zero-filled tensor from the backend's allocator. */
export function empty(dtype: DType, shape: readonly number[]): Tensor {
  const data = getBackend().alloc(dtype, numel(shape));
  allocLog?.add(data.buffer);
  return new Tensor(data, shape, dtype);
}

/** Buffers allocated by ops while set (the autograd engine logs its backward pass; see runBackward). */
let allocLog: Set<ArrayBufferLike> | null = null;
/** Internal: start (or stop, with null) logging op allocations; returns the previous log. */
export function swapAllocLog(log: Set<ArrayBufferLike> | null): Set<ArrayBufferLike> | null {
  const prev = allocLog;
  allocLog = log;
  return prev;
}

/**
 * A tensor for an output the caller overwrites entirely: its contents are unspecified (the backend may skip
 * clearing a recycled block). Never hand one out before every element is written.
 */
export function emptyUninit(dtype: DType, shape: readonly number[]): Tensor {
  const be = getBackend();
  const n = numel(shape);
  const data = be.allocUninit ? be.allocUninit(dtype, n) : be.alloc(dtype, n);
  allocLog?.add(data.buffer);
  return new Tensor(data, shape, dtype);
}

/** A 0-d constant tensor holding `v` as `dtype`. */
export function scalarTensor(v: number, dtype: DType): Tensor {
  const t = empty(dtype, []);
  t.data[0] = castScalar(v, dtype);
  return t;
}

export function detachIf(x: TensorOrScalar): TensorOrScalar {
  return typeof x === 'number' ? x : x.detach();
}

/**
 * Attach a backward closure to `out` when grad mode is on and some input requires grad. The closure gets the
 * output's gradient and which inputs need one; it returns one gradient per input.
 */
export function record(name: string, inputs: Tensor[], out: Tensor, backward: BackwardFn): Tensor {
  if (!isGradEnabled()) return out;
  let any = false;
  for (const t of inputs) if (t.requiresGrad) any = true;
  if (any) out.setGradFn(new GradNode(name, inputs, backward, out));
  return out;
}

export function checkTensor(op: string, x: unknown, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new Error(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  }
}

export function assertFloat(op: string, x: Tensor, what = 'input'): void {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new Error(`${op}: ${what} must be float32 or float64, got ${x.dtype}`);
  }
}
