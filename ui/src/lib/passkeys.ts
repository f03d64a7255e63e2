/** Pure helpers for the passkey list: naming, search, sort and grouping. */
import type { Passkey } from './types';

type AccountLike = {
  userName: string | null;
  userDisplayName: string | null;
};

function clean(s: string | null | undefined): string {
  return (s ?? '').trim();
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

export function sortPasskeys(list: readonly Passkey[]): Passkey[] {
  return [...list].sort(comparePasskeys);
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
