// ImageCSV: images listed in a CSV of `path,label` (optional header line, RFC 4180 quoting). Paths are relative to
// the CSV's folder unless `root` is given; labels are class indices, or class names mapped in sorted order.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { WorkerSpec } from '../dataset.js';
import type { Image } from '../image.js';
import { FileImageDataset, type FolderSample } from './file-images.js';
import {
  transformSpecs,
  transformsFromSpecs,
  type TransformSpecs,
  type VisionOptions,
} from './vision.js';

export interface ImageCSVOptions<X, Y> extends VisionOptions<X, Y> {
  /** Folder that relative paths are under (default: the CSV's folder). */
  root?: string;
  /** Class names in label order; default: `0..max` for numeric labels, sorted names otherwise. */
  classes?: readonly string[];
  /** Colour mode of decoded images (default 'RGB'). */
  mode?: 'RGB' | 'L' | 'RGBA';
}

/** Split one CSV line into fields (double quotes, "" inside quotes). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    }
    else field += ch;
  }
  if (quoted) throw new Error('unterminated quoted field');
  out.push(field);
  return out;
}

/** A dataset of image files listed in a `path,label` CSV; samples are [RGB Image, label]. */
export class ImageCSV<X = Image, Y = number> extends FileImageDataset<X, Y> {
  readonly csv: string;
  readonly root: string;
  readonly classes: readonly string[];
  readonly samples: readonly FolderSample[];
  protected readonly opts: ImageCSVOptions<X, Y>;

  constructor(csv: string, opts: ImageCSVOptions<X, Y> = {}) {
    super();
    this.csv = resolve(csv);
    this.opts = opts;
    this.root = resolve(opts.root ?? dirname(this.csv));
    let text: string;
    try {
      text = readFileSync(this.csv, 'utf8');
    } catch (e) {
      throw new Error(`ImageCSV: cannot read ${this.csv} (${(e as Error).message})`);
    }
    const rows: { path: string; label: string; line: number }[] = [];
    text.split(/\r?\n/).forEach((raw, k) => {
      if (raw.trim() === '') return;
      let fields: string[];
      try {
        fields = parseCsvLine(raw);
      } catch (e) {
        throw new Error(`${this.csv}:${k + 1}: ${(e as Error).message}`);
      }
      if (fields.length !== 2)
        throw new Error(`${this.csv}:${k + 1}: expected 2 fields (path,label), got ${fields.length}: ${raw}`);
      const [path, label] = fields.map((f) => f.trim()) as [string, string];
      if (rows.length === 0 && k === 0 && path.toLowerCase() === 'path' && label.toLowerCase() === 'label')
        return; // header
      if (path === '' || label === '') throw new Error(`${this.csv}:${k + 1}: empty path or label`);
      rows.push({ path, label, line: k + 1 });
    });
    if (rows.length === 0)
      throw new Error(`ImageCSV: ${this.csv} lists no images (expected lines of path,label)`);
    const numeric = rows.every((r) => /^\d+$/.test(r.label));
    let classes: readonly string[];
    if (opts.classes) classes = opts.classes;
    else if (numeric)
      classes = Array.from({ length: Math.max(...rows.map((r) => Number(r.label))) + 1 }, (_, i) =>
        String(i),
      );
    else classes = [...new Set(rows.map((r) => r.label))].sort();
    const index = new Map(classes.map((c, i) => [c, i]));
    this.classes = Object.freeze([...classes]);
    this.samples = Object.freeze(
      rows.map((r) => {
        const target = numeric ? Number(r.label) : index.get(r.label);
        if (target === undefined || target >= classes.length)
          throw new Error(
            `${this.csv}:${r.line}: label '${r.label}' is not one of the ${classes.length} classes`,
          );
        const path = isAbsolute(r.path) ? r.path : join(this.root, r.path);
        if (!existsSync(path)) throw new Error(`${this.csv}:${r.line}: image file ${path} does not exist`);
        return { path, target };
      }),
    );
  }

  workerSpec(): WorkerSpec {
    const { root, classes, mode } = this.opts;
    return {
      module: import.meta.url,
      name: 'ImageCSV',
      options: { csv: this.csv, root, classes, mode, ...transformSpecs(this.opts, 'ImageCSV') },
    };
  }
  static fromSpec(o: { csv: string } & Record<string, unknown>): ImageCSV<unknown, unknown> {
    return new ImageCSV(o.csv, { ...o, ...transformsFromSpecs(o as TransformSpecs) } as ImageCSVOptions<
      unknown,
      unknown
    >);
  }
}
