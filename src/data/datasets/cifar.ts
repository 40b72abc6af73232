// CIFAR-10 and CIFAR-100 in their binary release (cifar-10-batches-bin/, cifar-100-binary/): records of label
// byte(s) then 1024 R, 1024 G, 1024 B (32x32 row-major). Samples are [32x32 RGB Image, label].
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Tensor } from '../../tensor/tensor.js';
import { checkIndex, type Dataset, type SampleContext, type WorkerSpec } from '../dataset.js';
import { Image } from '../image.js';
import { downloadResources, extractTar } from './download.js';
import {
  applyTransforms,
  transformSpecs,
  transformsFromSpecs,
  type TransformSpecs,
  type VisionOptions,
} from './vision.js';

export interface CIFAROptions<X, Y> extends VisionOptions<X, Y> {
  /** Folder holding the .bin files, directly or in cifar-10-batches-bin/ (cifar-100-binary/). */
  root: string;
  /** Training split (default) or test split. */
  train?: boolean;
}

interface Layout {
  name: string;
  folder: string;
  archive: { url: string; md5: string };
  labelBytes: number;
  files(train: boolean): string[];
  metaFile: string;
  defaultClasses: readonly string[];
}

const PIXELS = 32 * 32 * 3;

/** CIFAR-10: 32x32 colour images, 10 classes (50,000 train / 10,000 test). `data` is uint8 [N, 32, 32, 3]. */
export class CIFAR10<X = Image, Y = number> implements Dataset<[X, Y]> {
  static readonly classes: readonly string[] = [
    'airplane',
    'automobile',
    'bird',
    'cat',
    'deer',
    'dog',
    'frog',
    'horse',
    'ship',
    'truck',
  ];
  readonly root: string;
  readonly train: boolean;
  readonly classes: readonly string[];
  /** Pixels, uint8 [N, 32, 32, 3] (HWC, as torchvision's `data`). */
  readonly data: Tensor;
  /** Labels, int64 [N] (fine labels for CIFAR-100). */
  readonly targets: Tensor;
  protected readonly opts: CIFAROptions<X, Y>;
  /** Per-record label bytes as read (CIFAR-100: [coarse, fine]). */
  protected readonly labelBytes: Uint8Array;

  constructor(opts: CIFAROptions<X, Y>) {
    this.opts = opts;
    this.root = resolve(opts.root);
    this.train = opts.train ?? true;
    const layout = this.layout();
    const dirs = [join(this.root, layout.folder), this.root];
    const dir = dirs.find((d) => layout.files(this.train).every((f) => existsSync(join(d, f))));
    if (!dir) {
      const missing = layout.files(this.train).filter((f) => !dirs.some((d) => existsSync(join(d, f))));
      throw new Error(
        `${layout.name}: missing ${missing.join(', ')}; looked in ${dirs.join(', ')}. Extract the binary release ` +
          `(${layout.archive.url}) there, or use \`await ${layout.name}.load({ root, download: true })\``,
      );
    }
    const metaPath = join(dir, layout.metaFile);
    this.classes = existsSync(metaPath)
      ? readFileSync(metaPath, 'utf8')
          .split(/\r?\n/)
          .map((s) => s.trim())
          .filter(Boolean)
      : layout.defaultClasses;
    const record = layout.labelBytes + PIXELS;
    const chunks = layout.files(this.train).map((f) => {
      const path = join(dir, f);
      const size = statSync(path).size;
      if (size === 0 || size % record !== 0)
        throw new Error(
          `${path}: ${size} bytes is not a whole number of ${record}-byte records (label${layout.labelBytes > 1 ? 's' : ''} + 3072 pixels); truncated or not a ${layout.name} binary file`,
        );
      return { path, bytes: readFileSync(path) };
    });
    const n = chunks.reduce((a, c) => a + c.bytes.length / record, 0);
    const pixels = new Uint8Array(n * PIXELS);
    const labels = new Uint8Array(n * layout.labelBytes);
    const targets = new Float64Array(n);
    let i = 0;
    for (const { path, bytes } of chunks) {
      for (let o = 0; o < bytes.length; o += record, i++) {
        labels.set(bytes.subarray(o, o + layout.labelBytes), i * layout.labelBytes);
        const label = bytes[o + layout.labelBytes - 1]!;
        if (label >= this.classes.length)
          throw new Error(
            `${path}: record ${o / record} has label ${label}, out of range for ${this.classes.length} classes`,
          );
        targets[i] = label;
        const src = o + layout.labelBytes;
        const dst = i * PIXELS;
        for (let p = 0; p < 1024; p++) {
          pixels[dst + 3 * p] = bytes[src + p]!; // planar R, G, B → interleaved HWC
          pixels[dst + 3 * p + 1] = bytes[src + 1024 + p]!;
          pixels[dst + 3 * p + 2] = bytes[src + 2048 + p]!;
        }
      }
    }
    this.labelBytes = labels;
    this.data = new Tensor(pixels, [n, 32, 32, 3], 'uint8');
    this.targets = new Tensor(targets, [n], 'int64');
  }

  protected layout(): Layout {
    return {
      name: 'CIFAR10',
      folder: 'cifar-10-batches-bin',
      archive: {
        url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
        md5: 'c32a1d4ab5d03f1284b67883e8d87530',
      },
      labelBytes: 1,
      files: (train) => (train ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`) : ['test_batch.bin']),
      metaFile: 'batches.meta.txt',
      defaultClasses: CIFAR10.classes,
    };
  }

  /** Download the binary release into `root` (MD5-checked; `url`/`md5` override the official ones) and extract it, then open the dataset. */
  static async load<X = Image, Y = number>(
    this: new (o: CIFAROptions<X, Y>) => CIFAR10<X, Y>,
    opts: CIFAROptions<X, Y> & { download?: boolean; url?: string; md5?: string; progress?: boolean },
  ): Promise<CIFAR10<X, Y>> {
    if (opts.download) {
      const layout = (Object.create(this.prototype) as CIFAR10<X, Y>).layout();
      const root = resolve(opts.root);
      const allThere = layout
        .files(true)
        .concat(layout.files(false))
        .every((f) => existsSync(join(root, layout.folder, f)));
      if (!allThere) {
        const url = opts.url ?? layout.archive.url;
        const file = url.split('/').pop()!;
        const base = url.slice(0, url.length - file.length);
        await downloadResources(layout.name, root, [{ file, md5: opts.md5 ?? layout.archive.md5 }], {
          mirrors: [base],
          progress: opts.progress ?? true,
        });
        extractTar(join(root, file), root);
      }
    }
    return new this(opts);
  }

  get length(): number {
    return this.targets.numel;
  }

  /** [image, label] at `index` after the transforms; the image is a view of `data` (RGB, 32 x 32). */
  get(index: number, ctx?: SampleContext): [X, Y] {
    const i = checkIndex(`${this.constructor.name}.get`, index, this.length);
    const img = new Image((this.data.data as Uint8Array).subarray(i * PIXELS, (i + 1) * PIXELS), 32, 32, 3);
    return applyTransforms(img, this.targets.data[i]!, this.opts, ctx);
  }

  workerSpec(): WorkerSpec {
    return {
      module: import.meta.url,
      name: this.constructor.name,
      options: { root: this.root, train: this.train, ...transformSpecs(this.opts, this.constructor.name) },
    };
  }
  static fromSpec(
    this: new (o: CIFAROptions<unknown, unknown>) => unknown,
    o: Record<string, unknown>,
  ): unknown {
    return new this({ ...o, ...transformsFromSpecs(o as TransformSpecs) } as CIFAROptions<unknown, unknown>);
  }
}

const FINE =
  'apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle ' +
  'caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant ' +
  'flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man ' +
  'maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree ' +
  'plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail ' +
  'snake spider squirrel streetcar sunflower sweet_pepper table tank telephone television tiger tractor train trout ' +
  'tulip turtle wardrobe whale willow_tree wolf woman worm';
const COARSE =
  'aquatic_mammals fish flowers food_containers fruit_and_vegetables household_electrical_devices ' +
  'household_furniture insects large_carnivores large_man-made_outdoor_things large_natural_outdoor_scenes ' +
  'large_omnivores_and_herbivores medium_mammals non-insect_invertebrates people reptiles small_mammals trees ' +
  'vehicles_1 vehicles_2';

/** CIFAR-100: 100 fine classes (targets) grouped in 20 coarse ones (coarseTargets). */
export class CIFAR100<X = Image, Y = number> extends CIFAR10<X, Y> {
  static override readonly classes: readonly string[] = FINE.split(' ');
  static readonly coarseClasses: readonly string[] = COARSE.split(' ');

  protected override layout(): Layout {
    return {
      name: 'CIFAR100',
      folder: 'cifar-100-binary',
      archive: {
        url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
        md5: '03b5dce01913d631647c71ecec9e9cb8',
      },
      labelBytes: 2,
      files: (train) => [train ? 'train.bin' : 'test.bin'],
      metaFile: 'fine_label_names.txt',
      defaultClasses: CIFAR100.classes,
    };
  }

  /** Coarse (superclass) labels, int64 [N]. */
  get coarseTargets(): Tensor {
    const n = this.length;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.labelBytes[2 * i]!;
    return new Tensor(out, [n], 'int64');
  }
}
