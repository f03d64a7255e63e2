import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import SignInLinkView from '../../src/components/SignInLinkView.svelte';
import { mockedApi, text } from './helpers';
import type { LinkReport } from '../../src/lib/types';

vi.mock('../../src/lib/api');

const report = (over: Partial<LinkReport> = {}): LinkReport => ({
  verdict: 'trusted',
  site: 'example.com',
  reasons: ['This is example.com, one of your sites.'],
  imitates: null,
  url: 'https://example.com/link/abc',
  ...over,
});

beforeEach(() => {
  vi.resetAllMocks();
});

async function checkLink(link: string) {
  const input = screen.getByTestId('link-input') as HTMLInputElement;
  await fireEvent.input(input, { target: { value: link } });
  await fireEvent.click(screen.getByTestId('link-check-button'));
  return screen.findByTestId('link-verdict');
}

describe('Sign-in link view', () => {
  it('explains sign-in links until one is checked', () => {
    render(SignInLinkView);
    expect(text(screen.getByTestId('link-empty'))).toContain('What is a sign-in link?');
    expect((screen.getByTestId('link-check-button') as HTMLButtonElement).disabled).toBe(true);
  });

  it('trusted: shows the verdict and reasons before anything opens, then Open opens what was checked', async () => {
    mockedApi.checkLink.mockResolvedValue(report());
    mockedApi.openLink.mockResolvedValue({ ...report(), opened: true });
    render(SignInLinkView);
    const verdict = await checkLink('  https://example.com/link/abc ');
    expect(mockedApi.checkLink).toHaveBeenCalledWith('https://example.com/link/abc');
    expect(verdict.getAttribute('data-verdict')).toBe('trusted');
    expect(text(screen.getByTestId('link-reasons'))).toContain('one of your sites');
    expect(mockedApi.openLink).not.toHaveBeenCalled();
    expect(screen.queryByTestId('link-confirm-unknown')).toBeNull();
    await fireEvent.click(screen.getByTestId('link-open-button'));
    expect(mockedApi.openLink).toHaveBeenCalledWith('https://example.com/link/abc', false, false);
    expect(text(await screen.findByTestId('link-opened'))).toContain('Opened in your browser');
  });

  it('unknown site: Open waits for the confirmation', async () => {
    mockedApi.checkLink.mockResolvedValue(report({ verdict: 'unknown-site', site: 'shop.example' }));
    mockedApi.openLink.mockResolvedValue({ ...report({ verdict: 'unknown-site' }), opened: true });
    render(SignInLinkView);
    await checkLink('https://shop.example/l');
    const open = screen.getByTestId('link-open-button') as HTMLButtonElement;
    expect(open.disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('link-confirm-unknown'));
    expect(open.disabled).toBe(false);
    await fireEvent.click(open);
    expect(mockedApi.openLink).toHaveBeenCalledWith('https://shop.example/l', true, false);
  });

  it('lookalike: names what it imitates and opens only with the explicit override', async () => {
    mockedApi.checkLink.mockResolvedValue(report({ verdict: 'lookalike', site: 'examp1e.com', imitates: 'example.com' }));
    mockedApi.openLink.mockResolvedValue({ ...report({ verdict: 'lookalike' }), opened: true });
    render(SignInLinkView);
    const verdict = await checkLink('https://examp1e.com/l');
    expect(verdict.getAttribute('data-verdict')).toBe('lookalike');
    expect(text(verdict)).toContain('Imitates: example.com');
    expect(screen.queryByTestId('link-confirm-unknown')).toBeNull();
    const open = screen.getByTestId('link-open-button') as HTMLButtonElement;
    expect(open.disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('link-override-lookalike'));
    await fireEvent.click(open);
    expect(mockedApi.openLink).toHaveBeenCalledWith('https://examp1e.com/l', false, true);
  });

  it('refused, used and expired links offer no Open at all', async () => {
    for (const verdict of ['refused', 'already-used', 'expired'] as const) {
      mockedApi.checkLink.mockResolvedValue(report({ verdict, url: verdict === 'refused' ? null : 'https://example.com/l' }));
      const { unmount } = render(SignInLinkView);
      const shown = await checkLink('https://example.com/l');
      expect(shown.getAttribute('data-verdict')).toBe(verdict);
      expect(screen.queryByTestId('link-open-button')).toBeNull();
      unmount();
    }
    expect(mockedApi.openLink).not.toHaveBeenCalled();
  });

  it('changing the link drops the verdict: what opens is only ever what was checked', async () => {
    mockedApi.checkLink.mockResolvedValue(report());
    render(SignInLinkView);
    await checkLink('https://example.com/link/abc');
    await fireEvent.input(screen.getByTestId('link-input'), { target: { value: 'https://evil.example/' } });
    expect(screen.queryByTestId('link-verdict')).toBeNull();
    expect(screen.queryByTestId('link-open-button')).toBeNull();
  });

  it('a dropped link is filled in and checked, never opened', async () => {
    mockedApi.checkLink.mockResolvedValue(report());
    render(SignInLinkView);
    const form = screen.getByTestId('link-input').closest('form')!;
    await fireEvent.drop(form, { dataTransfer: { getData: (t: string) => (t === 'text/uri-list' ? 'https://example.com/link/abc' : '') } });
    await screen.findByTestId('link-verdict');
    expect((screen.getByTestId('link-input') as HTMLInputElement).value).toBe('https://example.com/link/abc');
    expect(mockedApi.openLink).not.toHaveBeenCalled();
  });

  it('a locked vault or another failure is said in words', async () => {
    mockedApi.checkLink.mockRejectedValue('Latchkey is locked; unlock it first');
    render(SignInLinkView);
    await fireEvent.input(screen.getByTestId('link-input'), { target: { value: 'https://example.com/l' } });
    await fireEvent.click(screen.getByTestId('link-check-button'));
    expect(text(await screen.findByTestId('error-banner'))).toContain('locked');
  });
});
