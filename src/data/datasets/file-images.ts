// The shared half of ImageFolder and ImageCSV: a list of (image file, class index) samples, decoded on get()
// and passed through the transforms.
import { checkIndex, type Dataset, type SampleContext } from '../dataset.js';
import { decodeImage } from './decode.js';
import { applyTransforms, type VisionOptions } from './vision.js';

/** One file and its class index. */
export interface FolderSample {
  path: string;
  target: number;
}

export abstract class FileImageDataset<X, Y> implements Dataset<[X, Y]> {
  abstract readonly samples: readonly FolderSample[];
  protected abstract readonly opts: VisionOptions<X, Y> & { mode?: 'RGB' | 'L' | 'RGBA' };

  get length(): number {
    return this.samples.length;
  }

  /** Class index of every sample, in order (torchvision's `targets`). */
  get targets(): number[] {
    return this.samples.map((s) => s.target);
  }

  /** Decode sample `index` and apply the transforms. */
  async get(index: number, ctx?: SampleContext): Promise<[X, Y]> {
    const s = this.samples[checkIndex(`${this.constructor.name}.get`, index, this.length)]!;
    const img = await decodeImage(s.path, this.opts.mode ?? 'RGB');
    return applyTransforms(img, s.target, this.opts, ctx);
  }

  /** The file behind sample `index` (used in error messages). */
  describe(index: number): string {
    return this.samples[index]?.path ?? `#${index}`;
  }
}
