// `weightroom inspect` and `weightroom convert`, run in-process through the real commander program.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { load, loadBytes, loadRaw } from '../../src/io/index.js';
import type { Tensor } from '../../src/index.js';
import { readFileSync } from 'node:fs';
import { FIXTURES } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'weightroom-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<string> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await buildProgram()
      .exitOverride()
      .parseAsync(['node', 'weightroom', ...args]);
  } finally {
    spy.mockRestore();
  }
  return lines.join('\n');
}

describe('weightroom inspect', () => {
  it('lists a state dict with file dtypes and shapes', async () => {
    const out = await run('inspect', `${FIXTURES}state_dict.pth`);
    expect(out).toMatch(/state_dict\.pth: PyTorch \.pth, 3\.\d kB, state dict/);
    expect(out).toMatch(/10 tensors, 147 elements, dtypes: float32, int64/);
    expect(out).toMatch(/layer1\.0\.bn1\.num_batches_tracked\s+int64 \[\]/);
    expect(out).toMatch(/conv1\.weight\s+float32 \[3, 3, 1, 1\]/);
  });

  it('shows float16 as float16 and a checkpoint as an outline', async () => {
    expect(await run('inspect', `${FIXTURES}dtypes.safetensors`)).toMatch(/f16\s+float16 \[7\]/);
    const out = await run('inspect', `${FIXTURES}checkpoint.pth`, '--limit', '3');
    expect(out).toMatch(/checkpoint/);
    expect(out).toMatch(/^ {2}epoch: 3$/m);
    expect(out).toMatch(/^ {2}optimizer: dict\(2\)$/m);
    expect(out).toMatch(/^ {4}state: dict\(7, non-string keys\)$/m);
    expect(out).toMatch(/more \(use --limit\)/);
  });

  it('--json', async () => {
    const j = JSON.parse(await run('inspect', `${FIXTURES}dtypes.pth`, '--json'));
    expect(j.format).toBe('pth');
    expect(j.contents.bf16).toEqual({ dtype: 'bfloat16', shape: [6], requiresGrad: false });
  });

  it('refuses malicious files unless asked to show placeholders', async () => {
    await expect(run('inspect', `${FIXTURES}malicious.pth`)).rejects.toThrow(
      /refusing to load global 'posix\.system'/,
    );
    expect(await run('inspect', `${FIXTURES}malicious.pth`, '--allow-unknown-globals')).toMatch(
      /x: <Python object posix\.system \(not loaded\)>/,
    );
  });
});

describe('weightroom convert', () => {
  it('.pth -> .safetensors as float16 -> .pth, values rounded once', async () => {
    const st = join(dir, 'sd.safetensors');
    expect(await run('convert', `${FIXTURES}state_dict.pth`, st, '--dtype', 'float16')).toMatch(
      /wrote .*sd\.safetensors: safetensors, 10 tensors/,
    );
    const raw = loadRaw(readFileSync(st));
    expect((raw.value as Record<string, { dtype: string }>)['conv1.weight']!.dtype).toBe('float16');
    expect((raw.value as Record<string, { dtype: string }>)['layer1.0.bn1.num_batches_tracked']!.dtype).toBe(
      'int64',
    );
    const back = join(dir, 'back.pth');
    await run('convert', st, back);
    const a = await load(back, { dtype: 'float32' });
    const orig = await load(`${FIXTURES}state_dict.pth`);
    for (const k of Object.keys(orig)) {
      expect(a[k]!.shape).toEqual(orig[k]!.shape);
      const err = Math.max(0, ...[...orig[k]!.data].map((v, i) => Math.abs(v - a[k]!.data[i]!)));
      expect(err).toBeLessThan(1e-3);
    }
  });

  it('--key skips unknown Python objects elsewhere in the file', async () => {
    const out = join(dir, 'w.safetensors');
    await run(
      'convert',
      `${FIXTURES}malicious.pth`,
      join(dir, 'w.pth'),
      '--allow-unknown-globals',
      '--key',
      'w',
    );
    expect([...(await load<Tensor>(join(dir, 'w.pth'))).data]).toEqual([0]);
    await expect(run('convert', `${FIXTURES}malicious.pth`, out, '--allow-unknown-globals')).rejects.toThrow(
      /nested checkpoint/,
    );
  });

  it('a checkpoint needs --key for safetensors; --key picks the state dict', async () => {
    const out = join(dir, 'model.safetensors');
    await expect(run('convert', `${FIXTURES}checkpoint.pth`, out)).rejects.toThrow(
      /--key \(e\.g\. --key model\)/,
    );
    await run('convert', `${FIXTURES}checkpoint.pth`, out, '--key', 'model');
    expect(Object.keys(loadBytes(readFileSync(out)))).toContain('layer1.0.bn1.running_var');
    await expect(run('convert', `${FIXTURES}checkpoint.pth`, out, '--key', 'nope')).rejects.toThrow(
      /no entry 'nope'/,
    );
    await expect(run('convert', `${FIXTURES}checkpoint.pth`, out, '--dtype', 'int8')).rejects.toThrow(
      /--dtype must be/,
    );
  });
});
