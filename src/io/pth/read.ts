// Read torch.save files: the zip form (torch >= 1.6: <folder>/data.pkl + <folder>/data/<key>) and the legacy
// pre-1.6 stream (magic, protocol, sys info, main pickle, storage keys, raw storages). Nothing is executed.
import { ZipReader, isZip } from '../zip.js';
import { unpickle } from '../pickle/unpickle.js';
import { ITEMSIZE, type IoDType } from '../raw.js';
import { describe } from '../pickle/values.js';
import { StorageRef, StorageType, resolveTorchGlobal, type GlobalOptions } from './globals.js';

export interface ReadPthOptions {
  /** Keep objects of classes that are not on the allow-list as inert placeholders instead of refusing. */
  allowUnknownGlobals?: boolean;
}

/** The legacy stream's leading pickle: LONG1 of 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

export function isLegacyPth(bytes: Uint8Array): boolean {
  return LEGACY_MAGIC.every((b, i) => bytes[i] === b);
}

export function isPth(bytes: Uint8Array): boolean {
  return isZip(bytes) || isLegacyPth(bytes);
}

function globalOptions(bytes: Uint8Array, opts: ReadPthOptions): GlobalOptions {
  // a view may legitimately repeat elements (stride 0), but not beyond all reason
  return {
    allowUnknownGlobals: opts.allowUnknownGlobals,
    maxTensorBytes: Math.max(64 * 2 ** 20, 4 * bytes.length),
  };
}

/** Swap each element's bytes in place (storages written on a big-endian machine). */
function swapBytes(b: Uint8Array, itemsize: number): Uint8Array {
  const out = b.slice();
  if (itemsize > 1)
    for (let i = 0; i < out.length; i += itemsize)
      for (let j = 0; j < itemsize / 2; j++) {
        const t = out[i + j]!;
        out[i + j] = out[i + itemsize - 1 - j]!;
        out[i + itemsize - 1 - j] = t;
      }
  return out;
}

/** Check a persistent id tuple ('storage', StorageType, key, location, numel[, view]) and return its parts. */
function storageId(pid: unknown): { type: StorageType; key: string; numel: number; view: unknown } {
  if (!Array.isArray(pid) || pid.length < 5) throw new Error(`bad persistent id: ${describe(pid)}`);
  const [kind, type, key, , numel, view] = pid as unknown[];
  if (kind !== 'storage') throw new Error(`unsupported persistent id of kind '${String(kind)}'`);
  if (!(type instanceof StorageType))
    throw new Error(`persistent id: expected a storage class, got ${describe(type)}`);
  if (typeof key !== 'string' && typeof key !== 'number') throw new Error('persistent id: bad storage key');
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0)
    throw new Error(`persistent id: bad storage size ${String(numel)}`);
  return { type, key: String(key), numel, view };
}

/** Parse a torch.save file (zip or legacy) into Python values: PyDict, arrays, RawTensorValue, primitives. */
export function readPth(bytes: Uint8Array, opts: ReadPthOptions = {}): unknown {
  if (isZip(bytes)) return readZipPth(bytes, opts);
  if (isLegacyPth(bytes)) return readLegacyPth(bytes, opts);
  if (bytes.length >= 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar')
    throw new Error('unsupported file: this is the tar-based torch format of PyTorch < 0.4');
  throw new Error('not a PyTorch file: neither a zip archive nor a legacy torch.save stream');
}

function readZipPth(bytes: Uint8Array, opts: ReadPthOptions): unknown {
  const zip = new ZipReader(bytes);
  const pkls = [...zip.entries.keys()].filter((k) => /^[^/]+\/data\.pkl$/.test(k));
  if (pkls.length !== 1) {
    if ([...zip.entries.keys()].some((k) => k.endsWith('/constants.pkl')))
      throw new Error('unsupported file: a TorchScript archive (torch.jit.save); save a state_dict instead');
    throw new Error(
      pkls.length
        ? `not a PyTorch file: ${pkls.length} folders hold a data.pkl`
        : 'not a PyTorch file: the zip has no <folder>/data.pkl entry',
    );
  }
  const prefix = pkls[0]!.slice(0, -'data.pkl'.length);
  let bigEndian = false;
  if (zip.entries.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim();
    if (order !== 'little' && order !== 'big') throw new Error(`corrupt file: byteorder '${order}'`);
    bigEndian = order === 'big';
  }
  const gopts = globalOptions(bytes, opts);
  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): StorageRef => {
    const { type, key, numel } = storageId(pid);
    const cached = storages.get(key);
    if (cached) return cached;
    if (!/^[\w.-]+$/.test(key)) throw new Error(`persistent id: bad storage key '${key}'`);
    const name = `${prefix}data/${key}`;
    let data = zip.read(name);
    const is = ITEMSIZE[type.dtype];
    const nbytes = type.untyped ? numel : numel * is;
    if (data.length < nbytes)
      throw new Error(
        `corrupt zip entry '${name}': ${data.length} bytes, the pickle says ${nbytes} (${numel} elements)`,
      );
    data = data.subarray(0, nbytes);
    if (bigEndian) data = swapBytes(data, is);
    const ref = new StorageRef(type.dtype, data, key);
    storages.set(key, ref);
    return ref;
  };
  const pkl = zip.read(pkls[0]!);
  const { value, end } = unpickle(pkl, {
    resolveGlobal: (m, n) => resolveTorchGlobal(m, n, gopts),
    persistentLoad,
  });
  if (end !== pkl.length) throw new Error(`corrupt file: ${pkl.length - end} bytes after the pickle's STOP`);
  return value;
}

function readLegacyPth(bytes: Uint8Array, opts: ReadPthOptions): unknown {
  const gopts = globalOptions(bytes, opts);
  const plain = { resolveGlobal: (m: string, n: string) => resolveTorchGlobal(m, n, gopts) };
  let at = unpickle(bytes, plain).end; // the magic number, checked by isLegacyPth
  const proto = unpickle(bytes, plain, at);
  if (proto.value !== 1001) throw new Error(`unsupported legacy torch.save protocol ${String(proto.value)}`);
  const info = unpickle(bytes, plain, proto.end);
  const littleEndian = legacyLittleEndian(info.value);
  at = info.end;
  const mainStart = at;

  // Pass 1: find the end of the main pickle and which storages it names (their data comes after it).
  const types = new Map<string, { dtype: IoDType; numel: number }>();
  const views: { key: string; root: string; offset: number; numel: number }[] = [];
  const stub = (pid: unknown): StorageRef => {
    const { type, key, numel, view } = storageId(pid);
    if (!types.has(key)) types.set(key, { dtype: type.dtype, numel });
    if (Array.isArray(view)) {
      const [vk, off, vn] = view as unknown[];
      if (typeof vk !== 'string' || typeof off !== 'number' || typeof vn !== 'number')
        throw new Error('legacy file: bad storage view');
      views.push({ key: vk, root: key, offset: off, numel: vn });
    }
    return new StorageRef(type.dtype, new Uint8Array(0), key, true);
  };
  const pass1 = unpickle(bytes, { ...plain, persistentLoad: stub }, mainStart);
  const keys = unpickle(bytes, plain, pass1.end);
  if (!Array.isArray(keys.value)) throw new Error('legacy file: the storage key list is missing');
  at = keys.end;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storages = new Map<string, StorageRef>();
  for (const k of keys.value) {
    const key = String(k);
    const t = types.get(key);
    if (!t) throw new Error(`legacy file: storage '${key}' is listed but never used`);
    if (at + 8 > bytes.length) throw new Error(`truncated file: storage '${key}' header at byte ${at}`);
    const n = Number(dv.getBigInt64(at, littleEndian));
    const nbytes = n * ITEMSIZE[t.dtype];
    if (n < 0 || at + 8 + nbytes > bytes.length)
      throw new Error(
        `truncated file: storage '${key}' of ${n} elements at byte ${at}, file has ${bytes.length} bytes`,
      );
    let data = bytes.subarray(at + 8, at + 8 + nbytes);
    if (!littleEndian) data = swapBytes(data, ITEMSIZE[t.dtype]);
    storages.set(key, new StorageRef(t.dtype, data, key));
    at += 8 + nbytes;
  }
  for (const v of views) {
    const root = storages.get(v.root);
    if (!root) throw new Error(`legacy file: storage '${v.root}' has no data`);
    const is = ITEMSIZE[root.dtype];
    if (v.offset < 0 || v.numel < 0 || v.offset + v.numel > root.numel)
      throw new Error(`legacy file: view '${v.key}' exceeds storage '${v.root}'`);
    storages.set(
      v.key,
      new StorageRef(root.dtype, root.bytes.subarray(v.offset * is, (v.offset + v.numel) * is), v.key),
    );
  }
  // Pass 2: the main pickle again, now with the data.
  const load = (pid: unknown): StorageRef => {
    const { key, view } = storageId(pid);
    const ref = storages.get(Array.isArray(view) ? String(view[0]) : key);
    if (!ref) throw new Error(`legacy file: storage '${key}' has no data`);
    return ref;
  };
  return unpickle(bytes, { ...plain, persistentLoad: load }, mainStart).value;
}

function legacyLittleEndian(info: unknown): boolean {
  const m = (info as { map?: Map<unknown, unknown> })?.map;
  const v = m?.get('little_endian');
  return v !== false;
}
