// The zoo against torchvision 0.14: ordered state_dict keys/shapes/dtypes for every architecture, and logits of
// networks built after manualSeed(0) (torchvision's init, reproduced draw for draw) in eval and train mode.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Generator, manualSeed, models, nn, noGrad, randn, tensor } from '../../src/index.js';
import { expectClose } from '../helpers/gradcheck.js';

const dir = join(import.meta.dirname, '../fixtures/models');
const files = readdirSync(dir);
const camel = (o: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), v]),
  );

describe('model zoo: state_dict keys equal torchvision', () => {
  for (const f of files.filter((n) => n.endsWith('.keys.json'))) {
    const fx = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
      arch: string;
      keys: [string, number[], string][];
      numModules: number;
      numParams: number;
    };
    const known = models.list().includes(fx.arch);
    it.skipIf(!known)(fx.arch, () => {
      // built without initialising (no draws): keys, shapes and dtypes don't depend on the values
      const m = nn.init.skipInit(() =>
        models.get(
          fx.arch,
          fx.arch === 'googlenet' || fx.arch === 'inception_v3'
            ? { auxLogits: true, initWeights: false }
            : {},
        ),
      );
      const sd = m.stateDict();
      expect(Object.entries(sd).map(([k, v]) => [k, v.shape, v.dtype])).toEqual(fx.keys);
      expect([...m.namedModules()].length).toBe(fx.numModules);
      expect(m.numParameters()).toBe(fx.numParams);
    });
  }
});

describe('model zoo: logits equal torchvision for the same seed', () => {
  for (const f of files.filter((n) => n.endsWith('.forward.json'))) {
    const fx = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
      arch: string;
      kwargs: Record<string, unknown>;
      input: { shape: number[]; head: number[] };
      eval: number[];
      outShape: number[];
      train?: number[];
      firstBnRunningMean?: number[];
      firstBnRunningVar?: number[];
    };
    const known = models.list().includes(fx.arch);
    it.skipIf(!known)(fx.arch, () => {
      manualSeed(0);
      const m = models.get(fx.arch, camel(fx.kwargs));
      const x = randn(fx.input.shape, { generator: new Generator(1) });
      expect([...x.data.slice(0, 8)]).toEqual(fx.input.head.map(Math.fround));
      m.eval();
      const out = noGrad(() => m.forward(x));
      expectClose(out, tensor(fx.eval).reshape(fx.outShape), 2e-4, 2e-3, `${fx.arch} eval logits`);
      if (fx.train) {
        m.train();
        expectClose(
          m.forward(x),
          tensor(fx.train).reshape(fx.outShape),
          2e-4,
          2e-3,
          `${fx.arch} train logits`,
        );
        const bn = [...m.modules()].find((q) => q instanceof nn.BatchNorm2d) as nn.BatchNorm2d;
        expectClose(bn.runningMean!, tensor(fx.firstBnRunningMean!), 1e-5, 1e-4, 'running_mean');
        expectClose(bn.runningVar!, tensor(fx.firstBnRunningVar!), 1e-5, 1e-4, 'running_var');
      }
    });
  }
});
