/**
 * DEV ONLY — a fake Latchkey backend for viewing the UI in a plain browser.
 * Loaded only by dev/vite.mock.config.ts; never part of `npm run build`.
 *
 * URL parameters:
 *   theme=light|dark|system     saved theme setting (default system)
 *   vault=locked|empty|full     vault state (default full)
 *   count=N                     serve N generated passkeys instead of the 10 samples (perf testing)
 *   unlock=ok|fail|hang         what unlock() does (default ok, after 1.5 s)
 *   prompt=signin|create|mismatch|none|expiring|cli|unlock|delete|nopasskey
 *   kit=1                       the first unlock shows a new recovery kit
 *   recover=1                   unlock fails as if the keychain lost the key, and Recover is offered
 *   import=plain|encrypted|problems  what a chosen file holds (default encrypted)
 *   act=…                       drive the UI for screenshots, e.g.
 *       unlock, confirm-delete, deleted, tab-activity, tab-settings, search:<text>,
 *       approve-hang, approve-fail, select-2, rename, error
 */
import { mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import type { ActivityEntry, Passkey, Prompt, Settings } from '../src/lib/types';

const q = new URLSearchParams(location.search);
const param = (k: string, d: string) => q.get(k) ?? d;

const NOW = Math.floor(Date.now() / 1000);
const H = 3600;
const D = 86400;
let idSeed = 1;

let passkeys: Passkey[] = [
  pk('github.com', 'GitHub', 'alice', 'Alice Martin', 'Work laptop', 220 * D, 2 * H, 184, 'ES256', true, true),
  pk('github.com', 'GitHub', 'alice-oss', 'Alice (OSS)', null, 90 * D, 3 * D, 41, 'ES256', true, true),
  pk('google.com', 'Google', 'alice.martin@gmail.com', 'Alice Martin', null, 400 * D, 26 * H, 512, 'ES256', true, true),
  pk('example.com', null, 'alice', 'Alice', null, 12 * D, null, 0, 'EdDSA', false, false),
  pk('login.microsoft.com', 'Microsoft', 'alice@outlook.com', 'Alice Martin', null, 160 * D, 9 * D, 77, 'RS256', true, false),
  pk('amazon.com', 'Amazon', 'alice.m', 'Alice', 'Prime', 60 * D, 40 * D, 12, 'ES256', true, true),
  pk('dropbox.com', 'Dropbox', 'alice@martin.dev', 'Alice Martin', 'Personal', 30 * D, 5 * H, 33, 'ES256', false, false),
  pk('paypal.com', 'PayPal', 'alice.martin', 'Alice Martin', null, 700 * D, 120 * D, 8, 'ES256', true, true),
  pk('webauthn.io', 'webauthn.io', 'test-user-0421', null, 'Testing', 2 * D, 2 * D, 3, 'EdDSA', false, false),
  pk('id.examplebank.com', 'Example Bank', '40123987', 'A. MARTIN', null, 25 * D, 35 * 60, 58, 'ES256', false, false),
];
if (param('vault', 'full') === 'empty') passkeys = [];
else if (q.has('count')) passkeys = generated(Math.max(0, Number(q.get('count')) || 0));

/** N synthetic passkeys over N/10 sites ("Site 0" … on site0.example …), for performance testing. */
function generated(n: number): Passkey[] {
  const out: Passkey[] = [];
  const sites = Math.max(1, Math.ceil(n / 10));
  for (let i = 0; i < n; i++) {
    const s = i % sites;
    const u = Math.floor(i / sites);
    out.push(
      pk(`site${s}.example`, s % 3 === 0 ? null : `Site ${s}`, `user${u}@mail${s}.test`, `User ${u}`, i % 7 === 0 ? `Key ${i}` : null,
        (i % 500) * D + 1000, i % 4 === 0 ? null : (i % 90) * H + 60, i % 50, 'ES256', i % 2 === 0, i % 4 === 0),
    );
  }
  return out;
}

function pk(
  rpId: string,
  rpName: string | null,
  userName: string | null,
  userDisplayName: string | null,
  nickname: string | null,
  createdAgo: number,
  usedAgo: number | null,
  useCount: number,
  algorithm: string,
  backupEligible: boolean,
  backupState: boolean,
): Passkey {
  const raw = `${rpId}:${userName}:${idSeed++}`;
  const id = btoa(raw + raw.split('').reverse().join(''))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  return {
    id,
    rpId,
    rpName,
    userName,
    userDisplayName,
    nickname,
    createdAt: NOW - createdAgo,
    lastUsedAt: usedAgo === null ? null : NOW - usedAgo,
    useCount,
    algorithm,
    backupEligible,
    backupState,
  };
}

const activity: ActivityEntry[] = [
  { time: NOW - 2 * H, kind: 'approved', rpId: 'github.com', account: 'alice', door: 'browser' },
  { time: NOW - 5 * H, kind: 'approved', rpId: 'dropbox.com', account: 'alice@martin.dev', door: 'browser' },
  { time: NOW - 5 * H - 50, kind: 'unlocked', rpId: null, account: null, door: 'app' },
  { time: NOW - 26 * H, kind: 'approved', rpId: 'google.com', account: 'alice.martin@gmail.com', door: 'usb' },
  { time: NOW - 27 * H, kind: 'denied', rpId: 'paypal.com', account: null, door: 'browser' },
  { time: NOW - 28 * H, kind: 'timed-out', rpId: 'amazon.com', account: null, door: 'browser' },
  { time: NOW - 2 * D, kind: 'created', rpId: 'webauthn.io', account: 'test-user-0421', door: 'browser' },
  { time: NOW - 2 * D - 300, kind: 'renamed', rpId: 'webauthn.io', account: 'test-user-0421', door: 'app' },
  { time: NOW - 3 * D, kind: 'approved', rpId: 'github.com', account: 'alice-oss', door: 'cli' },
  { time: NOW - 4 * D, kind: 'deleted', rpId: 'old.example.org', account: 'alice', door: 'app' },
  { time: NOW - 4 * D + 5, kind: 'restored', rpId: 'old.example.org', account: 'alice', door: 'app' },
  { time: NOW - 6 * D, kind: 'locked', rpId: null, account: null, door: 'app' },
];

let settings: Settings = {
  autoLockMinutes: 15,
  verification: { kind: 'reuse', minutes: 5 },
  theme: param('theme', 'system') as Settings['theme'],
};

let locked = param('vault', 'full') === 'locked';
const undo = new Map<string, Passkey>();

function makePrompt(kind: string): Prompt | null {
  const expiresAt = Date.now() + (kind === 'expiring' ? 7_000 : 58_000);
  switch (kind) {
    case 'none':
      return null;
    case 'unlock':
      return {
        id: 'p-unlock',
        operation: 'unlock',
        rpId: 'webauthn.io',
        rpName: null,
        origin: 'https://webauthn.io',
        door: 'browser',
        client: 'Chromium',
        anotherDevice: true,
        accounts: [],
        expiresAt,
        queued: 0,
      };
    case 'delete':
      return {
        id: 'p-delete',
        operation: 'delete',
        rpId: 'github.com',
        rpName: 'GitHub',
        origin: null,
        door: 'cli',
        accounts: [{ index: 0, userName: 'alice', userDisplayName: 'Alice Martin', nickname: 'Work laptop' }],
        expiresAt,
        queued: 0,
      };
    case 'nopasskey':
      return {
        id: 'p-nopasskey',
        operation: 'sign-in',
        rpId: 'example.org',
        rpName: null,
        origin: null,
        door: 'cli',
        accounts: [],
        expiresAt,
        queued: 0,
      };
    case 'create':
      return {
        id: 'p-create',
        operation: 'create',
        rpId: 'webauthn.io',
        rpName: 'WebAuthn.io',
        origin: 'https://webauthn.io',
        door: 'browser',
        client: 'Chromium',
        anotherDevice: true,
        accounts: [{ index: 0, userName: 'test-user-0422', userDisplayName: 'Test User', nickname: null }],
        expiresAt,
        queued: 0,
      };
    case 'replaces':
      return {
        id: 'p-replaces',
        operation: 'create',
        rpId: 'example.com',
        rpName: 'Example',
        origin: 'https://example.com',
        door: 'browser',
        replacesLink: true,
        accounts: [{ index: 0, userName: 'alice@example.com', userDisplayName: 'Alice', nickname: null }],
        expiresAt,
        queued: 0,
      };
    case 'use-link':
      return {
        id: 'p-use-link',
        operation: 'sign-in',
        rpId: 'example.com',
        rpName: 'Example',
        origin: null,
        door: 'cli',
        useLink: true,
        accounts: [],
        expiresAt,
        queued: 0,
      };
    case 'mismatch':
      return {
        id: 'p-mismatch',
        operation: 'sign-in',
        rpId: 'paypal.com',
        rpName: 'PayPal',
        origin: 'https://paypal.com.account-check.example',
        door: 'browser',
        client: 'Firefox',
        anotherDevice: true,
        accounts: [{ index: 3, userName: 'alice.martin', userDisplayName: 'Alice Martin', nickname: null }],
        expiresAt,
        queued: 0,
      };
    case 'cli':
      return {
        id: 'p-cli',
        operation: 'sign-in',
        rpId: 'github.com',
        rpName: 'GitHub',
        origin: null,
        door: 'cli',
        accounts: [{ index: 0, userName: 'alice', userDisplayName: 'Alice Martin', nickname: 'Work laptop' }],
        expiresAt,
        queued: 0,
      };
    default:
      return {
        id: 'p-signin',
        operation: 'sign-in',
        rpId: 'github.com',
        rpName: 'GitHub',
        origin: 'https://github.com',
        door: 'browser',
        client: 'Google Chrome',
        anotherDevice: true,
        accounts: [
          { index: 0, userName: 'alice', userDisplayName: 'Alice Martin', nickname: 'Work laptop' },
          { index: 1, userName: 'alice-oss', userDisplayName: 'Alice (OSS)', nickname: null },
        ],
        expiresAt,
        queued: kind === 'expiring' ? 0 : 2,
      };
  }
}
let prompt = makePrompt(param('prompt', 'signin'));

// Timing marks read by dev/bench.mjs: when the list first left the "backend", and when the
// first rows were painted (second animation frame after they entered the DOM).
const perf: { listReturned?: number; rowsPainted?: number } = {};
(window as unknown as { __lkPerf: typeof perf }).__lkPerf = perf;
new MutationObserver((_, obs) => {
  if (!document.querySelector('[data-testid="passkey-row"]')) return;
  obs.disconnect();
  requestAnimationFrame(() => requestAnimationFrame(() => (perf.rowsPainted = performance.now())));
}).observe(document, { childList: true, subtree: true });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const MOCK_KEY = '7K2QD-M9XHA-4VTRC-PB6WN-0EJ3F-ZS8GY';
let kitShown = false;
let kitMade: number | null = param('kit', '') === '1' ? NOW : param('recover', '') === '1' ? NOW - 40 * D : null;
function mockKit() {
  kitMade = Math.floor(Date.now() / 1000);
  return { key: MOCK_KEY, vaultId: '2e74377bf1cae407274908305e5d9310', kitId: 'k1', createdAt: kitMade, html: '<!doctype html><title>kit</title>' };
}
function mockPreview(what: string) {
  const items = Array.from({ length: 42 }, (_, i) => ({
    index: i + 1,
    rpId: ['github.com', 'shop.example', 'news.example.org', 'bank.example'][i % 4],
    userName: `user${i + 1}`,
    userDisplayName: null,
    algorithm: i % 5 === 0 ? 'EdDSA' : 'ES256',
    createdAt: NOW - i * D,
    duplicate: i < 2,
  }));
  const problems = what === 'problems' ? [{ index: 7, item: 'broken.example (bob)', reason: 'the private key is not a valid PKCS#8 key' }] : [];
  return {
    status: 'preview',
    token: 'mock-token',
    fileName: what === 'encrypted' ? 'export.cxf.age' : 'bitwarden_export.json',
    format: what === 'encrypted' ? 'CXF (age-encrypted)' : 'Bitwarden JSON',
    total: items.length + problems.length,
    new: items.length - 2,
    duplicates: 2,
    ignored: what === 'encrypted' ? 0 : 5,
    problems,
    items,
  };
}
const act = param('act', '');

mockIPC(
  async (cmd, args) => {
    const a = (args ?? {}) as Record<string, unknown>;
    switch (cmd) {
      case 'vault_status':
        await sleep(150);
        return { locked, count: passkeys.length };
      case 'list_passkeys': {
        await sleep(120);
        if (locked) throw 'Latchkey is locked.';
        const copy = passkeys.map((p) => ({ ...p }));
        perf.listReturned ??= performance.now();
        return copy;
      }
      case 'rename_passkey': {
        const p = passkeys.find((x) => x.id === a.id);
        if (!p) throw 'That passkey no longer exists.';
        p.nickname = (a.nickname as string | null) ?? null;
        emit('vault-changed');
        return null;
      }
      case 'delete_passkey': {
        await sleep(300);
        const p = passkeys.find((x) => x.id === a.id);
        if (!p) throw 'That passkey no longer exists.';
        passkeys = passkeys.filter((x) => x !== p);
        const undoId = `u-${Date.now()}`;
        undo.set(undoId, p);
        emit('vault-changed');
        return { undoId, undoSeconds: 10 };
      }
      case 'undo_delete': {
        const p = undo.get(a.undoId as string);
        if (!p) throw 'Too late to undo: the passkey was already deleted for good.';
        undo.delete(a.undoId as string);
        passkeys = [...passkeys, p];
        emit('vault-changed');
        return null;
      }
      case 'lock':
        locked = true;
        emit('locked');
        return null;
      case 'unlock': {
        const mode = param('unlock', 'ok');
        if (mode === 'hang') await new Promise(() => {});
        await sleep(1500);
        if (param('recover', '') === '1')
          throw "the vault's data key is missing from the OS keychain (entry dev.latchkey.vault/2e74377bf1cae407274908305e5d9310); restore the keychain entry or a backup — the vault was left untouched";
        if (mode === 'fail') throw 'Your fingerprint was not recognised. Try again, or use your password.';
        locked = false;
        emit('unlocked');
        return null;
      }
      case 'activity_log':
        await sleep(200);
        return activity.slice(0, (a.limit as number) ?? 100);
      case 'get_settings':
        return { ...settings };
      case 'set_settings':
        await sleep(250);
        settings = a.settings as Settings;
        emit('settings-changed');
        return null;
      case 'user_active':
        return null;
      case 'current_prompt':
        await sleep(100);
        return prompt;
      case 'answer_prompt': {
        if (a.approve) {
          if (act.includes('approve-hang')) await new Promise(() => {});
          await sleep(1200);
          if (act.includes('approve-fail')) throw 'The password check was cancelled.';
        }
        prompt = null;
        emit('prompt-changed');
        return null;
      }
      case 'take_pending_link':
        return null;
      case 'hid_key_status':
        return { available: false, running: false, problem: '/dev/uhid does not exist: load the kernel module with `sudo modprobe uhid` (scripts/setup.sh makes it load at boot)' };
      case 'recovery_state':
        return { hasKit: kitMade !== null, createdAt: kitMade, canRecover: param('recover', '') === '1' && locked };
      case 'take_new_recovery_kit': {
        if (param('kit', '') !== '1' || kitShown) return null;
        kitShown = true;
        return mockKit();
      }
      case 'new_recovery_kit':
        await sleep(800);
        return mockKit();
      case 'recover': {
        await sleep(900);
        const key = String(a.key ?? '').replace(/[\s-]/g, '').toUpperCase();
        if (key !== MOCK_KEY.replace(/-/g, '')) throw 'that recovery key has a typo (its check characters do not match); compare it with the kit and type it again — nothing was changed';
        locked = false;
        emit('unlocked');
        return null;
      }
      case 'save_text_file':
        await sleep(200);
        return String(a.path);
      case 'default_folder':
        return a.kind === 'documents' ? '/home/alice/Documents' : '/home/alice/Downloads';
      case 'import_open': {
        await sleep(500);
        const what = param('import', 'encrypted');
        if (what === 'encrypted' && !(a instanceof Uint8Array) && !a.passphrase) return { status: 'passphrase-needed', fileName: 'export.cxf.age' };
        return mockPreview(what);
      }
      case 'import_commit': {
        const channel = a.onProgress as { onmessage?: (p: unknown) => void } | undefined;
        for (let done = 0; done <= 40; done += 4) {
          channel?.onmessage?.({ stage: 'adding', done, total: 40 });
          await sleep(120);
        }
        emit('vault-changed');
        return { fileName: 'export.cxf.age', added: 40, duplicates: 2, skipped: a.skipBad ? [{ index: 7, item: 'broken.example (bob)', reason: 'the private key is not a valid PKCS#8 key' }] : [] };
      }
      case 'import_discard':
        return null;
      case 'export_passkeys':
        await sleep(1200);
        return { count: (a.sites as string[]).length ? passkeys.filter((p) => (a.sites as string[]).includes(p.rpId)).length : passkeys.length, path: String(a.path) };
      case 'check_link':
      case 'open_link': {
        await sleep(200);
        const url = String(a.url ?? '');
        const verdict = url.includes('examp1e') ? 'lookalike' : url.includes('example.com') ? 'trusted' : 'unknown-site';
        const report = {
          verdict,
          site: verdict === 'lookalike' ? 'examp1e.com' : verdict === 'trusted' ? 'example.com' : 'shop.example',
          reasons:
            verdict === 'lookalike'
              ? ['examp1e.com looks like example.com, one of your sites, but it is a different site.', 'Do not open it unless you are certain.']
              : verdict === 'trusted'
                ? ['This link is for example.com, one of your sites.']
                : ['Latchkey does not know shop.example: none of your passkeys or recent requests are for it.'],
          imitates: verdict === 'lookalike' ? 'example.com' : null,
          url,
        };
        return cmd === 'check_link' ? report : { ...report, opened: true };
      }
      default:
        throw `mock: unknown command ${cmd}`;
    }
  },
  { shouldMockEvents: true },
);

// ---- drive the UI into a state for a screenshot ----
const byId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
async function waitFor(id: string, ms = 4000): Promise<HTMLElement> {
  const end = Date.now() + ms;
  for (;;) {
    const el = byId(id);
    if (el) return el;
    if (Date.now() > end) throw new Error(`mock driver: ${id} not found`);
    await sleep(50);
  }
}

async function drive() {
  if (!act) return;
  await sleep(400);
  for (const step of act.split(',')) {
    if (step === 'unlock') (await waitFor('unlock-button')).click();
    else if (step === 'select-2') (document.querySelectorAll<HTMLElement>('[data-testid="passkey-row"]')[2] ?? null)?.click();
    else if (step === 'select-3') (document.querySelectorAll<HTMLElement>('[data-testid="passkey-row"]')[3] ?? null)?.click();
    else if (step === 'confirm-delete') (await waitFor('delete-button')).click();
    else if (step === 'deleted') {
      (await waitFor('delete-button')).click();
      (await waitFor('confirm-delete')).click();
    } else if (step.startsWith('tab-')) (await waitFor(step)).click();
    else if (step.startsWith('link:')) {
      (await waitFor('tab-link')).click();
      const input = (await waitFor('link-input')) as HTMLInputElement;
      input.value = decodeURIComponent(step.slice(5));
      input.dispatchEvent(new Event('input', { bubbles: true }));
      (await waitFor('link-check-button')).click();
    }
    else if (step.startsWith('search:')) {
      const input = (await waitFor('search')) as HTMLInputElement;
      input.focus();
      input.value = decodeURIComponent(step.slice(7));
      input.dispatchEvent(new Event('input', { bubbles: true }));
    } else if (step === 'rename') {
      const input = (await waitFor('nickname-input')) as HTMLInputElement;
      input.focus();
      input.value = 'Main account';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    } else if (step === 'focus-list') (await waitFor('passkey-list')).focus();
    else if (step === 'approve-hang' || step === 'approve-fail') (await waitFor('approve-button')).click();
    else if (step === 'select-account-2') (document.querySelectorAll<HTMLElement>('[data-testid="prompt-account-option"]')[1] ?? null)?.click();
    else if (step === 'error') {
      // A failing command, to show the error banner.
      const id = document.querySelector<HTMLElement>('[role="option"][aria-selected="true"]')?.dataset.id;
      passkeys = passkeys.filter((x) => x.id !== id);
      (await waitFor('delete-button')).click();
      (await waitFor('confirm-delete')).click();
    }
    await sleep(200);
  }
}
drive();
