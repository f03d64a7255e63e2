/**
 * Main-world content script (manifest "world": "MAIN", document_start, every frame): keeps the
 * browser's own navigator.credentials.create/get bound, then puts Latchkey's wrappers in their
 * place and in PublicKeyCredential's feature checks. It runs before any page script, so what it
 * captures is the browser's, not the page's.
 */
import { send } from './bridge';
import { nativePrototypes } from './credential-objects';
import { makeWrappers } from './wrappers';

type CredentialFn = (options?: unknown) => Promise<Credential | null>;

/**
 * Waits until the document has focus, at most FOCUS_WAIT_MS: after Latchkey's window was in
 * front the browser may take a moment to give focus back (and without a window manager it may
 * never do so; the browser's own call then fails as it would have anyway).
 */
const FOCUS_WAIT_MS = 10_000;

function whenFocused(signal: AbortSignal | undefined): Promise<void> {
  if (document.hasFocus()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener('focus', done);
      signal?.removeEventListener('abort', done);
      // An abort resolves too: the browser's own call then rejects with the signal's reason.
      resolve();
    };
    const timer = setTimeout(done, FOCUS_WAIT_MS);
    window.addEventListener('focus', done);
    signal?.addEventListener('abort', done);
  });
}

function define(target: object, name: string, value: unknown): void {
  // Same attributes as WebIDL operations: writable, enumerable, configurable.
  Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
}

function install(): void {
  const container = navigator.credentials as CredentialsContainer | undefined;
  if (!container || typeof container.create !== 'function' || typeof container.get !== 'function') return;
  const originalCreate = container.create.bind(container) as CredentialFn;
  const originalGet = container.get.bind(container) as CredentialFn;
  const wrappers = makeWrappers({ originalCreate, originalGet, send, prototypes: () => nativePrototypes(), whenFocused });
  define(container, 'create', wrappers.create);
  define(container, 'get', wrappers.get);

  const PKC = (globalThis as unknown as { PublicKeyCredential?: Record<string, unknown> }).PublicKeyCredential;
  if (!PKC) return;
  const bound = (name: string) => {
    const fn = PKC[name];
    return typeof fn === 'function' ? (fn.bind(PKC) as () => Promise<never>) : undefined;
  };
  define(PKC, 'isUserVerifyingPlatformAuthenticatorAvailable', wrappers.isUserVerifyingPlatformAuthenticatorAvailable(bound('isUserVerifyingPlatformAuthenticatorAvailable')));
  define(PKC, 'isConditionalMediationAvailable', wrappers.isConditionalMediationAvailable(bound('isConditionalMediationAvailable')));
  const capabilities = bound('getClientCapabilities');
  if (capabilities) define(PKC, 'getClientCapabilities', wrappers.getClientCapabilities(capabilities));
}

install();
