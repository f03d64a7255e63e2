/**
 * Serves the content scripts' requests: each arrives on its own port, is checked against the
 * browser's view of its sender and the per-site switch, then goes to the native host. The
 * port closing before the answer is the page's cancel: the host is told to withdraw the
 * request (Latchkey's prompt goes away).
 */
import { recordRequest } from './activity';
import type { NativeHost } from './native-host';
import { checkSender } from './sender-check';
import { isSiteEnabled } from './site-settings';
import { startConditional } from './autofill-sessions';
import { ContentPort } from './content-port';
import { CEREMONY_LIMIT_MS, QUICK_LIMIT_MS, TIMED_OUT } from './limits';
import type { Outcome } from '../shared/outcome';
import { parseContentRequest, type ContentRequest } from '../shared/runtime-messages';
import { randomToken } from '../shared/token';

/** Decides whether a checked request may go to Latchkey at all; a fallback when not. */
export async function admit(request: ContentRequest, sender: chrome.runtime.MessageSender | undefined): Promise<Outcome | null> {
  const refused = checkSender(request, sender);
  if (refused !== null) return { fallback: refused };
  if (!(await isSiteEnabled(request.origin))) return { fallback: 'site-off' };
  return null;
}

/** The part of NativeHost the request handlers use (tests pass a stand-in). */
export type HostLink = Pick<NativeHost, 'request'>;

export function serveContentPort(port: chrome.runtime.Port, host: HostLink): void {
  const content = new ContentPort(port);
  let first = true;
  content.onMessage((message) => {
    if (!first) return;
    first = false;
    void serve(content, host, message);
  });
}

async function serve(content: ContentPort, host: HostLink, message: unknown): Promise<void> {
  const request = parseContentRequest(message);
  if (request === null) {
    content.answer({ fallback: 'unsupported-request' });
    return;
  }
  const refused = await admit(request, content.sender);
  if (refused !== null) {
    // A refused autofill request is noise in the popup; ceremonies are recorded.
    if (request.type === 'create' || request.type === 'get') await recordRequest(request.origin, request.type, refused);
    content.answer(refused);
    return;
  }
  if (content.gone) return; // the page went away while its request was checked
  switch (request.type) {
    case 'available': {
      const status = await host.request({ type: 'status' }, QUICK_LIMIT_MS);
      content.answer({ ok: { available: 'ok' in status } });
      return;
    }
    case 'conditional':
      startConditional(content, request, host);
      return;
    case 'create':
    case 'get':
      await ceremony(content, request, host);
  }
}

async function ceremony(content: ContentPort, request: ContentRequest, host: HostLink): Promise<void> {
  const tag = randomToken();
  let answered = false;
  content.onGone(() => {
    if (answered) return;
    void host.request({ type: 'cancel', tag }, QUICK_LIMIT_MS);
  });
  const type = request.type as 'create' | 'get';
  const outcome = await host.request(
    { type, origin: request.origin, options: request.options!, tag },
    CEREMONY_LIMIT_MS,
    TIMED_OUT,
  );
  answered = true;
  if (outcome === TIMED_OUT) void host.request({ type: 'cancel', tag }, QUICK_LIMIT_MS);
  const cancelled = content.gone;
  await recordRequest(request.origin, type, cancelled ? { error: { name: 'AbortError', message: '' } } : outcome);
  content.answer(outcome);
}
