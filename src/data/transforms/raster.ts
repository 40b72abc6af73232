// Common ground of the image transforms: a strided view (Raster) over an Image (HWC uint8) or a Tensor
// ([..., C, H, W], leading dims folded into channels), and the seeded draws torchvision makes.
import { Tensor } from '../../tensor/tensor.js';
import { allocStorage } from '../../tensor/dtype.js';
import { defaultGenerator, randintFill, uniformFill, type Generator } from '../../tensor/generator.js';
import { Image } from '../image.js';
import type { SampleContext } from '../dataset.js';

/** What the image transforms accept: an Image (PIL semantics) or an image Tensor [..., C, H, W]. */
export type ImageLike = Image | Tensor;

/** Pixel (c, y, x) of a raster is data[c * sc + y * sy + x * sx]. */
export interface Raster {
  data: Uint8Array | Float32Array | Float64Array;
  c: number;
  h: number;
  w: number;
  sc: number;
  sy: number;
  sx: number;
  /** True for uint8 storage (results are rounded and clamped to 0..255). */
  u8: boolean;
}

/** The raster view of an Image or image tensor; `op` names the transform in errors. */
export function rasterOf(x: ImageLike, op: string): Raster {
  if (x instanceof Image) {
    const { data, height: h, width: w, channels: c } = x;
    return { data, c, h, w, sc: 1, sy: w * c, sx: c, u8: true };
  }
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected an Image or a Tensor, got ${typeof x}`);
  if (x.ndim < 2)
    throw new Error(`${op}: expected a tensor [..., C, H, W] or [H, W], got shape [${x.shape.join(', ')}]`);
  if (x.dtype !== 'uint8' && x.dtype !== 'float32' && x.dtype !== 'float64')
    throw new Error(`${op}: expected a uint8, float32 or float64 image tensor, got ${x.dtype}`);
  const [h, w] = x.shape.slice(-2) as [number, number];
  const c = x.numel / (h * w || 1);
  return { data: x.data as Raster['data'], c, h, w, sc: h * w, sy: w, sx: 1, u8: x.dtype === 'uint8' };
}

/** A new blank image of x's kind (Image or tensor of x's dtype and leading dims) with size h x w. */
export function blankLike(x: ImageLike, h: number, w: number): { out: ImageLike; r: Raster } {
  if (x instanceof Image) {
    const out = new Image(new Uint8Array(h * w * x.channels), h, w, x.channels);
    return { out, r: rasterOf(out, 'blank') };
  }
  const shape = [...x.shape.slice(0, -2), h, w];
  const out = new Tensor(
    allocStorage(
      x.dtype,
      shape.reduce((a, b) => a * b, 1),
    ),
    shape,
    x.dtype,
  );
  return { out, r: rasterOf(out, 'blank') };
}

/** [height, width] of an Image or image tensor. */
export function sizeOf(x: ImageLike): [number, number] {
  if (x instanceof Image) return [x.height, x.width];
  return x.shape.slice(-2) as [number, number];
}

/** Channels of an Image, or C of a [..., C, H, W] tensor (1 for [H, W]). */
export function channelsOf(x: ImageLike): number {
  if (x instanceof Image) return x.channels;
  return x.ndim >= 3 ? x.shape[x.ndim - 3]! : 1;
}

/** Store v in a raster's element type: uint8 rounds half to even (torch.round) and clamps. */
export function storeU8(v: number): number {
  if (!(v > 0)) return 0;
  if (v >= 255) return 255;
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 === 1 ? r - 1 : r;
}

/** The generator a random transform draws from: the loader's, else its own, else the global one. */
export function pickGenerator(ctx: SampleContext | undefined, own: Generator | undefined): Generator {
  return ctx?.generator ?? own ?? defaultGenerator;
}

/** torch.rand(1).item(): a float32 uniform on [0, 1). */
export function rand1(gen: Generator): number {
  const a = new Float32Array(1);
  uniformFill(a, 0, 1, gen);
  return a[0]!;
}

/** torch.empty(1).uniform_(lo, hi).item() (float32 arithmetic). */
export function uniform1(gen: Generator, lo: number, hi: number): number {
  const a = new Float32Array(1);
  uniformFill(a, lo, hi, gen);
  return a[0]!;
}

/** torch.randint(lo, hi, size=(1,)).item(). */
export function randint1(gen: Generator, lo: number, hi: number): number {
  const a = new Float64Array(1);
  randintFill(a, lo, hi, gen);
  return a[0]!;
}

/** Python's round(): half to even. */
export function pyRound(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** float32 log / exp of a float32 value (torch.log / torch.exp on a float tensor). */
export const logF = (v: number): number => Math.fround(Math.log(Math.fround(v)));
export const expF = (v: number): number => Math.fround(Math.exp(Math.fround(v)));

/** A size argument: n → [n, n]; [h, w] as given. */
export function pair(op: string, size: number | readonly number[]): [number, number] {
  const s = typeof size === 'number' ? [size, size] : size.length === 1 ? [size[0]!, size[0]!] : [...size];
  if (s.length !== 2 || s.some((v) => !Number.isInteger(v) || v <= 0))
    throw new Error(`${op}: size must be a positive integer or [height, width], got ${JSON.stringify(size)}`);
  return s as [number, number];
}
