/**
 * Keeps Tab inside a modal dialog: Tab on the last focusable item goes to the first, Shift+Tab
 * on the first goes to the last. `focusable` picks the items (each dialog knows what it holds).
 * With `dialogIsFirst`, the dialog element itself counts as the first stop: a dialog that
 * opens with the focus on itself (no safe button to focus) must not let Shift+Tab out.
 * Other keys are left alone; the caller decides what else a key does.
 */
export function keepTabInside(e: KeyboardEvent, dialog: HTMLElement, focusable: string, dialogIsFirst = false): void {
  if (e.key !== 'Tab') return;
  const items = Array.from(dialog.querySelectorAll<HTMLElement>(focusable));
  if (items.length === 0) return;
  const first = items[0];
  const last = items[items.length - 1];
  const atFirst = document.activeElement === first || (dialogIsFirst && document.activeElement === dialog);
  if (e.shiftKey && atFirst) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}
