// Pretrained weights: torchvision metadata, resolution from the torch.hub cache, download from a local HTTP
// server with sha256-prefix checks and clean failures; transfer-learning helpers on a ResNet.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models, nn, tensor, zeros } from '../../src/index.js';
import { save, saveBytes } from '../../src/io/index.js';

const home = mkdtempSync(join(tmpdir(), 'wr-torch-home-'));
const prevHome = process.env.TORCH_HOME;
let server: Server;
let base = '';
const payload = saveBytes({ w: tensor([1, 2, 3]) }, 'pth');
const sha = createHash('sha256').update(payload).digest('hex');
let requests = 0;

beforeAll(async () => {
  process.env.TORCH_HOME = home;
  server = createServer((req, res) => {
    requests++;
    if (req.url?.startsWith('/tiny-')) {
      res.writeHead(200, { 'content-length': payload.length });
      res.end(payload);
    } else if (req.url?.startsWith('/cut-')) {
      // a dropped connection: headers promise the whole file, the socket closes after 10 bytes
      res.writeHead(200, { 'content-length': payload.length });
      res.write(payload.subarray(0, 10), () => res.socket?.destroy());
    } else {
      res.writeHead(404);
      res.end('no');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(() => {
  server.close();
  if (prevHome === undefined) delete process.env.TORCH_HOME;
  else process.env.TORCH_HOME = prevHome;
  rmSync(home, { recursive: true, force: true });
});

const info = (file: string, prefix: string | null = sha.slice(0, 8)): models.WeightsInfo => ({
  ...models.weightsInfo('resnet18'),
  arch: 'tiny',
  file,
  url: `${base}/${file}`,
  sha256Prefix: prefix,
});

describe('torchvision weights metadata', () => {
  it('names, files, URLs and preprocessing', () => {
    const w = models.weightsInfo('resnet18');
    expect(w.name).toBe('IMAGENET1K_V1');
    expect(w.file).toBe('resnet18-f37072fd.pth');
    expect(w.url).toBe('https://download.pytorch.org/models/resnet18-f37072fd.pth');
    expect(w.sha256Prefix).toBe('f37072fd');
    expect([w.resize, w.crop]).toEqual([256, 224]);
    expect(w.mean).toEqual([0.485, 0.456, 0.406]);
    expect(w.acc1).toBeCloseTo(69.758);
    expect(models.weightsInfo('resnet50').name).toBe('IMAGENET1K_V2');
    expect(models.weightsInfo('resnet50', 'ResNet50_Weights.IMAGENET1K_V1').name).toBe('IMAGENET1K_V1');
    expect(models.listWeights().length).toBeGreaterThanOrEqual(40);
    expect(models.imagenetClasses()).toHaveLength(1000);
    expect(models.imagenetClasses()[0]).toBe('tench');
    expect(() => models.weightsInfo('resnet18', 'IMAGENET9K')).toThrow(
      /not a weights name of resnet18; available: DEFAULT, IMAGENET1K_V1/,
    );
    expect(() => models.weightsInfo('simple_cnn')).toThrow(/no pretrained weights for 'simple_cnn'/);
  });
  it('the cache follows TORCH_HOME', () => {
    expect(models.checkpointsDir()).toBe(join(home, 'hub', 'checkpoints'));
  });
});

describe('download', () => {
  it('downloads into the cache, checks the sha256 prefix, reuses the cached file', async () => {
    const i = info(`tiny-${sha.slice(0, 8)}.pth`);
    const file = await models.resolveWeightsFile(i, { progress: false });
    expect(file).toBe(join(models.checkpointsDir(), i.file));
    const n = requests;
    expect(await models.resolveWeightsFile(i, { progress: false })).toBe(file);
    expect(requests).toBe(n);
  });
  it('a checksum mismatch keeps no file', async () => {
    const i = info('tiny-deadbeef.pth', 'deadbeef');
    await expect(models.resolveWeightsFile(i, { progress: false })).rejects.toThrow(
      /checksum mismatch .* does not start with deadbeef/,
    );
    expect(existsSync(join(models.checkpointsDir(), i.file))).toBe(false);
    expect(readdirSync(models.checkpointsDir()).filter((f) => f.endsWith('.part'))).toEqual([]);
  });
  it('HTTP errors, truncation and unreachable hosts name the file and the folder', async () => {
    await expect(
      models.resolveWeightsFile(info('missing-00000000.pth'), { progress: false }),
    ).rejects.toThrow(
      new RegExp(`HTTP 404.*put it at .*missing-00000000.pth \\(folder ${models.checkpointsDir()}\\)`),
    );
    await expect(
      models.resolveWeightsFile(info('cut-00000000.pth', null), { progress: false }),
    ).rejects.toThrow(/could not download/);
    const off = { ...info('x-00000000.pth'), url: 'http://127.0.0.1:9/x-00000000.pth' };
    await expect(models.resolveWeightsFile(off, { progress: false })).rejects.toThrow(
      /could not download http:\/\/127.0.0.1:9\/x-00000000.pth/,
    );
    await expect(models.resolveWeightsFile(info('never-00000000.pth'), { download: false })).rejects.toThrow(
      /is not in .*checkpoints/,
    );
  });
});

describe('pretrained models from the torch.hub cache', () => {
  it('models.resnet18({ weights }) loads the cached torchvision file; replaceHead/freeze for transfer', async () => {
    const src = models.resnet18();
    mkdirSync(models.checkpointsDir(), { recursive: true });
    await save(src.stateDict(), join(models.checkpointsDir(), 'resnet18-f37072fd.pth'));
    const m = models.resnet18({ weights: 'IMAGENET1K_V1' });
    expect(m.fc.forward(zeros([1, 512])).shape).toEqual([1, 1000]);
    expect(m.conv1.weight.toArray()).toEqual(src.conv1.weight.toArray());
    expect(
      models.get('resnet18', { weights: 'DEFAULT' }).stateDict()['layer4.1.bn2.weight']!.toArray(),
    ).toEqual(src.stateDict()['layer4.1.bn2.weight']!.toArray());
    expect(() => models.resnet34({ weights: 'DEFAULT' })).toThrow(
      /resnet34-b627a593.pth .* is not in .*checkpoints.*models.pretrained\('resnet34'/,
    );
    expect(() => models.resnet18({ weights: 'DEFAULT', numClasses: 10 })).toThrow(
      /numClasses 10 does not match the 1000 classes/,
    );

    const head = models.replaceHead(m, 10);
    expect(head).toBeInstanceOf(nn.Linear);
    expect(m.fc).toBe(head);
    expect(m.stateDict()['fc.weight']!.shape).toEqual([10, 512]);
    const frozen = models.freeze(m, { upTo: 'layer3', arch: 'resnet18' });
    expect(frozen[0]).toBe('conv1.weight');
    expect(frozen.some((n) => n.startsWith('layer4'))).toBe(false);
    const s = models.parameterSummary(m);
    expect(s.total).toBe(11181642);
    expect(s.trainable).toBe(8393728 + 5130);
    m.train();
    expect(m.layer3.training).toBe(true);
    expect((m.layer3.at(0) as unknown as { bn1: nn.BatchNorm2d }).bn1.training).toBe(false);
    expect((m.layer4.at(0) as unknown as { bn1: nn.BatchNorm2d }).bn1.training).toBe(true);
    const groups = models.discriminativeGroups(m, 0.01, { arch: 'resnet18' });
    expect(groups.map((g) => [g.name, g.lr, g.params.length])).toEqual([
      ['backbone', 0.001, 15],
      ['head', 0.01, 2],
    ]);
    const out = m.forward(zeros([2, 3, 32, 32]));
    expect(out.shape).toEqual([2, 10]);
    out.sum().backward();
    expect(m.conv1.weight.grad).toBeNull();
    expect((m.fc as nn.Linear).weight.grad).not.toBeNull();
    expect(() => models.freeze(m, { upTo: 'layer9', arch: 'resnet18' })).toThrow(
      /unknown stage 'layer9'; stages: conv1, bn1, layer1/,
    );
  });
});
