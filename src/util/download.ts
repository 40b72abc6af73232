// Downloading a file: streamed to a temp file beside the target, hashed on the way (MD5 in full, or sha256 in full
// or as torch.hub's 8+ hex prefix), renamed into place only when complete and verified; a progress bar on a TTY.
// Used by pretrained weights (src/models/pretrained.ts) and dataset downloads (src/data/datasets/download.ts).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Progress } from './progress.js';

export interface DownloadOptions {
  /** Expected sha256: the full hex digest or a prefix of it (torch.hub file names carry the first 8 digits). */
  sha256?: string | null;
  /** Expected MD5 (hex, in full), as dataset mirrors publish them. */
  md5?: string | null;
  /** Show progress (default: when stderr is a TTY). */
  progress?: boolean;
  /** Abort after this many ms without data (default 60 s). */
  timeoutMs?: number;
}

/**
 * Download `url` to `dest` atomically. Failures to fetch throw `could not download <url>: <why>`; a checksum
 * mismatch throws `checksum mismatch …`; either way no file (partial or not) is left behind.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${Date.now()}.part`);
  const fail = (why: string) => new Error(`could not download ${url}: ${why}`);
  const ctrl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ctrl.abort(), opts.timeoutMs ?? 60_000);
  };
  arm();
  let res: Response;
  try {
    res = await fetch(url, { signal: ctrl.signal, redirect: 'follow' });
  } catch (e) {
    clearTimeout(timer);
    if (ctrl.signal.aborted) throw fail('timed out');
    throw fail(e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e));
  }
  if (!res.ok || !res.body) {
    clearTimeout(timer);
    throw fail(`HTTP ${res.status} ${res.statusText}`);
  }
  const total = Number(res.headers.get('content-length') ?? 0);
  const bar = new Progress(`downloading ${basename(dest)}`, total, { enabled: opts.progress, unit: 'bytes' });
  const sha = opts.sha256 ? createHash('sha256') : null;
  const md5 = opts.md5 ? createHash('md5') : null;
  const out = createWriteStream(tmp);
  let received = 0;
  let ok = false;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      arm();
      sha?.update(chunk);
      md5?.update(chunk);
      received += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      bar.tick(chunk.length);
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    if (total > 0 && received !== total) throw fail(`incomplete download: ${received} of ${total} bytes`);
    if (sha) {
      const digest = sha.digest('hex');
      const want = opts.sha256!.toLowerCase();
      if (!digest.startsWith(want)) {
        throw new Error(
          `checksum mismatch for ${basename(dest)} from ${url}: sha256 ${digest} does not start with ${want}; the file was not kept`,
        );
      }
    }
    if (md5) {
      const digest = md5.digest('hex');
      if (digest !== opts.md5!.toLowerCase())
        throw new Error(`checksum mismatch: MD5 ${digest}, expected ${opts.md5}`);
    }
    await rename(tmp, dest);
    ok = true;
  } catch (e) {
    if (ctrl.signal.aborted) throw fail('timed out');
    if (e instanceof Error && /^(checksum mismatch|could not download)/.test(e.message)) throw e;
    throw fail(e instanceof Error ? e.message : String(e));
  } finally {
    clearTimeout(timer);
    bar.stop();
    if (!ok) {
      out.destroy();
      await rm(tmp, { force: true });
    }
  }
}
