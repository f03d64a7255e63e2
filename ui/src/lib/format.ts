/** Pure formatting helpers: relative/absolute time, short ids, labels. */

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * "just now", "5 minutes ago", "3 hours ago", "yesterday", "4 days ago",
 * "2 weeks ago", "3 months ago", "2 years ago".
 * `unixSeconds` is the event time, `nowMs` the current time in ms.
 * Times in the future (clock skew) read "just now".
 */
export function relativeTime(unixSeconds: number, nowMs: number): string {
  const diff = Math.floor(nowMs / 1000 - unixSeconds);
  if (diff < 45) return 'just now';
  if (diff < 90) return '1 minute ago';
  if (diff < 45 * MINUTE) return `${plural(Math.round(diff / MINUTE), 'minute')} ago`;
  if (diff < 90 * MINUTE) return '1 hour ago';
  if (diff < 22 * HOUR) return `${plural(Math.round(diff / HOUR), 'hour')} ago`;
  if (diff < 36 * HOUR) return 'yesterday';
  const days = Math.round(diff / DAY);
  if (days < 7) return `${plural(days, 'day')} ago`;
  if (days < 30) return `${plural(Math.max(1, Math.round(days / 7)), 'week')} ago`;
  const months = Math.max(1, Math.round(days / 30.44));
  if (months < 12) return `${plural(months, 'month')} ago`;
  return `${plural(Math.max(1, Math.floor(days / 365.25)), 'year')} ago`;
}

/** Local date and time, e.g. "Mar 4, 2025, 2:07 PM" (format depends on locale). */
export function absoluteTime(unixSeconds: number, locale?: string): string {
  return new Date(unixSeconds * 1000).toLocaleString(locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  });
}

/** "Last used 3 days ago" or "Never used". */
export function lastUsedLabel(lastUsedAt: number | null, nowMs: number): string {
  if (lastUsedAt === null) return 'Never used';
  return `Last used ${relativeTime(lastUsedAt, nowMs)}`;
}

/** First 8 characters, an ellipsis and the last 4; short ids are returned whole. */
export function shortId(id: string): string {
  if (id.length <= 13) return id;
  return `${id.slice(0, 8)}…${id.slice(-4)}`;
}

const ALGORITHMS: Record<string, string> = {
  ES256: 'ECDSA P-256',
  EdDSA: 'Ed25519',
  RS256: 'RSA',
};

/** "ES256 (ECDSA P-256)"; unknown names are shown as they are. */
export function algorithmLabel(alg: string): string {
  const long = ALGORITHMS[alg];
  return long ? `${alg} (${long})` : alg;
}

/** Human description of the WebAuthn backup flags. */
export function backupLabel(eligible: boolean, backedUp: boolean): string {
  if (backedUp) return 'Backed up';
  if (eligible) return 'Can be backed up, not backed up yet';
  return 'Stays on this device only';
}

/** "Used 3 times", "Used once", "Never used". */
export function useCountLabel(n: number): string {
  if (n <= 0) return 'Never used';
  if (n === 1) return 'Used once';
  if (n === 2) return 'Used twice';
  return `Used ${n.toLocaleString('en')} times`;
}

/** "1 minute" / "15 minutes" */
export function minutesLabel(n: number): string {
  if (n >= 60 && n % 60 === 0) return plural(n / 60, 'hour');
  return plural(n, 'minute');
}

function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Day heading for the activity list: "Today", "Yesterday", or a local date. */
export function dayLabel(unixSeconds: number, nowMs: number, locale?: string): string {
  const day = startOfDay(unixSeconds * 1000);
  const today = startOfDay(nowMs);
  const diffDays = Math.round((today - day) / 86_400_000);
  if (diffDays === 0) return 'Today';
  if (diffDays === 1) return 'Yesterday';
  const d = new Date(unixSeconds * 1000);
  const sameYear = d.getFullYear() === new Date(nowMs).getFullYear();
  return d.toLocaleDateString(locale, {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    ...(sameYear ? {} : { year: 'numeric' }),
  });
}

/** Local time of day, e.g. "2:07 PM". */
export function timeOfDay(unixSeconds: number, locale?: string): string {
  return new Date(unixSeconds * 1000).toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' });
}

/** Group items by local day, newest first as given. */
export function groupByDay<T extends { time: number }>(items: readonly T[], nowMs: number, locale?: string): { label: string; items: T[] }[] {
  const out: { label: string; items: T[] }[] = [];
  for (const it of items) {
    const label = dayLabel(it.time, nowMs, locale);
    const last = out[out.length - 1];
    if (last && last.label === label) last.items.push(it);
    else out.push({ label, items: [it] });
  }
  return out;
}

/**
 * Splits a backend message at its `backticks` (the CLI shows them as they are; a command to type
 * reads best in the window as code). An unpaired backtick stays text.
 */
export function codeSpans(message: string): { text: string; code: boolean }[] {
  const parts = message.split('`');
  if (parts.length % 2 === 0) return [{ text: message, code: false }];
  return parts.map((text, i) => ({ text, code: i % 2 === 1 })).filter((p) => p.text !== '');
}
