/**
 * What every hop answers a WebAuthn request with, and how that becomes what the page sees.
 *
 * Three shapes only: `ok` (the W3C JSON the app returned), `error` (a DOMException name the
 * browser itself would use) or `fallback` (Latchkey cannot serve this call, so the browser's own
 * WebAuthn gets it, as if Latchkey were absent). Everything read from another hop goes through
 * [`parseOutcome`], which never throws.
 */

/** The DOMException names a browser's WebAuthn uses, plus TypeError (a real TypeError). */
export const DOM_ERROR_NAMES = [
  'NotAllowedError',
  'InvalidStateError',
  'SecurityError',
  'NotSupportedError',
  'TypeError',
  'UnknownError',
  'AbortError',
] as const;
export type DomErrorName = (typeof DOM_ERROR_NAMES)[number];

/** Why a call goes to the browser's own WebAuthn. The first five come from the native host. */
export const FALLBACK_REASONS = [
  'not-running',
  'locked',
  'no-passkey',
  'another-device',
  'busy',
  'not-installed',
  'unavailable',
  'site-off',
  'cross-origin-frame',
  'sender-mismatch',
  'extension-unreachable',
  'unsupported-request',
] as const;
export type FallbackReason = (typeof FALLBACK_REASONS)[number];

export type Outcome =
  | { ok: unknown }
  | { error: { name: DomErrorName; message: string } }
  | { fallback: FallbackReason };

/** The error name the native host uses for "let the browser answer" (see the host contract). */
export const UNAVAILABLE_NAME = 'LatchkeyUnavailable';

const MAX_MESSAGE = 500;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isDomErrorName(v: unknown): v is DomErrorName {
  return typeof v === 'string' && (DOM_ERROR_NAMES as readonly string[]).includes(v);
}

export function isFallbackReason(v: unknown): v is FallbackReason {
  return typeof v === 'string' && (FALLBACK_REASONS as readonly string[]).includes(v);
}

/** A message safe to show: a string, capped, else a generic one. */
export function cleanMessage(v: unknown, fallbackText: string): string {
  if (typeof v !== 'string' || v.length === 0) return fallbackText;
  return v.length > MAX_MESSAGE ? `${v.slice(0, MAX_MESSAGE)}…` : v;
}

/**
 * Reads an outcome sent by another hop. Unknown error names become UnknownError (the page must
 * only ever see names a browser uses); an unknown fallback reason is still a fallback
 * ("unavailable"), because falling back is the safe direction. Anything else is `null`.
 */
export function parseOutcome(v: unknown): Outcome | null {
  if (!isRecord(v)) return null;
  if ('ok' in v) return { ok: v.ok };
  if ('fallback' in v) {
    return { fallback: isFallbackReason(v.fallback) ? v.fallback : 'unavailable' };
  }
  if ('error' in v) {
    const e = v.error;
    if (!isRecord(e)) return { error: { name: 'UnknownError', message: 'Latchkey answered with a malformed error.' } };
    if (e.name === UNAVAILABLE_NAME) {
      return { fallback: isFallbackReason(e.fallback) ? e.fallback : 'unavailable' };
    }
    const name = isDomErrorName(e.name) ? e.name : 'UnknownError';
    return { error: { name, message: cleanMessage(e.message, 'Latchkey could not complete the request.') } };
  }
  return null;
}

/**
 * The error object the page receives: a real TypeError for TypeError (as a browser throws
 * for bad options), otherwise a DOMException with the name. Built with the constructors of
 * the realm that calls this, so in the main world they are the page's own.
 */
export function toPageError(name: DomErrorName, message: string): Error {
  if (name === 'TypeError') return new TypeError(message);
  return new DOMException(message, name);
}
