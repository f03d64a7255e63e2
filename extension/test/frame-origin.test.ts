import { describe, expect, it } from 'vitest';
import { sameOriginWithAncestors } from '../src/content/frame-origin';

/** Window stand-ins: a cross-origin parent's location throws, as in a browser. */
function win(origin: string, parent?: Window, crossOrigin = false): Window {
  const w: Record<string, unknown> = {};
  Object.defineProperty(w, 'location', {
    get() {
      if (crossOrigin) throw new DOMException('Blocked a frame', 'SecurityError');
      return { origin };
    },
  });
  w.parent = parent ?? w;
  return w as unknown as Window;
}

describe('sameOriginWithAncestors (computed in the isolated world)', () => {
  it('a top-level page', () => {
    expect(sameOriginWithAncestors(win('https://a.example'))).toBe(true);
  });
  it('a same-origin frame', () => {
    expect(sameOriginWithAncestors(win('https://a.example', win('https://a.example')))).toBe(true);
  });
  it('a frame in a page of another origin (reading it throws)', () => {
    expect(sameOriginWithAncestors(win('https://a.example', win('https://b.example', undefined, true)))).toBe(false);
  });
  it('A inside B inside A: the middle frame counts', () => {
    const top = win('https://a.example');
    const middle = win('https://b.example', top, true);
    expect(sameOriginWithAncestors(win('https://a.example', middle))).toBe(false);
  });
  it('an origin that is readable but different', () => {
    expect(sameOriginWithAncestors(win('https://a.example', win('https://b.example')))).toBe(false);
  });
});
