import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import LockScreen from '../../src/components/LockScreen.svelte';
import RecoveryKitDialog from '../../src/components/RecoveryKitDialog.svelte';
import SettingsView from '../../src/components/SettingsView.svelte';
import { deferred, mockedApi, text } from './helpers';
import type { RecoveryKit, Settings } from '../../src/lib/types';

vi.mock('../../src/lib/api');

const kit: RecoveryKit = {
  key: 'ABCDE-FGHJK-MNPQR-STVWX-YZ012-34567',
  vaultId: '2e74377bf1cae407274908305e5d9310',
  kitId: 'k1',
  createdAt: 1_700_000_000,
  html: '<!doctype html><p>kit</p>',
};
const settings: Settings = { autoLockMinutes: 5, verification: { kind: 'every-use' }, theme: 'light' };

beforeEach(() => {
  vi.resetAllMocks();
});

describe('lock screen recover', () => {
  const props = (error: string | null) => ({ unlocking: false, error, onunlock: vi.fn(), ondismisserror: vi.fn(), onrecovered: vi.fn() });

  it('is not offered when the backend cannot recover', async () => {
    mockedApi.recoveryState.mockResolvedValue({ hasKit: false, createdAt: null, canRecover: false });
    render(LockScreen, props('the keychain has no key for this vault'));
    await vi.waitFor(() => expect(mockedApi.recoveryState).toHaveBeenCalled());
    await Promise.resolve();
    expect(screen.queryByTestId('recover-button')).toBeNull();
  });

  it('is offered after a failed unlock, says a wrong key in words, then recovers', async () => {
    mockedApi.recoveryState.mockResolvedValue({ hasKit: true, createdAt: 1, canRecover: true });
    const p = props('the keychain has no key for this vault');
    render(LockScreen, p);
    await fireEvent.click(await screen.findByTestId('recover-button'));
    const input = screen.getByTestId('recovery-key-input') as HTMLInputElement;
    expect(document.activeElement).toBe(input);
    await fireEvent.input(input, { target: { value: 'abcde fghjk' } });
    expect(text(screen.getByTestId('recovery-key-hint'))).toContain('20 more characters');

    mockedApi.recover.mockRejectedValueOnce('that recovery key has a typo (its check symbols do not match); look at the kit again');
    await fireEvent.submit(screen.getByTestId('recover-form'));
    expect(text(await screen.findByTestId('recover-error'))).toContain('typo');
    expect(p.onrecovered).not.toHaveBeenCalled();

    const done = deferred();
    mockedApi.recover.mockReturnValueOnce(done.promise);
    await fireEvent.input(input, { target: { value: 'abcde-fghjk-mnpqr-stvwx-yz012-34567' } });
    await fireEvent.click(screen.getByTestId('recover-submit'));
    expect(mockedApi.recover).toHaveBeenLastCalledWith('abcde-fghjk-mnpqr-stvwx-yz012-34567');
    expect(document.body.textContent).toContain('Checking the key');
    done.resolve();
    await vi.waitFor(() => expect(p.onrecovered).toHaveBeenCalled());
  });
});

describe('recovery kit dialog', () => {
  it('shows the key in groups and saves the kit page, asking before replacing a file', async () => {
    mockedApi.defaultFolder.mockResolvedValue('/home/ann/Documents');
    mockedApi.saveTextFile
      .mockRejectedValueOnce('/home/ann/Documents/latchkey-recovery-kit-2e74377b.html already exists; choose another name or replace it')
      .mockResolvedValueOnce('/home/ann/Documents/latchkey-recovery-kit-2e74377b.html');
    const onclose = vi.fn();
    render(RecoveryKitDialog, { kit, onclose });
    expect([...screen.getByTestId('recovery-key').querySelectorAll('.group')].map((g) => g.textContent)).toEqual([
      'ABCDE',
      'FGHJK',
      'MNPQR',
      'STVWX',
      'YZ012',
      '34567',
    ]);
    const path = screen.getByTestId('kit-path') as HTMLInputElement;
    await vi.waitFor(() => expect(path.value).toBe('/home/ann/Documents/latchkey-recovery-kit-2e74377b.html'));
    await fireEvent.click(screen.getByTestId('kit-save'));
    expect(mockedApi.saveTextFile).toHaveBeenLastCalledWith(path.value, kit.html, false);
    expect(text(await screen.findByTestId('kit-error'))).toContain('already exists');
    await fireEvent.click(screen.getByTestId('kit-overwrite'));
    await fireEvent.click(screen.getByTestId('kit-save'));
    expect(mockedApi.saveTextFile).toHaveBeenLastCalledWith(path.value, kit.html, true);
    expect(text(await screen.findByTestId('kit-saved'))).toContain('Saved to /home/ann/Documents/');
    await fireEvent.click(screen.getByTestId('kit-done'));
    expect(onclose).toHaveBeenCalled();
  });

  it('Print saves the page first, then opens it in the browser', async () => {
    mockedApi.defaultFolder.mockResolvedValue('/h');
    mockedApi.saveTextFile.mockResolvedValue('/h/latchkey-recovery-kit-2e74377b.html');
    mockedApi.openKitPage.mockResolvedValue('/h/latchkey-recovery-kit-2e74377b.html');
    render(RecoveryKitDialog, { kit, onclose: vi.fn() });
    const path = screen.getByTestId('kit-path') as HTMLInputElement;
    await vi.waitFor(() => expect(path.value).toBe('/h/latchkey-recovery-kit-2e74377b.html'));
    await fireEvent.click(screen.getByTestId('kit-print'));
    expect(text(await screen.findByTestId('kit-opened'))).toContain('print it from there');
    expect(mockedApi.saveTextFile).toHaveBeenCalledTimes(1);
    expect(mockedApi.openKitPage).toHaveBeenCalledTimes(1);
    // Printing again does not save again.
    await fireEvent.click(screen.getByTestId('kit-print'));
    await vi.waitFor(() => expect(mockedApi.openKitPage).toHaveBeenCalledTimes(2));
    expect(mockedApi.saveTextFile).toHaveBeenCalledTimes(1);
  });

  it('Print does not open anything when the save fails', async () => {
    mockedApi.defaultFolder.mockResolvedValue('/h');
    mockedApi.saveTextFile.mockRejectedValue('the folder /h does not exist; choose another folder or create it first');
    render(RecoveryKitDialog, { kit, onclose: vi.fn() });
    await vi.waitFor(() => expect((screen.getByTestId('kit-path') as HTMLInputElement).value).not.toBe(''));
    await fireEvent.click(screen.getByTestId('kit-print'));
    expect(text(await screen.findByTestId('kit-error'))).toContain('does not exist');
    expect(mockedApi.openKitPage).not.toHaveBeenCalled();
  });
});

describe('settings recovery kit section', () => {
  it('warns when there is no kit, and makes one after the confirmation', async () => {
    mockedApi.recoveryState.mockResolvedValueOnce({ hasKit: false, createdAt: null, canRecover: false }).mockResolvedValue({ hasKit: true, createdAt: 1_700_000_000, canRecover: false });
    mockedApi.newRecoveryKit.mockResolvedValue(kit);
    const onkit = vi.fn();
    render(SettingsView, { settings, onsave: vi.fn(), onkit });
    expect(text(await screen.findByTestId('recovery-missing'))).toContain('No recovery kit');
    await fireEvent.click(screen.getByTestId('new-kit-button'));
    await fireEvent.click(screen.getByTestId('new-kit-confirm'));
    await vi.waitFor(() => expect(onkit).toHaveBeenCalledWith(kit));
    await vi.waitFor(() => expect(text(screen.getByTestId('recovery-status'))).toContain('Recovery kit made'));
  });

  it('says the old kit stops working before replacing it', async () => {
    mockedApi.recoveryState.mockResolvedValue({ hasKit: true, createdAt: 1_700_000_000, canRecover: false });
    render(SettingsView, { settings, onsave: vi.fn() });
    await vi.waitFor(() => expect(text(screen.getByTestId('recovery-status'))).toContain('Recovery kit made'));
    await fireEvent.click(screen.getByTestId('new-kit-button'));
    expect(document.body.textContent).toContain('stops working');
  });
});
