// A safe pickle reader: interprets the opcodes torch files use (protocols 0-5 subset) without executing anything.
// Globals go through the caller's allow-list, every length is checked against the bytes left, and errors name
// the opcode and offset.
import { PyDict, PyFunc, PyObject, describe, dictKey, tuple } from './values.js';

export interface UnpickleOptions {
  /** Resolve GLOBAL module.name to a value or a PyFunc; throw to refuse it. */
  resolveGlobal(module: string, name: string): unknown;
  /** BINPERSID / PERSID: resolve a persistent id (torch: a storage). */
  persistentLoad?(pid: unknown): unknown;
}

const dec = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Unpickle one object from `bytes` starting at `start`; returns it and the offset after STOP. */
export function unpickle(
  bytes: Uint8Array,
  opts: UnpickleOptions,
  start = 0,
): { value: unknown; end: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  let p = start;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();
  let op = 0;
  let opAt = 0;

  const fail = (msg: string): never => {
    throw new Error(`pickle: ${msg} (opcode 0x${op.toString(16).padStart(2, '0')} at byte ${opAt})`);
  };
  const need = (k: number): number => {
    if (k < 0 || p + k > n)
      throw new Error(`truncated file: pickle needs ${k} more bytes at byte ${p}, has ${n - p}`);
    const at = p;
    p += k;
    return at;
  };
  const take = (k: number): Uint8Array => bytes.subarray(need(k), p);
  const line = (): string => {
    const e = bytes.indexOf(0x0a, p);
    if (e < 0) throw new Error(`truncated file: pickle line at byte ${p} has no end`);
    const s = latin1.decode(bytes.subarray(p, e));
    p = e + 1;
    return s;
  };
  const utf8 = (b: Uint8Array): string => {
    try {
      return dec.decode(b);
    } catch {
      return fail('string is not valid UTF-8');
    }
  };
  const pop = (): unknown => (stack.length ? stack.pop() : fail('stack underflow'));
  const top = (): unknown => (stack.length ? stack[stack.length - 1] : fail('stack underflow'));
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) return fail('no MARK on the stack');
    stack = prev;
    return items;
  };
  const push = (v: unknown): void => {
    stack.push(v);
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const setItems = (d: unknown, items: unknown[]): void => {
    if (!(d instanceof PyDict)) {
      if (d instanceof PyObject) {
        // dict-like placeholder (e.g. a dict subclass): keep the items as its state
        const s = d.state instanceof PyDict ? d.state : (d.state = new PyDict(true));
        for (let i = 0; i + 1 < items.length; i += 2) s.map.set(dictKey(items[i]), items[i + 1]);
        return;
      }
      fail(`cannot set items on ${describe(d)}`);
    }
    if (items.length % 2) fail('odd number of items for SETITEMS');
    for (let i = 0; i < items.length; i += 2) (d as PyDict).map.set(dictKey(items[i]), items[i + 1]);
  };
  const extend = (l: unknown, items: unknown[]): void => {
    if (Array.isArray(l)) {
      for (const it of items) l.push(it);
    } else if (l instanceof PyObject) {
      if (!Array.isArray(l.state)) l.state = [];
      (l.state as unknown[]).push(...items);
    } else fail(`cannot append to ${describe(l)}`);
  };
  const call = (f: unknown, args: unknown): unknown => {
    if (!Array.isArray(args)) return fail(`arguments must be a tuple, got ${describe(args)}`);
    if (!(f instanceof PyFunc)) return fail(`cannot call ${describe(f)}`);
    return f.call(args);
  };
  const global = (module: string, name: string): void => push(opts.resolveGlobal(module, name));
  const memoGet = (i: number): void => {
    if (!memo.has(i)) fail(`memo key ${i} is not defined`);
    push(memo.get(i));
  };
  const memoPut = (i: number): void => void memo.set(i, top());

  for (;;) {
    opAt = p;
    op = bytes[need(1)]!;
    switch (op) {
      case 0x80: // PROTO
        if (bytes[need(1)]! > 5) fail(`unsupported pickle protocol ${bytes[p - 1]}`);
        break;
      case 0x95: // FRAME: a length hint only
        need(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || metastack.length) fail(`STOP with ${stack.length} values on the stack`);
        return { value: stack[0], end: p };
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x63: // GLOBAL
        global(line(), line());
        break;
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        global(module as string, name as string);
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        push(call(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        push(call(pop(), args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop(); // kwargs
        const args = pop();
        push(call(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof PyDict || obj instanceof PyObject) {
          if (obj instanceof PyDict) obj.attrs = state;
          else obj.state = state;
        } else fail(`cannot BUILD ${describe(obj)}`);
        break;
      }
      case 0x51: // BINPERSID
      case 0x50: {
        // PERSID
        const pid = op === 0x50 ? line() : pop();
        if (!opts.persistentLoad) fail('persistent id found but this file has no external storage');
        push(opts.persistentLoad!(pid));
        break;
      }
      case 0x29: // EMPTY_TUPLE
        push(tuple([]));
        break;
      case 0x74: // TUPLE
        push(tuple(popMark()));
        break;
      case 0x85: // TUPLE1
        push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        push(tuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        push(tuple([pop(), b, c]));
        break;
      }
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        extend(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        extend(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        push(new PyDict(false));
        break;
      case 0x64: {
        // DICT
        const d = new PyDict(false);
        setItems(d, popMark());
        push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        push([]);
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        extend(top(), items);
        break;
      }
      case 0x91: // FROZENSET
        push(popMark());
        break;
      case 0x71: // BINPUT
        memoPut(bytes[need(1)]!);
        break;
      case 0x72: // LONG_BINPUT
        memoPut(dv.getUint32(need(4), true));
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size);
        break;
      case 0x70: // PUT
        memoPut(Number(line()));
        break;
      case 0x68: // BINGET
        memoGet(bytes[need(1)]!);
        break;
      case 0x6a: // LONG_BINGET
        memoGet(dv.getUint32(need(4), true));
        break;
      case 0x67: // GET
        memoGet(Number(line()));
        break;
      case 0x4a: // BININT
        push(dv.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        push(bytes[need(1)]!);
        break;
      case 0x4d: // BININT2
        push(dv.getUint16(need(2), true));
        break;
      case 0x8a: // LONG1
        push(long(take(bytes[need(1)]!)));
        break;
      case 0x8b: {
        // LONG4
        const len = dv.getInt32(need(4), true);
        push(long(take(len)));
        break;
      }
      case 0x49: {
        // INT (protocol 0; I01/I00 are bools)
        const s = line();
        if (s === '01' || s === '00') push(s === '01');
        else if (/^-?\d+$/.test(s)) push(long(bigToBytes(BigInt(s))));
        else fail(`bad INT '${s.slice(0, 20)}'`);
        break;
      }
      case 0x4c: {
        // LONG (protocol 0)
        const s = line().replace(/L$/, '');
        if (!/^-?\d+$/.test(s)) fail(`bad LONG '${s.slice(0, 20)}'`);
        push(long(bigToBytes(BigInt(s))));
        break;
      }
      case 0x46: {
        // FLOAT (protocol 0)
        const v = Number(line());
        push(v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        push(dv.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE
        push(utf8(take(dv.getUint32(need(4), true))));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(utf8(take(bytes[need(1)]!)));
        break;
      case 0x8d: // BINUNICODE8
        push(utf8(take(len64())));
        break;
      case 0x55: // SHORT_BINSTRING (python 2 str: latin-1, as torch reads legacy files)
        push(latin1.decode(take(bytes[need(1)]!)));
        break;
      case 0x54: // BINSTRING
        push(latin1.decode(take(dv.getInt32(need(4), true))));
        break;
      case 0x43: // SHORT_BINBYTES
        push(take(bytes[need(1)]!).slice());
        break;
      case 0x42: // BINBYTES
        push(take(dv.getUint32(need(4), true)).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(take(len64()).slice());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      default:
        fail(`unsupported or invalid opcode`);
    }
  }

  function len64(): number {
    const v = dv.getBigUint64(need(8), true);
    if (v > BigInt(n))
      throw new Error(`truncated file: pickle length ${v} at byte ${p - 8} exceeds the file`);
    return Number(v);
  }
}

/** Two's-complement little-endian bytes of a bigint (for the text INT/LONG opcodes). */
function bigToBytes(v: bigint): Uint8Array {
  const out: number[] = [];
  let x = v;
  for (;;) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
    if ((x === 0n && !(out[out.length - 1]! & 0x80)) || (x === -1n && out[out.length - 1]! & 0x80)) break;
  }
  return Uint8Array.from(out);
}
