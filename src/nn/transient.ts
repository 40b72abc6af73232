// Inference without autograd hands intermediate activations back to the native pool as soon as the next layer
// has read them. A tensor's memory is otherwise reclaimed only after a GC has found it dead, long after the
// layer that read it, and a block reused then has left the caches: every layer's output would first be
// fetched from DRAM just to be overwritten (measured: ResNet-18 inference at 224² ~10 % faster on 2 threads,
// ~4 % on 1). PyTorch gets this from reference counting.
//
// A tensor is released only where nothing else can still read it:
//   - grad mode is off, so no autograd graph saved it;
//   - the module that made it and the one that read it are weightroom's own layers, whose forward keeps no
//     reference to its input or result (declared with keepsNoTensors; exact classes only, since a subclass
//     may override forward), or containers of such layers (null: one of weightroom's ops, called by the
//     model code itself);
//   - it owns its whole buffer (not a view into a larger one) and shares it with none of the tensors still
//     in use (e.g. Identity or Flatten return their input or a view of it).
// The release detaches the buffer, so a stray read would find an empty array, never another tensor's data.
//
// In inference a layer that can write its result over its input (batch norm with running statistics, declared
// with runsInPlace) does so when that input is such a tensor, with a ReLU right after it fused into the same pass
// (declared with isReluLayer): no new buffer, one pass less, and the data stays in cache.
//
// In training the same tensors are marked instead: the autograd graph still needs them, and backward releases
// each one right after its own grad node has run (every node that read it comes earlier in backward's order).
// There the tensor must also not be a view of its producer's input (releasing it would free that input too).
import { isGradEnabled } from '../autograd/grad-mode.js';
import { getBackend } from '../backend/index.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Module } from './module.js';

type AnyModule = Module<never[], unknown>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any class constructor
type Ctor = abstract new (...args: any[]) => unknown;

const kinds = new WeakMap<Ctor, 'layer' | 'container'>();

/**
 * Declares that instances of exactly `cls` keep no reference to the tensors their forward reads or returns
 * (a container: provided its children do too).
 */
export function keepsNoTensors(cls: Ctor, kind: 'layer' | 'container' = 'layer'): void {
  kinds.set(cls, kind);
}

/** Whether `m` (and, for a container, every module below it) keeps no reference to its tensors. */
export function holdsNoTensors(m: AnyModule | Module | null): boolean {
  if (m === null) return true;
  const kind = kinds.get(m.constructor as Ctor);
  if (kind === undefined) return false;
  if (kind === 'layer') return true;
  for (const c of m.children()) if (!holdsNoTensors(c)) return false;
  return true;
}

/**
 * Whether nothing but the caller can reach `t`'s buffer: `t` (made by `made`, read by `used`) owns its whole
 * buffer, shares it with none of `live` (the tensors still in use), and both modules keep no tensors.
 */
export function ownsBuffer(
  t: Tensor,
  made: AnyModule | Module | null,
  used: AnyModule | Module | null,
  live: readonly Tensor[],
): boolean {
  const d = t.data;
  if (d.byteOffset !== 0 || d.byteLength !== d.buffer.byteLength) return false;
  for (const k of live) if (k === t || k.data.buffer === d.buffer) return false;
  return holdsNoTensors(made) && holdsNoTensors(used);
}

/**
 * Release `t` (made by `made`, just read by `used`) if nothing can read it again; `live` are the tensors
 * still in use (the result, the caller's input).
 */
export function dropTransient(
  t: Tensor,
  made: AnyModule | Module | null,
  used: AnyModule | Module | null,
  ...live: Tensor[]
): void {
  const be = getBackend();
  if (!be.release) return;
  const grad = isGradEnabled();
  if (grad && t.gradFn === null) return; // nothing in a graph holds it: the GC's
  if (!ownsBuffer(t, made, used, live)) return;
  const d = t.data;
  if (!grad) {
    be.release(d);
    return;
  }
  for (const x of t.gradFn!.inputs) if (x.data.buffer === d.buffer) return;
  t.transient = true;
}

/** Writes `m`'s result over `t` (then ReLU if `relu`); false (nothing written) where it cannot. */
type InPlace = (m: AnyModule | Module, t: Tensor, relu: boolean) => boolean;
const inPlace = new WeakMap<Ctor, InPlace>();
const reluLayers = new WeakSet<Ctor>();

/** Declares how exactly `cls` writes its inference result over its input (see runChain). */
export function runsInPlace(cls: Ctor, f: InPlace): void {
  inPlace.set(cls, f);
}
/** Declares that exactly `cls` is a plain ReLU (fused into a preceding in-place layer). */
export function isReluLayer(cls: Ctor): void {
  reluLayers.add(cls);
}

/**
 * Inference: relu(out + other) written over `out` (a residual block's tail), which the caller guarantees
 * nothing else reads (ownsBuffer). False, writing nothing, with grad mode on or operands that would broadcast.
 */
export function addReluInPlace(out: Tensor, other: Tensor): boolean {
  if (isGradEnabled() || out.dtype !== other.dtype || out.dtype === 'bool') return false;
  if (out.ndim !== other.ndim || out.shape.some((s, i) => s !== other.shape[i])) return false;
  const be = getBackend();
  be.binary('add', out.data, out.shape, other.data, other.shape, out.data, out.shape);
  be.unary('relu', out.data, out.data);
  out.bumpVersion();
  return true;
}

type Step = Module | readonly [Module, (t: Tensor) => Tensor];

/**
 * `x` through `steps` in order (a module's forward, or [module, f] to call it as f), each intermediate result
 * released (dropTransient) once the next step has read it: the chain of Sequential and of the zoo models. In
 * inference a step declared with runsInPlace writes over an intermediate nothing else reads (ownsBuffer), with
 * a plain ReLU right after it fused in.
 */
export function runChain(x: Tensor, steps: Iterable<Step>): Tensor {
  const list = [...steps];
  const grad = isGradEnabled();
  let t = x;
  let made: Module | null = null;
  for (let i = 0; i < list.length; i++) {
    const step = list[i]!;
    const [m, f] = Array.isArray(step) ? step : [step as Module, null];
    const write: InPlace | undefined = made && !f && !grad ? inPlace.get(m.constructor as Ctor) : undefined;
    if (write && ownsBuffer(t, made, m, [x])) {
      const next = list[i + 1];
      const relu = next !== undefined && !Array.isArray(next) && reluLayers.has(next.constructor as Ctor);
      if (write(m, t, relu)) {
        if (relu) i++;
        continue; // t holds m's result now
      }
    }
    const out = f ? f(t) : m.forward(t);
    if (made) dropTransient(t, made, m, out, x);
    made = m;
    t = out;
  }
  return t;
}
