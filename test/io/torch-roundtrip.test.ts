// Files written by weightroom, read back by real PyTorch (scripts/fixtures/check_torch_roundtrip.py): state dicts
// with weights_only=True and load_state_dict(strict=True), every dtype, float16/bfloat16 rounding, checkpoints whose
// optimizer state torch's SGD accepts, shared storages, RNG state, safetensors. Skipped when torch is missing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Generator, Tensor, rand, tensor } from '../../src/index.js';
import { load, save, saveCheckpoint } from '../../src/io/index.js';
import { tuples } from '../../src/io/pickle/values.js';
import { buildProgram } from '../../src/cli/program.js';
import { FIXTURES } from './helpers.js';

const PY = '/usr/bin/python3';
const SCRIPT = new URL('../../scripts/fixtures/check_torch_roundtrip.py', import.meta.url).pathname;
const hasTorch = spawnSync(PY, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch) console.warn(`torch round-trip: SKIPPED (${PY} cannot import torch)`);

/** The manifest's encoding of a value (see check_torch_roundtrip.py). */
function enc(v: unknown, asDType?: string): unknown {
  if (v instanceof Tensor) {
    const data = [...v.data].map((x) =>
      Number.isFinite(x) ? x : String(x).replace('Infinity', 'inf').toLowerCase(),
    );
    return {
      __tensor__: { dtype: v.dtype === 'float32' && asDType ? asDType : v.dtype, shape: [...v.shape], data },
    };
  }
  if (typeof v === 'bigint') return { __bigint__: String(v) };
  if (typeof v === 'number' && !Number.isFinite(v))
    return { __float__: String(v).replace('Infinity', 'inf').toLowerCase() };
  if (v instanceof Uint8Array) return { __bytes__: [...v] };
  if (Array.isArray(v))
    return tuples.has(v) ? { __tuple__: v.map((x) => enc(x, asDType)) } : v.map((x) => enc(x, asDType));
  if (v instanceof Map) return { __dict__: [...v].map(([k, x]) => [k, enc(x, asDType)]) };
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    const ordered = entries.length > 0 && entries.every(([, x]) => x instanceof Tensor);
    return { __dict__: entries.map(([k, x]) => [k, enc(x, asDType)]), ordered };
  }
  return v;
}

describe.skipIf(!hasTorch)('PyTorch reads what weightroom writes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weightroom-rt-'));
  afterAll(() =>
    process.env.WEIGHTROOM_KEEP_RT ? console.log(dir) : rmSync(dir, { recursive: true, force: true }),
  );

  it('torch.load / load_state_dict / SGD.load_state_dict / set_rng_state accept our files', async () => {
    const manifest: Record<string, unknown>[] = [];
    const add = (file: string, expectValue: unknown, extra: Record<string, unknown> = {}) =>
      manifest.push({ file, format: 'pth', weights_only: true, expect: expectValue, ...extra });

    // a torchvision-style state dict read from torch's file and written again
    const sd = await load(`${FIXTURES}state_dict.pth`);
    await save(sd, join(dir, 'sd.pth'));
    add('sd.pth', enc(sd), { tiny_net: true });

    // every weightroom dtype, 0-d and empty tensors, extreme values
    const dt = {
      f32: tensor([1.5, -2.25, 3e-8, Infinity, -Infinity, NaN, 3.4e38]),
      f64: tensor(new Float64Array([1 / 3, -1e300, 5e-324])),
      i64: tensor([0, -1, 2 ** 53, -(2 ** 53), 123456789012], { dtype: 'int64' }),
      i32: tensor([2 ** 31 - 1, -(2 ** 31), 7], { dtype: 'int32' }),
      u8: tensor([0, 255, 17], { dtype: 'uint8' }),
      b: tensor([true, false, true]),
      scalar: tensor(42, { dtype: 'int64' }),
      empty: new Tensor(new Float32Array(0), [0, 3], 'float32'),
      grid: tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    };
    await save(dt, join(dir, 'dtypes.pt'));
    add('dtypes.pt', enc(dt));

    // float16 / bfloat16 storage: values that round (ties, subnormals, overflow); torch rounds the same
    const hv = tensor([
      0.1,
      1 / 3,
      65504,
      65519,
      65520,
      1e-7,
      2.98e-8,
      6e-8,
      -2.5,
      1 + 2 ** -11,
      1 + 3 * 2 ** -11,
      NaN,
    ]);
    await save({ h: hv }, join(dir, 'half.pth'), { dtype: 'float16' });
    add('half.pth', enc({ h: hv }, 'float16'));
    const bv = tensor([0.1, 1 / 3, 3.4e38, 1e-40, 1 + 2 ** -8, 1 + 3 * 2 ** -8, -Infinity, NaN]);
    await save({ b: bv }, join(dir, 'bf16.bin'), { dtype: 'bfloat16' });
    add('bf16.bin', enc({ b: bv }, 'bfloat16'));

    // tensors sharing a buffer share a storage in torch too
    const a = tensor([1, 2, 3, 4, 5, 6]);
    await save({ a, b: a.reshape([2, 3]) }, join(dir, 'shared.pth'));
    add('shared.pth', enc({ a, b: a.reshape([2, 3]) }), { shared: [['a', 'b']] });

    // a general structure: Map with int keys, tuples, bytes, big ints, floats (full unpickler: 1.13 lacks BINFLOAT)
    const pair = [1, -2];
    tuples.add(pair);
    const ck = {
      epoch: 3,
      lr: 0.1,
      name: 'ünïcode ✓',
      flags: [true, false, null],
      pair,
      state: new Map([[0, { momentum_buffer: tensor([1, 2]) }]]),
      big: 2n ** 70n,
      neg: -300000,
      bytes: new Uint8Array([0, 255, 10]),
      nested: { a: { b: [1, [2, 3], {}] }, e: [] },
      inf: -Infinity,
    };
    await save(ck, join(dir, 'ckpt.pth'));
    add('ckpt.pth', enc(ck), { weights_only: false });

    // torch's own SGD checkpoint, loaded and re-saved: torch's optimizer must take it back
    const tck = await load<Record<string, unknown>>(`${FIXTURES}checkpoint.pth`);
    await save(tck, join(dir, 'ckpt_resave.pth'));
    add('ckpt_resave.pth', enc(tck), { weights_only: false, sgd_tiny_net: true });

    // saveCheckpoint with duck-typed parts; the RNG state continues torch's stream
    const g = new Generator(123);
    rand([5], { generator: g });
    const model = { stateDict: () => sd, loadStateDict: () => {} };
    const state = g.getState();
    await saveCheckpoint(join(dir, 'train.ckpt'), { model, generator: g, epoch: 7 });
    const next = rand([4], { generator: g });
    add('train.ckpt', enc({ epoch: 7, model: sd, rng_state: new Tensor(state, [state.length], 'uint8') }), {
      rng_next: [...next.data],
    });

    // `weightroom convert --dtype float16` output: torch's .half() of the float32 weights, int64 untouched
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => {});
    await buildProgram().parseAsync(['node', 'weightroom', 'convert', `${FIXTURES}state_dict.pth`, join(dir, 'cli16.pth'), '--dtype', 'float16']); // prettier-ignore
    quiet.mockRestore();
    add('cli16.pth', enc(sd, 'float16'));

    // safetensors with metadata, and bfloat16 storage
    await save(sd, join(dir, 'sd.safetensors'), { metadata: { format: 'pt' } });
    manifest.push({
      file: 'sd.safetensors',
      format: 'safetensors',
      expect: enc(sd),
      metadata: { format: 'pt' },
    });
    await save({ b: bv }, join(dir, 'bf16.safetensors'), { dtype: 'bfloat16' });
    manifest.push({
      file: 'bf16.safetensors',
      format: 'safetensors',
      expect: enc({ b: bv }, 'bfloat16'),
      metadata: null,
    });

    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const r = spawnSync(PY, [SCRIPT, dir], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr + r.stdout).toMatch(/roundtrip: \d+ files OK/);
    expect(r.status).toBe(0);
  });
});
