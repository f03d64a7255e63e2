/** Subscribe a component to backend events, with one cleanup function. */
import * as api from './api';
import type { BackendEvent } from './types';

export function subscribe(
  handlers: Partial<Record<BackendEvent, () => void>>,
  onerror?: (err: unknown) => void,
): () => void {
  let disposed = false;
  const offs: Array<() => unknown> = [];
  for (const [name, handler] of Object.entries(handlers) as [BackendEvent, () => void][]) {
    api.onEvent(name, handler).then(
      (off) => {
        if (disposed) Promise.resolve().then(off).catch(() => {});
        else offs.push(off);
      },
      (err) => onerror?.(err),
    );
  }
  return () => {
    disposed = true;
    for (const off of offs.splice(0)) Promise.resolve().then(off).catch(() => {});
  };
}
