/**
 * The replacements for navigator.credentials.create/get and PublicKeyCredential's static
 * feature checks. Built from injected parts (the bound originals, the bridge, the prototypes)
 * so the decisions can be tested outside a browser; page-script.ts installs them.
 *
 * Never break a site: anything Latchkey cannot serve calls the browser's original function
 * with the page's ORIGINAL options object (so its signal, its mediation and everything we do
 * not understand still reach the browser).
 */
import { creationOptionsToJSON, requestOptionsToJSON } from './options-json';
import { authenticationCredential, registrationCredential, type Prototypes } from './credential-objects';
import { fallbackWaitsForFocus, routeCreate, routeGet } from './route';
import type { PendingRequest } from './bridge';
import type { PageKind } from '../shared/page-messages';
import { toPageError, type FallbackReason, type Outcome } from '../shared/outcome';
import { parseAuthenticationResponse, parseRegistrationResponse } from '../shared/response-json';

type CredentialFn = (options?: unknown) => Promise<Credential | null>;

export interface WrapperDeps {
  originalCreate: CredentialFn;
  originalGet: CredentialFn;
  send(kind: PageKind, options?: Record<string, unknown>, answerTimeoutMs?: number): PendingRequest;
  prototypes(): Prototypes | null;
  /** Resolves once the document has focus (at once when it has). */
  whenFocused(signal: AbortSignal | undefined): Promise<void>;
}

/** How long a feature check waits for Latchkey before answering with the browser's own value. */
export const AVAILABLE_TIMEOUT_MS = 3000;

function signalOf(options: unknown): AbortSignal | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  const s = (options as { signal?: unknown }).signal;
  // Duck-typed: a signal from another frame of the page is no `instanceof` this realm's class.
  if (typeof s !== 'object' || s === null) return undefined;
  const candidate = s as AbortSignal;
  return typeof candidate.aborted === 'boolean' && typeof candidate.addEventListener === 'function' ? candidate : undefined;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/** Options with our own signal in place of the page's, every other member read through. */
function withSignal(options: object, signal: AbortSignal): object {
  return Object.create(options, { signal: { value: signal, enumerable: true } });
}

export function makeWrappers(deps: WrapperDeps) {
  async function fallback(reason: FallbackReason, original: CredentialFn, options: unknown) {
    if (fallbackWaitsForFocus(reason)) await deps.whenFocused(signalOf(options));
    return original(options);
  }

  /** Sends one ceremony to Latchkey and settles as the page's promise should. */
  function ceremony(kind: 'create' | 'get', options: unknown, original: CredentialFn): Promise<Credential | null> {
    const signal = signalOf(options);
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const protos = deps.prototypes();
    if (protos === null) return original(options);
    let json: Record<string, unknown>;
    try {
      const publicKey = (options as { publicKey: unknown }).publicKey;
      json = kind === 'create' ? creationOptionsToJSON(publicKey) : requestOptionsToJSON(publicKey);
    } catch (e) {
      return Promise.reject(e);
    }
    const pending = deps.send(kind, json);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        pending.cancel();
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.outcome.then((outcome) => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) return; // already rejected
        settle(kind, outcome, protos, resolve, reject, () => fallback((outcome as { fallback: FallbackReason }).fallback, original, options));
      });
    });
  }

  function settle(
    kind: 'create' | 'get',
    outcome: Outcome,
    protos: Prototypes,
    resolve: (c: Credential | null | Promise<Credential | null>) => void,
    reject: (e: unknown) => void,
    fallbackCall: () => Promise<Credential | null>,
  ): void {
    if ('fallback' in outcome) {
      resolve(fallbackCall());
    } else if ('error' in outcome) {
      reject(toPageError(outcome.error.name, outcome.error.message));
    } else {
      const credential = credentialFrom(kind, outcome.ok, protos);
      if (credential === null) reject(toPageError('UnknownError', 'Latchkey returned a malformed credential.'));
      else resolve(credential);
    }
  }

  function credentialFrom(kind: 'create' | 'get', ok: unknown, protos: Prototypes): PublicKeyCredential | null {
    if (kind === 'create') {
      const json = parseRegistrationResponse(ok);
      return json && registrationCredential(json, protos);
    }
    const json = parseAuthenticationResponse(ok);
    return json && authenticationCredential(json, protos);
  }

  /**
   * mediation "conditional": the browser's own conditional request and Latchkey's autofill menu
   * run side by side; the first to produce a credential wins and the other is withdrawn. A
   * failure on one side leaves the other running (a conditional request does not end because
   * one source has nothing), unless both have failed.
   */
  function conditional(options: unknown): Promise<Credential | null> {
    const signal = signalOf(options);
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const protos = deps.prototypes();
    if (protos === null) return deps.originalGet(options);
    let json: Record<string, unknown>;
    try {
      json = requestOptionsToJSON((options as { publicKey: unknown }).publicKey);
    } catch (e) {
      return Promise.reject(e);
    }
    const internal = new AbortController();
    const pending = deps.send('conditional', json);
    const native = deps.originalGet(withSignal(options as object, internal.signal));
    return new Promise((resolve, reject) => {
      let done = false;
      let latchkeyGaveUp = false;
      let nativeError: { error: unknown } | null = null;
      const finish = (action: () => void) => {
        if (done) return;
        done = true;
        signal?.removeEventListener('abort', onAbort);
        action();
      };
      const onAbort = () =>
        finish(() => {
          pending.cancel();
          internal.abort(abortReason(signal!));
          reject(abortReason(signal!));
        });
      signal?.addEventListener('abort', onAbort, { once: true });
      native.then(
        (credential) =>
          finish(() => {
            pending.cancel();
            resolve(credential);
          }),
        (error) => {
          if (latchkeyGaveUp) finish(() => reject(error));
          else nativeError = { error };
        },
      );
      pending.outcome.then((outcome) => {
        if (done) return;
        if ('ok' in outcome) {
          const credential = credentialFrom('get', outcome.ok, protos);
          if (credential !== null) {
            finish(() => {
              internal.abort(new DOMException('Latchkey answered first.', 'AbortError'));
              resolve(credential);
            });
            return;
          }
        }
        latchkeyGaveUp = true;
        if (nativeError !== null) {
          const { error } = nativeError;
          finish(() => reject(error));
        }
      });
    });
  }

  /** Latchkey can answer this page: the host is installed and the site is not switched off. */
  async function latchkeyAvailable(): Promise<boolean> {
    const outcome = await deps.send('available', undefined, AVAILABLE_TIMEOUT_MS).outcome;
    return 'ok' in outcome && (outcome.ok as { available?: unknown } | null)?.available === true;
  }

  async function nativeOr(native: (() => Promise<boolean>) | undefined): Promise<boolean> {
    let value = false;
    try {
      value = native ? await native() : false;
    } catch {
      value = false;
    }
    return value || latchkeyAvailable();
  }

  return {
    // `function` with `arguments` keeps `length` 0, as on the native methods.
    create: function create(this: unknown): Promise<Credential | null> {
      const options = arguments[0] as unknown;
      if (routeCreate(options) === 'native') return deps.originalCreate(options);
      return ceremony('create', options, deps.originalCreate);
    } as CredentialFn,
    get: function get(this: unknown): Promise<Credential | null> {
      const options = arguments[0] as unknown;
      const route = routeGet(options);
      if (route === 'native') return deps.originalGet(options);
      if (route === 'conditional') return conditional(options);
      return ceremony('get', options, deps.originalGet);
    } as CredentialFn,
    isUserVerifyingPlatformAuthenticatorAvailable(native: (() => Promise<boolean>) | undefined) {
      return function isUserVerifyingPlatformAuthenticatorAvailable(): Promise<boolean> {
        return nativeOr(native);
      };
    },
    isConditionalMediationAvailable(native: (() => Promise<boolean>) | undefined) {
      return function isConditionalMediationAvailable(): Promise<boolean> {
        return nativeOr(native);
      };
    },
    getClientCapabilities(native: () => Promise<Record<string, boolean>>) {
      return async function getClientCapabilities(): Promise<Record<string, boolean>> {
        let capabilities: Record<string, boolean> = {};
        try {
          capabilities = { ...(await native()) };
        } catch {
          // the browser's own answer failed; Latchkey's additions still stand
        }
        if (await latchkeyAvailable()) {
          for (const key of LATCHKEY_CAPABILITIES) capabilities[key] = true;
        }
        return capabilities;
      };
    },
  };
}

/** What Latchkey adds to getClientCapabilities() when it can answer the page. */
export const LATCHKEY_CAPABILITIES = [
  'passkeyPlatformAuthenticator',
  'userVerifyingPlatformAuthenticator',
  'conditionalGet',
  'extension:credProps',
  'extension:prf',
] as const;
