import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import PromptApp from '../../src/components/PromptApp.svelte';
import { prompt } from '../fixtures';
import { deferred, installEventBus, mockedApi, text } from './helpers';

vi.mock('../../src/lib/api');

let bus: ReturnType<typeof installEventBus>;

beforeEach(() => {
  vi.resetAllMocks();
  vi.restoreAllMocks();
  bus = installEventBus();
  mockedApi.getSettings.mockResolvedValue({ autoLockMinutes: 0, verification: { kind: 'every-use' }, theme: 'system' });
  mockedApi.answerPrompt.mockResolvedValue(undefined);
});

const approve = () => screen.getByTestId('approve-button') as HTMLButtonElement;
const deny = () => screen.getByTestId('deny-button') as HTMLButtonElement;

describe('prompt window', () => {
  it('shows the request and approves with the chosen account', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt({ queued: 2 }));
    render(PromptApp);
    await screen.findByTestId('prompt');

    expect(text(screen.getByTestId('prompt-title'))).toBe('Sign in to github.com?');
    expect(text(screen.getByTestId('prompt-site'))).toContain('GitHub');
    expect(text(screen.getByTestId('prompt-site'))).toContain('github.com');
    expect(text(screen.getByTestId('prompt-origin'))).toContain('github.com');
    expect(screen.queryByTestId('prompt-origin-warning')).toBeNull();
    expect(document.body.textContent).toContain('2 more requests waiting');
    expect(text(screen.getByTestId('prompt-countdown'))).toMatch(/Expires in [01]:\d\d/);

    const options = screen.getAllByTestId('prompt-account-option') as HTMLInputElement[];
    expect(options).toHaveLength(2);
    expect(options[0].checked).toBe(true); // first preselected
    await fireEvent.click(options[1]);
    expect(options[1].checked).toBe(true);

    await fireEvent.click(approve());
    expect(mockedApi.answerPrompt).toHaveBeenCalledWith('prompt-1', true, 7);
  });

  it('shows progress while the OS check runs, then an error with retry', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt());
    render(PromptApp);
    await screen.findByTestId('prompt');
    await waitFor(() => expect(document.activeElement).toBe(approve()));

    const check = deferred();
    mockedApi.answerPrompt.mockReturnValueOnce(check.promise);
    await fireEvent.click(approve());
    expect(text(approve())).toContain('Confirm it’s you…');
    expect(approve().disabled).toBe(true);
    expect(deny().disabled).toBe(true);

    check.reject('The password check was cancelled.');
    expect(text(await screen.findByTestId('error-banner'))).toContain('The password check was cancelled.');
    expect(approve().disabled).toBe(false);
    expect(text(approve())).toBe('Try again');
    expect(deny().disabled).toBe(false);

    await fireEvent.click(approve());
    expect(mockedApi.answerPrompt).toHaveBeenLastCalledWith('prompt-1', true, 3);
  });

  it('Deny answers with approve=false', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt());
    render(PromptApp);
    await screen.findByTestId('prompt');
    await fireEvent.click(deny());
    expect(mockedApi.answerPrompt).toHaveBeenCalledWith('prompt-1', false, null);
  });

  it('Enter approves only when the window has focus; Escape denies', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt());
    render(PromptApp);
    await screen.findByTestId('prompt');

    const focus = vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    await fireEvent.keyDown(window, { key: 'Enter' });
    expect(mockedApi.answerPrompt).not.toHaveBeenCalled();

    focus.mockReturnValue(true);
    await fireEvent.keyDown(window, { key: 'Enter' });
    expect(mockedApi.answerPrompt).toHaveBeenCalledWith('prompt-1', true, 3);

    // next request arrives
    mockedApi.currentPrompt.mockResolvedValue(prompt({ id: 'prompt-2' }));
    bus.emit('prompt-changed');
    await waitFor(() => expect(approve().disabled).toBe(false));
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(mockedApi.answerPrompt).toHaveBeenLastCalledWith('prompt-2', false, null);
  });

  it('Enter on the focused Deny button denies instead of approving', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt());
    render(PromptApp);
    await screen.findByTestId('prompt');
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    await fireEvent.keyDown(deny(), { key: 'Enter' });
    expect(mockedApi.answerPrompt).not.toHaveBeenCalledWith('prompt-1', true, expect.anything());
  });

  it('create sends no account and shows the new account name', async () => {
    mockedApi.currentPrompt.mockResolvedValue(
      prompt({ operation: 'create', accounts: [{ index: 0, userName: 'newbie', userDisplayName: 'New Bie', nickname: null }] }),
    );
    render(PromptApp);
    await screen.findByTestId('prompt');
    expect(text(screen.getByTestId('prompt-title'))).toBe('Create a passkey for github.com?');
    expect(text(screen.getByTestId('prompt-new-account'))).toContain('newbie');
    await fireEvent.click(approve());
    expect(mockedApi.answerPrompt).toHaveBeenCalledWith('prompt-1', true, null);
  });

  it('warns when the origin is not the site', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt({ origin: 'https://github.com.evil.example' }));
    render(PromptApp);
    await screen.findByTestId('prompt');
    expect(screen.getByTestId('prompt-origin').classList.contains('warn')).toBe(true);
    expect(text(screen.getByTestId('prompt-origin-warning'))).toContain('github.com.evil.example, which is not github.com');
    // the safe choice has the focus, so a reflexive Enter denies
    await waitFor(() => expect(document.activeElement).toBe(deny()));
  });

  it('times out: shows "Timed out" and disables the buttons', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt({ expiresAt: Date.now() - 1 }));
    render(PromptApp);
    await screen.findByTestId('prompt');
    expect(text(screen.getByTestId('prompt-countdown'))).toContain('Timed out');
    expect(approve().disabled).toBe(true);
    expect(deny().disabled).toBe(true);
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    await fireEvent.keyDown(window, { key: 'Enter' });
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(mockedApi.answerPrompt).not.toHaveBeenCalled();
  });

  it('counts down to zero', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] });
    try {
      mockedApi.currentPrompt.mockResolvedValue(prompt({ expiresAt: Date.now() + 3000 }));
      render(PromptApp);
      await vi.waitFor(() => expect(screen.getByTestId('prompt')).toBeTruthy());
      expect(text(screen.getByTestId('prompt-countdown'))).toContain('Expires in 0:03');
      await vi.advanceTimersByTimeAsync(1000);
      expect(text(screen.getByTestId('prompt-countdown'))).toContain('Expires in 0:02');
      await vi.advanceTimersByTimeAsync(2500);
      expect(text(screen.getByTestId('prompt-countdown'))).toContain('Timed out');
      expect(approve().disabled).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows "No pending requests" when there is none, and reloads on prompt-changed', async () => {
    mockedApi.currentPrompt.mockResolvedValue(null);
    render(PromptApp);
    expect(text(await screen.findByTestId('prompt-idle'))).toContain('No pending requests');
    mockedApi.currentPrompt.mockResolvedValue(prompt());
    bus.emit('prompt-changed');
    await screen.findByTestId('prompt');
  });
});
