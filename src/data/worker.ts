// Worker-thread entry of the DataLoader: rebuilds the dataset from its WorkerSpec, then serves batch requests
// (load, transform with per-sample generators, collate) and transfers the results back.
import { parentPort, workerData } from 'node:worker_threads';
import { datasetFromSpec, type WorkerSpec } from './dataset.js';
import { defaultCollate } from './collate.js';
import { encode } from './transfer.js';
import { errorMessage, fetchSamples } from './fetch.js';

interface Task {
  id: number;
  indices: number[];
  start: number;
  base: bigint;
  skipBad: boolean;
}

const { spec, collate } = workerData as { spec: WorkerSpec; collate: boolean };
const port = parentPort!;
const dataset = datasetFromSpec(spec);
dataset.catch(() => undefined); // reported through the first task

port.on('message', (task: Task) => {
  void (async () => {
    try {
      const ds = await dataset;
      const { samples, skipped } = await fetchSamples(ds, task.indices, task.start, task.base, task.skipBad);
      const transfer: ArrayBuffer[] = [];
      const value =
        samples.length === 0 ? null : encode(collate ? defaultCollate(samples) : samples, transfer);
      port.postMessage({ id: task.id, ok: true, value, skipped, count: samples.length }, transfer);
    } catch (e) {
      const message = e instanceof Error ? (e.stack ?? e.message) : errorMessage(e);
      port.postMessage({ id: task.id, ok: false, message });
    }
  })();
});
