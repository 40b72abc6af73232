// safetensors: u64 LE header length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__}, then the
// data. The reader validates everything the spec requires (bounds, exact tiling, no duplicates) before use.
import { Tensor } from '../tensor/tensor.js';
import {
  ITEMSIZE,
  RawTensorValue,
  tensorToRaw,
  type IoDType,
  type RawTensor,
  type SaveDType,
} from './raw.js';

const TO_IO: Record<string, IoDType> = {
  F32: 'float32',
  F64: 'float64',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
  U16: 'uint16',
  U32: 'uint32',
  U64: 'uint64',
};
const FROM_IO = Object.fromEntries(Object.entries(TO_IO).map(([k, v]) => [v, k])) as Record<IoDType, string>;
const MAX_HEADER = 100_000_000;

export interface SafetensorsContents {
  /** Tensors in file (data offset) order. */
  tensors: Map<string, RawTensorValue>;
  metadata: Record<string, string> | null;
}

/** Does this look like a safetensors file (plausible header length, then '{')? */
export function isSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getBigUint64(0, true);
  return n >= 2n && n <= BigInt(Math.min(MAX_HEADER, bytes.length - 8)) && bytes[8] === 0x7b;
}

export function readSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (bytes.length < 8) throw new Error(`truncated file: ${bytes.length} bytes is too short for safetensors`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) throw new Error(`safetensors: header length ${n64} is over the 100 MB limit`);
  const n = Number(n64);
  if (8 + n > bytes.length)
    throw new Error(
      `truncated file: safetensors header of ${n} bytes, file has ${bytes.length - 8} after the length`,
    );
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new Error(`safetensors: header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw new Error('safetensors: header must be a JSON object');
  const data = bytes.subarray(8 + n);
  let metadata: Record<string, string> | null = null;
  const found: { name: string; dtype: IoDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (info === null || typeof info !== 'object' || Array.isArray(info))
        throw new Error('safetensors: __metadata__ must be an object');
      for (const [k, v] of Object.entries(info))
        if (typeof v !== 'string') throw new Error(`safetensors: __metadata__ value '${k}' is not a string`);
      metadata = info as Record<string, string>;
      continue;
    }
    const e = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e === null || typeof e !== 'object') throw new Error(`safetensors: entry '${name}' is not an object`);
    const dtype = typeof e.dtype === 'string' ? TO_IO[e.dtype] : undefined;
    if (!dtype)
      throw new Error(`safetensors: tensor '${name}' has unsupported dtype ${JSON.stringify(e.dtype)}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw new Error(`safetensors: tensor '${name}' has a bad shape ${JSON.stringify(shape)}`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw new Error(`safetensors: tensor '${name}' has bad data_offsets ${JSON.stringify(off)}`);
    const [begin, end] = off as [number, number];
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end - begin !== numel * ITEMSIZE[dtype])
      throw new Error(
        `safetensors: tensor '${name}' (${e.dtype} [${shape}]) needs ${numel * ITEMSIZE[dtype]} bytes, data_offsets [${begin}, ${end}] give ${end - begin}`,
      );
    if (end > data.length)
      throw new Error(
        `truncated file: tensor '${name}' ends at data byte ${end}, the file has ${data.length}`,
      );
    found.push({ name, dtype, shape: shape as number[], begin, end });
  }
  found.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const f of found) {
    if (f.begin !== at)
      throw new Error(
        `safetensors: tensor '${f.name}' starts at data byte ${f.begin}, expected ${at} (gaps and overlaps are invalid)`,
      );
    at = f.end;
  }
  if (at !== data.length)
    throw new Error(`safetensors: ${data.length - at} bytes after the last tensor's data`);
  const tensors = new Map<string, RawTensorValue>();
  for (const f of found)
    tensors.set(f.name, new RawTensorValue(f.dtype, f.shape, data.subarray(f.begin, f.end)));
  return { tensors, metadata };
}

export interface WriteSafetensorsOptions {
  metadata?: Record<string, string>;
  /** Store floating-point tensors as this dtype. */
  dtype?: SaveDType;
}

/** Serialise a flat name -> tensor record; tensors are written in the record's order. Returns the file's pieces. */
export function writeSafetensors(
  tensors: Record<string, Tensor | RawTensor> | Map<string, Tensor | RawTensor>,
  opts: WriteSafetensorsOptions = {},
): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (opts.metadata) {
    for (const [k, v] of Object.entries(opts.metadata))
      if (typeof v !== 'string') throw new Error(`safetensors: metadata value '${k}' must be a string`);
    header.__metadata__ = opts.metadata;
  }
  const blobs: Uint8Array[] = [];
  let off = 0;
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new Error("safetensors: a tensor cannot be named '__metadata__'");
    let raw: RawTensor;
    if (t instanceof Tensor) raw = tensorToRaw(t, name, opts.dtype);
    else if (t instanceof RawTensorValue) raw = t;
    else throw new Error(`safetensors: '${name}' is not a tensor (safetensors files hold only tensors)`);
    Object.defineProperty(header, name, {
      value: {
        dtype: FROM_IO[raw.dtype],
        shape: [...raw.shape],
        data_offsets: [off, off + raw.bytes.length],
      },
      enumerable: true,
    });
    blobs.push(raw.bytes);
    off += raw.bytes.length;
  }
  let json = JSON.stringify(header);
  let h = new TextEncoder().encode(json);
  if (h.length % 8) {
    json += ' '.repeat(8 - (h.length % 8));
    h = new TextEncoder().encode(json);
  }
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(h.length), true);
  return [len, h, ...blobs];
}
