// The native buffer pool: buffers come back zero-filled, a block is reused only once the GC has proven its
// ArrayBuffer unreachable (never while a tensor or a view still holds it), and tensors built on pooled
// memory behave like any other.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { memoryStats } from '../../src/backend/index.js';
import { native } from './helpers.js';

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
});
