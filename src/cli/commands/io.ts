// `weightroom inspect` (what a .pth / safetensors file holds: tensors with file dtypes and shapes, checkpoint
// structure) and `weightroom convert` (.pth <-> safetensors, optionally re-storing floats as float16/bfloat16).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  PyObject,
  RawTensorValue,
  castRaw,
  loadRaw,
  type RawContents,
  type SaveDType,
  type WeightsFormat,
} from '../../io/index.js';
import { formatFor } from '../../io/weights.js';
import { writePth } from '../../io/pth/write.js';
import { writeSafetensors } from '../../io/safetensors.js';
import { writeFileAtomic } from '../../io/atomic.js';

const FORMAT_NAME: Record<WeightsFormat, string> = { pth: 'PyTorch .pth', safetensors: 'safetensors' };

function bytesText(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let i = 0;
  for (; n >= 1000 && i < units.length - 1; i++) n /= 1000;
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

function isTensorRecord(v: unknown): v is Record<string, RawTensorValue> {
  if (
    v === null ||
    typeof v !== 'object' ||
    Array.isArray(v) ||
    v instanceof Map ||
    v instanceof RawTensorValue
  )
    return false;
  const vals = Object.values(v);
  return vals.length > 0 && vals.every((x) => x instanceof RawTensorValue);
}

/** Every tensor in the structure with its dotted path. */
function tensorsOf(v: unknown, path = '', seen = new Set<unknown>()): [string, RawTensorValue][] {
  if (v instanceof RawTensorValue) return [[path || '<root>', v]];
  if (v === null || typeof v !== 'object' || seen.has(v)) return [];
  seen.add(v);
  const entries: [unknown, unknown][] = Array.isArray(v)
    ? v.map((x, i) => [i, x])
    : v instanceof Map
      ? [...v]
      : v instanceof PyObject || v instanceof Uint8Array
        ? []
        : Object.entries(v);
  return entries.flatMap(([k, x]) => tensorsOf(x, path ? `${path}.${String(k)}` : String(k), seen));
}

function describeValue(v: unknown): string {
  if (v instanceof RawTensorValue)
    return `${v.dtype} [${v.shape.join(', ')}]${v.requiresGrad ? ' (parameter)' : ''}`;
  if (v instanceof PyObject) return `<Python object ${v.className} (not loaded)>`;
  if (v instanceof Uint8Array) return `bytes(${v.length})`;
  if (Array.isArray(v)) return `list(${v.length})`;
  if (v instanceof Map) return `dict(${v.size}, non-string keys)`;
  if (v !== null && typeof v === 'object') return `dict(${Object.keys(v).length})`;
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  return String(v);
}

/** Lines of an indented outline of a checkpoint, tensors summarised, at most `limit` children per container. */
function outline(v: unknown, depth: number, limit: number, out: string[], seen: Set<unknown>): void {
  if (v === null || typeof v !== 'object' || v instanceof RawTensorValue || v instanceof Uint8Array) return;
  if (v instanceof PyObject || seen.has(v)) return;
  seen.add(v);
  const entries: [unknown, unknown][] = Array.isArray(v)
    ? v.map((x, i) => [i, x])
    : v instanceof Map
      ? [...v]
      : Object.entries(v);
  const pad = '  '.repeat(depth);
  if (isTensorRecord(v)) {
    const width = Math.min(60, Math.max(...entries.map(([k]) => String(k).length)));
    for (const [k, x] of entries.slice(0, limit))
      out.push(`${pad}${String(k).padEnd(width)}  ${describeValue(x)}`);
  } else {
    for (const [k, x] of entries.slice(0, limit)) {
      out.push(`${pad}${String(k)}: ${describeValue(x)}`);
      outline(x, depth + 1, limit, out, seen);
    }
  }
  if (entries.length > limit) out.push(`${pad}... ${entries.length - limit} more (use --limit)`);
}

function jsonOf(v: unknown, seen = new Set<unknown>()): unknown {
  if (v instanceof RawTensorValue) return { dtype: v.dtype, shape: v.shape, requiresGrad: v.requiresGrad };
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (v === null || typeof v !== 'object') return v;
  if (seen.has(v)) return '<cycle>';
  seen.add(v);
  if (v instanceof PyObject) return { pythonObject: v.className };
  if (v instanceof Uint8Array) return { bytes: v.length };
  if (Array.isArray(v)) return v.map((x) => jsonOf(x, seen));
  const entries = v instanceof Map ? [...v] : Object.entries(v);
  return Object.fromEntries(entries.map(([k, x]) => [String(k), jsonOf(x, seen)]));
}

/** loadRaw on a file, its errors prefixed with the file name and phrased for the command line. */
async function readRaw(file: string, allowUnknownGlobals?: boolean): Promise<RawContents & { size: number }> {
  const bytes = new Uint8Array(await readFile(file));
  try {
    return { ...loadRaw(bytes, { allowUnknownGlobals }), size: bytes.length };
  } catch (e) {
    const msg = (e as Error).message.replace(
      'pass { allowUnknownGlobals: true }',
      'use --allow-unknown-globals',
    );
    throw new Error(`${file}: ${msg}`, { cause: e });
  }
}

async function inspect(file: string, opts: { json?: boolean; limit: string; allowUnknownGlobals?: boolean }) {
  const { format, value, metadata, size } = await readRaw(file, opts.allowUnknownGlobals);
  const tensors = tensorsOf(value);
  const params = tensors.reduce((s, [, t]) => s + t.shape.reduce((a, b) => a * b, 1), 0);
  const dtypes = [...new Set(tensors.map(([, t]) => t.dtype))];
  if (opts.json) {
    console.log(JSON.stringify({ file, format, bytes: size, tensors: tensors.length, elements: params, dtypes, metadata, contents: jsonOf(value) }, null, 2)); // prettier-ignore
    return;
  }
  const kind = isTensorRecord(value)
    ? 'state dict'
    : value instanceof RawTensorValue
      ? 'tensor'
      : 'checkpoint';
  console.log(`${file}: ${FORMAT_NAME[format]}, ${bytesText(size)}, ${kind}`);
  console.log(
    `  ${tensors.length} tensors, ${params.toLocaleString('en-US')} elements, dtypes: ${dtypes.join(', ') || '-'}`,
  );
  if (metadata) console.log(`  metadata: ${JSON.stringify(metadata)}`);
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new Error(`inspect: --limit must be a positive integer, got ${opts.limit}`);
  const lines: string[] = [];
  if (value instanceof RawTensorValue) lines.push(`  ${describeValue(value)}`);
  else outline(value, 1, limit, lines, new Set());
  for (const l of lines) console.log(l);
}

async function convert(
  input: string,
  output: string,
  opts: { dtype?: string; key?: string; format?: string; allowUnknownGlobals?: boolean },
) {
  if (opts.dtype !== undefined && !['float32', 'float16', 'bfloat16'].includes(opts.dtype))
    throw new Error(`convert: --dtype must be float32, float16 or bfloat16, got '${opts.dtype}'`);
  if (opts.format !== undefined && opts.format !== 'pth' && opts.format !== 'safetensors')
    throw new Error(`convert: --format must be pth or safetensors, got '${opts.format}'`);
  const format = formatFor(output, opts.format as WeightsFormat | undefined);
  const src = await readRaw(input, opts.allowUnknownGlobals);
  let value = src.value;
  if (opts.key !== undefined) {
    for (const part of opts.key.split('/')) {
      const next = value instanceof Map ? value.get(part) : (value as Record<string, unknown> | null)?.[part];
      if (next === undefined || typeof value !== 'object')
        throw new Error(`convert: ${input} has no entry '${opts.key}' (at '${part}')`);
      value = next;
    }
  }
  const cast = (v: unknown, seen = new Map<unknown, unknown>()): unknown => {
    if (v instanceof RawTensorValue) {
      const r = opts.dtype ? castRaw(v, opts.dtype as SaveDType) : v;
      return r instanceof RawTensorValue ? r : new RawTensorValue(r.dtype, r.shape, r.bytes, v.requiresGrad);
    }
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array || v instanceof PyObject) return v;
    if (seen.has(v)) return seen.get(v);
    if (Array.isArray(v)) return v.map((x) => cast(x, seen));
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, cast(x, seen)]));
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const [k, x] of Object.entries(v))
      Object.defineProperty(out, k, { value: cast(x, seen), enumerable: true });
    return out;
  };
  value = cast(value);
  let chunks: Uint8Array[];
  if (format === 'safetensors') {
    if (!isTensorRecord(value)) {
      const hint = tensorsOf(value)[0]?.[0]?.split('.')[0];
      throw new Error(
        `convert: safetensors holds a flat name -> tensor record, but ${input} is a nested checkpoint` +
          (hint ? `; pick its state dict with --key (e.g. --key ${hint})` : ''),
      );
    }
    chunks = writeSafetensors(value, { metadata: src.metadata ?? { format: 'pt' } });
  } else {
    chunks = writePth(value);
  }
  await writeFileAtomic(output, chunks);
  const n = tensorsOf(value).length;
  const size = chunks.reduce((s, c) => s + c.length, 0);
  console.log(`wrote ${output}: ${FORMAT_NAME[format]}, ${n} tensors, ${bytesText(size)}`);
}

/** Add `inspect` and `convert` to the program. */
export function registerIoCommands(program: Command): void {
  program
    .command('inspect')
    .description('show what a .pth/.pt/.bin or .safetensors file holds (names, dtypes, shapes, structure)')
    .argument('<file>', 'weights or checkpoint file')
    .option('--json', 'print JSON instead of text')
    .option('--limit <n>', 'show at most n entries per dict or list', '1000')
    .option(
      '--allow-unknown-globals',
      'show Python objects of unknown classes as placeholders instead of refusing',
    )
    .action(inspect);
  program
    .command('convert')
    .description('convert weights between .pth and .safetensors (format from the output extension)')
    .argument('<input>', 'file to read (.pth/.pt/.bin or .safetensors)')
    .argument('<output>', 'file to write, atomically')
    .option('--dtype <dtype>', 'store floating-point tensors as float32, float16 or bfloat16')
    .option('--key <path>', "convert only this entry of a checkpoint, e.g. 'model' or 'state/model'")
    .option('--format <format>', 'pth or safetensors (default: from the output extension)')
    .option(
      '--allow-unknown-globals',
      'read files holding objects of unknown Python classes (with --key to skip them)',
    )
    .action(convert);
}
