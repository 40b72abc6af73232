// Downloading a file to a folder: streamed to a temp file beside the target, hashed on the way (sha256; a full
// digest or torch.hub's 8+ hex prefix), renamed into place only when complete — with a progress bar on a TTY.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Progress } from './progress.js';

export interface DownloadOptions {
  /** Expected sha256: the full hex digest or a prefix of it (torch.hub file names carry the first 8 digits). */
  sha256?: string | null;
  /** Show progress (default: on a TTY). */
  progress?: boolean;
  /** Abort after this many ms without data (default 60 s). */
  timeoutMs?: number;
}

/** Download `url` to `dest` atomically. Throws an error naming the URL, the file and the folder on failure. */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${Date.now()}.part`);
  const fail = (why: string) =>
    new Error(
      `could not download ${url} (${why}). Download it yourself and put it at ${dest} ` +
        `(folder ${dirname(dest)}), or pass an explicit file path`,
    );
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
    throw fail(e instanceof Error ? ((e.cause as Error | undefined)?.message ?? e.message) : String(e));
  }
  if (!res.ok || !res.body) {
    clearTimeout(timer);
    throw fail(`HTTP ${res.status} ${res.statusText}`);
  }
  const total = Number(res.headers.get('content-length') ?? 0);
  const bar = new Progress(`downloading ${basename(dest)}`, total, { enabled: opts.progress, unit: 'bytes' });
  const hash = createHash('sha256');
  const out = createWriteStream(tmp);
  let ok = false;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      arm();
      hash.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      bar.tick(chunk.length);
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    const digest = hash.digest('hex');
    const want = opts.sha256?.toLowerCase();
    if (want && !digest.startsWith(want)) {
      throw new Error(
        `checksum mismatch for ${basename(dest)} from ${url}: sha256 ${digest} does not start with ${want}; the file was not kept`,
      );
    }
    if (total > 0 && (await stat(tmp)).size !== total) throw fail(`truncated: expected ${total} bytes`);
    await rename(tmp, dest);
    ok = true;
  } catch (e) {
    if (e instanceof Error && (e.name === 'AbortError' || ctrl.signal.aborted)) throw fail('timed out');
    if (e instanceof Error && e.message.startsWith('checksum mismatch')) throw e;
    if (e instanceof Error && e.message.startsWith('could not download')) throw e;
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
