/** Pure helpers for the passkey list: naming, search, sort and grouping. */
import type { Passkey } from './types';

type AccountLike = {
  userName: string | null;
  userDisplayName: string | null;
};

/**
 * Controls, bidi controls and invisible format characters (the set latchkey_vault::sanitize_name
 * removes). Sites choose names freely; an old vault or a request not yet stored may still carry
 * these, and a right-to-left override in a name can make it read as another.
 */
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]/g;

/** A site-chosen name as shown: hidden characters removed, trimmed. */
export function visibleName(s: string | null | undefined): string {
  return (s ?? '').replace(HIDDEN, '').trim();
}

function clean(s: string | null | undefined): string {
  return visibleName(s);
}

/** The name a person knows the account by: userName, else display name. */
export function accountName(p: AccountLike): string {
  return clean(p.userName) || clean(p.userDisplayName) || 'Unnamed account';
}

/** True when the account has neither user name nor display name. */
export function hasAccountName(p: AccountLike): boolean {
  return !!(clean(p.userName) || clean(p.userDisplayName));
}

/** The site's display name: rpName, else rpId. */
export function siteName(p: { rpId: string; rpName: string | null }): string {
  return clean(p.rpName) || p.rpId;
}

/** Whether the rpId should be shown under the site name (it differs from it). */
export function showsRpId(p: { rpId: string; rpName: string | null }): boolean {
  const name = clean(p.rpName);
  return name !== '' && name.toLowerCase() !== p.rpId.toLowerCase();
}

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/** Order: site name, then rpId, then account, then nickname, then creation time, then id. */
export function comparePasskeys(a: Passkey, b: Passkey): number {
  return (
    collator.compare(siteName(a), siteName(b)) ||
    collator.compare(a.rpId, b.rpId) ||
    collator.compare(accountName(a), accountName(b)) ||
    collator.compare(clean(a.nickname), clean(b.nickname)) ||
    a.createdAt - b.createdAt ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** Same order as `comparePasskeys`, with the compared strings computed once per passkey. */
export function sortPasskeys(list: readonly Passkey[]): Passkey[] {
  const keyed = list.map((p) => ({ p, site: siteName(p), account: accountName(p), nick: clean(p.nickname) }));
  keyed.sort(
    (a, b) =>
      collator.compare(a.site, b.site) ||
      collator.compare(a.p.rpId, b.p.rpId) ||
      collator.compare(a.account, b.account) ||
      collator.compare(a.nick, b.nick) ||
      a.p.createdAt - b.p.createdAt ||
      (a.p.id < b.p.id ? -1 : a.p.id > b.p.id ? 1 : 0),
  );
  return keyed.map((k) => k.p);
}

/** Split a query into lower-case words. */
export function queryTokens(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/**
 * Does the passkey match the search? Every word of the query must appear
 * (case-insensitively) in the site (rpId, rpName), the account
 * (userName, userDisplayName) or the nickname.
 */
export function matchesQuery(p: Passkey, query: string): boolean {
  const tokens = queryTokens(query);
  if (tokens.length === 0) return true;
  const fields = [p.rpId, p.rpName, p.userName, p.userDisplayName, p.nickname]
    .filter((f): f is string => typeof f === 'string' && f !== '')
    .map((f) => f.toLowerCase());
  return tokens.every((t) => fields.some((f) => f.includes(t)));
}

/** Filter then sort. */
export function filterPasskeys(list: readonly Passkey[], query: string): Passkey[] {
  return sortPasskeys(list.filter((p) => matchesQuery(p, query)));
}

export type SiteGroup = {
  /** rpId: groups are per relying party */
  key: string;
  title: string;
  /** rpId shown small under the title, or null when the title already is the rpId */
  subtitle: string | null;
  items: Passkey[];
};

/**
 * Group an already sorted list by rpId, keeping order. If the list is
 * not sorted, groups are still made per rpId in order of first appearance.
 */
export function groupBySite(sorted: readonly Passkey[]): SiteGroup[] {
  const groups: SiteGroup[] = [];
  const byKey = new Map<string, SiteGroup>();
  for (const p of sorted) {
    let g = byKey.get(p.rpId);
    if (!g) {
      g = {
        key: p.rpId,
        title: siteName(p),
        subtitle: showsRpId(p) ? p.rpId : null,
        items: [],
      };
      byKey.set(p.rpId, g);
      groups.push(g);
    }
    g.items.push(p);
  }
  return groups;
}

/** The flat order in which rows are displayed (headers skipped). */
export function flatIds(groups: readonly SiteGroup[]): string[] {
  return groups.flatMap((g) => g.items.map((p) => p.id));
}

/** "3 passkeys", "1 passkey", "No passkeys". */
export function countLabel(n: number, noun = 'passkey'): string {
  if (n === 0) return `No ${noun}s`;
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Result count under the search box: "2 of 14 passkeys" / "1 result". */
export function resultLabel(shown: number, total: number, query: string): string {
  if (queryTokens(query).length === 0) return countLabel(total);
  return `${shown} of ${total} ${total === 1 ? 'passkey' : 'passkeys'}`;
}

/** Number of monogram colours (CSS classes hue-0 … hue-7). */
export const HUES = 8;

/** A stable colour slot for a site, from its rpId. */
export function siteHue(rpId: string): number {
  let h = 0;
  for (let i = 0; i < rpId.length; i++) h = (h * 31 + rpId.charCodeAt(i)) >>> 0;
  return h % HUES;
}

/** One or two letters for the site's monogram: "GitHub" -> "G", "example.com" -> "E". */
export function monogram(p: { rpId: string; rpName: string | null }): string {
  const name = siteName(p).replace(/^www\./i, '');
  const ch = Array.from(name).find((c) => /[\p{L}\p{N}]/u.test(c));
  return (ch ?? '?').toUpperCase();
}

/* ---------- precomputed search (built once per list load) ---------- */

/** A site group of the full, sorted list; shared by every search result. */
export type GroupInfo = Omit<SiteGroup, 'items'>;

/** A filtered site group: its rows are `rows[start]` … `rows[end - 1]` of the result. */
export type ResultGroup = GroupInfo & { start: number; end: number };

/** The filtered list in display order: rows flat (headers skipped) and where each group starts. */
export type SearchResult = {
  rows: Passkey[];
  ids: string[];
  groups: ResultGroup[];
};

/**
 * The list, sorted and grouped once, with a lower-case search key per passkey.
 * `passkeys[i]` belongs to `groups[groupOf[i]]` and is searched through `keys[i]`;
 * `passkeys` is in display order (group by group).
 */
export type SearchIndex = {
  passkeys: Passkey[];
  keys: string[];
  groupOf: Int32Array;
  groups: GroupInfo[];
  /** the result for an empty query */
  all: SearchResult;
};

/**
 * The text a passkey is searched by: its site (rpId, rpName), account (userName,
 * userDisplayName) and nickname, lower-cased, one per line. Query words never contain a
 * line break, so a word cannot match across two fields.
 */
export function searchKey(p: Passkey): string {
  let key = '';
  for (const f of [p.rpId, p.rpName, p.userName, p.userDisplayName, p.nickname]) {
    if (typeof f === 'string' && f !== '') key += (key ? '\n' : '') + f;
  }
  return key.toLowerCase();
}

type Keyed = { p: Passkey; site: string; account: string; nick: string };

function compareKeyed(a: Keyed, b: Keyed): number {
  return (
    collator.compare(a.site, b.site) ||
    collator.compare(a.p.rpId, b.p.rpId) ||
    collator.compare(a.account, b.account) ||
    collator.compare(a.nick, b.nick) ||
    a.p.createdAt - b.p.createdAt ||
    (a.p.id < b.p.id ? -1 : a.p.id > b.p.id ? 1 : 0)
  );
}

/**
 * Exactly `groupBySite(sortPasskeys(list))`, with far fewer comparisons: rows are bucketed by
 * rpId first (one pass), each bucket is sorted on its own, and the buckets are ordered by their
 * first rows. Why: a collator comparison is slow, and the flat sort spends most of its
 * n log n comparisons between rows of different sites that the grouping then puts apart
 * anyway; this is most of the time from unlock to the first painted list with 10 000 passkeys.
 * The same order because groupBySite puts a group where its first (smallest) row falls.
 */
export function sortIntoGroups(list: readonly Passkey[]): SiteGroup[] {
  const buckets = new Map<string, Keyed[]>();
  for (const p of list) {
    const k: Keyed = { p, site: siteName(p), account: accountName(p), nick: clean(p.nickname) };
    const b = buckets.get(p.rpId);
    if (b) b.push(k);
    else buckets.set(p.rpId, [k]);
  }
  const sorted = [...buckets.values()];
  for (const b of sorted) b.sort(compareKeyed);
  sorted.sort((a, b) => compareKeyed(a[0], b[0]));
  return sorted.map((b) => {
    const first = b[0].p;
    return {
      key: first.rpId,
      title: siteName(first),
      subtitle: showsRpId(first) ? first.rpId : null,
      items: b.map((k) => k.p),
    };
  });
}

/** Sort, group and key the list. O(n log n), once per load — not per keystroke. */
export function buildSearchIndex(list: readonly Passkey[]): SearchIndex {
  const sorted = sortIntoGroups(list);
  const n = list.length;
  const passkeys: Passkey[] = new Array(n);
  const keys: string[] = new Array(n);
  const groupOf = new Int32Array(n);
  const groups: GroupInfo[] = [];
  const allGroups: ResultGroup[] = [];
  let i = 0;
  for (const g of sorted) {
    const info: GroupInfo = { key: g.key, title: g.title, subtitle: g.subtitle };
    allGroups.push({ ...info, start: i, end: i + g.items.length });
    for (const p of g.items) {
      passkeys[i] = p;
      keys[i] = searchKey(p);
      groupOf[i] = groups.length;
      i++;
    }
    groups.push(info);
  }
  const all: SearchResult = { rows: passkeys, ids: passkeys.map((p) => p.id), groups: allGroups };
  return { passkeys, keys, groupOf, groups, all };
}

/**
 * The passkeys matching `query` (same rule as `matchesQuery`), in display order.
 * One pass over the precomputed keys: no sorting, no per-passkey lower-casing.
 */
export function searchIndex(index: SearchIndex, query: string): SearchResult {
  const tokens = queryTokens(query);
  if (tokens.length === 0) return index.all;
  const { passkeys, keys, groupOf, groups: infos } = index;
  const rows: Passkey[] = [];
  const ids: string[] = [];
  const groups: ResultGroup[] = [];
  const nt = tokens.length;
  let lastGroup = -1;
  next: for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    for (let t = 0; t < nt; t++) if (!key.includes(tokens[t])) continue next;
    const g = groupOf[i];
    if (g !== lastGroup) {
      if (groups.length) groups[groups.length - 1].end = rows.length;
      groups.push({ ...infos[g], start: rows.length, end: rows.length });
      lastGroup = g;
    }
    rows.push(passkeys[i]);
    ids.push(passkeys[i].id);
  }
  if (groups.length) groups[groups.length - 1].end = rows.length;
  return { rows, ids, groups };
}
