// V8 marks the heap for a major GC on a background thread while JavaScript runs (concurrent marking). When the
// kernels' thread pool spans every core, that thread takes a core from one of the pool's threads, and every
// parallel region then waits for the thread it displaced: ResNet-18 training at 32x32 on 2 cores ran 10-20 %
// slower with it (one major GC per step or two: the dead activations and gradients are external memory). With
// `--no-concurrent-marking` V8 marks in small steps on the main thread instead; the JavaScript heap of a
// training loop is small (~10 MB), so those steps are short. WEIGHTROOM_CONCURRENT_GC=1 keeps V8's default.
import { availableParallelism, cpus } from 'node:os';
import { setFlagsFromString } from 'node:v8';

let state: boolean | null = null;

/**
 * Turn V8's concurrent marking off once, if the pool has a thread for every CPU and the environment does not
 * say otherwise. Returns whether marking runs on the main thread (weightroom's doing).
 */
export function keepGcOffKernelThreads(poolThreads: number): boolean {
  if (state === null) {
    const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
    state = globalThis.process?.env?.WEIGHTROOM_CONCURRENT_GC !== '1' && poolThreads >= cores;
    if (state) setFlagsFromString('--no-concurrent-marking');
  }
  return state;
}

/** Whether keepGcOffKernelThreads turned concurrent marking off (null: not decided yet). */
export function gcMarkingOnMainThread(): boolean | null {
  return state;
}
