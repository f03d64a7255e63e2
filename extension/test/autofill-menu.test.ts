// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AutofillMenu } from '../src/content/autofill-menu';
import { isWebauthnField } from '../src/content/webauthn-fields';

const frameSelector = 'iframe[data-testid="latchkey-autofill-frame"]';
let keys: string[];
let menu: AutofillMenu | null;

beforeEach(() => {
  (globalThis as Record<string, unknown>).chrome = { runtime: { getURL: (p: string) => `chrome-extension://id/${p}` } };
  document.body.innerHTML = `
    <input id="user" autocomplete="username webauthn">
    <input id="other" autocomplete="username">
    <textarea id="notes"></textarea>`;
  keys = [];
  menu = null;
});

afterEach(() => menu?.destroy());

function open(token = 'tok-abcdefghijklmnop', count = 2): AutofillMenu {
  menu = new AutofillMenu(token, count, { key: (k) => keys.push(k) });
  return menu;
}

const field = (id: string) => document.getElementById(id) as HTMLInputElement;
const press = (target: Element, key: string) => {
  const e = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, composed: true });
  target.dispatchEvent(e);
  return e;
};

describe('the autofill menu in the page', () => {
  it('knows webauthn fields by their autocomplete token', () => {
    expect(isWebauthnField(field('user'))).toBe(true);
    expect(isWebauthnField(field('other'))).toBe(false);
    expect(isWebauthnField(field('notes'))).toBe(false);
    const odd = document.createElement('input');
    odd.setAttribute('autocomplete', 'section-x  WebAuthn');
    expect(isWebauthnField(odd)).toBe(true);
  });

  it('opens the extension frame under a webauthn field on focus, with the token in its URL only', () => {
    open();
    expect(document.querySelector(frameSelector)).toBeNull();
    field('other').focus();
    expect(document.querySelector(frameSelector)).toBeNull();
    field('user').focus();
    const frame = document.querySelector<HTMLIFrameElement>(frameSelector)!;
    expect(frame.src).toBe('chrome-extension://id/autofill.html#tok-abcdefghijklmnop');
    expect(frame.style.getPropertyValue('position')).toBe('fixed');
  });

  it('opens at once when the field already has focus', () => {
    field('user').focus();
    open();
    expect(document.querySelector(frameSelector)).not.toBeNull();
  });

  it('forwards arrows and Enter from the field to the menu, and Escape closes it', () => {
    open();
    field('user').focus();
    const down = press(field('user'), 'ArrowDown');
    press(field('user'), 'ArrowUp');
    press(field('user'), 'Enter');
    expect(keys).toEqual(['ArrowDown', 'ArrowUp', 'Enter']);
    expect(down.defaultPrevented).toBe(true);
    press(field('user'), 'a'); // typing is the page's business
    expect(keys).toHaveLength(3);
    press(field('user'), 'Escape');
    expect(document.querySelector(frameSelector)).toBeNull();
    press(field('user'), 'ArrowDown'); // closed: keys stay with the page
    expect(keys).toHaveLength(3);
  });

  it('after a pick it stays hidden until re-armed (a failed ceremony offers it again)', () => {
    const m = open();
    field('user').focus();
    m.hide();
    expect(document.querySelector(frameSelector)).toBeNull();
    field('user').click();
    expect(document.querySelector(frameSelector)).toBeNull();
    m.rearm();
    expect(document.querySelector(frameSelector)).not.toBeNull();
  });

  it('destroy removes the frame and stops listening', () => {
    const m = open();
    field('user').focus();
    m.destroy();
    expect(document.querySelector(frameSelector)).toBeNull();
    field('other').focus();
    field('user').focus();
    expect(document.querySelector(frameSelector)).toBeNull();
  });

  it('a field inside an open shadow root works too', () => {
    const host = document.createElement('div');
    document.body.append(host);
    const root = host.attachShadow({ mode: 'open' });
    root.innerHTML = '<input autocomplete="webauthn">';
    open();
    (root.querySelector('input') as HTMLInputElement).focus();
    expect(document.querySelector(frameSelector)).not.toBeNull();
  });
});
