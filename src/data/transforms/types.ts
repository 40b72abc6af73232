// The transform contract: a function of one sample (and the loader's per-sample generator), carrying a spec so
// worker threads can rebuild it. Built-in transforms have specs; plain functions work without workers.
import type { SampleContext } from '../dataset.js';

/** A JSON description of a built-in transform: its factory name and arguments. */
export interface TransformSpec {
  name: string;
  args: unknown[];
}

/** A transform: `x → y`, random ones drawing from `ctx.generator` (else their own, else the global one). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Transform<I = any, O = any> {
  (x: I, ctx?: SampleContext): O;
  readonly spec?: TransformSpec;
}

/** Attach a spec to a transform function. */
export function withSpec<F extends (...a: never[]) => unknown>(
  fn: F,
  name: string,
  args: unknown[],
): F & { spec: TransformSpec } {
  return Object.assign(fn, { spec: { name, args } });
}

/** The spec of `t`, or an error naming where a plain function stands in the way of worker threads. */
export function specOf(t: unknown, where: string): TransformSpec {
  const spec = (t as { spec?: TransformSpec } | undefined)?.spec;
  if (typeof t === 'function' && spec) return spec;
  const name = typeof t === 'function' && t.name ? ` '${t.name}'` : '';
  throw new Error(
    `DataLoader: numWorkers > 0: ${where} is a plain function${name}; worker threads can rebuild only built-in ` +
      'transforms (transforms.compose of transforms.*). Use numWorkers: 0, or give the dataset a workerSpec().',
  );
}
