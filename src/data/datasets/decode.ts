// Image file decoding with sharp (libvips; JPEG, PNG, WebP, GIF, TIFF, AVIF): to an 8-bit Image, first frame,
// no EXIF rotation and alpha dropped without compositing, as PIL's `open(f).convert('RGB')`.
import { readFile } from 'node:fs/promises';
import sharp, { type OutputInfo } from 'sharp';
import { Image } from '../image.js';

/** File extensions ImageFolder accepts by default (torchvision's IMG_EXTENSIONS plus .gif and .avif). */
export const IMG_EXTENSIONS: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.png',
  '.ppm',
  '.bmp',
  '.pgm',
  '.tif',
  '.tiff',
  '.webp',
  '.gif',
  '.avif',
];

/**
 * Decode an image file (path or bytes) into an Image with `mode` 'RGB' (default), 'L' or 'RGBA'; 'keep' keeps
 * the file's own channel count. Errors name the file and say what is wrong (empty, unreadable, not an image).
 */
export async function decodeImage(
  input: string | Uint8Array,
  mode: 'RGB' | 'L' | 'RGBA' | 'keep' = 'RGB',
): Promise<Image> {
  const name = typeof input === 'string' ? input : `${input.length}-byte buffer`;
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    try {
      bytes = await readFile(input);
    } catch (e) {
      throw new Error(`${name}: cannot read image file (${(e as Error).message})`);
    }
  } else bytes = input;
  if (bytes.length === 0) throw new Error(`${name}: image file is empty (0 bytes)`);
  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await sharp(bytes, { failOn: 'error' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new Error(`${name}: cannot decode image (${(e as Error).message})`);
  }
  const { data, info } = out;
  const img = new Image(
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    info.height,
    info.width,
    info.channels,
  );
  return mode === 'keep' ? img : img.convert(mode);
}

/** Encode an Image as PNG (lossless), e.g. to write fixtures or inspect an augmentation. */
export async function encodePng(img: Image): Promise<Uint8Array> {
  const channels = img.channels as 1 | 2 | 3 | 4;
  const buf = await sharp(img.data, { raw: { width: img.width, height: img.height, channels } })
    .png()
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Encode an Image as JPEG at `quality` (1-100). */
export async function encodeJpeg(img: Image, quality = 90): Promise<Uint8Array> {
  const channels = img.channels as 1 | 2 | 3 | 4;
  const buf = await sharp(img.data, { raw: { width: img.width, height: img.height, channels } })
    .jpeg({ quality })
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
