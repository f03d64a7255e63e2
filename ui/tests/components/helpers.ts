import { vi } from 'vitest';
import * as api from '../../src/lib/api';
import type { BackendEvent } from '../../src/lib/types';

/** The api module, auto-mocked by `vi.mock('../../src/lib/api')` in each test file. */
export const mockedApi = vi.mocked(api);

/** Route `api.onEvent` subscriptions to an in-memory bus the test can fire. */
export function installEventBus() {
  const handlers = new Map<BackendEvent, Set<() => void>>();
  mockedApi.onEvent.mockImplementation(async (name, handler) => {
    if (!handlers.has(name)) handlers.set(name, new Set());
    handlers.get(name)!.add(handler);
    return () => {
      handlers.get(name)?.delete(handler);
    };
  });
  return {
    emit(name: BackendEvent) {
      for (const h of [...(handlers.get(name) ?? [])]) h();
    },
    listeners(name: BackendEvent) {
      return handlers.get(name)?.size ?? 0;
    },
  };
}

/** A promise the test resolves or rejects by hand. */
export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Collapse whitespace so text checks do not depend on markup line breaks. */
export const text = (el: Element | null) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
