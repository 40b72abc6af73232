// load() and save() for torch .pth/.pt/.bin files and safetensors: the format from the content when reading,
// from the extension (or `format`) when writing.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Tensor } from '../tensor/tensor.js';
import { writeFileAtomic, concatChunks } from './atomic.js';
import { toPlain } from './pickle/values.js';
import { isPth, readPth } from './pth/read.js';
import { writePth } from './pth/write.js';
import { rawToTensor, RawTensorValue, type SaveDType } from './raw.js';
import { isSafetensors, readSafetensors, writeSafetensors } from './safetensors.js';

export type StateDict = Record<string, Tensor>;
export type WeightsFormat = 'pth' | 'safetensors';

export interface LoadOptions {
  /** Convert floating-point tensors (float16, bfloat16, float64) to float32 while loading, like `.float()`. */
  dtype?: 'float32';
  /**
   * Keep objects of Python classes that are not on the allow-list (e.g. argparse.Namespace in a checkpoint) as
   * inert `PyObject` placeholders instead of refusing the file. Nothing is ever executed either way.
   */
  allowUnknownGlobals?: boolean;
}

export interface SaveOptions {
  /** 'pth' (torch.save's zip form) or 'safetensors'; default from the extension (.pth/.pt/.bin or .safetensors). */
  format?: WeightsFormat;
  /** Store floating-point tensors as this dtype (float16/bfloat16 halve the file; loading converts back). */
  dtype?: SaveDType;
  /** safetensors only: the header's string-to-string __metadata__. */
  metadata?: Record<string, string>;
}

async function bytesOf(src: string | Uint8Array | ArrayBuffer): Promise<Uint8Array> {
  if (typeof src === 'string') return new Uint8Array(await readFile(src));
  if (src instanceof Uint8Array) return src;
  if (src instanceof ArrayBuffer) return new Uint8Array(src);
  throw new TypeError('load: expected a file path, a Uint8Array or an ArrayBuffer');
}

/** Which format the bytes are in, or null. */
export function detectFormat(bytes: Uint8Array): WeightsFormat | null {
  if (isPth(bytes)) return 'pth';
  if (isSafetensors(bytes)) return 'safetensors';
  return null;
}

/** Parse file bytes into plain values with Tensors (see `load`); synchronous. */
export function loadBytes<T = StateDict>(bytes: Uint8Array, opts: LoadOptions = {}): T {
  const fmt = detectFormat(bytes);
  if (fmt === 'safetensors') {
    const out: Record<string, Tensor> = {};
    for (const [name, raw] of readSafetensors(bytes).tensors)
      Object.defineProperty(out, name, {
        value: rawToTensor(raw, name, opts),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out as T;
  }
  if (fmt === 'pth') {
    const value = readPth(bytes, { allowUnknownGlobals: opts.allowUnknownGlobals });
    return toPlain(value, (raw: RawTensorValue, path) => rawToTensor(raw, path || '<root>', opts)) as T;
  }
  if (bytes.length === 0) throw new Error('truncated file: it is empty');
  throw new Error('unrecognised file: neither a PyTorch .pth (zip or legacy) nor a safetensors file');
}

/** What `loadRaw` returns: the structure with tensors as RawTensorValue in their file dtype (float16 included). */
export interface RawContents {
  format: WeightsFormat;
  value: unknown;
  /** safetensors' __metadata__ (null for .pth). */
  metadata: Record<string, string> | null;
}

/** Parse file bytes keeping every tensor's file dtype and bytes (for inspecting and converting files). */
export function loadRaw(bytes: Uint8Array, opts: Pick<LoadOptions, 'allowUnknownGlobals'> = {}): RawContents {
  const fmt = detectFormat(bytes);
  if (fmt === 'safetensors') {
    const { tensors, metadata } = readSafetensors(bytes);
    const value: Record<string, RawTensorValue> = {};
    for (const [k, t] of tensors)
      Object.defineProperty(value, k, { value: t, enumerable: true, writable: true, configurable: true });
    return { format: fmt, value, metadata };
  }
  if (fmt === 'pth') {
    const value = toPlain(readPth(bytes, opts), (t) => t);
    return { format: fmt, value, metadata: null };
  }
  return loadBytes(bytes); // throws the right error
}

/**
 * Load weights saved by torch.save (zip or legacy pre-1.6 form) or safetensors. A state dict comes back as an
 * ordered `Record<string, Tensor>` (file order); a general checkpoint as its nested structure: objects (dicts
 * with string keys), Maps (dicts with other keys, e.g. an optimizer's per-parameter state), arrays (lists and
 * tuples), numbers, bigints (integers beyond 2^53), strings, booleans, null, Uint8Array (bytes) and Tensors.
 * The Python pickle is interpreted by an allow-list and never executes code.
 */
export async function load<T = StateDict>(
  src: string | Uint8Array | ArrayBuffer,
  opts: LoadOptions = {},
): Promise<T> {
  try {
    return loadBytes<T>(await bytesOf(src), opts);
  } catch (e) {
    if (typeof src === 'string' && e instanceof Error && !e.message.includes(src) && !('code' in e))
      e.message = `${src}: ${e.message}`;
    throw e;
  }
}

/** The format `save` would use for `path` (from `format`, else the extension). */
export function formatFor(path: string, format?: WeightsFormat): WeightsFormat {
  if (format) return format;
  const ext = extname(path).toLowerCase();
  if (ext === '.pth' || ext === '.pt' || ext === '.bin' || ext === '.ckpt') return 'pth';
  if (ext === '.safetensors') return 'safetensors';
  throw new Error(
    `save: cannot tell the format from '${ext || path}'; use .pth/.pt/.bin, .safetensors or { format }`,
  );
}

/** Serialise to bytes in memory (see `save`). */
export function saveBytes(
  obj: unknown,
  format: WeightsFormat,
  opts: Omit<SaveOptions, 'format'> = {},
): Uint8Array {
  return concatChunks(serialise(obj, format, opts));
}

function serialise(obj: unknown, format: WeightsFormat, opts: Omit<SaveOptions, 'format'>): Uint8Array[] {
  if (format === 'pth') {
    if (opts.metadata) throw new Error('save: metadata is only stored in safetensors files');
    return writePth(obj, { dtype: opts.dtype });
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || obj instanceof Tensor)
    throw new Error('save: safetensors holds a flat { name: Tensor } record (a state dict)');
  return writeSafetensors(obj as Record<string, Tensor>, { metadata: opts.metadata, dtype: opts.dtype });
}

/**
 * Save a state dict (or, for .pth, any nested structure `load` returns) to `path`, atomically: the file appears
 * complete under its name or not at all. .pth files load in PyTorch with torch.load (also weights_only=True).
 */
export async function save(obj: unknown, path: string, opts: SaveOptions = {}): Promise<void> {
  const format = formatFor(path, opts.format);
  await writeFileAtomic(path, serialise(obj, format, opts));
}
