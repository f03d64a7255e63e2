import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import App from '../../src/components/App.svelte';
import { passkey } from '../fixtures';
import { deferred, installEventBus, mockedApi, text } from './helpers';
import type { Settings } from '../../src/lib/types';

vi.mock('../../src/lib/api');

const secret1 = passkey({ id: 'p1', rpId: 'secretbank.example', rpName: 'Secret Bank', userName: 'alice.hidden', nickname: 'Savings' });
const secret2 = passkey({ id: 'p2', rpId: 'mail.example', rpName: 'Mail', userName: 'bob.hidden', userDisplayName: 'Bob Hidden' });
const settings: Settings = { autoLockMinutes: 5, verification: { kind: 'every-use' }, theme: 'dark' };

let bus: ReturnType<typeof installEventBus>;

beforeEach(() => {
  vi.resetAllMocks();
  bus = installEventBus();
  mockedApi.getSettings.mockResolvedValue(settings);
  mockedApi.listPasskeys.mockResolvedValue([secret1, secret2]);
  mockedApi.activityLog.mockResolvedValue([]);
});

/** Nothing from the vault may be on screen: names, accounts, nicknames or the count. */
function expectNoVaultData() {
  const body = document.body.textContent ?? '';
  for (const word of ['Secret Bank', 'secretbank', 'alice.hidden', 'Savings', 'Mail', 'bob.hidden', 'Bob Hidden']) {
    expect(body).not.toContain(word);
  }
  expect(body).not.toMatch(/\d/); // no count anywhere
  expect(screen.queryByTestId('passkey-list')).toBeNull();
  expect(screen.queryByTestId('search')).toBeNull();
  expect(screen.queryByTestId('lock-button')).toBeNull();
}

describe('locked state', () => {
  it('shows only the lock screen and never loads the vault', async () => {
    mockedApi.vaultStatus.mockResolvedValue({ locked: true, count: 7 });
    render(App);
    await screen.findByTestId('lock-screen');
    expect(screen.getByTestId('unlock-button')).toBeTruthy();
    expectNoVaultData();
    expect(mockedApi.listPasskeys).not.toHaveBeenCalled();
  });

  it('hides everything when the backend locks', async () => {
    mockedApi.vaultStatus.mockResolvedValue({ locked: false, count: 2 });
    render(App);
    await screen.findAllByTestId('passkey-row');
    expect(document.body.textContent).toContain('alice.hidden');

    bus.emit('locked');
    await screen.findByTestId('lock-screen');
    expectNoVaultData();
  });

  it('unlock shows progress, then errors in plain words, then opens the vault', async () => {
    mockedApi.vaultStatus.mockResolvedValue({ locked: true, count: 2 });
    render(App);
    await screen.findByTestId('lock-screen');

    const first = deferred();
    mockedApi.unlock.mockReturnValueOnce(first.promise);
    await fireEvent.click(screen.getByTestId('unlock-button'));
    expect(text(screen.getByTestId('lock-screen'))).toContain('Waiting for your password or fingerprint…');
    expect((screen.getByTestId('unlock-button') as HTMLButtonElement).disabled).toBe(true);

    first.reject('Your fingerprint was not recognised.');
    expect(text(await screen.findByTestId('error-banner'))).toContain('Your fingerprint was not recognised.');
    expect((screen.getByTestId('unlock-button') as HTMLButtonElement).disabled).toBe(false);
    expectNoVaultData();

    mockedApi.unlock.mockResolvedValueOnce(undefined);
    await fireEvent.click(screen.getByTestId('unlock-button'));
    await screen.findAllByTestId('passkey-row');
    expect(screen.queryByTestId('lock-screen')).toBeNull();
    expect(mockedApi.unlock).toHaveBeenCalledTimes(2);
  });

  it('the unlocked event (e.g. from another window) opens the vault', async () => {
    mockedApi.vaultStatus.mockResolvedValue({ locked: true, count: 2 });
    render(App);
    await screen.findByTestId('lock-screen');
    bus.emit('unlocked');
    await screen.findAllByTestId('passkey-row');
  });
});

describe('toolbar', () => {
  it('Lock button and Ctrl+L lock the vault', async () => {
    mockedApi.vaultStatus.mockResolvedValue({ locked: false, count: 2 });
    mockedApi.lock.mockResolvedValue(undefined);
    render(App);
    await screen.findAllByTestId('passkey-row');

    await fireEvent.keyDown(window, { key: 'l', ctrlKey: true });
    expect(mockedApi.lock).toHaveBeenCalledTimes(1);
    await screen.findByTestId('lock-screen');
    expectNoVaultData();
  });

  it('a failed command shows a dismissible error banner', async () => {
    mockedApi.vaultStatus.mockResolvedValue({ locked: false, count: 2 });
    mockedApi.lock.mockRejectedValue('Could not lock: the vault is busy.');
    render(App);
    await screen.findAllByTestId('passkey-row');
    await fireEvent.click(screen.getByTestId('lock-button'));
    const banner = await screen.findByTestId('error-banner');
    expect(text(banner)).toContain('Could not lock: the vault is busy.');
    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('error-banner')).toBeNull();
  });

  it('switches to Activity and Settings tabs', async () => {
    mockedApi.vaultStatus.mockResolvedValue({ locked: false, count: 2 });
    mockedApi.activityLog.mockResolvedValue([{ time: Math.floor(Date.now() / 1000) - 60, kind: 'approved', rpId: 'mail.example', account: 'bob.hidden', door: 'cli' }]);
    mockedApi.setSettings.mockResolvedValue(undefined);
    render(App);
    await screen.findAllByTestId('passkey-row');

    await fireEvent.click(screen.getByTestId('tab-activity'));
    const row = await screen.findByTestId('activity-row');
    expect(text(row)).toContain('Signed in to mail.example as bob.hidden');
    expect(text(row)).toContain('CLI');
    expect(mockedApi.activityLog).toHaveBeenCalledWith(expect.any(Number));

    await fireEvent.click(screen.getByTestId('tab-settings'));
    expect(screen.getByTestId('tab-settings').getAttribute('aria-selected')).toBe('true');
    await fireEvent.click(screen.getByTestId('theme-light'));
    await waitFor(() => expect(mockedApi.setSettings).toHaveBeenCalledWith({ ...settings, theme: 'light' }));
    await screen.findByTestId('settings-saved');
  });

  it('a refused settings change says so and keeps the old value', async () => {
    mockedApi.vaultStatus.mockResolvedValue({ locked: false, count: 2 });
    mockedApi.setSettings.mockRejectedValue('the OS check did not pass: refused; the settings were not changed');
    render(App);
    await screen.findAllByTestId('passkey-row');
    await fireEvent.click(screen.getByTestId('tab-settings'));
    expect(text(screen.getByTestId('weaken-note'))).toContain('asks for your password or fingerprint');
    await fireEvent.click(screen.getByTestId('verify-reuse'));
    await screen.findByTestId('settings-not-saved');
    expect(text(await screen.findByTestId('error-banner'))).toContain('the settings were not changed');
    expect((screen.getByTestId('verify-every-use') as HTMLInputElement).checked).toBe(true);
  });

  it('reports real input for auto-lock, at most once per interval, never while locked', async () => {
    mockedApi.vaultStatus.mockResolvedValue({ locked: true, count: 0 });
    mockedApi.userActive.mockResolvedValue(undefined);
    render(App);
    await screen.findByTestId('lock-screen');
    await fireEvent.keyDown(window, { key: 'a' });
    expect(mockedApi.userActive).not.toHaveBeenCalled();
    bus.emit('unlocked');
    await screen.findAllByTestId('passkey-row');
    expect(mockedApi.userActive).not.toHaveBeenCalled(); // loading the list is not input
    await fireEvent.keyDown(window, { key: 'a' });
    await fireEvent.pointerDown(window);
    await fireEvent.wheel(window);
    expect(mockedApi.userActive).toHaveBeenCalledTimes(1);
  });

  it('shows a start-up failure with a retry', async () => {
    mockedApi.vaultStatus.mockRejectedValueOnce('The Latchkey service is not running.');
    render(App);
    expect(text(await screen.findByTestId('error-banner'))).toContain('The Latchkey service is not running.');
    mockedApi.vaultStatus.mockResolvedValueOnce({ locked: true, count: 0 });
    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await screen.findByTestId('lock-screen');
  });
});

describe('sign-in links', () => {
  it('a latchkey:// link brings up the Sign-in link view with the link checked, never opened', async () => {
    mockedApi.vaultStatus.mockResolvedValue({ locked: false, count: 2 });
    mockedApi.takePendingLink.mockResolvedValue(null);
    mockedApi.checkLink.mockResolvedValue({
      verdict: 'trusted',
      site: 'example.com',
      reasons: ['This is example.com, one of your sites.'],
      imitates: null,
      url: 'https://example.com/link/z',
    });
    render(App);
    await screen.findAllByTestId('passkey-row');
    expect(screen.getByTestId('tab-link').getAttribute('aria-selected')).toBe('false');
    mockedApi.takePendingLink.mockResolvedValue('https://example.com/link/z');
    bus.emit('show-sign-in-link');
    const verdict = await screen.findByTestId('link-verdict');
    expect(verdict.getAttribute('data-verdict')).toBe('trusted');
    expect(screen.getByTestId('tab-link').getAttribute('aria-selected')).toBe('true');
    expect(mockedApi.checkLink).toHaveBeenCalledWith('https://example.com/link/z');
    expect(mockedApi.openLink).not.toHaveBeenCalled();
  });

  it('a link that arrived while locked waits for the unlock', async () => {
    mockedApi.vaultStatus.mockResolvedValue({ locked: true, count: 0 });
    mockedApi.unlock.mockResolvedValue(undefined);
    mockedApi.takePendingLink.mockResolvedValue('https://example.com/link/w');
    mockedApi.checkLink.mockResolvedValue({ verdict: 'unknown-site', site: 'example.com', reasons: ['Not one of your sites.'], imitates: null, url: 'https://example.com/link/w' });
    render(App);
    await screen.findByTestId('lock-screen');
    bus.emit('show-sign-in-link');
    expect(mockedApi.checkLink).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByTestId('unlock-button'));
    const verdict = await screen.findByTestId('link-verdict');
    expect(verdict.getAttribute('data-verdict')).toBe('unknown-site');
    expect(mockedApi.openLink).not.toHaveBeenCalled();
  });
});

describe('recovery kit after the first unlock', () => {
  const kit = { key: 'ABCDE-FGHJK-MNPQR-STVWX-YZ012-34567', vaultId: 'v123456789', kitId: 'k', createdAt: 1_700_000_000, html: '<p>kit</p>' };

  it('shows the key once, closes, and locking still shows the lock screen', async () => {
    mockedApi.vaultStatus.mockResolvedValue({ locked: true, count: 0 });
    mockedApi.unlock.mockResolvedValue(undefined);
    mockedApi.takeNewRecoveryKit.mockResolvedValueOnce(kit).mockResolvedValue(null);
    mockedApi.lock.mockResolvedValue(undefined);
    render(App);
    await fireEvent.click(await screen.findByTestId('unlock-button'));
    const dialog = await screen.findByTestId('recovery-kit-dialog');
    expect(text(dialog)).toContain('ABCDE');
    await fireEvent.click(screen.getByTestId('kit-done'));
    expect(screen.queryByTestId('recovery-kit-dialog')).toBeNull();
    await fireEvent.click(screen.getByTestId('lock-button'));
    await screen.findByTestId('lock-screen');
    expect(document.body.textContent).not.toContain('ABCDE');
  });

  it('forgets a key still on screen when the vault locks', async () => {
    mockedApi.vaultStatus.mockResolvedValue({ locked: false, count: 0 });
    mockedApi.takeNewRecoveryKit.mockResolvedValueOnce(kit);
    render(App);
    await screen.findByTestId('recovery-kit-dialog');
    bus.emit('locked');
    await screen.findByTestId('lock-screen');
    expect(document.body.textContent).not.toContain('ABCDE');
  });
});
