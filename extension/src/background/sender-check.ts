/**
 * Checks a content script's request against what the browser says about its sender. The
 * isolated content script computed the origin, but it runs inside a page that may be hostile,
 * so the background trusts only what the browser itself reports: the request must come from
 * a tab, and its origin must equal both `sender.origin` (when the browser gives it) and the
 * origin of `sender.url`. A frame that is not same-origin with all its ancestors, or one whose
 * top-level page is on another origin, goes to the browser's own WebAuthn, which checks the
 * frame's permissions policy (Latchkey cannot).
 *
 * Every refusal is a fallback, never an error: the browser then applies its own rules, so a
 * refused request can neither reach Latchkey nor break the site.
 */
import type { FallbackReason } from '../shared/outcome';
import type { ContentRequest } from '../shared/runtime-messages';

function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** Origins Latchkey serves: https, and http on the loopback names browsers treat as secure. */
export function isServedOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1');
}

export function checkSender(request: ContentRequest, sender: chrome.runtime.MessageSender | undefined): FallbackReason | null {
  if (!sender?.tab) return 'sender-mismatch';
  const urlOrigin = originOf(sender.url);
  if (urlOrigin === null || urlOrigin !== request.origin) return 'sender-mismatch';
  if (sender.origin !== undefined && sender.origin !== request.origin) return 'sender-mismatch';
  if (!isServedOrigin(request.origin)) return 'unsupported-request';
  if (!request.sameOriginWithAncestors) return 'cross-origin-frame';
  const topOrigin = originOf(sender.tab.url);
  if (sender.frameId !== 0) {
    // A subframe claiming to be same-origin with its ancestors: its top page must agree.
    if (topOrigin === null || topOrigin !== request.origin) return 'cross-origin-frame';
  } else if (topOrigin !== null && topOrigin !== request.origin) {
    return 'sender-mismatch';
  }
  return null;
}
