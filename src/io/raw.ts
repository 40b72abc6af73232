// The I/O layer's tensor: dtype (incl. file-only ones such as float16), shape and contiguous little-endian bytes.
// Readers produce RawTensors, writers consume them; conversion to and from weightroom's Tensor happens here.
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';

/** Element types found in .pth and safetensors files. */
export type IoDType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool'
  | 'uint16'
  | 'uint32'
  | 'uint64';

export const ITEMSIZE: Record<IoDType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
  uint16: 2,
  uint32: 4,
  uint64: 8,
};

export interface RawTensor {
  readonly dtype: IoDType;
  readonly shape: readonly number[];
  /** numel * ITEMSIZE[dtype] bytes, row-major, little-endian. */
  readonly bytes: Uint8Array;
  /** Set when the file marks the tensor as requiring grad (nn.Parameter). */
  readonly requiresGrad?: boolean;
}

/** A RawTensor marker for the pickle layer (so plain objects are never mistaken for tensors). */
export class RawTensorValue implements RawTensor {
  constructor(
    readonly dtype: IoDType,
    readonly shape: readonly number[],
    readonly bytes: Uint8Array,
    readonly requiresGrad = false,
  ) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (bytes.length !== n * ITEMSIZE[dtype])
      throw new Error(
        `tensor of ${dtype} ${JSON.stringify(shape)} needs ${n * ITEMSIZE[dtype]} bytes, got ${bytes.length}`,
      );
  }
}

export interface ToTensorOptions {
  /** Convert every floating-point tensor (float16, bfloat16, float64) to float32, like `model.float()`. */
  dtype?: 'float32';
}

// ------------------------------------------------------------------ half-precision conversions (bit exact)

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** float -> float16 bits, round to nearest even (as torch's .half()). */
export function floatToHalf(v: number): number {
  F32[0] = v;
  const x = U32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const e = (x >>> 23) & 0xff;
  const m = x & 0x7fffff;
  if (e === 0xff) return sign | 0x7c00 | (m ? 0x200 : 0);
  const ue = e - 127 + 15;
  if (ue >= 31) return sign | 0x7c00;
  if (ue <= 0) {
    if (ue < -10) return sign;
    const mm = m | 0x800000;
    const shift = 14 - ue;
    let r = mm >>> shift;
    const rem = mm & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = (ue << 10) | (m >>> 13);
  const rem = m & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++; // may carry into the exponent, up to infinity: correct
  return sign | r;
}

export function bf16ToFloat(b: number): number {
  U32[0] = b << 16;
  return F32[0]!;
}

/** float -> bfloat16 bits, round to nearest even; NaN stays NaN (c10::round_to_nearest_even). */
export function floatToBf16(v: number): number {
  F32[0] = v;
  const x = U32[0]!;
  if (Number.isNaN(F32[0])) return 0x7fc0;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

// ------------------------------------------------------------------ RawTensor <-> Tensor

let HALF_LUT: Float32Array | undefined; // float16 bits -> float32, built on first use (256 kB)

/** An aligned copy of `b` (typed-array views need their byte offset to be a multiple of the element size). */
function aligned(b: Uint8Array, itemsize: number): ArrayBuffer {
  if (b.byteOffset % itemsize === 0 && b.buffer instanceof ArrayBuffer)
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  return b.slice().buffer as ArrayBuffer;
}

/** Turn a RawTensor into a Tensor (a copy). `name` goes into error messages. */
export function rawToTensor(r: RawTensor, name: string, opts: ToTensorOptions = {}): Tensor {
  const toF32 = opts.dtype === 'float32';
  const { shape, bytes } = r;
  const n = bytes.length / ITEMSIZE[r.dtype];
  const buf = aligned(bytes, ITEMSIZE[r.dtype]);
  let t: Tensor;
  switch (r.dtype) {
    case 'float32':
      t = new Tensor(new Float32Array(buf), shape, 'float32');
      break;
    case 'float64':
      t = toF32
        ? new Tensor(Float32Array.from(new Float64Array(buf)), shape, 'float32')
        : new Tensor(new Float64Array(buf), shape, 'float64');
      break;
    case 'float16':
    case 'bfloat16': {
      if (!toF32)
        throw new Error(
          `tensor '${name}' is ${r.dtype}, which weightroom does not compute in; load with { dtype: 'float32' } to convert it`,
        );
      const src = new Uint16Array(buf);
      const out = new Float32Array(n);
      if (r.dtype === 'float16') {
        const lut = (HALF_LUT ??= Float32Array.from({ length: 65536 }, (_, h) => halfToFloat(h)));
        for (let i = 0; i < n; i++) out[i] = lut[src[i]!]!;
      } else {
        const bits = new Uint32Array(out.buffer);
        for (let i = 0; i < n; i++) bits[i] = src[i]! << 16;
      }
      t = new Tensor(out, shape, 'float32');
      break;
    }
    case 'int64':
    case 'uint64': {
      const w = new Uint32Array(buf);
      const out = new Float64Array(n);
      const signed = r.dtype === 'int64';
      for (let i = 0; i < n; i++) {
        const lo = w[2 * i]!;
        const hi = signed ? w[2 * i + 1]! | 0 : w[2 * i + 1]!;
        if (hi > 0x200000 || hi < -0x200000 || (hi === 0x200000 && lo !== 0)) {
          const v = signed ? new BigInt64Array(buf)[i]! : new BigUint64Array(buf)[i]!;
          throw new Error(
            `tensor '${name}' holds ${r.dtype} value ${v} at index ${i}, beyond the ±2^53 that weightroom's int64 holds exactly`,
          );
        }
        out[i] = hi * 4294967296 + lo;
      }
      t = new Tensor(out, shape, 'int64');
      break;
    }
    case 'uint32':
      t = new Tensor(Float64Array.from(new Uint32Array(buf)), shape, 'int64');
      break;
    case 'int32':
      t = new Tensor(new Int32Array(buf), shape, 'int32');
      break;
    case 'int16':
      t = new Tensor(Int32Array.from(new Int16Array(buf)), shape, 'int32');
      break;
    case 'uint16':
      t = new Tensor(Int32Array.from(new Uint16Array(buf)), shape, 'int32');
      break;
    case 'int8':
      t = new Tensor(Int32Array.from(new Int8Array(buf)), shape, 'int32');
      break;
    case 'uint8':
      t = new Tensor(new Uint8Array(buf), shape, 'uint8');
      break;
    case 'bool': {
      const u = new Uint8Array(buf);
      for (let i = 0; i < n; i++) u[i] = u[i] ? 1 : 0;
      t = new Tensor(u, shape, 'bool');
      break;
    }
    default:
      return r.dtype satisfies never;
  }
  if (r.requiresGrad && (t.dtype === 'float32' || t.dtype === 'float64')) t.requiresGrad = true;
  return t;
}

/** Storage dtype to write for a Tensor: its own, or float16/bfloat16/float32 for floating tensors on request. */
export type SaveDType = 'float32' | 'float16' | 'bfloat16';

/** Turn a Tensor into a RawTensor (a copy), optionally storing floating-point tensors as `as`. */
export function tensorToRaw(t: Tensor, name: string, as?: SaveDType): RawTensor {
  const src = t.data;
  const n = src.length;
  const isF = t.dtype === 'float32' || t.dtype === 'float64';
  if (isF && as && as !== t.dtype) {
    if (as === 'float32') return raw('float32', t.shape, new Uint8Array(Float32Array.from(src).buffer));
    const out = new Uint16Array(n);
    const cv = as === 'float16' ? floatToHalf : floatToBf16;
    for (let i = 0; i < n; i++) out[i] = cv(Math.fround(src[i]!));
    return raw(as, t.shape, new Uint8Array(out.buffer));
  }
  const d: DType = t.dtype;
  switch (d) {
    case 'float32':
      return raw('float32', t.shape, new Uint8Array(Float32Array.from(src).buffer));
    case 'float64':
      return raw('float64', t.shape, new Uint8Array(Float64Array.from(src).buffer));
    case 'int32':
      return raw('int32', t.shape, new Uint8Array(Int32Array.from(src).buffer));
    case 'uint8':
    case 'bool':
      return raw(d, t.shape, Uint8Array.from(src));
    case 'int64': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const v = src[i]!;
        if (!Number.isInteger(v) || v >= 2 ** 63 || v < -(2 ** 63))
          throw new Error(`tensor '${name}': int64 element ${i} is ${v}, not an integer`);
        out[i] = BigInt(v);
      }
      return raw('int64', t.shape, new Uint8Array(out.buffer));
    }
    default:
      return d satisfies never;
  }
}

function raw(dtype: IoDType, shape: readonly number[], bytes: Uint8Array): RawTensor {
  return new RawTensorValue(dtype, [...shape], bytes);
}

const FLOATS = new Set<IoDType>(['float32', 'float64', 'float16', 'bfloat16']);

/** Re-encode a floating-point RawTensor as `to` (via float32, as torch's .half() does); others unchanged. */
export function castRaw(r: RawTensor, to: SaveDType): RawTensor {
  if (!FLOATS.has(r.dtype) || r.dtype === to) return r;
  const t = rawToTensor(r, '', { dtype: 'float32' });
  return tensorToRaw(t, '', to);
}
