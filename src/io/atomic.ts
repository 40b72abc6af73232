// Atomic file writes: write a temporary file beside the target, fsync it, then rename over the target, so a crash
// or a full disk never leaves a half-written weights file under the real name.
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export async function writeFileAtomic(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let done = false;
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      for (const c of chunks) {
        for (let off = 0; off < c.length;) {
          const { bytesWritten } = await fh.write(c, off, c.length - off);
          off += bytesWritten;
        }
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    done = true;
    try {
      const dir = await open(dirname(path), 'r'); // persist the rename (best effort: not every platform allows it)
      await dir.sync().finally(() => dir.close());
    } catch {
      /* ignore */
    }
  } finally {
    if (!done) await unlink(tmp).catch(() => {});
  }
}

/** Concatenate a file's pieces into one buffer. */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
