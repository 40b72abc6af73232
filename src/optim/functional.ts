// The optimizers' pure update kernels (torch/optim's single-tensor path), in place on typed arrays. For float32
// each torch op is rounded to float32 where torch rounds, and `add(x, alpha=a)` / `addcmul` are fused
// multiply-adds as in torch's AVX2 kernels, so a step reproduces torch's to the last bit in almost all elements.
import { getBackend } from '../backend/index.js';
import type { FloatStorage } from '../tensor/dtype.js';

type Round = (x: number) => number;
const exact: Round = (x) => x;
/** float32 arithmetic: round every intermediate to float32; float64: plain JS arithmetic. */
const rounding = (a: FloatStorage): Round => (a instanceof Float32Array ? Math.fround : exact);

export interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/**
 * SGD: d = ±g + wd·p; buf = momentum·buf + (1 − dampening)·d (buf = d on the first step, `first`);
 * d = nesterov ? d + momentum·buf : buf; p −= lr·d. `buf` is null when momentum is 0.
 */
export function sgd(
  p: FloatStorage,
  g: FloatStorage,
  buf: FloatStorage | null,
  h: SgdHyper,
  first: boolean,
): void {
  const r = rounding(p);
  const wd = r(h.weightDecay);
  const mom = r(h.momentum);
  const keep = r(1 - h.dampening);
  const negLr = r(-h.lr);
  const be = getBackend();
  if (
    be.sgdStep?.(p, g, h.momentum !== 0 ? buf : null, {
      wd,
      momentum: mom,
      keep,
      negLr,
      nesterov: h.nesterov,
      maximize: h.maximize,
      first,
    })
  )
    return;
  const sign = h.maximize ? -1 : 1;
  if (
    p instanceof Float32Array &&
    h.weightDecay === 0 &&
    !h.nesterov &&
    h.momentum !== 0 &&
    buf !== null &&
    !first
  ) {
    // the common float32 case with Math.fround inline (the generic loop below calls `r` through a closure)
    const f = Math.fround;
    for (let i = 0; i < p.length; i++) {
      const b = f(sign * g[i]! * keep + f(buf[i]! * mom));
      buf[i] = b;
      p[i] = f(b * negLr + p[i]!);
    }
    return;
  }
  for (let i = 0; i < p.length; i++) {
    let d = sign * g[i]!;
    if (h.weightDecay !== 0) d = r(p[i]! * wd + d);
    if (h.momentum !== 0 && buf !== null) {
      // matches torch: the momentum buffer starts at the first (decayed) gradient, undamped
      const b = first ? d : r(d * keep + r(buf[i]! * mom));
      buf[i] = b;
      d = h.nesterov ? r(b * mom + d) : b;
    }
    p[i] = r(d * negLr + p[i]!);
  }
}

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
  /** AdamW: decay the weights directly (p *= 1 − lr·wd) instead of adding wd·p to the gradient. */
  decoupled: boolean;
  /** The step number after incrementing (1 on the first step), for the bias corrections. */
  step: number;
}

/**
 * Adam / AdamW: m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g²; v̂ = amsgrad ? max(v̂, v) : v;
 * p −= lr/(1 − β1^t) · m / (√v̂ / √(1 − β2^t) + eps).
 */
export function adam(
  p: FloatStorage,
  g: FloatStorage,
  expAvg: FloatStorage,
  expAvgSq: FloatStorage,
  maxExpAvgSq: FloatStorage | null,
  h: AdamHyper,
): void {
  const r = rounding(p);
  const bc1 = 1 - h.beta1 ** h.step;
  const bc2 = 1 - h.beta2 ** h.step;
  const negStepSize = r(-(h.lr / bc1));
  const bc2Sqrt = r(Math.sqrt(bc2));
  const b1 = r(h.beta1);
  const b2 = r(h.beta2);
  const oneMinusB1 = r(1 - h.beta1);
  const oneMinusB2 = r(1 - h.beta2);
  const eps = r(h.eps);
  const coupled = !h.decoupled && h.weightDecay !== 0;
  const wd = r(h.weightDecay);
  const decay = r(1 - h.lr * h.weightDecay);
  const be = getBackend();
  const consts = {
    negStepSize,
    bc2Sqrt,
    beta1: b1,
    beta2: b2,
    oneMinusBeta1: oneMinusB1,
    oneMinusBeta2: oneMinusB2,
    eps,
    wd,
    decay,
    coupled,
    decoupled: h.decoupled,
    maximize: h.maximize,
  };
  if (be.adamStep?.(p, g, expAvg, expAvgSq, maxExpAvgSq, consts)) return;
  const sign = h.maximize ? -1 : 1;
  if (p instanceof Float32Array && !coupled && !h.decoupled && maxExpAvgSq === null) {
    // the common float32 case with Math.fround inline: the same operations as the generic loop below
    const f = Math.fround;
    for (let i = 0; i < p.length; i++) {
      const gi = sign * g[i]!;
      const m = f(gi * oneMinusB1 + f(expAvg[i]! * b1));
      const v = f(f(oneMinusB2 * gi) * gi + f(expAvgSq[i]! * b2));
      expAvg[i] = m;
      expAvgSq[i] = v;
      p[i] = f(p[i]! + f(f(negStepSize * m) / f(f(f(Math.sqrt(v)) / bc2Sqrt) + eps)));
    }
    return;
  }
  for (let i = 0; i < p.length; i++) {
    let gi = sign * g[i]!;
    let pi = p[i]!;
    if (coupled) gi = r(pi * wd + gi);
    if (h.decoupled) pi = r(pi * decay);
    const m = r(gi * oneMinusB1 + r(expAvg[i]! * b1));
    const v = r(r(oneMinusB2 * gi) * gi + r(expAvgSq[i]! * b2));
    expAvg[i] = m;
    expAvgSq[i] = v;
    let vh = v;
    if (maxExpAvgSq !== null) {
      vh = Math.max(maxExpAvgSq[i]!, v);
      maxExpAvgSq[i] = vh;
    }
    const denom = r(r(r(Math.sqrt(vh)) / bc2Sqrt) + eps);
    p[i] = r(pi + r(r(negStepSize * m) / denom));
  }
}

export interface RmspropHyper {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/**
 * RMSprop: s = α·s + (1 − α)·g²; centered: a = α·a + (1 − α)·g, d = √(s − a²) + eps, else d = √s + eps;
 * momentum: buf = μ·buf + g/d, p −= lr·buf; else p −= lr·g/d.
 */
export function rmsprop(
  p: FloatStorage,
  g: FloatStorage,
  squareAvg: FloatStorage,
  gradAvg: FloatStorage | null,
  buf: FloatStorage | null,
  h: RmspropHyper,
): void {
  const r = rounding(p);
  const alpha = r(h.alpha);
  const oneMinusAlpha = r(1 - h.alpha);
  const eps = r(h.eps);
  const wd = r(h.weightDecay);
  const mom = r(h.momentum);
  const negLr = r(-h.lr);
  const sign = h.maximize ? -1 : 1;
  for (let i = 0; i < p.length; i++) {
    let gi = sign * g[i]!;
    if (h.weightDecay !== 0) gi = r(p[i]! * wd + gi);
    const s = r(r(oneMinusAlpha * gi) * gi + r(squareAvg[i]! * alpha));
    squareAvg[i] = s;
    let avg: number;
    if (h.centered && gradAvg !== null) {
      const a = r(gi * oneMinusAlpha + r(gradAvg[i]! * alpha));
      gradAvg[i] = a;
      avg = r(Math.sqrt(r(-a * a + s)));
    } else avg = r(Math.sqrt(s));
    avg = r(avg + eps);
    if (h.momentum > 0 && buf !== null) {
      const b = r(r(buf[i]! * mom) + r(gi / avg));
      buf[i] = b;
      p[i] = r(b * negLr + p[i]!);
    } else p[i] = r(p[i]! + r(r(negLr * gi) / avg));
  }
}

export interface AdagradHyper {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  eps: number;
  maximize: boolean;
  /** The step number after incrementing (1 on the first step). */
  step: number;
}

/** Adagrad: sum += g²; p −= lr/(1 + (t − 1)·lrDecay) · g / (√sum + eps). */
export function adagrad(p: FloatStorage, g: FloatStorage, sum: FloatStorage, h: AdagradHyper): void {
  const r = rounding(p);
  const negClr = r(-(h.lr / (1 + (h.step - 1) * h.lrDecay)));
  const eps = r(h.eps);
  const wd = r(h.weightDecay);
  const sign = h.maximize ? -1 : 1;
  for (let i = 0; i < p.length; i++) {
    let gi = sign * g[i]!;
    if (h.weightDecay !== 0) gi = r(p[i]! * wd + gi);
    const s = r(gi * gi + sum[i]!);
    sum[i] = s;
    const std = r(r(Math.sqrt(s)) + eps);
    p[i] = r(p[i]! + r(r(negClr * gi) / std));
  }
}
