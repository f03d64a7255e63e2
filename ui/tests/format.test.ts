import { describe, expect, it } from 'vitest';
import {
  absoluteTime,
  algorithmLabel,
  backupLabel,
  codeSpans,
  dayLabel,
  groupByDay,
  lastUsedLabel,
  minutesLabel,
  relativeTime,
  shortId,
  timeOfDay,
  useCountLabel,
} from '../src/lib/format';

const NOW_S = 1_750_000_000;
const NOW = NOW_S * 1000;
const ago = (s: number) => NOW_S - s;
const MIN = 60;
const HOUR = 3600;
const DAY = 86400;

describe('relativeTime', () => {
  it.each([
    [0, 'just now'],
    [44, 'just now'],
    [-300, 'just now'], // clock skew: future
    [45, '1 minute ago'],
    [89, '1 minute ago'],
    [90, '2 minutes ago'],
    [5 * MIN, '5 minutes ago'],
    [44 * MIN, '44 minutes ago'],
    [45 * MIN, '1 hour ago'],
    [89 * MIN, '1 hour ago'],
    [90 * MIN, '2 hours ago'],
    [21 * HOUR, '21 hours ago'],
    [22 * HOUR, 'yesterday'],
    [35 * HOUR, 'yesterday'],
    [36 * HOUR, '2 days ago'],
    [6 * DAY, '6 days ago'],
    [7 * DAY, '1 week ago'],
    [20 * DAY, '3 weeks ago'],
    [29 * DAY, '4 weeks ago'],
    [30 * DAY, '1 month ago'],
    [75 * DAY, '2 months ago'],
    [340 * DAY, '11 months ago'],
    [360 * DAY, '1 year ago'],
    [365 * DAY, '1 year ago'],
    [800 * DAY, '2 years ago'],
  ])('%i seconds ago -> %s', (secs, text) => {
    expect(relativeTime(ago(secs), NOW)).toBe(text);
  });
});

describe('lastUsedLabel', () => {
  it('says never used for null', () => {
    expect(lastUsedLabel(null, NOW)).toBe('Never used');
  });
  it('prefixes the relative time', () => {
    expect(lastUsedLabel(ago(3 * HOUR), NOW)).toBe('Last used 3 hours ago');
  });
});

describe('shortId', () => {
  it('keeps the first 8 and last 4 characters', () => {
    expect(shortId('ABCDEFGHijklmnopQRSTuvwxyz012345')).toBe('ABCDEFGH…2345');
  });
  it('leaves short ids alone', () => {
    expect(shortId('abc')).toBe('abc');
    expect(shortId('1234567890123')).toBe('1234567890123');
    expect(shortId('12345678901234')).toBe('12345678…1234');
  });
});

describe('labels', () => {
  it('algorithmLabel names known algorithms', () => {
    expect(algorithmLabel('ES256')).toBe('ES256 (ECDSA P-256)');
    expect(algorithmLabel('EdDSA')).toBe('EdDSA (Ed25519)');
    expect(algorithmLabel('RS256')).toBe('RS256 (RSA)');
    expect(algorithmLabel('ES512')).toBe('ES512');
  });
  it('backupLabel', () => {
    expect(backupLabel(true, true)).toBe('Backed up');
    expect(backupLabel(true, false)).toBe('Can be backed up, not backed up yet');
    expect(backupLabel(false, false)).toBe('Stays on this device only');
  });
  it('useCountLabel', () => {
    expect(useCountLabel(0)).toBe('Never used');
    expect(useCountLabel(1)).toBe('Used once');
    expect(useCountLabel(2)).toBe('Used twice');
    expect(useCountLabel(1234)).toBe('Used 1,234 times');
  });
  it('minutesLabel', () => {
    expect(minutesLabel(1)).toBe('1 minute');
    expect(minutesLabel(15)).toBe('15 minutes');
    expect(minutesLabel(60)).toBe('1 hour');
    expect(minutesLabel(120)).toBe('2 hours');
    expect(minutesLabel(90)).toBe('90 minutes');
  });
});

describe('days', () => {
  // Build times from local dates so the tests pass in any time zone.
  const local = (y: number, m: number, d: number, h = 12) => new Date(y, m - 1, d, h).getTime();
  const now = local(2025, 6, 15, 10);
  const s = (ms: number) => Math.floor(ms / 1000);

  it('dayLabel says Today / Yesterday / a date', () => {
    expect(dayLabel(s(local(2025, 6, 15, 0)), now, 'en-US')).toBe('Today');
    expect(dayLabel(s(local(2025, 6, 14, 23)), now, 'en-US')).toBe('Yesterday');
    expect(dayLabel(s(local(2025, 6, 10)), now, 'en-US')).toBe('Tuesday, June 10');
    expect(dayLabel(s(local(2024, 12, 31)), now, 'en-US')).toBe('Tuesday, December 31, 2024');
  });

  it('groupByDay keeps order and merges consecutive days', () => {
    const items = [
      { time: s(local(2025, 6, 15, 9)), n: 1 },
      { time: s(local(2025, 6, 15, 8)), n: 2 },
      { time: s(local(2025, 6, 14, 8)), n: 3 },
      { time: s(local(2025, 6, 1, 8)), n: 4 },
    ];
    const groups = groupByDay(items, now, 'en-US');
    expect(groups.map((g) => [g.label, g.items.map((i) => i.n)])).toEqual([
      ['Today', [1, 2]],
      ['Yesterday', [3]],
      ['Sunday, June 1', [4]],
    ]);
  });

  it('absoluteTime and timeOfDay format local time', () => {
    const t = s(local(2025, 3, 4, 14) + 7 * 60_000);
    // ICU may put a narrow no-break space before AM/PM.
    const norm = (x: string) => x.replace(/\s/g, ' ');
    expect(norm(absoluteTime(t, 'en-US'))).toBe('Mar 4, 2025, 2:07 PM');
    expect(norm(timeOfDay(t, 'en-US'))).toBe('2:07 PM');
  });
});

describe('codeSpans', () => {
  it('marks what stands between backticks as code', () => {
    expect(codeSpans('load it with `sudo modprobe uhid` (at boot)')).toEqual([
      { text: 'load it with ', code: false },
      { text: 'sudo modprobe uhid', code: true },
      { text: ' (at boot)', code: false },
    ]);
  });
  it('leaves a message without a pair of backticks as text', () => {
    expect(codeSpans('no module')).toEqual([{ text: 'no module', code: false }]);
    expect(codeSpans('one ` only')).toEqual([{ text: 'one ` only', code: false }]);
    expect(codeSpans('`a` and `b`')).toEqual([
      { text: 'a', code: true },
      { text: ' and ', code: false },
      { text: 'b', code: true },
    ]);
  });
});
