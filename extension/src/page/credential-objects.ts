/**
 * Builds what `create()` / `get()` resolve with from the app's W3C JSON: objects whose
 * prototypes are the page's own PublicKeyCredential / AuthenticatorAttestationResponse /
 * AuthenticatorAssertionResponse, so `instanceof` and libraries' feature checks hold.
 *
 * The native prototype getters and methods brand-check their receiver (an object we made is not
 * a real credential, so `PublicKeyCredential.prototype.rawId` would throw on it). So every
 * member a page can use is shadowed by an own property here: the attributes as getters that
 * return the same ArrayBuffer each time (they are [SameObject] in the IDL), the methods as
 * functions returning fresh copies, and `toJSON()` returning the W3C JSON the app produced.
 */
import { decode, toArrayBuffer } from '../shared/base64url';
import type {
  AuthenticationResponseJSON,
  ClientExtensionResultsJSON,
  RegistrationResponseJSON,
} from '../shared/response-json';

/** The three native prototypes (the page's; stand-ins in unit tests). */
export interface Prototypes {
  credential: object;
  attestation: object;
  assertion: object;
}

/** The page's native prototypes, or `null` where WebAuthn is absent. */
export function nativePrototypes(global: typeof globalThis = globalThis): Prototypes | null {
  const g = global as unknown as Record<string, { prototype?: object } | undefined>;
  const credential = g.PublicKeyCredential?.prototype;
  const attestation = g.AuthenticatorAttestationResponse?.prototype;
  const assertion = g.AuthenticatorAssertionResponse?.prototype;
  if (!credential || !attestation || !assertion) return null;
  return { credential, attestation, assertion };
}

function bytes(b64: string): ArrayBuffer {
  // The JSON was checked by response-json before it got here, so this cannot fail.
  return toArrayBuffer(decode(b64) ?? new Uint8Array());
}

function attribute(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, {
    get: () => value,
    enumerable: false,
    configurable: true,
  });
}

function method(target: object, name: string, fn: (...args: never[]) => unknown): void {
  Object.defineProperty(target, name, { value: fn, writable: true, enumerable: false, configurable: true });
}

function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => deepCopy(x)) as T;
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = deepCopy(x);
    return out as T;
  }
  return v;
}

/** getClientExtensionResults(): the JSON's results with PRF outputs as ArrayBuffers. */
function extensionResults(ext: ClientExtensionResultsJSON): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (ext.credProps) out.credProps = { rk: ext.credProps.rk };
  if (ext.prf) {
    const prf: Record<string, unknown> = {};
    if (ext.prf.enabled !== undefined) prf.enabled = ext.prf.enabled;
    if (ext.prf.results) {
      const results: Record<string, ArrayBuffer> = { first: bytes(ext.prf.results.first) };
      if (ext.prf.results.second !== undefined) results.second = bytes(ext.prf.results.second);
      prf.results = results;
    }
    out.prf = prf;
  }
  return out;
}

function credentialShell(
  protos: Prototypes,
  json: RegistrationResponseJSON | AuthenticationResponseJSON,
  response: object,
): PublicKeyCredential {
  const credential = Object.create(protos.credential) as PublicKeyCredential;
  attribute(credential, 'id', json.id);
  attribute(credential, 'rawId', bytes(json.rawId));
  attribute(credential, 'type', json.type);
  attribute(credential, 'authenticatorAttachment', json.authenticatorAttachment);
  attribute(credential, 'response', response);
  method(credential, 'getClientExtensionResults', function getClientExtensionResults() {
    return extensionResults(json.clientExtensionResults);
  });
  method(credential, 'toJSON', function toJSON() {
    return deepCopy(json);
  });
  return credential;
}

/** The PublicKeyCredential `create()` resolves with. */
export function registrationCredential(json: RegistrationResponseJSON, protos: Prototypes): PublicKeyCredential {
  const r = json.response;
  const response = Object.create(protos.attestation) as object;
  attribute(response, 'clientDataJSON', bytes(r.clientDataJSON));
  attribute(response, 'attestationObject', bytes(r.attestationObject));
  method(response, 'getAuthenticatorData', function getAuthenticatorData() {
    return bytes(r.authenticatorData);
  });
  method(response, 'getPublicKey', function getPublicKey() {
    return r.publicKey === undefined ? null : bytes(r.publicKey);
  });
  method(response, 'getPublicKeyAlgorithm', function getPublicKeyAlgorithm() {
    return r.publicKeyAlgorithm;
  });
  method(response, 'getTransports', function getTransports() {
    return [...r.transports];
  });
  return credentialShell(protos, json, response);
}

/** The PublicKeyCredential `get()` resolves with. */
export function authenticationCredential(json: AuthenticationResponseJSON, protos: Prototypes): PublicKeyCredential {
  const r = json.response;
  const response = Object.create(protos.assertion) as object;
  attribute(response, 'clientDataJSON', bytes(r.clientDataJSON));
  attribute(response, 'authenticatorData', bytes(r.authenticatorData));
  attribute(response, 'signature', bytes(r.signature));
  attribute(response, 'userHandle', r.userHandle === undefined ? null : bytes(r.userHandle));
  return credentialShell(protos, json, response);
}
