/**
 * The last request and how it ended, for the popup: origin, kind and outcome only, never key
 * material, options or account names.
 */
import type { Outcome } from '../shared/outcome';

const KEY = 'lastRequest';

export interface LastRequest {
  origin: string;
  type: 'create' | 'get' | 'conditional';
  /** "ok", a DOMException name, or "fallback:<reason>". */
  result: string;
  /** Unix milliseconds. */
  at: number;
}

export function describeOutcome(outcome: Outcome): string {
  if ('ok' in outcome) return 'ok';
  if ('error' in outcome) return outcome.error.name;
  return `fallback:${outcome.fallback}`;
}

export async function recordRequest(origin: string, type: LastRequest['type'], outcome: Outcome): Promise<void> {
  const entry: LastRequest = { origin, type, result: describeOutcome(outcome), at: Date.now() };
  await chrome.storage.local.set({ [KEY]: entry });
}

export async function lastRequest(): Promise<LastRequest | null> {
  const v = (await chrome.storage.local.get(KEY))[KEY] as Partial<LastRequest> | undefined;
  if (!v || typeof v.origin !== 'string' || typeof v.result !== 'string' || typeof v.at !== 'number') return null;
  if (v.type !== 'create' && v.type !== 'get' && v.type !== 'conditional') return null;
  return { origin: v.origin, type: v.type, result: v.result, at: v.at };
}
