// Module: parameters, buffers and children registered by name (PyTorch's keys, in PyTorch's order), train/eval,
// freezing, stateDict/loadStateDict with one error listing every problem, and a printed tree.
import { noGrad } from '../autograd/grad-mode.js';
import { isFloat } from '../tensor/dtype.js';
import { fmtShape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { Parameter } from './parameter.js';

export type StateDict = Record<string, Tensor>;

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

const NAME = /^[A-Za-z0-9_]+$/;

function checkName(kind: string, name: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new Error(`${kind}: invalid name '${String(name)}' (letters, digits and '_' only; no dots)`);
  }
}

export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Training mode (dropout active, batch norm uses batch statistics). */
  training = true;
  /** Stay in eval mode even when train() is called (e.g. BatchNorm of a frozen backbone). */
  keepEval = false;
  /** The module's state_dict version (torch's `_version`; BatchNorm is 2), written into .pth metadata. */
  readonly version: number = 1;
  private readonly params = new Map<string, Tensor | null>();
  private readonly bufs = new Map<string, Tensor | null>();
  private readonly nonPersistent = new Set<string>();
  private readonly mods = new Map<string, Module<never[], unknown> | null>();

  abstract forward(...args: In): Out;

  /** Register (or replace) a parameter; a plain Tensor is wrapped as a Parameter sharing its data. */
  registerParameter<T extends Tensor | null>(name: string, p: T): T extends null ? null : Parameter {
    checkName('registerParameter', name);
    if (this.bufs.has(name) || this.mods.has(name))
      throw new Error(`registerParameter: '${name}' is already a buffer or submodule`);
    const param =
      p === null ? null : p instanceof Parameter ? p : new Parameter(p, p.requiresGrad || isFloat(p.dtype));
    this.params.set(name, param);
    return param as never;
  }

  /** Register a buffer (state that is not trained, e.g. running_mean); non-persistent ones stay out of stateDict. */
  registerBuffer<T extends Tensor | null>(name: string, t: T, opts: { persistent?: boolean } = {}): T {
    checkName('registerBuffer', name);
    if (this.params.has(name) || this.mods.has(name))
      throw new Error(`registerBuffer: '${name}' is already a parameter or submodule`);
    this.bufs.set(name, t);
    if (opts.persistent === false) this.nonPersistent.add(name);
    else this.nonPersistent.delete(name);
    return t;
  }

  /** Register (or replace, keeping its position) a child module. */
  registerModule<M extends Module<never, unknown> | null>(name: string, m: M): M {
    checkName('registerModule', name);
    if (this.params.has(name) || this.bufs.has(name))
      throw new Error(`registerModule: '${name}' is already a parameter or buffer`);
    this.mods.set(name, m as Module<never[], unknown> | null);
    return m;
  }

  /**
   * Replace the submodule at a dotted path (e.g. 'fc' or 'classifier.6'), for transfer learning. An own field
   * of the parent with the same name is updated too, so `model.fc` sees the new head.
   */
  setSubmodule(path: string, m: Module<never, unknown>): void {
    const parts = path.split('.');
    const last = parts.pop()!;
    const parent = parts.length ? this.getSubmodule(parts.join('.')) : this;
    if (!parent.mods.has(last))
      throw new Error(
        `setSubmodule: '${path}' is not a submodule (children: ${[...parent.mods.keys()].join(', ')})`,
      );
    parent.mods.set(last, m as Module<never[], unknown>);
    if (Object.prototype.hasOwnProperty.call(parent, last))
      (parent as unknown as Record<string, unknown>)[last] = m;
  }

  getSubmodule(path: string): Module<never[], unknown> {
    if (path === '') return this as unknown as Module<never[], unknown>;
    let cur: Module<never[], unknown> = this as unknown as Module<never[], unknown>;
    for (const p of path.split('.')) {
      const next = cur.mods.get(p);
      if (!next) throw new Error(`getSubmodule: no submodule '${p}' in '${path}'`);
      cur = next;
    }
    return cur;
  }

  // ---- traversal (torch's order: own entries in registration order, then children depth-first) ----
  *namedModules(
    prefix = '',
    memo = new Set<Module<never[], unknown>>(),
  ): Generator<[string, Module<never[], unknown>]> {
    const self = this as unknown as Module<never[], unknown>;
    if (memo.has(self)) return;
    memo.add(self);
    yield [prefix, self];
    for (const [name, m] of this.mods) {
      if (m) yield* m.namedModules(prefix ? `${prefix}.${name}` : name, memo);
    }
  }
  *modules(): Generator<Module<never[], unknown>> {
    for (const [, m] of this.namedModules()) yield m;
  }
  *namedChildren(): Generator<[string, Module<never[], unknown>]> {
    const seen = new Set<Module<never[], unknown>>();
    for (const [n, m] of this.mods) {
      if (m && !seen.has(m)) {
        seen.add(m);
        yield [n, m];
      }
    }
  }
  /** Registered children in order, duplicates included (what Sequential runs). */
  protected childList(): Module<never[], unknown>[] {
    return [...this.mods.values()].filter((m): m is Module<never[], unknown> => m !== null);
  }
  *children(): Generator<Module<never[], unknown>> {
    for (const [, m] of this.namedChildren()) yield m;
  }
  private *namedMembers(kind: 'params' | 'bufs', recurse: boolean): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    const mods = recurse
      ? this.namedModules()
      : [['', this as unknown as Module<never[], unknown>] as const][Symbol.iterator]();
    for (const [prefix, m] of mods) {
      for (const [name, t] of m[kind]) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        yield [prefix ? `${prefix}.${name}` : name, t];
      }
    }
  }
  /** (name, parameter) pairs, shared parameters once. */
  namedParameters(opts: { recurse?: boolean } = {}): [string, Parameter][] {
    return [...this.namedMembers('params', opts.recurse ?? true)] as [string, Parameter][];
  }
  parameters(opts: { recurse?: boolean } = {}): Parameter[] {
    return this.namedParameters(opts).map(([, p]) => p);
  }
  namedBuffers(opts: { recurse?: boolean } = {}): [string, Tensor][] {
    return [...this.namedMembers('bufs', opts.recurse ?? true)];
  }
  buffers(opts: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(opts).map(([, b]) => b);
  }

  // ---- modes ----
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode && !m.keepEval;
    return this;
  }
  eval(): this {
    return this.train(false);
  }
  /** Freeze (false) or unfreeze (true) every parameter. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad = flag;
    return this;
  }
  /** Clear gradients: set to null (default, like torch ≥ 2.0) or zero them in place. */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      if (opts.setToNone ?? true) p.grad = null;
      else if (p.grad) noGrad(() => p.grad!.zero_());
    }
  }
  /** Apply fn to every submodule (children first) and then to this module, like torch's Module.apply. */
  apply(fn: (m: Module<never[], unknown>) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this as unknown as Module<never[], unknown>);
    return this;
  }
  /** Parameter count, all or trainable only. */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    return this.parameters()
      .filter((p) => !opts.trainableOnly || p.requiresGrad)
      .reduce((s, p) => s + p.numel, 0);
  }

  // ---- state ----
  /** Parameters, persistent buffers, then children, with torch's dotted keys. Tensors are detached views. */
  stateDict(opts: { prefix?: string; keepVars?: boolean } = {}): StateDict {
    const out: StateDict = {};
    this.collectState(opts.prefix ?? '', out, opts.keepVars ?? false);
    return out;
  }
  private collectState(prefix: string, out: StateDict, keep: boolean): void {
    for (const [n, p] of this.params) if (p) out[prefix + n] = keep ? p : p.detach();
    for (const [n, b] of this.bufs)
      if (b && !this.nonPersistent.has(n)) out[prefix + n] = keep ? b : b.detach();
    for (const [n, m] of this.mods) if (m) m.collectState(`${prefix}${n}.`, out, keep);
  }
  /** Keys this module expects in a state dict, with the tensors they load into. */
  private targets(prefix: string, out: Map<string, Tensor>): void {
    for (const [n, p] of this.params) if (p) out.set(prefix + n, p);
    for (const [n, b] of this.bufs) if (b && !this.nonPersistent.has(n)) out.set(prefix + n, b);
    for (const [n, m] of this.mods) if (m) m.targets(`${prefix}${n}.`, out);
  }

  /**
   * Copy a state dict into this module in place. Strict (default) throws one error listing every missing key,
   * unexpected key and shape/dtype mismatch; non-strict loads what matches and returns the key lists (shape
   * and dtype mismatches are errors in both modes). Float tensors convert between float32/float64.
   */
  loadStateDict(sd: Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadResult {
    const strict = opts.strict ?? true;
    const targets = new Map<string, Tensor>();
    this.targets('', targets);
    const missing = [...targets.keys()].filter((k) => !(k in sd));
    const unexpected = Object.keys(sd).filter((k) => !targets.has(k));
    const mismatched: string[] = [];
    for (const [k, t] of targets) {
      const v = sd[k];
      if (v === undefined) continue;
      if (!(v instanceof Tensor)) mismatched.push(`${k}: expected a Tensor, got ${typeof v}`);
      else if (v.shape.join() !== t.shape.join())
        mismatched.push(`${k}: file ${fmtShape(v.shape)} vs model ${fmtShape(t.shape)}`);
      else if (isFloat(v.dtype) !== isFloat(t.dtype))
        mismatched.push(`${k}: file ${v.dtype} vs model ${t.dtype}`);
    }
    const problems: string[] = [];
    if (strict && missing.length) problems.push(`missing [${missing.join(', ')}]`);
    if (strict && unexpected.length) problems.push(`unexpected [${unexpected.join(', ')}]`);
    problems.push(...mismatched);
    if (problems.length) throw new Error(`loadStateDict: ${problems.join('; ')}`);
    noGrad(() => {
      for (const [k, t] of targets) {
        const v = sd[k];
        if (v !== undefined) t.copy_(v);
      }
    });
    return { missingKeys: missing, unexpectedKeys: unexpected };
  }

  // ---- printing ----
  /** Extra text inside the parentheses of this module's line, like torch's extra_repr. */
  extraRepr(): string {
    return '';
  }
  /** The class name shown when printing (torch's names). */
  get typeName(): string {
    return this.constructor.name;
  }
  toString(): string {
    const children = [...this.mods].filter(([, m]) => m !== null) as [string, Module<never[], unknown>][];
    const extra = this.extraRepr();
    if (children.length === 0) return `${this.typeName}(${extra})`;
    const lines = children.map(([n, m]) => `  (${n}): ${m.toString().split('\n').join('\n  ')}`);
    return `${this.typeName}(${extra ? `${extra}\n` : '\n'}${lines.join('\n')}\n)`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
