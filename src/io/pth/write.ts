// Write torch.save's zip form: archive/data.pkl (protocol 2, only allow-listed globals), archive/data/<k> per
// storage, archive/byteorder and archive/version, stored and 64-byte aligned. Loads in torch with weights_only.
import { Tensor } from '../../tensor/tensor.js';
import { PickleWriter } from '../pickle/pickle.js';
import { PyObject, tuples } from '../pickle/values.js';
import {
  ITEMSIZE,
  RawTensorValue,
  tensorToRaw,
  type IoDType,
  type RawTensor,
  type SaveDType,
} from '../raw.js';
import { writeZip } from '../zip.js';

const STORAGE_OF: Record<IoDType, string | null> = {
  float32: 'FloatStorage',
  float64: 'DoubleStorage',
  float16: 'HalfStorage',
  bfloat16: 'BFloat16Storage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  int16: 'ShortStorage',
  int8: 'CharStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
  uint16: null,
  uint32: null,
  uint64: null,
};

export interface WritePthOptions {
  /** Store floating-point tensors as this dtype (e.g. 'float16' halves the file). */
  dtype?: SaveDType;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function typeName(v: unknown): string {
  if (v === null || typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'object';
}

/**
 * Serialise `obj` (a state dict, or a nested structure of objects, Maps, arrays, numbers, bigints, strings,
 * booleans, null, Uint8Arrays and Tensors) to torch.save's zip form. Returns the pieces of the file, in order.
 */
export function writePth(obj: unknown, opts: WritePthOptions = {}): Uint8Array[] {
  const w = new PickleWriter();
  // one storage per distinct buffer: tensors that share `data` (reshape views) share a storage, as in torch
  const storages = new Map<unknown, { key: string; raw: RawTensor }>();
  const active = new Set<unknown>();

  const tensor = (t: Tensor | RawTensor, path: string): void => {
    const src = t instanceof Tensor ? t.data : t.bytes;
    let s = storages.get(src);
    if (!s) {
      const raw = t instanceof Tensor ? tensorToRaw(t, path, opts.dtype) : t;
      s = { key: String(storages.size), raw };
      storages.set(src, s);
    }
    const storage = STORAGE_OF[s.raw.dtype];
    if (!storage) throw new Error(`save: tensor '${path}' is ${s.raw.dtype}, which .pth files cannot hold`);
    const shape = [...t.shape];
    const numel = s.raw.bytes.length / ITEMSIZE[s.raw.dtype];
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    w.global('torch._utils', '_rebuild_tensor_v2');
    w.mark();
    w.tuple(5, () => {
      w.str('storage').global('torch', storage).str(s.key).str('cpu').int(numel);
    });
    w.binpersid();
    w.int(0);
    w.tuple(shape.length, () => shape.forEach((d) => w.int(d)));
    w.tuple(strides.length, () => strides.forEach((d) => w.int(d)));
    w.bool(false);
    w.global('collections', 'OrderedDict')
      .tuple(0, () => {})
      .reduce();
    w.bytes(0x74); // TUPLE of the six arguments
    w.reduce();
  };

  const dict = (entries: [unknown, unknown][], ordered: boolean, path: string): void => {
    if (ordered)
      w.global('collections', 'OrderedDict')
        .tuple(0, () => {})
        .reduce();
    else w.emptyDict();
    if (!entries.length) return;
    w.mark();
    for (const [k, v] of entries) {
      const kp = path ? `${path}.${String(k)}` : String(k);
      if (typeof k === 'number' && Number.isInteger(k)) w.int(k);
      else if (
        typeof k === 'string' ||
        typeof k === 'number' ||
        typeof k === 'bigint' ||
        typeof k === 'boolean'
      )
        value(k, kp);
      else if (k === null) w.none();
      else throw new Error(`save: unsupported dict key of type ${typeName(k)} at '${kp}'`);
      value(v, kp);
    }
    w.setitems();
  };

  const value = (v: unknown, path: string): void => {
    if (v === null || v === undefined) return void w.none();
    switch (typeof v) {
      case 'boolean':
        return void w.bool(v);
      case 'string':
        return void w.str(v);
      case 'bigint':
        return void w.int(v);
      case 'number':
        // Python int for integral values, float otherwise (a JS number cannot tell 1.0 from 1)
        return void (Number.isSafeInteger(v) && !Object.is(v, -0) ? w.int(v) : w.float(v));
      case 'object':
        break;
      default:
        throw new Error(`save: cannot store a ${typeof v} at '${path}'`);
    }
    if (v instanceof Tensor || v instanceof RawTensorValue) return tensor(v, path);
    if (v instanceof Uint8Array) return void w.pyBytes(v);
    if (v instanceof PyObject)
      throw new Error(`save: '${path}' is a placeholder for Python class '${v.className}'`);
    if (active.has(v))
      throw new Error(`save: '${path}' refers back to itself (cyclic structures cannot be saved)`);
    active.add(v);
    if (Array.isArray(v)) {
      if (tuples.has(v)) w.tuple(v.length, () => v.forEach((e, i) => value(e, `${path}.${i}`)));
      else {
        w.emptyList();
        if (v.length) {
          w.mark();
          v.forEach((e, i) => value(e, `${path}.${i}`));
          w.appends();
        }
      }
    } else if (v instanceof Map) {
      dict([...v.entries()], false, path);
    } else if (isPlainObject(v)) {
      const entries = Object.entries(v).filter(([, e]) => e !== undefined);
      // a dict of tensors is a state_dict: torch writes those as OrderedDict
      const ordered =
        entries.length > 0 && entries.every(([, e]) => e instanceof Tensor || e instanceof RawTensorValue);
      dict(entries, ordered, path);
    } else {
      throw new Error(`save: cannot store a ${typeName(v)} at '${path || '<root>'}'`);
    }
    active.delete(v);
  };

  value(obj, '');
  const pkl = w.finish();
  const files = [
    { name: 'archive/data.pkl', data: pkl },
    { name: 'archive/byteorder', data: new TextEncoder().encode('little') },
    ...[...storages.values()].map((s) => ({ name: `archive/data/${s.key}`, data: s.raw.bytes })),
    { name: 'archive/version', data: new TextEncoder().encode('3\n') },
  ];
  return writeZip(files);
}
