/**
 * Answers the toolbar popup: the host's state, the last request, and the per-site switch.
 * Only our own popup page may ask: content scripts share our extension id, so the sender's URL
 * is what tells them apart (a content script's is the page's; popup.html is not web-accessible,
 * so no page can frame it). The popup may also be open in a tab (tests do that).
 */
import { lastRequest, type LastRequest } from './activity';
import type { NativeHost } from './native-host';
import { isServedOrigin } from './sender-check';
import { isSiteEnabled, setSiteEnabled } from './site-settings';
import type { Outcome } from '../shared/outcome';
import { parsePopupRequest } from '../shared/runtime-messages';
import { QUICK_LIMIT_MS } from './limits';

export type HostView =
  | { state: 'connected'; count: number | null }
  | { state: 'locked' }
  | { state: 'not-running' }
  | { state: 'not-installed' }
  | { state: 'error'; message: string };

export interface PopupState {
  host: HostView;
  last: LastRequest | null;
  site: { origin: string; served: boolean; enabled: boolean } | null;
}

/** The host's `status` (or `unlock`) answer as the popup shows it. */
export function hostView(outcome: Outcome): HostView {
  if ('fallback' in outcome) {
    if (outcome.fallback === 'not-installed') return { state: 'not-installed' };
    if (outcome.fallback === 'not-running') return { state: 'not-running' };
    if (outcome.fallback === 'locked') return { state: 'locked' };
    return { state: 'error', message: `Latchkey is unavailable (${outcome.fallback}).` };
  }
  if ('error' in outcome) return { state: 'error', message: outcome.error.message };
  const s = outcome.ok as { running?: unknown; locked?: unknown; count?: unknown } | null;
  if (typeof s !== 'object' || s === null || typeof s.running !== 'boolean') {
    return { state: 'error', message: 'The Latchkey host sent a malformed status.' };
  }
  if (!s.running) return { state: 'not-running' };
  if (s.locked === true) return { state: 'locked' };
  return { state: 'connected', count: typeof s.count === 'number' ? s.count : null };
}

export function isPopupSender(sender: chrome.runtime.MessageSender): boolean {
  return sender.id === chrome.runtime.id && (sender.url ?? '').startsWith(chrome.runtime.getURL('popup.html'));
}

export async function answerPopup(message: unknown, host: NativeHost): Promise<unknown> {
  const request = parsePopupRequest(message);
  if (request === null) return { error: 'malformed popup request' };
  switch (request.type) {
    case 'popup-state': {
      const status = await host.request({ type: 'status' }, QUICK_LIMIT_MS);
      const site =
        request.origin === null
          ? null
          : { origin: request.origin, served: isServedOrigin(request.origin), enabled: await isSiteEnabled(request.origin) };
      const state: PopupState = { host: hostView(status), last: await lastRequest(), site };
      return state;
    }
    case 'popup-unlock':
      // The person answers the OS check in Latchkey's window; give them time.
      return { host: hostView(await host.request({ type: 'unlock' }, 5 * 60 * 1000)) };
    case 'popup-site':
      await setSiteEnabled(request.origin, request.enabled);
      return { ok: true };
  }
}
