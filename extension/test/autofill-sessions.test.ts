import { describe, expect, it } from 'vitest';
import { admitted, rpIdFor, servesMenu } from '../src/background/autofill-sessions';

describe('passkey autofill decisions', () => {
  it('offers a menu only when the app already runs unlocked (loading a page never starts or unlocks it)', () => {
    expect(servesMenu({ ok: { running: true, locked: false, count: 2 } })).toBeNull();
    expect(servesMenu({ ok: { running: true, locked: true } })).toBe('locked');
    expect(servesMenu({ ok: { running: false } })).toBe('not-running');
    expect(servesMenu({ fallback: 'not-installed' })).toBe('not-installed');
    expect(servesMenu({ error: { name: 'UnknownError', message: '' } })).toBe('unavailable');
    expect(servesMenu({ ok: null })).toBe('not-running');
  });

  it('the RP ID is the options’ rpId, else the origin’s host', () => {
    expect(rpIdFor('http://localhost:8787', { challenge: 'AA' })).toBe('localhost');
    expect(rpIdFor('https://login.example.com', { challenge: 'AA', rpId: 'example.com' })).toBe('example.com');
  });

  it('an allow list limits the menu to the passkeys it names', () => {
    const accounts = [
      { credentialId: 'AQ', userName: 'a', userDisplayName: null, nickname: null },
      { credentialId: 'Ag', userName: 'b', userDisplayName: null, nickname: null },
    ];
    expect(admitted(accounts, { challenge: 'AA' })).toEqual(accounts);
    expect(admitted(accounts, { challenge: 'AA', allowCredentials: [] })).toEqual(accounts);
    expect(admitted(accounts, { challenge: 'AA', allowCredentials: [{ type: 'public-key', id: 'Ag' }] })).toEqual([accounts[1]]);
    expect(admitted(accounts, { challenge: 'AA', allowCredentials: [{ type: 'public-key', id: 'Aw' }] })).toEqual([]);
  });
});
