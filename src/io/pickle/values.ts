// Python values as the safe unpickler builds them (dicts with any key, tuples, globals, placeholders), and their
// conversion to plain JavaScript once a pickle is read.
import { RawTensorValue } from '../raw.js';

/** A module-level name from GLOBAL/STACK_GLOBAL, resolved only through an allow-list. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get fullName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A callable the allow-list grants: `call` is weightroom's own code, never Python's. */
export class PyFunc {
  constructor(
    readonly fullName: string,
    readonly call: (args: unknown[]) => unknown,
  ) {}
}

/**
 * An instance of a class that is not on the allow-list, kept as data when loading with `allowUnknownGlobals`:
 * its class name, the arguments it would have been constructed with and its BUILD state. Nothing is executed.
 */
export class PyObject {
  state: unknown = undefined;
  constructor(
    readonly className: string,
    readonly args: unknown[],
  ) {}
}

/** A dict (or OrderedDict) during unpickling: keys of any hashable primitive, insertion-ordered. */
export class PyDict {
  readonly map = new Map<unknown, unknown>();
  /** Attributes set by BUILD, e.g. a state_dict's `_metadata`. */
  attrs: unknown = undefined;
  constructor(readonly ordered: boolean) {}
}

/** Tuples are arrays marked here (the writer emits them as tuples again). */
export const tuples = new WeakSet<unknown[]>();
export function tuple(items: unknown[]): unknown[] {
  tuples.add(items);
  return items;
}

/** Turn a hashable Python key into a Map key (tuples become their repr, so equal tuples collide as in Python). */
export function dictKey(k: unknown): unknown {
  if (k === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof k)) return k;
  if (Array.isArray(k)) return `(${k.map((x) => String(dictKey(x))).join(', ')})`;
  throw new Error(`unsupported dict key of type ${describe(k)}`);
}

export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PyGlobal || v instanceof PyFunc) return `global '${v.fullName}'`;
  if (v instanceof PyObject) return `object of class '${v.className}'`;
  if (v instanceof PyDict) return 'dict';
  if (v instanceof RawTensorValue) return 'tensor';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return tuples.has(v) ? 'tuple' : 'list';
  return typeof v;
}

export const MAX_DEPTH = 1000;

/**
 * Convert unpickled values to plain JS: dicts with only string keys become objects (insertion order kept), other
 * dicts Maps; tuples and lists arrays; tensors through `tensor`. Shared and cyclic references stay shared.
 */
export function toPlain(v: unknown, tensor: (t: RawTensorValue, path: string) => unknown): unknown {
  const seen = new Map<unknown, unknown>();
  const go = (x: unknown, path: string, depth: number): unknown => {
    if (x === null || typeof x !== 'object') return x;
    if (depth > MAX_DEPTH) throw new Error(`pickle nests deeper than ${MAX_DEPTH} levels at '${path}'`);
    const done = seen.get(x);
    if (done !== undefined) return done;
    if (x instanceof RawTensorValue) {
      const t = tensor(x, path);
      seen.set(x, t);
      return t;
    }
    if (Array.isArray(x)) {
      const out: unknown[] = [];
      seen.set(x, out);
      x.forEach((e, i) => out.push(go(e, path ? `${path}.${i}` : String(i), depth + 1)));
      return out;
    }
    if (x instanceof PyDict) {
      const keys = [...x.map.keys()];
      if (keys.every((k) => typeof k === 'string')) {
        const out: Record<string, unknown> = {};
        seen.set(x, out);
        for (const [k, e] of x.map) {
          // defineProperty: a key named '__proto__' is data, not the prototype
          Object.defineProperty(out, k as string, {
            value: go(e, path ? `${path}.${k as string}` : (k as string), depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return out;
      }
      const out = new Map<unknown, unknown>();
      seen.set(x, out);
      for (const [k, e] of x.map) out.set(k, go(e, path ? `${path}.${String(k)}` : String(k), depth + 1));
      return out;
    }
    if (x instanceof PyObject) {
      const out = new PyObject(x.className, []);
      seen.set(x, out);
      out.args.push(...x.args.map((a, i) => go(a, `${path}.args.${i}`, depth + 1)));
      out.state = go(x.state, `${path}.state`, depth + 1);
      return out;
    }
    if (x instanceof PyGlobal || x instanceof PyFunc) return x.fullName;
    return x; // Uint8Array (bytes) and other leaves
  };
  return go(v, '', 0);
}
