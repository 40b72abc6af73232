// Image: an 8-bit HWC raster (what a PIL image or a decoded file is), the input type of the data transforms
// before toTensor(). Transforms treat an Image as torchvision treats a PIL image, and a Tensor as a tensor.

/** An 8-bit image: `height × width × channels` bytes, row-major, channels interleaved (1 = L, 3 = RGB, 4 = RGBA). */
export class Image {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;

  constructor(data: Uint8Array, height: number, width: number, channels: number) {
    if (![1, 2, 3, 4].includes(channels))
      throw new Error(`Image: channels must be 1, 2, 3 or 4, got ${channels}`);
    if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0)
      throw new Error(`Image: height and width must be non-negative integers, got ${height}x${width}`);
    if (data.length !== height * width * channels)
      throw new Error(
        `Image: ${data.length} bytes do not fit ${height}x${width}x${channels} (${height * width * channels} expected)`,
      );
    this.data = data;
    this.height = height;
    this.width = width;
    this.channels = channels;
  }

  /** PIL's mode name: L, LA, RGB or RGBA. */
  get mode(): 'L' | 'LA' | 'RGB' | 'RGBA' {
    return (['L', 'LA', 'RGB', 'RGBA'] as const)[this.channels - 1]!;
  }

  /** [width, height], like PIL's `Image.size`. */
  get size(): [number, number] {
    return [this.width, this.height];
  }

  /** The value of channel `c` at row `y`, column `x`. */
  at(y: number, x: number, c = 0): number {
    return this.data[(y * this.width + x) * this.channels + c]!;
  }

  /** A copy converted to `channels` (L ↔ RGB with PIL's ITU-R 601-2 luma, alpha dropped or set to 255). */
  convert(mode: 'L' | 'RGB' | 'RGBA'): Image {
    const to = mode === 'L' ? 1 : mode === 'RGB' ? 3 : 4;
    const from = this.channels;
    if (to === from) return new Image(this.data.slice(), this.height, this.width, to);
    const n = this.height * this.width;
    const src = this.data;
    const out = new Uint8Array(n * to);
    for (let i = 0; i < n; i++) {
      const s = i * from;
      let r: number, g: number, b: number;
      if (from >= 3) [r, g, b] = [src[s]!, src[s + 1]!, src[s + 2]!];
      else r = g = b = src[s]!;
      const a = from === 4 || from === 2 ? src[s + from - 1]! : 255;
      if (to === 1) out[i] = luma(r, g, b);
      else {
        out[i * to] = r;
        out[i * to + 1] = g;
        out[i * to + 2] = b;
        if (to === 4) out[i * to + 3] = a;
      }
    }
    return new Image(out, this.height, this.width, to);
  }
}

/** PIL's L = R 299/1000 + G 587/1000 + B 114/1000 in 16-bit fixed point, rounded (Convert.c `L24`). */
export function luma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
}

/** True for an Image (structurally, so images rebuilt in worker threads count too). */
export function isImage(x: unknown): x is Image {
  return x instanceof Image;
}
