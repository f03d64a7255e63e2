import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bufferSourceBytes, creationOptionsToJSON, requestOptionsToJSON } from '../src/page/options-json';

const bytes = [1, 2, 3, 4, 250, 251, 252, 253];
const b64 = 'AQIDBPr7_P0';

function creation(overrides: Record<string, unknown> = {}) {
  return {
    rp: { name: 'Example', id: 'example.com' },
    user: { id: new Uint8Array([9, 9]), name: 'alice', displayName: 'Alice' },
    challenge: new Uint8Array(bytes),
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    ...overrides,
  };
}

describe('every BufferSource kind becomes base64url of exactly its bytes', () => {
  const backing = new ArrayBuffer(20);
  new Uint8Array(backing).set(bytes, 6);
  const kinds: Array<[string, unknown]> = [
    ['ArrayBuffer', new Uint8Array(bytes).buffer],
    ['Uint8Array', new Uint8Array(bytes)],
    ['Uint8ClampedArray', new Uint8ClampedArray(bytes)],
    ['Int8Array', new Int8Array(new Uint8Array(bytes).buffer)],
    ['Uint16Array', new Uint16Array(new Uint8Array(bytes).buffer)],
    ['Int16Array', new Int16Array(new Uint8Array(bytes).buffer)],
    ['Uint32Array', new Uint32Array(new Uint8Array(bytes).buffer)],
    ['Int32Array', new Int32Array(new Uint8Array(bytes).buffer)],
    ['Float32Array', new Float32Array(new Uint8Array(bytes).buffer)],
    ['Float64Array', new Float64Array(new Uint8Array(bytes).buffer)],
    ['BigInt64Array', new BigInt64Array(new Uint8Array(bytes).buffer)],
    ['BigUint64Array', new BigUint64Array(new Uint8Array(bytes).buffer)],
    ['DataView', new DataView(new Uint8Array(bytes).buffer)],
    ['a view into part of a larger buffer', new Uint8Array(backing, 6, 8)],
    ['a DataView into part of a larger buffer', new DataView(backing, 6, 8)],
  ];
  for (const [name, value] of kinds) {
    it(name, () => {
      expect(creationOptionsToJSON(creation({ challenge: value })).challenge).toBe(b64);
      expect(requestOptionsToJSON({ challenge: value }).challenge).toBe(b64);
    });
  }

  it('a buffer the page changes later is copied at call time', () => {
    const challenge = new Uint8Array(bytes);
    const json = requestOptionsToJSON({ challenge });
    challenge[0] = 0;
    expect(json.challenge).toBe(b64);
  });

  it('an object that fakes its brand is not a BufferSource', () => {
    const fake = { byteLength: 4, [Symbol.toStringTag]: 'ArrayBuffer' };
    expect(bufferSourceBytes(fake)).toBeNull();
    expect(bufferSourceBytes('AQID')).toBeNull();
    expect(bufferSourceBytes([1, 2, 3])).toBeNull();
  });

  it('SharedArrayBuffer and views on it are refused (BufferSource has no [AllowShared])', () => {
    const shared = new SharedArrayBuffer(8);
    expect(bufferSourceBytes(shared)).toBeNull();
    expect(bufferSourceBytes(new Uint8Array(shared))).toBeNull();
    expect(() => requestOptionsToJSON({ challenge: new Uint8Array(shared) })).toThrow(TypeError);
  });
});

describe('creation options', () => {
  it('convert to PublicKeyCredentialCreationOptionsJSON', () => {
    const json = creationOptionsToJSON(
      creation({
        timeout: 60000.7,
        excludeCredentials: [{ type: 'public-key', id: new Uint8Array([1]), transports: ['internal', 'usb'] }],
        authenticatorSelection: { residentKey: 'required', userVerification: 'required', requireResidentKey: 1 },
        attestation: 'none',
        hints: ['client-device'],
        extensions: {
          credProps: true,
          credentialProtectionPolicy: 'userVerificationRequired',
          prf: { eval: { first: new Uint8Array([1, 2]), second: new Uint8Array([3]).buffer } },
          largeBlob: { support: 'required' },
        },
      }),
    );
    expect(json).toEqual({
      attestation: 'none',
      authenticatorSelection: { requireResidentKey: true, residentKey: 'required', userVerification: 'required' },
      challenge: b64,
      excludeCredentials: [{ id: 'AQ', transports: ['internal', 'usb'], type: 'public-key' }],
      extensions: {
        credProps: true,
        credentialProtectionPolicy: 'userVerificationRequired',
        prf: { eval: { first: 'AQI', second: 'Aw' } },
      },
      hints: ['client-device'],
      pubKeyCredParams: [{ alg: -7, type: 'public-key' }],
      rp: { id: 'example.com', name: 'Example' },
      timeout: 60000,
      user: { displayName: 'Alice', id: 'CQk', name: 'alice' },
    });
  });

  it('read alg as a WebIDL long (KeycloakJS sends a string)', () => {
    const json = creationOptionsToJSON(creation({ pubKeyCredParams: [{ type: 'public-key', alg: '-257' }] }));
    expect(json.pubKeyCredParams).toEqual([{ alg: -257, type: 'public-key' }]);
  });

  it('accept any iterable as a sequence', () => {
    const params = new Set([{ type: 'public-key', alg: -8 }]);
    expect(creationOptionsToJSON(creation({ pubKeyCredParams: params })).pubKeyCredParams).toEqual([{ alg: -8, type: 'public-key' }]);
  });

  const malformed: Array<[string, unknown]> = [
    ['no publicKey dictionary', undefined],
    ['publicKey is a string', 'nope'],
    ['no challenge', creation({ challenge: undefined })],
    ['a string challenge', creation({ challenge: 'AQID' })],
    ['an array challenge', creation({ challenge: [1, 2, 3] })],
    ['no rp', creation({ rp: undefined })],
    ['no rp.name', creation({ rp: {} })],
    ['no user', creation({ user: undefined })],
    ['no user.id', creation({ user: { name: 'a', displayName: 'A' } })],
    ['an empty user.id', creation({ user: { id: new Uint8Array(0), name: 'a', displayName: 'A' } })],
    ['a 65-byte user.id', creation({ user: { id: new Uint8Array(65), name: 'a', displayName: 'A' } })],
    ['no user.name', creation({ user: { id: new Uint8Array(1), displayName: 'A' } })],
    ['no pubKeyCredParams', creation({ pubKeyCredParams: undefined })],
    ['pubKeyCredParams not a sequence', creation({ pubKeyCredParams: 5 })],
    ['a param without alg', creation({ pubKeyCredParams: [{ type: 'public-key' }] })],
    ['an excluded credential without id', creation({ excludeCredentials: [{ type: 'public-key' }] })],
    ['an excluded credential with a string id', creation({ excludeCredentials: [{ type: 'public-key', id: 'AQ' }] })],
    ['a Symbol user name', creation({ user: { id: new Uint8Array(1), name: Symbol('x'), displayName: 'A' } })],
    ['prf eval without first', creation({ extensions: { prf: { eval: {} } } })],
    ['authenticatorSelection not a dictionary', creation({ authenticatorSelection: 7 })],
  ];
  for (const [name, value] of malformed) {
    it(`throw a TypeError for ${name}`, () => {
      expect(() => creationOptionsToJSON(value)).toThrow(TypeError);
    });
  }
});

describe('request options', () => {
  it('convert to PublicKeyCredentialRequestOptionsJSON, prf evalByCredential too', () => {
    const json = requestOptionsToJSON({
      challenge: new Uint8Array(bytes).buffer,
      rpId: 'example.com',
      allowCredentials: [{ type: 'public-key', id: new Uint16Array([0x0201]) }],
      userVerification: 'required',
      timeout: 1000,
      extensions: {
        appid: 'https://example.com',
        prf: { eval: { first: new Uint8Array([1]) }, evalByCredential: { AgE: { first: new DataView(new Uint8Array([7]).buffer) } } },
      },
    });
    expect(json).toEqual({
      allowCredentials: [{ id: 'AQI', type: 'public-key' }],
      challenge: b64,
      extensions: { prf: { eval: { first: 'AQ' }, evalByCredential: { AgE: { first: 'Bw' } } } },
      rpId: 'example.com',
      timeout: 1000,
      userVerification: 'required',
    });
  });

  it('throw a TypeError for a missing challenge or a bad allow list', () => {
    expect(() => requestOptionsToJSON({})).toThrow(TypeError);
    expect(() => requestOptionsToJSON({ challenge: new Uint8Array(1), allowCredentials: {} })).toThrow(TypeError);
    expect(() => requestOptionsToJSON({ challenge: new Uint8Array(1), allowCredentials: [{ type: 'public-key', id: 1 }] })).toThrow(TypeError);
  });

  it('a getter that throws propagates, as in WebIDL conversion', () => {
    const options = {
      get challenge(): never {
        throw new RangeError('page getter');
      },
    };
    expect(() => requestOptionsToJSON(options)).toThrow(RangeError);
  });
});

describe('fuzz: arbitrary page input never escapes as anything but a TypeError (or valid JSON)', () => {
  const value = fc.letrec((tie) => ({
    any: fc.oneof(
      { depthSize: 'small' },
      fc.constant(undefined),
      fc.constant(null),
      fc.boolean(),
      fc.double(),
      fc.string({ maxLength: 8 }),
      fc.uint8Array({ maxLength: 8 }),
      fc.uint8Array({ maxLength: 8 }).map((a) => a.buffer),
      fc.array(tie('any'), { maxLength: 3 }),
      fc.dictionary(
        fc.constantFrom('challenge', 'rp', 'user', 'id', 'name', 'displayName', 'pubKeyCredParams', 'alg', 'type', 'allowCredentials', 'excludeCredentials', 'extensions', 'prf', 'eval', 'first', 'timeout'),
        tie('any'),
        { maxKeys: 6 },
      ),
    ),
  }));
  it('creation and request options', () => {
    fc.assert(
      fc.property(value.any, (input) => {
        for (const convert of [creationOptionsToJSON, requestOptionsToJSON]) {
          try {
            const json = convert(input);
            expect(JSON.parse(JSON.stringify(json))).toEqual(json);
            expect(typeof json.challenge).toBe('string');
          } catch (e) {
            expect(e).toBeInstanceOf(TypeError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
