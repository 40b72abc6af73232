// conv2d: validation of NCHW input against [O, C/groups, kH, kW] weights, 'same'/'valid' padding, and the
// backward (input and weight gradients from the backend's conv kernels).
import type { Conv2dGeom } from '../../backend/backend.js';
import { getBackend } from '../../backend/index.js';
import type { FloatStorage } from '../../tensor/dtype.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as ops from '../../ops/index.js';
import { assertFloat, checkTensor, emptyUninit, record } from '../../ops/util.js';

export type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  /** Symmetric zero padding per side, or 'same' (stride 1 only) / 'valid'. */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
}

export function pair(op: string, name: string, v: Pair, min: number): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.length !== 2 || !p.every((x) => Number.isInteger(x) && x >= min)) {
    throw new Error(
      `${op}: ${name} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(v)}`,
    );
  }
  return p;
}

export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: Conv2dOptions = {},
): Tensor {
  checkTensor('conv2d', input);
  checkTensor('conv2d', weight, 'weight');
  assertFloat('conv2d', input);
  if (input.ndim === 3) return ops.squeeze(conv2d(ops.unsqueeze(input, 0), weight, bias, opts), 0);
  if (weight.ndim !== 4)
    throw new Error(`conv2d: weight must be [O, C/groups, kH, kW], got ${fmtShape(weight.shape)}`);
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1)
    throw new Error(`conv2d: groups must be a positive integer, got ${groups}`);
  const [o, cg, kh, kw] = weight.shape as [number, number, number, number];
  const c = cg * groups;
  if (input.ndim !== 4 || input.shape[1] !== c) {
    throw new Error(
      `conv2d: input must be [N, C, H, W] with C = ${c} to match weight ${fmtShape(weight.shape)}` +
        (groups > 1 ? ` and groups = ${groups}` : '') +
        `; got ${fmtShape(input.shape)}`,
    );
  }
  if (o % groups !== 0) throw new Error(`conv2d: out channels ${o} must be divisible by groups ${groups}`);
  if (input.dtype !== weight.dtype)
    throw new Error(`conv2d: input dtype ${input.dtype} does not match weight dtype ${weight.dtype}`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== o))
    throw new Error(`conv2d: bias must be [${o}], got ${fmtShape(bias.shape)}`);
  const [sh, sw] = pair('conv2d', 'stride', opts.stride ?? 1, 1);
  const [dh, dw] = pair('conv2d', 'dilation', opts.dilation ?? 1, 1);
  let x = input;
  let ph: number;
  let pw: number;
  const padOpt = opts.padding ?? 0;
  if (padOpt === 'valid') [ph, pw] = [0, 0];
  else if (padOpt === 'same') {
    if (sh !== 1 || sw !== 1)
      throw new Error(
        `conv2d: padding 'same' is not supported for strided convolutions (stride ${sh}x${sw})`,
      );
    // torch: total = d*(k-1), the odd extra goes to the bottom/right
    const th = dh * (kh - 1);
    const tw = dw * (kw - 1);
    ph = Math.floor(th / 2);
    pw = Math.floor(tw / 2);
    if (th % 2 === 1 || tw % 2 === 1) x = ops.pad(x, [0, tw % 2, 0, th % 2]);
  } else [ph, pw] = pair('conv2d', 'padding', padOpt, 0);
  const [n, , h, w] = x.shape as [number, number, number, number];
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (oh <= 0 || ow <= 0) {
    throw new Error(
      `conv2d: input ${fmtShape(input.shape)} padded to ${h + 2 * ph}x${w + 2 * pw} is smaller than the ` +
        `(dilated) kernel ${dh * (kh - 1) + 1}x${dw * (kw - 1) + 1}`,
    );
  }
  const g: Conv2dGeom = { n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, oh, ow };
  const out = emptyUninit(x.dtype, [n, o, oh, ow]);
  const be = getBackend();
  be.conv2d(
    x.data as FloatStorage,
    weight.data as FloatStorage,
    (bias?.data ?? null) as FloatStorage | null,
    out.data as FloatStorage,
    g,
  );
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record('conv2d', inputs, out, (gy, needs) => {
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs[0]) {
      gx = emptyUninit(x.dtype, x.shape);
      be.conv2dBackwardInput(
        gy.data as FloatStorage,
        weight.data as FloatStorage,
        gx.data as FloatStorage,
        g,
      );
    }
    if (needs[1] || (bias && needs[2])) {
      gw = emptyUninit(weight.dtype, weight.shape);
      gb = bias && needs[2] ? emptyUninit(bias.dtype, bias.shape) : null;
      be.conv2dBackwardWeight(
        gy.data as FloatStorage,
        x.data as FloatStorage,
        gw.data as FloatStorage,
        (gb?.data ?? null) as FloatStorage | null,
        g,
      );
    }
    return [gx, needs[1] ? gw : null, gb];
  });
}
