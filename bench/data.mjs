// `npm run bench:data`: DataLoader throughput (images/s) of weightroom and of torch's DataLoader on the same
// data and transforms, with 0, 1 and 2 workers: Fashion-MNIST (IDX, toTensor + normalize) and an ImageFolder of
// JPEGs with augmentation (randomResizedCrop 224, flip, toTensor, normalize). Needs `npm run build` first.
// Usage: node bench/data.mjs [--fmnist-dir DIR] [--epochs-images N]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = join(import.meta.dirname, '..');
if (!existsSync(join(root, 'dist', 'index.js'))) {
  console.error('bench:data: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const wr = await import(join(root, 'dist', 'index.js'));
const { values } = parseArgs({
  options: {
    'fmnist-dir': { type: 'string', default: join(root, '..', 'shared', 'data', 'fashion-mnist') },
    images: { type: 'string', default: '512' },
  },
});
const T = wr.transforms;
const work = mkdtempSync(join(tmpdir(), 'wr-bench-data-'));

// an ImageFolder of 2 classes × 128 JPEGs (320×240 crops of the sample photos, or generated noise)
const folder = join(work, 'jpegs');
const photos = ['china.jpg', 'flower.jpg'].map((f) => join(root, '..', 'shared', 'data', 'sample-images', f));
let k = 0;
for (const [ci, cls] of ['a', 'b'].entries()) {
  mkdirSync(join(folder, cls), { recursive: true });
  const src = existsSync(photos[ci]) ? await wr.datasets.decodeImage(photos[ci], 'RGB') : null;
  for (let i = 0; i < 128; i++, k++) {
    let img;
    if (src)
      img = wr.transforms.functional.crop(
        src,
        (i * 7) % (src.height - 240),
        (i * 13) % (src.width - 320),
        240,
        320,
      );
    else {
      const px = new Uint8Array(240 * 320 * 3).map((_, j) => (j * 31 + k * 17) & 255);
      img = new wr.Image(px, 240, 320, 3);
    }
    writeFileSync(join(folder, cls, `${i}.jpg`), await wr.datasets.encodeJpeg(img, 90));
  }
}
// torchvision wants the decompressed files in FashionMNIST/raw/
const tvRoot = join(work, 'tv');
mkdirSync(join(tvRoot, 'FashionMNIST', 'raw'), { recursive: true });
for (const f of [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
]) {
  const p = join(values['fmnist-dir'], f);
  if (existsSync(p))
    writeFileSync(join(tvRoot, 'FashionMNIST', 'raw', f.replace(/\.gz$/, '')), gunzipSync(readFileSync(p)));
}

async function measure(loader, maxImages) {
  let n = 0;
  const t0 = performance.now();
  for await (const [x] of loader) {
    n += x.shape[0];
    if (n >= maxImages) break;
  }
  const s = (performance.now() - t0) / 1000;
  await loader.close?.();
  return n / s;
}

const results = [];
const norm1 = T.normalize([0.286], [0.353]);
const normIm = T.normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
for (const workers of [0, 1, 2]) {
  const fm = new wr.datasets.FashionMNIST({
    root: values['fmnist-dir'],
    train: true,
    transform: T.compose([T.toTensor(), norm1]),
  });
  const a = await measure(
    new wr.DataLoader(fm, {
      batchSize: 64,
      shuffle: true,
      generator: new wr.Generator(0),
      numWorkers: workers,
    }),
    20000,
  );
  const imf = new wr.datasets.ImageFolder(folder, {
    transform: T.compose([T.randomResizedCrop(224), T.randomHorizontalFlip(), T.toTensor(), normIm]),
  });
  const b = await measure(
    new wr.DataLoader(imf, {
      batchSize: 32,
      shuffle: true,
      generator: new wr.Generator(0),
      numWorkers: workers,
    }),
    Number(values.images),
  );
  results.push({ workers, fashionMnist: a, imageFolderJpeg: b });
}

let torch = null;
const py = spawnSync(
  '/usr/bin/python3',
  [join(import.meta.dirname, 'torch_data.py'), tvRoot, folder, values.images],
  { encoding: 'utf8' },
);
if (py.status === 0) torch = JSON.parse(py.stdout.trim().split('\n').at(-1));
else
  console.log(`PyTorch not measured (${(py.stderr || py.error?.message || '').trim().split('\n').at(-1)})`);

console.log(
  'DataLoader throughput, images/s (batch 64 Fashion-MNIST, batch 32 JPEG ImageFolder with augmentation)',
);
console.log(
  `${'workers'.padEnd(8)}${'fmnist wr'.padStart(12)}${'fmnist torch'.padStart(14)}${'ratio'.padStart(8)}${'jpeg wr'.padStart(10)}${'jpeg torch'.padStart(12)}${'ratio'.padStart(8)}`,
);
for (const r of results) {
  const t = torch?.find((x) => x.workers === r.workers);
  const ratio = (a, b) => (b ? (a / b).toFixed(2) : '—');
  console.log(
    `${String(r.workers).padEnd(8)}${r.fashionMnist.toFixed(0).padStart(12)}${(t ? t.fashionMnist.toFixed(0) : '—').padStart(14)}${ratio(r.fashionMnist, t?.fashionMnist).padStart(8)}` +
      `${r.imageFolderJpeg.toFixed(0).padStart(10)}${(t ? t.imageFolderJpeg.toFixed(0) : '—').padStart(12)}${ratio(r.imageFolderJpeg, t?.imageFolderJpeg).padStart(8)}`,
  );
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(root, 'bench', 'results', 'data-latest.json'),
  JSON.stringify({ date: new Date().toISOString(), weightroom: results, torch }, null, 1),
);
rmSync(work, { recursive: true, force: true });
