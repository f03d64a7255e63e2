/** Pure keyboard-selection logic over the flat, filtered list of row ids. */

/**
 * Move the selection by `delta` rows, clamped to the ends (no wrap).
 * With nothing selected (or the selection filtered away), moving down
 * picks the first row and moving up picks the last.
 */
export function moveSelection(ids: readonly string[], current: string | null, delta: number): string | null {
  if (ids.length === 0) return null;
  const i = current === null ? -1 : ids.indexOf(current);
  if (i === -1) return delta >= 0 ? ids[0] : ids[ids.length - 1];
  const next = Math.max(0, Math.min(ids.length - 1, i + delta));
  return ids[next];
}

export function firstId(ids: readonly string[]): string | null {
  return ids.length ? ids[0] : null;
}

export function lastId(ids: readonly string[]): string | null {
  return ids.length ? ids[ids.length - 1] : null;
}

/**
 * Keep the current selection when it is still visible, otherwise select
 * the first visible row (or nothing when the list is empty).
 */
export function reconcileSelection(ids: readonly string[], current: string | null): string | null {
  if (current !== null && ids.includes(current)) return current;
  return firstId(ids);
}

/**
 * Which row to select after `removed` disappears from `before`:
 * the row that followed it, else the one before it, else nothing.
 */
export function selectionAfterRemoval(before: readonly string[], removed: string): string | null {
  const i = before.indexOf(removed);
  if (i === -1) return before.length ? before[0] : null;
  if (i + 1 < before.length) return before[i + 1];
  if (i - 1 >= 0) return before[i - 1];
  return null;
}

export type ListKeyAction =
  | { kind: 'move'; delta: number }
  | { kind: 'first' }
  | { kind: 'last' }
  | { kind: 'open' }
  | { kind: 'delete' }
  | null;

/** Page size used by PageUp / PageDown. */
export const PAGE_ROWS = 10;

/** Map a key (as in KeyboardEvent.key) to a list action. */
export function listKeyAction(key: string): ListKeyAction {
  switch (key) {
    case 'ArrowDown':
      return { kind: 'move', delta: 1 };
    case 'ArrowUp':
      return { kind: 'move', delta: -1 };
    case 'PageDown':
      return { kind: 'move', delta: PAGE_ROWS };
    case 'PageUp':
      return { kind: 'move', delta: -PAGE_ROWS };
    case 'Home':
      return { kind: 'first' };
    case 'End':
      return { kind: 'last' };
    case 'Enter':
      return { kind: 'open' };
    case 'Delete':
      return { kind: 'delete' };
    default:
      return null;
  }
}

/** Apply a list action that changes the selection. */
export function applyListAction(ids: readonly string[], current: string | null, action: ListKeyAction): string | null {
  if (!action) return current;
  switch (action.kind) {
    case 'move':
      return moveSelection(ids, current, action.delta);
    case 'first':
      return firstId(ids);
    case 'last':
      return lastId(ids);
    default:
      return current;
  }
}
