// Finite-difference gradient checks (float64) for every differentiable op, incl. broadcasting, keepdim,
// stride/padding/dilation/groups and ceilMode.
import { describe, it } from 'vitest';
import * as wr from '../../src/index.js';
import { nn, tensor, type Tensor } from '../../src/index.js';
import { gradcheck, prand } from '../helpers/gradcheck.js';

const F = nn.functional;
const P = (shape: number[], seed = 1, spread = 1) => prand(shape, seed, { spread });
const Pos = (shape: number[], seed = 1) => prand(shape, seed, { positive: true });
const long = (v: number[], shape?: number[]) => tensor(v, { dtype: 'int64' }).reshape(shape ?? [v.length]);

describe('gradcheck: broadcasting binary ops', () => {
  const cases: [string, (a: Tensor, b: Tensor) => Tensor][] = [
    ['add', (a, b) => a.add(b)],
    ['sub', (a, b) => a.sub(b)],
    ['mul', (a, b) => a.mul(b)],
    ['div', (a, b) => a.div(b.abs().add(0.5))],
    ['pow', (a, b) => a.abs().add(0.5).pow(b)],
    ['maximum', (a, b) => a.maximum(b)],
    ['minimum', (a, b) => a.minimum(b)],
  ];
  for (const [name, f] of cases) {
    it(name, () => {
      gradcheck(`${name} same`, f, [P([2, 3], 1), P([2, 3], 2)]);
      gradcheck(`${name} [3,1,4]x[2,1]`, f, [P([3, 1, 4], 3), P([2, 1], 4)]);
      gradcheck(`${name} scalar-tensor`, f, [P([2, 3], 5), P([], 6)]);
    });
  }
  it('scalar operands and alpha', () => {
    gradcheck('add scalar', (a) => a.add(2).mul(3).sub(1).div(4).pow(2), [P([3, 2])]);
    gradcheck('add alpha', (a, b) => a.add(b, { alpha: -2.5 }), [P([3]), P([3], 2)]);
    gradcheck('rsub', (a) => wr.sub(1, a), [P([4])]);
    gradcheck('rdiv', (a) => wr.div(1, a.abs().add(1)), [P([4])]);
  });
});

describe('gradcheck: unary ops and activations', () => {
  const unary: [string, (x: Tensor) => Tensor, (s: number[]) => Tensor][] = [
    ['neg', (x) => x.neg(), P],
    ['abs', (x) => x.abs(), P],
    ['exp', (x) => x.exp(), P],
    ['log', (x) => x.log(), Pos],
    ['sqrt', (x) => x.sqrt(), Pos],
    ['rsqrt', (x) => x.rsqrt(), Pos],
    ['square', (x) => x.square(), P],
    ['sigmoid', (x) => x.sigmoid(), (s) => P(s, 1, 4)],
    ['tanh', (x) => x.tanh(), (s) => P(s, 1, 3)],
    ['relu', (x) => x.relu(), P],
    ['leakyRelu', (x) => x.leakyRelu(0.2), P],
    ['gelu', (x) => x.gelu(), (s) => P(s, 1, 4)],
    ['gelu tanh', (x) => x.gelu({ approximate: 'tanh' }), (s) => P(s, 1, 4)],
    ['silu', (x) => x.silu(), (s) => P(s, 1, 4)],
    ['hardswish', (x) => x.hardswish(), (s) => P(s, 3, 5)],
    ['hardsigmoid', (x) => x.hardsigmoid(), (s) => P(s, 3, 5)],
    ['relu6', (x) => wr.nn.functional.relu6(x.mul(8)), (s) => P(s, 1)],
    ['softplus', (x) => wr.nn.functional.softplus(x), (s) => P(s, 1, 3)],
    ['clamp', (x) => x.clamp(-0.3, 0.5), P],
    ['clamp min only', (x) => x.clamp(-0.3), P],
    ['clamp max only', (x) => x.clamp(null, 0.2), P],
    ['log1p', (x) => wr.log1p(x), Pos],
    ['expm1', (x) => wr.expm1(x), P],
    ['sin', (x) => wr.sin(x), P],
    ['cos', (x) => wr.cos(x), P],
    ['reciprocal', (x) => wr.reciprocal(x), Pos],
    ['where', (x) => wr.where(x.gt(0), x.mul(2), x.exp()), P],
    ['clone', (x) => x.clone().mul(x), P],
  ];
  for (const [name, f, make] of unary) it(name, () => gradcheck(name, f, [make([3, 4])]));
  it('hardswish derivative at the kinks matches torch hardswish_backward (-0.5 at -3, 1.5 at +3)', () => {
    const x = tensor([-3, 3], { dtype: 'float64', requiresGrad: true });
    x.hardswish().sum().backward();
    if (x.grad!.data[0] !== -0.5 || x.grad!.data[1] !== 1.5) {
      throw new Error(`hardswish grads at ±3: ${x.grad!.toArray()}`);
    }
  });
});

describe('gradcheck: reductions', () => {
  const x = () => P([2, 3, 4], 11);
  it('sum / mean over dims with keepdim', () => {
    gradcheck('sum all', (a) => a.sum(), [x()]);
    gradcheck('sum dim 1', (a) => a.sum(1), [x()]);
    gradcheck('sum dims [0,2] keepdim', (a) => a.sum([0, 2], true), [x()]);
    gradcheck('mean -1', (a) => a.mean(-1), [x()]);
    gradcheck('mean [0,1] keepdim', (a) => a.mean([0, 1], true), [x()]);
  });
  it('var / std with corrections', () => {
    gradcheck('var all', (a) => a.var(), [x()]);
    gradcheck('var dim 1 keepdim', (a) => a.var(1, { keepdim: true }), [x()]);
    gradcheck('var correction 0', (a) => a.var([0, 2], { correction: 0 }), [x()]);
    gradcheck('std dim 2', (a) => a.std(2), [x()]);
  });
  it('amax / amin / max(dim) / min(dim) / logsumexp', () => {
    gradcheck('amax all', (a) => a.amax(), [x()]);
    gradcheck('amax dim', (a) => a.amax(1, true), [x()]);
    gradcheck('amin dims', (a) => a.amin([0, 2]), [x()]);
    gradcheck('max dim values', (a) => a.max(2).values, [x()]);
    gradcheck('max dim keepdim', (a) => a.max(0, true).values, [x()]);
    gradcheck('min dim values', (a) => a.min(1).values, [x()]);
    gradcheck('max all', (a) => a.max(), [x()]);
    gradcheck('logsumexp', (a) => a.logsumexp(1), [x()]);
    gradcheck('logsumexp keepdim', (a) => a.logsumexp([0, 2], true), [x()]);
  });
  it('ties split the gradient like torch (amax)', () => {
    const t = tensor([1, 3, 3], { dtype: 'float64', requiresGrad: true });
    t.amax().backward();
    if (t.grad!.toArray().toString() !== '0,0.5,0.5') throw new Error(`amax tie grads ${t.grad!.toArray()}`);
  });
});

describe('gradcheck: shape and indexing ops', () => {
  const x = () => P([2, 3, 4], 21);
  it('reshape/view/flatten/unsqueeze/squeeze', () => {
    gradcheck('reshape', (a) => a.reshape([4, -1]).mul(P([4, 6], 3)), [x()]);
    gradcheck('flatten', (a) => a.flatten(1).mul(P([2, 12], 3)), [x()]);
    gradcheck(
      'unsqueeze/squeeze',
      (a) =>
        a
          .unsqueeze(1)
          .mul(P([2, 1, 3, 4], 4))
          .squeeze(1),
      [x()],
    );
  });
  it('permute/transpose/expand', () => {
    gradcheck('permute', (a) => a.permute([2, 0, 1]).mul(P([4, 2, 3], 5)), [x()]);
    gradcheck('transpose', (a) => a.transpose(0, 2), [x()]);
    gradcheck('expand', (a) => a.expand([5, 2, 3, 4]).mul(P([5, 2, 3, 4], 6)), [x()]);
    gradcheck('expand -1 and 1', (a) => a.expand([3, -1, 4]), [P([1, 2, 1], 7)]);
  });
  it('cat/stack/split/chunk/narrow/slice', () => {
    gradcheck('cat dim 1', (a, b) => wr.cat([a, b, a], 1), [P([2, 3]), P([2, 1], 2)]);
    gradcheck('stack dim -1', (a, b) => wr.stack([a, b], -1), [P([2, 3]), P([2, 3], 2)]);
    gradcheck(
      'split sizes',
      (a) => {
        const [p, q] = a.split([1, 3], 2);
        return p!.mul(2).sum().add(q!.mul(q!).sum());
      },
      [x()],
    );
    gradcheck('chunk', (a) => a.chunk(2, 1)[1]!.mul(3), [x()]);
    gradcheck('narrow', (a) => a.narrow(2, 1, 2), [x()]);
    gradcheck('slice step', (a) => a.slice(2, 0, 4, 2).mul(a.slice(2, 1, null, 2)), [x()]);
    gradcheck('slice negative', (a) => a.slice(-1, -3, -1), [x()]);
  });
  it('indexSelect/gather (with repeated indices)', () => {
    gradcheck('indexSelect', (a) => a.indexSelect(1, long([2, 0, 2])), [x()]);
    gradcheck('gather', (a) => a.gather(2, long([0, 3, 3, 1, 2, 0, 1, 1, 0, 3, 2, 2], [2, 3, 2])), [x()]);
  });
  it('pad, incl. negative (crop)', () => {
    gradcheck('pad', (a) => wr.pad(a, [1, 2, 0, 1], { value: 0.5 }), [x()]);
    gradcheck('pad crop', (a) => wr.pad(a, [-1, 1]), [x()]);
  });
});

describe('gradcheck: matmul', () => {
  it('all torch.matmul forms', () => {
    gradcheck('dot', (a, b) => a.matmul(b), [P([4]), P([4], 2)]);
    gradcheck('mv', (a, b) => a.matmul(b), [P([3, 4]), P([4], 2)]);
    gradcheck('vm', (a, b) => a.matmul(b), [P([4]), P([4, 2], 2)]);
    gradcheck('mm', (a, b) => a.matmul(b), [P([3, 4]), P([4, 5], 2)]);
    gradcheck('bmm broadcast', (a, b) => a.matmul(b), [P([2, 1, 3, 4]), P([5, 4, 2], 2)]);
    gradcheck('3d @ 2d', (a, b) => a.matmul(b), [P([2, 3, 4]), P([4, 2], 2)]);
    gradcheck('1d @ 3d', (a, b) => a.matmul(b), [P([4]), P([2, 4, 3], 2)]);
  });
});

describe('gradcheck: nn.functional', () => {
  it('linear', () => {
    gradcheck('linear', (x, w, b) => F.linear(x, w, b), [P([3, 4]), P([5, 4], 2), P([5], 3)]);
    gradcheck('linear 3d no bias', (x, w) => F.linear(x, w), [P([2, 3, 4]), P([5, 4], 2)]);
  });
  it('conv2d: stride, padding, dilation, groups, depthwise, same', () => {
    const cases: [string, number[], number[], F2][] = [
      ['plain', [2, 3, 5, 5], [4, 3, 3, 3], {}],
      ['stride 2 pad 1', [1, 2, 6, 5], [3, 2, 3, 3], { stride: 2, padding: 1 }],
      ['asym stride/pad', [1, 2, 6, 7], [2, 2, 3, 2], { stride: [2, 1], padding: [1, 0] }],
      ['dilation 2', [1, 2, 7, 7], [2, 2, 3, 3], { dilation: 2, padding: 2 }],
      ['groups 2', [2, 4, 5, 5], [6, 2, 3, 3], { groups: 2, padding: 1 }],
      ['depthwise', [1, 3, 5, 5], [3, 1, 3, 3], { groups: 3, stride: 2, padding: 1 }],
      ['same even kernel', [1, 2, 5, 5], [2, 2, 4, 4], { padding: 'same' }],
      ['same dilated', [1, 2, 6, 6], [2, 2, 3, 3], { padding: 'same', dilation: 2 }],
      ['1x1', [2, 3, 3, 3], [4, 3, 1, 1], {}],
    ];
    for (const [name, xs, ws, o] of cases) {
      gradcheck(`conv2d ${name}`, (x, w, b) => F.conv2d(x, w, b, o), [P(xs, 1), P(ws, 2), P([ws[0]!], 3)]);
    }
    gradcheck('conv2d no bias', (x, w) => F.conv2d(x, w, null, { padding: 1 }), [
      P([1, 2, 4, 4]),
      P([3, 2, 3, 3], 2),
    ]);
  });
  it('maxPool2d: stride, padding, dilation, ceilMode', () => {
    const x = () => P([2, 2, 7, 6], 31);
    gradcheck('maxpool 2', (a) => F.maxPool2d(a, 2), [x()]);
    gradcheck('maxpool 3 s2 p1', (a) => F.maxPool2d(a, 3, { stride: 2, padding: 1 }), [x()]);
    gradcheck('maxpool ceil', (a) => F.maxPool2d(a, 2, { ceilMode: true }), [x()]);
    gradcheck('maxpool dilation', (a) => F.maxPool2d(a, 2, { dilation: 2, stride: 1 }), [x()]);
    gradcheck('maxpool 3d input', (a) => F.maxPool2d(a, [2, 3]), [P([2, 5, 6], 3)]);
  });
  it('avgPool2d: countIncludePad, ceilMode, divisorOverride', () => {
    const x = () => P([1, 2, 7, 6], 41);
    gradcheck('avgpool 2', (a) => F.avgPool2d(a, 2), [x()]);
    gradcheck('avgpool pad incl', (a) => F.avgPool2d(a, 3, { stride: 2, padding: 1 }), [x()]);
    gradcheck(
      'avgpool pad excl',
      (a) => F.avgPool2d(a, 3, { stride: 2, padding: 1, countIncludePad: false }),
      [x()],
    );
    gradcheck('avgpool ceil', (a) => F.avgPool2d(a, 2, { ceilMode: true, padding: 1 }), [x()]);
    gradcheck('avgpool divisor', (a) => F.avgPool2d(a, 2, { divisorOverride: 3 }), [x()]);
  });
  it('adaptiveAvgPool2d', () => {
    gradcheck('adaptive 3x2', (a) => F.adaptiveAvgPool2d(a, [3, 2]), [P([2, 2, 7, 5])]);
    gradcheck('adaptive 1', (a) => F.adaptiveAvgPool2d(a, 1), [P([2, 2, 4, 3])]);
    gradcheck('adaptive upsample', (a) => F.adaptiveAvgPool2d(a, [5, null]), [P([1, 1, 3, 3])]);
  });
  it('batchNorm (train and eval) and layerNorm', () => {
    const c = 3;
    gradcheck('bn train', (x, w, b) => F.batchNorm(x, null, null, w, b, { training: true }), [
      P([4, c, 3, 2]),
      P([c], 2),
      P([c], 3),
    ]);
    gradcheck('bn train 2d input', (x, w, b) => F.batchNorm(x, null, null, w, b, { training: true }), [
      P([5, c]),
      P([c], 2),
      P([c], 3),
    ]);
    const rm = P([c], 4);
    const rv = prand([c], 5, { positive: true });
    gradcheck('bn eval', (x, w, b) => F.batchNorm(x, rm, rv, w, b, { training: false }), [
      P([2, c, 3, 3]),
      P([c], 2),
      P([c], 3),
    ]);
    gradcheck('layerNorm', (x, w, b) => F.layerNorm(x, [3, 4], w, b), [
      P([2, 3, 4]),
      P([3, 4], 2),
      P([3, 4], 3),
    ]);
  });
  it('dropout / dropout2d (fixed mask via the generator)', () => {
    const g = () => new wr.Generator(3);
    gradcheck('dropout', (x) => F.dropout(x, 0.4, { generator: g() }), [P([4, 5])]);
    gradcheck('dropout2d', (x) => F.dropout2d(x, 0.5, { generator: g() }), [P([2, 3, 2, 2])]);
  });
  it('softmax / logSoftmax over any dim', () => {
    gradcheck('softmax -1', (x) => x.softmax(-1), [P([3, 4], 1, 3)]);
    gradcheck('softmax 1 of 3d', (x) => x.softmax(1), [P([2, 3, 4], 1, 3)]);
    gradcheck('logSoftmax 0', (x) => x.logSoftmax(0), [P([3, 4], 1, 3)]);
  });
  it('losses', () => {
    const target = long([1, 0, 3, 2, 1]);
    const w = prand([4], 9, { positive: true });
    gradcheck('crossEntropy', (x) => F.crossEntropy(x, target), [P([5, 4], 1, 3)]);
    gradcheck(
      'crossEntropy ls+w+ignore',
      (x) => F.crossEntropy(x, long([1, -100, 3, 2, 1]), { labelSmoothing: 0.1, weight: w }),
      [P([5, 4], 1, 3)],
    );
    gradcheck(
      'crossEntropy sum ls',
      (x) => F.crossEntropy(x, target, { labelSmoothing: 0.2, reduction: 'sum' }),
      [P([5, 4], 2, 3)],
    );
    gradcheck(
      'crossEntropy none spatial',
      (x) => F.crossEntropy(x, long([0, 2, 1, 1, 0, 2], [2, 3]), { reduction: 'none' }),
      [P([2, 3, 3], 2, 3)],
    );
    gradcheck('crossEntropy probs', (x, t) => F.crossEntropy(x, t.softmax(1), { labelSmoothing: 0.1 }), [
      P([3, 4], 3, 3),
      P([3, 4], 4),
    ]);
    gradcheck('nllLoss weighted', (x) => F.nllLoss(x.logSoftmax(1), target, { weight: w }), [
      P([5, 4], 1, 3),
    ]);
    gradcheck('mseLoss', (x, t) => F.mseLoss(x, t), [P([3, 4]), P([3, 4], 2)]);
    gradcheck('l1Loss sum', (x, t) => F.l1Loss(x, t, { reduction: 'sum' }), [P([3, 4]), P([3, 4], 2)]);
    gradcheck('smoothL1Loss', (x, t) => F.smoothL1Loss(x, t, { beta: 0.5 }), [P([3, 4]), P([3, 4], 2)]);
    gradcheck('bce logits', (x, t) => F.binaryCrossEntropyWithLogits(x, t.sigmoid()), [
      P([3, 4], 1, 4),
      P([3, 4], 2),
    ]);
    gradcheck(
      'bce logits posWeight',
      (x) =>
        F.binaryCrossEntropyWithLogits(x, prand([3, 4], 3, { positive: true }).clamp(0, 1), {
          posWeight: prand([4], 4, { positive: true }),
          weight: prand([3, 4], 5, { positive: true }),
        }),
      [P([3, 4], 1, 4)],
    );
  });
});

type F2 = Parameters<typeof F.conv2d>[3];
