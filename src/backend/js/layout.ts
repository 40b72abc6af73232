// Reference data-movement kernels: permute, concatenation blocks, slicing, index select/add, gather/scatter, pad.
import type { Storage } from '../../tensor/dtype.js';

export function permute(x: Storage, shape: readonly number[], perm: readonly number[], out: Storage): void {
  const r = shape.length;
  const inSt = new Array<number>(r);
  let s = 1;
  for (let d = r - 1; d >= 0; d--) {
    inSt[d] = s;
    s *= shape[d]!;
  }
  const outShape = perm.map((p) => shape[p]!);
  const st = perm.map((p) => inSt[p]!); // input stride walked by each output dim
  const total = out.length;
  if (total === 0) return;
  if (r === 0) {
    out[0] = x[0]!;
    return;
  }
  const idx = new Array<number>(r).fill(0);
  const last = r - 1;
  const len = outShape[last]!;
  const ls = st[last]!;
  let off = 0;
  for (let o = 0; o < total; o += len) {
    let io = off;
    for (let j = 0; j < len; j++, io += ls) out[o + j] = x[io]!;
    for (let d = last - 1; d >= 0; d--) {
      idx[d]!++;
      off += st[d]!;
      if (idx[d]! < outShape[d]!) break;
      off -= st[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
}

export function copyAxis(
  src: Storage,
  outer: number,
  srcN: number,
  inner: number,
  out: Storage,
  dstN: number,
  at: number,
  accumulate = false,
): void {
  const block = srcN * inner;
  for (let o = 0; o < outer; o++) {
    const so = o * block;
    const dO = (o * dstN + at) * inner;
    if (accumulate) for (let j = 0; j < block; j++) out[dO + j]! += src[so + j]!;
    else out.set(src.subarray(so, so + block) as never, dO);
  }
}

export function sliceAxis(
  x: Storage,
  outer: number,
  n: number,
  inner: number,
  start: number,
  len: number,
  step: number,
  out: Storage,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < len; i++) {
      const si = (o * n + start + i * step) * inner;
      const di = (o * len + i) * inner;
      for (let r = 0; r < inner; r++) out[di + r] = x[si + r]!;
    }
  }
}

export function sliceAxisBackward(
  g: Storage,
  outer: number,
  n: number,
  inner: number,
  start: number,
  len: number,
  step: number,
  out: Storage,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < len; i++) {
      const di = (o * n + start + i * step) * inner;
      const si = (o * len + i) * inner;
      for (let r = 0; r < inner; r++) out[di + r]! += g[si + r]!;
    }
  }
}

export function indexSelect(
  x: Storage,
  outer: number,
  n: number,
  inner: number,
  index: Storage,
  out: Storage,
): void {
  const m = index.length;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      const si = (o * n + index[i]!) * inner;
      const di = (o * m + i) * inner;
      for (let r = 0; r < inner; r++) out[di + r] = x[si + r]!;
    }
  }
}

export function indexAdd(
  g: Storage,
  outer: number,
  n: number,
  inner: number,
  index: Storage,
  out: Storage,
): void {
  const m = index.length;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      const di = (o * n + index[i]!) * inner;
      const si = (o * m + i) * inner;
      for (let r = 0; r < inner; r++) out[di + r]! += g[si + r]!;
    }
  }
}

function gatherWalk(
  shape: readonly number[],
  dim: number,
  index: Storage,
  iShape: readonly number[],
  visit: (i: number, xi: number) => void,
): void {
  const r = iShape.length;
  const xst = new Array<number>(r);
  let s = 1;
  for (let d = r - 1; d >= 0; d--) {
    xst[d] = s;
    s *= shape[d]!;
  }
  const total = index.length;
  const idx = new Array<number>(r).fill(0);
  let base = 0; // x offset of idx with idx[dim] replaced by 0
  for (let i = 0; i < total; i++) {
    visit(i, base + index[i]! * xst[dim]!);
    for (let d = r - 1; d >= 0; d--) {
      idx[d]!++;
      if (d !== dim) base += xst[d]!;
      if (idx[d]! < iShape[d]!) break;
      if (d !== dim) base -= xst[d]! * iShape[d]!;
      idx[d] = 0;
    }
  }
}

export function gather(
  x: Storage,
  shape: readonly number[],
  dim: number,
  index: Storage,
  iShape: readonly number[],
  out: Storage,
): void {
  gatherWalk(shape, dim, index, iShape, (i, xi) => {
    out[i] = x[xi]!;
  });
}

export function scatterAdd(
  src: Storage,
  iShape: readonly number[],
  dim: number,
  index: Storage,
  out: Storage,
  shape: readonly number[],
): void {
  gatherWalk(shape, dim, index, iShape, (i, xi) => {
    out[xi]! += src[i]!;
  });
}

export function pad(
  x: Storage,
  shape: readonly number[],
  pads: readonly number[],
  value: number,
  out: Storage,
): void {
  const r = shape.length;
  const outShape = shape.map((s, d) => s + pads[2 * d]! + pads[2 * d + 1]!);
  if (value !== 0) out.fill(value);
  const total = x.length;
  if (total === 0) return;
  const ost = new Array<number>(r);
  let s = 1;
  for (let d = r - 1; d >= 0; d--) {
    ost[d] = s;
    s *= outShape[d]!;
  }
  const idx = new Array<number>(r).fill(0);
  for (let i = 0; i < total; i++) {
    let o = 0;
    let inside = true;
    for (let d = 0; d < r; d++) {
      const p = idx[d]! + pads[2 * d]!;
      if (p < 0 || p >= outShape[d]!) {
        inside = false;
        break;
      }
      o += p * ost[d]!;
    }
    if (inside) out[o] = x[i]!;
    for (let d = r - 1; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}
