/**
 * The facts about this frame that only the isolated world may state: its origin, and whether
 * every ancestor frame has that same origin (WebAuthn's sameOriginWithAncestors). Walking up
 * the parents catches an A → B → A nesting that comparing with `top` alone would miss; reading
 * a cross-origin parent's location throws, which also means "not same-origin".
 */

export function frameOrigin(win: Window = window): string {
  return win.location.origin;
}

export function sameOriginWithAncestors(win: Window = window): boolean {
  const origin = win.location.origin;
  let current: Window = win;
  for (let depth = 0; depth < 64; depth++) {
    let parent: Window;
    try {
      parent = current.parent;
    } catch {
      return false;
    }
    if (parent === current || parent === null) return true;
    try {
      if (parent.location.origin !== origin) return false;
    } catch {
      return false;
    }
    current = parent;
  }
  return false;
}
