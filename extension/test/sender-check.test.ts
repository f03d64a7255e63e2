import { describe, expect, it } from 'vitest';
import { checkSender, isServedOrigin } from '../src/background/sender-check';
import type { ContentRequest } from '../src/shared/runtime-messages';

const request = (over: Partial<ContentRequest> = {}): ContentRequest => ({
  type: 'get',
  origin: 'https://bank.example',
  sameOriginWithAncestors: true,
  options: { challenge: 'AA' },
  ...over,
});

const sender = (over: Partial<chrome.runtime.MessageSender> = {}): chrome.runtime.MessageSender => ({
  id: 'ext',
  tab: { id: 4, url: 'https://bank.example/login' },
  frameId: 0,
  url: 'https://bank.example/login?next=/',
  origin: 'https://bank.example',
  ...over,
});

describe('the background checks each request against the browser’s view of its sender', () => {
  it('accepts a top-level page whose origin matches everywhere', () => {
    expect(checkSender(request(), sender())).toBeNull();
  });

  it('accepts a same-origin subframe', () => {
    expect(checkSender(request(), sender({ frameId: 7, url: 'https://bank.example/frame' }))).toBeNull();
  });

  it('refuses a forged origin (the content script claims another site than the browser reports)', () => {
    expect(checkSender(request({ origin: 'https://bank.example' }), sender({ url: 'https://evil.example/', origin: 'https://evil.example', tab: { id: 4, url: 'https://evil.example/' } }))).toBe('sender-mismatch');
  });

  it('refuses when sender.origin disagrees although the URL matches', () => {
    expect(checkSender(request(), sender({ origin: 'https://evil.example' }))).toBe('sender-mismatch');
  });

  it('refuses when sender.url is missing or does not match (about:blank, data:, another origin)', () => {
    expect(checkSender(request(), sender({ url: undefined }))).toBe('sender-mismatch');
    expect(checkSender(request(), sender({ url: 'about:blank' }))).toBe('sender-mismatch');
    expect(checkSender(request(), sender({ url: 'https://bank.example.evil.example/' }))).toBe('sender-mismatch');
    expect(checkSender(request(), sender({ url: 'http://bank.example/' }))).toBe('sender-mismatch');
  });

  it('refuses a sender without a tab (not a content script in a page)', () => {
    expect(checkSender(request(), sender({ tab: undefined }))).toBe('sender-mismatch');
    expect(checkSender(request(), undefined)).toBe('sender-mismatch');
  });

  it('sends a cross-origin frame to the browser', () => {
    expect(checkSender(request({ sameOriginWithAncestors: false }), sender({ frameId: 3 }))).toBe('cross-origin-frame');
  });

  it('sends a subframe claiming same-origin under another top-level site to the browser (other frame)', () => {
    expect(
      checkSender(request(), sender({ frameId: 3, tab: { id: 4, url: 'https://portal.example/' } })),
    ).toBe('cross-origin-frame');
    expect(checkSender(request(), sender({ frameId: 3, tab: { id: 4 } }))).toBe('cross-origin-frame');
  });

  it('refuses a top frame whose tab shows another origin', () => {
    expect(checkSender(request(), sender({ tab: { id: 4, url: 'https://other.example/' } }))).toBe('sender-mismatch');
  });

  it('serves https and loopback http only', () => {
    expect(isServedOrigin('https://a.example')).toBe(true);
    expect(isServedOrigin('http://localhost:8787')).toBe(true);
    expect(isServedOrigin('http://127.0.0.1:3000')).toBe(true);
    expect(isServedOrigin('http://a.example')).toBe(false);
    expect(isServedOrigin('file:///x')).toBe(false);
    const plain = request({ origin: 'http://a.example' });
    expect(checkSender(plain, sender({ url: 'http://a.example/', origin: 'http://a.example', tab: { id: 1, url: 'http://a.example/' } }))).toBe('unsupported-request');
  });
});
