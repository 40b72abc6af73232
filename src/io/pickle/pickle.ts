// A pickle writer for protocol 2 emitting only opcodes that torch.load (also weights_only=True) accepts;
// globals are memoised so each is named once. The torch-specific encoding of values is in pth/write.ts.

export class PickleWriter {
  private buf = new Uint8Array(1024);
  private len = 0;
  private readonly globals = new Map<string, number>();
  private memoNext = 0;
  private readonly enc = new TextEncoder();

  constructor() {
    this.bytes(0x80, 2); // PROTO 2
  }

  private reserve(k: number): void {
    if (this.len + k <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + k));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  bytes(...b: number[]): this {
    this.reserve(b.length);
    for (const x of b) this.buf[this.len++] = x;
    return this;
  }
  private raw(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  private u32(v: number): void {
    this.reserve(4);
    new DataView(this.buf.buffer).setUint32(this.len, v, true);
    this.len += 4;
  }

  mark(): this {
    return this.bytes(0x28);
  }
  /** GLOBAL module\nname\n the first time, BINGET of its memo slot after that. */
  global(module: string, name: string): this {
    const key = `${module}\n${name}\n`;
    const m = this.globals.get(key);
    if (m !== undefined) return this.get(m);
    this.bytes(0x63);
    this.raw(this.enc.encode(key));
    const slot = this.memoNext++;
    this.globals.set(key, slot);
    return this.put(slot);
  }
  private put(slot: number): this {
    if (slot < 256) return this.bytes(0x71, slot); // BINPUT
    this.bytes(0x72); // LONG_BINPUT
    this.u32(slot);
    return this;
  }
  private get(slot: number): this {
    if (slot < 256) return this.bytes(0x68, slot); // BINGET
    this.bytes(0x6a); // LONG_BINGET
    this.u32(slot);
    return this;
  }
  int(v: number | bigint): this {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 256) return this.bytes(0x4b, v); // BININT1
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 65536)
      return this.bytes(0x4d, v & 0xff, v >>> 8);
    if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) {
      this.bytes(0x4a); // BININT
      this.u32(v >>> 0);
      return this;
    }
    // LONG1: minimal two's-complement little-endian
    let x = BigInt(v);
    const out: number[] = [];
    for (;;) {
      out.push(Number(x & 0xffn));
      x >>= 8n;
      const sign = out[out.length - 1]! & 0x80;
      if ((x === 0n && !sign) || (x === -1n && sign)) break;
    }
    if (out.length > 255) throw new Error(`pickle: integer ${v} is too large`);
    return this.bytes(0x8a, out.length, ...out);
  }
  float(v: number): this {
    this.reserve(9);
    this.buf[this.len] = 0x47; // BINFLOAT, big-endian
    new DataView(this.buf.buffer).setFloat64(this.len + 1, v, false);
    this.len += 9;
    return this;
  }
  str(s: string): this {
    const b = this.enc.encode(s);
    this.bytes(0x58); // BINUNICODE
    this.u32(b.length);
    this.raw(b);
    return this;
  }
  pyBytes(b: Uint8Array): this {
    this.bytes(0x42); // BINBYTES
    this.u32(b.length);
    this.raw(b);
    return this;
  }
  none(): this {
    return this.bytes(0x4e);
  }
  bool(v: boolean): this {
    return this.bytes(v ? 0x88 : 0x89);
  }
  /** Tuple of the values pushed by `items` (EMPTY_TUPLE, TUPLE1-3 or MARK ... TUPLE). */
  tuple(n: number, items: () => void): this {
    if (n === 0) return this.bytes(0x29);
    if (n > 3) this.mark();
    items();
    return this.bytes(n > 3 ? 0x74 : [0, 0x85, 0x86, 0x87][n]!);
  }
  emptyList(): this {
    return this.bytes(0x5d);
  }
  appends(): this {
    return this.bytes(0x65);
  }
  emptyDict(): this {
    return this.bytes(0x7d);
  }
  setitems(): this {
    return this.bytes(0x75);
  }
  reduce(): this {
    return this.bytes(0x52);
  }
  binpersid(): this {
    return this.bytes(0x51);
  }
  /** STOP and the finished pickle. */
  finish(): Uint8Array {
    this.bytes(0x2e);
    return this.buf.slice(0, this.len);
  }
}
