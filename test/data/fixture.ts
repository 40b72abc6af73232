// Loads test/fixtures/data/data.json (written by scripts/fixtures/data.py from torchvision) and decodes its arrays.
import { readFileSync } from 'node:fs';
import { Tensor, Image } from '../../src/index.js';

export const FIXTURE_DIR = new URL('../fixtures/data/', import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const fx: any = JSON.parse(readFileSync(new URL('data.json', FIXTURE_DIR), 'utf8'));

const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));

/** A PIL array [H, W(, C)] as an Image. */
export function pilImage(a: { shape: number[]; data: string }): Image {
  const [h, w, c = 1] = a.shape as [number, number, number?];
  return new Image(bytes(a.data), h, w, c);
}

/** A tensor fixture as a Tensor. */
export function fxTensor(a: { shape: number[]; dtype: 'float32' | 'uint8'; data: string }): Tensor {
  const b = bytes(a.data);
  const data = a.dtype === 'uint8' ? b : new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  return new Tensor(data, a.shape, a.dtype);
}

/** Max |a - b| over two equally long arrays (throws on a length mismatch). */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Count of positions where a and b differ. */
export function countDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}
