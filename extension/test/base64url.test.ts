import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decode, encode, isBase64url } from '../src/shared/base64url';

describe('base64url', () => {
  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = encode(bytes);
        expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(decode(text)).toEqual(bytes);
      }),
    );
  });

  it('matches the RFC 4648 vectors (without padding)', () => {
    const vectors: Array<[string, string]> = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, b64] of vectors) {
      expect(encode(new TextEncoder().encode(plain))).toBe(b64);
      expect(new TextDecoder().decode(decode(b64)!)).toBe(plain);
    }
    expect(encode(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
  });

  it('refuses what is not base64url', () => {
    for (const bad of ['a', 'ab+c', 'ab/c', 'a b', 'Zh', '€€', 'Zm9v!']) expect(decode(bad)).toBeNull();
    expect(isBase64url(42)).toBe(false);
  });

  it('never throws on arbitrary strings (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        const out = decode(s);
        if (out !== null) expect(decode(encode(out))).toEqual(out);
      }),
    );
  });
});
