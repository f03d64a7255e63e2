/** The popup's words for the host's state and the last request (kept apart from the DOM so they can be tested). */
import type { LastRequest } from '../background/activity';
import type { HostView } from '../background/popup-api';

export const NOT_INSTALLED_TEXT = 'Latchkey is not installed (run `latchkey browser install`)';

export function hostText(view: HostView): { title: string; detail: string } {
  switch (view.state) {
    case 'connected':
      return {
        title: 'Connected',
        detail: view.count === null ? 'Sites can use your Latchkey passkeys.' : `${view.count} passkey${view.count === 1 ? '' : 's'} ready.`,
      };
    case 'locked':
      return { title: 'Latchkey is locked', detail: 'Unlock it to sign in with your passkeys.' };
    case 'not-running':
      return { title: 'Latchkey is not running', detail: 'It starts by itself when a site asks for a passkey.' };
    case 'not-installed':
      return { title: NOT_INSTALLED_TEXT, detail: 'Sites use the browser’s own passkeys and security keys meanwhile.' };
    case 'error':
      return { title: 'Latchkey cannot be reached', detail: view.message };
  }
}

const REASONS: Record<string, string> = {
  'not-running': 'Latchkey could not be started',
  locked: 'Latchkey stayed locked',
  'no-passkey': 'no Latchkey passkey for this site',
  'another-device': 'you chose another device',
  busy: 'Latchkey was busy',
  'not-installed': 'Latchkey is not installed',
  'site-off': 'Latchkey is off for this site',
  'cross-origin-frame': 'the request came from an embedded frame',
  'sender-mismatch': 'the request’s origin could not be verified',
};

export function lastText(last: LastRequest): { what: string; result: string; kind: 'ok' | 'error' | 'fallback' } {
  const what = last.type === 'create' ? 'Create a passkey' : 'Sign in';
  if (last.result === 'ok') return { what, result: last.type === 'create' ? 'Passkey created' : 'Signed in', kind: 'ok' };
  if (last.result.startsWith('fallback:')) {
    const reason = last.result.slice('fallback:'.length);
    return { what, result: `Handed to the browser: ${REASONS[reason] ?? reason}`, kind: 'fallback' };
  }
  const names: Record<string, string> = {
    NotAllowedError: 'Denied or timed out',
    InvalidStateError: 'Already registered',
    SecurityError: 'Refused: wrong site',
    AbortError: 'Cancelled by the page',
  };
  return { what, result: names[last.result] ?? `Failed (${last.result})`, kind: 'error' };
}

export function ago(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  return new Date(at).toLocaleDateString();
}
