// Colour transforms: grayscale, randomGrayscale and colorJitter with torchvision's tensor arithmetic (float32,
// uint8 results truncated, as functional_tensor). An Image's grayscale uses PIL's integer luma instead; its
// colour jitter uses the uint8-tensor arithmetic too (PIL's ImageEnhance differs by about one level).
import { randperm, type Generator } from '../../tensor/generator.js';
import { Image } from '../image.js';
import { Tensor } from '../../tensor/tensor.js';
import { allocStorage } from '../../tensor/dtype.js';
import type { SampleContext } from '../dataset.js';
import {
  blankLike,
  channelsOf,
  pickGenerator,
  rand1,
  rasterOf,
  uniform1,
  type ImageLike,
  type Raster,
} from './raster.js';
import { withSpec } from './types.js';
import type { ImageTransform } from './geometry.js';

const f = Math.fround;

function rgbRaster(x: ImageLike, op: string): Raster {
  const r = rasterOf(x, op);
  const c = channelsOf(x);
  if (c !== 1 && c !== 3) throw new Error(`${op}: expected 1 or 3 channels, got ${c}`);
  return r;
}

/** Grayscale of pixel p of an RGB tensor raster: (0.2989 r + 0.587 g + 0.114 b) in float32. */
function grayAt(r: Raster, p: number, plane: number): number {
  const d = r.data;
  const v = f(f(f(0.2989 * d[p]!) + f(0.587 * d[p + plane]!)) + f(0.114 * d[p + 2 * plane]!));
  return r.u8 ? Math.trunc(v) : v;
}

/** RGB → grayscale with `numOutputChannels` (1 or 3): PIL's luma for Images, torchvision's for tensors. */
export function rgbToGrayscale<X extends ImageLike>(x: X, numOutputChannels: 1 | 3 = 1): X {
  if (numOutputChannels !== 1 && numOutputChannels !== 3)
    throw new Error(`grayscale: numOutputChannels must be 1 or 3, got ${numOutputChannels}`);
  if (x instanceof Image) {
    const g = x.channels === 1 ? x.data : x.convert('L').data;
    const out = new Uint8Array(g.length * numOutputChannels);
    for (let i = 0; i < g.length; i++)
      for (let k = 0; k < numOutputChannels; k++) out[i * numOutputChannels + k] = g[i]!;
    return new Image(out, x.height, x.width, numOutputChannels) as X;
  }
  const src = rgbRaster(x, 'grayscale');
  const c = channelsOf(x);
  const plane = src.h * src.w;
  const groups = src.c / c;
  const shape = [...x.shape.slice(0, -3), numOutputChannels, src.h, src.w];
  const data = allocStorage(x.dtype, groups * numOutputChannels * plane);
  for (let g = 0; g < groups; g++)
    for (let p = 0; p < plane; p++) {
      const base = g * c * plane + p;
      const v = c === 1 ? src.data[base]! : grayAt(src, base, plane);
      for (let k = 0; k < numOutputChannels; k++) data[(g * numOutputChannels + k) * plane + p] = v;
    }
  return new Tensor(
    data,
    x.ndim >= 3 ? shape : numOutputChannels === 1 ? [src.h, src.w] : [3, src.h, src.w],
    x.dtype,
  ) as X;
}

/** (ratio a + (1 - ratio) b) clamped to [0, bound], stored to x's type (functional_tensor._blend). */
function blendInto(r: Raster, i: number, a: number, b: number, ratio: number): void {
  const v = f(f(f(ratio) * a) + f(f(1 - ratio) * b));
  const bound = r.u8 ? 255 : 1;
  const c = v < 0 ? 0 : v > bound ? bound : v;
  r.data[i] = r.u8 ? Math.trunc(c) : c;
}

function mapPixels<X extends ImageLike>(
  x: X,
  op: string,
  fn: (src: Raster, dst: Raster, p: number, plane: number) => void,
): X {
  const src = rgbRaster(x, op);
  const { out, r } = blankLike(x, src.h, src.w);
  const plane = src.sc; // channel stride (1 for Images, H*W for tensors)
  const groups = src.c / channelsOf(x);
  for (let g = 0; g < groups; g++)
    for (let y = 0; y < src.h; y++)
      for (let xx = 0; xx < src.w; xx++)
        fn(src, r, g * channelsOf(x) * plane + y * src.sy + xx * src.sx, plane);
  return out as X;
}

/** Scale intensities by `factor` (blend with black). */
export function adjustBrightness<X extends ImageLike>(x: X, factor: number): X {
  return mapPixels(x, 'adjustBrightness', (s, d, p, plane) => {
    for (let k = 0; k < channelsOf(x); k++) blendInto(d, p + k * plane, s.data[p + k * plane]!, 0, factor);
  });
}

/** Blend with the mean grayscale level (factor 0: flat grey, 1: unchanged). */
export function adjustContrast<X extends ImageLike>(x: X, factor: number): X {
  const src = rgbRaster(x, 'adjustContrast');
  const c = channelsOf(x);
  const plane = src.sc;
  let sum = 0;
  let n = 0;
  for (let g = 0; g < src.c / c; g++)
    for (let y = 0; y < src.h; y++)
      for (let xx = 0; xx < src.w; xx++) {
        const p = g * c * plane + y * src.sy + xx * src.sx;
        sum += c === 3 ? grayAt(src, p, plane) : src.data[p]!;
        n++;
      }
  const mean = f(sum / n); // torchvision: one mean over all leading dims too
  return mapPixels(x, 'adjustContrast', (s, d, p, pl) => {
    for (let k = 0; k < c; k++) blendInto(d, p + k * pl, s.data[p + k * pl]!, mean, factor);
  });
}

/** Blend with the pixel's own grayscale (0: gray, 1: unchanged, >1: more saturated). */
export function adjustSaturation<X extends ImageLike>(x: X, factor: number): X {
  if (channelsOf(x) === 1) return x;
  return mapPixels(x, 'adjustSaturation', (s, d, p, plane) => {
    const g = grayAt(s, p, plane);
    for (let k = 0; k < 3; k++) blendInto(d, p + k * plane, s.data[p + k * plane]!, g, factor);
  });
}

/** Rotate hue by `factor` turns (in [-0.5, 0.5]) through HSV (functional_tensor._rgb2hsv / _hsv2rgb). */
export function adjustHue<X extends ImageLike>(x: X, factor: number): X {
  if (!(factor >= -0.5 && factor <= 0.5))
    throw new Error(`adjustHue: hue factor (${factor}) is not in [-0.5, 0.5]`);
  if (channelsOf(x) === 1) return x;
  return mapPixels(x, 'adjustHue', (s, d, p, plane) => {
    const u8 = s.u8;
    const [r, g, b] = [0, 1, 2].map((k) =>
      u8 ? f(s.data[p + k * plane]! / 255) : s.data[p + k * plane]!,
    ) as [number, number, number];
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    const eqc = maxc === minc;
    const cr = f(maxc - minc);
    const sat = f(cr / (eqc ? 1 : maxc));
    const div = eqc ? 1 : cr;
    const [rc, gc, bc] = [f(f(maxc - r) / div), f(f(maxc - g) / div), f(f(maxc - b) / div)];
    const hr = maxc === r ? f(bc - gc) : 0;
    const hg = maxc === g && maxc !== r ? f(f(2 + rc) - bc) : 0;
    const hb = maxc !== g && maxc !== r ? f(f(4 + gc) - rc) : 0;
    let h = f(f(hr + hg) + hb);
    h = f(f(f(h / 6) + 1) % 1);
    h = f(f(h + factor) % 1);
    if (h < 0) h = f(h + 1); // torch's % on tensors is Python's modulo (sign of the divisor)
    const v = maxc;
    const h6 = f(h * 6);
    const i = Math.floor(h6);
    const fr = f(h6 - i);
    const clamp01 = (t: number) => (t < 0 ? 0 : t > 1 ? 1 : t);
    const pp = clamp01(f(v * f(1 - sat)));
    const q = clamp01(f(v * f(1 - f(sat * fr))));
    const t = clamp01(f(v * f(1 - f(sat * f(1 - fr)))));
    const rgb = [
      [v, t, pp],
      [q, v, pp],
      [pp, v, t],
      [pp, q, v],
      [t, pp, v],
      [v, pp, q],
    ][((i % 6) + 6) % 6]!;
    for (let k = 0; k < 3; k++) d.data[p + k * plane] = u8 ? Math.trunc(f(rgb[k]! * 255)) : rgb[k]!;
  });
}

type Range = number | readonly [number, number];
function jitterRange(
  name: string,
  v: Range | undefined,
  center: number,
  bound: [number, number],
  clip: boolean,
): [number, number] | null {
  if (v === undefined) return null;
  let r: [number, number];
  if (typeof v === 'number') {
    if (v < 0)
      throw new Error(`colorJitter: if ${name} is a single number, it must be non negative, got ${v}`);
    r = [center - v, center + v];
    if (clip) r[0] = Math.max(r[0], 0);
  } else r = [v[0], v[1]];
  if (!(bound[0] <= r[0] && r[0] <= r[1] && r[1] <= bound[1]))
    throw new Error(
      `colorJitter: ${name} values should be between [${bound.join(', ')}], got [${r.join(', ')}]`,
    );
  return r[0] === center && r[1] === center ? null : r;
}

export interface ColorJitterOptions {
  brightness?: Range;
  contrast?: Range;
  saturation?: Range;
  /** Max hue shift in turns, ≤ 0.5 (or a [min, max] range in [-0.5, 0.5]). */
  hue?: Range;
  generator?: Generator;
}

/** Random brightness, contrast, saturation and hue changes in random order (transforms.ColorJitter). */
export function colorJitter(opts: ColorJitterOptions = {}): ImageTransform {
  const b = jitterRange('brightness', opts.brightness, 1, [0, Infinity], true);
  const c = jitterRange('contrast', opts.contrast, 1, [0, Infinity], true);
  const s = jitterRange('saturation', opts.saturation, 1, [0, Infinity], true);
  const h = jitterRange('hue', opts.hue, 0, [-0.5, 0.5], false);
  const { generator: _g, ...spec } = opts;
  return withSpec(
    <X extends ImageLike>(x: X, ctx?: SampleContext): X => {
      const gen = pickGenerator(ctx, opts.generator);
      const order = randperm(4, gen); // torchvision draws the order, then each factor
      const fb = b && uniform1(gen, b[0], b[1]);
      const fc = c && uniform1(gen, c[0], c[1]);
      const fs = s && uniform1(gen, s[0], s[1]);
      const fh = h && uniform1(gen, h[0], h[1]);
      let y = x;
      for (const k of order) {
        if (k === 0 && fb !== null) y = adjustBrightness(y, fb);
        if (k === 1 && fc !== null) y = adjustContrast(y, fc);
        if (k === 2 && fs !== null) y = adjustSaturation(y, fs);
        if (k === 3 && fh !== null) y = adjustHue(y, fh);
      }
      return y;
    },
    'colorJitter',
    [spec],
  );
}

/** Convert to grayscale with 1 or 3 output channels (transforms.Grayscale). */
export function grayscale(numOutputChannels: 1 | 3 = 1): ImageTransform {
  return withSpec(<X extends ImageLike>(x: X) => rgbToGrayscale(x, numOutputChannels), 'grayscale', [
    numOutputChannels,
  ]);
}

/** Grayscale (keeping the channel count) with probability p (transforms.RandomGrayscale). */
export function randomGrayscale(p = 0.1, opts: { generator?: Generator } = {}): ImageTransform {
  return withSpec(
    <X extends ImageLike>(x: X, ctx?: SampleContext): X => {
      const n = channelsOf(x) as 1 | 3;
      return rand1(pickGenerator(ctx, opts.generator)) < p ? rgbToGrayscale(x, n) : x;
    },
    'randomGrayscale',
    [p],
  );
}
