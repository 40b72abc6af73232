// Training checkpoints: model, optimizer and scheduler state dicts, epoch/step, the generator's RNG state and
// extra values in one torch-loadable .pth (keys as PyTorch users write them: model, optimizer, ...).
import { Tensor } from '../tensor/tensor.js';
import { load, save, type LoadOptions } from './weights.js';

/** Anything with PyTorch's state-dict protocol (Module, Optimizer, LR scheduler). */
export interface Stateful {
  stateDict(): unknown;
  loadStateDict(sd: never): void;
}

/** A random generator whose state round-trips as bytes (weightroom's Generator; torch.get_rng_state layout). */
export interface GeneratorState {
  getState(): Uint8Array;
  setState(s: Uint8Array): unknown;
}

export interface CheckpointParts {
  model?: Stateful;
  optimizer?: Stateful;
  scheduler?: Stateful;
  generator?: GeneratorState;
  epoch?: number;
  step?: number;
  /** Any other values to keep (numbers, strings, arrays, plain objects, tensors), e.g. the best accuracy. */
  extra?: Record<string, unknown>;
}

export interface LoadedCheckpoint {
  epoch: number | null;
  step: number | null;
  extra: Record<string, unknown>;
  /** The whole file as loaded. */
  raw: Record<string, unknown>;
}

const PARTS = ['model', 'optimizer', 'scheduler'] as const;

/**
 * Write a checkpoint atomically. The file is a dict {epoch, step, model, optimizer, scheduler, rng_state, extra}
 * (absent parts omitted); in PyTorch, `ckpt = torch.load(path)` then `net.load_state_dict(ckpt['model'])`.
 */
export async function saveCheckpoint(path: string, parts: CheckpointParts): Promise<void> {
  const obj: Record<string, unknown> = {};
  if (parts.epoch !== undefined) obj.epoch = parts.epoch;
  if (parts.step !== undefined) obj.step = parts.step;
  for (const k of PARTS) if (parts[k]) obj[k] = parts[k]!.stateDict();
  if (parts.generator) {
    const s = parts.generator.getState();
    obj.rng_state = new Tensor(Uint8Array.from(s), [s.length], 'uint8'); // a ByteTensor, like torch.get_rng_state()
  }
  if (parts.extra) obj.extra = parts.extra;
  await save(obj, path, { format: 'pth' });
}

/**
 * Read a checkpoint and restore into the given objects (each must be present in the file); returns epoch, step,
 * extra and the raw contents. A file holding a bare state dict restores `model` from it.
 */
export async function loadCheckpoint(
  path: string | Uint8Array,
  into: Omit<CheckpointParts, 'epoch' | 'step' | 'extra'> = {},
  opts: LoadOptions = {},
): Promise<LoadedCheckpoint> {
  const raw = await load<Record<string, unknown>>(path, opts);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || raw instanceof Map)
    throw new Error('loadCheckpoint: the file does not hold a dict');
  const bareStateDict = Object.values(raw).length > 0 && Object.values(raw).every((v) => v instanceof Tensor);
  for (const k of PARTS) {
    const target = into[k];
    if (!target) continue;
    const sd = k === 'model' && bareStateDict ? raw : raw[k];
    if (sd === undefined || sd === null)
      throw new Error(`loadCheckpoint: the checkpoint has no '${k}' state`);
    target.loadStateDict(sd as never);
  }
  if (into.generator) {
    const s = raw.rng_state;
    if (!(s instanceof Tensor) || s.dtype !== 'uint8')
      throw new Error("loadCheckpoint: the checkpoint has no 'rng_state' byte tensor");
    into.generator.setState(Uint8Array.from(s.data));
  }
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const extra = raw.extra;
  return {
    epoch: num(raw.epoch),
    step: num(raw.step),
    extra:
      extra && typeof extra === 'object' && !Array.isArray(extra) ? (extra as Record<string, unknown>) : {},
    raw,
  };
}
