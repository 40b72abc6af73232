// Backend selection: explicit, never by import side effect. On first use the native backend (the addon built
// from native/) becomes the default if it loads; otherwise the reference TypeScript backend, with one warning.
// WEIGHTROOM_BACKEND=js forces the reference backend; WEIGHTROOM_BACKEND=native makes a failed load an error.
import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';
import { createNativeBackend, loadBinding, type NativeBinding } from './native/index.js';
import type { MemoryStats } from './native/binding.js';
import { gcMarkingOnMainThread, keepGcOffKernelThreads } from './native/gc.js';

export type { MemoryStats } from './native/binding.js';

export type { Backend } from './backend.js';
export { jsBackend };

let current: Backend | null = null;
let native: { backend: Backend; binding: NativeBinding } | null = null;
let nativeTried = false;
let nativeReason = '';

const env = (name: string): string | undefined => globalThis.process?.env?.[name];

function loadNative(): { backend: Backend; binding: NativeBinding } | null {
  if (!nativeTried) {
    nativeTried = true;
    const r = loadBinding();
    if (r.binding) native = { backend: createNativeBackend(r.binding), binding: r.binding };
    else nativeReason = r.reason;
  }
  return native;
}

function chooseDefault(): Backend {
  const want = env('WEIGHTROOM_BACKEND');
  if (want === 'js') return jsBackend;
  const n = loadNative();
  if (n) {
    keepGcOffKernelThreads(n.binding.info().threads);
    return n.backend;
  }
  if (want === 'native') throw new Error(`weightroom: WEIGHTROOM_BACKEND=native, but ${nativeReason}`);
  console.warn(
    `weightroom: native backend unavailable (${nativeReason}); using the much slower TypeScript kernels — ` +
      'run `npm rebuild weightroom` with a C++ toolchain to build it.',
  );
  return jsBackend;
}

/** The backend every op dispatches to. */
export function getBackend(): Backend {
  return (current ??= chooseDefault());
}

/** Choose the backend for subsequent ops (e.g. `jsBackend` to compare against the reference). */
export function setBackend(b: Backend): void {
  current = b;
  if (native && b === native.backend) keepGcOffKernelThreads(native.binding.info().threads);
}

/** The native backend if the addon loads (whatever the current choice), else null. */
export function nativeBackend(): Backend | null {
  return loadNative()?.backend ?? null;
}

/** Threads the native kernels use (the reference backend is single-threaded). Default: the CPU count. */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 255)
    throw new Error(`setNumThreads: expected an integer in 1..255, got ${n}`);
  loadNative()?.binding.setNumThreads(n);
}

export function getNumThreads(): number {
  return loadNative()?.binding.info().threads ?? 1;
}

export interface BackendInfo {
  /** The active backend's name ('native' or 'js'). */
  name: string;
  /** Kernel instruction set of the native backend ('avx512', 'avx2', 'portable'), null when not loaded. */
  isa: string | null;
  /** Every ISA this CPU can run, best first (WEIGHTROOM_ISA may force a lower one). */
  available: string[];
  threads: number;
  /** Why the native backend is not loaded, when it is not. */
  nativeError: string | null;
  /**
   * Whether weightroom turned V8's concurrent GC marking off (it does when the native backend is chosen and its
   * pool has a thread per CPU, unless WEIGHTROOM_CONCURRENT_GC=1): see src/backend/native/gc.ts.
   */
  gcOnMainThread: boolean;
}

export function backendInfo(): BackendInfo {
  const name = getBackend().name;
  const n = loadNative();
  const i = n?.binding.info();
  return {
    name,
    isa: i?.isa ?? null,
    available: i?.available ?? [],
    threads: name === 'native' && i ? i.threads : 1,
    nativeError: n ? null : nativeReason,
    gcOnMainThread: gcMarkingOnMainThread() ?? false,
  };
}

/** The native buffer pool's counters (null without the addon). */
export function memoryStats(): MemoryStats | null {
  return loadNative()?.binding.memoryStats() ?? null;
}

/** Free the native pool's cached blocks (memory of live tensors stays), like torch.cuda.empty_cache(). */
export function emptyCache(): void {
  loadNative()?.binding.emptyCache();
}
