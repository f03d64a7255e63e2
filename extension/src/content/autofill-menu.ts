/**
 * The page side of passkey autofill: shows Latchkey's menu frame (autofill.html, extension
 * origin) under a field whose autocomplete has "webauthn", on focus or click, and forwards the
 * field's arrow keys and Enter to it through the background (Escape closes it). The frame gets
 * the account names from the background with its token; nothing about them passes through
 * this page.
 */
import { isWebauthnField } from './webauthn-fields';
import type { MenuKey } from '../shared/runtime-messages';

const ROW_HEIGHT = 48;
const HEADER_HEIGHT = 34;
const MAX_ROWS = 5;
const WIDTH = 320;

/** The focused element, looking into open shadow roots. */
function deepActiveElement(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

export interface MenuHandlers {
  /** Forward a key to the menu frame. */
  key(key: MenuKey): void;
}

export class AutofillMenu {
  private frame: HTMLIFrameElement | null = null;
  private field: HTMLInputElement | HTMLTextAreaElement | null = null;
  private armed = true;
  private readonly listeners: Array<[EventTarget, string, EventListener, boolean]> = [];

  constructor(
    private readonly token: string,
    private readonly count: number,
    private readonly handlers: MenuHandlers,
  ) {
    // composedPath()[0]: the field itself even when it sits in a shadow root.
    this.listen(document, 'focusin', (e) => this.maybeOpen(e.composedPath()[0] ?? null), true);
    this.listen(document, 'click', (e) => this.maybeOpen(e.composedPath()[0] ?? null), true);
    this.listen(document, 'keydown', (e) => this.onKey(e as KeyboardEvent), true);
    this.listen(document, 'focusout', (e) => this.onFocusOut(e as FocusEvent), true);
    this.listen(window, 'resize', () => this.place(), false);
    this.listen(window, 'scroll', () => this.place(), true);
    // A field that already has focus when the request starts gets the menu at once.
    this.maybeOpen(deepActiveElement());
  }

  private listen(target: EventTarget, type: string, fn: EventListener, capture: boolean): void {
    target.addEventListener(type, fn, capture);
    this.listeners.push([target, type, fn, capture]);
  }

  /** The picked passkey's ceremony failed: offer the menu again on the next focus or click. */
  rearm(): void {
    this.armed = true;
    this.maybeOpen(deepActiveElement());
  }

  /** After a pick (its ceremony runs) or when asked: hide, and stay hidden until re-armed. */
  hide(): void {
    this.armed = false;
    this.close();
  }

  /** The request is over: remove everything. */
  destroy(): void {
    this.close();
    for (const [target, type, fn, capture] of this.listeners) target.removeEventListener(type, fn, capture);
    this.listeners.length = 0;
  }

  private maybeOpen(target: EventTarget | null): void {
    if (!this.armed || !isWebauthnField(target)) return;
    this.field = target;
    if (!this.frame) {
      const frame = document.createElement('iframe');
      frame.src = `${chrome.runtime.getURL('autofill.html')}#${this.token}`;
      frame.setAttribute('data-testid', 'latchkey-autofill-frame');
      frame.setAttribute('title', 'Latchkey passkeys');
      frame.setAttribute('tabindex', '-1');
      frame.setAttribute('allowtransparency', 'true');
      const height = HEADER_HEIGHT + Math.min(this.count, MAX_ROWS) * ROW_HEIGHT + 10;
      // !important throughout, so the page's own CSS cannot move, hide or reshape the menu.
      const styles: Record<string, string> = {
        position: 'fixed',
        'z-index': '2147483647',
        border: '0',
        margin: '0',
        padding: '0',
        background: 'transparent',
        'color-scheme': 'normal',
        width: `${WIDTH}px`,
        height: `${height}px`,
        display: 'block',
        visibility: 'visible',
        opacity: '1',
      };
      for (const [name, value] of Object.entries(styles)) frame.style.setProperty(name, value, 'important');
      document.documentElement.appendChild(frame);
      this.frame = frame;
    }
    this.place();
  }

  private place(): void {
    if (!this.frame || !this.field) return;
    const r = this.field.getBoundingClientRect();
    const left = Math.max(4, Math.min(r.left, window.innerWidth - WIDTH - 4));
    this.frame.style.setProperty('left', `${left}px`, 'important');
    this.frame.style.setProperty('top', `${r.bottom + 4}px`, 'important');
  }

  private close(): void {
    this.frame?.remove();
    this.frame = null;
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.frame || e.composedPath()[0] !== this.field) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      this.close();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp' || e.key === 'Enter') {
      e.preventDefault();
      e.stopPropagation();
      this.handlers.key(e.key);
    }
  }

  private onFocusOut(e: FocusEvent): void {
    if (!this.frame || e.composedPath()[0] !== this.field) return;
    // Clicking into the menu moves focus to its frame: keep it open for that click.
    if (e.relatedTarget === this.frame) return;
    setTimeout(() => {
      const active = deepActiveElement();
      if (active !== this.frame && active !== this.field) this.close();
    }, 150);
  }
}
