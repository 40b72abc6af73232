// Fetching one batch's samples, in the main thread or a worker: each sample gets its own generator seeded from
// (the epoch's base seed, its position in the epoch), so random transforms do not depend on the worker count.
import { Generator } from '../tensor/generator.js';
import type { Dataset } from './dataset.js';

/** A sample that could not be loaded and was skipped (DataLoader `skipBad`). */
export interface SkippedSample {
  index: number;
  message: string;
}

/** The generator of the sample at `position` in an epoch whose base seed is `base` (a SplitMix64 step). */
export function sampleGenerator(base: bigint, position: number): Generator {
  let z = BigInt.asUintN(64, base + BigInt(position + 1) * 0x9e3779b97f4a7c15n);
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  return new Generator(z ^ (z >> 31n));
}

/** Describe a thrown value in one line. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Load `dataset.get(indices[k])` for every k (concurrently when `get` is asynchronous), sample k drawing from
 * sampleGenerator(base, start + k). With `skipBad`, samples whose get throws are left out and reported.
 */
export async function fetchSamples(
  dataset: Dataset,
  indices: readonly number[],
  start: number,
  base: bigint,
  skipBad: boolean,
): Promise<{ samples: unknown[]; skipped: SkippedSample[] }> {
  const results = await Promise.allSettled(
    indices.map(async (index, k) => dataset.get(index, { generator: sampleGenerator(base, start + k) })),
  );
  return settle(indices, results, skipBad);
}

/** The synchronous twin of fetchSamples, for datasets whose get returns plain values. */
export function fetchSamplesSync(
  dataset: Dataset,
  indices: readonly number[],
  start: number,
  base: bigint,
  skipBad: boolean,
): { samples: unknown[]; skipped: SkippedSample[] } {
  const results = indices.map((index, k): PromiseSettledResult<unknown> => {
    try {
      const v = dataset.get(index, { generator: sampleGenerator(base, start + k) });
      if (v instanceof Promise) {
        v.catch(() => undefined);
        throw new Error(
          'DataLoader: this dataset loads samples asynchronously; iterate with `for await (const batch of loader)`',
        );
      }
      return { status: 'fulfilled', value: v };
    } catch (reason) {
      return { status: 'rejected', reason };
    }
  });
  return settle(indices, results, skipBad);
}

function settle(
  indices: readonly number[],
  results: PromiseSettledResult<unknown>[],
  skipBad: boolean,
): { samples: unknown[]; skipped: SkippedSample[] } {
  const samples: unknown[] = [];
  const skipped: SkippedSample[] = [];
  results.forEach((r, k) => {
    if (r.status === 'fulfilled') samples.push(r.value);
    else if (skipBad && !isUsageError(r.reason))
      skipped.push({ index: indices[k]!, message: errorMessage(r.reason) });
    else throw r.reason;
  });
  return { samples, skipped };
}

/** Errors that skipping would hide rather than handle (programming errors, not bad data). */
function isUsageError(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith('DataLoader:');
}
