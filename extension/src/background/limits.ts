import type { Outcome } from '../shared/outcome';

/** An upper bound on one ceremony, so a host that never answers cannot hold the page forever. */
export const CEREMONY_LIMIT_MS = 10 * 60 * 1000;
/** A status or account list is quick; past this the host is treated as unavailable. */
export const QUICK_LIMIT_MS = 8000;

/** What the page gets when that bound passes (the words Chromium uses for a timeout). */
export const TIMED_OUT: Outcome = {
  error: { name: 'NotAllowedError', message: 'The operation either timed out or was not allowed.' },
};
