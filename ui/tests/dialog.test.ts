import { afterEach, describe, expect, it } from 'vitest';
import { keepTabInside } from '../src/lib/dialog';

function dialog(): { root: HTMLDivElement; a: HTMLButtonElement; b: HTMLButtonElement } {
  const root = document.createElement('div');
  root.tabIndex = -1;
  root.innerHTML = '<button id="a">A</button><button disabled>off</button><button id="b">B</button>';
  document.body.append(root);
  return { root, a: root.querySelector('#a')!, b: root.querySelector('#b')! };
}

function tab(root: HTMLElement, shiftKey: boolean, dialogIsFirst = false): KeyboardEvent {
  const e = new KeyboardEvent('keydown', { key: 'Tab', shiftKey, cancelable: true });
  keepTabInside(e, root, 'button:not(:disabled)', dialogIsFirst);
  return e;
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('keepTabInside', () => {
  it('wraps from the last item to the first and back', () => {
    const { root, a, b } = dialog();
    b.focus();
    expect(tab(root, false).defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(a);
    expect(tab(root, true).defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(b);
  });

  it('lets Tab move on normally between the ends', () => {
    const { root, a } = dialog();
    a.focus();
    expect(tab(root, false).defaultPrevented).toBe(false);
    expect(document.activeElement).toBe(a);
  });

  it('counts the dialog itself as the first stop only when asked', () => {
    const { root, b } = dialog();
    root.focus();
    expect(tab(root, true).defaultPrevented).toBe(false);
    expect(document.activeElement).toBe(root);
    expect(tab(root, true, true).defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(b);
  });

  it('leaves other keys alone', () => {
    const { root, b } = dialog();
    b.focus();
    const e = new KeyboardEvent('keydown', { key: 'Enter', cancelable: true });
    keepTabInside(e, root, 'button');
    expect(e.defaultPrevented).toBe(false);
    expect(document.activeElement).toBe(b);
  });
});
