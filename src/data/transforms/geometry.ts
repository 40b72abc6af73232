// Geometric transforms (torchvision.transforms names and semantics): resize, centerCrop, pad, randomCrop,
// randomResizedCrop, random flips and randomRotation. Random parameters are drawn in torchvision's order and
// dtypes (torch.randint, float32 uniform_), so the same generator state picks the same crops as torchvision.
import type { Generator } from '../../tensor/generator.js';
import type { SampleContext } from '../dataset.js';
import * as F from './functional.js';
import {
  expF,
  logF,
  pair,
  pickGenerator,
  pyRound,
  rand1,
  randint1,
  sizeOf,
  uniform1,
  type ImageLike,
} from './raster.js';
import { withSpec, type Transform } from './types.js';

/** A transform that keeps the kind (Image or Tensor) of its input. */
export type ImageTransform = Transform<ImageLike, ImageLike> &
  (<X extends ImageLike>(x: X, ctx?: SampleContext) => X);

interface Random {
  /** Own generator (the DataLoader's per-sample generator takes precedence). */
  generator?: Generator;
}

const plain = <T extends object>(o: T): Omit<T, 'generator'> => {
  const { generator: _g, ...rest } = o as T & { generator?: unknown };
  return rest;
};

/** Resize to `size`: a number matches the shorter side, [h, w] is exact (transforms.Resize). */
export function resize(size: number | readonly number[], opts: F.ResizeOptions = {}): ImageTransform {
  return withSpec(<X extends ImageLike>(x: X) => F.resize(x, size, opts), 'resize', [size, opts]);
}

/** Crop the centre to `size` (transforms.CenterCrop). */
export function centerCrop(size: number | readonly number[]): ImageTransform {
  return withSpec(<X extends ImageLike>(x: X) => F.centerCrop(x, size), 'centerCrop', [size]);
}

/** Pad the borders (transforms.Pad). */
export function pad(
  padding: number | readonly number[],
  fill: number | readonly number[] = 0,
  paddingMode: F.PaddingMode = 'constant',
): ImageTransform {
  return withSpec(<X extends ImageLike>(x: X) => F.pad(x, padding, fill, paddingMode), 'pad', [
    padding,
    fill,
    paddingMode,
  ]);
}

export interface RandomCropOptions extends Random {
  /** Padding applied first (n, [lr, tb] or [l, t, r, b]). */
  padding?: number | readonly number[];
  /** Pad when the image is smaller than the crop. */
  padIfNeeded?: boolean;
  fill?: number | readonly number[];
  paddingMode?: F.PaddingMode;
}

/** Crop a random `size` window, after optional padding (transforms.RandomCrop). */
export function randomCrop(size: number | readonly number[], opts: RandomCropOptions = {}): ImageTransform {
  const [th, tw] = pair('randomCrop', size);
  const { fill = 0, paddingMode = 'constant' } = opts;
  return withSpec(
    <X extends ImageLike>(x: X, ctx?: SampleContext): X => {
      let img = opts.padding !== undefined ? F.pad(x, opts.padding, fill, paddingMode) : x;
      if (opts.padIfNeeded && sizeOf(img)[1] < tw)
        img = F.pad(img, [tw - sizeOf(img)[1], 0], fill, paddingMode);
      if (opts.padIfNeeded && sizeOf(img)[0] < th)
        img = F.pad(img, [0, th - sizeOf(img)[0]], fill, paddingMode);
      const [h, w] = sizeOf(img);
      if (h < th || w < tw)
        throw new Error(
          `randomCrop: required crop size [${th}, ${tw}] is larger than input image size [${h}, ${w}]`,
        );
      if (h === th && w === tw) return img === x ? F.crop(x, 0, 0, h, w) : img;
      const gen = pickGenerator(ctx, opts.generator);
      const i = randint1(gen, 0, h - th + 1);
      const j = randint1(gen, 0, w - tw + 1);
      return F.crop(img, i, j, th, tw);
    },
    'randomCrop',
    [size, plain(opts)],
  );
}

export interface RandomResizedCropOptions extends Random {
  /** Range of the crop's area as a fraction of the image (default [0.08, 1]). */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio w/h (default [3/4, 4/3], drawn log-uniformly). */
  ratio?: readonly [number, number];
  interpolation?: F.Interpolation;
  antialias?: boolean;
}

/** torchvision RandomResizedCrop.get_params: [top, left, height, width]. */
export function randomResizedCropParams(
  height: number,
  width: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
  gen: Generator,
): [number, number, number, number] {
  const area = height * width;
  const [lr0, lr1] = [logF(ratio[0]), logF(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * uniform1(gen, scale[0], scale[1]);
    const aspect = expF(uniform1(gen, lr0, lr1));
    const w = pyRound(Math.sqrt(targetArea * aspect));
    const h = pyRound(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const i = randint1(gen, 0, height - h + 1);
      const j = randint1(gen, 0, width - w + 1);
      return [i, j, h, w];
    }
  }
  const inRatio = width / height; // fallback: whole image, clamped to the ratio range, centred
  let [w, h] = [width, height];
  if (inRatio < Math.min(...ratio)) h = pyRound(w / Math.min(...ratio));
  else if (inRatio > Math.max(...ratio)) w = pyRound(h * Math.max(...ratio));
  return [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w];
}

/** Crop a random area/aspect window and resize it to `size` (transforms.RandomResizedCrop). */
export function randomResizedCrop(
  size: number | readonly number[],
  opts: RandomResizedCropOptions = {},
): ImageTransform {
  const out = pair('randomResizedCrop', size);
  const scale = opts.scale ?? [0.08, 1];
  const ratio = opts.ratio ?? [3 / 4, 4 / 3];
  if (scale[0] > scale[1] || ratio[0] > ratio[1])
    throw new Error(
      `randomResizedCrop: scale and ratio should be of kind (min, max), got ${JSON.stringify({ scale, ratio })}`,
    );
  const resizeOpts: F.ResizeOptions = { interpolation: opts.interpolation ?? 'bilinear' };
  if (opts.antialias !== undefined) resizeOpts.antialias = opts.antialias;
  return withSpec(
    <X extends ImageLike>(x: X, ctx?: SampleContext): X => {
      const [h, w] = sizeOf(x);
      const [i, j, ch, cw] = randomResizedCropParams(h, w, scale, ratio, pickGenerator(ctx, opts.generator));
      return F.resize(F.crop(x, i, j, ch, cw), out, resizeOpts);
    },
    'randomResizedCrop',
    [size, plain(opts)],
  );
}

function randomFlip(
  name: string,
  p: number,
  opts: Random,
  op: <X extends ImageLike>(x: X) => X,
): ImageTransform {
  if (!(p >= 0 && p <= 1)) throw new Error(`${name}: p must be a probability in [0, 1], got ${p}`);
  return withSpec(
    <X extends ImageLike>(x: X, ctx?: SampleContext): X =>
      rand1(pickGenerator(ctx, opts.generator)) < p ? op(x) : x,
    name,
    [p, plain(opts)],
  );
}

/** Mirror left-right with probability p (torch.rand(1) < p). */
export const randomHorizontalFlip = (p = 0.5, opts: Random = {}): ImageTransform =>
  randomFlip('randomHorizontalFlip', p, opts, F.hflip);
/** Mirror top-bottom with probability p. */
export const randomVerticalFlip = (p = 0.5, opts: Random = {}): ImageTransform =>
  randomFlip('randomVerticalFlip', p, opts, F.vflip);

/** Rotate by an angle uniform in [-degrees, degrees] (or [min, max]), nearest neighbour (transforms.RandomRotation). */
export function randomRotation(
  degrees: number | readonly [number, number],
  opts: Random & { fill?: number | readonly number[] } = {},
): ImageTransform {
  const [lo, hi] = typeof degrees === 'number' ? [-degrees, degrees] : degrees;
  if (typeof degrees === 'number' && degrees < 0)
    throw new Error(`randomRotation: if degrees is a single number, it must be positive, got ${degrees}`);
  return withSpec(
    <X extends ImageLike>(x: X, ctx?: SampleContext): X =>
      F.rotate(x, uniform1(pickGenerator(ctx, opts.generator), lo, hi), opts.fill ?? 0),
    'randomRotation',
    [degrees, plain(opts)],
  );
}
