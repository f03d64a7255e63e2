/**
 * The main world's side of the channel to the isolated content script: one MessageChannel per
 * request, carried to the isolated world by a postMessage to our own window.
 *
 * If no ack comes back quickly the extension is not there (disabled, reloaded, or the isolated
 * script did not run in this frame) and the answer is a fallback, so the page's call still
 * reaches the browser's own WebAuthn.
 */
import { CANCEL, CHANNEL, isAck, type PageKind } from '../shared/page-messages';
import { parseOutcome, type Outcome } from '../shared/outcome';

/** How long the isolated script has to acknowledge; it answers synchronously, so this is generous. */
export const ACK_TIMEOUT_MS = 2000;

export interface PendingRequest {
  outcome: Promise<Outcome>;
  /** Withdraws the request (the prompt goes away); harmless after it settled. */
  cancel(): void;
}

// Taken at document_start, before the page's scripts can replace them.
const Channel = MessageChannel;
const post = window.postMessage.bind(window);
const setTimer = setTimeout;
const clearTimer = clearTimeout;

export function send(kind: PageKind, options?: Record<string, unknown>, answerTimeoutMs?: number): PendingRequest {
  const { port1, port2 } = new Channel();
  let settled = false;
  let resolveOutcome!: (o: Outcome) => void;
  const outcome = new Promise<Outcome>((resolve) => {
    resolveOutcome = resolve;
  });
  const finish = (o: Outcome) => {
    if (settled) return;
    settled = true;
    clearTimer(ackTimer);
    if (answerTimer !== undefined) clearTimer(answerTimer);
    // The port is left open (not closed) so a CANCEL posted just before still arrives.
    port1.onmessage = null;
    resolveOutcome(o);
  };
  const ackTimer = setTimer(() => finish({ fallback: 'extension-unreachable' }), ACK_TIMEOUT_MS);
  const answerTimer =
    answerTimeoutMs === undefined ? undefined : setTimer(() => finish({ fallback: 'unavailable' }), answerTimeoutMs);
  port1.onmessage = (event: MessageEvent) => {
    if (isAck(event.data)) {
      clearTimer(ackTimer);
      return;
    }
    const o = parseOutcome(event.data);
    finish(o ?? { error: { name: 'UnknownError', message: 'Latchkey sent a malformed answer.' } });
  };
  // Our own window is the target: the isolated world of this frame listens there.
  post({ channel: CHANNEL, kind, options }, '*', [port2]);
  return {
    outcome,
    cancel() {
      if (settled) return;
      try {
        port1.postMessage(CANCEL);
      } catch {
        // the port is already gone; nothing waits for it
      }
      finish({ error: { name: 'AbortError', message: 'The operation was aborted.' } });
    },
  };
}
