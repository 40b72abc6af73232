// ImageFolder (torchvision.datasets.ImageFolder): root/<class>/**/<image>, classes sorted by folder name, files in
// sorted walk order; images decoded by sharp to RGB on get(). Empty classes and image-less folders are errors.
import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { WorkerSpec } from '../dataset.js';
import { FileImageDataset, type FolderSample } from './file-images.js';
import type { Image } from '../image.js';
import { IMG_EXTENSIONS } from './decode.js';
import {
  transformSpecs,
  transformsFromSpecs,
  type TransformSpecs,
  type VisionOptions,
} from './vision.js';

export interface ImageFolderOptions<X, Y> extends VisionOptions<X, Y> {
  /** File extensions to accept, lower case with the dot (default IMG_EXTENSIONS). */
  extensions?: readonly string[];
  /** Allow class folders without images (default false: an error naming them). */
  allowEmpty?: boolean;
  /** Colour mode of decoded images (default 'RGB', as torchvision's pil_loader). */
  mode?: 'RGB' | 'L' | 'RGBA';
}

export type { FolderSample } from './file-images.js';

/** Files under `dir` (recursively, following links), in Python's sorted(os.walk()) order. */
function walk(dir: string, out: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const subdirs: string[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    const isDir =
      e.isDirectory() || (e.isSymbolicLink() && statSync(p, { throwIfNoEntry: false })?.isDirectory());
    if (isDir) subdirs.push(p);
    else out.push(p);
  }
  for (const s of subdirs) walk(s, out);
}

/** A folder per class of image files; samples are [RGB Image, class index] before the transforms. */
export class ImageFolder<X = Image, Y = number> extends FileImageDataset<X, Y> {
  readonly root: string;
  readonly classes: readonly string[];
  readonly classToIdx: Readonly<Record<string, number>>;
  readonly samples: readonly FolderSample[];
  readonly extensions: readonly string[];
  protected readonly opts: ImageFolderOptions<X, Y>;

  constructor(root: string, opts: ImageFolderOptions<X, Y> = {}) {
    super();
    this.root = resolve(root);
    this.opts = opts;
    this.extensions = (opts.extensions ?? IMG_EXTENSIONS).map((e) => e.toLowerCase());
    let entries;
    try {
      entries = readdirSync(this.root, { withFileTypes: true });
    } catch (e) {
      throw new Error(`ImageFolder: cannot read ${this.root} (${(e as Error).message})`);
    }
    this.classes = entries
      .filter(
        (e) => e.isDirectory() || (e.isSymbolicLink() && statSync(join(this.root, e.name)).isDirectory()),
      )
      .map((e) => e.name)
      .sort();
    if (this.classes.length === 0)
      throw new Error(
        `ImageFolder: couldn't find any class folder in ${this.root} (expected ${this.root}/<class>/<image files>)`,
      );
    this.classToIdx = Object.freeze(Object.fromEntries(this.classes.map((c, i) => [c, i])));
    const samples: FolderSample[] = [];
    const empty: string[] = [];
    this.classes.forEach((c, target) => {
      const files: string[] = [];
      walk(join(this.root, c), files);
      const valid = files.filter((f) => this.extensions.includes(extname(f).toLowerCase()));
      if (valid.length === 0) empty.push(c);
      for (const path of valid) samples.push({ path, target });
    });
    if (samples.length === 0)
      throw new Error(
        `ImageFolder: found no image files in ${this.root} (class folders: ${this.classes.join(', ')}); supported extensions are ${this.extensions.join(', ')}`,
      );
    if (empty.length > 0 && !opts.allowEmpty)
      throw new Error(
        `ImageFolder: found no valid file for the classes ${empty.join(', ')} in ${this.root}. Supported extensions are: ${this.extensions.join(', ')} (pass allowEmpty: true to keep empty classes)`,
      );
    this.samples = Object.freeze(samples);
  }

  workerSpec(): WorkerSpec {
    const { extensions, allowEmpty, mode } = this.opts;
    return {
      module: import.meta.url,
      name: 'ImageFolder',
      options: { root: this.root, extensions, allowEmpty, mode, ...transformSpecs(this.opts, 'ImageFolder') },
    };
  }
  static fromSpec(o: { root: string } & Record<string, unknown>): ImageFolder<unknown, unknown> {
    return new ImageFolder(o.root, {
      ...o,
      ...transformsFromSpecs(o as TransformSpecs),
    } as ImageFolderOptions<unknown, unknown>);
  }
}
