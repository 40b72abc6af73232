// Reading files written by real PyTorch 1.13 (scripts/fixtures/io_torch_files.py): zip and legacy .pth, every
// dtype, views with offsets and strides, checkpoints, parameters, and refusing pickles that would run code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/index.js';
import { PyObject, load, loadBytes, readSafetensors } from '../../src/io/index.js';
import { FIXTURES, expectTensor, expectTree, expected, type EncTensor } from './helpers.js';

const file = (name: string) => `${FIXTURES}${name}`;

function expectStateDict(sd: Record<string, unknown>, want: Record<string, EncTensor>, toF32 = true): void {
  expect(Object.keys(sd)).toEqual(Object.keys(want)); // file order is torch's order
  for (const [k, e] of Object.entries(want)) expectTensor(sd[k], e, toF32, k);
}

describe('torch .pth (zip form)', () => {
  it('a model state_dict: keys in order, float32 weights, 0-d int64 num_batches_tracked', async () => {
    const sd = await load(file('state_dict.pth'));
    expectStateDict(sd, expected.state_dict, false);
    const nbt = sd['layer1.0.bn1.num_batches_tracked']!;
    expect(nbt.dtype).toBe('int64');
    expect(nbt.shape).toEqual([]);
    expect(nbt.item()).toBe(1);
  });

  it('every dtype, with float16/bfloat16/float64 converted to float32 on request', async () => {
    expectStateDict(await load(file('dtypes.pth'), { dtype: 'float32' }), expected.dtypes, true);
  });

  it('refuses float16 without the conversion option, naming the tensor and the fix', async () => {
    await expect(load(file('dtypes.pth'))).rejects.toThrow(
      /tensor 'f16' is float16, which weightroom does not compute in; load with \{ dtype: 'float32' \}/,
    );
  });

  it('loads from a Uint8Array, an ArrayBuffer or synchronously with loadBytes', async () => {
    const bytes = new Uint8Array(readFileSync(file('checkpoint.pth')));
    expect((await load<Record<string, unknown>>(bytes)).epoch).toBe(3);
    expect((await load<Record<string, unknown>>(bytes.slice().buffer)).name).toBe('tiny');
    expect(loadBytes<Record<string, unknown>>(bytes).epoch).toBe(3);
  });

  it('views sharing one storage: offsets, strides, transposes, stride-0 expands', async () => {
    const sd = await load(file('views.pth'));
    expectStateDict(sd, expected.views, false);
    expect(sd.permuted!.dtype).toBe('float64');
    expect(sd.t!.data).not.toBe(sd.base!.data); // materialised, independent copies
  });

  it('a general checkpoint: nested dicts, int-keyed optimizer state (Map), tuples, floats, None, big ints', async () => {
    const ck = await load<Record<string, unknown>>(file('checkpoint.pth'));
    expectTree(ck, expected.checkpoint);
    const opt = ck.optimizer as { state: Map<number, { momentum_buffer: Tensor }>; param_groups: unknown[] };
    expect(opt.state).toBeInstanceOf(Map);
    expect([...opt.state.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(ck.best_acc).toBe(0.8125);
    expect(ck.big).toBe(2n ** 70n);
  });

  it('a directly saved nn.Parameter (torch._utils._rebuild_parameter) requires grad', async () => {
    const p = await load<Tensor>(file('parameter.pth'));
    expectTensor(p, expected.parameter, false);
    expect(p.requiresGrad).toBe(true);
  });

  it('refuses a pickle that would call os.system, naming the global; never runs it', async () => {
    await expect(load(file('malicious.pth'))).rejects.toThrow(/refusing to load global 'posix\.system'/);
    const r = await load<Record<string, unknown>>(file('malicious.pth'), { allowUnknownGlobals: true });
    expect(r.w).toBeInstanceOf(Tensor);
    expect(r.x).toBeInstanceOf(PyObject);
    expect((r.x as PyObject).className).toBe('posix.system');
    expect((r.x as PyObject).args).toEqual(['echo weightroom-was-here']);
  });

  it('errors carry the file name', async () => {
    await expect(load(file('malicious.pth'))).rejects.toThrow(/malicious\.pth: refusing/);
  });
});

describe('torch .pth re-packed with deflate', () => {
  it('reads deflated entries (CRC-checked) like stored ones', async () => {
    expectStateDict(await load(file('state_dict_deflated.pth')), expected.state_dict, false);
  });
});

describe('torch .pth (legacy pre-1.6 stream)', () => {
  it('reads the same state dict as the zip form', async () => {
    expectStateDict(await load(file('state_dict_legacy.pth')), expected.state_dict, false);
  });
});

describe('safetensors', () => {
  it('every dtype, in data order, with metadata', async () => {
    const sd = await load(file('dtypes.safetensors'), { dtype: 'float32' });
    for (const [k, e] of Object.entries(expected.dtypes as Record<string, EncTensor>))
      expectTensor(sd[k], e, true, k);
    const { metadata, tensors } = readSafetensors(readFileSync(file('dtypes.safetensors')));
    expect(metadata).toEqual({ format: 'pt', note: 'weightroom fixture' });
    // the official layout: 8-byte dtypes first, then by name
    expect([...tensors.keys()].slice(0, 3)).toEqual(['f64', 'i64', 'scalar_i64']);
  });

  it('a state dict equal to the .pth one', async () => {
    const a = await load(file('state_dict.safetensors'));
    const b = await load(file('state_dict.pth'));
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    for (const k of Object.keys(b)) expect([...a[k]!.data]).toEqual([...b[k]!.data]);
  });
});
