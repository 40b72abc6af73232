// The backward engine: topological order from the root, closures run under noGrad, gradients accumulate
// into leaves' .grad; the graph is freed as it is consumed unless retainGraph is set.
import { getBackend } from '../backend/index.js';
import { swapAllocLog } from '../ops/util.js';
import type { Tensor } from '../tensor/tensor.js';
import { fmtShape, shapesEqual } from '../tensor/shape.js';
import { isGradEnabled, setGradEnabled } from './grad-mode.js';
import type { GradNode } from './node.js';

export interface BackwardOptions {
  retainGraph?: boolean;
}

/** Tensors reachable from root through grad functions, each after all its consumers (reverse post-order). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: { t: Tensor; i: number }[] = [{ t: root, i: 0 }];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const node = top.t.gradFn;
    const inputs = node ? node.inputs : [];
    if (top.i < inputs.length) {
      const next = inputs[top.i++]!;
      if (next.requiresGrad && !seen.has(next)) {
        seen.add(next);
        stack.push({ t: next, i: 0 });
      }
    } else {
      order.push(top.t);
      stack.pop();
    }
  }
  return order.reverse();
}

function checkVersions(node: GradNode, out: Tensor): void {
  const ins = node.inputs;
  for (let i = 0; i <= ins.length; i++) {
    const t = i < ins.length ? ins[i]! : out;
    if (t.version !== node.versions[i]) {
      const what = i < ins.length ? `input ${i}` : 'output';
      throw new Error(
        `backward: a tensor needed for the gradient of ${node.name} (${what}, shape ${fmtShape(t.shape)}) was modified ` +
          `in place after it was used (version ${t.version}, expected ${node.versions[i]}); use an out-of-place op`,
      );
    }
  }
}

export function runBackward(root: Tensor, gradient: Tensor | undefined, opts: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error(
      'backward: the tensor does not require grad and has no grad function (did you call it under noGrad?)',
    );
  }
  let g0: Tensor;
  if (gradient === undefined) {
    if (root.numel !== 1) {
      throw new Error(
        `backward: grad can be implicitly created only for scalar outputs; got shape ${fmtShape(root.shape)} — ` +
          'pass a gradient of the same shape',
      );
    }
    g0 = root.onesLikeConst();
  } else {
    if (!shapesEqual(gradient.shape, root.shape)) {
      throw new Error(
        `backward: gradient shape ${fmtShape(gradient.shape)} does not match the tensor's shape ${fmtShape(root.shape)}`,
      );
    }
    g0 = gradient.detach();
  }
  const retain = opts.retainGraph ?? false;
  const order = topoOrder(root);
  const grads = new Map<Tensor, Tensor>();
  // Storage identity is the ArrayBuffer: a view shares its base's.
  const buf = (t: Tensor): ArrayBufferLike => t.data.buffer;
  // Like torch's AccumulateGrad, a leaf without .grad takes its gradient tensor as is instead of a copy (a copy
  // of every parameter's gradient per step costs more than an optimizer step) — but only when nothing else can
  // reach that storage: not the caller's `gradient`, not seen by a hook, and delivered exactly once in this
  // backward (a backward may pass one gradient to several inputs, or a view of it). Until the end, when those
  // counts are complete, such a leaf's .grad is provisional; leaves whose storage turned out shared get a copy.
  const uses = new Map<ArrayBufferLike, number>();
  const use = (g: Tensor, n = 1): void => void uses.set(buf(g), (uses.get(buf(g)) ?? 0) + n);
  const stolen: [Tensor, Tensor][] = [];
  // And like torch's refcounting, a gradient temporary goes back to the memory pool as soon as the engine is
  // done with it, instead of waiting for the GC (which runs far less often than blocks are needed, so the pool
  // would otherwise keep mapping fresh, page-faulting memory). Only buffers allocated during this backward
  // (`fresh`) that never escaped (to a leaf's .grad, a hook or the caller) and that no pending gradient still
  // uses (`pending` counts entries of `grads` per buffer) are released; the backward closures keep no
  // reference to the gradients they are given.
  const be = getBackend();
  const fresh = be.release ? new Set<ArrayBufferLike>() : null;
  const escaped = new Set<ArrayBufferLike>();
  const pending = new Map<ArrayBufferLike, number>();
  const hold = (g: Tensor, d: number): void => void pending.set(buf(g), (pending.get(buf(g)) ?? 0) + d);
  const done: Tensor[] = [];
  const releaseDone = (): void => {
    for (const d of done) {
      const b = buf(d);
      if (fresh!.has(b) && !escaped.has(b) && !pending.get(b)) {
        fresh!.delete(b);
        be.release!(d.data);
      }
    }
    done.length = 0;
  };
  grads.set(root, g0);
  hold(g0, 1);
  if (gradient !== undefined) {
    use(g0, 2);
    escaped.add(buf(g0));
  }
  const prevLog = swapAllocLog(fresh);
  const prevMode = isGradEnabled();
  setGradEnabled(false);
  try {
    for (const t of order) {
      let g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      hold(g, -1);
      const hooked = t.hasHooks;
      if (hooked) {
        escaped.add(buf(g));
        g = t.runHooks(g);
        escaped.add(buf(g));
      }
      use(g, hooked ? 2 : 1);
      const node = t.gradFn;
      if (node === null) {
        const first = t.grad === null;
        t.accumulateGrad(g, true);
        if (first && t.grad === g) {
          stolen.push([t, g]);
          escaped.add(buf(g));
        } else if (fresh) {
          done.push(g);
          releaseDone();
        }
        continue;
      }
      if (t.retainsGrad) t.accumulateGrad(g);
      if (node.freed) {
        throw new Error(
          `backward: trying to backward through the graph a second time (${node.name}); its saved tensors were ` +
            'freed after the first backward — pass { retainGraph: true } to the first backward() if you need to',
        );
      }
      checkVersions(node, t);
      const needs = node.inputs.map((x) => x.requiresGrad);
      const ins = node.inputs;
      const gs = node.backwardFn!(g, needs);
      if (!retain) node.free();
      for (let i = 0; i < ins.length; i++) {
        const x = ins[i]!;
        const gi = gs[i];
        if (gi === null || gi === undefined) continue;
        if (!needs[i]) {
          if (fresh) done.push(gi);
          continue;
        }
        if (!shapesEqual(gi.shape, x.shape)) {
          throw new Error(
            `backward: internal error in ${node.name}: gradient ${fmtShape(gi.shape)} for input ${i} of shape ${fmtShape(x.shape)}`,
          );
        }
        const prev = grads.get(x);
        if (prev === undefined) {
          grads.set(x, gi);
          hold(gi, 1);
        } else {
          const sum = prev.add(gi);
          grads.set(x, sum);
          hold(sum, 1);
          hold(prev, -1);
          if (fresh) done.push(prev, gi);
        }
      }
      if (fresh) {
        done.push(g);
        releaseDone();
        // an activation only the graph could reach (nn/transient.ts): every node that read it has run
        if (t.transient && !retain) be.release!(t.data);
      }
    }
    for (const [t, g] of stolen) if (uses.get(buf(g)) !== 1 && t.grad === g) t.grad = g.clone();
  } finally {
    swapAllocLog(prevLog);
    setGradEnabled(prevMode);
  }
}
