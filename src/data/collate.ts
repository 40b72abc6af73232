// defaultCollate (torch.utils.data.default_collate): a list of samples → one batch. Tensors are stacked on a new
// dim 0, integers become an int64 tensor, floats float64, booleans bool; arrays and objects are collated per field.
import { Tensor } from '../tensor/tensor.js';
import { allocStorage, type DType } from '../tensor/dtype.js';
import { isImage } from './image.js';

/** Batch a list of samples the way torch's default_collate does (see the file comment). */
export function defaultCollate(samples: readonly unknown[]): unknown {
  return collateAt(samples, '');
}

function where(path: string): string {
  return path === '' ? '' : ` (field ${path})`;
}

function collateAt(samples: readonly unknown[], path: string): unknown {
  if (samples.length === 0) throw new Error('collate: cannot collate an empty batch');
  const first = samples[0];
  if (first instanceof Tensor) return stackTensors(samples, path);
  if (typeof first === 'number') {
    const nums = samples.map((s, i) => expectType<number>(s, 'number', i, path));
    const integral = nums.every(Number.isInteger);
    return numbersTensor(nums, integral ? 'int64' : 'float64');
  }
  if (typeof first === 'boolean') {
    const b = samples.map((s, i) => (expectType<boolean>(s, 'boolean', i, path) ? 1 : 0));
    return numbersTensor(b, 'bool');
  }
  if (typeof first === 'string') return samples.map((s, i) => expectType<string>(s, 'string', i, path));
  if (isImage(first))
    throw new Error(
      `collate: samples${where(path)} are Images; convert them to tensors first (add transforms.toTensor() to the dataset's transform)`,
    );
  if (Array.isArray(first)) {
    const len = first.length;
    samples.forEach((s, i) => {
      if (!Array.isArray(s) || s.length !== len)
        throw new Error(
          `collate: each element in the batch should be an array of equal size${where(path)}: sample 0 has ${len}, sample ${i} has ${Array.isArray(s) ? s.length : typeof s}`,
        );
    });
    return first.map((_, k) =>
      collateAt(
        samples.map((s) => (s as unknown[])[k]),
        `${path}[${k}]`,
      ),
    );
  }
  if (first !== null && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    const keys = Object.keys(first);
    const out: Record<string, unknown> = {};
    for (const k of keys)
      out[k] = collateAt(
        samples.map((s, i) => {
          if (s === null || typeof s !== 'object' || !(k in s))
            throw new Error(`collate: sample ${i} has no key '${k}'${where(path)}`);
          return (s as Record<string, unknown>)[k];
        }),
        path === '' ? k : `${path}.${k}`,
      );
    return out;
  }
  throw new Error(
    `collate: default collate found ${first === null ? 'null' : typeof first}${where(path)}; samples must hold tensors, numbers, booleans, strings, arrays or plain objects`,
  );
}

function expectType<T>(s: unknown, type: string, i: number, path: string): T {
  if (typeof s !== type)
    throw new Error(`collate: sample ${i}${where(path)} is ${typeof s}, sample 0 is ${type}`);
  return s as T;
}

function numbersTensor(values: number[], dtype: DType): Tensor {
  const data = allocStorage(dtype, values.length);
  data.set(values);
  return new Tensor(data, [values.length], dtype);
}

function stackTensors(samples: readonly unknown[], path: string): Tensor {
  const first = samples[0] as Tensor;
  const { shape, dtype } = first;
  const size = first.numel;
  const out = allocStorage(dtype, size * samples.length);
  samples.forEach((s, i) => {
    if (!(s instanceof Tensor))
      throw new Error(`collate: sample ${i}${where(path)} is not a Tensor, sample 0 is`);
    if (s.dtype !== dtype || s.shape.length !== shape.length || s.shape.some((d, k) => d !== shape[k]))
      throw new Error(
        `collate: stack expects each tensor to be equal size and dtype, but sample 0${where(path)} is [${shape.join(', ')}] ${dtype} and sample ${i} is [${s.shape.join(', ')}] ${s.dtype}; resize or crop them to one size (transforms.resize / centerCrop)`,
      );
    out.set(s.data as never, i * size);
  });
  return new Tensor(out, [samples.length, ...shape], dtype);
}
