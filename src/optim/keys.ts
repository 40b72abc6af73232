// The data names of optimizer hyper-parameters: weightroom's camelCase group fields and PyTorch's state_dict
// keys, written once here as literals (never derived by reflection), plus option validation helpers.

/** camelCase group field → PyTorch param_groups key, for every hyper-parameter an optimizer or scheduler sets. */
export const TORCH_GROUP_KEYS: Readonly<Record<string, string>> = {
  lr: 'lr',
  momentum: 'momentum',
  dampening: 'dampening',
  weightDecay: 'weight_decay',
  nesterov: 'nesterov',
  maximize: 'maximize',
  betas: 'betas',
  eps: 'eps',
  amsgrad: 'amsgrad',
  alpha: 'alpha',
  centered: 'centered',
  lrDecay: 'lr_decay',
  initialAccumulatorValue: 'initial_accumulator_value',
  // set on the groups by LR schedulers
  initialLr: 'initial_lr',
  maxLr: 'max_lr',
  minLr: 'min_lr',
  maxMomentum: 'max_momentum',
  baseMomentum: 'base_momentum',
};

/** PyTorch key → camelCase field (the inverse of TORCH_GROUP_KEYS). */
export const CAMEL_GROUP_KEYS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(TORCH_GROUP_KEYS).map(([camel, torch]) => [torch, camel]),
);

/** torch's name for a group field (unknown user keys pass through unchanged). */
export function torchKey(camel: string): string {
  return TORCH_GROUP_KEYS[camel] ?? camel;
}

/** weightroom's name for a torch param_groups key (unknown keys pass through unchanged). */
export function camelKey(torch: string): string {
  return CAMEL_GROUP_KEYS[torch] ?? torch;
}

function fmt(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(fmt).join(', ')}]`;
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/** Throws `${who}: ${name} must be a number >= 0, got …` unless v is a finite number >= 0. */
export function checkNonNegative(who: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
    throw new Error(`${who}: ${name} must be a number >= 0, got ${fmt(v)}`);
  }
}

/** Throws unless 0 <= v < 1. */
export function checkUnitInterval(who: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) {
    throw new Error(`${who}: ${name} must be a number in [0, 1), got ${fmt(v)}`);
  }
}

/** Throws unless v is a boolean. */
export function checkBoolean(who: string, name: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new Error(`${who}: ${name} must be true or false, got ${fmt(v)}`);
}

/** Throws unless v is a finite number. */
export function checkFinite(who: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`${who}: ${name} must be a finite number, got ${fmt(v)}`);
  }
}

/** Throws unless v is an integer >= min. */
export function checkInteger(who: string, name: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new Error(`${who}: ${name} must be an integer >= ${min}, got ${fmt(v)}`);
  }
}

export { fmt as formatValue };
