/**
 * Which calls Latchkey answers and which go straight to the browser, decided before anything
 * is converted or sent. Only plain `publicKey` requests are Latchkey's; passwords, federated
 * or identity credentials, mixed requests, conditional *create* (passkey upgrades) and
 * silent/immediate `get` stay with the browser, which knows how to answer them.
 */
import type { FallbackReason } from '../shared/outcome';

export type Route = 'latchkey' | 'conditional' | 'native';

/** Credential types other than publicKey that a CredentialCreationOptions/RequestOptions may name. */
const OTHER_TYPES = ['password', 'federated', 'identity', 'otp', 'digital'];

function read(options: unknown, key: string): unknown {
  if (typeof options !== 'object' || options === null) return undefined;
  return (options as Record<string, unknown>)[key];
}

function onlyPublicKey(options: unknown): boolean {
  if (read(options, 'publicKey') === undefined) return false;
  return OTHER_TYPES.every((t) => read(options, t) === undefined || read(options, t) === false);
}

export function routeCreate(options: unknown): Route {
  if (!onlyPublicKey(options)) return 'native';
  const mediation = read(options, 'mediation');
  if (mediation === 'conditional') return 'native';
  return 'latchkey';
}

export function routeGet(options: unknown): Route {
  if (!onlyPublicKey(options)) return 'native';
  const mediation = read(options, 'mediation');
  if (mediation === 'conditional') return 'conditional';
  if (mediation === 'silent' || mediation === 'immediate') return 'native';
  return 'latchkey';
}

/**
 * Whether a fallback should wait for the page to have focus before calling the browser's own
 * WebAuthn: after Latchkey's window was in front (the person unlocked or chose another device)
 * the browser refuses a ceremony from an unfocused document.
 */
export function fallbackWaitsForFocus(reason: FallbackReason): boolean {
  return reason === 'locked' || reason === 'another-device';
}
