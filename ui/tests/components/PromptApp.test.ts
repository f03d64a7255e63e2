import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import PromptApp from '../../src/components/PromptApp.svelte';
import { prompt } from '../fixtures';
import { ARM_DELAY_MS } from '../../src/lib/prompt';
import { deferred, installEventBus, mockedApi, text } from './helpers';

vi.mock('../../src/lib/api');

let bus: ReturnType<typeof installEventBus>;

beforeEach(() => {
  vi.resetAllMocks();
  vi.restoreAllMocks();
  bus = installEventBus();
  mockedApi.getSettings.mockResolvedValue({ autoLockMinutes: 0, verification: { kind: 'every-use' }, theme: 'system' });
  mockedApi.answerPrompt.mockResolvedValue(undefined);
  // Fake clock that still moves with real time, so findBy/waitFor work and tests can jump.
  vi.useFakeTimers({ shouldAdvanceTime: true, toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] });
});

afterEach(() => {
  vi.useRealTimers();
});

/** Lets the arming delay pass: the prompt ignores input for ARM_DELAY_MS after it shows. */
const whenArmed = () => vi.advanceTimersByTimeAsync(ARM_DELAY_MS + 10);

const approve = () => screen.getByTestId('approve-button') as HTMLButtonElement;
const deny = () => screen.getByTestId('deny-button') as HTMLButtonElement;

describe('prompt window', () => {
  it('shows the request and approves with the chosen account', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt({ queued: 2 }));
    render(PromptApp);
    await screen.findByTestId('prompt');
    await whenArmed();

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
    await whenArmed();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('prompt')));

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
    await whenArmed();
    await fireEvent.click(deny());
    expect(mockedApi.answerPrompt).toHaveBeenCalledWith('prompt-1', false, null);
  });

  it('Enter approves only when the window has focus; Escape denies', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt());
    render(PromptApp);
    await screen.findByTestId('prompt');
    await whenArmed();

    const focus = vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    await fireEvent.keyDown(window, { key: 'Enter' });
    expect(mockedApi.answerPrompt).not.toHaveBeenCalled();

    focus.mockReturnValue(true);
    await fireEvent.keyDown(window, { key: 'Enter' });
    expect(mockedApi.answerPrompt).toHaveBeenCalledWith('prompt-1', true, 3);

    // next request arrives
    mockedApi.currentPrompt.mockResolvedValue(prompt({ id: 'prompt-2' }));
    bus.emit('prompt-changed');
    await waitFor(() => expect(text(screen.getByTestId('prompt-countdown'))).toContain('Expires'));
    await whenArmed();
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(mockedApi.answerPrompt).toHaveBeenLastCalledWith('prompt-2', false, null);
  });

  it('Enter on the focused Deny button denies instead of approving', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt());
    render(PromptApp);
    await screen.findByTestId('prompt');
    await whenArmed();
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
    await whenArmed();
    expect(text(screen.getByTestId('prompt-title'))).toBe('Create a passkey for github.com?');
    expect(text(screen.getByTestId('prompt-new-account'))).toContain('newbie');
    await fireEvent.click(approve());
    expect(mockedApi.answerPrompt).toHaveBeenCalledWith('prompt-1', true, null);
  });

  it('warns when the origin is not the site', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt({ origin: 'https://github.com.evil.example' }));
    render(PromptApp);
    await screen.findByTestId('prompt');
    await whenArmed();
    expect(screen.getByTestId('prompt-origin').classList.contains('warn')).toBe(true);
    expect(text(screen.getByTestId('prompt-origin-warning'))).toContain('github.com.evil.example, which is not github.com');
    // No button has the focus, and Enter does not approve a warned request.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('prompt')));
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    await fireEvent.keyDown(window, { key: 'Enter' });
    expect(mockedApi.answerPrompt).not.toHaveBeenCalled();
    expect(document.body.textContent).not.toContain('Enter approve');
  });

  it('times out: shows "Timed out" and disables the buttons', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt({ expiresAt: Date.now() - 1 }));
    render(PromptApp);
    await screen.findByTestId('prompt');
    await whenArmed();
    expect(text(screen.getByTestId('prompt-countdown'))).toContain('Timed out');
    expect(approve().disabled).toBe(true);
    expect(deny().disabled).toBe(true);
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    await fireEvent.keyDown(window, { key: 'Enter' });
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(mockedApi.answerPrompt).not.toHaveBeenCalled();
  });

  it('counts down to zero', async () => {
    vi.useRealTimers();
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

describe('stray input (a keystroke or click meant for another window)', () => {
  const armedState = () => approve().getAttribute('aria-disabled');

  it('ignores Enter, Escape and clicks for the first moments; no button has the focus', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt());
    render(PromptApp);
    await screen.findByTestId('prompt');
    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('prompt')));
    expect(document.activeElement).not.toBe(approve());
    expect(armedState()).toBe('true');
    expect(deny().getAttribute('aria-disabled')).toBe('true');

    await fireEvent.keyDown(window, { key: 'Enter' });
    await fireEvent.keyDown(window, { key: 'Escape' });
    await fireEvent.click(approve());
    await fireEvent.click(deny());
    await vi.advanceTimersByTimeAsync(ARM_DELAY_MS - 100);
    await fireEvent.keyDown(window, { key: 'Enter' });
    await fireEvent.click(approve());
    expect(mockedApi.answerPrompt).not.toHaveBeenCalled();

    await vi.advanceTimersByTimeAsync(110);
    expect(armedState()).toBe('false');
    await fireEvent.keyDown(window, { key: 'Enter' });
    expect(mockedApi.answerPrompt).toHaveBeenCalledWith('prompt-1', true, 3);
  });

  it('ignores input again after the window regains focus or comes back into view', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt());
    render(PromptApp);
    await screen.findByTestId('prompt');
    await whenArmed();
    expect(armedState()).toBe('false');

    await fireEvent.focus(window);
    expect(armedState()).toBe('true');
    await fireEvent.click(approve());
    expect(mockedApi.answerPrompt).not.toHaveBeenCalled();
    await whenArmed();

    await fireEvent(document, new Event('visibilitychange'));
    expect(armedState()).toBe('true');
    await fireEvent.click(deny());
    expect(mockedApi.answerPrompt).not.toHaveBeenCalled();
    await whenArmed();

    await fireEvent.click(approve());
    expect(mockedApi.answerPrompt).toHaveBeenCalledWith('prompt-1', true, 3);
  });

  it('ignores input again when the shown request changes to another', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt());
    render(PromptApp);
    await screen.findByTestId('prompt');
    await whenArmed();

    mockedApi.currentPrompt.mockResolvedValue(prompt({ id: 'prompt-2', rpId: 'bank.example', origin: 'https://bank.example' }));
    bus.emit('prompt-changed');
    await waitFor(() => expect(text(screen.getByTestId('prompt-title'))).toBe('Sign in to bank.example?'));
    await fireEvent.click(approve());
    expect(mockedApi.answerPrompt).not.toHaveBeenCalled();
    await whenArmed();
    await fireEvent.click(approve());
    expect(mockedApi.answerPrompt).toHaveBeenCalledWith('prompt-2', true, 3);
  });
});

describe('other requests', () => {
  it('delete: names the site and account, Delete (danger) and Keep; Enter deletes nothing', async () => {
    mockedApi.currentPrompt.mockResolvedValue(
      prompt({ operation: 'delete', door: 'cli', origin: null, accounts: [{ index: 0, userName: 'alice', userDisplayName: null, nickname: 'Work' }] }),
    );
    render(PromptApp);
    await screen.findByTestId('prompt');
    await whenArmed();
    expect(text(screen.getByTestId('prompt-title'))).toBe('Delete a passkey?');
    expect(text(screen.getByTestId('prompt-site'))).toContain('github.com');
    expect(text(screen.getByTestId('prompt-delete-account'))).toContain('alice');
    expect(text(approve())).toBe('Delete');
    expect(approve().classList.contains('danger')).toBe(true);
    expect(text(deny())).toBe('Keep');

    vi.spyOn(document, 'hasFocus').mockReturnValue(true);
    await fireEvent.keyDown(window, { key: 'Enter' });
    expect(mockedApi.answerPrompt).not.toHaveBeenCalled();
    await fireEvent.click(deny());
    expect(mockedApi.answerPrompt).toHaveBeenCalledWith('prompt-1', false, null);
  });

  it('delete: the Delete button approves', async () => {
    mockedApi.currentPrompt.mockResolvedValue(
      prompt({ operation: 'delete', accounts: [{ index: 0, userName: 'alice', userDisplayName: null, nickname: null }] }),
    );
    render(PromptApp);
    await screen.findByTestId('prompt');
    await whenArmed();
    await fireEvent.click(approve());
    expect(mockedApi.answerPrompt).toHaveBeenCalledWith('prompt-1', true, 0);
  });

  it('no passkey for the site: says so and offers only Close', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt({ accounts: [] }));
    render(PromptApp);
    await screen.findByTestId('prompt');
    expect(text(screen.getByTestId('prompt-title'))).toBe('No passkey for github.com on this PC');
    expect(screen.queryByTestId('approve-button')).toBeNull();
    expect(screen.queryByTestId('deny-button')).toBeNull();
    const close = screen.getByTestId('close-button');
    expect(text(close)).toBe('Close');
    await fireEvent.click(close);
    expect(mockedApi.answerPrompt).not.toHaveBeenCalled();
    await whenArmed();
    await fireEvent.click(close);
    expect(mockedApi.answerPrompt).toHaveBeenCalledWith('prompt-1', false, null);
  });

  it('no passkey, outside the browser: offers "Use a sign-in link instead"', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt({ accounts: [], door: 'cli', useLink: true }));
    mockedApi.answerUseLink.mockResolvedValue(undefined);
    render(PromptApp);
    await screen.findByTestId('prompt');
    const use = screen.getByTestId('use-link-button');
    expect(text(use)).toBe('Use a sign-in link instead');
    await fireEvent.click(use);
    expect(mockedApi.answerUseLink).not.toHaveBeenCalled();
    await whenArmed();
    await fireEvent.click(use);
    expect(mockedApi.answerUseLink).toHaveBeenCalledWith('prompt-1');
  });

  it('the use-link choice appears only when the app offers it', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt({ accounts: [] }));
    render(PromptApp);
    await screen.findByTestId('prompt');
    expect(screen.queryByTestId('use-link-button')).toBeNull();
  });

  it('a creation that replaces a sign-in link says so', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt({ operation: 'create', replacesLink: true, accounts: [{ index: 0, userName: 'alice', userDisplayName: null, nickname: null }] }));
    render(PromptApp);
    await screen.findByTestId('prompt');
    expect(text(screen.getByTestId('prompt-replaces-link'))).toBe('Replace the sign-in link with a passkey on this PC');
  });

  it('a creation without the mark shows none', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt({ operation: 'create', accounts: [{ index: 0, userName: 'alice', userDisplayName: null, nickname: null }] }));
    render(PromptApp);
    await screen.findByTestId('prompt');
    expect(screen.queryByTestId('prompt-replaces-link')).toBeNull();
  });

  it('another program on this PC is named as such', async () => {
    mockedApi.currentPrompt.mockResolvedValue(prompt({ door: 'program', origin: null }));
    render(PromptApp);
    await screen.findByTestId('prompt');
    expect(document.body.textContent).toContain('Another program on this PC');
  });

  describe('the browser door', () => {
    const another = () => screen.getByTestId('another-device-button') as HTMLButtonElement;

    it('names the browser beside the origin and sends the request to another device', async () => {
      mockedApi.answerAnotherDevice.mockResolvedValue(undefined);
      mockedApi.currentPrompt.mockResolvedValue(
        prompt({ rpId: 'localhost', rpName: 'Demo', origin: 'http://localhost:8787', client: 'Chromium', anotherDevice: true }),
      );
      render(PromptApp);
      await screen.findByTestId('prompt');
      expect(text(screen.getByTestId('prompt-client'))).toBe('Chromium');
      expect(text(screen.getByTestId('prompt-origin'))).toBe('http://localhost:8787');
      expect(text(another())).toBe('Use another device or security key');
      // Same arm delay as the other answers: a stray click does nothing.
      await fireEvent.click(another());
      expect(mockedApi.answerAnotherDevice).not.toHaveBeenCalled();
      await whenArmed();
      await fireEvent.click(another());
      expect(mockedApi.answerAnotherDevice).toHaveBeenCalledWith('prompt-1');
      expect(mockedApi.answerPrompt).not.toHaveBeenCalled();
    });

    it('offers no other device where the app does not', async () => {
      mockedApi.currentPrompt.mockResolvedValue(prompt({ door: 'cli', origin: 'https://github.com', client: null, anotherDevice: false }));
      render(PromptApp);
      await screen.findByTestId('prompt');
      expect(screen.queryByTestId('another-device-button')).toBeNull();
      expect(screen.queryByTestId('prompt-client')).toBeNull();
      expect(text(screen.getByTestId('prompt-origin'))).toBe('github.com');
    });

    it('asks to unlock while locked: Unlock, another device, or Escape; never Enter', async () => {
      mockedApi.answerAnotherDevice.mockResolvedValue(undefined);
      const unlockPrompt = prompt({
        operation: 'unlock',
        rpId: 'localhost',
        rpName: null,
        origin: 'http://localhost:8787',
        accounts: [],
        client: 'Chromium',
        anotherDevice: true,
      });
      mockedApi.currentPrompt.mockResolvedValue(unlockPrompt);
      render(PromptApp);
      await screen.findByTestId('prompt');
      await whenArmed();
      expect(text(screen.getByTestId('prompt-title'))).toBe('Unlock Latchkey to continue');
      expect(text(screen.getByTestId('prompt-unlock'))).toContain(
        'Chromium wants to use a passkey for localhost. Latchkey is locked.',
      );
      expect(screen.queryByTestId('approve-button')).toBeNull();
      expect(screen.queryByTestId('prompt-no-passkey')).toBeNull();
      expect(screen.getAllByTestId('another-device-button')).toHaveLength(1);

      vi.spyOn(document, 'hasFocus').mockReturnValue(true);
      await fireEvent.keyDown(window, { key: 'Enter' });
      expect(mockedApi.answerPrompt).not.toHaveBeenCalled();

      await fireEvent.click(screen.getByTestId('prompt-unlock-button'));
      expect(mockedApi.answerPrompt).toHaveBeenCalledWith('prompt-1', true, null);

      mockedApi.currentPrompt.mockResolvedValue({ ...unlockPrompt, id: 'prompt-2' });
      bus.emit('prompt-changed');
      await waitFor(() => expect(mockedApi.currentPrompt).toHaveBeenCalledTimes(3));
      await whenArmed();
      await fireEvent.click(another());
      expect(mockedApi.answerAnotherDevice).toHaveBeenCalledWith('prompt-2');

      mockedApi.currentPrompt.mockResolvedValue({ ...unlockPrompt, id: 'prompt-3' });
      bus.emit('prompt-changed');
      await waitFor(() => expect(mockedApi.currentPrompt).toHaveBeenCalledTimes(5));
      await whenArmed();
      await fireEvent.keyDown(window, { key: 'Escape' });
      expect(mockedApi.answerPrompt).toHaveBeenLastCalledWith('prompt-3', false, null);
    });
  });
});

