// Data types: names as PyTorch's, each backed by a JS typed array.
// int64 is held in a Float64Array: exact for |v| <= 2^53 (labels, indices, counters), converted at the I/O boundary.

export type DType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'bool';
export type FloatDType = 'float32' | 'float64';

export type Storage = Float32Array | Float64Array | Int32Array | Uint8Array;
export type FloatStorage = Float32Array | Float64Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'bool'];

export function isDType(s: unknown): s is DType {
  return typeof s === 'string' && (DTYPES as readonly string[]).includes(s);
}

export function isFloat(d: DType): d is FloatDType {
  return d === 'float32' || d === 'float64';
}

export function isIntegral(d: DType): boolean {
  return d === 'int32' || d === 'int64' || d === 'uint8';
}

export function allocStorage(dtype: DType, n: number): Storage {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
    case 'int64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
    default:
      return dtype satisfies never;
  }
}

/** Cast a JS number to what storing it in `dtype` keeps (truncation toward zero for integers, like torch). */
export function castScalar(v: number, dtype: DType): number {
  switch (dtype) {
    case 'float32':
      return Math.fround(v);
    case 'float64':
      return v;
    case 'int64':
      return Number.isFinite(v) ? Math.trunc(v) : 0;
    case 'int32':
      return v | 0;
    case 'uint8':
      return Math.trunc(v) & 0xff;
    case 'bool':
      return v !== 0 && !Number.isNaN(v) ? 1 : 0;
    default:
      return dtype satisfies never;
  }
}

const RANK: Record<DType, number> = { bool: 0, uint8: 1, int32: 2, int64: 3, float32: 4, float64: 5 };

/** PyTorch's type promotion for two tensors (same category rules, bool < ints < floats). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (isFloat(a) || isFloat(b)) {
    if (a === 'float64' || b === 'float64') return 'float64';
    return 'float32';
  }
  return RANK[a] >= RANK[b] ? a : b;
}

/** Tensor op Python-scalar: a float scalar lifts integer/bool tensors to float32; an int scalar lifts bool to int64. */
export function promoteWithScalar(t: DType, scalar: number): DType {
  if (isFloat(t)) return t;
  if (!Number.isInteger(scalar)) return 'float32';
  return t === 'bool' ? 'int64' : t;
}

export function bytesPerElement(d: DType): number {
  switch (d) {
    case 'float32':
    case 'int32':
      return 4;
    case 'float64':
    case 'int64':
      return 8;
    case 'uint8':
    case 'bool':
      return 1;
    default:
      return d satisfies never;
  }
}
