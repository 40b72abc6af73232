// Tensor-side transforms: compose, toTensor / pilToTensor / toPILImage, normalize and randomErasing, with
// torchvision's semantics and random draws (randomErasing: rand(1) < p, then up to 10 area/ratio tries).
import { Tensor } from '../../tensor/tensor.js';
import { normalFill, type Generator } from '../../tensor/generator.js';
import { Image } from '../image.js';
import type { SampleContext } from '../dataset.js';
import { expF, logF, pickGenerator, pyRound, rand1, randint1, uniform1 } from './raster.js';
import { specOf, withSpec, type Transform, type TransformSpec } from './types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Apply transforms in order (transforms.Compose); each gets the loader's per-sample context. */
export function compose<O>(
  transforms: readonly [...Transform<any, any>[], Transform<any, O>],
): Transform<any, O>;
export function compose(transforms: readonly Transform<any, any>[]): Transform<any, any>;
export function compose(transforms: readonly Transform<any, any>[]): Transform<any, any> {
  /* eslint-enable @typescript-eslint/no-explicit-any */
  const list = [...transforms];
  list.forEach((t, k) => {
    if (typeof t !== 'function')
      throw new Error(`compose: item ${k} is not a transform function (${typeof t})`);
  });
  const fn = (x: unknown, ctx?: SampleContext) => list.reduce((v, t) => t(v, ctx), x);
  return Object.defineProperty(fn, 'spec', {
    get: (): TransformSpec => ({
      name: 'compose',
      args: [list.map((t, k) => specOf(t, `transforms.compose item ${k}`))],
    }),
    enumerable: true,
  });
}

function imageOrThrow(op: string, x: unknown): Image {
  if (x instanceof Image) return x;
  const what = x instanceof Tensor ? `a Tensor [${x.shape.join(', ')}]` : typeof x;
  throw new Error(`${op}: expected an Image (H x W x C uint8), got ${what}`);
}

/** Image (HWC uint8) → float32 tensor [C, H, W] in [0, 1] (transforms.ToTensor). */
export function toTensor(): Transform<Image, Tensor> {
  return withSpec(
    (x: Image): Tensor => {
      const img = imageOrThrow('toTensor', x);
      const { height: h, width: w, channels: c, data } = img;
      const out = new Float32Array(c * h * w);
      const plane = h * w;
      for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) out[k * plane + p] = data[p * c + k]! / 255;
      return new Tensor(out, [c, h, w], 'float32');
    },
    'toTensor',
    [],
  );
}

/** Image → uint8 tensor [C, H, W], values unchanged (transforms.PILToTensor). */
export function pilToTensor(): Transform<Image, Tensor> {
  return withSpec(
    (x: Image): Tensor => {
      const { height: h, width: w, channels: c, data } = imageOrThrow('pilToTensor', x);
      const out = new Uint8Array(c * h * w);
      for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) out[k * h * w + p] = data[p * c + k]!;
      return new Tensor(out, [c, h, w], 'uint8');
    },
    'pilToTensor',
    [],
  );
}

/** Tensor [C, H, W] (float in [0, 1]: × 255 truncated, as torchvision; or uint8) → Image (transforms.ToPILImage). */
export function toPILImage(): Transform<Tensor, Image> {
  return withSpec(
    (x: Tensor): Image => {
      if (!(x instanceof Tensor) || (x.ndim !== 3 && x.ndim !== 2))
        throw new Error(
          `toPILImage: expected a tensor [C, H, W] or [H, W], got ${x instanceof Tensor ? `[${x.shape.join(', ')}]` : typeof x}`,
        );
      const [c, h, w] = x.ndim === 3 ? (x.shape as [number, number, number]) : [1, x.shape[0]!, x.shape[1]!];
      if (c > 4) throw new Error(`toPILImage: expected at most 4 channels, got ${c}`);
      const out = new Uint8Array(c * h * w);
      const float = x.dtype === 'float32' || x.dtype === 'float64';
      for (let k = 0; k < c; k++)
        for (let p = 0; p < h * w; p++) {
          const v = x.data[k * h * w + p]!;
          out[p * c + k] = float ? Math.trunc(Math.fround(v * 255)) & 0xff : v;
        }
      return new Image(out, h, w, c);
    },
    'toPILImage',
    [],
  );
}

/** (x - mean[c]) / std[c] per channel of a float tensor [..., C, H, W] (transforms.Normalize). */
export function normalize(mean: readonly number[], std: readonly number[]): Transform<Tensor, Tensor> {
  std.forEach((s, k) => {
    if (s === 0)
      throw new Error(
        `normalize: std evaluated to zero after conversion to float32 (channel ${k}), leading to division by zero`,
      );
  });
  return withSpec(
    (x: Tensor): Tensor => {
      if (!(x instanceof Tensor) || (x.dtype !== 'float32' && x.dtype !== 'float64'))
        throw new Error(
          `normalize: expected a float tensor [..., C, H, W] (call toTensor() first), got ${x instanceof Tensor ? x.dtype : (x as unknown) instanceof Image ? 'an Image' : typeof x}`,
        );
      if (x.ndim < 3)
        throw new Error(`normalize: expected a tensor [..., C, H, W], got [${x.shape.join(', ')}]`);
      const [c, h, w] = x.shape.slice(-3) as [number, number, number];
      if (mean.length !== c && mean.length !== 1)
        throw new Error(`normalize: ${mean.length} means for ${c} channels`);
      if (std.length !== c && std.length !== 1)
        throw new Error(`normalize: ${std.length} stds for ${c} channels`);
      const single = x.dtype === 'float32';
      const r = single ? Math.fround : (v: number) => v;
      const out = new (single ? Float32Array : Float64Array)(x.numel);
      const plane = h * w;
      for (let g = 0; g < x.numel / plane; g++) {
        const k = g % c;
        const [m, sd] = [r(mean[mean.length === 1 ? 0 : k]!), r(std[std.length === 1 ? 0 : k]!)];
        for (let i = g * plane; i < (g + 1) * plane; i++) out[i] = r(r(x.data[i]! - m) / sd);
      }
      return new Tensor(out, x.shape, x.dtype);
    },
    'normalize',
    [mean, std],
  );
}

export interface RandomErasingOptions {
  /** Probability of erasing (default 0.5). */
  p?: number;
  /** Erased area as a fraction of the image (default [0.02, 0.33]). */
  scale?: readonly [number, number];
  /** Aspect ratio range (default [0.3, 3.3]). */
  ratio?: readonly [number, number];
  /** Fill: a number, one per channel, or 'random' (standard normal noise). Default 0. */
  value?: number | readonly number[] | 'random';
  generator?: Generator;
}

/** Erase a random rectangle of a tensor [..., C, H, W] (transforms.RandomErasing). */
export function randomErasing(opts: RandomErasingOptions = {}): Transform<Tensor, Tensor> {
  const p = opts.p ?? 0.5;
  const scale = opts.scale ?? [0.02, 0.33];
  const ratio = opts.ratio ?? [0.3, 3.3];
  const value = opts.value ?? 0;
  if (!(p >= 0 && p <= 1)) throw new Error(`randomErasing: probability should be in [0, 1], got ${p}`);
  if (scale[0] > scale[1] || ratio[0] > ratio[1])
    throw new Error('randomErasing: scale and ratio should be of kind (min, max)');
  const { generator: _g, ...spec } = opts;
  return withSpec(
    (x: Tensor, ctx?: SampleContext): Tensor => {
      if (!(x instanceof Tensor) || x.ndim < 3)
        throw new Error('randomErasing: expected a tensor [..., C, H, W] (call toTensor() first)');
      const gen = pickGenerator(ctx, opts.generator);
      if (!(rand1(gen) < p)) return x;
      const [c, ih, iw] = x.shape.slice(-3) as [number, number, number];
      if (Array.isArray(value) && value.length !== 1 && value.length !== c)
        throw new Error(`randomErasing: value has ${value.length} entries, the image has ${c} channels`);
      const area = ih * iw;
      const [lr0, lr1] = [logF(ratio[0]), logF(ratio[1])];
      for (let attempt = 0; attempt < 10; attempt++) {
        const eraseArea = area * uniform1(gen, scale[0], scale[1]);
        const aspect = expF(uniform1(gen, lr0, lr1));
        const h = pyRound(Math.sqrt(eraseArea * aspect));
        const w = pyRound(Math.sqrt(eraseArea / aspect));
        if (!(h < ih && w < iw)) continue;
        let noise: Float32Array | null = null;
        if (value === 'random') normalFill((noise = new Float32Array(c * h * w)), 0, 1, gen);
        const i = randint1(gen, 0, ih - h + 1);
        const j = randint1(gen, 0, iw - w + 1);
        const out = x.clone();
        const groups = x.numel / (c * ih * iw);
        for (let g = 0; g < groups; g++)
          for (let k = 0; k < c; k++)
            for (let y = 0; y < h; y++)
              for (let xx = 0; xx < w; xx++) {
                const v = noise
                  ? noise[(k * h + y) * w + xx]!
                  : typeof value === 'number'
                    ? value
                    : (value as number[])[value.length === 1 ? 0 : k]!;
                out.data[((g * c + k) * ih + i + y) * iw + j + xx] = v;
              }
        return out;
      }
      return x;
    },
    'randomErasing',
    [spec],
  );
}
