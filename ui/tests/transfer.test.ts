import { describe, expect, it } from 'vitest';
import {
  exportBlocker,
  exportCount,
  exportFileName,
  importBlocker,
  isoDay,
  joinPath,
  keyGroups,
  kitFileName,
  passphraseStrength,
  previewFacts,
  problemText,
  progressFraction,
  progressLabel,
  recoveryKeyHint,
  recoveryKeySymbols,
  sitesOf,
  summaryText,
  swapExportExtension,
  willAdd,
} from '../src/lib/transfer';
import type { ImportPreview } from '../src/lib/types';
import { passkey } from './fixtures';

const preview = (over: Partial<ImportPreview> = {}): ImportPreview => ({
  token: 't',
  fileName: 'export.json',
  format: 'Bitwarden JSON',
  total: 5,
  new: 3,
  duplicates: 1,
  ignored: 2,
  problems: [{ index: 4, item: 'bad.example', reason: 'the private key does not parse' }],
  items: [],
  ...over,
});

describe('file names and paths', () => {
  const day = new Date(2026, 10, 6, 23, 59);
  it('uses the local calendar day', () => {
    expect(isoDay(day)).toBe('2026-11-06');
    expect(exportFileName(day, true)).toBe('latchkey-export-2026-11-06.cxf.age');
    expect(exportFileName(day, false)).toBe('latchkey-export-2026-11-06.json');
  });
  it('joins with one separator', () => {
    expect(joinPath('/home/a/Downloads', 'x.json')).toBe('/home/a/Downloads/x.json');
    expect(joinPath('/home/a/Downloads/', 'x.json')).toBe('/home/a/Downloads/x.json');
    expect(joinPath('C:\\Users\\a', 'x.json')).toBe('C:\\Users\\a\\x.json');
    expect(joinPath('', 'x.json')).toBe('x.json');
  });
  it('swaps only the default endings', () => {
    expect(swapExportExtension('/d/latchkey-export-1.cxf.age', false)).toBe('/d/latchkey-export-1.json');
    expect(swapExportExtension('/d/latchkey-export-1.json', true)).toBe('/d/latchkey-export-1.cxf.age');
    expect(swapExportExtension('/d/mine.txt', true)).toBe('/d/mine.txt');
    expect(swapExportExtension('/d/a.cxf.age', true)).toBe('/d/a.cxf.age');
  });
  it('names the kit after the vault id prefix', () => {
    expect(kitFileName('2e74377bf1cae407274908305e5d9310')).toBe('latchkey-recovery-kit-2e74377b.html');
    expect(kitFileName('../../x')).toBe('latchkey-recovery-kit-x.html');
    expect(kitFileName('')).toBe('latchkey-recovery-kit-vault.html');
  });
});

describe('passphrase strength', () => {
  it.each([
    ['', 'empty'],
    ['hunter2', 'weak'],
    ['aaaaaaaaaaaaaaaaaaaaaaaa', 'weak'],
    ['abcdefghijklmnop', 'weak'],
    ['Tr0ub4dor&3x', 'fair'],
    ['correct horse battery staple', 'strong'],
  ])('%s -> %s', (p, level) => {
    expect(passphraseStrength(p).level).toBe(level);
  });
});

describe('export', () => {
  const sites = sitesOf([
    passkey({ id: '1', rpId: 'b.example' }),
    passkey({ id: '2', rpId: 'a.example' }),
    passkey({ id: '3', rpId: 'b.example' }),
  ]);
  it('lists sites A→Z with counts', () => {
    expect(sites).toEqual([
      { rpId: 'a.example', count: 1 },
      { rpId: 'b.example', count: 2 },
    ]);
  });
  it('counts all or the chosen sites', () => {
    expect(exportCount(sites, new Set())).toBe(3);
    expect(exportCount(sites, new Set(['b.example']))).toBe(2);
  });
  const ok = { encrypted: true, passphrase: 'p', repeat: 'p', path: '/x', plainConfirmed: false, count: 1 };
  it('says why Export cannot run', () => {
    expect(exportBlocker(ok)).toBeNull();
    expect(exportBlocker({ ...ok, count: 0 })).toMatch(/no passkeys/);
    expect(exportBlocker({ ...ok, path: ' ' })).toMatch(/where/);
    expect(exportBlocker({ ...ok, passphrase: '' })).toMatch(/Type a passphrase/);
    expect(exportBlocker({ ...ok, repeat: 'q' })).toMatch(/not the same/);
    expect(exportBlocker({ ...ok, encrypted: false, passphrase: '' })).toMatch(/without encryption/);
    expect(exportBlocker({ ...ok, encrypted: false, passphrase: '', plainConfirmed: true })).toBeNull();
  });
});

describe('import words', () => {
  it('states the preview facts', () => {
    expect(previewFacts(preview())).toEqual(['5 passkeys', '1 already here', '1 with a problem', '2 other items ignored']);
    expect(previewFacts(preview({ total: 1, duplicates: 0, problems: [], ignored: 0 }))).toEqual(['1 passkey']);
  });
  it('refuses a file with problems unless they are skipped', () => {
    expect(importBlocker(preview(), false)).toMatch(/1 item has a problem: nothing is imported unless you skip it/);
    expect(willAdd(preview(), false)).toBe(0);
    expect(importBlocker(preview(), true)).toBeNull();
    expect(willAdd(preview(), true)).toBe(3);
    expect(importBlocker(preview({ new: 0, problems: [] }), false)).toMatch(/already here/);
    expect(importBlocker(preview({ new: 0, total: 0, problems: [] }), false)).toMatch(/no passkeys/);
  });
  it('names the item and the reason', () => {
    expect(problemText({ index: 4, item: 'bad.example', reason: 'no key' })).toBe('Item 4 (bad.example): no key');
    expect(problemText({ index: 9, item: ' ', reason: 'no key' })).toBe('Item 9: no key');
  });
  it('reports progress', () => {
    expect(progressFraction(null)).toBe(0);
    expect(progressFraction({ stage: 'adding', done: 5, total: 10 })).toBe(0.5);
    expect(progressFraction({ stage: 'adding', done: 50, total: 10 })).toBe(1);
    expect(progressLabel({ stage: 'adding', done: 1500, total: 100000 })).toBe('Adding 1,500 of 100,000 passkeys…');
    expect(progressLabel({ stage: 'reading', done: 0, total: 0 })).toBe('Reading…');
  });
  it('sums up', () => {
    expect(summaryText({ fileName: 'a.json', added: 3, duplicates: 1, skipped: [{ index: 1, item: 'x', reason: 'y' }] })).toBe(
      'Added 3 passkeys from a.json. 1 was already here, not added again. 1 skipped:',
    );
    expect(summaryText({ fileName: 'a.json', added: 1, duplicates: 0, skipped: [] })).toBe('Added 1 passkey from a.json.');
  });
});

describe('recovery key as typed', () => {
  const key = 'ABCDE-FGHJK-MNPQR-STVWX-YZ012-34567';
  it('ignores spaces, dashes and case', () => {
    expect(recoveryKeySymbols(' abcde fghjk-mnpqr\tstvwx yz012 34567 ')).toBe('ABCDEFGHJKMNPQRSTVWXYZ01234567');
  });
  it('hints at the length', () => {
    expect(recoveryKeyHint('')).toBeNull();
    expect(recoveryKeyHint(key)).toBeNull();
    expect(recoveryKeyHint('ABCDE')).toBe('25 more characters to go (the key has 30).');
    expect(recoveryKeyHint(key + 'Z')).toBe('That is 1 character too many (the key has 30).');
  });
  it('shows the key in its groups', () => {
    expect(keyGroups(key)).toEqual(['ABCDE', 'FGHJK', 'MNPQR', 'STVWX', 'YZ012', '34567']);
    expect(keyGroups('abcdefghij')).toEqual(['ABCDE', 'FGHIJ']);
  });
});
