// Backend selection: explicit, never by import side effect. The reference JS backend is the default.
import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';

export type { Backend } from './backend.js';
export { jsBackend };

let current: Backend = jsBackend;

/** The backend every op dispatches to. */
export function getBackend(): Backend {
  return current;
}

/** Choose the backend for subsequent ops (e.g. the native one, or `jsBackend` to compare against the reference). */
export function setBackend(b: Backend): void {
  current = b;
}
