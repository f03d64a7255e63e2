import { describe, expect, it } from 'vitest';
import { activityTone, describeActivity, doorLabel, doorPhrase } from '../src/lib/activity';
import type { ActivityEntry } from '../src/lib/types';

const e = (over: Partial<ActivityEntry>): ActivityEntry => ({
  time: 0,
  kind: 'approved',
  rpId: 'example.com',
  account: 'alice',
  door: 'browser',
  ...over,
});

describe('describeActivity', () => {
  it.each([
    [e({ kind: 'approved' }), 'Signed in to example.com as alice'],
    [e({ kind: 'approved', account: null }), 'Signed in to example.com'],
    [e({ kind: 'denied' }), 'Denied a sign-in to example.com as alice'],
    [e({ kind: 'denied', account: null }), 'Denied a sign-in to example.com'],
    [e({ kind: 'timed-out' }), 'A request from example.com timed out'],
    [e({ kind: 'created' }), 'Created a passkey for example.com as alice'],
    [e({ kind: 'deleted' }), 'Deleted the passkey for example.com as alice'],
    [e({ kind: 'restored' }), 'Restored the passkey for example.com as alice'],
    [e({ kind: 'renamed', account: '  ' }), 'Renamed the passkey for example.com'],
    [e({ kind: 'unlocked', rpId: null, account: null }), 'Unlocked Latchkey'],
    [e({ kind: 'locked', rpId: null, account: null }), 'Locked Latchkey'],
    [e({ kind: 'delete-refused' }), 'Kept the passkey for example.com as alice: the deletion was not confirmed'],
    [
      e({ kind: 'settings-reset', rpId: null, account: null }),
      'The settings file was changed outside Latchkey; the safe settings were put back',
    ],
    [e({ kind: 'approved', rpId: null }), 'Signed in to an unknown site as alice'],
    [e({ kind: 'cancelled' }), 'A request from example.com was cancelled by the page'],
    [e({ kind: 'another-device' }), 'Sent a request from example.com to another device or security key'],
  ])('%o -> %s', (entry, text) => {
    expect(describeActivity(entry)).toBe(text);
  });

  it('does not crash on an unknown kind', () => {
    expect(describeActivity(e({ kind: 'exploded' as never }))).toContain('exploded');
  });
});

describe('doors and tones', () => {
  it('labels every door', () => {
    expect(doorLabel('app')).toBe('App');
    expect(doorLabel('cli')).toBe('CLI');
    expect(doorLabel('browser')).toBe('Browser');
    expect(doorLabel('usb')).toBe('Security key');
    expect(doorLabel('program')).toBe('Another program');
    expect(doorPhrase('cli')).toBe('a command-line tool');
    expect(doorPhrase('program')).toBe('another program on this PC');
    expect(doorPhrase('usb')).toBe('a program using Latchkey as a security key');
  });
  it('tones', () => {
    expect(activityTone('approved')).toBe('good');
    expect(activityTone('created')).toBe('good');
    expect(activityTone('denied')).toBe('bad');
    expect(activityTone('deleted')).toBe('bad');
    expect(activityTone('timed-out')).toBe('warn');
    expect(activityTone('locked')).toBe('neutral');
    expect(activityTone('settings-reset')).toBe('warn');
  });
});

describe('sign-in links in the activity log', () => {
  it('names the site of an opened link', () => {
    expect(describeActivity(e({ kind: 'link-opened', rpId: 'example.com', account: null }))).toBe(
      'Opened a sign-in link for example.com after checking it',
    );
  });
});

describe('transfer and recovery activity', () => {
  it.each([
    [e({ kind: 'recovery-kit-created', rpId: null, account: null }), 'Made a new recovery kit; any older kit no longer works'],
    [e({ kind: 'recovered', rpId: null, account: null }), 'Opened the vault with the recovery key and put its key back into the keychain'],
    [e({ kind: 'imported', rpId: null, account: null }), 'Imported passkeys from a file'],
    [e({ kind: 'imported', rpId: null, account: '12 passkeys' }), 'Imported 12 passkeys from a file'],
    [e({ kind: 'exported', rpId: null, account: '1 passkey' }), 'Exported 1 passkey to a file'],
    [e({ kind: 'exported', rpId: null, account: null }), 'Exported passkeys to a file'],
  ])('%o -> %s', (entry, text) => {
    expect(describeActivity(entry)).toBe(text);
  });
  it('gives them tones', () => {
    expect(activityTone('recovered')).toBe('good');
    expect(activityTone('imported')).toBe('good');
    expect(activityTone('exported')).toBe('warn');
  });
});
