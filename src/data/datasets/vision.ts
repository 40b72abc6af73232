// Shared plumbing of the image datasets: transform/targetTransform application, their worker specs, and
// locating files in a root folder (directly or in torchvision's `root/<Name>/raw/` layout).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SampleContext } from '../dataset.js';
import { specOf, type Transform, type TransformSpec } from '../transforms/types.js';
import { transformFromSpec } from '../transforms/spec.js';

export interface VisionOptions<X, Y> {
  /** Applied to each image (e.g. transforms.compose([...]); toTensor() to get tensors). */
  transform?: Transform<never, X>;
  /** Applied to each label. */
  targetTransform?: Transform<number, Y>;
}

/** [transform(img), targetTransform(label)], passing the loader's context to both. */
export function applyTransforms<X, Y>(
  img: unknown,
  target: number,
  opts: VisionOptions<X, Y>,
  ctx: SampleContext | undefined,
): [X, Y] {
  const x = opts.transform ? opts.transform(img as never, ctx) : (img as X);
  const y = opts.targetTransform ? opts.targetTransform(target, ctx) : (target as Y);
  return [x, y];
}

export interface TransformSpecs {
  transform?: TransformSpec;
  targetTransform?: TransformSpec;
}

/** The specs of a dataset's transforms (throws naming a plain-function transform). */
export function transformSpecs(opts: VisionOptions<unknown, unknown>, owner: string): TransformSpecs {
  const out: TransformSpecs = {};
  if (opts.transform) out.transform = specOf(opts.transform, `the transform of ${owner}`);
  if (opts.targetTransform)
    out.targetTransform = specOf(opts.targetTransform, `the targetTransform of ${owner}`);
  return out;
}

/** Rebuild transforms from transformSpecs(). */
export function transformsFromSpecs(s: TransformSpecs): VisionOptions<unknown, unknown> {
  const out: VisionOptions<unknown, unknown> = {};
  if (s.transform) out.transform = transformFromSpec(s.transform);
  if (s.targetTransform)
    out.targetTransform = transformFromSpec(s.targetTransform) as Transform<number, unknown>;
  return out;
}

/** The first existing `dir/name` over dirs × names, or null. */
export function findFile(dirs: readonly string[], names: readonly string[]): string | null {
  for (const d of dirs) for (const n of names) if (existsSync(join(d, n))) return join(d, n);
  return null;
}
