// Builds data/fashion-mnist-starter/: a balanced Fashion-MNIST subset shipped in the package (the first 1,000
// train and first 200 test images of each class, in file order), IDX gz. Deterministic (gzip mtime 0).
// Usage: node scripts/make-starter-dataset.mjs [../shared/data/fashion-mnist]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = process.argv[2] ?? join(root, '..', 'shared', 'data', 'fashion-mnist');
const dest = join(root, 'data', 'fashion-mnist-starter');
const PER_CLASS = { train: 1000, t10k: 200 };

function idx(path) {
  const b = gunzipSync(readFileSync(path));
  const ndim = b[3];
  const shape = Array.from({ length: ndim }, (_, k) => b.readUInt32BE(4 + 4 * k));
  return { shape, data: b.subarray(4 + 4 * ndim) };
}
function encode(shape, data) {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head.set([0, 0, 8, shape.length]);
  shape.forEach((d, k) => head.writeUInt32BE(d, 4 + 4 * k));
  return gzipSync(Buffer.concat([head, data]), { level: 9 });
}

mkdirSync(dest, { recursive: true });
for (const split of ['train', 't10k']) {
  const images = idx(join(src, `${split}-images-idx3-ubyte.gz`));
  const labels = idx(join(src, `${split}-labels-idx1-ubyte.gz`));
  const [, h, w] = images.shape;
  const counts = new Array(10).fill(0);
  const keep = [];
  labels.data.forEach((y, i) => {
    if (counts[y] < PER_CLASS[split]) (counts[y]++, keep.push(i));
  });
  const px = Buffer.alloc(keep.length * h * w);
  keep.forEach((i, k) => images.data.copy(px, k * h * w, i * h * w, (i + 1) * h * w));
  const lb = Buffer.from(keep.map((i) => labels.data[i]));
  writeFileSync(join(dest, `${split}-images-idx3-ubyte.gz`), encode([keep.length, h, w], px));
  writeFileSync(join(dest, `${split}-labels-idx1-ubyte.gz`), encode([keep.length], lb));
  console.log(`${split}: ${keep.length} images (${counts.join(' ')} per class)`);
}
const expat = readFileSync(join(src, 'COPYRIGHT'), 'utf8')
  .split('License: Expat\n')
  .pop()
  .split('\n')
  .map((l) => l.replace(/^ \.?/, '').trimEnd())
  .join('\n')
  .trim();
writeFileSync(
  join(dest, 'LICENSE'),
  `The MIT License (MIT)\n\nCopyright © 2017 Zalando SE, https://tech.zalando.com\n\n${expat}\n`,
);
writeFileSync(
  join(dest, 'README.md'),
  `# Fashion-MNIST starter subset

A balanced subset of [Fashion-MNIST](https://github.com/zalandoresearch/fashion-mnist) (Zalando SE, MIT licence,
see LICENSE): the first ${PER_CLASS.train} training and first ${PER_CLASS.t10k} test images of each of the 10 classes,
in the original order, as IDX files (gzip). Made by \`scripts/make-starter-dataset.mjs\`; loaded by
\`datasets.FashionMNIST.starter({ train })\`.

Classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.
`,
);
