// Optimizer API behaviour: hyper-parameter errors naming the option, param groups, zeroGrad, skipped
// gradients, closures, loadStateDict checks, float64 parameters; scheduler errors and construction.
import { describe, expect, it } from 'vitest';
import { noGrad, optim, tensor, zeros } from '../../src/index.js';
import { expectClose } from './helpers.js';

const S = optim.lrScheduler;
const param = (v: number[] = [1, -2, 3]) => tensor(v).requiresGrad_();

describe('hyper-parameter errors name the option', () => {
  const p = () => [param()];
  const cases: [string, () => unknown, RegExp][] = [
    ['SGD lr < 0', () => new optim.SGD(p(), { lr: -0.1 }), /^SGD: lr must be a number >= 0, got -0\.1$/],
    ['SGD without lr', () => new optim.SGD(p()), /^SGD: lr is required/],
    ['SGD lr NaN', () => new optim.SGD(p(), { lr: NaN }), /SGD: lr must be a number >= 0, got NaN/],
    [
      'SGD momentum < 0',
      () => new optim.SGD(p(), { lr: 0.1, momentum: -0.9 }),
      /SGD: momentum must be a number >= 0/,
    ],
    [
      'SGD weightDecay < 0',
      () => new optim.SGD(p(), { lr: 0.1, weightDecay: -1 }),
      /SGD: weightDecay must be/,
    ],
    [
      'SGD nesterov without momentum',
      () => new optim.SGD(p(), { lr: 0.1, nesterov: true }),
      /SGD: nesterov needs momentum > 0 and dampening = 0/,
    ],
    [
      'SGD nesterov with dampening',
      () => new optim.SGD(p(), { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }),
      /dampening = 0, got momentum 0\.9 and dampening 0\.1/,
    ],
    [
      'Adam betas[0] = 1',
      () => new optim.Adam(p(), { betas: [1, 0.999] }),
      /^Adam: betas\[0\] must be a number in \[0, 1\), got 1$/,
    ],
    [
      'Adam betas[1] < 0',
      () => new optim.Adam(p(), { betas: [0.9, -0.1] }),
      /^Adam: betas\[1\] must be a number in \[0, 1\), got -0\.1$/,
    ],
    [
      'Adam betas not a pair',
      () => new optim.Adam(p(), { betas: [0.9] as never }),
      /Adam: betas must be a pair \[beta1, beta2\], got \[0\.9\]/,
    ],
    ['Adam eps < 0', () => new optim.Adam(p(), { eps: -1e-8 }), /Adam: eps must be a number >= 0/],
    ['Adam lr < 0', () => new optim.Adam(p(), { lr: -1 }), /Adam: lr must be a number >= 0, got -1/],
    [
      'Adam amsgrad not boolean',
      () => new optim.Adam(p(), { amsgrad: 1 as never }),
      /Adam: amsgrad must be true or false, got 1/,
    ],
    [
      'AdamW weightDecay < 0',
      () => new optim.AdamW(p(), { weightDecay: -0.01 }),
      /^AdamW: weightDecay must be a number >= 0/,
    ],
    [
      'AdamW betas',
      () => new optim.AdamW(p(), { betas: [0.9, 1] }),
      /^AdamW: betas\[1\] must be a number in \[0, 1\)/,
    ],
    [
      'RMSprop alpha < 0',
      () => new optim.RMSprop(p(), { alpha: -0.5 }),
      /RMSprop: alpha must be a number >= 0/,
    ],
    ['RMSprop momentum < 0', () => new optim.RMSprop(p(), { momentum: -0.5 }), /RMSprop: momentum must be/],
    [
      'Adagrad lrDecay < 0',
      () => new optim.Adagrad(p(), { lrDecay: -1 }),
      /Adagrad: lrDecay must be a number >= 0/,
    ],
    [
      'Adagrad initialAccumulatorValue < 0',
      () => new optim.Adagrad(p(), { initialAccumulatorValue: -1 }),
      /Adagrad: initialAccumulatorValue must be/,
    ],
    [
      'per-group lr',
      () => new optim.SGD([{ params: p(), lr: -1 }], { lr: 0.1 }),
      /SGD: lr must be a number >= 0, got -1/,
    ],
    [
      'torch spelling in a group',
      () => new optim.SGD([{ params: p(), weight_decay: 0.1 }], { lr: 0.1 }),
      /SGD: unknown option 'weight_decay' in a param group; did you mean 'weightDecay'\?/,
    ],
    [
      'torch spelling of an option',
      () => new optim.SGD(p(), { lr: 0.1, weight_decay: 0.1 } as never),
      /^SGD: unknown option 'weight_decay' \(did you mean 'weightDecay'\?\); the options are lr, momentum, dampening, weightDecay, nesterov, maximize$/,
    ],
    ['empty parameter list', () => new optim.SGD([], { lr: 0.1 }), /SGD: got an empty parameter list/],
    [
      'a single tensor',
      () => new optim.SGD(param() as never, { lr: 0.1 }),
      /SGD: params must be an iterable .* single Tensor \(wrap it in an array\)/,
    ],
    [
      'a non-leaf',
      () => new optim.SGD([param().mul(2)], { lr: 0.1 }),
      /SGD: can't optimize a non-leaf Tensor \(params\[0\], shape \[3\]\)/,
    ],
    [
      'an integer tensor',
      () => new optim.SGD([tensor([1, 2], { dtype: 'int64' })], { lr: 0.1 }),
      /SGD: can only optimize floating-point tensors, but params\[0\] is int64/,
    ],
    [
      'a non-tensor',
      () => new optim.SGD([{ params: [3] as never }], { lr: 0.1 }),
      /SGD: can only optimize Tensors, but params\[0\] is 3/,
    ],
  ];
  for (const [name, fn, re] of cases) it(name, () => expect(fn).toThrow(re));

  it('a parameter in two groups', () => {
    const w = param();
    expect(() => new optim.SGD([{ params: [w] }, { params: [w] }], { lr: 0.1 })).toThrow(
      /SGD: some parameters appear in more than one parameter group/,
    );
    expect(() => new optim.SGD([w, w], { lr: 0.1 })).toThrow(/params\[1\] appears twice/);
  });
});

describe('param groups, zeroGrad, step', () => {
  it('groups take the defaults unless they override them; addParamGroup adds one', () => {
    const [a, b, c] = [param(), param(), param()];
    const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 0.01, momentum: 0.5 }], {
      lr: 0.1,
      momentum: 0.9,
    });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum])).toEqual([
      [0.1, 0.9],
      [0.01, 0.5],
    ]);
    opt.addParamGroup({ params: [c], weightDecay: 1e-4 });
    expect(opt.paramGroups[2]).toMatchObject({ lr: 0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: false });
    expect(opt.stateDict().param_groups.map((g) => g.params)).toEqual([[0], [1], [2]]);
  });

  it('accepts any iterable of parameters (e.g. a generator, like model.parameters())', () => {
    const ws = [param(), param()];
    function* gen() {
      yield* ws;
    }
    expect(new optim.Adam(gen()).paramGroups[0]!.params).toEqual(ws);
  });

  it('zeroGrad sets grads to null by default, or zeroes them in place', () => {
    const w = param();
    const opt = new optim.SGD([w], { lr: 0.1 });
    w.sum().backward();
    const g = w.grad!;
    opt.zeroGrad({ setToNone: false });
    expect(w.grad).toBe(g);
    expect(g.toArray()).toEqual([0, 0, 0]);
    opt.zeroGrad();
    expect(w.grad).toBeNull();
  });

  it('step skips parameters without a gradient, updates the rest in place', () => {
    const [a, b] = [param(), param()];
    const opt = new optim.Adam([a, b], { lr: 0.1 });
    const data = a.data;
    a.mul(a).sum().backward();
    opt.step();
    expect(a.data).toBe(data);
    expect(a.toArray()).not.toEqual([1, -2, 3]);
    expect(b.toArray()).toEqual([1, -2, 3]);
    expect(opt.state.has(b)).toBe(false);
    expect(opt.state.get(a)!.step).toBe(1);
  });

  it('step(closure) evaluates the closure with grad enabled and returns its loss', () => {
    const w = param();
    const opt = new optim.SGD([w], { lr: 0.5 });
    const loss = noGrad(() =>
      opt.step(() => {
        opt.zeroGrad();
        const l = w.square().sum();
        l.backward();
        return l;
      }),
    );
    expect(loss!.item()).toBe(14);
    expect(w.toArray()).toEqual([0, 0, 0]); // w − 0.5·2w
  });

  it('a gradient of the wrong shape is an error', () => {
    const w = param();
    const opt = new optim.SGD([w], { lr: 0.1 });
    w.grad = zeros([2]);
    expect(() => opt.step()).toThrow(/SGD\.step: a parameter of shape \[3\] has a gradient of shape \[2\]/);
  });

  it('float64 parameters are updated in float64', () => {
    const w = tensor([1, -2, 3], { dtype: 'float64' }).requiresGrad_();
    const opt = new optim.SGD([w], { lr: 0.1, momentum: 0.9 });
    for (let i = 0; i < 2; i++) {
      opt.zeroGrad();
      w.square().sum().backward();
      opt.step();
    }
    // g1 = 2w0, w1 = 0.8w0; buf2 = 0.9·2w0 + 2·0.8w0 = 3.4w0, w2 = 0.8w0 − 0.34w0 = 0.46w0
    expectClose(w.data, [0.46, -0.92, 1.38], 1e-15, 0);
    expect(w.dtype).toBe('float64');
  });

  it('Adagrad keeps state for every parameter from construction, also for added groups', () => {
    const [a, b] = [param(), param()];
    const opt = new optim.Adagrad([a], { initialAccumulatorValue: 0.5 });
    opt.addParamGroup({ params: [b] });
    expect(opt.state.get(b)!.sum.toArray()).toEqual([0.5, 0.5, 0.5]);
    expect(Object.keys(opt.stateDict().state)).toEqual(['0', '1']);
  });
});

describe('loadStateDict checks everything before changing anything', () => {
  const trained = () => {
    const w = param();
    const opt = new optim.Adam([w], { lr: 0.1 });
    w.square().sum().backward();
    opt.step();
    return opt.stateDict();
  };
  it('group count, group sizes, state shapes, hyper-parameters', () => {
    const sd = trained();
    const opt = new optim.Adam([param(), param()], { lr: 0.1 });
    expect(() => opt.loadStateDict(sd)).toThrow(
      /Adam\.loadStateDict: param group 0 lists 1 parameters in the state dict, 2 in this optimizer/,
    );
    const two = new optim.Adam([{ params: [param()] }, { params: [param()] }]);
    expect(() => two.loadStateDict(sd)).toThrow(
      /the state dict has 1 parameter groups, this optimizer has 2/,
    );
    const small = new optim.Adam([param([1, 2])]);
    expect(() => small.loadStateDict(sd)).toThrow(
      /Adam\.loadStateDict: state\[0\]\.exp_avg has shape \[3\], but the parameter has \[2\]/,
    );
    const bad = { ...sd, param_groups: [{ ...sd.param_groups[0]!, betas: [0.9, 2] }] };
    const opt2 = new optim.Adam([param()], { lr: 0.5 });
    expect(() => opt2.loadStateDict(bad)).toThrow(
      /Adam\.loadStateDict: param group 0: Adam: betas\[1\] must be a number in \[0, 1\), got 2/,
    );
    expect(opt2.paramGroups[0]!.lr).toBe(0.5);
    expect(opt2.state.size).toBe(0);
  });
  it('state is cast to the parameter dtype; step may be a number or a tensor', () => {
    const sd = trained();
    const w = tensor([1, -2, 3], { dtype: 'float64' }).requiresGrad_();
    const opt = new optim.Adam([w]);
    opt.loadStateDict({ ...sd, state: { 0: { ...sd.state[0]!, step: 1 } } });
    expect(opt.state.get(w)!.expAvg.dtype).toBe('float64');
    expect(opt.state.get(w)!.step).toBe(1);
    expect(opt.paramGroups[0]!.lr).toBe(0.1);
  });
});

describe('scheduler errors and construction', () => {
  const sgd = () => new optim.SGD([param()], { lr: 0.1, momentum: 0.9 });
  const cases: [string, () => unknown, RegExp][] = [
    [
      'StepLR stepSize 0',
      () => new S.StepLR(sgd(), { stepSize: 0 }),
      /^StepLR: stepSize must be an integer >= 1, got 0$/,
    ],
    [
      'CosineAnnealingLR tMax 0',
      () => new S.CosineAnnealingLR(sgd(), { tMax: 0 }),
      /CosineAnnealingLR: tMax must be a number > 0, got 0/,
    ],
    [
      'WarmRestarts tMult 0.5',
      () => new S.CosineAnnealingWarmRestarts(sgd(), { t0: 5, tMult: 0.5 }),
      /tMult must be an integer >= 1/,
    ],
    [
      'LinearLR startFactor 0',
      () => new S.LinearLR(sgd(), { startFactor: 0 }),
      /LinearLR: startFactor must be a number in \(0, 1\], got 0/,
    ],
    [
      'MultiStepLR milestones',
      () => new S.MultiStepLR(sgd(), { milestones: [3, -1] }),
      /MultiStepLR: milestones\[1\] must be an integer >= 0, got -1/,
    ],
    [
      'OneCycleLR without length',
      () => new S.OneCycleLR(sgd(), { maxLr: 1 }),
      /OneCycleLR: give totalSteps, or epochs and stepsPerEpoch/,
    ],
    [
      'OneCycleLR pctStart',
      () => new S.OneCycleLR(sgd(), { maxLr: 1, totalSteps: 10, pctStart: 1.5 }),
      /pctStart must be a number in \[0, 1\], got 1\.5/,
    ],
    [
      'OneCycleLR maxLr per group',
      () => new S.OneCycleLR(sgd(), { maxLr: [1, 2], totalSteps: 10 }),
      /expected 1 values for maxLr/,
    ],
    [
      'OneCycleLR momentum on Adagrad',
      () => new S.OneCycleLR(new optim.Adagrad([param()]), { maxLr: 1, totalSteps: 10 }),
      /optimizer must support momentum/,
    ],
    [
      'ReduceLROnPlateau factor 1',
      () => new S.ReduceLROnPlateau(sgd(), { factor: 1 }),
      /ReduceLROnPlateau: factor must be a number in \[0, 1\), got 1/,
    ],
    [
      'ReduceLROnPlateau mode',
      () => new S.ReduceLROnPlateau(sgd(), { mode: 'avg' as never }),
      /mode must be 'min' or 'max', got 'avg'/,
    ],
    [
      'SequentialLR milestones',
      () => {
        const o = sgd();
        return new S.SequentialLR(o, { schedulers: [new S.StepLR(o, { stepSize: 2 })], milestones: [3] });
      },
      /SequentialLR: expected 0 milestones/,
    ],
    [
      'SequentialLR foreign scheduler',
      () => new S.SequentialLR(sgd(), { schedulers: [new S.StepLR(sgd(), { stepSize: 2 })], milestones: [] }),
      /all schedulers must belong to the optimizer/,
    ],
    [
      'not an optimizer',
      () => new S.StepLR({} as never, { stepSize: 2 }),
      /StepLR: optimizer must be an Optimizer/,
    ],
    [
      'LambdaLR count',
      () => new S.LambdaLR(sgd(), { lrLambda: [() => 1, () => 1] }),
      /LambdaLR: expected 1 lrLambda functions/,
    ],
  ];
  for (const [name, fn, re] of cases) it(name, () => expect(fn).toThrow(re));

  it('constructing a scheduler sets initialLr and performs the initial step', () => {
    const opt = sgd();
    const s = new S.LinearLR(opt, { startFactor: 0.1, totalIters: 4 });
    expect(opt.paramGroups[0]!.initialLr).toBe(0.1);
    expect(s.getLastLr()[0]).toBeCloseTo(0.01, 15);
    expect(s.lastEpoch).toBe(0);
    expect(opt.stateDict().param_groups[0]!['initial_lr']).toBe(0.1);
  });

  it('resuming with lastEpoch needs initialLr', () => {
    expect(() => new S.StepLR(sgd(), { stepSize: 2, lastEpoch: 4 })).toThrow(
      /param group 0 has no initialLr/,
    );
  });
});
