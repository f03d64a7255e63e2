/** Theme resolution: the setting plus the OS preference gives light or dark. */
import type { ThemePreference } from './types';

export type ResolvedTheme = 'light' | 'dark';

export const DARK_QUERY = '(prefers-color-scheme: dark)';

export function resolveTheme(pref: ThemePreference, systemPrefersDark: boolean): ResolvedTheme {
  if (pref === 'light' || pref === 'dark') return pref;
  return systemPrefersDark ? 'dark' : 'light';
}

/** Set `data-theme` on the root element (normally <html>). */
export function applyTheme(root: HTMLElement, theme: ResolvedTheme): void {
  root.dataset.theme = theme;
}

type MediaQueryLike = {
  matches: boolean;
  addEventListener(type: 'change', cb: () => void): void;
  removeEventListener(type: 'change', cb: () => void): void;
};

/**
 * Keeps `data-theme` on `root` in sync with the preference and, when the
 * preference is "system", with the OS setting as it changes.
 */
export function createThemeController(
  root: HTMLElement,
  media: MediaQueryLike | null,
  initial: ThemePreference = 'system',
) {
  let pref: ThemePreference = initial;
  const update = () => applyTheme(root, resolveTheme(pref, media?.matches ?? false));
  media?.addEventListener('change', update);
  update();
  return {
    set(next: ThemePreference) {
      pref = next;
      update();
    },
    get preference(): ThemePreference {
      return pref;
    },
    dispose() {
      media?.removeEventListener('change', update);
    },
  };
}

/** The controller for the real document (no-op media query when unavailable). */
export function startDocumentTheme(initial: ThemePreference = 'system') {
  const media = typeof window !== 'undefined' && typeof window.matchMedia === 'function' ? window.matchMedia(DARK_QUERY) : null;
  return createThemeController(document.documentElement, media, initial);
}
