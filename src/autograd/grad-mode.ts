// Grad mode: whether ops record their backward. noGrad/enableGrad scope it around a synchronous function.

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

export function setGradEnabled(on: boolean): void {
  enabled = on;
}

function withMode<T>(on: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = on;
  try {
    const r = fn();
    if (r instanceof Promise) {
      throw new Error(
        `${on ? 'enableGrad' : 'noGrad'}: the function returned a Promise; grad mode scopes synchronous code only — ` +
          'await outside, or call setGradEnabled() yourself',
      );
    }
    return r;
  } finally {
    enabled = prev;
  }
}

/** Run `fn` without recording autograd history (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn);
}

/** Run `fn` with autograd recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn);
}
