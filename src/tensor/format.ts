// PyTorch-like printing: `tensor([[1.0000, 2.5000], …], requires_grad=True)`, integer mode, scientific mode,
// summarisation of large tensors with edge items.
import type { Tensor } from './tensor.js';

const THRESHOLD = 1000;
const EDGE = 3;
const PRECISION = 4;

function formatter(t: Tensor, summarize: boolean): (v: number) => string {
  const d = t.data;
  if (t.dtype === 'bool') {
    const w = Array.prototype.some.call(d, (v: number) => !v) ? 5 : 4;
    return (v) => (v ? 'True' : 'False').padStart(w);
  }
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    let w = 1;
    for (let i = 0; i < d.length; i++) w = Math.max(w, String(d[i]).length);
    return (v) => String(v).padStart(w);
  }
  const finite: number[] = [];
  const pick = (i: number) => {
    const v = d[i]!;
    if (Number.isFinite(v)) finite.push(Math.abs(v));
  };
  if (summarize) {
    for (let i = 0; i < Math.min(d.length, 2000); i++) pick(i);
    for (let i = Math.max(0, d.length - 2000); i < d.length; i++) pick(i);
  } else for (let i = 0; i < d.length; i++) pick(i);
  const intMode = finite.every((v) => Number.isInteger(v));
  const nonzero = finite.filter((v) => v !== 0);
  const mx = nonzero.length ? Math.max(...nonzero) : 0;
  const mn = nonzero.length ? Math.min(...nonzero) : 0;
  let fmt: (v: number) => string;
  if (intMode) {
    fmt = (v) =>
      Number.isFinite(v) ? `${v.toFixed(0)}.` : String(v).replace('Infinity', 'inf').replace('NaN', 'nan');
    if (mx > 1e8) fmt = (v) => sci(v);
  } else if (nonzero.length && (mx / mn > 1000 || mx > 1e8 || mn < 1e-4)) {
    fmt = sci;
  } else {
    fmt = (v) =>
      Number.isFinite(v) ? v.toFixed(PRECISION) : String(v).replace('Infinity', 'inf').replace('NaN', 'nan');
  }
  let w = 1;
  for (let i = 0; i < Math.min(d.length, 4000); i++) w = Math.max(w, fmt(d[i]!).length);
  return (v) => fmt(v).padStart(w);
}

function sci(v: number): string {
  if (!Number.isFinite(v)) return String(v).replace('Infinity', 'inf').replace('NaN', 'nan');
  const s = v.toExponential(PRECISION);
  const [m, e] = s.split('e');
  const ex = Number(e);
  return `${m}e${ex < 0 ? '-' : '+'}${String(Math.abs(ex)).padStart(2, '0')}`;
}

export function formatTensor(t: Tensor): string {
  const summarize = t.numel > THRESHOLD;
  const f = formatter(t, summarize);
  const indent = 'tensor('.length;
  const strides: number[] = [];
  let s = 1;
  for (let i = t.ndim - 1; i >= 0; i--) {
    strides[i] = s;
    s *= t.shape[i]!;
  }
  const rec = (dim: number, off: number, ind: number): string => {
    if (dim === t.ndim) return f(t.data[off]!);
    const n = t.shape[dim]!;
    const idx: (number | null)[] = [];
    if (summarize && n > 2 * EDGE) {
      for (let i = 0; i < EDGE; i++) idx.push(i);
      idx.push(null);
      for (let i = n - EDGE; i < n; i++) idx.push(i);
    } else for (let i = 0; i < n; i++) idx.push(i);
    const parts = idx.map((i) =>
      i === null ? (dim === t.ndim - 1 ? ' ...' : '...') : rec(dim + 1, off + i * strides[dim]!, ind + 1),
    );
    if (dim === t.ndim - 1) return `[${parts.join(', ')}]`;
    const sep = ',' + '\n'.repeat(t.ndim - dim - 1) + ' '.repeat(ind + 1);
    return `[${parts.join(sep)}]`;
  };
  let body =
    t.numel === 0 && t.ndim > 0
      ? t.ndim === 1
        ? '[]'
        : `[], size=(${t.shape.join(', ')})`
      : rec(0, 0, indent);
  const extras: string[] = [];
  if (t.dtype !== 'float32' && t.dtype !== 'int64' && t.dtype !== 'bool')
    extras.push(`dtype=torch.${t.dtype}`);
  if (t.gradFn) extras.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push('requires_grad=True');
  if (extras.length) body += ', ' + extras.join(', ');
  return `tensor(${body})`;
}
