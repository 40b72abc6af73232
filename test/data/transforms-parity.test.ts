// Transforms against torchvision 0.14 / Pillow 9.4 (fixtures from scripts/fixtures/data.py): resize, crops, pad,
// rotate, colour ops, normalize, and the random parameters each seed draws.
import { describe, it, expect, beforeAll } from 'vitest';
import { fileURLToPath } from 'node:url';
import { Generator, Image, Tensor, datasets, transforms as T } from '../../src/index.js';
import { countDiff, fx, fxTensor, maxDiff, pilImage, FIXTURE_DIR } from './fixture.js';

const F = T.functional;
let img: Image;
let xf: Tensor;
let xu: Tensor;

beforeAll(async () => {
  img = await datasets.decodeImage(fileURLToPath(new URL('sample.png', FIXTURE_DIR)));
  xf = T.toTensor()(img);
  xu = T.pilToTensor()(img);
});

describe('decoding', () => {
  it('decodes the PNG fixture exactly as PIL', () => {
    expect(img.data).toEqual(pilImage(fx.input).data);
  });
  it('decodes china.jpg like PIL (libjpeg-turbo): sums and a window', async () => {
    const full = await datasets.decodeImage(
      fileURLToPath(new URL('../../../shared/data/sample-images/china.jpg', import.meta.url)),
    );
    expect([full.height, full.width, full.channels]).toEqual(fx.decode.size);
    const sums = [0, 0, 0];
    full.data.forEach((v, i) => (sums[i % 3]! += v));
    const win = new Uint8Array(16 * 16 * 3);
    for (let y = 0; y < 16; y++)
      win.set(
        full.data.subarray(((200 + y) * full.width + 300) * 3, ((200 + y) * full.width + 316) * 3),
        y * 48,
      );
    // identical decoders give identical bytes; allow a level for IDCT differences between builds
    expect(maxDiff(win, pilImage(fx.decode.window).data)).toBeLessThanOrEqual(1);
    expect(sums).toEqual(fx.decode.sums); // same libjpeg-turbo defaults (islow IDCT, fancy upsampling) as PIL
  });
});

describe('resize', () => {
  it('Image (PIL bilinear, antialiased) is bit-exact', () => {
    for (const c of fx.pil_resize) {
      const out = F.resize(img, c.size);
      const ref = pilImage(c.out);
      expect([out.height, out.width]).toEqual([ref.height, ref.width]);
      expect(countDiff(out.data, ref.data), `size ${c.size}`).toBe(0);
    }
  });
  it('Image nearest is bit-exact', () => {
    for (const c of fx.pil_resize_nearest)
      expect(countDiff(F.resize(img, c.size, { interpolation: 'nearest' }).data, pilImage(c.out).data)).toBe(
        0,
      );
  });
  it('float tensor, antialias on and off, within 2e-6', () => {
    for (const c of fx.tensor_resize) {
      const out = F.resize(xf, c.size, { antialias: c.antialias });
      const ref = fxTensor(c.out);
      expect(out.shape).toEqual(ref.shape);
      expect(maxDiff(out.data, ref.data), `size ${c.size} aa ${c.antialias}`).toBeLessThan(2e-6);
    }
  });
  it('uint8 tensor (float compute, round half even) within one level, almost all exact', () => {
    let diffs = 0;
    let total = 0;
    for (const c of fx.tensor_resize_u8) {
      const out = F.resize(xu, c.size, { antialias: c.antialias });
      const ref = fxTensor(c.out);
      expect(maxDiff(out.data, ref.data)).toBeLessThanOrEqual(1);
      diffs += countDiff(out.data, ref.data);
      total += ref.numel;
    }
    expect(diffs / total).toBeLessThan(0.002);
  });
  it('tensor nearest is exact', () => {
    for (const c of fx.tensor_resize_nearest)
      expect(countDiff(F.resize(xu, c.size, { interpolation: 'nearest' }).data, fxTensor(c.out).data)).toBe(
        0,
      );
  });
});

describe('crop, pad, rotate, flips', () => {
  it('centerCrop (incl. padding when larger) is exact', () => {
    for (const c of fx.center_crop) {
      const out = F.centerCrop(img, c.size);
      const ref = pilImage(c.out);
      expect([out.height, out.width]).toEqual([ref.height, ref.width]);
      expect(countDiff(out.data, ref.data)).toBe(0);
    }
  });
  it('pad in all four modes is exact', () => {
    for (const c of fx.pad) {
      const out = F.pad(xu, c.padding, 0, c.mode);
      expect(out.shape).toEqual(fxTensor(c.out).shape);
      expect(countDiff(out.data, fxTensor(c.out).data), c.mode).toBe(0);
    }
  });
  it("rotate follows PIL's fixed-point nearest walk exactly", () => {
    for (const c of fx.rotate)
      expect(countDiff(F.rotate(img, c.angle).data, pilImage(c.out).data), `angle ${c.angle}`).toBe(0);
  });
  it('hflip twice is the identity', () => {
    expect(F.hflip(F.hflip(img)).data).toEqual(img.data);
    expect(F.vflip(xf).data).not.toEqual(xf.data);
  });
});

describe('colour', () => {
  it('grayscale: PIL luma for Images, torchvision weights for tensors, exact', () => {
    expect(countDiff(F.rgbToGrayscale(img).data, pilImage(fx.grayscale_pil).data)).toBe(0);
    expect(countDiff(F.rgbToGrayscale(xu).data, fxTensor(fx.grayscale_tensor).data)).toBe(0);
  });
  it('adjust brightness/contrast/saturation/hue match functional_tensor (uint8 ±1, float 1e-6)', () => {
    const fns: Record<string, (x: Tensor, v: number) => Tensor> = {
      adjust_brightness: F.adjustBrightness,
      adjust_contrast: F.adjustContrast,
      adjust_saturation: F.adjustSaturation,
      adjust_hue: F.adjustHue,
    };
    for (const c of fx.adjust) {
      const u8 = fns[c.fn]!(xu, c.factor);
      expect(maxDiff(u8.data, fxTensor(c.u8).data), c.fn).toBeLessThanOrEqual(1);
      expect(countDiff(u8.data, fxTensor(c.u8).data) / u8.numel, c.fn).toBeLessThan(0.01);
      expect(maxDiff(fns[c.fn]!(xf, c.factor).data, fxTensor(c.f32).data), c.fn).toBeLessThan(1e-6);
    }
  });
  it('colorJitter draws order and factors as torchvision', () => {
    for (const c of fx.jitter) {
      const t = T.colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 });
      const u8 = t(xu, { generator: new Generator(c.seed) });
      expect(maxDiff(u8.data, fxTensor(c.u8).data), `seed ${c.seed}`).toBeLessThanOrEqual(1);
      const f32 = t(xf, { generator: new Generator(c.seed) });
      expect(maxDiff(f32.data, fxTensor(c.f32).data), `seed ${c.seed}`).toBeLessThan(1e-5);
    }
  });
  it('normalize', () => {
    const out = T.normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])(xf);
    expect(maxDiff(out.data, fxTensor(fx.normalize).data)).toBeLessThan(1e-6);
  });
});

describe('random parameters follow torch streams', () => {
  it('randomResizedCrop.get_params for 200 seeds (and the fallback)', () => {
    fx.rrc_params.forEach((p: number[], s: number) =>
      expect(
        T.randomResizedCropParams(31, 41, [0.08, 1], [3 / 4, 4 / 3], new Generator(s)),
        `seed ${s}`,
      ).toEqual(p),
    );
    fx.rrc_params_narrow.forEach((p: number[], s: number) =>
      expect(T.randomResizedCropParams(31, 41, [0.9, 1], [2.5, 3], new Generator(s))).toEqual(p),
    );
  });
  it('randomResizedCrop output', () => {
    const out = T.randomResizedCrop([20, 28])(img, { generator: new Generator(5) });
    expect(countDiff(out.data, pilImage(fx.rrc_out).data)).toBe(0);
  });
  it('randomCrop with padding, and its params', () => {
    const out = T.randomCrop(28, { padding: 4 })(img, { generator: new Generator(6) });
    expect(countDiff(out.data, pilImage(fx.random_crop_out).data)).toBe(0);
    fx.random_crop_params.forEach((p: number[], s: number) => {
      const g = new Generator(s);
      const crop = T.randomCrop([20, 30])(img, { generator: g });
      expect(crop.data).toEqual(F.crop(img, p[0]!, p[1]!, 20, 30).data);
    });
  });
  it('flips, rotations, erasing', () => {
    fx.hflip_draws.forEach((flip: boolean, s: number) => {
      const out = T.randomHorizontalFlip()(img, { generator: new Generator(s) });
      expect(out.data).toEqual((flip ? F.hflip(img) : img).data);
    });
    const out = T.randomRotation(25)(img, { generator: new Generator(8) });
    expect(countDiff(out.data, pilImage(fx.random_rotation_out).data)).toBe(0);
    for (const c of fx.erasing) {
      const e = T.randomErasing({ p: 0.7, value: c.value })(xf, { generator: new Generator(c.seed) });
      expect(maxDiff(e.data, fxTensor(c.out).data), `seed ${c.seed}`).toBeLessThan(1e-6);
    }
  });
});
