/**
 * The Import & export view's and the recovery kit's logic, kept out of the components so it is
 * tested on its own: file names, passphrase hints, the words for previews, progress and
 * summaries, and the recovery key as typed.
 */
import type { ImportPreview, ImportProgress, ImportSummary, ItemProblem, Passkey } from './types';

/** "2026-11-26" in local time: the day the person sees on their calendar. */
export function isoDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export const ENCRYPTED_EXT = '.cxf.age';
export const PLAIN_EXT = '.json';

/** latchkey-export-YYYY-MM-DD.cxf.age (encrypted) or .json (clear). */
export function exportFileName(d: Date, encrypted: boolean): string {
  return `latchkey-export-${isoDay(d)}${encrypted ? ENCRYPTED_EXT : PLAIN_EXT}`;
}

/** `folder` + `name` with one separator (folder may end with / or \). */
export function joinPath(folder: string, name: string): string {
  if (!folder) return name;
  const sep = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
  return folder.endsWith('/') || folder.endsWith('\\') ? folder + name : folder + sep + name;
}

/**
 * Switching between encrypted and clear: a path that still ends the way the other choice
 * names files gets this choice's ending; a name the person typed is left alone.
 */
export function swapExportExtension(path: string, encrypted: boolean): string {
  if (encrypted && path.endsWith(PLAIN_EXT) && !path.endsWith(ENCRYPTED_EXT)) return path.slice(0, -PLAIN_EXT.length) + ENCRYPTED_EXT;
  if (!encrypted && path.endsWith(ENCRYPTED_EXT)) return path.slice(0, -ENCRYPTED_EXT.length) + PLAIN_EXT;
  return path;
}

/** latchkey-recovery-kit-<first 8 of the vault id>.html */
export function kitFileName(vaultId: string): string {
  const prefix = vaultId.replace(/[^A-Za-z0-9]/g, '').slice(0, 8) || 'vault';
  return `latchkey-recovery-kit-${prefix}.html`;
}

export type Strength = { level: 'empty' | 'weak' | 'fair' | 'strong'; hint: string };

/**
 * A rough strength estimate (bits ≈ length × log2 of the alphabets used, less for repeats and
 * runs). The export file is encrypted with age's scrypt, which slows guessing but cannot save
 * a short or common passphrase.
 */
export function passphraseStrength(p: string): Strength {
  if (p.length === 0) return { level: 'empty', hint: 'Choose a passphrase: the file is useless without it.' };
  let alphabet = 0;
  if (/[a-z]/.test(p)) alphabet += 26;
  if (/[A-Z]/.test(p)) alphabet += 26;
  if (/[0-9]/.test(p)) alphabet += 10;
  if (/[^A-Za-z0-9]/.test(p)) alphabet += 33;
  // Count characters that add something: not a repeat or a step of the one before.
  let useful = 0;
  for (let i = 0; i < p.length; i++) {
    const d = i === 0 ? NaN : p.charCodeAt(i) - p.charCodeAt(i - 1);
    if (i === 0 || (d !== 0 && d !== 1 && d !== -1)) useful += 1;
    else useful += 0.25;
  }
  const distinct = new Set(p).size;
  const bits = Math.min(useful, distinct * 2) * Math.log2(Math.max(alphabet, 2));
  if (bits < 45) return { level: 'weak', hint: 'Weak: anyone who gets the file could guess it. Use four or more unrelated words, or 12+ mixed characters.' };
  if (bits < 80) return { level: 'fair', hint: 'Fair: longer is safer. A few more words make it much harder to guess.' };
  return { level: 'strong', hint: 'Strong. Keep it somewhere other than the file itself.' };
}

/** Why Export cannot run yet, or null when it can. */
export function exportBlocker(opts: { encrypted: boolean; passphrase: string; repeat: string; path: string; plainConfirmed: boolean; count: number }): string | null {
  if (opts.count === 0) return 'There are no passkeys to export.';
  if (opts.path.trim() === '') return 'Choose where to save the file.';
  if (opts.encrypted) {
    if (opts.passphrase.length === 0) return 'Type a passphrase.';
    if (opts.passphrase !== opts.repeat) return 'The two passphrases are not the same.';
  } else if (!opts.plainConfirmed) return 'Confirm that you want a file without encryption.';
  return null;
}

export type Site = { rpId: string; count: number };

/** The sites in the list, A→Z, with how many passkeys each has. */
export function sitesOf(passkeys: readonly Passkey[]): Site[] {
  const counts = new Map<string, number>();
  for (const p of passkeys) counts.set(p.rpId, (counts.get(p.rpId) ?? 0) + 1);
  return [...counts.entries()].map(([rpId, count]) => ({ rpId, count })).sort((a, b) => a.rpId.localeCompare(b.rpId));
}

/** How many passkeys an export of `chosen` (empty: all) writes. */
export function exportCount(sites: readonly Site[], chosen: ReadonlySet<string>): number {
  return sites.filter((s) => chosen.size === 0 || chosen.has(s.rpId)).reduce((n, s) => n + s.count, 0);
}

export function plural(n: number, one: string, many = one + 's'): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** "Item 4 (example.com / alice): the key does not parse" */
export function problemText(p: ItemProblem): string {
  const item = p.item.trim();
  return `Item ${p.index}${item ? ` (${item})` : ''}: ${p.reason}`;
}

/** The preview's headline numbers as separate phrases. */
export function previewFacts(p: ImportPreview): string[] {
  const facts = [plural(p.total, 'passkey')];
  if (p.duplicates) facts.push(`${p.duplicates.toLocaleString('en-US')} already here`);
  if (p.problems.length) facts.push(plural(p.problems.length, 'with a problem', 'with problems'));
  if (p.ignored) facts.push(`${p.ignored.toLocaleString('en-US')} other ${p.ignored === 1 ? 'item' : 'items'} ignored`);
  return facts;
}

/** How many the Import button would add. */
export function willAdd(p: ImportPreview, skipBad: boolean): number {
  return skipBad || p.problems.length === 0 ? p.new : 0;
}

/** What the Import button says, or why it cannot run. */
export function importBlocker(p: ImportPreview, skipBad: boolean): string | null {
  if (p.problems.length > 0 && !skipBad)
    return `${plural(p.problems.length, 'item has a problem', 'items have problems')}: nothing is imported unless you skip ${p.problems.length === 1 ? 'it' : 'them'}.`;
  if (p.new === 0) return p.total === 0 ? 'The file holds no passkeys.' : 'Every passkey in the file is already here.';
  return null;
}

/** 0..1 for the progress bar. */
export function progressFraction(p: ImportProgress | null): number {
  if (!p || p.total <= 0) return 0;
  return Math.min(1, Math.max(0, p.done / p.total));
}

export function progressLabel(p: ImportProgress | null): string {
  if (!p) return 'Starting…';
  const verb = p.stage === 'reading' ? 'Reading' : 'Adding';
  return p.total > 0 ? `${verb} ${p.done.toLocaleString('en-US')} of ${plural(p.total, 'passkey')}…` : `${verb}…`;
}

/** "Added 12 passkeys from export.json. 3 were already here. 1 skipped:" */
export function summaryText(s: ImportSummary): string {
  const parts = [`Added ${plural(s.added, 'passkey')} from ${s.fileName}.`];
  if (s.duplicates) parts.push(`${plural(s.duplicates, 'was', 'were')} already here, not added again.`);
  if (s.skipped.length) parts.push(`${s.skipped.length.toLocaleString('en-US')} skipped:`);
  return parts.join(' ');
}

/** Recovery key symbols typed so far (spaces, dashes and case do not matter). */
export function recoveryKeySymbols(typed: string): string {
  return typed.replace(/[\s-]/g, '').toUpperCase();
}

/** A recovery key has 26 key symbols and 4 check symbols. */
export const RECOVERY_KEY_SYMBOLS = 30;

/** A hint while typing the recovery key, or null when the length is right. */
export function recoveryKeyHint(typed: string): string | null {
  const n = recoveryKeySymbols(typed).length;
  if (n === 0 || n === RECOVERY_KEY_SYMBOLS) return null;
  return n < RECOVERY_KEY_SYMBOLS
    ? `${RECOVERY_KEY_SYMBOLS - n} more ${RECOVERY_KEY_SYMBOLS - n === 1 ? 'character' : 'characters'} to go (the key has ${RECOVERY_KEY_SYMBOLS}).`
    : `That is ${n - RECOVERY_KEY_SYMBOLS} ${n - RECOVERY_KEY_SYMBOLS === 1 ? 'character' : 'characters'} too many (the key has ${RECOVERY_KEY_SYMBOLS}).`;
}

/** The key in its groups, for large monospace display. */
export function keyGroups(key: string): string[] {
  const groups = key.split('-').filter((g) => g.length > 0);
  if (groups.length > 1) return groups;
  return recoveryKeySymbols(key).match(/.{1,5}/g) ?? [];
}
