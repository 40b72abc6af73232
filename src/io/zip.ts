// Minimal zip reader and writer for torch's .pth archives: a bounded central-directory reader (stored and
// deflated entries, zip64) and a writer in torch's own layout (stored, 64-byte aligned data, zip64 end records).
import { inflateRawSync } from 'node:zlib';
import { crc32 } from './crc32.js';

export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_Z64_EOCD = 0x06064b50;
const SIG_Z64_LOCATOR = 0x07064b50;
const U32_MAX = 0xffffffff;

function u64(dv: DataView, at: number, what: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`corrupt zip: ${what} ${v} is out of range`);
  return Number(v);
}

/** True when the bytes start like a zip (local header or an empty archive's end record). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

/** A zip archive read from memory: entries from the central directory; data read (and CRC-checked) on demand. */
export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();
  private readonly dv: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.readDirectory();
  }

  private readDirectory(): void {
    const { bytes, dv } = this;
    const n = bytes.length;
    if (n < 22) throw new Error(`truncated file: ${n} bytes is too short for a zip archive`);
    let eocd = -1;
    for (let i = n - 22; i >= Math.max(0, n - 22 - 0xffff); i--) {
      if (dv.getUint32(i, true) === SIG_EOCD && i + 22 + dv.getUint16(i + 20, true) <= n) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error('truncated file: zip end-of-central-directory record not found');
    let count = dv.getUint16(eocd + 10, true);
    let cdSize = dv.getUint32(eocd + 12, true);
    let cdOffset = dv.getUint32(eocd + 16, true);
    const loc = eocd - 20;
    if (loc >= 0 && dv.getUint32(loc, true) === SIG_Z64_LOCATOR) {
      const z = u64(dv, loc + 8, 'zip64 end record offset');
      if (z + 56 > n || dv.getUint32(z, true) !== SIG_Z64_EOCD)
        throw new Error(
          'corrupt zip: zip64 end-of-central-directory record not found where the locator says',
        );
      count = u64(dv, z + 32, 'entry count');
      cdSize = u64(dv, z + 40, 'central directory size');
      cdOffset = u64(dv, z + 48, 'central directory offset');
    }
    if (cdOffset + cdSize > n)
      throw new Error(`truncated file: central directory ends at ${cdOffset + cdSize}, file has ${n} bytes`);
    if (count * 46 > cdSize) throw new Error(`corrupt zip: ${count} entries cannot fit in ${cdSize} bytes`);
    let p = cdOffset;
    const end = cdOffset + cdSize;
    const dec = new TextDecoder('utf-8', { fatal: false });
    for (let k = 0; k < count; k++) {
      if (p + 46 > end || dv.getUint32(p, true) !== SIG_CENTRAL)
        throw new Error(`corrupt zip: central directory entry ${k} is damaged`);
      const method = dv.getUint16(p + 10, true);
      const crc = dv.getUint32(p + 16, true);
      let compressedSize = dv.getUint32(p + 20, true);
      let size = dv.getUint32(p + 24, true);
      const nameLen = dv.getUint16(p + 28, true);
      const extraLen = dv.getUint16(p + 30, true);
      const commentLen = dv.getUint16(p + 32, true);
      let localOffset = dv.getUint32(p + 42, true);
      const next = p + 46 + nameLen + extraLen + commentLen;
      if (next > end) throw new Error(`corrupt zip: central directory entry ${k} overruns the directory`);
      const name = dec.decode(bytes.subarray(p + 46, p + 46 + nameLen));
      // zip64 extended information: only the saturated fields are present, in this order
      for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen;) {
        const id = dv.getUint16(e, true);
        const len = dv.getUint16(e + 2, true);
        let q = e + 4;
        const qEnd = q + len;
        if (qEnd > p + 46 + nameLen + extraLen) throw new Error(`corrupt zip: extra field of '${name}'`);
        if (id === 1) {
          if (size === U32_MAX && q + 8 <= qEnd) {
            size = u64(dv, q, 'entry size');
            q += 8;
          }
          if (compressedSize === U32_MAX && q + 8 <= qEnd) {
            compressedSize = u64(dv, q, 'entry size');
            q += 8;
          }
          if (localOffset === U32_MAX && q + 8 <= qEnd) localOffset = u64(dv, q, 'entry offset');
        }
        e = qEnd;
      }
      if (this.entries.has(name)) throw new Error(`corrupt zip: duplicate entry '${name}'`);
      this.entries.set(name, { name, method, crc, compressedSize, size, localOffset });
      p = next;
    }
  }

  /** The uncompressed bytes of one entry (a view into the archive when stored). */
  read(name: string): Uint8Array {
    const e = this.entries.get(name);
    if (!e) throw new Error(`missing zip entry '${name}'`);
    const { dv, bytes } = this;
    const n = bytes.length;
    if (e.localOffset + 30 > n || dv.getUint32(e.localOffset, true) !== SIG_LOCAL)
      throw new Error(`corrupt zip entry '${name}': local header not found at offset ${e.localOffset}`);
    const start =
      e.localOffset + 30 + dv.getUint16(e.localOffset + 26, true) + dv.getUint16(e.localOffset + 28, true);
    if (start + e.compressedSize > n)
      throw new Error(
        `truncated file: zip entry '${name}' needs bytes up to ${start + e.compressedSize}, file has ${n}`,
      );
    const raw = bytes.subarray(start, start + e.compressedSize);
    let out: Uint8Array;
    if (e.method === 0) {
      if (e.size !== e.compressedSize)
        throw new Error(
          `corrupt zip entry '${name}': stored entry sizes differ (${e.compressedSize} vs ${e.size})`,
        );
      out = raw;
    } else if (e.method === 8) {
      try {
        out = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
      } catch (err) {
        throw new Error(`corrupt zip entry '${name}': ${(err as Error).message}`);
      }
      if (out.length !== e.size)
        throw new Error(`corrupt zip entry '${name}': inflated to ${out.length} bytes, expected ${e.size}`);
    } else {
      throw new Error(`unsupported zip entry '${name}': compression method ${e.method}`);
    }
    const c = crc32(out);
    if (c !== e.crc)
      throw new Error(
        `corrupt zip entry '${name}': CRC-32 ${c.toString(16).padStart(8, '0')} does not match ${e.crc.toString(16).padStart(8, '0')}`,
      );
    return out;
  }
}

// ------------------------------------------------------------------------------------------------- writer

const ALIGN = 64;

/**
 * Write a zip like torch's writer does: every entry stored, a local 'FB' extra field padding each entry's data to
 * a 64-byte boundary, CRCs and sizes in the headers, zip64 fields where a value does not fit 32 bits, and zip64
 * end records always present. Returns the pieces to concatenate (large records are not copied).
 */
export function writeZip(files: readonly { name: string; data: Uint8Array }[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  const enc = new TextEncoder();
  let offset = 0;
  for (const f of files) {
    const name = enc.encode(f.name);
    const size = f.data.length;
    const crc = crc32(f.data);
    const big = size >= U32_MAX || offset >= U32_MAX;
    const z64Len = big ? 4 + 16 : 0; // local zip64 field: size and compressed size
    const fixed = 30 + name.length + z64Len;
    const pad = (ALIGN - ((offset + fixed + 4) % ALIGN)) % ALIGN; // 4 = the FB field's own header
    const headerLen = fixed + 4 + pad;
    const h = new Uint8Array(headerLen);
    const dv = new DataView(h.buffer);
    dv.setUint32(0, SIG_LOCAL, true);
    dv.setUint16(4, big ? 45 : 20, true);
    dv.setUint16(6, 0x0800, true); // UTF-8 names
    dv.setUint16(8, 0, true); // stored
    dv.setUint32(10, 0, true); // time, date
    dv.setUint32(14, crc, true);
    dv.setUint32(18, big ? U32_MAX : size, true);
    dv.setUint32(22, big ? U32_MAX : size, true);
    dv.setUint16(26, name.length, true);
    dv.setUint16(28, z64Len + 4 + pad, true);
    h.set(name, 30);
    let q = 30 + name.length;
    if (big) {
      dv.setUint16(q, 1, true);
      dv.setUint16(q + 2, 16, true);
      dv.setBigUint64(q + 4, BigInt(size), true);
      dv.setBigUint64(q + 12, BigInt(size), true);
      q += 20;
    }
    dv.setUint16(q, 0x4246, true); // 'FB'
    dv.setUint16(q + 2, pad, true);
    h.fill(0x5a, q + 4, q + 4 + pad); // 'Z', as torch pads
    chunks.push(h, f.data);
    central.push(centralRecord(name, crc, size, offset));
    offset += headerLen + size;
  }
  const cdOffset = offset;
  const cdSize = central.reduce((s, c) => s + c.length, 0);
  chunks.push(...central);
  const tail = new Uint8Array(56 + 20 + 22);
  const dv = new DataView(tail.buffer);
  const n = files.length;
  dv.setUint32(0, SIG_Z64_EOCD, true);
  dv.setBigUint64(4, 44n, true);
  dv.setUint16(12, 45, true);
  dv.setUint16(14, 45, true);
  dv.setBigUint64(24, BigInt(n), true);
  dv.setBigUint64(32, BigInt(n), true);
  dv.setBigUint64(40, BigInt(cdSize), true);
  dv.setBigUint64(48, BigInt(cdOffset), true);
  dv.setUint32(56, SIG_Z64_LOCATOR, true);
  dv.setBigUint64(64, BigInt(cdOffset + cdSize), true);
  dv.setUint32(72, 1, true);
  dv.setUint32(76, SIG_EOCD, true);
  dv.setUint16(84, Math.min(n, 0xffff), true);
  dv.setUint16(86, Math.min(n, 0xffff), true);
  dv.setUint32(88, Math.min(cdSize, U32_MAX), true);
  dv.setUint32(92, Math.min(cdOffset, U32_MAX), true);
  chunks.push(tail);
  return chunks;
}

function centralRecord(name: Uint8Array, crc: number, size: number, offset: number): Uint8Array {
  const fields: number[] = [];
  if (size >= U32_MAX) fields.push(size, size);
  if (offset >= U32_MAX) fields.push(offset);
  const extra = fields.length ? 4 + 8 * fields.length : 0;
  const c = new Uint8Array(46 + name.length + extra);
  const dv = new DataView(c.buffer);
  dv.setUint32(0, SIG_CENTRAL, true);
  dv.setUint16(4, extra ? 45 : 20, true);
  dv.setUint16(6, extra ? 45 : 20, true);
  dv.setUint16(8, 0x0800, true);
  dv.setUint32(16, crc, true);
  dv.setUint32(20, size >= U32_MAX ? U32_MAX : size, true);
  dv.setUint32(24, size >= U32_MAX ? U32_MAX : size, true);
  dv.setUint16(28, name.length, true);
  dv.setUint16(30, extra, true);
  dv.setUint32(42, offset >= U32_MAX ? U32_MAX : offset, true);
  c.set(name, 46);
  if (extra) {
    let q = 46 + name.length;
    dv.setUint16(q, 1, true);
    dv.setUint16(q + 2, 8 * fields.length, true);
    q += 4;
    for (const v of fields) {
      dv.setBigUint64(q, BigInt(v), true);
      q += 8;
    }
  }
  return c;
}
