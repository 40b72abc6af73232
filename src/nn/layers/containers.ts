// Containers: Sequential (children '0', '1', … even when parameter-free), ModuleList and ModuleDict.
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { keepsNoTensors, runChain } from '../transient.js';

type Layer = Module<[Tensor], Tensor>;
type AnyModule = Module<never, unknown>;

/** Runs its children in order; keys are '0', '1', … like torch (or the names given in a record). */
export class Sequential extends Module {
  constructor(...layers: Layer[] | [Record<string, Layer>]) {
    super();
    const first = layers[0];
    if (layers.length === 1 && first && !(first instanceof Module)) {
      for (const [name, m] of Object.entries(first as Record<string, Layer>)) this.append(m, name);
    } else {
      for (const m of layers as Layer[]) this.append(m);
    }
  }
  /** The layers in order (the registered children: replacing one via setSubmodule/set is seen here too). */
  get layers(): Layer[] {
    return this.childList() as unknown as Layer[];
  }
  append(m: Layer, name?: string): this {
    const n = this.layers.length;
    if (!(m instanceof Module)) throw new Error(`Sequential: child ${n} is not a Module`);
    this.registerModule(name ?? String(n), m);
    return this;
  }
  get length(): number {
    return this.layers.length;
  }
  at(i: number): Layer {
    const m = this.layers[i < 0 ? i + this.layers.length : i];
    if (!m) throw new Error(`Sequential: index ${i} is out of range for ${this.layers.length} layers`);
    return m;
  }
  /** Replace layer i (keeps its key), e.g. a new classifier head. */
  set(i: number, m: Layer): void {
    const j = i < 0 ? i + this.layers.length : i;
    this.at(j);
    const key = [...this.namedChildren()].find(([, c]) => c === this.layers[j])?.[0] ?? String(j);
    this.setSubmodule(key, m);
  }
  [Symbol.iterator](): Iterator<Layer> {
    return this.layers[Symbol.iterator]();
  }
  forward(x: Tensor): Tensor {
    // (intermediate results go back to the pool once read, in inference: nn/transient.ts)
    return runChain(x, this.childList() as unknown as Layer[]);
  }
}

keepsNoTensors(Sequential, 'container');

/** A list of modules registered as '0', '1', …; it has no forward of its own. */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<never[], never> {
  private readonly items: M[] = [];
  constructor(modules: readonly M[] = []) {
    super();
    for (const m of modules) this.append(m);
  }
  append(m: M): this {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return this;
  }
  get length(): number {
    return this.items.length;
  }
  at(i: number): M {
    const m = this.items[i < 0 ? i + this.items.length : i];
    if (!m) throw new Error(`ModuleList: index ${i} is out of range for ${this.items.length} modules`);
    return m;
  }
  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
  forward(): never {
    throw new Error('ModuleList has no forward(); iterate over it in the parent module');
  }
}

/** Named modules in insertion order; it has no forward of its own. */
export class ModuleDict<M extends AnyModule = AnyModule> extends Module<never[], never> {
  private readonly items = new Map<string, M>();
  constructor(modules: Record<string, M> = {}) {
    super();
    for (const [k, m] of Object.entries(modules)) this.set(k, m);
  }
  set(key: string, m: M): this {
    this.registerModule(key, m);
    this.items.set(key, m);
    return this;
  }
  get(key: string): M {
    const m = this.items.get(key);
    if (!m) throw new Error(`ModuleDict: no key '${key}' (keys: ${[...this.items.keys()].join(', ')})`);
    return m;
  }
  has(key: string): boolean {
    return this.items.has(key);
  }
  keys(): string[] {
    return [...this.items.keys()];
  }
  entries(): [string, M][] {
    return [...this.items.entries()];
  }
  forward(): never {
    throw new Error('ModuleDict has no forward(); look modules up by key in the parent module');
  }
}
