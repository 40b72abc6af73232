// MNIST-layout datasets (torchvision.datasets.MNIST, FashionMNIST, KMNIST, EMNIST): IDX image and label files,
// gzip or raw, in `root` or `root/<Name>/raw/`. Samples are [28x28 L Image, label] before transforms.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../tensor/tensor.js';
import { checkIndex, type Dataset, type SampleContext, type WorkerSpec } from '../dataset.js';
import { Image } from '../image.js';
import { readIdx } from './idx.js';
import { downloadResources, type Resource } from './download.js';
import {
  applyTransforms,
  findFile,
  transformSpecs,
  transformsFromSpecs,
  type TransformSpecs,
  type VisionOptions,
} from './vision.js';

export interface MNISTOptions<X, Y> extends VisionOptions<X, Y> {
  /** Folder holding the files (directly, or in torchvision's `root/<Name>/raw/`). */
  root: string;
  /** Training split (default) or test split. */
  train?: boolean;
}

interface Layout {
  name: string;
  classes: readonly string[];
  mirrors: readonly string[];
  resources: readonly Resource[];
  files(train: boolean): [images: string, labels: string];
}

const std = (train: boolean): [string, string] =>
  train
    ? ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']
    : ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

const res = (md5s: readonly string[]): Resource[] =>
  [
    'train-images-idx3-ubyte',
    'train-labels-idx1-ubyte',
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
  ].map((f, k) => ({ file: `${f}.gz`, md5: md5s[k]! }));

/** An MNIST-layout dataset; see the subclasses. `data` is uint8 [N, H, W], `targets` int64 [N]. */
export class MNIST<X = Image, Y = number> implements Dataset<[X, Y]> {
  static readonly classes: readonly string[] = [
    '0 - zero',
    '1 - one',
    '2 - two',
    '3 - three',
    '4 - four',
    '5 - five',
    '6 - six',
    '7 - seven',
    '8 - eight',
    '9 - nine',
  ];
  static readonly mirrors: readonly string[] = [
    'http://yann.lecun.com/exdb/mnist/',
    'https://ossci-datasets.s3.amazonaws.com/mnist/',
  ];
  static readonly resources: readonly Resource[] = res([
    'f68b3c2dcbeaaa9fbdd348bbdeb94873',
    'd53e105ee54ea40749a09fcbcd1e9432',
    '9fb629c4189551a2d022fa330f9573f3',
    'ec29112dd5afa0611ce80d1b7f02629c',
  ]);

  readonly root: string;
  readonly train: boolean;
  readonly classes: readonly string[];
  /** Pixels, uint8 [N, H, W]. */
  readonly data: Tensor;
  /** Labels, int64 [N]. */
  readonly targets: Tensor;
  /** The image and label files read. */
  readonly files: readonly [string, string];
  protected readonly opts: MNISTOptions<X, Y>;

  constructor(opts: MNISTOptions<X, Y>) {
    this.opts = opts;
    this.root = resolve(opts.root);
    this.train = opts.train ?? true;
    const layout = this.layout();
    this.classes = layout.classes;
    const [imgName, lblName] = layout.files(this.train);
    const dirs = [this.root, join(this.root, layout.name, 'raw'), join(this.root, layout.name)];
    const find = (n: string) => findFile(dirs, [n, `${n}.gz`]);
    const [imgPath, lblPath] = [find(imgName), find(lblName)];
    if (!imgPath || !lblPath) {
      const missing = [imgPath ? null : imgName, lblPath ? null : lblName].filter(Boolean).join(' and ');
      throw new Error(
        `${layout.name}: missing ${missing} (raw or .gz); looked in ${dirs.join(', ')}. ` +
          `Put the ${this.train ? 'training' : 'test'} files there` +
          (layout.mirrors.length ? ` (from ${layout.mirrors[0]})` : '') +
          (layout.resources.length ? `, or use \`await ${layout.name}.load({ root, download: true })\`` : ''),
      );
    }
    this.files = [imgPath, lblPath];
    const images = readIdx(imgPath);
    const labels = readIdx(lblPath);
    if (images.type !== 'uint8' || images.shape.length !== 3)
      throw new Error(
        `${imgPath}: expected uint8 images [N, H, W], got ${images.type} [${images.shape.join(', ')}]`,
      );
    if (labels.type !== 'uint8' || labels.shape.length !== 1)
      throw new Error(
        `${lblPath}: expected uint8 labels [N], got ${labels.type} [${labels.shape.join(', ')}]`,
      );
    if (images.shape[0] !== labels.shape[0])
      throw new Error(
        `${layout.name}: ${imgPath} holds ${images.shape[0]} images but ${lblPath} holds ${labels.shape[0]} labels`,
      );
    const targets = new Float64Array(labels.data.length);
    labels.data.forEach((v, i) => {
      if (v >= this.classes.length)
        throw new Error(
          `${lblPath}: label ${v} at index ${i} is out of range for ${this.classes.length} classes`,
        );
      targets[i] = v;
    });
    this.data = new Tensor(images.data as Uint8Array, images.shape, 'uint8');
    this.targets = new Tensor(targets, [targets.length], 'int64');
  }

  /** Download the files of this dataset into `root/<Name>/raw/` (verifying MD5s), then open it. */
  static async load<X = Image, Y = number>(
    this: new (o: MNISTOptions<X, Y>) => MNIST<X, Y>,
    opts: MNISTOptions<X, Y> & { download?: boolean; mirrors?: readonly string[]; progress?: boolean },
  ): Promise<MNIST<X, Y>> {
    if (opts.download) {
      const probe = Object.assign(Object.create(this.prototype) as MNIST<X, Y>, { opts });
      const layout = probe.layout();
      await downloadResources(layout.name, join(resolve(opts.root), layout.name, 'raw'), layout.resources, {
        mirrors: opts.mirrors ?? layout.mirrors,
        progress: opts.progress ?? true,
      });
    }
    return new this(opts);
  }

  /** File names, classes and download sources of this layout (overridden by the subclasses). */
  protected layout(): Layout {
    const c = this.constructor as typeof MNIST;
    return { name: c.name, classes: c.classes, mirrors: c.mirrors, resources: c.resources, files: std };
  }

  get length(): number {
    return this.targets.numel;
  }

  /** [image, label] at `index` after the transforms; the image is a view of `data` (L, H x W). */
  get(index: number, ctx?: SampleContext): [X, Y] {
    const i = checkIndex(`${this.constructor.name}.get`, index, this.length);
    const [, h, w] = this.data.shape as [number, number, number];
    const img = new Image((this.data.data as Uint8Array).subarray(i * h * w, (i + 1) * h * w), h, w, 1);
    return applyTransforms(img, this.targets.data[i]!, this.opts, ctx);
  }

  workerSpec(): WorkerSpec {
    return {
      module: import.meta.url,
      name: this.constructor.name,
      options: { ...this.specOptions(), ...transformSpecs(this.opts, this.constructor.name) },
    };
  }
  protected specOptions(): Record<string, unknown> {
    return { root: this.root, train: this.train };
  }
  static fromSpec(
    this: new (o: MNISTOptions<unknown, unknown>) => unknown,
    o: Record<string, unknown>,
  ): unknown {
    return new this({ ...o, ...transformsFromSpecs(o as TransformSpecs) } as MNISTOptions<unknown, unknown>);
  }
}

/** Fashion-MNIST (Zalando): 28x28 grayscale clothing, 10 classes. `FashionMNIST.starter()` needs no files. */
export class FashionMNIST<X = Image, Y = number> extends MNIST<X, Y> {
  static override readonly classes: readonly string[] = [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ];
  static override readonly mirrors: readonly string[] = [
    'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  ];
  static override readonly resources: readonly Resource[] = res([
    '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    '25c81989df183df01b3e8a0aad5dffbe',
    'bef4ecab320f06d8554ea6380940ec79',
    'bb300cfdad3c16e7a12a480ee83cd310',
  ]);
  /** Where the starter subset shipped in this package lives. */
  static readonly starterRoot: string = fileURLToPath(
    new URL('../../../data/fashion-mnist-starter/', import.meta.url),
  );

  /**
   * The balanced Fashion-MNIST subset shipped inside this package (1,000 train / 200 test images per class,
   * data/fashion-mnist-starter/, MIT licence by Zalando SE): works offline, no root needed.
   */
  static starter<X = Image, Y = number>(opts: Omit<MNISTOptions<X, Y>, 'root'> = {}): FashionMNIST<X, Y> {
    return new FashionMNIST<X, Y>({ ...opts, root: FashionMNIST.starterRoot });
  }
}

/** Kuzushiji-MNIST: 28x28 cursive Japanese (hiragana), 10 classes. */
export class KMNIST<X = Image, Y = number> extends MNIST<X, Y> {
  static override readonly classes: readonly string[] = [
    'o',
    'ki',
    'su',
    'tsu',
    'na',
    'ha',
    'ma',
    'ya',
    're',
    'wo',
  ];
  static override readonly mirrors: readonly string[] = ['http://codh.rois.ac.jp/kmnist/dataset/kmnist/'];
  static override readonly resources: readonly Resource[] = res([
    'bdb82020997e1d708af4cf47b453dcf7',
    'e144d726b3acfaa3e44228e80efcd344',
    '5c965bf0a639b31b8f53240b1b52f4d7',
    '7320c461ea6c1c855c0b718fb2a4b134',
  ]);
}

const DIGITS = '0123456789'.split('');
const LOWER = 'abcdefghijklmnopqrstuvwxyz'.split('');
const UPPER = LOWER.map((c) => c.toUpperCase());
const MERGED = new Set('cijklmopsuvwxyz'.split(''));
const BYCLASS = [...DIGITS, ...UPPER, ...LOWER]; // sorted(set(digits + letters)) in Python's code-point order
/** EMNIST split → class names, as torchvision.datasets.EMNIST.classes_split_dict. */
export const EMNIST_SPLITS = {
  byclass: BYCLASS,
  bymerge: BYCLASS.filter((c) => !MERGED.has(c)),
  balanced: BYCLASS.filter((c) => !MERGED.has(c)),
  letters: ['N/A', ...LOWER],
  digits: DIGITS,
  mnist: DIGITS,
} as const;
export type EMNISTSplit = keyof typeof EMNIST_SPLITS;

/**
 * EMNIST (NIST handwritten characters) in its gzip IDX release: `emnist-<split>-{train,test}-{images-idx3,
 * labels-idx1}-ubyte[.gz]`. Images are stored transposed, as in the release (torchvision does not flip them).
 */
export class EMNIST<X = Image, Y = number> extends MNIST<X, Y> {
  static override readonly mirrors: readonly string[] = [
    'https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/',
  ];
  static override readonly resources: readonly Resource[] = []; // one 536 MB zip: fetch it yourself
  constructor(opts: MNISTOptions<X, Y> & { split: EMNISTSplit }) {
    super(opts);
  }

  /** Which EMNIST split (byclass, bymerge, balanced, letters, digits, mnist). */
  get split(): EMNISTSplit {
    return (this.opts as unknown as { split: EMNISTSplit }).split;
  }

  protected override layout(): Layout {
    const split = this.split;
    if (!Object.hasOwn(EMNIST_SPLITS, split))
      throw new Error(
        `EMNIST: unknown split '${String(split)}' (expected one of ${Object.keys(EMNIST_SPLITS).join(', ')})`,
      );
    const prefix = (train: boolean) => `emnist-${split}-${train ? 'train' : 'test'}`;
    return {
      name: 'EMNIST',
      classes: EMNIST_SPLITS[split],
      mirrors: EMNIST.mirrors,
      resources: EMNIST.resources,
      files: (train) => [`${prefix(train)}-images-idx3-ubyte`, `${prefix(train)}-labels-idx1-ubyte`],
    };
  }
  protected override specOptions(): Record<string, unknown> {
    return { ...super.specOptions(), split: this.split };
  }
}
