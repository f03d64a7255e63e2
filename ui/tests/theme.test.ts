import { describe, expect, it, vi } from 'vitest';
import { applyTheme, createThemeController, resolveTheme } from '../src/lib/theme';

function fakeMedia(matches: boolean) {
  const listeners = new Set<() => void>();
  return {
    matches,
    addEventListener: vi.fn((_: 'change', cb: () => void) => listeners.add(cb)),
    removeEventListener: vi.fn((_: 'change', cb: () => void) => listeners.delete(cb)),
    flip(to: boolean) {
      this.matches = to;
      for (const l of listeners) l();
    },
    get count() {
      return listeners.size;
    },
  };
}

describe('resolveTheme', () => {
  it('explicit choices win over the OS', () => {
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
  });
  it('system follows the OS', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
  });
});

describe('theme controller', () => {
  it('applyTheme sets data-theme', () => {
    const el = document.createElement('html');
    applyTheme(el, 'dark');
    expect(el.dataset.theme).toBe('dark');
  });

  it('follows OS changes while on system, not after an explicit choice', () => {
    const el = document.createElement('html');
    const media = fakeMedia(false);
    const c = createThemeController(el, media, 'system');
    expect(el.dataset.theme).toBe('light');
    media.flip(true);
    expect(el.dataset.theme).toBe('dark');
    c.set('light');
    expect(el.dataset.theme).toBe('light');
    media.flip(false);
    media.flip(true);
    expect(el.dataset.theme).toBe('light');
    c.set('system');
    expect(el.dataset.theme).toBe('dark');
    expect(c.preference).toBe('system');
    c.dispose();
    expect(media.count).toBe(0);
  });

  it('works without matchMedia (treated as light)', () => {
    const el = document.createElement('html');
    const c = createThemeController(el, null, 'system');
    expect(el.dataset.theme).toBe('light');
    c.set('dark');
    expect(el.dataset.theme).toBe('dark');
  });
});
