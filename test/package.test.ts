// The package as a user meets it: the README example runs as written, the built package imports itself by
// name, and the bin answers --help, --version and info.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../src/index.js';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

beforeAll(() => {
  if (!existsSync(join(root, 'dist/cli/index.js')) || !existsSync(join(root, 'dist/index.js'))) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  }
}, 180_000);

describe('package', () => {
  it('VERSION matches package.json', () => {
    expect(VERSION).toBe(pkg.version);
  });
  it('the README examples run as written (the MLP learns, the CNN saves and reloads)', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const dir = mkdtempSync(join(root, 'test', '.readme-'));
    const logs: string[] = [];
    const orig = console.log;
    console.log = (...a: unknown[]) =>
      logs.push(a.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(' '));
    try {
      for (const [i, block] of blocks.entries()) {
        const file = join(dir, `example${i}.ts`);
        // the examples write model.pth to the working directory; keep it in the temp folder here
        writeFileSync(file, block.replaceAll("'model.pth'", JSON.stringify(join(dir, 'model.pth'))));
        await import(file);
      }
    } finally {
      console.log = orig;
      rmSync(dir, { recursive: true, force: true });
    }
    const steps = logs.filter((l) => l.startsWith('step '));
    expect(steps[0]).toMatch(/^step 0: loss /);
    const first = Number(/loss (\S+)/.exec(steps[0]!)![1]);
    const last = Number(/loss (\S+)/.exec(steps[steps.length - 1]!)![1]);
    expect(last).toBeLessThan(first * 0.5);
    expect(logs.at(-1)).toContain('1.num_batches_tracked');
  });
  it('the built package imports itself by name', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { tensor } from 'weightroom'; console.log(tensor([1, 2]).mul(2).toString())",
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(out.trim()).toBe('tensor([2., 4.])');
  });
  it('the bin prints --version, --help and info', () => {
    const bin = join(root, 'dist/cli/index.js');
    expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
    const help = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(help).toMatch(/Usage: weightroom/);
    expect(help).toMatch(/info/);
    expect(execFileSync(process.execPath, [bin, 'info'], { encoding: 'utf8' })).toMatch(
      /backend:\s+(native|js)/,
    );
  });
  it('info says whether V8 marks on the main thread (pool on every CPU, unless WEIGHTROOM_CONCURRENT_GC=1)', () => {
    const bin = join(root, 'dist/cli/index.js');
    const info = (env: Record<string, string>) =>
      execFileSync(process.execPath, [bin, 'info'], { encoding: 'utf8', env: { ...process.env, ...env } });
    const all = String(availableParallelism());
    const base = info({ WEIGHTROOM_NUM_THREADS: all });
    if (!/backend:\s+native/.test(base)) return; // no addon: nothing to decide
    expect(base).toMatch(/gc marking: main thread/);
    expect(info({ WEIGHTROOM_NUM_THREADS: all, WEIGHTROOM_CONCURRENT_GC: '1' })).toMatch(
      /gc marking: V8 default/,
    );
    if (availableParallelism() > 1)
      expect(info({ WEIGHTROOM_NUM_THREADS: '1' })).toMatch(/gc marking: V8 default/);
  });
});
