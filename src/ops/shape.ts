// Shape and indexing ops with their backward: reshape/view, flatten, (un)squeeze, permute/transpose, expand,
// cat/stack/split/chunk/narrow/slice, indexSelect, gather, pad.
import { getBackend } from '../backend/index.js';
import { isIntegral, promoteTypes, type DType } from '../tensor/dtype.js';
import { checkShape, fmtShape, normDim, numel } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { cast } from './elementwise.js';
import { sumToShape } from './reduce.js';
import { checkTensor, empty, emptyUninit, record } from './util.js';

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Same data, new shape (one -1 is inferred). Shares the buffer, like view(). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', x);
  const s = [...shape];
  const neg = s.filter((v) => v === -1).length;
  if (neg > 1) throw new Error(`reshape: only one dimension can be -1, got ${fmtShape(shape)}`);
  if (neg === 1) {
    const known = prod(s.filter((v) => v !== -1));
    const i = s.indexOf(-1);
    if (known === 0 || x.numel % known !== 0) {
      throw new Error(
        `reshape: shape ${fmtShape(shape)} is invalid for input of size ${x.numel} (shape ${fmtShape(x.shape)})`,
      );
    }
    s[i] = x.numel / known;
  }
  checkShape('reshape', s);
  if (numel(s) !== x.numel) {
    throw new Error(
      `reshape: shape ${fmtShape(shape)} is invalid for input of size ${x.numel} (shape ${fmtShape(x.shape)})`,
    );
  }
  const out = x.viewAs(s);
  return record('reshape', [x], out, (g) => [reshape(g, x.shape)]);
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor('flatten', x);
  if (x.ndim === 0) return reshape(x, [1]);
  const a = normDim('flatten', startDim, x.ndim);
  const b = normDim('flatten', endDim, x.ndim);
  if (a > b) throw new Error(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  return reshape(x, [...x.shape.slice(0, a), prod(x.shape.slice(a, b + 1)), ...x.shape.slice(b + 1)]);
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor('unsqueeze', x);
  const d = normDim('unsqueeze', dim, x.ndim + 1);
  const s = [...x.shape];
  s.splice(d, 0, 1);
  return reshape(x, s);
}

/** Remove size-1 dims (all of them, or only `dim`, which is left alone if its size is not 1, like torch). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  checkTensor('squeeze', x);
  if (dim === undefined)
    return reshape(
      x,
      x.shape.filter((s) => s !== 1),
    );
  if (x.ndim === 0) return x;
  const d = normDim('squeeze', dim, x.ndim);
  if (x.shape[d] !== 1) return x;
  return reshape(
    x,
    x.shape.filter((_, i) => i !== d),
  );
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor('permute', x);
  if (dims.length !== x.ndim) {
    throw new Error(
      `permute: got ${dims.length} dims ${fmtShape(dims)} for a ${x.ndim}-d tensor ${fmtShape(x.shape)}`,
    );
  }
  const perm = dims.map((d) => normDim('permute', d, x.ndim));
  if (new Set(perm).size !== perm.length) throw new Error(`permute: repeated dim in ${fmtShape(dims)}`);
  if (perm.every((p, i) => p === i)) return x;
  const shape = perm.map((p) => x.shape[p]!);
  const out = emptyUninit(x.dtype, shape);
  getBackend().permute(x.data, x.shape, perm, out.data);
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return record('permute', [x], out, (g) => [permute(g, inv)]);
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor('transpose', x);
  if (x.ndim === 0) return x;
  const a = normDim('transpose', dim0, x.ndim);
  const b = normDim('transpose', dim1, x.ndim);
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** Broadcast to `shape` (-1 keeps a size; new dims may be added in front). Materialises a copy. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('expand', x);
  if (shape.length < x.ndim) {
    throw new Error(`expand: target ${fmtShape(shape)} has fewer dims than the tensor ${fmtShape(x.shape)}`);
  }
  const lead = shape.length - x.ndim;
  const target = shape.map((s, i) => {
    const cur = i >= lead ? x.shape[i - lead]! : undefined;
    if (s === -1) {
      if (cur === undefined)
        throw new Error(`expand: -1 is not allowed for new leading dim ${i} in ${fmtShape(shape)}`);
      return cur;
    }
    if (cur !== undefined && cur !== 1 && cur !== s) {
      throw new Error(
        `expand: the size of dim ${i - lead} (${cur}) must match the target ${s} at non-singleton dim ${i}; ` +
          `tensor ${fmtShape(x.shape)} → ${fmtShape(shape)}`,
      );
    }
    return s;
  });
  checkShape('expand', target);
  if (target.length === x.ndim && target.every((s, i) => s === x.shape[i])) return x;
  const out = emptyUninit(x.dtype, target);
  getBackend().expand(x.data, x.shape, out.data, target);
  return record('expand', [x], out, (g) => [sumToShape(g, x.shape)]);
}

function axisSplit(shape: readonly number[], d: number): [number, number, number] {
  return [prod(shape.slice(0, d)), shape[d]!, prod(shape.slice(d + 1))];
}

/** Concatenate along an existing dim; dtypes promote. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new Error('cat: expected a non-empty list of tensors');
  tensors.forEach((t, i) => checkTensor('cat', t, `tensors[${i}]`));
  // torch skips legacy empty 1-d tensors of shape [0]
  const parts = tensors.filter((t) => !(t.ndim === 1 && t.numel === 0));
  if (parts.length === 0) return tensors[0]!;
  const ref = parts[0]!;
  const d = normDim('cat', dim, ref.ndim);
  let dtype: DType = ref.dtype;
  let total = 0;
  parts.forEach((t, i) => {
    if (t.ndim !== ref.ndim || t.shape.some((s: number, j: number) => j !== d && s !== ref.shape[j])) {
      throw new Error(
        `cat: tensors[${i}] has shape ${fmtShape(t.shape)}, expected ${fmtShape(ref.shape)} except in dim ${d}`,
      );
    }
    dtype = promoteTypes(dtype, t.dtype);
    total += t.shape[d]!;
  });
  const shape = [...ref.shape];
  shape[d] = total;
  const out = empty(dtype, shape);
  let at = 0;
  for (const t of parts) {
    const src = t.dtype === dtype ? t : cast(t.detach(), dtype);
    const [outer, n, inner] = axisSplit(t.shape, d);
    getBackend().copyAxis(src.data, outer, n, inner, out.data, total, at);
    at += n;
  }
  return record('cat', [...parts], out, (g, needs) => {
    let off = 0;
    return parts.map((t, i) => {
      const n = t.shape[d]!;
      const r = needs[i] ? narrow(g, d, off, n) : null;
      off += n;
      return r && r.dtype !== t.dtype ? cast(r, t.dtype) : r;
    });
  });
}

/** Join along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new Error('stack: expected a non-empty list of tensors');
  const ref = tensors[0]!;
  tensors.forEach((t, i) => {
    checkTensor('stack', t, `tensors[${i}]`);
    if (t.shape.join() !== ref.shape.join()) {
      throw new Error(
        `stack: all tensors must have the same shape; tensors[0] ${fmtShape(ref.shape)} vs tensors[${i}] ${fmtShape(t.shape)}`,
      );
    }
  });
  const d = normDim('stack', dim, ref.ndim + 1);
  return cat(
    tensors.map((t) => unsqueeze(t, d)),
    d,
  );
}

/** Elements [start, end) with step along dim; negative indices count from the end; bounds clamp like Python slices. */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  checkTensor('slice', x);
  const d = normDim('slice', dim, x.ndim);
  if (!Number.isInteger(step) || step <= 0)
    throw new Error(`slice: step must be a positive integer, got ${step}`);
  const n = x.shape[d]!;
  const norm = (v: number) => {
    const r = v < 0 ? v + n : v;
    return Math.min(Math.max(r, 0), n);
  };
  const s = start == null ? 0 : norm(start);
  const e = end == null ? n : norm(end);
  const len = e > s ? Math.ceil((e - s) / step) : 0;
  const shape = [...x.shape];
  shape[d] = len;
  const [outer, , inner] = axisSplit(x.shape, d);
  const out = emptyUninit(x.dtype, shape);
  getBackend().sliceAxis(x.data, outer, n, inner, s, len, step, out.data);
  return record('slice', [x], out, (g) => {
    const gx = empty(g.dtype, x.shape);
    getBackend().sliceAxisBackward(g.data, outer, n, inner, s, len, step, gx.data);
    return [gx];
  });
}

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor('narrow', x);
  const d = normDim('narrow', dim, x.ndim);
  const n = x.shape[d]!;
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(length) || length < 0 || s < 0 || s + length > n) {
    throw new Error(
      `narrow: start ${start} + length ${length} exceeds dim ${d} of size ${n} (shape ${fmtShape(x.shape)})`,
    );
  }
  return slice(x, d, s, s + length);
}

/** Split into pieces of `size` (the last may be smaller) or of the given section sizes. */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  checkTensor('split', x);
  const d = normDim('split', dim, x.ndim);
  const n = x.shape[d]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) {
      throw new Error(`split: split size must be a positive integer, got ${sizeOrSections}`);
    }
    sizes = [];
    for (let i = 0; i < n; i += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - i));
    if (n === 0) sizes = [0];
  } else {
    sizes = [...sizeOrSections];
    const tot = sizes.reduce((a, b) => a + b, 0);
    if (tot !== n || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new Error(
        `split: sections ${fmtShape(sizes)} must sum to dim ${d}'s size ${n} (shape ${fmtShape(x.shape)})`,
      );
    }
  }
  let off = 0;
  return sizes.map((s) => {
    const r = narrow(x, d, off, s);
    off += s;
    return r;
  });
}

export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor('chunk', x);
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new Error(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normDim('chunk', dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[d]! / chunks)), d);
}

function checkIndex(op: string, index: Tensor, bound: number, dimDesc: string): void {
  checkTensor(op, index, 'index');
  if (!isIntegral(index.dtype))
    throw new Error(`${op}: index must be an integer tensor (int64/int32), got ${index.dtype}`);
  const d = index.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v < 0 || v >= bound) {
      throw new Error(`${op}: index ${v} is out of bounds for ${dimDesc} with size ${bound}`);
    }
  }
}

/** Rows (or slices along dim) picked by a 1-d index. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor('indexSelect', x);
  const d = normDim('indexSelect', dim, x.ndim);
  if (index.ndim > 1) throw new Error(`indexSelect: index must be 0-d or 1-d, got ${fmtShape(index.shape)}`);
  const n = x.ndim === 0 ? 1 : x.shape[d]!;
  checkIndex('indexSelect', index, n, `dim ${d}`);
  const shape = [...x.shape];
  if (x.ndim > 0) shape[d] = index.numel;
  const [outer, , inner] = x.ndim === 0 ? [1, 1, 1] : axisSplit(x.shape, d);
  const out = emptyUninit(x.dtype, shape);
  getBackend().indexSelect(x.data, outer, n, inner, index.data, out.data);
  return record('indexSelect', [x], out, (g) => {
    const gx = empty(g.dtype, x.shape);
    getBackend().indexAdd(g.data, outer, n, inner, index.data, gx.data);
    return [gx];
  });
}

/** out[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (and so on), torch.gather. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor('gather', x);
  const d = normDim('gather', dim, x.ndim);
  checkTensor('gather', index, 'index');
  if (index.ndim !== x.ndim) {
    throw new Error(
      `gather: index ${fmtShape(index.shape)} must have as many dims as the input ${fmtShape(x.shape)}`,
    );
  }
  for (let i = 0; i < x.ndim; i++) {
    if (i !== d && index.shape[i]! > x.shape[i]!) {
      throw new Error(
        `gather: index ${fmtShape(index.shape)} is larger than the input ${fmtShape(x.shape)} in dim ${i}`,
      );
    }
  }
  checkIndex('gather', index, x.ndim === 0 ? 1 : x.shape[d]!, `dim ${d}`);
  const out = emptyUninit(x.dtype, index.shape);
  getBackend().gather(x.data, x.shape, d, index.data, index.shape, out.data);
  return record('gather', [x], out, (g) => {
    const gx = empty(g.dtype, x.shape);
    getBackend().scatterAdd(g.data, index.shape, d, index.data, gx.data, x.shape);
    return [gx];
  });
}

/**
 * Constant padding, torch.nn.functional.pad's convention: `pads` lists (before, after) pairs starting from the
 * LAST dim, e.g. [left, right, top, bottom] for the two spatial dims of NCHW. Negative pads crop.
 */
export function pad(
  x: Tensor,
  pads: readonly number[],
  opts: { mode?: 'constant'; value?: number } = {},
): Tensor {
  checkTensor('pad', x);
  const mode = opts.mode ?? 'constant';
  if (mode !== 'constant') throw new Error(`pad: only mode 'constant' is supported, got '${String(mode)}'`);
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    throw new Error(
      `pad: pads must be (before, after) pairs for at most ${x.ndim} dims, got ${fmtShape(pads)}`,
    );
  }
  const full = new Array<number>(2 * x.ndim).fill(0);
  for (let i = 0; i < pads.length / 2; i++) {
    const d = x.ndim - 1 - i;
    full[2 * d] = pads[2 * i]!;
    full[2 * d + 1] = pads[2 * i + 1]!;
  }
  if (full.some((p) => !Number.isInteger(p)))
    throw new Error(`pad: pads must be integers, got ${fmtShape(pads)}`);
  const shape = x.shape.map((s, d) => s + full[2 * d]! + full[2 * d + 1]!);
  shape.forEach((s, d) => {
    if (s < 0)
      throw new Error(
        `pad: padding ${fmtShape(pads)} makes dim ${d} of ${fmtShape(x.shape)} negative (${s})`,
      );
  });
  const out = empty(x.dtype, shape);
  getBackend().pad(x.data, x.shape, full, opts.value ?? 0, out.data);
  return record('pad', [x], out, (g) => {
    // the gradient is the un-padding: pad with the negated amounts (a crop)
    const gx = empty(g.dtype, x.shape);
    getBackend().pad(
      g.data,
      g.shape,
      full.map((p) => -p),
      0,
      gx.data,
    );
    return [gx];
  });
}
