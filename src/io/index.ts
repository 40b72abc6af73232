// Public weights I/O: load/save of .pth and safetensors (weights.ts), checkpoints, and the raw layer that keeps
// file dtypes such as float16 (for inspecting and converting files).
export {
  load,
  loadBytes,
  loadRaw,
  save,
  saveBytes,
  detectFormat,
  type StateDict,
  type WeightsFormat,
  type LoadOptions,
  type SaveOptions,
  type RawContents,
} from './weights.js';
export { readSafetensors, type SafetensorsContents } from './safetensors.js';
export { rawToTensor, castRaw, RawTensorValue, type RawTensor, type IoDType, type SaveDType } from './raw.js';
export { PyObject } from './pickle/values.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  type CheckpointParts,
  type LoadedCheckpoint,
  type Stateful,
  type GeneratorState,
} from './checkpoint.js';
