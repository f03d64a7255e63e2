import { describe, expect, it } from 'vitest';
import {
  accountName,
  buildSearchIndex,
  comparePasskeys,
  searchIndex,
  searchKey,
  countLabel,
  filterPasskeys,
  flatIds,
  groupBySite,
  hasAccountName,
  matchesQuery,
  monogram,
  queryTokens,
  resultLabel,
  showsRpId,
  siteHue,
  siteName,
  sortIntoGroups,
  sortPasskeys,
  HUES,
} from '../src/lib/passkeys';
import { passkey } from './fixtures';
import type { Passkey } from '../src/lib/types';

const gh1 = passkey({ id: 'gh1', rpId: 'github.com', rpName: 'GitHub', userName: 'zed', userDisplayName: 'Zed Z' });
const gh2 = passkey({ id: 'gh2', rpId: 'github.com', rpName: 'GitHub', userName: 'alice', nickname: 'Work laptop' });
const ex = passkey({ id: 'ex', rpId: 'example.com', rpName: null, userName: null, userDisplayName: 'Bob Builder' });
const goo = passkey({ id: 'goo', rpId: 'google.com', rpName: 'Google', userName: 'carol@gmail.com' });
const bank = passkey({ id: 'bank', rpId: 'id.bank.example', rpName: 'Acme Bank', userName: '1234' });
const all = [gh1, ex, goo, gh2, bank];

describe('names', () => {
  it('accountName prefers userName, then display name, then a placeholder', () => {
    expect(accountName({ userName: 'alice', userDisplayName: 'Alice' })).toBe('alice');
    expect(accountName({ userName: null, userDisplayName: 'Alice' })).toBe('Alice');
    expect(accountName({ userName: '  ', userDisplayName: ' Alice ' })).toBe('Alice');
    expect(accountName({ userName: null, userDisplayName: null })).toBe('Unnamed account');
    expect(hasAccountName({ userName: null, userDisplayName: '' })).toBe(false);
    expect(hasAccountName({ userName: 'x', userDisplayName: null })).toBe(true);
  });

  it('siteName uses rpName, falling back to rpId', () => {
    expect(siteName({ rpId: 'github.com', rpName: 'GitHub' })).toBe('GitHub');
    expect(siteName({ rpId: 'example.com', rpName: null })).toBe('example.com');
    expect(siteName({ rpId: 'example.com', rpName: '   ' })).toBe('example.com');
  });

  it('showsRpId only when the name differs from the rpId', () => {
    expect(showsRpId({ rpId: 'github.com', rpName: 'GitHub' })).toBe(true);
    expect(showsRpId({ rpId: 'webauthn.io', rpName: 'WebAuthn.io' })).toBe(false);
    expect(showsRpId({ rpId: 'example.com', rpName: null })).toBe(false);
  });

  it('monogram takes the first letter or digit, skipping www.', () => {
    expect(monogram({ rpId: 'github.com', rpName: 'GitHub' })).toBe('G');
    expect(monogram({ rpId: 'www.example.com', rpName: null })).toBe('E');
    expect(monogram({ rpId: 'x.com', rpName: '"quoted"' })).toBe('Q');
    expect(monogram({ rpId: '---', rpName: null })).toBe('?');
  });

  it('siteHue is stable and in range', () => {
    expect(siteHue('github.com')).toBe(siteHue('github.com'));
    for (const id of ['a', 'github.com', 'google.com', 'x'.repeat(300)]) {
      const h = siteHue(id);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(HUES);
    }
  });
});

describe('sorting and grouping', () => {
  it('sorts by site name (case-insensitive), then account', () => {
    expect(sortPasskeys(all).map((p) => p.id)).toEqual(['bank', 'ex', 'gh2', 'gh1', 'goo']);
  });

  it('does not mutate its input', () => {
    const copy = [...all];
    sortPasskeys(all);
    expect(all).toEqual(copy);
  });

  it('sorts accounts numerically and then by creation time', () => {
    const a = passkey({ id: 'a', userName: 'user10', createdAt: 5 });
    const b = passkey({ id: 'b', userName: 'user9', createdAt: 5 });
    const c = passkey({ id: 'c', userName: 'user9', createdAt: 1 });
    expect(sortPasskeys([a, b, c]).map((p) => p.id)).toEqual(['c', 'b', 'a']);
  });

  it('groups by rpId with title and small rpId when the name differs', () => {
    const groups = groupBySite(sortPasskeys(all));
    expect(groups.map((g) => [g.key, g.title, g.subtitle, g.items.map((p) => p.id)])).toEqual([
      ['id.bank.example', 'Acme Bank', 'id.bank.example', ['bank']],
      ['example.com', 'example.com', null, ['ex']],
      ['github.com', 'GitHub', 'github.com', ['gh2', 'gh1']],
      ['google.com', 'Google', 'google.com', ['goo']],
    ]);
  });

  it('keeps two rpIds with the same name apart', () => {
    const a = passkey({ id: 'a', rpId: 'a.example', rpName: 'Same' });
    const b = passkey({ id: 'b', rpId: 'b.example', rpName: 'Same' });
    const groups = groupBySite(sortPasskeys([b, a]));
    expect(groups.map((g) => g.key)).toEqual(['a.example', 'b.example']);
  });

  it('sortIntoGroups gives exactly the groups of the flat sort, on awkward lists', () => {
    // A small deterministic generator: names that tie under the collator (case, accents),
    // numbers that sort numerically, one rpId under several rpNames, missing names.
    let seed = 7;
    const pick = <T>(xs: readonly T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return xs[seed % xs.length];
    };
    const rpIds = ['a.example', 'A.example', 'b.example', 'site2.example', 'site10.example', 'é.example'];
    const rpNames = [null, '', 'Same', 'same', 'Émile', 'Emile', 'Site 9', 'Site 10', '\u200b'];
    const users = [null, 'alice', 'Alice', 'user9', 'user10', 'bob'];
    for (let round = 0; round < 20; round++) {
      const list = Array.from({ length: 60 }, (_, i) =>
        passkey({
          id: `id${round}-${i}`,
          rpId: pick(rpIds),
          rpName: pick(rpNames),
          userName: pick(users),
          userDisplayName: pick(users),
          nickname: pick([null, 'work', 'Work', 'home']),
          createdAt: pick([1, 2, 3]),
        }),
      );
      const expected = groupBySite(sortPasskeys(list));
      const actual = sortIntoGroups(list);
      expect(actual.map((g) => [g.key, g.title, g.subtitle, g.items.map((p) => p.id)])).toEqual(
        expected.map((g) => [g.key, g.title, g.subtitle, g.items.map((p) => p.id)]),
      );
    }
  });

  it('flatIds gives the display order without headers', () => {
    expect(flatIds(groupBySite(sortPasskeys(all)))).toEqual(['bank', 'ex', 'gh2', 'gh1', 'goo']);
  });
});

describe('search', () => {
  it('splits the query into lower-case words', () => {
    expect(queryTokens('  Alice   GIT ')).toEqual(['alice', 'git']);
    expect(queryTokens('   ')).toEqual([]);
  });

  it('matches site, account, display name and nickname, ignoring case', () => {
    expect(matchesQuery(gh1, 'GITHUB.com')).toBe(true); // rpId
    expect(matchesQuery(bank, 'acme')).toBe(true); // rpName
    expect(matchesQuery(goo, 'CAROL')).toBe(true); // userName
    expect(matchesQuery(ex, 'builder')).toBe(true); // displayName
    expect(matchesQuery(gh2, 'laptop')).toBe(true); // nickname
    expect(matchesQuery(gh2, 'carol')).toBe(false);
  });

  it('requires every word to match somewhere', () => {
    expect(matchesQuery(gh2, 'alice git')).toBe(true);
    expect(matchesQuery(gh1, 'alice git')).toBe(false);
  });

  it('an empty query matches everything, sorted', () => {
    expect(filterPasskeys(all, '').map((p) => p.id)).toEqual(['bank', 'ex', 'gh2', 'gh1', 'goo']);
  });

  it('filters and sorts', () => {
    expect(filterPasskeys(all, 'g').map((p) => p.id)).toEqual(['gh2', 'gh1', 'goo']);
    expect(filterPasskeys(all, 'nothing-like-this')).toEqual([]);
  });

  it('does not match on fields it should not search (algorithm, id)', () => {
    expect(filterPasskeys(all, 'es256')).toEqual([]);
    expect(filterPasskeys(all, 'gh1')).toEqual([]);
  });
});

describe('precomputed search', () => {
  const index = buildSearchIndex(all);
  const ids = (q: string) => searchIndex(index, q).ids;
  /** The old per-keystroke path: filter, sort, group, flatten. */
  const oldIds = (list: Passkey[], q: string) => flatIds(groupBySite(filterPasskeys(list, q)));

  it('sortPasskeys (decorated) gives the same order as comparePasskeys', () => {
    const many = Array.from({ length: 200 }, (_, i) =>
      passkey({
        id: `p${(i * 37) % 200}`,
        rpId: `s${i % 7}.example`,
        rpName: i % 3 ? `Site ${i % 5}` : null,
        userName: i % 4 ? `user${i % 11}` : null,
        userDisplayName: i % 5 ? `User ${i % 13}` : null,
        nickname: i % 6 ? null : ` Key ${i % 3} `,
        createdAt: i % 9,
      }),
    );
    expect(sortPasskeys(many)).toEqual([...many].sort(comparePasskeys));
  });

  it('builds one lower-case key per passkey from the searched fields only', () => {
    expect(searchKey(gh2)).toBe('github.com\ngithub\nalice\nalice\nwork laptop');
    expect(searchKey(ex)).toBe('example.com\nbob builder');
    expect(index.keys).toHaveLength(all.length);
    expect(index.keys.every((k, i) => k === searchKey(index.passkeys[i]))).toBe(true);
  });

  it('keeps the display order and groups of the full list', () => {
    expect(index.passkeys.map((p) => p.id)).toEqual(['bank', 'ex', 'gh2', 'gh1', 'goo']);
    expect(index.groups.map((g) => g.key)).toEqual(['id.bank.example', 'example.com', 'github.com', 'google.com']);
    expect(Array.from(index.groupOf)).toEqual([0, 1, 2, 2, 3]);
  });

  it('an empty or blank query returns the cached full result', () => {
    expect(searchIndex(index, '')).toBe(index.all);
    expect(searchIndex(index, '   ')).toBe(index.all);
    expect(index.all.ids).toEqual(['bank', 'ex', 'gh2', 'gh1', 'goo']);
    expect(index.all.groups.map((g) => [g.key, g.title, g.subtitle, g.start, g.end])).toEqual([
      ['id.bank.example', 'Acme Bank', 'id.bank.example', 0, 1],
      ['example.com', 'example.com', null, 1, 2],
      ['github.com', 'GitHub', 'github.com', 2, 4],
      ['google.com', 'Google', 'google.com', 4, 5],
    ]);
  });

  it('matches like matchesQuery: every word, any field, any case', () => {
    expect(ids('GITHUB.com')).toEqual(['gh2', 'gh1']);
    expect(ids('acme')).toEqual(['bank']);
    expect(ids('laptop')).toEqual(['gh2']);
    expect(ids('alice git')).toEqual(['gh2']);
    expect(ids('bob carol')).toEqual([]);
    expect(ids('es256')).toEqual([]); // algorithm is not searched
    expect(ids('gh1')).toEqual([]); // nor the id
  });

  it('a word never matches across two fields', () => {
    // "github\nalice" would only exist across the rpName/userName boundary
    expect(ids('githubalice')).toEqual([]);
    expect(ids('com github')).toEqual(['gh2', 'gh1']);
  });

  it('groups the result with row ranges, headers taken from the full list', () => {
    const r = searchIndex(index, 'g');
    expect(r.rows.map((p) => p.id)).toEqual(['gh2', 'gh1', 'goo']);
    expect(r.groups.map((g) => [g.key, g.start, g.end])).toEqual([
      ['github.com', 0, 2],
      ['google.com', 2, 3],
    ]);
    const none = searchIndex(index, 'zzz');
    expect(none).toEqual({ rows: [], ids: [], groups: [] });
  });

  it('agrees with filter + sort + group on a larger list for many queries', () => {
    const list = Array.from({ length: 300 }, (_, i) =>
      passkey({
        id: `k${i}`,
        rpId: `site${i % 23}.example`,
        rpName: (i % 23) % 3 ? `Site ${i % 23}` : null,
        userName: `user${i % 17}@mail.test`,
        userDisplayName: i % 2 ? `Ünïcode ${i % 5}` : null,
        nickname: i % 7 ? null : `Key ${i}`,
      }),
    );
    const idx = buildSearchIndex(list);
    for (const q of ['', 's', 'site1', 'site12', 'SITE 3', 'user1 site2', 'ünï', 'key 1', 'mail.test', '@', 'nope']) {
      expect(searchIndex(idx, q).ids).toEqual(oldIds(list, q));
    }
  });

  it('one rpId under two names stays one group, placed and titled as in the full list', () => {
    // "Zeta" sorts after "Alpha", so the first b.example passkey in order names the group.
    const z = passkey({ id: 'z', rpId: 'b.example', rpName: 'Zeta', userName: 'zed' });
    const a = passkey({ id: 'a', rpId: 'a.example', rpName: 'Beta', userName: 'amy' });
    const b = passkey({ id: 'b', rpId: 'b.example', rpName: 'Alpha', userName: 'bob' });
    const idx = buildSearchIndex([z, a, b]);
    expect(idx.all.groups.map((g) => [g.key, g.title, g.start, g.end])).toEqual([
      ['b.example', 'Alpha', 0, 2],
      ['a.example', 'Beta', 2, 3],
    ]);
    // While searching, the group keeps its place and title from the full list.
    const r = searchIndex(idx, 'z');
    expect(r.groups.map((g) => [g.key, g.title])).toEqual([['b.example', 'Alpha']]);
    expect(searchIndex(idx, 'e').ids).toEqual(['b', 'z', 'a']);
  });
});

describe('labels', () => {
  it('countLabel', () => {
    expect(countLabel(0)).toBe('No passkeys');
    expect(countLabel(1)).toBe('1 passkey');
    expect(countLabel(12)).toBe('12 passkeys');
  });

  it('resultLabel shows "x of y" only while searching', () => {
    expect(resultLabel(5, 5, '')).toBe('5 passkeys');
    expect(resultLabel(5, 5, '   ')).toBe('5 passkeys');
    expect(resultLabel(2, 14, 'git')).toBe('2 of 14 passkeys');
    expect(resultLabel(0, 1, 'x')).toBe('0 of 1 passkey');
  });
});
