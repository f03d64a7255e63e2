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

export function serveContentPort(port: chrome.runtime.Port, host: NativeHost): void {
  let first = true;
  const onFirst = (message: unknown) => {
    if (!first) return;
    first = false;
    port.onMessage.removeListener(onFirst);
    void serve(port, host, message);
  };
  port.onMessage.addListener(onFirst);
}

function answer(port: chrome.runtime.Port, outcome: Outcome): void {
  try {
    port.postMessage(outcome);
    port.disconnect();
  } catch {
    // the content script is gone (page closed or navigated)
  }
}

async function serve(port: chrome.runtime.Port, host: NativeHost, message: unknown): Promise<void> {
  const request = parseContentRequest(message);
  if (request === null) {
    answer(port, { fallback: 'unsupported-request' });
    return;
  }
  const refused = await admit(request, port.sender);
  if (refused !== null) {
    if (request.type !== 'available') await recordRequest(request.origin, request.type, refused);
    answer(port, refused);
    return;
  }
  switch (request.type) {
    case 'available': {
      const status = await host.request({ type: 'status' }, QUICK_LIMIT_MS);
      answer(port, { ok: { available: 'ok' in status } });
      return;
    }
    case 'conditional':
      startConditional(port, request, host);
      return;
    case 'create':
    case 'get':
      await ceremony(port, request, host);
  }
}

async function ceremony(port: chrome.runtime.Port, request: ContentRequest, host: NativeHost): Promise<void> {
  const tag = randomToken();
  let answered = false;
  let cancelled = false;
  port.onDisconnect.addListener(() => {
    if (answered) return;
    cancelled = true;
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
  await recordRequest(request.origin, type, cancelled ? { error: { name: 'AbortError', message: '' } } : outcome);
  if (!cancelled) answer(port, outcome);
}
