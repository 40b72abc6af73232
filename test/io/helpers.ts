// Shared by the I/O tests: the torch fixtures' expected.json and comparisons of loaded values against it.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { Tensor } from '../../src/index.js';

export const FIXTURES = new URL('../fixtures/io/', import.meta.url).pathname;

/** A tensor as the fixture script writes it: flat data; non-finite floats as strings; f16/bf16 as their f32. */
export interface EncTensor {
  dtype: string;
  shape: number[];
  data: (number | string)[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const expected: Record<string, any> = JSON.parse(readFileSync(`${FIXTURES}expected.json`, 'utf8'));

const num = (v: number | string): number =>
  typeof v === 'number' ? v : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : NaN;

/** The weightroom dtype a file dtype loads as (with { dtype: 'float32' } when `toF32`). */
export function loadedDType(d: string, toF32: boolean): string {
  if (d === 'float16' || d === 'bfloat16' || (d === 'float64' && toF32)) return 'float32';
  if (d === 'int16' || d === 'int8') return 'int32';
  return d;
}

export function expectTensor(t: unknown, e: EncTensor, toF32 = true, name = ''): void {
  expect(t, name).toBeInstanceOf(Tensor);
  const x = t as Tensor;
  expect(x.dtype, name).toBe(loadedDType(e.dtype, toF32));
  expect([...x.shape], name).toEqual(e.shape);
  const want = e.data.map(num).map((v) => (x.dtype === 'float32' ? Math.fround(v) : v));
  expect([...x.data], name).toEqual(want);
}

/** Compare a loaded structure with the fixture's enc_tree form ({__dict__: pairs}, {__tensor__}, {__bigint__}). */
export function expectTree(v: unknown, e: unknown, path = ''): void {
  if (e !== null && typeof e === 'object' && !Array.isArray(e)) {
    const o = e as Record<string, unknown>;
    if ('__tensor__' in o) return expectTensor(v, o.__tensor__ as EncTensor, false, path);
    if ('__bigint__' in o) return void expect(v, path).toBe(BigInt(o.__bigint__ as string));
    const pairs = o.__dict__ as [unknown, unknown][];
    if (pairs.every(([k]) => typeof k === 'string')) {
      expect(v, path).toBeTypeOf('object');
      expect(Object.keys(v as object), path).toEqual(pairs.map(([k]) => k));
      for (const [k, ev] of pairs)
        expectTree((v as Record<string, unknown>)[k as string], ev, `${path}.${k}`);
    } else {
      expect(v, path).toBeInstanceOf(Map);
      const m = v as Map<unknown, unknown>;
      expect([...m.keys()], path).toEqual(pairs.map(([k]) => k));
      for (const [k, ev] of pairs) expectTree(m.get(k), ev, `${path}.${String(k)}`);
    }
    return;
  }
  if (Array.isArray(e)) {
    expect(Array.isArray(v), path).toBe(true);
    expect((v as unknown[]).length, path).toBe(e.length);
    e.forEach((x, i) => expectTree((v as unknown[])[i], x, `${path}.${i}`));
    return;
  }
  expect(v, path).toEqual(e);
}
