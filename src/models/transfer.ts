// Transfer learning: replace a network's head, freeze stages (optionally keeping their BatchNorm in eval mode),
// parameter groups for discriminative learning rates, and trainable/frozen counts.
import { Module } from '../nn/module.js';
import { Conv2d, Linear } from '../nn/layers/linear.js';
import { BatchNorm1d, BatchNorm2d } from '../nn/layers/norm.js';
import type { Parameter } from '../nn/parameter.js';
import { entry, list, type Classifier } from './registry.js';

type AnyModule = Module<never[], unknown>;

/** The dotted path of the classification head: the registry's for known architectures, else the last Linear. */
export function headPath(model: AnyModule | Classifier, arch?: string): string {
  if (arch) return entry(arch).head;
  let last: string | null = null;
  for (const [name, m] of model.namedModules()) if (m instanceof Linear) last = name;
  if (last === null)
    throw new Error('replaceHead: the model has no Linear layer; pass the architecture name');
  return last;
}

/**
 * Replace the classification head with a fresh layer for `numClasses` (PyTorch's default init), e.g. a
 * 1000-class ImageNet head by a 10-class one. Returns the new head.
 */
export function replaceHead(
  model: Classifier,
  numClasses: number,
  opts: { arch?: string } = {},
): Linear | Conv2d {
  if (!Number.isInteger(numClasses) || numClasses <= 0)
    throw new Error(`replaceHead: numClasses must be a positive integer, got ${numClasses}`);
  const path = headPath(model as unknown as AnyModule, opts.arch);
  const old = model.getSubmodule(path);
  let fresh: Linear | Conv2d;
  if (old instanceof Linear)
    fresh = new Linear(old.inFeatures, numClasses, { bias: old.bias !== null, dtype: old.weight.dtype });
  else if (old instanceof Conv2d)
    fresh = new Conv2d(old.inChannels, numClasses, old.kernelSize, { bias: old.bias !== null });
  else throw new Error(`replaceHead: '${path}' is a ${old.typeName}, not a Linear or Conv2d`);
  model.setSubmodule(path, fresh as unknown as Module<never, unknown>);
  return fresh;
}

export interface FreezeOptions {
  /** Freeze every top-level stage up to and including this one (e.g. 'layer3' of a ResNet). */
  upTo?: string;
  /** Freeze parameters whose names start with one of these prefixes. */
  prefixes?: string[];
  /** Architecture name (for its stage list); default: the model's top-level children in order. */
  arch?: string;
  /** Keep BatchNorm layers of frozen stages in eval mode so their running statistics stay fixed (default true). */
  bnEval?: boolean;
}

/** Freeze part of a model; returns the frozen parameter names. */
export function freeze(model: Classifier, opts: FreezeOptions = {}): string[] {
  const stages =
    opts.arch && list().includes(opts.arch)
      ? entry(opts.arch).stages
      : [...model.namedChildren()].map(([n]) => n);
  const prefixes = [...(opts.prefixes ?? [])];
  if (opts.upTo !== undefined) {
    const i = stages.indexOf(opts.upTo);
    if (i < 0) throw new Error(`freeze: unknown stage '${opts.upTo}'; stages: ${stages.join(', ')}`);
    prefixes.push(...stages.slice(0, i + 1));
  }
  if (prefixes.length === 0) prefixes.push(''); // everything
  const match = (name: string) => prefixes.some((p) => p === '' || name === p || name.startsWith(`${p}.`));
  const frozen: string[] = [];
  for (const [name, p] of model.namedParameters()) {
    if (match(name)) {
      p.requiresGrad = false;
      frozen.push(name);
    }
  }
  if (opts.bnEval ?? true) {
    for (const [name, m] of model.namedModules()) {
      if ((m instanceof BatchNorm2d || m instanceof BatchNorm1d) && match(name)) {
        m.keepEval = true;
        m.training = false;
      }
    }
  }
  return frozen;
}

/** Undo freeze(): every parameter trainable, BatchNorm follows train()/eval() again. */
export function unfreeze(model: Classifier): void {
  for (const p of model.parameters()) p.requiresGrad = true;
  for (const m of model.modules()) m.keepEval = false;
}

export interface ParamGroup {
  params: Parameter[];
  lr: number;
  name: string;
}

/**
 * Parameter groups for discriminative learning rates: the head at `headLr`, the (trainable) rest at
 * `backboneLr` (default headLr / 10). Frozen parameters are left out.
 */
export function discriminativeGroups(
  model: Classifier,
  headLr: number,
  opts: { backboneLr?: number; arch?: string } = {},
): ParamGroup[] {
  const head = headPath(model as unknown as AnyModule, opts.arch);
  const inHead = (n: string) => n === head || n.startsWith(`${head}.`);
  const trainable = model.namedParameters().filter(([, p]) => p.requiresGrad);
  const groups: ParamGroup[] = [
    {
      name: 'backbone',
      lr: opts.backboneLr ?? headLr / 10,
      params: trainable.filter(([n]) => !inHead(n)).map(([, p]) => p),
    },
    { name: 'head', lr: headLr, params: trainable.filter(([n]) => inHead(n)).map(([, p]) => p) },
  ];
  return groups.filter((g) => g.params.length > 0);
}

/** Trainable, frozen and total parameter counts. */
export function parameterSummary(model: Classifier): { trainable: number; frozen: number; total: number } {
  let trainable = 0;
  let frozen = 0;
  for (const p of model.parameters()) {
    if (p.requiresGrad) trainable += p.numel;
    else frozen += p.numel;
  }
  return { trainable, frozen, total: trainable + frozen };
}
