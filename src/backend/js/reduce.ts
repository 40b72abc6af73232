// Reference reductions (sum/max/min/prod over any dims), arg-reductions and softmax along one axis.
import type { ReduceOp } from '../backend.js';
import type { FloatStorage, Storage } from '../../tensor/dtype.js';

export function reduce(
  op: ReduceOp,
  x: Storage,
  shape: readonly number[],
  reduced: readonly boolean[],
  out: Storage,
): void {
  const r = shape.length;
  const init = op === 'sum' ? 0 : op === 'prod' ? 1 : op === 'max' ? -Infinity : Infinity;
  const acc = new Float64Array(out.length).fill(init);
  // output strides for kept dims, 0 for reduced dims
  const ost = new Array<number>(r).fill(0);
  let s = 1;
  for (let d = r - 1; d >= 0; d--) {
    if (!reduced[d]) {
      ost[d] = s;
      s *= shape[d]!;
    }
  }
  const total = x.length;
  if (total > 0) {
    const idx = new Array<number>(r).fill(0);
    let o = 0;
    const last = r - 1;
    const lastLen = r === 0 ? 1 : shape[last]!;
    const lastSt = r === 0 ? 0 : ost[last]!;
    for (let i = 0; i < total; i += lastLen) {
      let oo = o;
      switch (op) {
        case 'sum':
          for (let j = 0; j < lastLen; j++, oo += lastSt) acc[oo]! += x[i + j]!;
          break;
        case 'prod':
          for (let j = 0; j < lastLen; j++, oo += lastSt) acc[oo]! *= x[i + j]!;
          break;
        case 'max':
          for (let j = 0; j < lastLen; j++, oo += lastSt) {
            const v = x[i + j]!;
            if (v > acc[oo]! || v !== v) acc[oo] = v;
          }
          break;
        case 'min':
          for (let j = 0; j < lastLen; j++, oo += lastSt) {
            const v = x[i + j]!;
            if (v < acc[oo]! || v !== v) acc[oo] = v;
          }
          break;
        default:
          op satisfies never;
      }
      for (let d = last - 1; d >= 0; d--) {
        idx[d]!++;
        o += ost[d]!;
        if (idx[d]! < shape[d]!) break;
        o -= ost[d]! * shape[d]!;
        idx[d] = 0;
      }
    }
  }
  // NaN must stick for max/min: the comparisons above keep it once seen (v !== v assigns NaN; NaN > v is false)
  for (let i = 0; i < out.length; i++) out[i] = acc[i]!;
}

export function argReduce(
  op: 'argmax' | 'argmin',
  x: Storage,
  outer: number,
  n: number,
  inner: number,
  out: Storage,
): void {
  const isMax = op === 'argmax';
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < inner; r++) {
      const base = o * n * inner + r;
      let best = x[base]!;
      let bi = 0;
      if (best === best) {
        for (let j = 1; j < n; j++) {
          const v = x[base + j * inner]!;
          if (v !== v) {
            bi = j;
            break;
          }
          if (isMax ? v > best : v < best) {
            best = v;
            bi = j;
          }
        }
      }
      out[o * inner + r] = bi;
    }
  }
}

export function softmax(
  x: FloatStorage,
  outer: number,
  n: number,
  inner: number,
  out: FloatStorage,
  log: boolean,
): void {
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < inner; r++) {
      const base = o * n * inner + r;
      let m = -Infinity;
      for (let j = 0; j < n; j++) {
        const v = x[base + j * inner]!;
        if (v > m || v !== v) m = v;
      }
      if (m === -Infinity) m = 0;
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.exp(x[base + j * inner]! - m);
      if (log) {
        const ls = Math.log(s) + m;
        for (let j = 0; j < n; j++) out[base + j * inner] = x[base + j * inner]! - ls;
      } else {
        for (let j = 0; j < n; j++) out[base + j * inner] = Math.exp(x[base + j * inner]! - m) / s;
      }
    }
  }
}

export function softmaxGrad(
  y: FloatStorage,
  g: FloatStorage,
  outer: number,
  n: number,
  inner: number,
  out: FloatStorage,
  log: boolean,
): void {
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < inner; r++) {
      const base = o * n * inner + r;
      let s = 0;
      if (log) {
        // d logsoftmax: g - softmax * sum(g)
        for (let j = 0; j < n; j++) s += g[base + j * inner]!;
        for (let j = 0; j < n; j++) {
          const k = base + j * inner;
          out[k] = g[k]! - Math.exp(y[k]!) * s;
        }
      } else {
        // d softmax: y * (g - sum(g * y))
        for (let j = 0; j < n; j++) s += g[base + j * inner]! * y[base + j * inner]!;
        for (let j = 0; j < n; j++) {
          const k = base + j * inner;
          out[k] = y[k]! * (g[k]! - s);
        }
      }
    }
  }
}
