/**
 * The one connection to the native host `dev.latchkey.browser` (chrome.runtime.connectNative).
 *
 * Requests carry a number id and are matched to replies by it; the host answers them
 * concurrently, so replies may come in any order. The port is opened on first use and again
 * after a disconnect. A disconnect that says the host does not exist (no manifest, a manifest
 * that does not allow this extension, a path that does not start) makes every waiting and
 * later request a fallback "not-installed" until a connection works again; any other
 * disconnect fails what was waiting as "not-running" (the host or the app went away).
 */
import { parseOutcome, type Outcome } from '../shared/outcome';

export const HOST_NAME = 'dev.latchkey.browser';

export type HostState = 'unknown' | 'connected' | 'not-installed' | 'disconnected';

/** A frame to the host, without its id (see the host contract). */
export type HostFrame =
  | { type: 'create' | 'get'; origin: string; options: Record<string, unknown>; tag: string }
  | { type: 'cancel'; tag: string }
  | { type: 'accounts'; origin: string; rpId: string }
  | { type: 'status' }
  | { type: 'unlock' };

/** What Chromium and Firefox say when the host cannot be found, is not allowed, or cannot start. */
const NOT_INSTALLED = /not found|no such native application|forbidden|failed to start|cannot find|not allowed/i;

export function isNotInstalledError(message: string): boolean {
  return NOT_INSTALLED.test(message);
}

interface Waiting {
  resolve(outcome: Outcome): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class NativeHost {
  state: HostState = 'unknown';
  /** The browser's words for the last disconnect, for the popup. */
  lastError: string | null = null;
  private port: chrome.runtime.Port | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();

  constructor(private readonly connect: (name: string) => chrome.runtime.Port) {}

  /**
   * Sends one frame and resolves with the host's answer (never rejects). `timeoutMs` bounds
   * the wait; then the answer is `onTimeout`.
   */
  request(frame: HostFrame, timeoutMs?: number, onTimeout?: Outcome): Promise<Outcome> {
    const port = this.open();
    if (port === null) return Promise.resolve({ fallback: 'not-installed' });
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.waiting.delete(id);
              resolve(onTimeout ?? { fallback: 'unavailable' });
            }, timeoutMs);
      this.waiting.set(id, { resolve, timer });
      try {
        port.postMessage({ id, ...frame });
      } catch (e) {
        this.waiting.delete(id);
        if (timer) clearTimeout(timer);
        this.dropPort(e instanceof Error ? e.message : String(e));
        resolve({ fallback: this.state === 'not-installed' ? 'not-installed' : 'not-running' });
      }
    });
  }

  private open(): chrome.runtime.Port | null {
    if (this.port) return this.port;
    let port: chrome.runtime.Port;
    try {
      port = this.connect(HOST_NAME);
    } catch (e) {
      // Firefox throws at once when the permission or the manifest is missing.
      this.state = 'not-installed';
      this.lastError = e instanceof Error ? e.message : String(e);
      return null;
    }
    this.port = port;
    port.onMessage.addListener((message) => this.onReply(message));
    port.onDisconnect.addListener((p) => {
      if (this.port !== port) return;
      const message = p.error?.message ?? chrome.runtime.lastError?.message ?? 'the native host closed the connection';
      this.dropPort(message);
    });
    return port;
  }

  private onReply(message: unknown): void {
    const id = (message as { id?: unknown } | null)?.id;
    if (typeof id !== 'number') return;
    const waiting = this.waiting.get(id);
    if (!waiting) return; // a reply to a request that timed out
    this.waiting.delete(id);
    if (waiting.timer) clearTimeout(waiting.timer);
    this.state = 'connected';
    this.lastError = null;
    waiting.resolve(
      parseOutcome(message) ?? { error: { name: 'UnknownError', message: 'The Latchkey host sent a malformed reply.' } },
    );
  }

  private dropPort(message: string): void {
    this.port = null;
    this.lastError = message;
    this.state = isNotInstalledError(message) ? 'not-installed' : 'disconnected';
    const reason = this.state === 'not-installed' ? 'not-installed' : 'not-running';
    const all = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of all) {
      if (w.timer) clearTimeout(w.timer);
      w.resolve({ fallback: reason });
    }
  }
}
