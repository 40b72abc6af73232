// IDX files (MNIST's format, LeCun et al.): 00 00, a type byte, a dimension count, big-endian u32 sizes, then
// row-major big-endian data. Read raw or gzip-compressed, with errors that name the file and what is wrong.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** A parsed IDX file. `data` is a fresh typed array in host order. */
export interface IdxArray {
  shape: number[];
  type: 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES = {
  0x08: ['uint8', 1],
  0x09: ['int8', 1],
  0x0b: ['int16', 2],
  0x0c: ['int32', 4],
  0x0d: ['float32', 4],
  0x0e: ['float64', 8],
} as const;

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

/** Gunzip when the bytes start with the gzip magic 1f 8b; `name` is used in errors. */
export function maybeGunzip(bytes: Uint8Array, name: string): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${name}: corrupt or truncated gzip data (${(e as Error).message})`);
    }
  }
  return bytes;
}

/** Parse IDX bytes (already decompressed). */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  if (bytes.length === 0) throw new Error(`${name}: file is empty (0 bytes)`);
  const type = TYPES[bytes[2] as keyof typeof TYPES];
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || type === undefined || bytes[3] === 0)
    throw new Error(
      `${name}: not an IDX file (starts with ${hex(bytes.subarray(0, 4))}; expected 00 00, a type byte 08/09/0b/0c/0d/0e and a dimension count)`,
    );
  const ndim = bytes[3]!;
  const headerLen = 4 + 4 * ndim;
  if (bytes.length < headerLen)
    throw new Error(
      `${name}: truncated header (${bytes.length} bytes; ${ndim} dimensions need ${headerLen})`,
    );
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndim }, (_, k) => dv.getUint32(4 + 4 * k, false));
  const [typeName, width] = type;
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerLen + count * width;
  if (bytes.length < expected)
    throw new Error(
      `${name}: truncated: header says ${shape.join('x')} ${typeName} (${expected} bytes in all), file has ${bytes.length} bytes`,
    );
  if (bytes.length > expected)
    throw new Error(
      `${name}: ${bytes.length - expected} unexpected bytes after the ${shape.join('x')} ${typeName} data the header describes`,
    );
  let data: IdxArray['data'];
  if (typeName === 'uint8') data = bytes.slice(headerLen, expected);
  else if (typeName === 'int8') data = new Int8Array(bytes.slice(headerLen, expected).buffer);
  else {
    const Ctor = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[
      typeName
    ];
    data = new Ctor(count);
    for (let i = 0; i < count; i++) {
      const o = headerLen + i * width;
      data[i] =
        typeName === 'int16'
          ? dv.getInt16(o, false)
          : typeName === 'int32'
            ? dv.getInt32(o, false)
            : typeName === 'float32'
              ? dv.getFloat32(o, false)
              : dv.getFloat64(o, false);
    }
  }
  return { shape, type: typeName, data };
}

/** Read an IDX file, raw or .gz (detected from its bytes). */
export function readIdx(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as Error).message})`);
  }
  return parseIdx(maybeGunzip(bytes, path), path);
}

/** Encode an IDX uint8 array (header + data), e.g. to write a subset of MNIST. */
export function encodeIdxU8(shape: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const dv = new DataView(out.buffer);
  out.set([0, 0, 0x08, shape.length]);
  shape.forEach((d, k) => dv.setUint32(4 + 4 * k, d, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}
