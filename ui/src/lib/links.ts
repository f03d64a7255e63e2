/**
 * Pure logic for the Sign-in link view: what a pasted or dropped link is, how a verdict is
 * shown, and what the Open button needs. The app decides the verdict and opens the link (only
 * what passed); this module only mirrors its rules so the buttons say the truth.
 */
import type { LinkReport, LinkVerdict } from './types';

/** The longest text taken from the clipboard or a drop (a sign-in link is a few hundred bytes). */
export const MAX_INPUT_CHARS = 4096;

/**
 * The link in pasted or dropped text: trimmed; for a `text/uri-list` the first line that is not
 * a comment. Whatever it is goes to the app as typed: the app judges it (and refuses tricks).
 */
export function linkFromText(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return (lines[0] ?? '').slice(0, MAX_INPUT_CHARS);
}

/** The link in a drop: a URI list first, then plain text. */
export function linkFromDrop(data: Pick<DataTransfer, 'getData'> | null): string {
  if (!data) return '';
  return linkFromText(data.getData('text/uri-list') || data.getData('text/plain') || '');
}

/** The verdict's heading. */
export function verdictTitle(v: LinkVerdict): string {
  switch (v) {
    case 'trusted':
      return 'One of your sites';
    case 'unknown-site':
      return 'A site Latchkey does not know';
    case 'lookalike':
      return 'Looks like one of your sites, but is not';
    case 'refused':
      return 'Refused: this is not a safe link';
    case 'already-used':
      return 'Already used';
    case 'expired':
      return 'Expired';
  }
}

export type Tone = 'good' | 'neutral' | 'warn' | 'danger';

/** The colour of the verdict. */
export function verdictTone(v: LinkVerdict): Tone {
  if (v === 'trusted') return 'good';
  if (v === 'unknown-site') return 'neutral';
  if (v === 'lookalike' || v === 'refused') return 'danger';
  return 'warn';
}

/** What opening needs: nothing, a confirmation, an explicit override, or it cannot open. */
export type OpenNeed = 'none' | 'confirm' | 'override' | 'never';

export function openNeed(v: LinkVerdict): OpenNeed {
  if (v === 'trusted') return 'none';
  if (v === 'unknown-site') return 'confirm';
  if (v === 'lookalike') return 'override';
  return 'never';
}

/** Whether the Open button may be pressed (the app applies the same rule again). */
export function canOpen(report: Pick<LinkReport, 'verdict' | 'url'> | null, confirmed: boolean, overridden: boolean): boolean {
  if (!report || !report.url) return false;
  const need = openNeed(report.verdict);
  return need === 'none' || (need === 'confirm' && confirmed) || (need === 'override' && overridden);
}

/** What the view says after an open. */
export function openedMessage(site: string | null): string {
  return `Opened in your browser${site ? ` (${site})` : ''}. Finish signing in there; Latchkey will not open this link again.`;
}
