/**
 * Isolated-world content script (document_start, every frame): receives the main world's
 * requests, adds the facts only it may state (origin, sameOriginWithAncestors), and carries
 * each request to the background on its own runtime port. The page's port gets an ack at once,
 * then one outcome.
 */
import { AutofillMenu } from './autofill-menu';
import { frameOrigin, sameOriginWithAncestors } from './frame-origin';
import { parseOutcome, type Outcome } from '../shared/outcome';
import { ACK, isCancel, parsePageRequest, type PageRequest } from '../shared/page-messages';
import { PORT_NAME, REARM, parseMenuOffer, type ContentRequest } from '../shared/runtime-messages';

function isRearm(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { rearm?: unknown }).rearm === REARM.rearm;
}

function isHide(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { hide?: unknown }).hide === true;
}

function relay(request: PageRequest, page: MessagePort): void {
  const answer = (o: Outcome) => {
    try {
      page.postMessage(o);
    } finally {
      page.onmessage = null;
    }
  };
  let port: chrome.runtime.Port;
  try {
    port = chrome.runtime.connect({ name: PORT_NAME });
  } catch {
    // The extension was reloaded or removed since this page loaded.
    answer({ fallback: 'extension-unreachable' });
    return;
  }
  let menu: AutofillMenu | null = null;
  let finished = false;
  const end = (o: Outcome | null) => {
    if (finished) return;
    finished = true;
    menu?.destroy();
    menu = null;
    if (o) answer(o);
  };
  port.onMessage.addListener((message) => {
    const offer = parseMenuOffer(message);
    if (offer) {
      if (request.kind !== 'conditional' || menu) return;
      menu = new AutofillMenu(offer.menu.token, offer.menu.count, { key: (key) => port.postMessage({ key }) });
      return;
    }
    if (isRearm(message)) return menu?.rearm();
    if (isHide(message)) return menu?.hide();
    const o = parseOutcome(message);
    end(o ?? { error: { name: 'UnknownError', message: 'Latchkey sent a malformed answer.' } });
  });
  port.onDisconnect.addListener(() => end({ fallback: 'extension-unreachable' }));
  page.onmessage = (event: MessageEvent) => {
    if (!isCancel(event.data)) return;
    // Closing the runtime port is the cancel: the background withdraws the request.
    end(null);
    port.disconnect();
  };
  const message: ContentRequest = {
    type: request.kind,
    origin: frameOrigin(),
    sameOriginWithAncestors: sameOriginWithAncestors(),
  };
  if (request.options) message.options = request.options;
  port.postMessage(message);
}

window.addEventListener('message', (event: MessageEvent) => {
  // Only our own frame's main world talks to us; a message from another window is not ours.
  if (event.source !== window || event.origin !== window.location.origin) return;
  const request = parsePageRequest(event.data);
  const page = event.ports[0];
  if (request === null || page === undefined) return;
  page.postMessage(ACK);
  relay(request, page);
});
