import type { Passkey, Prompt } from '../src/lib/types';

let n = 0;

export function passkey(over: Partial<Passkey> = {}): Passkey {
  n++;
  return {
    id: `cred${n}AAAAbbbbCCCCdddd${n}`,
    rpId: 'example.com',
    rpName: null,
    userName: 'alice',
    userDisplayName: 'Alice',
    nickname: null,
    createdAt: 1_700_000_000,
    lastUsedAt: null,
    useCount: 0,
    algorithm: 'ES256',
    backupEligible: false,
    backupState: false,
    ...over,
  };
}

export function prompt(over: Partial<Prompt> = {}): Prompt {
  return {
    id: 'prompt-1',
    operation: 'sign-in',
    rpId: 'github.com',
    rpName: 'GitHub',
    origin: 'https://github.com',
    door: 'browser',
    accounts: [
      { index: 3, userName: 'alice', userDisplayName: 'Alice Martin', nickname: null },
      { index: 7, userName: 'alice-oss', userDisplayName: null, nickname: 'Open source' },
    ],
    expiresAt: Date.now() + 60_000,
    queued: 0,
    ...over,
  };
}
