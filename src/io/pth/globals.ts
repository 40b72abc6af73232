// The allow-list of Python globals a torch file may name, each mapped to weightroom's own implementation:
// OrderedDict, the tensor/parameter rebuild functions, storage classes, dtypes, torch.device/Size, a few builtins.
import { ITEMSIZE, RawTensorValue, type IoDType } from '../raw.js';
import { PyDict, PyFunc, PyObject, describe, dictKey } from '../pickle/values.js';

/** A storage class such as torch.FloatStorage. */
export class StorageType {
  constructor(
    readonly name: string,
    readonly dtype: IoDType,
    /** UntypedStorage counts its size in bytes. */
    readonly untyped = false,
  ) {}
}

/** A loaded storage: its bytes (little-endian after any swap) and element type; `offset` in elements. */
export class StorageRef {
  constructor(
    readonly dtype: IoDType,
    readonly bytes: Uint8Array,
    readonly key: string,
    /** A placeholder whose data is not read yet (legacy files, first pass): views are checked, not copied. */
    readonly stub = false,
  ) {}
  get numel(): number {
    return this.bytes.length / ITEMSIZE[this.dtype];
  }
}

const STORAGES: Record<string, IoDType> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const DTYPES = new Set([
  'float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16', 'int64', 'long', 'int32', 'int',
  'int16', 'short', 'int8', 'uint8', 'bool', 'complex64', 'complex128', 'cfloat', 'cdouble', 'complex32',
]); // prettier-ignore

export interface GlobalOptions {
  /** Keep instances of classes not on the allow-list as inert PyObject placeholders instead of refusing. */
  allowUnknownGlobals?: boolean;
  /** Upper bound for the bytes one materialised tensor may take (guards stride-0 views of huge shapes). */
  maxTensorBytes: number;
}

function intList(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0))
    throw new Error(`rebuild tensor: ${what} must be a tuple of non-negative integers, got ${describe(v)}`);
  return v as number[];
}

/** torch.Tensor.as_strided on a storage, copied out into a contiguous RawTensor. */
export function rebuildTensor(
  storage: unknown,
  offset: unknown,
  size: unknown,
  stride: unknown,
  requiresGrad: boolean,
  maxBytes: number,
): RawTensorValue {
  if (!(storage instanceof StorageRef))
    throw new Error(`rebuild tensor: expected a storage, got ${describe(storage)}`);
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)
    throw new Error(`rebuild tensor: bad storage offset ${String(offset)}`);
  const shape = intList(size, 'size');
  const strides = intList(stride, 'stride');
  if (strides.length !== shape.length)
    throw new Error(`rebuild tensor: size [${shape}] and stride [${strides}] differ in length`);
  const is = ITEMSIZE[storage.dtype];
  let numel = 1;
  for (const d of shape) numel *= d;
  if (numel * is > maxBytes)
    throw new Error(
      `rebuild tensor: shape [${shape}] needs ${numel * is} bytes, over the limit of ${maxBytes}`,
    );
  if (storage.stub) return new RawTensorValue(storage.dtype, [0], new Uint8Array(0));
  const where = `storage '${storage.key}' (${storage.numel} elements)`;
  if (numel === 0) return new RawTensorValue(storage.dtype, shape, new Uint8Array(0), requiresGrad);
  let last = offset;
  for (let i = 0; i < shape.length; i++) last += (shape[i]! - 1) * strides[i]!;
  if (last >= storage.numel)
    throw new Error(
      `rebuild tensor: view (offset ${offset}, size [${shape}], stride [${strides}]) reaches element ${last} of ${where}`,
    );
  // contiguous: one slice
  let contiguous = true;
  for (let i = shape.length - 1, s = 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) contiguous = false;
    s *= shape[i]!;
  }
  if (contiguous)
    return new RawTensorValue(
      storage.dtype,
      shape,
      storage.bytes.subarray(offset * is, (offset + numel) * is),
      requiresGrad,
    );
  const out = new Uint8Array(numel * is);
  const src = storage.bytes;
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  const inner = shape[nd - 1]!;
  const innerStride = strides[nd - 1]! * is;
  let o = 0;
  for (let base = offset * is; ;) {
    for (let j = 0, s = base; j < inner; j++, s += innerStride)
      for (let b = 0; b < is; b++) out[o++] = src[s + b]!;
    let d = nd - 2;
    for (; d >= 0; d--) {
      idx[d]!++;
      base += strides[d]! * is;
      if (idx[d]! < shape[d]!) break;
      base -= strides[d]! * is * shape[d]!;
      idx[d] = 0;
    }
    if (d < 0) break;
  }
  return new RawTensorValue(storage.dtype, shape, out, requiresGrad);
}

/** Resolve GLOBAL module.name for torch files; refuses anything not listed (unless placeholders are allowed). */
export function resolveTorchGlobal(module: string, name: string, opts: GlobalOptions): unknown {
  const full = `${module}.${name}`;
  const fn = (f: (args: unknown[]) => unknown) => new PyFunc(full, f);
  switch (full) {
    case 'collections.OrderedDict':
      return fn((args) => {
        const d = new PyDict(true);
        if (Array.isArray(args[0]))
          for (const kv of args[0]) {
            if (!Array.isArray(kv) || kv.length !== 2) throw new Error('OrderedDict: items must be pairs');
            d.map.set(dictKey(kv[0]), kv[1]);
          }
        return d;
      });
    case 'torch._utils._rebuild_tensor_v2':
    case 'torch._utils._rebuild_tensor':
      return fn((a) => rebuildTensor(a[0], a[1], a[2], a[3], a[4] === true, opts.maxTensorBytes));
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
    case 'torch.nn.parameter.Parameter':
      return fn((a) => {
        const t = a[0];
        if (!(t instanceof RawTensorValue)) throw new Error(`${full}: expected a tensor, got ${describe(t)}`);
        return new RawTensorValue(t.dtype, t.shape, t.bytes, a.length > 1 ? a[1] === true : true);
      });
    case 'torch.device':
      return fn((a) => (a.length > 1 && a[1] !== null ? `${String(a[0])}:${String(a[1])}` : String(a[0])));
    case 'torch.Size':
    case 'builtins.set':
    case 'builtins.frozenset':
    case '__builtin__.set':
    case '__builtin__.frozenset':
      return fn((a) => (Array.isArray(a[0]) ? [...a[0]] : []));
    case 'torch.serialization._get_layout':
      return fn((a) => String(a[0]));
    case '_codecs.encode':
      // protocol 2 writes Python bytes as _codecs.encode(str, 'latin1')
      return fn((a) => {
        if (typeof a[0] !== 'string') throw new Error('_codecs.encode: expected a string');
        if (a[1] !== 'latin1' && a[1] !== 'latin-1')
          throw new Error(`_codecs.encode: unsupported encoding ${a[1]}`);
        return Uint8Array.from(a[0], (c) => c.charCodeAt(0) & 0xff);
      });
    case 'builtins.bytearray':
    case '__builtin__.bytearray':
      return fn((a) => (a[0] instanceof Uint8Array ? a[0].slice() : new Uint8Array(0)));
  }
  if (module === 'torch' && name in STORAGES) return new StorageType(name, STORAGES[name]!);
  if (module === 'torch' && name === 'UntypedStorage') return new StorageType(name, 'uint8', true);
  if (module === 'torch' && name.endsWith('Storage'))
    throw new Error(`unsupported storage type '${full}' (complex and quantized tensors are not supported)`);
  if (module === 'torch' && DTYPES.has(name)) return full;
  if (module === 'torch._utils' && name.startsWith('_rebuild'))
    throw new Error(`unsupported tensor kind '${full}': only dense CPU-loadable tensors are supported`);
  if (opts.allowUnknownGlobals) return fn((a) => new PyObject(full, a));
  throw new Error(
    `refusing to load global '${full}': weightroom only loads tensors, storages, dicts, lists and plain values ` +
      '(pass { allowUnknownGlobals: true } to keep other objects as inert placeholders)',
  );
}
