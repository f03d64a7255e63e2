import { describe, expect, it } from 'vitest';
import { canOpen, linkFromDrop, linkFromText, MAX_INPUT_CHARS, openNeed, verdictTitle, verdictTone } from '../src/lib/links';
import type { LinkVerdict } from '../src/lib/types';

const ALL: LinkVerdict[] = ['trusted', 'unknown-site', 'lookalike', 'refused', 'already-used', 'expired'];

describe('linkFromText / linkFromDrop', () => {
  it('trims, takes the first real line of a URI list, and caps the length', () => {
    expect(linkFromText('  https://example.com/l/a \n')).toBe('https://example.com/l/a');
    expect(linkFromText('# from the mail\r\nhttps://a.example/x\r\nhttps://b.example/y')).toBe('https://a.example/x');
    expect(linkFromText('   ')).toBe('');
    expect(linkFromText('https://a.example/' + 'x'.repeat(10_000))).toHaveLength(MAX_INPUT_CHARS);
  });

  it('prefers text/uri-list over text/plain in a drop', () => {
    const data = (m: Record<string, string>) => ({ getData: (t: string) => m[t] ?? '' });
    expect(linkFromDrop(data({ 'text/uri-list': 'https://a.example/u', 'text/plain': 'https://b.example/p' }))).toBe('https://a.example/u');
    expect(linkFromDrop(data({ 'text/plain': ' https://b.example/p ' }))).toBe('https://b.example/p');
    expect(linkFromDrop(null)).toBe('');
  });
});

describe('what opening needs', () => {
  it('mirrors the app: trusted opens, unknown needs a confirmation, a lookalike an override, the rest never', () => {
    expect(ALL.map(openNeed)).toEqual(['none', 'confirm', 'override', 'never', 'never', 'never']);
    const r = (verdict: LinkVerdict, url: string | null = 'https://x.example/') => ({ verdict, url });
    expect(canOpen(r('trusted'), false, false)).toBe(true);
    expect(canOpen(r('unknown-site'), false, false)).toBe(false);
    expect(canOpen(r('unknown-site'), true, false)).toBe(true);
    expect(canOpen(r('lookalike'), true, false)).toBe(false);
    expect(canOpen(r('lookalike'), false, true)).toBe(true);
    for (const v of ['refused', 'already-used', 'expired'] as LinkVerdict[]) {
      expect(canOpen(r(v), true, true)).toBe(false);
    }
    expect(canOpen(r('trusted', null), true, true)).toBe(false);
    expect(canOpen(null, true, true)).toBe(false);
  });

  it('every verdict has a title and only trusted is green', () => {
    for (const v of ALL) expect(verdictTitle(v).length).toBeGreaterThan(3);
    expect(ALL.filter((v) => verdictTone(v) === 'good')).toEqual(['trusted']);
    expect(verdictTone('lookalike')).toBe('danger');
  });
});
