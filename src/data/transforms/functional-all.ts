// transforms.functional: the deterministic operations behind the transforms (torchvision.transforms.functional).
export {
  resize,
  resizedSize,
  crop,
  centerCrop,
  pad,
  hflip,
  vflip,
  rotate,
  type ResizeOptions,
  type Interpolation,
  type PaddingMode,
} from './functional.js';
export { rgbToGrayscale, adjustBrightness, adjustContrast, adjustSaturation, adjustHue } from './color.js';
