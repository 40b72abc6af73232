// Same seed, same weights: networks built after manualSeed(0) have state dicts bitwise identical to PyTorch's
// after torch.manual_seed(0) (sha256 of every float32 tensor's bytes, from scripts/fixtures/models.py).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manualSeed, models } from '../../src/index.js';

for (const arch of ['simple_cnn', 'resnet18', 'mobilenet_v3_small']) {
  const fx = JSON.parse(
    readFileSync(join(import.meta.dirname, `../fixtures/models/${arch}.init.json`), 'utf8'),
  ) as {
    sha256: Record<string, string | number[]>;
  };
  describe(`${arch} after manualSeed(0)`, () => {
    it('has the state dict torch has after torch.manual_seed(0), bit for bit', () => {
      manualSeed(0);
      const sd = models.get(arch).stateDict();
      expect(Object.keys(sd)).toEqual(Object.keys(fx.sha256));
      for (const [k, want] of Object.entries(fx.sha256)) {
        const t = sd[k]!;
        if (typeof want === 'string') {
          const d = t.data as Float32Array;
          const got = createHash('sha256')
            .update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))
            .digest('hex');
          expect(got, k).toBe(want);
        } else expect([...t.data], k).toEqual(want);
      }
    });
  });
}
