// Downloads against a local HTTP server on 127.0.0.1 only: mirrors in turn, redirects, MD5 checks, tar.gz
// extraction into a CIFAR layout, and the offline error naming each file and the folder to put it in.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasets } from '../../src/index.js';

const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const files = new Map<string, Uint8Array>();
let server: Server;
let base: string;
let tmp: string;
let hits: string[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'wr-dl-'));
  server = createServer((req, res) => {
    hits.push(req.url!);
    if (req.url!.startsWith('/moved/')) {
      res.writeHead(302, { location: req.url!.replace('/moved/', '/ok/') });
      return res.end();
    }
    const body = files.get(req.url!.replace(/^\/ok\//, ''));
    if (!req.url!.startsWith('/ok/') || !body) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.close();
  rmSync(tmp, { recursive: true, force: true });
});

const idxGz = (shape: number[], n: number) =>
  gzipSync(
    datasets.encodeIdxU8(
      shape,
      Uint8Array.from({ length: n }, (_, i) => i % 10),
    ),
  );

describe('download', () => {
  it('MNIST-layout load({ download }) fetches each file from the first mirror that has it, MD5-checked', async () => {
    const names = [
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
    ];
    const bodies = [idxGz([3, 2, 2], 12), idxGz([3], 3), idxGz([2, 2, 2], 8), idxGz([2], 2)];
    names.forEach((n, k) => files.set(n, bodies[k]!));
    class TinyMNIST extends datasets.MNIST {
      static override readonly resources = names.map((file, k) => ({ file, md5: md5(bodies[k]!) }));
      static override readonly mirrors = [`${base}/missing/`, `${base}/moved/`];
    }
    hits = [];
    const ds = await TinyMNIST.load({ root: tmp, download: true, train: false, progress: false });
    expect([ds.length, ds.files[0]]).toEqual([2, join(tmp, 'TinyMNIST', 'raw', 't10k-images-idx3-ubyte.gz')]);
    expect(hits.slice(0, 3)).toEqual([`/missing/${names[0]}`, `/moved/${names[0]}`, `/ok/${names[0]}`]);
    hits = [];
    await TinyMNIST.load({ root: tmp, download: true, progress: false }); // already there: no request
    expect(hits).toEqual([]);
  });
  it('rejects a checksum mismatch and leaves no partial file', async () => {
    files.set('x.bin', new Uint8Array([1, 2, 3]));
    const dest = join(tmp, 'x', 'x.bin');
    await expect(
      datasets.downloadFile(`${base}/ok/x.bin`, dest, { md5: '0'.repeat(32), progress: false }),
    ).rejects.toThrow(/checksum mismatch: MD5 5289df737df57326fcdd22597afb1fac/);
    expect(existsSync(dest) || existsSync(`${dest}.part`)).toBe(false);
    await datasets.downloadFile(`${base}/ok/x.bin`, dest, {
      md5: md5(new Uint8Array([1, 2, 3])),
      progress: true,
    });
    expect([...readFileSync(dest)]).toEqual([1, 2, 3]);
  });
  it('offline: one error naming every file, why, and the folder', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    closed.close();
    const err = await datasets
      .downloadResources(
        'Demo',
        join(tmp, 'demo'),
        [
          { file: 'a.gz', md5: 'f'.repeat(32) },
          { file: 'b.gz', md5: 'e'.repeat(32) },
        ],
        {
          mirrors: [`http://127.0.0.1:${port}/`],
          progress: false,
        },
      )
      .catch((e: Error) => e);
    expect(String(err)).toMatch(
      /Demo: download failed \(offline\?\) for:\n {2}a\.gz .*ECONNREFUSED.*\n {2}b\.gz .*put them in .*demo/s,
    );
  });
  it('CIFAR10.load downloads a tar.gz, verifies and extracts it', async () => {
    const src = join(tmp, 'src', 'cifar-10-batches-bin');
    mkdirSync(src, { recursive: true });
    const rec = (label: number) => Uint8Array.from({ length: 3073 }, (_, i) => (i === 0 ? label : i & 255));
    for (let k = 1; k <= 5; k++) writeFileSync(join(src, `data_batch_${k}.bin`), rec(k));
    writeFileSync(join(src, 'test_batch.bin'), rec(7));
    execFileSync('tar', ['-czf', join(tmp, 'c10.tar.gz'), '-C', join(tmp, 'src'), 'cifar-10-batches-bin']);
    const tgz = readFileSync(join(tmp, 'c10.tar.gz'));
    files.set('cifar-10-binary.tar.gz', tgz);
    const root = join(tmp, 'cifar');
    const ds = await datasets.CIFAR10.load({
      root,
      download: true,
      train: false,
      url: `${base}/ok/cifar-10-binary.tar.gz`,
      md5: md5(tgz),
      progress: false,
    });
    expect([ds.length, ds.get(0)[1]]).toEqual([1, 7]);
  });
});
