import { describe, expect, it } from 'vitest';
import {
  accountForApproval,
  clientName,
  defaultAccount,
  isNoPasskey,
  offersAnotherDevice,
  originLabel,
  unlockMessage,
  originHost,
  originMatchesRp,
  originWarning,
  promptAccountLabel,
  promptTitle,
  queuedLabel,
} from '../src/lib/prompt';
import { prompt } from './fixtures';

describe('promptTitle', () => {
  it('uses the rpId, not the (site-chosen) rpName', () => {
    expect(promptTitle({ operation: 'sign-in', rpId: 'example.com' })).toBe('Sign in to example.com?');
    expect(promptTitle({ operation: 'create', rpId: 'example.com' })).toBe('Create a passkey for example.com?');
    expect(promptTitle(prompt({ rpName: 'PayPal', rpId: 'evil.example' }))).toBe('Sign in to evil.example?');
  });
  it('names deletes and sites without a passkey', () => {
    expect(promptTitle(prompt({ operation: 'delete' }))).toBe('Delete a passkey?');
    expect(promptTitle(prompt({ accounts: [] }))).toBe('No passkey for github.com on this PC');
    expect(isNoPasskey(prompt({ accounts: [] }))).toBe(true);
    expect(isNoPasskey(prompt())).toBe(false);
    expect(isNoPasskey(prompt({ operation: 'create', accounts: [] }))).toBe(false);
    // A security key client's credential-management token: not a sign-in without a passkey.
    expect(promptTitle(prompt({ operation: 'manage', rpId: '', accounts: [] }))).toBe('Let a program manage your passkeys?');
    expect(isNoPasskey(prompt({ operation: 'manage', rpId: '', accounts: [] }))).toBe(false);
  });
});

describe('names in the prompt', () => {
  it('drops controls and bidi overrides a site put in its names', () => {
    const l = promptAccountLabel({ index: 0, userName: 'ev\u202Eil\u001b[2J', userDisplayName: 'Eve\u2066 X\u2069\u200b', nickname: '\u202Dwork' });
    expect(l.primary).toBe('evil[2J');
    expect(l.secondary).toBe('Eve X · “work”');
  });
});

describe('origin checks', () => {
  it('originHost parses and lower-cases', () => {
    expect(originHost('https://Login.Example.COM:8443')).toBe('login.example.com');
    expect(originHost('not a url')).toBeNull();
    expect(originHost(null)).toBeNull();
  });

  it('accepts the rpId and its subdomains only', () => {
    expect(originMatchesRp('https://example.com', 'example.com')).toBe(true);
    expect(originMatchesRp('https://login.example.com', 'example.com')).toBe(true);
    expect(originMatchesRp('https://a.b.example.com', 'Example.com')).toBe(true);
    expect(originMatchesRp('https://notexample.com', 'example.com')).toBe(false);
    expect(originMatchesRp('https://example.com.evil.io', 'example.com')).toBe(false);
    expect(originMatchesRp('https://com', 'example.com')).toBe(false);
    expect(originMatchesRp(null, 'example.com')).toBe(false);
  });

  it('warns on a foreign host, an unreadable origin and plain http', () => {
    expect(originWarning('https://login.example.com', 'example.com')).toBeNull();
    expect(originWarning(null, 'example.com')).toBeNull();
    expect(originWarning('http://localhost:3000', 'localhost')).toBeNull();
    expect(originWarning('https://example.com.evil.io', 'example.com')).toBe(
      'This request came from example.com.evil.io, which is not example.com or one of its subdomains.',
    );
    expect(originWarning('garbage', 'example.com')).toContain("can't read");
    expect(originWarning('http://example.com', 'example.com')).toContain('unencrypted');
  });
});

describe('accounts', () => {
  it('preselects the first account', () => {
    expect(defaultAccount(prompt())).toBe(3);
    expect(defaultAccount(prompt({ accounts: [] }))).toBeNull();
  });

  it('approves with the chosen account index for sign-in', () => {
    const p = prompt();
    expect(accountForApproval(p, 7)).toBe(7);
    expect(accountForApproval(p, 3)).toBe(3);
    expect(accountForApproval(p, null)).toBe(3);
    expect(accountForApproval(p, 99)).toBe(3); // not offered: fall back to the default
  });

  it('sends no account for create', () => {
    expect(accountForApproval(prompt({ operation: 'create' }), 3)).toBeNull();
  });

  it('labels accounts with name, display name and nickname', () => {
    expect(promptAccountLabel({ index: 0, userName: 'alice', userDisplayName: 'Alice M', nickname: 'Work' })).toEqual({
      primary: 'alice',
      secondary: 'Alice M · “Work”',
    });
    expect(promptAccountLabel({ index: 0, userName: null, userDisplayName: 'Alice M', nickname: null })).toEqual({
      primary: 'Alice M',
      secondary: null,
    });
  });

  it('queuedLabel', () => {
    expect(queuedLabel(0)).toBeNull();
    expect(queuedLabel(1)).toBe('1 more request waiting');
    expect(queuedLabel(4)).toBe('4 more requests waiting');
  });
});

describe('the browser door', () => {
  it('titles the unlock prompt and names the browser and the site', () => {
    const p = prompt({ operation: 'unlock', rpId: 'localhost', origin: 'http://localhost:8787', accounts: [], client: 'Chromium' });
    expect(promptTitle(p)).toBe('Unlock Latchkey to continue');
    expect(isNoPasskey(p)).toBe(false);
    expect(unlockMessage(p)).toBe('Chromium wants to use a passkey for localhost. Latchkey is locked.');
    expect(unlockMessage({ client: null, rpId: 'example.com' })).toBe(
      'A browser wants to use a passkey for example.com. Latchkey is locked.',
    );
    expect(clientName({ client: '  ' })).toBe('a browser');
    expect(clientName({ client: 'Firefox' })).toBe('Firefox');
  });

  it('shows a browser the whole origin and other doors the host', () => {
    expect(originLabel({ door: 'browser', origin: 'http://localhost:8787' })).toBe('http://localhost:8787');
    expect(originLabel({ door: 'browser', origin: 'https://Example.com/' })).toBe('https://example.com');
    expect(originLabel({ door: 'cli', origin: 'https://example.com' })).toBe('example.com');
    expect(originLabel({ door: 'browser', origin: null })).toBeNull();
  });

  it('offers another device only when the app says so', () => {
    expect(offersAnotherDevice({ anotherDevice: true })).toBe(true);
    expect(offersAnotherDevice({ anotherDevice: false })).toBe(false);
    expect(offersAnotherDevice({})).toBe(false);
  });
});
