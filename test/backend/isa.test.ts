// Every kernel path this CPU can run: reruns the differential suites and the PyTorch parity suite in child
// processes with WEIGHTROOM_ISA forced to each lower instruction set (avx2, portable), and checks that the
// environment switches (WEIGHTROOM_ISA, WEIGHTROOM_NUM_THREADS, WEIGHTROOM_BACKEND) are honoured.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendInfo, getBackend } from '../../src/backend/index.js';
import { native } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const isChild = process.env.WEIGHTROOM_ISA !== undefined;
const info = native ? backendInfo() : null;

function run(env: Record<string, string>, files: string[]): string {
  try {
    return execFileSync(process.execPath, [vitest, 'run', ...files], {
      cwd: root,
      env: { ...process.env, ...env },
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(
      `vitest ${files.join(' ')} with ${JSON.stringify(env)} failed:\n${err.stdout}\n${err.stderr}`,
    );
  }
}

describe('backend selection', () => {
  it('the native backend is the default when built; WEIGHTROOM_BACKEND=js forces the reference', () => {
    const forcedJs = process.env.WEIGHTROOM_BACKEND === 'js';
    expect(getBackend().name).toBe(forcedJs ? 'js' : native ? 'native' : 'js');
  });
  it.skipIf(!native)('runs on the ISA requested by WEIGHTROOM_ISA (else the best available)', () => {
    expect(info!.available.length).toBeGreaterThan(0);
    expect(info!.isa).toBe(process.env.WEIGHTROOM_ISA ?? info!.available[0]);
  });
});

describe.skipIf(!native || isChild)('every ISA this CPU runs', () => {
  const lower = info ? info.available.filter((i) => i !== info.isa) : [];
  for (const isa of lower) {
    it(`differential and parity suites pass with WEIGHTROOM_ISA=${isa}`, () => {
      run({ WEIGHTROOM_ISA: isa, WEIGHTROOM_NUM_THREADS: '2' }, [
        'test/backend/gemm-conv.test.ts',
        'test/backend/elementwise.test.ts',
        'test/backend/isa.test.ts',
        'test/optim/fused.test.ts',
        'test/backend/norm.test.ts',
        'test/backend/bounds.test.ts',
        'test/parity',
      ]);
    }, 120_000);
  }
  it('WEIGHTROOM_NUM_THREADS and WEIGHTROOM_ISA reach the addon', () => {
    const out = execFileSync(
      process.execPath,
      ['-e', "console.log(JSON.stringify(require('./build/Release/weightroom.node').info()))"],
      {
        cwd: root,
        env: { ...process.env, WEIGHTROOM_NUM_THREADS: '3', WEIGHTROOM_ISA: 'portable' },
        encoding: 'utf8',
      },
    );
    const i = JSON.parse(out) as { threads: number; isa: string };
    expect(i.threads).toBe(3);
    expect(i.isa).toBe('portable');
  });
});
