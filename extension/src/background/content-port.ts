/**
 * One content script's request port, as the background holds it. It notes the disconnect from
 * the moment the port arrives: a page that goes away while its request is still being checked
 * must not reach Latchkey afterwards (its prompt would show for a page nobody is looking at).
 */
export class ContentPort {
  gone = false;
  private readonly goneCallbacks: Array<() => void> = [];

  constructor(readonly port: chrome.runtime.Port) {
    port.onDisconnect.addListener(() => {
      this.gone = true;
      for (const callback of this.goneCallbacks.splice(0)) callback();
    });
  }

  get sender(): chrome.runtime.MessageSender | undefined {
    return this.port.sender;
  }

  /** Runs `callback` when the content script closes the port (at once if it already has). */
  onGone(callback: () => void): void {
    if (this.gone) callback();
    else this.goneCallbacks.push(callback);
  }

  onMessage(callback: (message: unknown) => void): void {
    this.port.onMessage.addListener((message) => callback(message));
  }

  post(message: unknown): void {
    if (this.gone) return;
    try {
      this.port.postMessage(message);
    } catch {
      // the content script is gone (page closed or navigated)
    }
  }

  close(): void {
    this.gone = true;
    this.goneCallbacks.length = 0;
    try {
      this.port.disconnect();
    } catch {
      // already closed
    }
  }

  /** The final answer: post it and close. */
  answer(message: unknown): void {
    this.post(message);
    this.close();
  }
}
