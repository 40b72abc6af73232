// Moving samples and batches between worker threads: Tensors and Images become plain records whose buffers are
// transferred (copied first when they are views into a larger buffer, such as a dataset's pixel store).
import { Tensor } from '../tensor/tensor.js';
import type { DType, Storage } from '../tensor/dtype.js';
import { Image } from './image.js';

type Encoded =
  | { $t: 'tensor'; data: Storage; shape: number[]; dtype: DType }
  | { $t: 'image'; data: Uint8Array; height: number; width: number; channels: number }
  | { $t: 'array'; items: Encoded[] }
  | { $t: 'object'; entries: [string, Encoded][] }
  | { $t: 'value'; value: unknown };

/** Own the whole buffer (so it can be transferred) or copy. */
function owned<A extends Storage>(a: A, transfer: ArrayBuffer[]): A {
  const whole = a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer;
  const b = whole && !transfer.includes(a.buffer as ArrayBuffer) ? a : (a.slice() as A);
  transfer.push(b.buffer as ArrayBuffer);
  return b;
}

/** Encode `value` for postMessage; buffers to transfer are appended to `transfer`. */
export function encode(value: unknown, transfer: ArrayBuffer[]): Encoded {
  if (value instanceof Tensor)
    return { $t: 'tensor', data: owned(value.data, transfer), shape: [...value.shape], dtype: value.dtype };
  if (value instanceof Image)
    return {
      $t: 'image',
      data: owned(value.data, transfer),
      height: value.height,
      width: value.width,
      channels: value.channels,
    };
  if (Array.isArray(value)) return { $t: 'array', items: value.map((v) => encode(v, transfer)) };
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return { $t: 'object', entries: Object.entries(value).map(([k, v]) => [k, encode(v, transfer)]) };
  return { $t: 'value', value };
}

/** Inverse of encode. */
export function decode(e: unknown): unknown {
  const x = e as Encoded;
  switch (x.$t) {
    case 'tensor':
      return new Tensor(x.data, x.shape, x.dtype);
    case 'image':
      return new Image(x.data, x.height, x.width, x.channels);
    case 'array':
      return x.items.map(decode);
    case 'object':
      return Object.fromEntries(x.entries.map(([k, v]) => [k, decode(v)]));
    case 'value':
      return x.value;
    default:
      return x satisfies never;
  }
}
