// A small pool of worker threads for the DataLoader: each rebuilds the dataset once and serves batch tasks; the
// least-busy worker takes the next task. Threads are unref'd while no epoch is running, so they never keep a
// finished program alive; close() ends them.
import { Worker } from 'node:worker_threads';
import type { WorkerSpec } from './dataset.js';
import type { SkippedSample } from './fetch.js';

export interface TaskResult {
  /** Encoded batch (or list of samples), null when every sample was skipped. */
  value: unknown;
  skipped: SkippedSample[];
  count: number;
}

interface Slot {
  worker: Worker;
  busy: number;
  pending: Set<number>;
}

const entry = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly waiting = new Map<number, { resolve(r: TaskResult): void; reject(e: Error): void }>();
  private nextId = 0;
  private closed = false;

  constructor(spec: WorkerSpec, n: number, opts: { collate: boolean; execArgv?: string[] }) {
    for (let k = 0; k < n; k++) {
      const worker = new Worker(entry, {
        workerData: { spec, collate: opts.collate },
        ...(opts.execArgv ? { execArgv: opts.execArgv } : {}),
      });
      const slot: Slot = { worker, busy: 0, pending: new Set() };
      worker.on('message', (m: { id: number; ok: boolean; message?: string } & TaskResult) => {
        const w = this.waiting.get(m.id);
        if (!w) return;
        this.waiting.delete(m.id);
        slot.pending.delete(m.id);
        slot.busy--;
        if (m.ok) w.resolve({ value: m.value, skipped: m.skipped, count: m.count });
        else w.reject(new Error(`DataLoader worker ${k}: ${m.message}`));
      });
      const fail = (e: Error) => {
        for (const id of slot.pending) {
          this.waiting.get(id)?.reject(e);
          this.waiting.delete(id);
        }
        slot.pending.clear();
        slot.busy = 0;
      };
      worker.on('error', (e) => fail(new Error(`DataLoader worker ${k} failed: ${e.message}`)));
      worker.on('exit', (code) => {
        if (!this.closed) fail(new Error(`DataLoader worker ${k} exited unexpectedly (code ${code})`));
      });
      worker.unref();
      this.slots.push(slot);
    }
  }

  /** Load the samples at `indices` (epoch positions from `start`) on the least-busy worker. */
  run(indices: number[], start: number, base: bigint, skipBad: boolean): Promise<TaskResult> {
    if (this.closed) return Promise.reject(new Error('DataLoader: the worker pool is closed'));
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    slot.busy++;
    slot.pending.add(id);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      slot.worker.postMessage({ id, indices, start, base, skipBad });
    });
  }

  /** Keep the process alive while an epoch runs (ref) or not (unref). */
  hold(on: boolean): void {
    for (const s of this.slots) {
      if (on) s.worker.ref();
      else s.worker.unref();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [, w] of this.waiting) w.reject(new Error('DataLoader: the worker pool was closed'));
    this.waiting.clear();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
