// Rebuilding built-in transforms from their specs (in DataLoader worker threads): an explicit table from spec
// name to factory, nothing registered by side effect.
import * as G from './geometry.js';
import * as C from './color.js';
import * as T from './tensor.js';
import type { Transform, TransformSpec } from './types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const FACTORIES: Record<string, (...args: any[]) => Transform> = {
  compose: (specs: TransformSpec[]) => T.compose(specs.map(transformFromSpec)),
  toTensor: T.toTensor,
  pilToTensor: T.pilToTensor,
  toPILImage: T.toPILImage,
  normalize: T.normalize,
  randomErasing: T.randomErasing,
  resize: G.resize,
  centerCrop: G.centerCrop,
  pad: G.pad,
  randomCrop: G.randomCrop,
  randomResizedCrop: G.randomResizedCrop,
  randomHorizontalFlip: G.randomHorizontalFlip,
  randomVerticalFlip: G.randomVerticalFlip,
  randomRotation: G.randomRotation,
  colorJitter: C.colorJitter,
  grayscale: C.grayscale,
  randomGrayscale: C.randomGrayscale,
};
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The transform a spec describes. */
export function transformFromSpec(spec: TransformSpec): Transform {
  const make = Object.hasOwn(FACTORIES, spec.name) ? FACTORIES[spec.name] : undefined;
  if (!make) throw new Error(`transformFromSpec: unknown transform '${spec.name}'`);
  return make(...spec.args);
}
