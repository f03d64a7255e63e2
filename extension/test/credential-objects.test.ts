import { describe, expect, it } from 'vitest';
import { authenticationCredential, registrationCredential, type Prototypes } from '../src/page/credential-objects';
import { parseAuthenticationResponse, parseRegistrationResponse } from '../src/shared/response-json';
import { decode, encode } from '../src/shared/base64url';
import { authenticationJSON, registrationJSON } from './fixtures';

/**
 * Stand-ins for the browser's prototypes, shaped like the real ones: their accessors and
 * methods brand-check and throw on any object the browser did not make. Node has no
 * PublicKeyCredential; the real prototypes are exercised by the e2e tests in real browsers.
 */
function brandChecked(names: string[], methods: string[]): object {
  const proto = {};
  for (const n of names) {
    Object.defineProperty(proto, n, {
      get() {
        throw new TypeError('Illegal invocation');
      },
      enumerable: true,
      configurable: true,
    });
  }
  for (const m of methods) {
    Object.defineProperty(proto, m, {
      value() {
        throw new TypeError('Illegal invocation');
      },
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return proto;
}

class Credential {}
for (const [k, v] of Object.entries(Object.getOwnPropertyDescriptors(brandChecked(['id', 'type'], [])))) {
  Object.defineProperty(Credential.prototype, k, v);
}
class PublicKeyCredential extends Credential {}
for (const [k, v] of Object.entries(Object.getOwnPropertyDescriptors(brandChecked(['rawId', 'response', 'authenticatorAttachment'], ['getClientExtensionResults', 'toJSON'])))) {
  Object.defineProperty(PublicKeyCredential.prototype, k, v);
}
class AuthenticatorResponse {}
Object.defineProperty(AuthenticatorResponse.prototype, 'clientDataJSON', Object.getOwnPropertyDescriptor(brandChecked(['clientDataJSON'], []), 'clientDataJSON')!);
class AuthenticatorAttestationResponse extends AuthenticatorResponse {}
for (const [k, v] of Object.entries(Object.getOwnPropertyDescriptors(brandChecked(['attestationObject'], ['getAuthenticatorData', 'getPublicKey', 'getPublicKeyAlgorithm', 'getTransports', 'toJSON'])))) {
  Object.defineProperty(AuthenticatorAttestationResponse.prototype, k, v);
}
class AuthenticatorAssertionResponse extends AuthenticatorResponse {}
for (const [k, v] of Object.entries(Object.getOwnPropertyDescriptors(brandChecked(['authenticatorData', 'signature', 'userHandle', 'attestationObject'], ['toJSON'])))) {
  Object.defineProperty(AuthenticatorAssertionResponse.prototype, k, v);
}

const protos: Prototypes = {
  credential: PublicKeyCredential.prototype,
  attestation: AuthenticatorAttestationResponse.prototype,
  assertion: AuthenticatorAssertionResponse.prototype,
};

const b64 = (b: ArrayBuffer) => encode(new Uint8Array(b));

describe('registration credential', () => {
  const json = parseRegistrationResponse(registrationJSON)!;
  const c = registrationCredential(json, protos) as unknown as Record<string, any>;

  it('has the native prototypes', () => {
    expect(c).toBeInstanceOf(PublicKeyCredential);
    expect(c).toBeInstanceOf(Credential);
    expect(c.response).toBeInstanceOf(AuthenticatorAttestationResponse);
    expect(c.response).toBeInstanceOf(AuthenticatorResponse);
  });

  it('shadows every brand-checked member the page can use', () => {
    expect(c.id).toBe(registrationJSON.id);
    expect(c.type).toBe('public-key');
    expect(c.authenticatorAttachment).toBe('platform');
    expect(c.rawId).toBeInstanceOf(ArrayBuffer);
    expect(b64(c.rawId)).toBe(registrationJSON.rawId);
    expect(c.rawId).toBe(c.rawId); // [SameObject]
    const r = c.response;
    expect(b64(r.clientDataJSON)).toBe(registrationJSON.response.clientDataJSON);
    expect(b64(r.attestationObject)).toBe(registrationJSON.response.attestationObject);
    expect(b64(r.getAuthenticatorData())).toBe(registrationJSON.response.authenticatorData);
    expect(b64(r.getPublicKey())).toBe(registrationJSON.response.publicKey);
    expect(r.getPublicKeyAlgorithm()).toBe(-7);
    expect(r.getTransports()).toEqual(['internal']);
    r.getTransports().push('usb');
    expect(r.getTransports()).toEqual(['internal']); // a fresh copy each call
  });

  it('getClientExtensionResults gives credProps and prf with ArrayBuffer results', () => {
    const ext = c.getClientExtensionResults();
    expect(ext.credProps).toEqual({ rk: true });
    expect(ext.prf.enabled).toBe(true);
    expect(ext.prf.results.first).toBeInstanceOf(ArrayBuffer);
    expect(b64(ext.prf.results.first)).toBe('AAECAw');
  });

  it('toJSON gives the W3C RegistrationResponseJSON the app returned', () => {
    expect(c.toJSON()).toEqual(registrationJSON);
    expect(JSON.parse(JSON.stringify(c))).toEqual(registrationJSON);
    c.toJSON().response.transports.push('x');
    expect(c.toJSON()).toEqual(registrationJSON); // callers cannot change it
  });

  it('getPublicKey is null when the app had no SPKI (an algorithm without one)', () => {
    const withoutKey = structuredClone(registrationJSON) as Record<string, any>;
    delete withoutKey.response.publicKey;
    const r = registrationCredential(parseRegistrationResponse(withoutKey)!, protos) as unknown as Record<string, any>;
    expect(r.response.getPublicKey()).toBeNull();
  });
});

describe('authentication credential', () => {
  const c = authenticationCredential(parseAuthenticationResponse(authenticationJSON)!, protos) as unknown as Record<string, any>;

  it('has the native prototypes and the assertion members', () => {
    expect(c).toBeInstanceOf(PublicKeyCredential);
    expect(c.response).toBeInstanceOf(AuthenticatorAssertionResponse);
    expect(b64(c.response.authenticatorData)).toBe(authenticationJSON.response.authenticatorData);
    expect(b64(c.response.signature)).toBe(authenticationJSON.response.signature);
    expect(new TextDecoder().decode(c.response.userHandle)).toBe('user-1');
    expect(b64(c.response.clientDataJSON)).toBe(authenticationJSON.response.clientDataJSON);
  });

  it('prf results, both of them, as ArrayBuffers', () => {
    const prf = c.getClientExtensionResults().prf;
    expect(b64(prf.results.first)).toBe('BAUGBw');
    expect(b64(prf.results.second)).toBe('CAkKCw');
    expect(c.getClientExtensionResults().credProps).toBeUndefined();
  });

  it('toJSON gives the AuthenticationResponseJSON', () => {
    expect(c.toJSON()).toEqual(authenticationJSON);
  });

  it('a null userHandle stays null and is left out of the JSON', () => {
    const j = structuredClone(authenticationJSON) as Record<string, any>;
    j.response.userHandle = null;
    const n = authenticationCredential(parseAuthenticationResponse(j)!, protos) as unknown as Record<string, any>;
    expect(n.response.userHandle).toBeNull();
    expect('userHandle' in n.toJSON().response).toBe(false);
  });
});

describe('the app’s JSON is checked before the page sees it', () => {
  it('keeps only WebAuthn’s members', () => {
    const extra = { ...structuredClone(registrationJSON), secret: 'x', response: { ...registrationJSON.response, privateKey: 'y' } };
    const parsed = parseRegistrationResponse(extra)!;
    expect(parsed).toEqual(registrationJSON);
  });

  const broken: Array<[string, (j: Record<string, any>) => void]> = [
    ['id not base64url', (j) => (j.id = j.rawId = 'a+b')],
    ['rawId differs from id', (j) => (j.rawId = 'AQ')],
    ['wrong type', (j) => (j.type = 'password')],
    ['no clientDataJSON', (j) => delete j.response.clientDataJSON],
    ['binary as an array', (j) => (j.response.attestationObject = [1, 2])],
    ['transports not strings', (j) => (j.response.transports = [1])],
    ['algorithm not an integer', (j) => (j.response.publicKeyAlgorithm = '-7')],
    ['credProps.rk not a boolean', (j) => (j.clientExtensionResults = { credProps: { rk: 'yes' } })],
    ['prf results not base64url', (j) => (j.clientExtensionResults = { prf: { results: { first: '!' } } })],
  ];
  for (const [name, spoil] of broken) {
    it(`refuses ${name}`, () => {
      const j = structuredClone(registrationJSON) as Record<string, any>;
      spoil(j);
      expect(parseRegistrationResponse(j)).toBeNull();
    });
  }

  it('refuses an assertion without a signature or with a bad userHandle', () => {
    const a = structuredClone(authenticationJSON) as Record<string, any>;
    delete a.response.signature;
    expect(parseAuthenticationResponse(a)).toBeNull();
    const b = structuredClone(authenticationJSON) as Record<string, any>;
    b.response.userHandle = 5;
    expect(parseAuthenticationResponse(b)).toBeNull();
    expect(decode(authenticationJSON.response.userHandle)).not.toBeNull();
  });
});
