// Tensor creation, dtypes, promotion, read-out, printing and error messages.
import { describe, expect, it } from 'vitest';
import * as wr from '../../src/index.js';
import { arange, eye, full, linspace, ones, tensor, zeros, Tensor } from '../../src/index.js';

describe('creation', () => {
  it('tensor() from nested arrays, booleans and typed arrays', () => {
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('float32');
    expect(a.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor([true, false]).toArray()).toEqual([true, false]);
    expect(tensor([1.7, -1.7], { dtype: 'int64' }).toArray()).toEqual([1, -1]);
    expect(tensor(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] }).dtype).toBe('float64');
    expect(tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(tensor(new BigInt64Array([5n, -7n])).toArray()).toEqual([5, -7]);
    expect(tensor(3.5).shape).toEqual([]);
    expect(tensor(3.5).item()).toBe(3.5);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([300, -1], { dtype: 'uint8' }).toArray()).toEqual([44, 255]);
  });
  it('tensor() copies its input', () => {
    const src = new Float32Array([1, 2]);
    const t = tensor(src);
    src[0] = 9;
    expect(t.toArray()).toEqual([1, 2]);
  });
  it('rejects ragged arrays and bad elements with the path', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged nested array at \[1\]: expected 2 elements, got 1/);
    expect(() => tensor([[1, 2], 3] as never)).toThrow(/ragged/);
    expect(() => tensor(['a'] as never)).toThrow(/element at \[0\] is string/);
    expect(() => tensor(new Float32Array(5), { shape: [2, 2] })).toThrow(
      /5 elements do not fit shape \[2, 2\]/,
    );
    expect(() => zeros([2, -1])).toThrow(/invalid size -1/);
    expect(() => zeros([2], { dtype: 'float16' as never })).toThrow(/unknown dtype 'float16'/);
  });
  it('zeros/ones/full/arange/linspace/eye and *Like', () => {
    expect(zeros([2, 2]).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(ones([3], { dtype: 'int32' }).toArray()).toEqual([1, 1, 1]);
    expect(full([2], 7, { dtype: 'float64' }).toArray()).toEqual([7, 7]);
    expect(arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(5).dtype).toBe('int64');
    expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(1, 2, 0.25).dtype).toBe('float32');
    expect(() => arange(0, 5, -1)).toThrow(/cannot go/);
    expect(linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(-1, 1, 1).toArray()).toEqual([-1]);
    expect(eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    const x = tensor([[1, 2]], { dtype: 'float64' });
    expect(wr.zerosLike(x).dtype).toBe('float64');
    expect(wr.onesLike(x).shape).toEqual([1, 2]);
    expect(wr.fullLike(x, 3).toArray()).toEqual([[3, 3]]);
    expect(wr.randLike(x).shape).toEqual([1, 2]);
    expect(wr.randnLike(x).dtype).toBe('float64');
    expect(wr.randintLike(x, 0, 3).dtype).toBe('float64');
  });
  it('random creation is seeded and in range', () => {
    wr.manualSeed(0);
    const a = wr.rand([1000]);
    wr.manualSeed(0);
    const b = wr.rand([1000]);
    expect(a.toArray()).toEqual(b.toArray());
    expect(Math.min(...(a.data as Float32Array))).toBeGreaterThanOrEqual(0);
    expect(Math.max(...(a.data as Float32Array))).toBeLessThan(1);
    const r = wr.randint(-3, 4, [2000]);
    expect(r.dtype).toBe('int64');
    const vals = new Set(r.data);
    expect([...vals].sort((p, q) => p - q)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    const n = wr.randn([20000], { dtype: 'float64' });
    expect(Math.abs(n.mean().item())).toBeLessThan(0.03);
    expect(Math.abs(n.std().item() - 1)).toBeLessThan(0.03);
    expect([...wr.randperm(10).data].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(() => wr.randint(3, 3, [2])).toThrow(/low < high/);
    expect(() => wr.rand([2], { dtype: 'int64' })).toThrow(/float32 or float64/);
  });
});

describe('read-out', () => {
  it('item, size, numel, typedArray view shares memory', () => {
    const t = tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(t.numel).toBe(4);
    expect(t.size()).toEqual([2, 2]);
    expect(t.size(-1)).toBe(2);
    expect(() => t.item()).toThrow(/only one-element tensors/);
    expect(t.typedArray).toBeInstanceOf(Float32Array);
    expect(t.typedArray).toBe(t.data);
  });
  it('prints like PyTorch', () => {
    expect(tensor([1, 2.5]).toString()).toBe('tensor([1.0000, 2.5000])');
    expect(
      tensor([
        [1, 2],
        [3, 4],
      ]).toString(),
    ).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(tensor([1, 2], { dtype: 'int64' }).toString()).toBe('tensor([1, 2])');
    expect(tensor([1, 2], { dtype: 'int32' }).toString()).toBe('tensor([1, 2], dtype=torch.int32)');
    expect(tensor([true, false]).toString()).toBe('tensor([ True, False])');
    expect(tensor([1e-5, 1]).toString()).toBe('tensor([1.0000e-05, 1.0000e+00])');
    expect(tensor([1, 2], { requiresGrad: true }).toString()).toBe('tensor([1., 2.], requires_grad=True)');
    expect(tensor([1, 2], { requiresGrad: true }).mul(2).toString()).toBe('tensor([2., 4.], grad_fn=<mul>)');
    expect(tensor(3).toString()).toBe('tensor(3.)');
    expect(wr.arange(2000).toString()).toBe('tensor([   0,    1,    2,  ..., 1997, 1998, 1999])');
  });
});

describe('dtype promotion (torch rules)', () => {
  it('tensor op tensor and tensor op scalar', () => {
    const f32 = tensor([1, 2]);
    const f64 = tensor([1, 2], { dtype: 'float64' });
    const i64 = tensor([1, 2], { dtype: 'int64' });
    const b = tensor([true, false]);
    expect(f32.add(f64).dtype).toBe('float64');
    expect(i64.add(f32).dtype).toBe('float32');
    expect(i64.add(1).dtype).toBe('int64');
    expect(i64.add(1.5).dtype).toBe('float32');
    expect(i64.div(2).dtype).toBe('float32');
    expect(i64.div(2).toArray()).toEqual([0.5, 1]);
    expect(b.add(b).dtype).toBe('bool');
    expect(b.add(1).dtype).toBe('int64');
    expect(i64.exp().dtype).toBe('float32');
    expect(i64.neg().dtype).toBe('int64');
    expect(f32.gt(1).dtype).toBe('bool');
    expect(f32.to('int32').dtype).toBe('int32');
    expect(tensor([1.9, -1.9]).long().toArray()).toEqual([1, -1]);
  });
});

describe('errors name the op and the shapes', () => {
  it('broadcasting and shapes', () => {
    expect(() => wr.zeros([8, 64]).mul(wr.zeros([32]))).toThrow(
      'mul: shapes [8, 64] and [32] are not broadcastable (dim -1: 64 vs 32)',
    );
    expect(() => wr.zeros([2, 3]).reshape([4, 2])).toThrow(
      'reshape: shape [4, 2] is invalid for input of size 6',
    );
    expect(() => wr.zeros([2, 3]).sum(2)).toThrow(/sum: dim 2 is out of range for a tensor of 2 dims/);
    expect(() => wr.zeros([2, 3]).matmul(wr.zeros([2, 3]))).toThrow(
      'matmul: shapes [2, 3] and [2, 3] cannot be multiplied (2x3 and 2x3)',
    );
    expect(() => wr.cat([wr.zeros([2, 3]), wr.zeros([3, 3])], 1)).toThrow(
      /cat: tensors\[1\] has shape \[3, 3\]/,
    );
    expect(() => wr.zeros([2, 3]).indexSelect(1, tensor([3], { dtype: 'int64' }))).toThrow(
      /index 3 is out of bounds for dim 1 with size 3/,
    );
    expect(() => wr.zeros([2, 3]).indexSelect(1, tensor([1]))).toThrow(/index must be an integer tensor/);
    expect(() => wr.zeros([2]).permute([0, 0] as never)).toThrow(/permute/);
    expect(() => wr.zeros([2, 3]).expand([4, 3, 2])).toThrow(/expand/);
    expect(() => wr.mean(tensor([1, 2], { dtype: 'int64' }))).toThrow(
      /mean: input must be float32 or float64, got int64/,
    );
    expect(() => wr.pad(wr.zeros([2, 2]), [-3, 0])).toThrow(/negative/);
  });
  it('nn ops', () => {
    const F = wr.nn.functional;
    expect(() => F.conv2d(wr.zeros([8, 1, 224, 224]), wr.zeros([64, 3, 7, 7]))).toThrow(
      'conv2d: input must be [N, C, H, W] with C = 3 to match weight [64, 3, 7, 7]; got [8, 1, 224, 224]',
    );
    expect(() => F.conv2d(wr.zeros([1, 3, 2, 2]), wr.zeros([4, 3, 3, 3]))).toThrow(
      /smaller than the \(dilated\) kernel 3x3/,
    );
    expect(() => F.conv2d(wr.zeros([1, 3, 5, 5]), wr.zeros([4, 3, 3, 3]), null, { padding: -1 })).toThrow(
      /padding must be an integer >= 0/,
    );
    expect(() =>
      F.conv2d(wr.zeros([1, 3, 5, 5]), wr.zeros([4, 3, 3, 3]), null, { padding: 'same', stride: 2 }),
    ).toThrow(/'same'/);
    expect(() => F.maxPool2d(wr.zeros([1, 1, 2, 2]), 3)).toThrow(/too small for kernel 3/);
    expect(() => F.maxPool2d(wr.zeros([1, 1, 8, 8]), 2, { padding: 2 })).toThrow(
      /at most half of the kernel/,
    );
    expect(() => F.linear(wr.zeros([2, 5]), wr.zeros([3, 4]))).toThrow(
      'linear: input must be [..., 4] to match weight [3, 4]; got [2, 5]',
    );
    expect(() => F.crossEntropy(wr.zeros([2, 3]), tensor([0, 3], { dtype: 'int64' }))).toThrow(
      /target 3 is out of bounds for 3 classes/,
    );
    expect(() => F.crossEntropy(wr.zeros([2, 3]), tensor([0], { dtype: 'int64' }))).toThrow(
      /target \[1\] does not match input \[2, 3\]/,
    );
    expect(() => F.batchNorm(wr.zeros([1, 3]), null, null, null, null, { training: true })).toThrow(
      /more than 1 value per channel/,
    );
    expect(() => F.dropout(wr.zeros([2]), 1.5)).toThrow(/between 0 and 1/);
  });
});

describe('views and in-place', () => {
  it('reshape shares storage; in-place writes bump the shared version', () => {
    const a = wr.zeros([2, 3]);
    const v = a.reshape([3, 2]);
    expect(v.data).toBe(a.data);
    v.fill_(2);
    expect(a.toArray()).toEqual([
      [2, 2, 2],
      [2, 2, 2],
    ]);
    expect(a.version).toBe(1);
    a.add_(tensor([1, 2, 3]));
    expect(a.toArray()).toEqual([
      [3, 4, 5],
      [3, 4, 5],
    ]);
    a.mul_(2).sub_(1, { alpha: 2 }).div_(2);
    expect(a.toArray()).toEqual([
      [2, 3, 4],
      [2, 3, 4],
    ]);
    a.clamp_(2.5, 3.5).zero_();
    expect(a.sum().item()).toBe(0);
    expect(a).toBeInstanceOf(Tensor);
  });
});
