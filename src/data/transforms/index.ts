// weightroom.transforms: torchvision.transforms' names and semantics, seeded through the DataLoader.
export {
  compose,
  toTensor,
  pilToTensor,
  toPILImage,
  normalize,
  randomErasing,
  type RandomErasingOptions,
} from './tensor.js';
export {
  resize,
  centerCrop,
  pad,
  randomCrop,
  randomResizedCrop,
  randomResizedCropParams,
  randomHorizontalFlip,
  randomVerticalFlip,
  randomRotation,
  type ImageTransform,
  type RandomCropOptions,
  type RandomResizedCropOptions,
} from './geometry.js';
export { colorJitter, grayscale, randomGrayscale, type ColorJitterOptions } from './color.js';
export { transformFromSpec } from './spec.js';
export type { Transform, TransformSpec } from './types.js';
export type { ImageLike } from './raster.js';
export * as functional from './functional-all.js';
