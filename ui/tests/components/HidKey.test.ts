import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import SettingsView from '../../src/components/SettingsView.svelte';
import { mockedApi, text } from './helpers';
import type { Settings } from '../../src/lib/types';

vi.mock('../../src/lib/api');

const settings: Settings = { autoLockMinutes: 5, verification: { kind: 'every-use' }, theme: 'light' };

beforeEach(() => {
  vi.resetAllMocks();
  mockedApi.recoveryState.mockResolvedValue({ hasKit: true, createdAt: 1, canRecover: true });
});

describe('the security key setting', () => {
  it('is off by default and shows why it cannot run here', async () => {
    mockedApi.hidKeyStatus.mockResolvedValue({
      available: false,
      running: false,
      problem: '/dev/uhid does not exist: load the kernel module with `sudo modprobe uhid`',
    });
    render(SettingsView, { settings, onsave: vi.fn() });
    const box = (await screen.findByTestId('hid-key')) as HTMLInputElement;
    expect(box.checked).toBe(false);
    const problem = await screen.findByTestId('hid-key-problem');
    expect(text(problem)).toContain('sudo modprobe uhid');
    // The command to type reads as code, without the CLI's backticks.
    expect(problem.querySelector('code')?.textContent).toBe('sudo modprobe uhid');
    expect(problem.textContent).not.toContain('`');
    expect(box.disabled).toBe(true);
  });

  it('turns on through the settings and says when it runs', async () => {
    mockedApi.hidKeyStatus.mockResolvedValue({ available: true, running: false, problem: null });
    const onsave = vi.fn().mockResolvedValue(true);
    render(SettingsView, { settings, onsave });
    const box = (await screen.findByTestId('hid-key')) as HTMLInputElement;
    await vi.waitFor(() => expect(mockedApi.hidKeyStatus).toHaveBeenCalled());
    expect(box.disabled).toBe(false);
    mockedApi.hidKeyStatus.mockResolvedValue({ available: true, running: true, problem: null });
    await fireEvent.click(box);
    expect(onsave).toHaveBeenCalledWith({ ...settings, hidKey: true });
    await vi.waitFor(() => expect(screen.getByTestId('hid-key-running')).toBeTruthy(), { timeout: 3000 });
  });
});
