// The native buffer pool: buffers come back zero-filled, a block is reused only once the GC has proven its
// ArrayBuffer unreachable (never while a tensor or a view still holds it), and tensors built on pooled
// memory behave like any other.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { getBackend, memoryStats, setBackend } from '../../src/backend/index.js';
import { manualSeed, nn, randn, tensor, type Tensor } from '../../src/index.js';
import { js as jsBackendRef, native } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe.skipIf(!native)('native memory pool', () => {
  it('reuses dead blocks, never live ones, and hands them out zeroed', () => {
    const n = 256 * 1024; // 1 MiB of float32: pooled
    const kept: Float32Array[] = [];
    for (let i = 0; i < 60; i++) {
      const a = native!.alloc('float32', n) as Float32Array;
      expect(a[0]).toBe(0);
      expect(a[n - 1]).toBe(0);
      a.fill(i + 1);
      if (i % 6 === 0) kept.push(a);
    }
    // a view alone (the Float32Array is dropped) must keep its block alive
    const onlyView = ((a: Float32Array) => new Uint8Array(a.fill(42).buffer, 8, 16))(
      native!.alloc('float32', n) as Float32Array,
    );
    const before = memoryStats()!;
    gc();
    for (let i = 0; i < 120; i++) {
      const a = native!.alloc('float32', n) as Float32Array;
      for (let j = 0; j < n; j += 4093) expect(a[j]).toBe(0);
      a.fill(-1);
    }
    const after = memoryStats()!;
    expect(after.hits - before.hits).toBeGreaterThan(0);
    kept.forEach((a, k) => {
      for (let j = 0; j < n; j += 997) expect(a[j]).toBe(k * 6 + 1);
    });
    expect([...onlyView]).toEqual([...new Uint8Array(new Float32Array([42, 42, 42, 42]).buffer)]);
  });
  it('returns every dtype at the requested length, small ones from V8', () => {
    for (const [dtype, ctor] of [
      ['float32', Float32Array],
      ['float64', Float64Array],
      ['int64', Float64Array],
      ['int32', Int32Array],
      ['uint8', Uint8Array],
      ['bool', Uint8Array],
    ] as const) {
      for (const len of [0, 5, 100_000]) {
        const a = native!.alloc(dtype, len);
        expect(a).toBeInstanceOf(ctor);
        expect(a.length).toBe(len);
      }
    }
  });
  it('release(): detaches the buffer and reuses its block at once; anything else is refused', () => {
    const n = 256 * 1024;
    const a = native!.alloc('float32', n) as Float32Array;
    a.fill(3);
    const before = memoryStats()!;
    expect(native!.release!(a)).toBe(true);
    expect(a.length).toBe(0); // detached: a stray access finds nothing, not a recycled block
    expect(native!.release!(a)).toBe(false); // twice
    const b = native!.alloc('float32', n) as Float32Array;
    expect(memoryStats()!.hits).toBe(before.hits + 1);
    expect(b[0]).toBe(0);
    expect(native!.release!(new Float32Array(n))).toBe(false); // not from the pool
    expect(native!.release!(new Float32Array(8))).toBe(false);
  });
  it("a reused block counts only in part toward V8's external memory while out, and the count balances", () => {
    const bytes = 16 << 20;
    const first = native!.alloc('float32', bytes / 4) as Float32Array;
    native!.release!(first);
    const base = memoryStats()!;
    const reused = native!.alloc('float32', bytes / 4) as Float32Array; // the block release() just returned
    const during = memoryStats()!;
    expect(during.hits).toBe(base.hits + 1);
    expect(during.hiddenBytes - base.hiddenBytes).toBe((bytes * 3) / 4); // WEIGHTROOM_GC_HIDE's default
    // V8 counted the new buffer in full, less the hidden part (give or take V8's own small allocations)
    expect(Math.abs(during.v8ExternalBytes - base.v8ExternalBytes - bytes / 4)).toBeLessThan(4096);
    native!.release!(reused);
    const after = memoryStats()!;
    expect(after.hiddenBytes).toBe(base.hiddenBytes);
    expect(Math.abs(after.v8ExternalBytes - base.v8ExternalBytes)).toBeLessThan(4096);
    // small buffers (from 256 bytes) come from the pool too: V8 starts a scavenge for each buffer it allocates
    // itself once the young generation holds 32 MB of buffers
    const small = native!.alloc('float32', 100);
    const hits = memoryStats()!.hits;
    expect(native!.release!(small)).toBe(true);
    native!.alloc('float32', 100);
    expect(memoryStats()!.hits).toBe(hits + 1);
  });
});

// The autograd engine hands its gradient temporaries back to the pool during backward: nothing a user can
// reach may be among them.
describe.skipIf(!native)('backward releases only its own temporaries', () => {
  const original = getBackend();
  const alive = (t: Tensor) => t.data.length === t.shape.reduce((a, b) => a * b, 1);
  it('leaf grads, retained grads, hooked and caller-given gradients and forward values stay intact', () => {
    let released = 0;
    // poisoned first: if a released block were still read (e.g. copied), NaNs would show in the results
    setBackend({ ...native!, release: (st) => (released++, st.fill(NaN), native!.release!(st)) });
    try {
      manualSeed(1);
      const conv = new nn.Conv2d(3, 8, 3, { padding: 1 });
      const x = randn([4, 3, 40, 40]).requiresGrad_();
      const h = conv.forward(x).relu();
      h.retainGrad();
      let hooked: Tensor | null = null;
      const h2 = h.mul(2);
      h.registerHook((g) => (hooked = g));
      const leaf = randn(h.shape).requiresGrad_(); // add passes one gradient to a leaf and to a non-leaf
      const y = nn.functional.maxPool2d(h2.add(h).add(leaf), 2) as Tensor;
      const given = tensor(new Float32Array(y.numel).fill(1), { shape: y.shape });
      y.backward(given);
      expect(released).toBeGreaterThan(0);
      for (const t of [
        x.grad!,
        conv.weight.grad!,
        conv.bias!.grad!,
        leaf.grad!,
        h.grad!,
        hooked!,
        given,
        h,
        h2,
        y,
        x,
      ])
        expect(alive(t)).toBe(true);
      // the same numbers as the reference backend computes
      const got = [x.grad!, conv.weight.grad!, leaf.grad!].map((t) => Array.from(t.data));
      setBackend(jsBackendRef);
      manualSeed(1);
      const conv2 = new nn.Conv2d(3, 8, 3, { padding: 1 });
      const x2 = randn([4, 3, 40, 40]).requiresGrad_();
      const hh = conv2.forward(x2).relu();
      const leaf2 = randn(hh.shape).requiresGrad_();
      (nn.functional.maxPool2d(hh.mul(2).add(hh).add(leaf2), 2) as Tensor).backward(given);
      const want = [x2.grad!, conv2.weight.grad!, leaf2.grad!].map((t) => Array.from(t.data));
      for (let k = 0; k < 3; k++)
        for (let i = 0; i < want[k]!.length; i += 7)
          expect(Math.abs(got[k]![i]! - want[k]![i]!)).toBeLessThanOrEqual(
            1e-5 * Math.max(1, Math.abs(want[k]![i]!)),
          );
    } finally {
      setBackend(original);
    }
  });
});
