// Writing without Python: save -> load round trips for .pth and safetensors, torch's zip layout, float16/bfloat16
// rounding against hand-computed bits, atomic writes, checkpoints, and the errors for what cannot be saved.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator, Tensor, rand, tensor } from '../../src/index.js';
import {
  load,
  loadBytes,
  loadCheckpoint,
  readSafetensors,
  save,
  saveBytes,
  saveCheckpoint,
  RawTensorValue,
  type StateDict,
} from '../../src/io/index.js';
import { bf16ToFloat, floatToBf16, floatToHalf, halfToFloat } from '../../src/io/raw.js';
import { ZipReader } from '../../src/io/zip.js';
import { crc32Js } from '../../src/io/crc32.js';
import { FIXTURES } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'weightroom-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const same = (a: Tensor, b: Tensor) => {
  expect(b.dtype).toBe(a.dtype);
  expect(b.shape).toEqual(a.shape);
  expect([...b.data]).toEqual([...a.data]);
};

describe('.pth round trip', () => {
  it('a state dict keeps order, dtypes, shapes and bits', async () => {
    const sd = await load(`${FIXTURES}state_dict.pth`);
    const back = loadBytes(saveBytes(sd, 'pth'));
    expect(Object.keys(back)).toEqual(Object.keys(sd));
    for (const k of Object.keys(sd)) same(sd[k]!, back[k]!);
  });

  it('nested structures: Maps with int keys, tuples, bigints, bytes, floats, null, cycles refused', () => {
    const obj = {
      a: [1, 2.5, -0.5, 'x', null, true],
      m: new Map<unknown, unknown>([
        [0, 'zero'],
        [7, { t: tensor([1, 2], { dtype: 'int64' }) }],
      ]),
      big: -(2n ** 64n),
      bytes: new Uint8Array([1, 2, 3]),
      nan: NaN,
      skip: undefined,
    };
    const back = loadBytes<Record<string, unknown>>(saveBytes(obj, 'pth'));
    expect(back.a).toEqual([1, 2.5, -0.5, 'x', null, true]);
    expect(back.m).toBeInstanceOf(Map);
    expect([...(back.m as Map<unknown, unknown>).keys()]).toEqual([0, 7]);
    expect(back.big).toBe(-(2n ** 64n));
    expect(back.bytes).toEqual(new Uint8Array([1, 2, 3]));
    expect(back.nan).toBeNaN();
    expect('skip' in back).toBe(false);
    const cyc: unknown[] = [];
    cyc.push(cyc);
    expect(() => saveBytes({ cyc }, 'pth')).toThrow(/'cyc.0' refers back to itself/);
    expect(() => saveBytes({ f: () => 1 }, 'pth')).toThrow(/cannot store a function at 'f'/);
    expect(() => saveBytes({ g: new Generator(1) }, 'pth')).toThrow(/cannot store a Generator at 'g'/);
  });

  it("torch's zip layout: one folder, stored, 64-byte aligned data, CRCs, version 3", () => {
    const bytes = saveBytes({ w: rand([3, 5]), n: tensor(1, { dtype: 'int64' }) }, 'pth');
    const zip = new ZipReader(bytes);
    expect([...zip.entries.keys()]).toEqual([
      'archive/data.pkl',
      'archive/byteorder',
      'archive/data/0',
      'archive/data/1',
      'archive/version',
    ]);
    const dv = new DataView(bytes.buffer);
    for (const e of zip.entries.values()) {
      expect(e.method).toBe(0);
      const start =
        e.localOffset + 30 + dv.getUint16(e.localOffset + 26, true) + dv.getUint16(e.localOffset + 28, true);
      expect(start % 64).toBe(0);
      expect(e.crc).toBe(crc32Js(zip.read(e.name)));
    }
    expect(new TextDecoder().decode(zip.read('archive/version'))).toBe('3\n');
  });

  it('tensors sharing a buffer are written once', () => {
    const a = rand([4, 4]);
    const one = saveBytes({ a }, 'pth').length;
    const two = saveBytes({ a, b: a.reshape([16]) }, 'pth').length;
    expect(two - one).toBeLessThan(200); // pickle only, no second 64-byte storage record
  });

  it('float16 / bfloat16 storage on request, back to float32 on load', () => {
    const w = tensor([0.1, -2.5, 65504, 1e-7]);
    for (const dtype of ['float16', 'bfloat16'] as const) {
      const back = loadBytes(saveBytes({ w }, 'pth', { dtype }), { dtype: 'float32' }).w!;
      expect(back.dtype).toBe('float32');
      const cv =
        dtype === 'float16'
          ? (v: number) => halfToFloat(floatToHalf(v))
          : (v: number) => bf16ToFloat(floatToBf16(v));
      expect([...back.data]).toEqual([...w.data].map(cv));
      expect(() => loadBytes(saveBytes({ w }, 'pth', { dtype }))).toThrow(`tensor 'w' is ${dtype}`);
    }
  });

  it('int64 beyond 2^53 in a file is refused with the value; ±2^53 itself loads', () => {
    const raw = (v: bigint[]) =>
      new RawTensorValue('int64', [v.length], new Uint8Array(new BigInt64Array(v).buffer));
    const ok = loadBytes(saveBytes({ x: raw([2n ** 53n, -(2n ** 53n)]) }, 'pth'));
    expect([...ok.x!.data]).toEqual([2 ** 53, -(2 ** 53)]);
    expect(() => loadBytes(saveBytes({ x: raw([0n, 2n ** 53n + 1n]) }, 'pth'))).toThrow(
      "tensor 'x' holds int64 value 9007199254740993 at index 1, beyond the ±2^53",
    );
    expect(() => loadBytes(saveBytes({ x: raw([-(2n ** 63n)]) }, 'pth'))).toThrow(/-9223372036854775808/);
  });
});

describe('half-precision conversions', () => {
  it('float16: exact values, round-to-nearest-even ties, subnormals, overflow, NaN', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00); // the tie above max rounds to infinity
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie to even (down)
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie to even (up)
    expect(floatToHalf(2 ** -24)).toBe(1); // smallest subnormal
    expect(floatToHalf(2 ** -25)).toBe(0); // tie to even: 0
    expect(floatToHalf(-0)).toBe(0x8000);
    expect(floatToHalf(NaN) & 0x7e00).toBe(0x7e00);
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && h & 0x3ff) continue; // NaNs
      expect(floatToHalf(halfToFloat(h))).toBe(h);
    }
  });
  it('bfloat16: round-to-nearest-even, NaN kept', () => {
    expect(floatToBf16(1)).toBe(0x3f80);
    expect(floatToBf16(1 + 2 ** -8)).toBe(0x3f80);
    expect(floatToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(bf16ToFloat(floatToBf16(NaN))).toBeNaN();
    expect(bf16ToFloat(0xff80)).toBe(-Infinity);
  });
});

describe('safetensors', () => {
  it('round trip with metadata; header padded to 8 bytes; insertion order', async () => {
    const sd: StateDict = { z: rand([2, 3]), a: tensor([1, 2], { dtype: 'int64' }), m: tensor([true]) };
    const path = join(dir, 'x.safetensors');
    await save(sd, path, { metadata: { format: 'pt' } });
    const bytes = new Uint8Array(readFileSync(path));
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.keys()]).toEqual(['z', 'a', 'm']);
    const back = await load(path);
    for (const k of Object.keys(sd)) same(sd[k]!, back[k]!);
  });
  it('refuses non-tensors and nested structures', () => {
    expect(() => saveBytes({ a: 1 }, 'safetensors')).toThrow(/'a' is not a tensor/);
    expect(() => saveBytes([rand([1])], 'safetensors')).toThrow(/flat \{ name: Tensor \} record/);
  });
});

describe('save()', () => {
  it('picks the format from the extension and refuses unknown ones', async () => {
    await save({ w: rand([2]) }, join(dir, 'a.pt'));
    await save({ w: rand([2]) }, join(dir, 'a.safetensors'));
    expect(readFileSync(join(dir, 'a.pt'))[0]).toBe(0x50); // 'PK'
    expect(readFileSync(join(dir, 'a.safetensors'))[8]).toBe(0x7b); // '{'
    await expect(save({ w: rand([2]) }, join(dir, 'a.txt'))).rejects.toThrow(
      /cannot tell the format from '.txt'/,
    );
    await save({ w: rand([2]) }, join(dir, 'a.txt'), { format: 'pth' });
  });

  it('is atomic: a failed save leaves neither the target nor a temporary file', async () => {
    const target = join(dir, 'atomic.pth');
    await save({ w: tensor([1]) }, target);
    const before = readFileSync(target);
    await expect(save({ w: tensor([2]), bad: Symbol('x') }, target)).rejects.toThrow(/cannot store a symbol/);
    expect(readFileSync(target)).toEqual(before); // old file intact
    await expect(save({ w: tensor([1]) }, join(dir, 'no-such-dir', 'x.pth'))).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
  });
});

describe('checkpoints', () => {
  it('model, optimizer, scheduler, generator, epoch and extra round-trip into duck-typed objects', async () => {
    const weights = { 'fc.weight': rand([2, 3]), 'bn.num_batches_tracked': tensor(5, { dtype: 'int64' }) };
    let restored: Record<string, Tensor> = {};
    const model = {
      stateDict: () => weights,
      loadStateDict: (sd: Record<string, Tensor>) => void (restored = sd),
    };
    const optState = {
      state: new Map([[0, { momentum_buffer: rand([2, 3]) }]]),
      param_groups: [{ lr: 0.1, params: [0] }],
    };
    let optBack: unknown = null;
    const optimizer = { stateDict: () => optState, loadStateDict: (s: unknown) => void (optBack = s) };
    const scheduler = {
      stateDict: () => ({ last_epoch: 4 }),
      loadStateDict: (s: unknown) => void (schedBack = s),
    };
    let schedBack: unknown = null;
    const g = new Generator(7);
    rand([3], { generator: g });
    const path = join(dir, 'run.ckpt');
    await saveCheckpoint(path, {
      model,
      optimizer,
      scheduler,
      generator: g,
      epoch: 4,
      step: 400,
      extra: { best: 0.9 },
    });
    const expectedNext = rand([3], { generator: g });
    const g2 = new Generator(0);
    const r = await loadCheckpoint(path, { model, optimizer, scheduler, generator: g2 });
    expect(r.epoch).toBe(4);
    expect(r.step).toBe(400);
    expect(r.extra).toEqual({ best: 0.9 });
    same(weights['fc.weight'], restored['fc.weight']!);
    same(weights['bn.num_batches_tracked'], restored['bn.num_batches_tracked']!);
    expect((optBack as { param_groups: unknown }).param_groups).toEqual([{ lr: 0.1, params: [0] }]);
    expect(schedBack).toEqual({ last_epoch: 4 });
    same(expectedNext, rand([3], { generator: g2 }));
    await expect(loadCheckpoint(path, { optimizer, model })).resolves.toBeTruthy();
    const bare = join(dir, 'bare.pth');
    await save(weights, bare);
    await loadCheckpoint(bare, { model }); // a bare state dict restores the model
    same(weights['fc.weight'], restored['fc.weight']!);
    await expect(loadCheckpoint(bare, { optimizer })).rejects.toThrow(/has no 'optimizer' state/);
  });
});
