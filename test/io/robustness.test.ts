// Hostile and damaged inputs: seeded fuzzing (bit flips, truncation, overwritten runs, mutated pickles re-zipped
// with valid CRCs, mutated safetensors headers) must end in a value or a plain Error with a message, quickly;
// targeted cases check the messages for truncation, bad CRCs, out-of-range views, memo bombs and deep nesting.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rand, tensor } from '../../src/index.js';
import { loadBytes, saveBytes } from '../../src/io/index.js';
import { concatChunks } from '../../src/io/atomic.js';
import { ZipReader, writeZip } from '../../src/io/zip.js';
import { FIXTURES } from './helpers.js';

/** Mutations per file (WEIGHTROOM_FUZZ=5000 for a longer local run). */
const ROUNDS = Number(process.env.WEIGHTROOM_FUZZ ?? 150);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A torch-style zip from a pickle and storages (valid CRCs, so the damage reaches the parsers). */
function torchZip(pkl: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  const files = [{ name: 'archive/data.pkl', data: pkl }];
  for (const [k, d] of Object.entries(storages)) files.push({ name: `archive/data/${k}`, data: d });
  files.push({ name: 'archive/version', data: new TextEncoder().encode('3\n') });
  return concatChunks(writeZip(files));
}

/** Loading must return or throw a plain Error with a message: never a TypeError/RangeError, never a hang. */
function expectGraceful(bytes: Uint8Array, what: string): 'ok' | 'error' {
  const t0 = performance.now();
  let outcome: 'ok' | 'error' = 'ok';
  for (const allowUnknownGlobals of [false, true]) {
    try {
      loadBytes(bytes, { dtype: 'float32', allowUnknownGlobals });
    } catch (e) {
      outcome = 'error';
      if (!(e instanceof Error) || e.constructor !== Error || !e.message)
        throw new Error(`${what}: ungraceful ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`, {
          cause: e,
        });
    }
  }
  expect(performance.now() - t0, what).toBeLessThan(2000);
  return outcome;
}

const corpus: [string, Uint8Array][] = [
  ...readdirSync(FIXTURES)
    .filter((f) => !f.endsWith('.json'))
    .map((f): [string, Uint8Array] => [f, new Uint8Array(readFileSync(`${FIXTURES}${f}`))]),
  [
    'written.pth',
    saveBytes({ a: rand([3, 4]), n: tensor(3, { dtype: 'int64' }), s: 'x', l: [1, 2.5] }, 'pth'),
  ],
];

describe('fuzzing', () => {
  it('bit flips, truncations and overwritten runs of every fixture', () => {
    const rnd = mulberry32(20240601);
    const pick = (n: number) => Math.floor(rnd() * n);
    let errors = 0;
    let cases = 0;
    for (const [name, orig] of corpus) {
      for (let i = 0; i < ROUNDS; i++) {
        const m = orig.slice();
        const kind = i % 3;
        let bytes = m;
        if (kind === 0) for (let k = 1 + pick(4); k > 0; k--) m[pick(m.length)]! ^= 1 << pick(8);
        else if (kind === 1) bytes = m.subarray(0, pick(m.length));
        else {
          const at = pick(m.length);
          for (let k = pick(16); k >= 0 && at + k < m.length; k--) m[at + k] = pick(256);
        }
        if (expectGraceful(bytes, `${name} mutation ${i}`) === 'error') errors++;
        cases++;
      }
    }
    expect(errors).toBeGreaterThan(cases / 4); // the damage is noticed, not silently accepted
  });

  it('mutated pickles inside valid zips', () => {
    const rnd = mulberry32(7);
    const pick = (n: number) => Math.floor(rnd() * n);
    for (const [name, orig] of corpus.filter(([n]) => n.endsWith('.pth') && !n.includes('legacy'))) {
      const zip = new ZipReader(orig);
      const pklName = [...zip.entries.keys()].find((k) => k.endsWith('/data.pkl'))!;
      const prefix = pklName.slice(0, -'data.pkl'.length);
      const storages: Record<string, Uint8Array> = {};
      for (const k of zip.entries.keys())
        if (k.startsWith(`${prefix}data/`)) storages[k.slice(prefix.length + 5)] = zip.read(k);
      const pkl = zip.read(pklName);
      for (let i = 0; i < ROUNDS; i++) {
        const m = pkl.slice();
        for (let k = 1 + pick(3); k > 0; k--) m[pick(m.length)] = pick(256);
        expectGraceful(torchZip(m, storages), `${name} pickle mutation ${i}`);
      }
    }
  });

  it('mutated safetensors headers', () => {
    const rnd = mulberry32(99);
    const pick = (n: number) => Math.floor(rnd() * n);
    for (const [name, orig] of corpus.filter(([n]) => n.endsWith('.safetensors'))) {
      const hlen = Number(new DataView(orig.buffer).getBigUint64(0, true));
      for (let i = 0; i < ROUNDS; i++) {
        const m = orig.slice();
        const at = 8 + pick(hlen);
        m[at] = '0123456789[]{}",:-e. '.charCodeAt(pick(21));
        expectGraceful(m, `${name} header mutation ${i}`);
      }
    }
  });
});

const enc = new TextEncoder();
const PROTO = [0x80, 2];
const STOP = 0x2e;
const str = (s: string) => {
  const b = enc.encode(s);
  return [0x58, b.length & 0xff, (b.length >> 8) & 0xff, 0, 0, ...b];
};
const global = (m: string, n: string) => [0x63, ...enc.encode(`${m}\n${n}\n`)];
/** _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', numel), offset, size, stride, False, OrderedDict()) */
const tensorOps = (numel: number, offset: number, size: number[], stride: number[]) => [
  ...global('torch._utils', '_rebuild_tensor_v2'),
  0x28,
  0x28, ...str('storage'), ...global('torch', 'FloatStorage'), ...str('0'), ...str('cpu'), 0x4a, ...i32(numel), 0x74,
  0x51,
  0x4a, ...i32(offset),
  0x28, ...size.flatMap((d) => [0x4a, ...i32(d)]), 0x74,
  0x28, ...stride.flatMap((d) => [0x4a, ...i32(d)]), 0x74,
  0x89,
  ...global('collections', 'OrderedDict'), 0x29, 0x52,
  0x74, 0x52,
]; // prettier-ignore
function i32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}
const pickle = (...ops: number[]) => Uint8Array.from([...PROTO, ...ops, STOP]);
const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);

describe('targeted hostile inputs', () => {
  it('a valid hand-built tensor pickle loads (the builder is right)', () => {
    const t = loadBytes<unknown>(torchZip(pickle(...tensorOps(4, 1, [2], [2])), { 0: f32(0, 1, 2, 3) }));
    expect([...(t as { data: Float32Array }).data]).toEqual([1, 3]);
  });

  it("storages of a 'byteorder: big' archive are byte-swapped", () => {
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(4, -2, false);
    const files = [
      { name: 'archive/data.pkl', data: pickle(...tensorOps(2, 0, [2], [1])) },
      { name: 'archive/byteorder', data: enc.encode('big') },
      { name: 'archive/data/0', data: be },
      { name: 'archive/version', data: enc.encode('3\n') },
    ];
    const t = loadBytes<{ data: Float32Array }>(concatChunks(writeZip(files)));
    expect([...t.data]).toEqual([1.5, -2]);
  });

  it('views reaching past their storage', () => {
    const z = torchZip(pickle(...tensorOps(4, 2, [2, 2], [2, 1])), { 0: f32(0, 1, 2, 3) });
    expect(() => loadBytes(z)).toThrow(
      /view \(offset 2, size \[2,2\], stride \[2,1\]\) reaches element 5 of storage '0'/,
    );
  });

  it('a storage entry shorter than the pickle says', () => {
    const z = torchZip(pickle(...tensorOps(8, 0, [8], [1])), { 0: f32(0, 1, 2, 3) });
    expect(() => loadBytes(z)).toThrow("corrupt zip entry 'archive/data/0': 16 bytes, the pickle says 32");
  });

  it('a missing storage entry', () => {
    expect(() => loadBytes(torchZip(pickle(...tensorOps(1, 0, [1], [1]))))).toThrow(
      "missing zip entry 'archive/data/0'",
    );
  });

  it('a stride-0 view of an enormous shape is refused before allocating', () => {
    const z = torchZip(pickle(...tensorOps(1, 0, [1 << 20, 1 << 20], [0, 0])), { 0: f32(1) });
    expect(() => loadBytes(z)).toThrow(/needs 4398046511104 bytes, over the limit/);
  });

  it('a corrupted storage fails its CRC, naming the entry', () => {
    const z = saveBytes({ w: tensor([1, 2, 3]) }, 'pth');
    const zip = new ZipReader(z);
    const e = zip.entries.get('archive/data/0')!;
    const dv = new DataView(z.buffer);
    z[
      e.localOffset + 30 + dv.getUint16(e.localOffset + 26, true) + dv.getUint16(e.localOffset + 28, true)
    ]! ^= 1;
    expect(() => loadBytes(z)).toThrow(
      /corrupt zip entry 'archive\/data\/0': CRC-32 [0-9a-f]{8} does not match/,
    );
  });

  it('truncated files say so', () => {
    const z = saveBytes({ w: tensor([1, 2, 3]) }, 'pth');
    expect(() => loadBytes(z.subarray(0, z.length - 30))).toThrow(/^truncated file: /);
    expect(() => loadBytes(z.subarray(0, 10))).toThrow(/^truncated file: /);
    const st = saveBytes({ w: tensor([1, 2, 3]) }, 'safetensors');
    expect(() => loadBytes(st.subarray(0, st.length - 1))).toThrow(
      /truncated file: tensor 'w' ends at data byte 12/,
    );
    expect(() => loadBytes(new Uint8Array(0))).toThrow('truncated file: it is empty');
  });

  it('a memo bomb (each list holds the previous twice, 60 levels) loads in linear time, shared', () => {
    const ops = [0x5d, 0x71, 0, 0x30]; // [] -> memo 0, pop
    for (let i = 1; i <= 60; i++) ops.push(0x5d, 0x68, i - 1, 0x61, 0x68, i - 1, 0x61, 0x71, i, 0x30); // [m[i-1], m[i-1]]
    ops.push(0x68, 60);
    const v = loadBytes<unknown[]>(torchZip(pickle(...ops)));
    expect(v[0]).toBe(v[1]);
  });

  it('nesting deeper than the limit is an error, not a stack overflow', () => {
    const ops: number[] = [0x5d];
    for (let i = 0; i < 5000; i++) ops.push(0x5d);
    for (let i = 0; i < 5000; i++) ops.push(0x61);
    expect(() => loadBytes(torchZip(pickle(...ops)))).toThrow(/nests deeper than 1000 levels/);
  });

  it('lengths beyond the data, unknown opcodes, stack underflow, bad memo keys', () => {
    const cases: [number[], RegExp][] = [
      [[0x58, 0xff, 0xff, 0xff, 0x7f], /truncated file: pickle needs 2147483647 more bytes/],
      [[0x8d, 0, 0, 0, 0, 0, 0, 0, 0x10], /pickle length \d+ at byte \d+ exceeds the file/],
      [[0xff], /unsupported or invalid opcode \(opcode 0xff at byte 2\)/],
      [[0x61], /stack underflow/],
      [[0x68, 9], /memo key 9 is not defined/],
      [[0x4e, 0x4e], /STOP with 2 values on the stack/],
      [[...global('builtins', 'eval'), ...str('1'), 0x85, 0x52], /refusing to load global 'builtins\.eval'/],
      [[0x4e, 0x85, 0x51], /bad persistent id/],
    ];
    for (const [ops, re] of cases) expect(() => loadBytes(torchZip(pickle(...ops)))).toThrow(re);
  });

  it('malformed safetensors: overlap, gap, bad dtype, oversized header', () => {
    const st = (header: object, data = 8) => {
      const h = enc.encode(JSON.stringify(header));
      const out = new Uint8Array(8 + h.length + data);
      new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
      out.set(h, 8);
      return out;
    };
    const e = (o: number[], shape = [1]) => ({ dtype: 'F32', shape, data_offsets: o });
    expect(() => loadBytes(st({ a: e([0, 4]), b: e([2, 6]) }))).toThrow(
      /'b' starts at data byte 2, expected 4/,
    );
    expect(() => loadBytes(st({ a: e([0, 4]) }))).toThrow(/4 bytes after the last tensor/);
    expect(() => loadBytes(st({ a: e([0, 8]) }))).toThrow(/needs 4 bytes, data_offsets \[0, 8\] give 8/);
    expect(() => loadBytes(st({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }))).toThrow(
      /unsupported dtype "C64"/,
    );
    const big = st({ a: e([0, 4]) }, 4);
    new DataView(big.buffer).setBigUint64(0, 2n ** 40n, true);
    big[8] = 0x7b;
    expect(() => loadBytes(big)).toThrow(/unrecognised file/);
  });
});
