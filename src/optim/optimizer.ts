// Optimizer base: param groups with per-group hyper-parameters, per-parameter state, zeroGrad/step, and
// stateDict()/loadStateDict() in PyTorch's layout (state keyed by parameter index, torch's key names).
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { isFloat, type FloatStorage } from '../tensor/dtype.js';
import { fmtShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { camelKey, formatValue, torchKey } from './keys.js';

/** A parameter group as the optimizer holds it: its parameters and its hyper-parameters (camelCase). */
export interface ParamGroup {
  params: Tensor[];
  lr: number;
  /** Set by LR schedulers: the lr the schedule starts from (torch's `initial_lr`). */
  initialLr?: number;
  [option: string]: unknown;
}

/** A param group as passed to a constructor or `addParamGroup`: params plus options overriding the defaults. */
export type ParamGroupInput<O> = { params: Iterable<Tensor> | Tensor } & Partial<O> & Record<string, unknown>;

/** What an optimizer constructor takes: parameters (e.g. `model.parameters()`) or a list of param groups. */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** Values found in a state dict: tensors, numbers, flags, lists and nested objects. */
export type StateDictValue =
  Tensor | number | boolean | string | null | readonly StateDictValue[] | { [key: string]: StateDictValue };

/** PyTorch's optimizer state_dict layout: `state` keyed by parameter index, `param_groups` with index lists. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, StateDictValue>>;
  param_groups: ({ params: number[] } & Record<string, StateDictValue>)[];
}

/**
 * The order of torch's param_groups keys: a string is a group field (camelCase, renamed through keys.ts); a
 * pair is a torch-only flag written with a fixed value (`foreach`, `differentiable`, …) and ignored on load.
 */
export type GroupLayout = readonly (string | readonly [string, StateDictValue])[];

export interface OptimizerSpec {
  /** Class name for error messages. */
  name: string;
  layout: GroupLayout;
}

function copyValue<T>(v: T): T {
  return (Array.isArray(v) ? v.map(copyValue) : v) as T;
}

/**
 * Base class of all optimizers. Subclasses check hyper-parameters (`checkGroup`) and run a pure update kernel
 * per parameter (`updateParam`); this class owns groups, state, `step`, `zeroGrad` and the state dict.
 */
export abstract class Optimizer<G extends ParamGroup = ParamGroup, S extends object = object> {
  /** Hyper-parameters used where a param group does not give its own. */
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly paramGroups: G[] = [];
  /** Per-parameter state (momentum buffers, moment estimates, step counts), created on the first step. */
  readonly state = new Map<Tensor, S>();
  protected readonly spec: OptimizerSpec;

  /** `opts`, the constructor's options object, is only checked for unknown names (`defaults` has them all). */
  protected constructor(
    spec: OptimizerSpec,
    params: Params<unknown>,
    defaults: Record<string, unknown>,
    opts: object = {},
  ) {
    this.spec = spec;
    this.defaults = Object.freeze({ ...defaults });
    for (const k of Object.keys(opts)) {
      if (!(k in defaults)) {
        const hint = camelKey(k) !== k ? ` (did you mean '${camelKey(k)}'?)` : '';
        throw new Error(
          `${spec.name}: unknown option '${k}'${hint}; the options are ${Object.keys(defaults).join(', ')}`,
        );
      }
    }
    if (
      params instanceof Tensor ||
      params === null ||
      typeof params !== 'object' ||
      !(Symbol.iterator in params)
    ) {
      throw new TypeError(
        `${spec.name}: params must be an iterable of Tensors or of param groups, got ${params instanceof Tensor ? 'a single Tensor (wrap it in an array)' : formatValue(params)}`,
      );
    }
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new Error(`${spec.name}: got an empty parameter list`);
    const groups = list[0] instanceof Tensor ? [{ params: list as Tensor[] }] : list;
    for (const g of groups) this.addParamGroup(g as ParamGroupInput<unknown>);
  }

  /** Throw a clear error (naming the option) if a group's hyper-parameters are invalid. */
  protected abstract checkGroup(group: G): void;
  /** Update one parameter in place from its gradient (already shape-checked and cast to the param's dtype). */
  protected abstract updateParam(param: Tensor, grad: FloatStorage, group: G): void;
  /** One parameter's state as torch's state_dict entry (tensors copied). */
  protected abstract packState(state: S): Record<string, StateDictValue>;
  /** The inverse of packState; `where` prefixes error messages. */
  protected abstract unpackState(raw: Record<string, StateDictValue>, param: Tensor, where: string): S;

  /**
   * Add a param group (e.g. layers unfrozen during fine-tuning). Options it does not give come from the
   * defaults; a parameter may belong to one group only.
   */
  addParamGroup(input: ParamGroupInput<unknown>): void {
    const who = this.spec.name;
    if (input === null || typeof input !== 'object' || input instanceof Tensor || !('params' in input)) {
      throw new TypeError(
        `${who}: a param group must be an object with a 'params' field, got ${formatValue(input)}`,
      );
    }
    const { params, ...opts } = input;
    const list = toParamList(who, params);
    const group: Record<string, unknown> = { params: list };
    for (const [k, v] of Object.entries(this.defaults)) if (v !== undefined) group[k] = copyValue(v);
    for (const [k, v] of Object.entries(opts)) {
      if (camelKey(k) !== k)
        throw new Error(`${who}: unknown option '${k}' in a param group; did you mean '${camelKey(k)}'?`);
      if (v !== undefined) group[k] = copyValue(v);
    }
    if (group['lr'] === undefined) {
      throw new Error(`${who}: lr is required (give it in the options or in every param group)`);
    }
    this.checkGroup(group as G);
    const taken = new Set(this.paramGroups.flatMap((g) => g.params));
    const clash = list.findIndex((p) => taken.has(p));
    if (clash >= 0) {
      throw new Error(
        `${who}: some parameters appear in more than one parameter group (params[${clash}], shape ${fmtShape(list[clash]!.shape)})`,
      );
    }
    this.paramGroups.push(group as G);
  }

  /**
   * Forget the gradients: `setToNone` (the default, as in torch 2.x) sets `.grad = null`, which also makes the
   * next step skip parameters that get no gradient; `{ setToNone: false }` zeroes them in place.
   */
  zeroGrad({ setToNone = true }: { setToNone?: boolean } = {}): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        let g = p.grad;
        if (g === null) continue;
        if (setToNone) {
          p.grad = null;
          continue;
        }
        if (g.gradFn !== null) p.grad = g = g.detach();
        else if (g.requiresGrad) g.requiresGrad = false;
        g.data.fill(0);
        g.bumpVersion();
      }
    }
  }

  /**
   * One update of every parameter that has a gradient (parameters with `grad === null` are skipped), in place
   * so parameters stay the same objects. `closure`, if given, re-evaluates the loss with grad enabled and its
   * result is returned.
   */
  step<L = unknown>(closure?: () => L): L | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (p.grad === null) continue;
          this.updateParam(p, this.gradData(p, p.grad), group);
          p.bumpVersion();
        }
      }
    });
    return loss;
  }

  private gradData(p: Tensor, g: Tensor): FloatStorage {
    if (g.shape.join() !== p.shape.join()) {
      throw new Error(
        `${this.spec.name}.step: a parameter of shape ${fmtShape(p.shape)} has a gradient of shape ${fmtShape(g.shape)}`,
      );
    }
    return (g.dtype === p.dtype ? g.data : g.to(p.dtype).data) as FloatStorage;
  }

  /**
   * The optimizer's state in PyTorch's layout: `state` keyed by the parameter's index (counted across groups in
   * order), `param_groups` with torch's hyper-parameter names and `params` index lists. Tensors are copies, so
   * the result is a snapshot that later steps do not change.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const packed = this.packGroup(g);
      const ids = g.params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return { ...packed, params: ids };
    });
    const state: Record<number, Record<string, StateDictValue>> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = this.packState(s);
    }
    return { state, param_groups: paramGroups };
  }

  private packGroup(g: G): Record<string, StateDictValue> {
    const out: Record<string, StateDictValue> = {};
    const done = new Set<string>(['params']);
    for (const e of this.spec.layout) {
      if (typeof e === 'string') {
        out[torchKey(e)] = copyValue(g[e] as StateDictValue);
        done.add(e);
      } else out[e[0]] = e[1];
    }
    // keys added by schedulers (initial_lr, max_lr, …) or by the user
    for (const [k, v] of Object.entries(g)) {
      if (!done.has(k) && v !== undefined) out[torchKey(k)] = copyValue(v as StateDictValue);
    }
    return out;
  }

  /**
   * Restore a state dict from `stateDict()` (or one saved by PyTorch and read by weightroom's io): hyper-parameters
   * replace the groups' (parameters are kept), state tensors are copied and cast to each parameter's dtype.
   * Everything is checked before anything changes.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const who = `${this.spec.name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object' || !Array.isArray(sd.param_groups)) {
      throw new Error(`${who}: expected { state, param_groups }, got ${formatValue(sd)}`);
    }
    const saved = sd.param_groups;
    if (saved.length !== this.paramGroups.length) {
      throw new Error(
        `${who}: the state dict has ${saved.length} parameter groups, this optimizer has ${this.paramGroups.length}`,
      );
    }
    const byId = new Map<number, Tensor>();
    saved.forEach((sg, i) => {
      const mine = this.paramGroups[i]!.params;
      if (!Array.isArray(sg.params) || sg.params.length !== mine.length) {
        throw new Error(
          `${who}: param group ${i} lists ${Array.isArray(sg.params) ? sg.params.length : 'no'} parameters in the state dict, ${mine.length} in this optimizer`,
        );
      }
      sg.params.forEach((id, j) => byId.set(Number(id), mine[j]!));
    });
    const state = new Map<Tensor, S>();
    for (const [k, raw] of Object.entries(sd.state ?? {})) {
      const p = byId.get(Number(k));
      if (p === undefined) throw new Error(`${who}: state for parameter ${k}, which no param group lists`);
      if (raw === null || typeof raw !== 'object') throw new Error(`${who}: state[${k}] must be an object`);
      state.set(p, this.unpackState(raw, p, `${who}: state[${k}]`));
    }
    const groups = saved.map((sg, i) => {
      const g = this.unpackGroup(sg, this.paramGroups[i]!.params);
      try {
        this.checkGroup(g);
      } catch (e) {
        throw new Error(`${who}: param group ${i}: ${(e as Error).message}`);
      }
      return g;
    });
    this.state.clear();
    for (const [p, s] of state) this.state.set(p, s);
    groups.forEach((g, i) => {
      // in place, so references to the group objects stay valid
      const live = this.paramGroups[i]! as Record<string, unknown>;
      for (const k of Object.keys(live)) if (!(k in g)) delete live[k];
      Object.assign(live, g);
    });
  }

  private unpackGroup(saved: Record<string, StateDictValue>, params: Tensor[]): G {
    const flags = new Set(this.spec.layout.filter((e) => typeof e !== 'string').map((e) => e[0]));
    const g: Record<string, unknown> = { params };
    // keys an older file may lack come from the defaults
    for (const [k, v] of Object.entries(this.defaults)) if (v !== undefined) g[k] = copyValue(v);
    for (const [k, v] of Object.entries(saved)) {
      if (k !== 'params' && !flags.has(k)) g[camelKey(k)] = copyValue(v);
    }
    return g as G;
  }
}

function toParamList(who: string, params: unknown): Tensor[] {
  if (params instanceof Tensor) return [params];
  if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
    throw new TypeError(
      `${who}: a param group's params must be an iterable of Tensors, got ${formatValue(params)}`,
    );
  }
  const list = [...(params as Iterable<unknown>)];
  const seen = new Set<unknown>();
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) {
      throw new TypeError(`${who}: can only optimize Tensors, but params[${i}] is ${formatValue(p)}`);
    }
    if (!isFloat(p.dtype)) {
      throw new Error(`${who}: can only optimize floating-point tensors, but params[${i}] is ${p.dtype}`);
    }
    if (!p.isLeaf && !p.retainsGrad) {
      throw new Error(
        `${who}: can't optimize a non-leaf Tensor (params[${i}], shape ${fmtShape(p.shape)}); optimize the leaf it was computed from`,
      );
    }
    if (seen.has(p)) throw new Error(`${who}: params[${i}] appears twice in the same parameter group`);
    seen.add(p);
  });
  return list as Tensor[];
}

/** Copy a state tensor for a state dict (a snapshot). */
export function snapshot(t: Tensor): Tensor {
  return t.detach().clone();
}

/**
 * Read a tensor entry of a saved per-parameter state: checked against the parameter's shape, cast to its dtype
 * and copied.
 */
export function loadStateTensor(
  raw: Record<string, StateDictValue>,
  key: string,
  param: Tensor,
  where: string,
): Tensor {
  const t = raw[key];
  if (!(t instanceof Tensor)) throw new Error(`${where}.${key} must be a Tensor, got ${formatValue(t)}`);
  if (t.shape.join() !== param.shape.join()) {
    throw new Error(
      `${where}.${key} has shape ${fmtShape(t.shape)}, but the parameter has ${fmtShape(param.shape)}`,
    );
  }
  return t.dtype === param.dtype ? t.detach().clone() : t.to(param.dtype).detach();
}

/** Read a step count saved as a number or as a one-element tensor (torch keeps Adam's step as a tensor). */
export function loadStep(raw: Record<string, StateDictValue>, where: string): number {
  const s = raw['step'];
  const v = s instanceof Tensor && s.numel === 1 ? s.item() : s;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new Error(
      `${where}.step must be an integer >= 0 (a number or a one-element tensor), got ${formatValue(s)}`,
    );
  }
  return v;
}
