import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import LockScreen from '../../src/components/LockScreen.svelte';
import { deferred, mockedApi } from './helpers';

vi.mock('../../src/lib/api');

const damaged =
  'the vault\'s database in /home/a/.local/share/latchkey is damaged and cannot be read (Read corrupted data); most likely Latchkey was stopped in the middle of a write or a disk problem hit the file. Your passkeys are most likely intact. Run `latchkey repair` (or press Repair on the app\'s lock screen): it first keeps a copy of every vault file, then has the database rebuild its index from its log';

function props(error: string | null) {
  return { unlocking: false, error, onunlock: vi.fn(), ondismisserror: vi.fn() };
}

beforeEach(() => {
  vi.resetAllMocks();
});

describe('lock screen repair', () => {
  it('offers Repair only for the damaged-vault error', () => {
    render(LockScreen, props('the OS check did not pass: refused'));
    expect(screen.queryByTestId('repair-button')).toBeNull();
  });

  it('repairs, shows progress, then what was done, and clears the error', async () => {
    const p = props(damaged);
    const answer = deferred<string>();
    mockedApi.repairVault.mockReturnValue(answer.promise);
    const { rerender } = render(LockScreen, p);
    await fireEvent.click(screen.getByTestId('repair-button'));
    expect(mockedApi.repairVault).toHaveBeenCalledTimes(1);
    expect(document.body.textContent).toContain('Keeping a copy of the vault');
    answer.resolve('A copy of the vault as it was is kept in /x/damaged-1.\nThe vault opens and all 3 passkey(s) in it open.');
    await vi.waitFor(() => expect(p.ondismisserror).toHaveBeenCalled());
    await rerender({ ...p, error: null });
    const report = await screen.findByTestId('repair-report');
    expect(report.textContent).toContain('/x/damaged-1');
    expect(report.textContent).toContain('Unlock to continue');
  });

  it('says so when the repair fails', async () => {
    mockedApi.repairVault.mockRejectedValue('Latchkey could not repair the vault (x). A copy of the vault exactly as it was is kept in /x/damaged-2');
    render(LockScreen, props(damaged));
    await fireEvent.click(screen.getByTestId('repair-button'));
    const shown = await screen.findByTestId('repair-error');
    expect(shown.textContent).toContain('could not repair');
    expect(shown.textContent).toContain('/x/damaged-2');
  });
});
