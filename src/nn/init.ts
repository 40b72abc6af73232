// nn.init: PyTorch's initialisation schemes with its formulas and fan rules, filling tensors in place from the
// seeded generator (the same draws, in the same order, as torch after the same manualSeed).
import { noGrad } from '../autograd/grad-mode.js';
import { fmtShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  defaultGenerator,
  normalFill,
  randperm,
  truncNormalFill,
  uniformFill,
  type Generator,
} from '../tensor/generator.js';

export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

export type FanMode = 'fanIn' | 'fanOut';

interface GenOpt {
  generator?: Generator;
}

function floatData(op: string, t: Tensor): Float32Array | Float64Array {
  if (t.dtype !== 'float32' && t.dtype !== 'float64')
    throw new Error(`init.${op}: tensor must be float32 or float64, got ${t.dtype}`);
  return t.data as Float32Array | Float64Array;
}

let skipping = 0;

/**
 * Build modules without running any initialisation (tensors stay zero-filled and no random numbers are drawn):
 * for when weights are loaded right after, e.g. pretrained files. Like torchvision's init_weights=False, but for
 * every layer.
 */
export function skipInit<T>(fn: () => T): T {
  skipping++;
  try {
    return fn();
  } finally {
    skipping--;
  }
}

/** Write in place without recording autograd, bumping the version like torch's in-place init. */
function fill(t: Tensor, f: () => void): Tensor {
  if (skipping > 0) return t;
  noGrad(f);
  t.bumpVersion();
  return t;
}

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain). `param` is leaky_relu's slope. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'conv_transpose1d':
    case 'conv_transpose2d':
    case 'conv_transpose3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope))
        throw new Error(`calculateGain: negative slope ${param} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new Error(`calculateGain: unsupported nonlinearity '${String(nonlinearity satisfies never)}'`);
  }
}

/** fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (torch's _calculate_fan_in_and_fan_out). */
export function calculateFanInAndFanOut(t: Tensor | readonly number[]): { fanIn: number; fanOut: number } {
  const shape = Array.isArray(t) ? (t as readonly number[]) : (t as Tensor).shape;
  if (shape.length < 2) {
    throw new Error(
      `init: fan in and fan out cannot be computed for a tensor with fewer than 2 dims (shape ${fmtShape(shape)})`,
    );
  }
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i]!;
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

function fan(t: Tensor, mode: FanMode): number {
  if (mode !== 'fanIn' && mode !== 'fanOut')
    throw new Error(`init: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return mode === 'fanIn' ? fanIn : fanOut;
}

export function uniform_(t: Tensor, a = 0, b = 1, opts: GenOpt = {}): Tensor {
  const d = floatData('uniform_', t);
  if (!(a <= b)) throw new Error(`init.uniform_: expects a <= b, got a=${a}, b=${b}`);
  return fill(t, () => uniformFill(d, a, b, opts.generator ?? defaultGenerator));
}

export function normal_(t: Tensor, mean = 0, std = 1, opts: GenOpt = {}): Tensor {
  const d = floatData('normal_', t);
  if (!(std >= 0)) throw new Error(`init.normal_: std must be >= 0, got ${std}`);
  return fill(t, () => normalFill(d, mean, std, opts.generator ?? defaultGenerator));
}

/** Normal(mean, std) truncated to [a, b] by inverse-CDF sampling, like torch.nn.init.trunc_normal_. */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2, opts: GenOpt = {}): Tensor {
  const d = floatData('truncNormal_', t);
  if (!(a < b)) throw new Error(`init.truncNormal_: expects a < b, got a=${a}, b=${b}`);
  return fill(t, () => truncNormalFill(d, mean, std, a, b, opts.generator ?? defaultGenerator));
}

export function constant_(t: Tensor, value: number): Tensor {
  return fill(t, () => t.data.fill(value));
}
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** The identity matrix into a 2-d tensor. */
export function eye_(t: Tensor): Tensor {
  if (t.ndim !== 2) throw new Error(`init.eye_: only 2-d tensors are supported, got ${fmtShape(t.shape)}`);
  const [r, c] = t.shape as [number, number];
  return fill(t, () => {
    t.data.fill(0);
    for (let i = 0; i < Math.min(r, c); i++) t.data[i * c + i] = 1;
  });
}

/** Dirac delta into a 3/4/5-d conv weight: identity on the centre tap, per group (torch.nn.init.dirac_). */
export function dirac_(t: Tensor, groups = 1): Tensor {
  const nd = t.ndim;
  if (nd < 3 || nd > 5)
    throw new Error(`init.dirac_: only 3, 4 or 5-d tensors are supported, got ${fmtShape(t.shape)}`);
  const out = t.shape[0]!;
  if (out % groups !== 0)
    throw new Error(`init.dirac_: dim 0 (${out}) must be divisible by groups ${groups}`);
  const outPerGroup = out / groups;
  const minDim = Math.min(outPerGroup, t.shape[1]!);
  const spatial = t.shape.slice(2);
  const strides: number[] = [];
  let s = 1;
  for (let i = nd - 1; i >= 0; i--) {
    strides[i] = s;
    s *= t.shape[i]!;
  }
  return fill(t, () => {
    t.data.fill(0);
    for (let g = 0; g < groups; g++) {
      for (let d = 0; d < minDim; d++) {
        let off = (g * outPerGroup + d) * strides[0]! + d * strides[1]!;
        spatial.forEach((k, i) => (off += Math.floor(k / 2) * strides[i + 2]!));
        t.data[off] = 1;
      }
    }
  });
}

export function xavierUniform_(t: Tensor, gain = 1, opts: GenOpt = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const std = gain * Math.sqrt(2 / (fanIn + fanOut));
  const a = Math.sqrt(3) * std; // uniform(-a, a) has this std
  return uniform_(t, -a, a, opts);
}

export function xavierNormal_(t: Tensor, gain = 1, opts: GenOpt = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), opts);
}

export interface KaimingOptions extends GenOpt {
  /** Negative slope of the rectifier after this layer (leaky_relu only). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

/** He uniform: U(-b, b) with b = gain·√(3/fan); torch's defaults a=0, fanIn, leaky_relu. */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  if (t.numel === 0) return t;
  const f = fan(t, opts.mode ?? 'fanIn');
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  const bound = Math.sqrt(3) * (gain / Math.sqrt(f));
  return uniform_(t, -bound, bound, opts);
}

/** He normal: N(0, (gain/√fan)²). */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  if (t.numel === 0) return t;
  const f = fan(t, opts.mode ?? 'fanIn');
  const gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  return normal_(t, 0, gain / Math.sqrt(f), opts);
}

/** A (semi-)orthogonal matrix from the QR of a normal sample, signs fixed by diag(R) (torch.nn.init.orthogonal_). */
export function orthogonal_(t: Tensor, gain = 1, opts: GenOpt = {}): Tensor {
  if (t.ndim < 2)
    throw new Error(
      `init.orthogonal_: only tensors with 2 or more dims are supported, got ${fmtShape(t.shape)}`,
    );
  if (t.numel === 0 || skipping > 0) return t;
  const rows = t.shape[0]!;
  const cols = t.numel / rows;
  const flat = new Float64Array(rows * cols);
  const tmp = t.dtype === 'float64' ? new Float64Array(rows * cols) : new Float32Array(rows * cols);
  normalFill(tmp, 0, 1, opts.generator ?? defaultGenerator);
  flat.set(tmp);
  // A is rows×cols; QR of A (or of Aᵀ when rows < cols), Householder in float64
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  const A = new Float64Array(m * n);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) A[tall ? i * n + j : j * n + i] = flat[i * cols + j]!;
  const Q = householderQ(A, m, n);
  return fill(t, () => {
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) t.data[i * cols + j] = gain * (tall ? Q[i * n + j]! : Q[j * n + i]!);
  });
}

/** Thin Q (m×n, m ≥ n) of A = QR with diag(R) made positive (equivalent to torch's q * sign(diag(r))). */
function householderQ(A: Float64Array, m: number, n: number): Float64Array {
  const R = Float64Array.from(A);
  const vs: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const v = new Float64Array(m);
    let norm = 0;
    for (let i = k; i < m; i++) norm += R[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const x0 = R[k * n + k]!;
    const alpha = x0 >= 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i] = R[i * n + k]!;
    v[k] = x0 - alpha;
    let vn = 0;
    for (let i = k; i < m; i++) vn += v[i]! ** 2;
    if (vn > 0) {
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let i = k; i < m; i++) dot += v[i]! * R[i * n + j]!;
        const f = (2 * dot) / vn;
        for (let i = k; i < m; i++) R[i * n + j]! -= f * v[i]!;
      }
    }
    vs.push(vn > 0 ? v.map((x) => x / Math.sqrt(vn)) : v);
  }
  // Q = H0 H1 … H(n-1) applied to the first n columns of I
  const Q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i]! * Q[i * n + j]!;
      for (let i = k; i < m; i++) Q[i * n + j]! -= 2 * dot * v[i]!;
    }
  }
  for (let j = 0; j < n; j++) {
    if (R[j * n + j]! < 0) for (let i = 0; i < m; i++) Q[i * n + j] = -Q[i * n + j]!;
  }
  return Q;
}

/** N(0, std) with a fraction `sparsity` of each column zeroed at random rows (torch.nn.init.sparse_). */
export function sparse_(t: Tensor, sparsity: number, std = 0.01, opts: GenOpt = {}): Tensor {
  if (t.ndim !== 2) throw new Error(`init.sparse_: only 2-d tensors are supported, got ${fmtShape(t.shape)}`);
  if (!(sparsity >= 0 && sparsity <= 1))
    throw new Error(`init.sparse_: sparsity must be in [0, 1], got ${sparsity}`);
  const [rows, cols] = t.shape as [number, number];
  const numZeros = Math.ceil(sparsity * rows);
  const gen = opts.generator ?? defaultGenerator;
  normal_(t, 0, std, opts);
  return fill(t, () => {
    for (let c = 0; c < cols; c++) {
      const perm = randperm(rows, gen);
      for (let k = 0; k < numZeros; k++) t.data[perm[k]! * cols + c] = 0;
    }
  });
}
