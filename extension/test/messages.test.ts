import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CHANNEL, MAX_OPTIONS_CHARS, parsePageRequest } from '../src/shared/page-messages';
import {
  parseAccounts,
  parseContentRequest,
  parseMenuKey,
  parseMenuOffer,
  parsePopupRequest,
} from '../src/shared/runtime-messages';
import { parseAuthenticationResponse, parseRegistrationResponse } from '../src/shared/response-json';
import { authenticationJSON, registrationJSON } from './fixtures';

describe('page → isolated world requests', () => {
  it('accepts the four kinds', () => {
    expect(parsePageRequest({ channel: CHANNEL, kind: 'available' })).toEqual({ channel: CHANNEL, kind: 'available' });
    for (const kind of ['create', 'get', 'conditional']) {
      expect(parsePageRequest({ channel: CHANNEL, kind, options: { challenge: 'AA' } })).toEqual({ channel: CHANNEL, kind, options: { challenge: 'AA' } });
    }
  });

  it('ignores other scripts’ messages and malformed ones', () => {
    for (const bad of [
      null,
      'x',
      { kind: 'get', options: { challenge: 'AA' } },
      { channel: 'other', kind: 'get', options: { challenge: 'AA' } },
      { channel: CHANNEL, kind: 'status' },
      { channel: CHANNEL, kind: 'get' },
      { channel: CHANNEL, kind: 'get', options: [] },
      { channel: CHANNEL, kind: 'get', options: { challenge: 5 } },
      { channel: CHANNEL, kind: 'create', options: { challenge: 'AA', pad: 'x'.repeat(MAX_OPTIONS_CHARS) } },
    ]) {
      expect(parsePageRequest(bad)).toBeNull();
    }
  });

  it('returns a copy, so later changes by the page do not reach the background', () => {
    const options = { challenge: 'AA', rpId: 'a.example' };
    const parsed = parsePageRequest({ channel: CHANNEL, kind: 'get', options })!;
    options.rpId = 'b.example';
    expect(parsed.options!.rpId).toBe('a.example');
  });

  it('an origin in the page’s message is dropped, never relayed', () => {
    const parsed = parsePageRequest({ channel: CHANNEL, kind: 'get', options: { challenge: 'AA' }, origin: 'https://bank.example' });
    expect(parsed).not.toHaveProperty('origin');
  });
});

describe('content → background requests', () => {
  const ok = { type: 'get', origin: 'https://a.example', sameOriginWithAncestors: true, options: { challenge: 'AA' } };
  it('accepts well-formed requests', () => {
    expect(parseContentRequest(ok)).toEqual(ok);
    expect(parseContentRequest({ type: 'available', origin: 'http://localhost:8787', sameOriginWithAncestors: false })).toEqual({
      type: 'available',
      origin: 'http://localhost:8787',
      sameOriginWithAncestors: false,
    });
  });
  it('refuses malformed ones', () => {
    for (const bad of [
      { ...ok, type: 'status' },
      { ...ok, origin: 'https://a.example/' },
      { ...ok, origin: 'https://a.example/path' },
      { ...ok, origin: 'not a url' },
      { ...ok, sameOriginWithAncestors: 'yes' },
      { ...ok, options: undefined },
      { ...ok, options: { challenge: 1 } },
      [],
      null,
    ]) {
      expect(parseContentRequest(bad)).toBeNull();
    }
  });
});

describe('host answers read by the background', () => {
  it('accounts', () => {
    const list = [{ credentialId: 'AQ', userName: 'alice', userDisplayName: 'Alice', nickname: null }];
    expect(parseAccounts(list)).toEqual(list);
    expect(parseAccounts([{ credentialId: 'AQ' }])).toEqual([{ credentialId: 'AQ', userName: null, userDisplayName: null, nickname: null }]);
    expect(parseAccounts([{ credentialId: '' }])).toBeNull();
    expect(parseAccounts([{ credentialId: 'a+b' }])).toBeNull();
    expect(parseAccounts([{ credentialId: 'AQ', userName: 5 }])).toBeNull();
    expect(parseAccounts({})).toBeNull();
  });
  it('menu offers, keys and popup requests', () => {
    expect(parseMenuOffer({ menu: { token: 'abcdefghijklmnopqrstuv', count: 2 } })).not.toBeNull();
    expect(parseMenuOffer({ menu: { token: 'short', count: 2 } })).toBeNull();
    expect(parseMenuOffer({ menu: { token: 'abcdefghijklmnopqrstuv', count: 0 } })).toBeNull();
    expect(parseMenuKey({ key: 'ArrowDown' })).toBe('ArrowDown');
    expect(parseMenuKey({ key: 'Tab' })).toBeNull();
    expect(parsePopupRequest({ type: 'popup-state', origin: null })).toEqual({ type: 'popup-state', origin: null });
    expect(parsePopupRequest({ type: 'popup-site', origin: 'https://a.example', enabled: 'no' })).toBeNull();
  });
});

describe('fuzz: every parser of page or host data never throws', () => {
  const parsers: Array<[string, (v: unknown) => unknown]> = [
    ['parsePageRequest', parsePageRequest],
    ['parseContentRequest', parseContentRequest],
    ['parseAccounts', parseAccounts],
    ['parseMenuOffer', parseMenuOffer],
    ['parseMenuKey', parseMenuKey],
    ['parsePopupRequest', parsePopupRequest],
    ['parseRegistrationResponse', parseRegistrationResponse],
    ['parseAuthenticationResponse', parseAuthenticationResponse],
  ];
  for (const [name, parse] of parsers) {
    it(name, () => {
      fc.assert(
        fc.property(fc.anything({ maxDepth: 4 }), (v) => {
          parse(v);
        }),
        { numRuns: 1500 },
      );
    });
  }

  it('near-misses of valid responses: accepted ones always keep the W3C shape', () => {
    const mutate = (base: Record<string, unknown>) =>
      fc.tuple(fc.constantFrom('id', 'rawId', 'type', 'response', 'clientExtensionResults', 'authenticatorAttachment'), fc.anything({ maxDepth: 2 })).map(([k, v]) => ({ ...structuredClone(base), [k]: v }));
    fc.assert(
      fc.property(mutate(registrationJSON), (v) => {
        const r = parseRegistrationResponse(v);
        if (r) {
          expect(r.type).toBe('public-key');
          expect(r.id).toBe(r.rawId);
          expect(typeof r.response.clientDataJSON).toBe('string');
        }
      }),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(mutate(authenticationJSON), (v) => {
        const r = parseAuthenticationResponse(v);
        if (r) expect(typeof r.response.signature).toBe('string');
      }),
      { numRuns: 1500 },
    );
  });
});
