// Deterministic image operations (torchvision.transforms.functional): resize, crop, centerCrop, pad, flips,
// rotate. An Image gets PIL's arithmetic, a tensor torchvision's tensor arithmetic (see resample.ts).
import { Image } from '../image.js';
import { antialiasTaps, bilinearTaps, nearestTaps, resamplePass } from './resample.js';
import { blankLike, pyRound, rasterOf, sizeOf, storeU8, type ImageLike, type Raster } from './raster.js';
import { Tensor } from '../../tensor/tensor.js';

export type Interpolation = 'bilinear' | 'nearest';

export interface ResizeOptions {
  /** 'bilinear' (default) or 'nearest'. */
  interpolation?: Interpolation;
  /** With one size: cap on the longer side after resizing. */
  maxSize?: number;
  /** Tensors only (Images, like PIL, always antialias when shrinking): default true, as torchvision >= 0.17. */
  antialias?: boolean;
}

/** torchvision _compute_resized_output_size: a number matches the shorter side (aspect kept), [h, w] is exact. */
export function resizedSize(
  h: number,
  w: number,
  size: number | readonly number[],
  maxSize?: number,
): [number, number] {
  if (typeof size !== 'number' && size.length === 2) return [size[0]!, size[1]!];
  const req = typeof size === 'number' ? size : size[0]!;
  const [short, long] = w <= h ? [w, h] : [h, w];
  let [newShort, newLong] = [req, Math.trunc((req * long) / short)];
  if (maxSize !== undefined) {
    if (maxSize <= req)
      throw new Error(
        `resize: maxSize = ${maxSize} must be strictly greater than the requested size for the smaller edge (${req})`,
      );
    if (newLong > maxSize) [newShort, newLong] = [Math.trunc((maxSize * newShort) / newLong), maxSize];
  }
  return w <= h ? [newLong, newShort] : [newShort, newLong];
}

/** Resize to `size` (see resizedSize). */
export function resize<X extends ImageLike>(
  x: X,
  size: number | readonly number[],
  opts: ResizeOptions = {},
): X {
  const sizes = typeof size === 'number' ? [size] : [...size];
  if (sizes.length < 1 || sizes.length > 2 || sizes.some((v) => !Number.isInteger(v) || v <= 0))
    throw new Error(
      `resize: size must be a positive integer or [height, width], got ${JSON.stringify(size)}`,
    );
  const [h, w] = sizeOf(x);
  const [oh, ow] = resizedSize(h, w, size, opts.maxSize);
  const mode = opts.interpolation ?? 'bilinear';
  const isImage = x instanceof Image;
  if (mode !== 'bilinear' && mode !== 'nearest')
    throw new Error(`resize: unsupported interpolation '${String(mode)}' (bilinear or nearest)`);
  if (oh === h && ow === w)
    return (isImage ? new Image(x.data.slice(), h, w, x.channels) : (x as Tensor).clone()) as X;
  const taps = (n: number, m: number) =>
    mode === 'nearest'
      ? nearestTaps(n, m, isImage)
      : isImage || (opts.antialias ?? true)
        ? antialiasTaps(n, m)
        : bilinearTaps(n, m);
  const src = rasterOf(x, 'resize');
  const { out, r: dst } = blankLike(x, oh, ow);
  // intermediate after the horizontal pass: uint8 for PIL, float32 for tensors (torchvision computes in float)
  const mid: Raster = isImage
    ? rasterOf(new Image(new Uint8Array(h * ow * src.c), h, ow, src.c), 'resize')
    : { data: new Float32Array(src.c * h * ow), c: src.c, h, w: ow, sc: h * ow, sy: ow, sx: 1, u8: false };
  if (ow !== w) resamplePass(src, mid, 'x', taps(w, ow), isImage);
  else copyRaster(src, mid);
  if (oh !== h) resamplePass(mid, dst, 'y', taps(h, oh), isImage);
  else copyRaster(mid, dst);
  return out as X;
}

function copyRaster(src: Raster, dst: Raster): void {
  for (let c = 0; c < dst.c; c++)
    for (let y = 0; y < dst.h; y++)
      for (let x = 0; x < dst.w; x++) {
        const v = src.data[c * src.sc + y * src.sy + x * src.sx]!;
        dst.data[c * dst.sc + y * dst.sy + x * dst.sx] = dst.u8 && !src.u8 ? storeU8(v) : v;
      }
}

/** The h x w region at (top, left); parts outside the image are 0 (as PIL's crop and torchvision's). */
export function crop<X extends ImageLike>(x: X, top: number, left: number, height: number, width: number): X {
  const src = rasterOf(x, 'crop');
  const { out, r } = blankLike(x, height, width);
  for (let c = 0; c < r.c; c++)
    for (let y = 0; y < height; y++) {
      const sy = y + top;
      if (sy < 0 || sy >= src.h) continue;
      for (let xx = 0; xx < width; xx++) {
        const sx = xx + left;
        if (sx >= 0 && sx < src.w)
          r.data[c * r.sc + y * r.sy + xx * r.sx] = src.data[c * src.sc + sy * src.sy + sx * src.sx]!;
      }
    }
  return out as X;
}

/** Crop the centre (padding with 0 first when the image is smaller), torchvision's rounding. */
export function centerCrop<X extends ImageLike>(x: X, size: number | readonly number[]): X {
  const [ch, cw] =
    typeof size === 'number' ? [size, size] : size.length === 1 ? [size[0]!, size[0]!] : [size[0]!, size[1]!];
  let img: X = x;
  let [h, w] = sizeOf(x);
  if (cw > w || ch > h) {
    const p = [
      cw > w ? (cw - w) >> 1 : 0,
      ch > h ? (ch - h) >> 1 : 0,
      cw > w ? (cw - w + 1) >> 1 : 0,
      ch > h ? (ch - h + 1) >> 1 : 0,
    ];
    img = pad(x, p);
    [h, w] = sizeOf(img);
    if (cw === w && ch === h) return img;
  }
  return crop(img, pyRound((h - ch) / 2), pyRound((w - cw) / 2), ch, cw);
}

export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';

/** [left, top, right, bottom] from n, [lr, tb] or [l, t, r, b]. */
export function paddingLTRB(padding: number | readonly number[]): [number, number, number, number] {
  const p = typeof padding === 'number' ? [padding] : [...padding];
  const q = p.length === 1 ? [p[0]!, p[0]!, p[0]!, p[0]!] : p.length === 2 ? [p[0]!, p[1]!, p[0]!, p[1]!] : p;
  if (q.length !== 4 || q.some((v) => !Number.isInteger(v)))
    throw new Error(`pad: padding must be an integer or 1, 2 or 4 integers, got ${JSON.stringify(padding)}`);
  return q as [number, number, number, number];
}

function mapIndex(i: number, n: number, mode: PaddingMode): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return -1;
  if (mode === 'edge') return i < 0 ? 0 : n - 1;
  const period = mode === 'reflect' ? 2 * n - 2 : 2 * n;
  if (period <= 0) return 0;
  let k = ((i % period) + period) % period;
  if (mode === 'reflect') return k < n ? k : period - k;
  return k < n ? k : (k = period - 1 - k);
}

/** Pad the borders (torchvision F.pad): constant `fill` (a number or one per channel), edge, reflect, symmetric. */
export function pad<X extends ImageLike>(
  x: X,
  padding: number | readonly number[],
  fill: number | readonly number[] = 0,
  mode: PaddingMode = 'constant',
): X {
  const [l, t, r, b] = paddingLTRB(padding);
  const src = rasterOf(x, 'pad');
  if (mode === 'reflect' && (Math.max(l, r) >= src.w || Math.max(t, b) >= src.h))
    throw new Error(
      `pad: reflect padding [${l}, ${t}, ${r}, ${b}] must be smaller than the image ${src.h}x${src.w}`,
    );
  const { out, r: dst } = blankLike(x, src.h + t + b, src.w + l + r);
  const fills = typeof fill === 'number' ? [fill] : fill;
  for (let c = 0; c < dst.c; c++) {
    const f = fills[c % fills.length] ?? 0;
    for (let y = 0; y < dst.h; y++) {
      const sy = mapIndex(y - t, src.h, mode);
      for (let xx = 0; xx < dst.w; xx++) {
        const sx = mapIndex(xx - l, src.w, mode);
        dst.data[c * dst.sc + y * dst.sy + xx * dst.sx] =
          sy < 0 || sx < 0 ? (dst.u8 ? storeU8(f) : f) : src.data[c * src.sc + sy * src.sy + sx * src.sx]!;
      }
    }
  }
  return out as X;
}

function flip<X extends ImageLike>(x: X, horizontal: boolean): X {
  const src = rasterOf(x, horizontal ? 'hflip' : 'vflip');
  const { out, r } = blankLike(x, src.h, src.w);
  for (let c = 0; c < r.c; c++)
    for (let y = 0; y < r.h; y++)
      for (let xx = 0; xx < r.w; xx++) {
        const [sy, sx] = horizontal ? [y, r.w - 1 - xx] : [r.h - 1 - y, xx];
        r.data[c * r.sc + y * r.sy + xx * r.sx] = src.data[c * src.sc + sy * src.sy + sx * src.sx]!;
      }
  return out as X;
}

/** Mirror left-right. */
export const hflip = <X extends ImageLike>(x: X): X => flip(x, true);
/** Mirror top-bottom. */
export const vflip = <X extends ImageLike>(x: X): X => flip(x, false);

/**
 * Rotate counter-clockwise by `angle` degrees about the centre, same size, nearest neighbour, uncovered pixels
 * `fill`: PIL's Image.rotate (its 16.16 fixed-point affine walk) for Images and tensors alike.
 */
export function rotate<X extends ImageLike>(x: X, angle: number, fill: number | readonly number[] = 0): X {
  const src = rasterOf(x, 'rotate');
  const a = ((angle % 360) + 360) % 360;
  if (a === 0) return crop(x, 0, 0, src.h, src.w);
  if (a === 180) return vflip(hflip(x));
  const { out, r } = blankLike(x, src.h, src.w);
  const rad = -(a * Math.PI) / 180;
  const r15 = (v: number) => Number(v.toFixed(15)) + 0; // Python round(v, 15)
  const m = [r15(Math.cos(rad)), r15(Math.sin(rad)), 0, r15(-Math.sin(rad)), r15(Math.cos(rad)), 0];
  const [cx, cy] = [src.w / 2, src.h / 2];
  m[2] = m[0]! * -cx + m[1]! * -cy + 0 + cx;
  m[5] = m[3]! * -cx + m[4]! * -cy + 0 + cy;
  const fix = (v: number) => Math.floor(v * 65536 + 0.5);
  const [a0, a1, a3, a4] = [fix(m[0]!), fix(m[1]!), fix(m[3]!), fix(m[4]!)];
  let a2 = fix(m[2]! + m[0]! * 0.5 + m[1]! * 0.5);
  let a5 = fix(m[5]! + m[3]! * 0.5 + m[4]! * 0.5);
  const fills = typeof fill === 'number' ? [fill] : fill;
  for (let y = 0; y < r.h; y++, a2 += a1, a5 += a4) {
    let [xx, yy] = [a2, a5];
    for (let px = 0; px < r.w; px++, xx += a0, yy += a3) {
      const [xin, yin] = [xx >> 16, yy >> 16];
      const inside = xin >= 0 && xin < src.w && yin >= 0 && yin < src.h;
      for (let c = 0; c < r.c; c++) {
        const f = fills[c % fills.length] ?? 0;
        r.data[c * r.sc + y * r.sy + px * r.sx] = inside
          ? src.data[c * src.sc + yin * src.sy + xin * src.sx]!
          : r.u8
            ? storeU8(f)
            : f;
      }
    }
  }
  return out as X;
}
