// Downloading dataset files (MD5-checked, through src/util/download.ts), tried mirror by mirror; offline or on a
// bad checksum the error names each file and the folder to put it in. Also a small tar extractor.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, isAbsolute } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { downloadFile } from '../../util/download.js';

export { downloadFile, type DownloadOptions } from '../../util/download.js';

/** One file of a dataset: its name at the mirror and its MD5. */
export interface Resource {
  file: string;
  md5: string;
}

/** MD5 of a file, hex. */
export function md5File(path: string): string {
  return createHash('md5').update(readFileSync(path)).digest('hex');
}

/**
 * Make sure `dir` holds every resource with the right MD5, downloading missing ones from the mirrors in turn.
 * Throws one error listing every file that could not be had, why, and where to put it by hand.
 */
export async function downloadResources(
  name: string,
  dir: string,
  resources: readonly Resource[],
  opts: { mirrors: readonly string[]; progress?: boolean; timeoutMs?: number },
): Promise<void> {
  if (resources.length === 0)
    throw new Error(
      `${name}: no download is available; fetch the files from ${opts.mirrors[0]} and put them in ${dir}`,
    );
  const failures: string[] = [];
  for (const r of resources) {
    const dest = join(dir, r.file);
    if (existsSync(dest) && md5File(dest) === r.md5) continue;
    const tried: string[] = [];
    for (const mirror of opts.mirrors) {
      const url = mirror.endsWith('/') ? mirror + r.file : `${mirror}/${r.file}`;
      try {
        await downloadFile(url, dest, {
          md5: r.md5,
          progress: opts.progress,
          timeoutMs: opts.timeoutMs ?? 30_000,
        });
        tried.length = 0;
        break;
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        tried.push(
          `${url}: ${err.code && !err.message.includes(err.code) ? `${err.code} ` : ''}${err.message}`,
        );
      }
    }
    if (tried.length > 0) failures.push(`${r.file} (MD5 ${r.md5}) — ${tried.join('; ')}`);
  }
  if (failures.length > 0)
    throw new Error(
      `${name}: download failed (offline?) for:\n  ${failures.join('\n  ')}\n` +
        `Download the file(s) by other means and put them in ${dir}`,
    );
}

/** Extract a .tar or .tar.gz archive (regular files and folders; paths may not leave `dest`). */
export function extractTar(archive: string, dest: string): string[] {
  let buf: Uint8Array = readFileSync(archive);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  const text = (o: number, n: number) => {
    const b = buf.subarray(o, o + n);
    const end = b.indexOf(0);
    return Buffer.from(end < 0 ? b : b.subarray(0, end)).toString('utf8');
  };
  const written: string[] = [];
  let longName: string | null = null;
  for (let o = 0; o + 512 <= buf.length;) {
    if (buf.subarray(o, o + 512).every((b) => b === 0)) break;
    const size = parseInt(text(o + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(buf[o + 156]!);
    const prefix = text(o + 257, 6).startsWith('ustar') ? text(o + 345, 155) : '';
    let name = longName ?? (prefix ? `${prefix}/${text(o, 100)}` : text(o, 100));
    longName = null;
    const body = buf.subarray(o + 512, o + 512 + size);
    if (body.length < size) throw new Error(`${archive}: truncated tar archive (entry ${name})`);
    o += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = Buffer.from(body).toString('utf8').replace(/\0+$/, '');
      continue;
    }
    name = normalize(name);
    if (isAbsolute(name) || name.startsWith('..'))
      throw new Error(`${archive}: refusing unsafe path ${name}`);
    const path = join(dest, name);
    if (type === '5') mkdirSync(path, { recursive: true });
    else if (type === '0' || type === '\0') {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, body);
      written.push(path);
    }
  }
  return written;
}
