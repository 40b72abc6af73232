// Pooling: maxPool2d (ceilMode, dilation, optional indices), avgPool2d (countIncludePad, divisorOverride),
// adaptiveAvgPool2d — torch's output-size rules and validation, backward from the backend kernels.
import type { Pool2dGeom } from '../../backend/backend.js';
import { isGradEnabled } from '../../autograd/grad-mode.js';
import { getBackend } from '../../backend/index.js';
import type { FloatStorage } from '../../tensor/dtype.js';
import { fmtShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import * as ops from '../../ops/index.js';
import { assertFloat, checkTensor, emptyUninit, record } from '../../ops/util.js';
import { pair, type Pair } from './conv.js';

export interface MaxPool2dOptions {
  /** Defaults to kernelSize. */
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

export interface AvgPool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/** torch's pooling_output_shape: floor/ceil, and with ceil the last window must start inside input+left pad. */
function outSize(op: string, inp: number, k: number, p: number, s: number, d: number, ceil: boolean): number {
  const eff = d * (k - 1) + 1;
  let o = Math.floor((inp + 2 * p - eff + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= inp + p) o--;
  if (o <= 0)
    throw new Error(
      `${op}: input size ${inp} (padding ${p}) is too small for kernel ${eff}; output would be ${o}`,
    );
  return o;
}

function geometry(
  op: string,
  x: Tensor,
  kernelSize: Pair,
  o: MaxPool2dOptions,
): { geom: Pool2dGeom; lead: number[] } {
  checkTensor(op, x);
  assertFloat(op, x);
  if (x.ndim !== 3 && x.ndim !== 4)
    throw new Error(`${op}: input must be [N, C, H, W] or [C, H, W], got ${fmtShape(x.shape)}`);
  const [kh, kw] = pair(op, 'kernelSize', kernelSize, 1);
  const [sh, sw] = pair(op, 'stride', o.stride ?? [kh, kw], 1);
  const [ph, pw] = pair(op, 'padding', o.padding ?? 0, 0);
  const [dh, dw] = pair(op, 'dilation', o.dilation ?? 1, 1);
  if (ph > kh / 2 || pw > kw / 2) {
    throw new Error(`${op}: padding ${ph}x${pw} must be at most half of the kernel size ${kh}x${kw}`);
  }
  const h = x.shape[x.ndim - 2]!;
  const w = x.shape[x.ndim - 1]!;
  const ceil = o.ceilMode ?? false;
  const oh = outSize(op, h, kh, ph, sh, dh, ceil);
  const ow = outSize(op, w, kw, pw, sw, dw, ceil);
  const lead = x.shape.slice(0, -2);
  const planes = lead.reduce((a, b) => a * b, 1);
  return { geom: { planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow }, lead };
}

export function maxPool2d(
  x: Tensor,
  kernelSize: Pair,
  opts?: MaxPool2dOptions & { returnIndices?: false },
): Tensor;
export function maxPool2d(
  x: Tensor,
  kernelSize: Pair,
  opts: MaxPool2dOptions & { returnIndices: true },
): { output: Tensor; indices: Tensor };
/** Max pooling; with `returnIndices` also the flat h*w position of each max in its plane (int64), like torch. */
export function maxPool2d(
  x: Tensor,
  kernelSize: Pair,
  opts: MaxPool2dOptions & { returnIndices?: boolean } = {},
): Tensor | { output: Tensor; indices: Tensor } {
  const { geom, lead } = geometry('maxPool2d', x, kernelSize, opts);
  const shape = [...lead, geom.oh, geom.ow];
  const out = emptyUninit(x.dtype, shape);
  // the indices only when returned or when backward will read them (no graph: inference)
  const wanted = opts.returnIndices || (isGradEnabled() && x.requiresGrad);
  const idx = wanted ? emptyUninit('int64', shape) : null;
  const be = getBackend();
  be.maxPool2d(
    x.data as FloatStorage,
    out.data as FloatStorage,
    (idx?.data ?? null) as Float64Array | null,
    geom,
  );
  record('maxPool2d', [x], out, (g) => {
    const gx = emptyUninit(x.dtype, x.shape);
    be.maxPool2dBackward(g.data as FloatStorage, idx!.data as Float64Array, gx.data as FloatStorage, geom);
    return [gx];
  });
  return opts.returnIndices ? { output: out, indices: idx! } : out;
}

export function avgPool2d(x: Tensor, kernelSize: Pair, opts: AvgPool2dOptions = {}): Tensor {
  const { geom, lead } = geometry('avgPool2d', x, kernelSize, { ...opts, dilation: 1 });
  const cip = opts.countIncludePad ?? true;
  const div = opts.divisorOverride ?? 0;
  if (opts.divisorOverride != null && (!Number.isFinite(div) || div <= 0)) {
    throw new Error(`avgPool2d: divisorOverride must be positive, got ${div}`);
  }
  const out = emptyUninit(x.dtype, [...lead, geom.oh, geom.ow]);
  const be = getBackend();
  be.avgPool2d(x.data as FloatStorage, out.data as FloatStorage, geom, cip, div);
  return record('avgPool2d', [x], out, (g) => {
    const gx = emptyUninit(x.dtype, x.shape);
    be.avgPool2dBackward(g.data as FloatStorage, gx.data as FloatStorage, geom, cip, div);
    return [gx];
  });
}

/** Average pooling to a fixed output size (null keeps that input size), torch's window rule. */
export function adaptiveAvgPool2d(
  x: Tensor,
  outputSize: number | readonly [number | null, number | null],
): Tensor {
  checkTensor('adaptiveAvgPool2d', x);
  assertFloat('adaptiveAvgPool2d', x);
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new Error(`adaptiveAvgPool2d: input must be [N, C, H, W] or [C, H, W], got ${fmtShape(x.shape)}`);
  }
  const h = x.shape[x.ndim - 2]!;
  const w = x.shape[x.ndim - 1]!;
  const [oh, ow] =
    typeof outputSize === 'number' ? [outputSize, outputSize] : [outputSize[0] ?? h, outputSize[1] ?? w];
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh <= 0 || ow <= 0) {
    throw new Error(
      `adaptiveAvgPool2d: output size must be positive integers, got ${JSON.stringify(outputSize)}`,
    );
  }
  if (h === 0 || w === 0)
    throw new Error(`adaptiveAvgPool2d: input ${fmtShape(x.shape)} has an empty spatial dim`);
  const lead = x.shape.slice(0, -2);
  const planes = lead.reduce((a, b) => a * b, 1);
  if (oh === 1 && ow === 1) return ops.mean(x, [-2, -1], true);
  const out = emptyUninit(x.dtype, [...lead, oh, ow]);
  const be = getBackend();
  be.adaptiveAvgPool2d(x.data as FloatStorage, planes, h, w, oh, ow, out.data as FloatStorage);
  return record('adaptiveAvgPool2d', [x], out, (g) => {
    const gx = emptyUninit(x.dtype, x.shape);
    be.adaptiveAvgPool2dBackward(g.data as FloatStorage, planes, h, w, oh, ow, gx.data as FloatStorage);
    return [gx];
  });
}
