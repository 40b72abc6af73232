// DataLoader worker threads: the same batches as in-thread loading for a seed (any worker count), ImageFolder
// decoding in workers, error propagation and skipBad across threads, and the plain-function transform error.
import { describe, it, expect, afterAll, vi } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DataLoader, Generator, Tensor, data, datasets, transforms as T } from '../../src/index.js';

// the sources are TypeScript: worker threads get a loader hook that transpiles them
const execArgv = ['--import', new URL('./ts-register.mjs', import.meta.url).href];
const tmp = mkdtempSync(join(tmpdir(), 'wr-workers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function take<B>(dl: AsyncIterable<B>, n: number): Promise<B[]> {
  const out: B[] = [];
  for await (const b of dl) {
    out.push(b);
    if (out.length === n) break;
  }
  return out;
}
const flat = (bs: [Tensor, Tensor][]) => bs.map(([x, y]) => [Array.from(x.data), Array.from(y.data)]);

describe('DataLoader workers', () => {
  it('starter Fashion-MNIST with augmentation: identical batches with 0 and 2 workers, two epochs', async () => {
    const transform = T.compose([
      T.randomCrop(28, { padding: 2 }),
      T.randomHorizontalFlip(),
      T.toTensor(),
      T.normalize([0.286], [0.353]),
    ]);
    const ds = new data.Subset(
      datasets.FashionMNIST.starter({ transform }),
      Array.from({ length: 96 }, (_, i) => i * 7),
    );
    const run = async (numWorkers: number) => {
      const dl = new DataLoader(ds, {
        batchSize: 16,
        shuffle: true,
        generator: new Generator(3),
        numWorkers,
        workerExecArgv: execArgv,
      });
      const epoch1 = await take(dl, 100); // a whole epoch: stopping early leaves the sampler's last draw undone
      const epoch2 = await take(dl, 2); // the pool is kept between epochs
      await dl.close();
      return [flat(epoch1), flat(epoch2)];
    };
    const ref = await run(0);
    expect(ref[0]!.length).toBe(6);
    expect(await run(2)).toEqual(ref);
  });
  it('ImageFolder decoding in workers; errors name the file; skipBad works across threads', async () => {
    for (const c of ['a', 'b']) mkdirSync(join(tmp, c), { recursive: true });
    for (let k = 0; k < 6; k++) {
      const img = sharp({
        create: { width: 10 + k, height: 9, channels: 3, background: { r: 40 * k, g: 0, b: 0 } },
      });
      writeFileSync(join(tmp, k % 2 ? 'b' : 'a', `${k}.jpg`), await img.jpeg().toBuffer());
    }
    writeFileSync(join(tmp, 'b', 'broken.png'), 'not a png');
    const ds = new datasets.ImageFolder(tmp, { transform: T.compose([T.resize([8, 8]), T.toTensor()]) });
    const opts = { batchSize: 3, numWorkers: 2, workerExecArgv: execArgv };
    const bad = new DataLoader(ds, { ...opts, numWorkers: 1 });
    await expect(take(bad, 10)).rejects.toThrow(/broken.png: cannot decode image/);
    await bad.close();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const dl = new DataLoader(ds, { ...opts, skipBad: true });
    const batches = await take(dl, 10);
    warn.mockRestore();
    await dl.close();
    expect(batches.map(([x]) => x.shape[0])).toEqual([3, 3]);
    expect(dl.skipped.map((s) => s.index)).toEqual([
      ds.samples.findIndex((s) => s.path.endsWith('broken.png')),
    ]);
  });
  it('a plain-function transform cannot go to workers: the error says which and what to do', async () => {
    const ds = datasets.FashionMNIST.starter({
      transform: T.compose([
        T.toTensor(),
        function scale(x: Tensor) {
          return x;
        },
      ]),
    });
    const dl = new DataLoader(ds, { numWorkers: 1 });
    await expect(take(dl, 1)).rejects.toThrow(
      /transforms.compose item 1 is a plain function 'scale'.*numWorkers: 0/,
    );
  });
});
