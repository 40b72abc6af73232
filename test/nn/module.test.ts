// Module semantics against torch fixtures: state_dict keys/order/shapes/dtypes, printed tree, forward in eval and
// train (with BatchNorm running-stat updates), load/save, freezing, traversal and error reporting.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manualSeed, nn, noGrad, tensor, zeros, type Tensor } from '../../src/index.js';
import { expectClose } from '../helpers/gradcheck.js';

interface FT {
  shape: number[];
  dtype: 'float32' | 'int64' | 'float64';
  data: number[];
}
const fx = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/nn.json'), 'utf8')) as {
  keys: string[];
  initStateDict: Record<string, FT>;
  repr: string;
  namedModules: string[];
  numParams: number;
  input: FT;
  evalOut: FT;
  trainOut: FT;
  afterTrainBuffers: Record<string, FT>;
};
const T = (f: FT) => tensor(f.data, { dtype: f.dtype }).reshape(f.shape);

class Net extends nn.Module {
  readonly features = this.registerModule(
    'features',
    new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }),
      new nn.BatchNorm2d(4),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(4, 8, 3, { stride: 2, bias: false }),
      new nn.BatchNorm2d(8, { momentum: null }),
      new nn.ReLU(),
      new nn.Dropout(0.0),
    ),
  );
  readonly pool = this.registerModule('pool', new nn.AdaptiveAvgPool2d(1));
  readonly classifier = this.registerModule(
    'classifier',
    new nn.Sequential(
      new nn.Flatten(),
      new nn.Linear(8, 16),
      new nn.GELU(),
      new nn.LayerNorm(16),
      new nn.Linear(16, 3),
    ),
  );
  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.pool.forward(this.features.forward(x)));
  }
}

function loadFixtureWeights(net: Net): void {
  const sd: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(fx.initStateDict)) sd[k] = T(v);
  net.loadStateDict(sd);
}

describe('Module against torch', () => {
  it('stateDict keys, order, shapes and dtypes equal torch', () => {
    const sd = new Net().stateDict();
    expect(Object.keys(sd)).toEqual(fx.keys);
    for (const k of fx.keys) {
      expect(sd[k]!.shape, k).toEqual(fx.initStateDict[k]!.shape);
      expect(sd[k]!.dtype, k).toBe(fx.initStateDict[k]!.dtype);
    }
  });
  it('prints the same tree as torch (class name aside)', () => {
    expect(new Net().toString()).toBe(fx.repr);
  });
  it('namedModules and parameter counts', () => {
    const net = new Net();
    expect([...net.namedModules()].map(([n]) => n)).toEqual(fx.namedModules);
    expect(net.numParameters()).toBe(fx.numParams);
    net.features.requiresGrad_(false);
    expect(net.numParameters({ trainableOnly: true })).toBe(16 * 8 + 16 + 32 + 16 * 3 + 3);
  });
  it('default initialisation draws the same numbers as torch after manualSeed(0)', () => {
    manualSeed(0);
    const sd = new Net().stateDict();
    for (const k of fx.keys) expectClose(sd[k]!, T(fx.initStateDict[k]!), 0, 0, k);
  });
  it('forward in eval and train mode, and the running statistics after one training step', () => {
    const net = new Net();
    loadFixtureWeights(net);
    const x = T(fx.input);
    net.eval();
    expectClose(
      noGrad(() => net.forward(x)),
      T(fx.evalOut),
      1e-5,
      1e-4,
      'eval out',
    );
    net.train();
    expectClose(net.forward(x), T(fx.trainOut), 1e-5, 1e-4, 'train out');
    const sd = net.stateDict();
    for (const [k, v] of Object.entries(fx.afterTrainBuffers)) expectClose(sd[k]!, T(v), 1e-6, 1e-5, k);
  });
});

describe('Module mechanics', () => {
  it('loadStateDict reports every problem at once; non-strict returns the key lists', () => {
    const net = new Net();
    const sd = net.stateDict();
    delete sd['classifier.4.weight'];
    sd['classifier.9.weight'] = zeros([1]);
    sd['features.0.weight'] = zeros([4, 2, 3, 3]);
    sd['features.1.num_batches_tracked'] = zeros([]);
    expect(() => net.loadStateDict(sd)).toThrow(
      'loadStateDict: missing [classifier.4.weight]; unexpected [classifier.9.weight]; features.0.weight: file [4, 2, 3, 3] vs model [4, 1, 3, 3]; features.1.num_batches_tracked: file float32 vs model int64',
    );
    const ok = new Net().stateDict();
    delete ok['classifier.4.bias'];
    ok['extra'] = zeros([1]);
    expect(net.loadStateDict(ok, { strict: false })).toEqual({
      missingKeys: ['classifier.4.bias'],
      unexpectedKeys: ['extra'],
    });
  });
  it('loads in place: registered tensors stay the same objects', () => {
    const net = new Net();
    const w = net.classifier.at(1) as nn.Linear;
    const before = w.weight;
    const src = new Net();
    net.loadStateDict(src.stateDict());
    expect(w.weight).toBe(before);
    expect(w.weight.toArray()).toEqual((src.classifier.at(1) as nn.Linear).weight.toArray());
  });
  it('train/eval propagate; zeroGrad; apply visits children first', () => {
    const net = new Net();
    net.eval();
    expect([...net.modules()].every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.features.at(1).training).toBe(true);
    const x = zeros([2, 1, 10, 10]);
    net.forward(x).sum().backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    const names: string[] = [];
    net.apply((m) => names.push(m.typeName));
    expect(names.at(-1)).toBe('Net');
    expect(names[0]).toBe('Conv2d');
  });
  it('freezing stops gradients; replacing the head for transfer learning', () => {
    const net = new Net();
    net.features.requiresGrad_(false);
    net.classifier.set(4, new nn.Linear(16, 5));
    expect(Object.keys(net.stateDict()).includes('classifier.4.weight')).toBe(true);
    expect(net.stateDict()['classifier.4.weight']!.shape).toEqual([5, 16]);
    const out = net.forward(zeros([2, 1, 10, 10]));
    expect(out.shape).toEqual([2, 5]);
    out.sum().backward();
    expect((net.features.at(0) as nn.Conv2d).weight.grad).toBeNull();
    expect((net.classifier.at(4) as nn.Linear).weight.grad).not.toBeNull();
  });
  it('buffers: persistent and not; shared parameters are listed once', () => {
    class M extends nn.Module {
      readonly a = this.registerParameter('a', zeros([2]));
      constructor() {
        super();
        this.registerBuffer('kept', zeros([1]));
        this.registerBuffer('scratch', zeros([1]), { persistent: false });
        const lin = new nn.Linear(2, 2);
        this.registerModule('l1', lin);
        this.registerModule('l2', lin);
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new M();
    expect(Object.keys(m.stateDict())).toEqual(['a', 'kept', 'l1.weight', 'l1.bias', 'l2.weight', 'l2.bias']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['kept', 'scratch']);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['a', 'l1.weight', 'l1.bias']);
    expect(() => m.registerBuffer('a', zeros([1]))).toThrow(/already a parameter/);
    expect(() => m.registerParameter('x.y', zeros([1]))).toThrow(/invalid name 'x.y'/);
  });
  it('layers validate their input', () => {
    expect(() => new nn.BatchNorm2d(3).forward(zeros([2, 4, 5, 5]))).toThrow(
      'BatchNorm2d: expected input [N, C, H, W] with C = 3, got [2, 4, 5, 5]',
    );
    expect(() => new nn.Conv2d(3, 4, 3, { groups: 2 })).toThrow(/divisible by groups/);
    expect(() => new nn.Linear(0, 2)).toThrow(/positive integer/);
    expect(() => new nn.Sequential(new nn.ReLU()).at(3)).toThrow(/out of range/);
  });
  it('ModuleList and ModuleDict register children with torch keys', () => {
    class M extends nn.Module {
      readonly blocks = this.registerModule(
        'blocks',
        new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]),
      );
      readonly heads = this.registerModule('heads', new nn.ModuleDict({ cls: new nn.Linear(2, 3) }));
      forward(x: Tensor): Tensor {
        for (const b of this.blocks) x = (b as nn.Linear).forward(x);
        return (this.heads.get('cls') as nn.Linear).forward(x);
      }
    }
    const m = new M();
    expect(Object.keys(m.stateDict())).toEqual([
      'blocks.0.weight',
      'blocks.0.bias',
      'blocks.1.weight',
      'blocks.1.bias',
      'heads.cls.weight',
      'heads.cls.bias',
    ]);
    expect(m.forward(zeros([4, 2])).shape).toEqual([4, 3]);
  });
  it('loss modules match the functional forms', () => {
    const x = tensor([
      [1, 2, 3],
      [0.5, -1, 2],
    ]);
    const y = tensor([2, 0], { dtype: 'int64' });
    const w = tensor([1, 2, 0.5]);
    expect(new nn.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 }).forward(x, y).item()).toBe(
      nn.functional.crossEntropy(x, y, { weight: w, labelSmoothing: 0.1 }).item(),
    );
    expect(new nn.MSELoss().forward(x, x.mul(2)).item()).toBeCloseTo(
      nn.functional.mseLoss(x, x.mul(2)).item(),
      6,
    );
    expect(Object.keys(new nn.CrossEntropyLoss({ weight: w }).stateDict())).toEqual(['weight']);
  });
});
