// Dataset readers on real files (../shared/data Fashion-MNIST, the starter subset) and on generated IDX, CIFAR,
// ImageFolder (JPEG/PNG/WebP/GIF) and CSV fixtures, including the bad-data errors.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { DataLoader, Generator, Image, Tensor, datasets, transforms as T } from '../../src/index.js';

const SHARED = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const FASHION = join(SHARED, 'fashion-mnist');
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'wr-data-'));
  return () => rmSync(tmp, { recursive: true, force: true });
});

const idx = (shape: number[], data: ArrayLike<number>) => datasets.encodeIdxU8(shape, Uint8Array.from(data));

describe('MNIST family', () => {
  it('reads the real Fashion-MNIST (gz, files in root) with class names and torchvision shapes', () => {
    const train = new datasets.FashionMNIST({ root: FASHION });
    const test = new datasets.FashionMNIST({ root: FASHION, train: false });
    expect([train.length, test.length]).toEqual([60000, 10000]);
    expect(train.data.shape).toEqual([60000, 28, 28]);
    expect(train.classes[9]).toBe('Ankle boot');
    const counts = new Array(10).fill(0);
    for (const y of train.targets.data) counts[y]++;
    expect(counts).toEqual(new Array(10).fill(6000));
    const [img, y] = train.get(0);
    expect([img.height, img.width, img.channels, y]).toEqual([28, 28, 1, 9]);
    const [x] = new datasets.FashionMNIST({ root: FASHION, transform: T.toTensor() }).get(0);
    expect([x.shape, x.dtype]).toEqual([[1, 28, 28], 'float32']);
  });
  it('the starter subset is balanced, loads without ../shared, and equals the first images of each class', () => {
    const st = datasets.FashionMNIST.starter();
    const st2 = datasets.FashionMNIST.starter({ train: false });
    expect([st.length, st2.length]).toEqual([10000, 2000]);
    const counts = new Array(10).fill(0);
    for (const y of st.targets.data) counts[y]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    const full = new datasets.FashionMNIST({ root: FASHION, train: false });
    const firstOf: number[] = [];
    full.targets.data.forEach((y, i) => {
      if (firstOf[y] === undefined) firstOf[y] = i;
    });
    const k = (st2.targets.data as Float64Array).indexOf(3);
    expect(st2.get(k)[0].data).toEqual(full.get(firstOf[3]!)[0].data);
  });
  it("finds raw files in torchvision's root/<Name>/raw/ layout (KMNIST, EMNIST)", () => {
    const raw = join(tmp, 'KMNIST', 'raw');
    mkdirSync(raw, { recursive: true });
    writeFileSync(
      join(raw, 't10k-images-idx3-ubyte'),
      idx(
        [3, 2, 2],
        Array.from({ length: 12 }, (_, i) => i),
      ),
    );
    writeFileSync(join(raw, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([3], [4, 0, 9])));
    const k = new datasets.KMNIST({ root: tmp, train: false });
    expect([k.length, k.classes[k.get(0)[1]], k.get(2)[0].data[3]]).toEqual([3, 'na', 11]);
    const e = join(tmp, 'EMNIST', 'raw');
    mkdirSync(e, { recursive: true });
    writeFileSync(join(e, 'emnist-letters-train-images-idx3-ubyte.gz'), gzipSync(idx([2, 1, 1], [1, 2])));
    writeFileSync(join(e, 'emnist-letters-train-labels-idx1-ubyte.gz'), gzipSync(idx([2], [1, 26])));
    const em = new datasets.EMNIST({ root: tmp, split: 'letters' });
    expect([em.classes.length, em.classes[em.get(1)[1]], em.split]).toEqual([27, 'z', 'letters']);
    expect(datasets.EMNIST_SPLITS.balanced.length).toBe(47);
    expect(datasets.EMNIST_SPLITS.byclass.length).toBe(62);
  });
  it('names missing files and where it looked', () => {
    expect(() => new datasets.MNIST({ root: join(tmp, 'nope') })).toThrow(
      /MNIST: missing train-images-idx3-ubyte and train-labels-idx1-ubyte.*nope.*MNIST\/raw.*download: true/,
    );
  });
  it('bad IDX data: magic, truncation, count mismatch, label range, empty file', () => {
    const d = join(tmp, 'bad');
    mkdirSync(d, { recursive: true });
    const put = (img: Uint8Array, lbl: Uint8Array) => {
      writeFileSync(join(d, 'train-images-idx3-ubyte'), img);
      writeFileSync(join(d, 'train-labels-idx1-ubyte'), lbl);
      return () => new datasets.MNIST({ root: d });
    };
    const good = idx([2, 2, 2], new Array(8).fill(7));
    expect(put(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0]), idx([2], [0, 1]))).toThrow(
      /train-images-idx3-ubyte: not an IDX file \(starts with 50 4b 03 04/,
    );
    expect(put(good.subarray(0, 20), idx([2], [0, 1]))).toThrow(
      /truncated: header says 2x2x2 uint8.*file has 20 bytes/,
    );
    expect(put(good, idx([3], [0, 1, 2]))).toThrow(/holds 2 images but .* holds 3 labels/);
    expect(put(good, idx([2], [0, 12]))).toThrow(/label 12 at index 1 is out of range for 10 classes/);
    expect(put(good, new Uint8Array(0))).toThrow(/train-labels-idx1-ubyte: file is empty/);
    expect(put(gzipSync(good).subarray(0, 15), idx([2], [0, 1]))).toThrow(/corrupt or truncated gzip/);
  });
});

describe('CIFAR binary', () => {
  it('reads generated CIFAR-10 batches (planar → HWC) and CIFAR-100 fine/coarse labels', () => {
    const dir = join(tmp, 'cifar-10-batches-bin');
    mkdirSync(dir, { recursive: true });
    const rec = (label: number, seed: number) =>
      Uint8Array.from({ length: 3073 }, (_, i) => (i === 0 ? label : (i * seed) & 255));
    for (let k = 1; k <= 5; k++)
      writeFileSync(join(dir, `data_batch_${k}.bin`), Buffer.concat([rec(k, 3), rec(9, 5)]));
    writeFileSync(join(dir, 'test_batch.bin'), rec(2, 7));
    writeFileSync(join(dir, 'batches.meta.txt'), datasets.CIFAR10.classes.join('\n') + '\n\n');
    const c = new datasets.CIFAR10({ root: tmp });
    expect([c.length, c.data.shape, c.classes[c.get(1)[1]]]).toEqual([10, [10, 32, 32, 3], 'truck']);
    const [img] = c.get(0); // pixel (0, 1): R = byte 1+1, G = byte 1+1024+1, B = byte 1+2048+1, times seed 3
    expect([img.at(0, 1, 0), img.at(0, 1, 1), img.at(0, 1, 2)]).toEqual([
      (2 * 3) & 255,
      (1026 * 3) & 255,
      (2050 * 3) & 255,
    ]);
    const test = new datasets.CIFAR10({
      root: tmp,
      train: false,
      transform: T.compose([T.toTensor(), T.normalize([0.5], [0.5])]),
    });
    expect(test.get(0)[0].shape).toEqual([3, 32, 32]);
    writeFileSync(join(dir, 'test_batch.bin'), rec(2, 7).subarray(0, 3000));
    expect(() => new datasets.CIFAR10({ root: tmp, train: false })).toThrow(
      /test_batch.bin: 3000 bytes is not a whole number of 3073-byte records/,
    );
    const d100 = join(tmp, 'c100', 'cifar-100-binary');
    mkdirSync(d100, { recursive: true });
    const r100 = (coarse: number, fine: number) =>
      Uint8Array.from({ length: 3074 }, (_, i) => (i === 0 ? coarse : i === 1 ? fine : 0));
    writeFileSync(join(d100, 'train.bin'), Buffer.concat([r100(4, 0), r100(18, 99)]));
    const c100 = new datasets.CIFAR100({ root: join(tmp, 'c100') });
    expect([c100.classes.length, c100.classes[99], c100.get(1)[1], c100.coarseTargets.toArray()]).toEqual([
      100,
      'worm',
      99,
      [4, 18],
    ]);
    expect(() => new datasets.CIFAR100({ root: join(tmp, 'c100'), train: false })).toThrow(
      /CIFAR100: missing test.bin/,
    );
  });
});

describe('ImageFolder and ImageCSV', () => {
  let root: string;
  beforeAll(async () => {
    root = join(tmp, 'folder');
    const px = (v: number) =>
      sharp({ create: { width: 6, height: 4, channels: 3, background: { r: v, g: 255 - v, b: 0 } } });
    mkdirSync(join(root, 'cat', 'sub'), { recursive: true });
    mkdirSync(join(root, 'dog'), { recursive: true });
    writeFileSync(join(root, 'cat', 'a.png'), await px(10).png().toBuffer());
    writeFileSync(join(root, 'cat', 'sub', 'b.webp'), await px(20).webp({ lossless: true }).toBuffer());
    writeFileSync(join(root, 'cat', 'notes.txt'), 'not an image');
    writeFileSync(join(root, 'dog', 'c.JPG'), await px(200).jpeg({ quality: 95 }).toBuffer());
    writeFileSync(join(root, 'dog', 'd.gif'), await px(128).gif().toBuffer());
  });
  it('lists classes and files in sorted walk order and decodes JPEG/PNG/WebP/GIF to RGB', async () => {
    const ds = new datasets.ImageFolder(root, { transform: T.compose([T.resize([8, 8]), T.toTensor()]) });
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(ds.samples.map((s) => [s.path.slice(root.length + 1), s.target])).toEqual([
      ['cat/a.png', 0],
      ['cat/sub/b.webp', 0],
      ['dog/c.JPG', 1],
      ['dog/d.gif', 1],
    ]);
    const [png] = await new datasets.ImageFolder(root).get(0);
    expect([png.channels, png.at(0, 0, 0), png.at(0, 0, 1)]).toEqual([3, 10, 245]);
    const [gif] = await new datasets.ImageFolder(root).get(3);
    expect(Math.abs(gif.at(1, 1, 0) - 128)).toBeLessThanOrEqual(8);
    const batches: [Tensor, Tensor][] = [];
    for await (const b of new DataLoader(ds, { batchSize: 3, shuffle: true, generator: new Generator(0) }))
      batches.push(b);
    expect(batches.map(([x, y]) => [x.shape, y.shape])).toEqual([
      [[3, 3, 8, 8], [3]],
      [[1, 3, 8, 8], [1]],
    ]);
  });
  it('errors: no class folders, empty class, no images, bad and zero-byte files, mixed sizes', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    expect(() => new datasets.ImageFolder(empty)).toThrow(/couldn't find any class folder/);
    mkdirSync(join(empty, 'x'));
    expect(() => new datasets.ImageFolder(empty)).toThrow(/found no image files/);
    const partly = join(tmp, 'partly');
    mkdirSync(join(partly, 'a'), { recursive: true });
    mkdirSync(join(partly, 'b'), { recursive: true });
    copyFileSync(join(root, 'cat', 'a.png'), join(partly, 'a', 'x.png'));
    expect(() => new datasets.ImageFolder(partly)).toThrow(/no valid file for the classes b/);
    expect(new datasets.ImageFolder(partly, { allowEmpty: true }).classes).toEqual(['a', 'b']);
    writeFileSync(join(partly, 'b', 'zero.png'), '');
    writeFileSync(join(partly, 'b', 'junk.jpg'), 'definitely not a jpeg');
    const ds = new datasets.ImageFolder(partly);
    await expect(ds.get(1)).rejects.toThrow(/junk.jpg: cannot decode image/);
    await expect(ds.get(2)).rejects.toThrow(/zero.png: image file is empty \(0 bytes\)/);
    const same = new datasets.ImageFolder(root, { transform: T.toTensor() });
    for await (const [x] of new DataLoader(same, { batchSize: 4 })) expect(x.shape).toEqual([4, 3, 4, 6]);
    writeFileSync(
      join(partly, 'a', 'big.png'),
      await sharp({ create: { width: 9, height: 9, channels: 3, background: '#000' } })
        .png()
        .toBuffer(),
    );
    rmSync(join(partly, 'b', 'zero.png'));
    rmSync(join(partly, 'b', 'junk.jpg'));
    copyFileSync(join(root, 'cat', 'a.png'), join(partly, 'b', 'y.png'));
    const m = new datasets.ImageFolder(partly, { transform: T.toTensor() });
    await expect(async () => {
      for await (const _ of new DataLoader(m, { batchSize: 3 })) void _;
    }).rejects.toThrow(/samples 0 \(.*big.png\), 1 \(.*x.png\), 2 .*sample 1 is \[3, 4, 6\].*resize or crop/);
  });
  it('ImageCSV reads path,label with a header, quoting and class names; reports bad lines', async () => {
    const csv = join(root, 'list.csv');
    writeFileSync(csv, 'path,label\ncat/a.png,cat\n"dog/c.JPG",dog\n\ndog/d.gif,dog\n');
    const ds = new datasets.ImageCSV(csv);
    expect([ds.length, ds.classes, ds.targets]).toEqual([3, ['cat', 'dog'], [0, 1, 1]]);
    expect((await ds.get(1))[0]).toBeInstanceOf(Image);
    writeFileSync(csv, 'cat/a.png,0\ncat/missing.png,1\n');
    expect(() => new datasets.ImageCSV(csv)).toThrow(/list.csv:2: image file .*missing.png does not exist/);
    writeFileSync(csv, 'cat/a.png;0\n');
    expect(() => new datasets.ImageCSV(csv)).toThrow(/list.csv:1: expected 2 fields/);
  });
});
