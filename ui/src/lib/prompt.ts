/** Pure logic for the approval prompt window. */
import type { Prompt, PromptAccount } from './types';
import { accountName, visibleName } from './passkeys';

/**
 * Heading. Uses the rpId (the domain the browser verified), never the
 * rpName, which the site chooses freely and could be misleading.
 */
export function promptTitle(p: Pick<Prompt, 'operation' | 'rpId'> & { accounts?: Prompt['accounts'] }): string {
  if (p.operation === 'create') return `Create a passkey for ${p.rpId}?`;
  if (p.operation === 'delete') return 'Delete a passkey?';
  if (p.operation === 'unlock') return 'Unlock Latchkey to continue';
  if (p.operation === 'manage') return 'Let a program manage your passkeys?';
  if (isNoPasskey(p)) return `No passkey for ${p.rpId} on this PC`;
  return `Sign in to ${p.rpId}?`;
}

/**
 * A sign-in for a site with no passkey here. Latchkey still shows it (and only then answers "no
 * passkey"), so a caller cannot silently probe which sites have passkeys (WebAuthn §14.5.2).
 */
export function isNoPasskey(p: { operation: Prompt['operation']; accounts?: Prompt['accounts'] }): boolean {
  return p.operation === 'sign-in' && p.accounts !== undefined && p.accounts.length === 0;
}

/** Whether the prompt offers "Use a sign-in link instead" (the app decides). */
export function offersUseLink(p: Pick<Prompt, 'useLink'>): boolean {
  return p.useLink === true;
}

/** Whether a creation prompt replaces a sign-in link the person just used (the app decides). */
export function replacesLink(p: Pick<Prompt, 'operation' | 'replacesLink'>): boolean {
  return p.operation === 'create' && p.replacesLink === true;
}

/** The mark's words. */
export const REPLACES_LINK_TEXT = 'Replace the sign-in link with a passkey on this PC';

/**
 * How long the prompt ignores every key and click after it appears, comes back into focus or
 * changes to another request: a keystroke or click meant for another window must not approve.
 */
export const ARM_DELAY_MS = 750;

/** Host of an origin URL, lower-case, or null when it cannot be parsed. */
export function originHost(origin: string | null): string | null {
  if (!origin) return null;
  try {
    const host = new URL(origin).hostname.toLowerCase();
    return host === '' ? null : host.replace(/\.$/, '');
  } catch {
    return null;
  }
}

/** True when the origin's host is the rpId or one of its subdomains. */
export function originMatchesRp(origin: string | null, rpId: string): boolean {
  const host = originHost(origin);
  if (!host) return false;
  const rp = rpId.toLowerCase().replace(/\.$/, '');
  return host === rp || host.endsWith(`.${rp}`);
}

/**
 * A warning to show about the origin, or null when it looks right.
 * A missing origin (e.g. a command-line request) is not a warning.
 */
export function originWarning(origin: string | null, rpId: string): string | null {
  if (origin === null || origin === '') return null;
  const host = originHost(origin);
  if (!host) return `The request came from an address Latchkey can't read (${origin}).`;
  if (!originMatchesRp(origin, rpId)) {
    return `This request came from ${host}, which is not ${rpId} or one of its subdomains.`;
  }
  let scheme = '';
  try {
    scheme = new URL(origin).protocol;
  } catch {
    /* handled above */
  }
  if (scheme !== 'https:' && host !== 'localhost' && !host.endsWith('.localhost')) {
    return `This request came over an unencrypted connection (${scheme.replace(':', '')}).`;
  }
  return null;
}

/** The account preselected in the picker: the first one. */
export function defaultAccount(p: Prompt): number | null {
  return p.accounts.length ? p.accounts[0].index : null;
}

/** What goes in `answer_prompt`'s `account` when approving. */
export function accountForApproval(p: Prompt, selected: number | null): number | null {
  if (p.operation === 'create') return null;
  if (selected !== null && p.accounts.some((a) => a.index === selected)) return selected;
  return defaultAccount(p);
}

/** Label for an account choice: nickname adds context, never replaces the name. */
export function promptAccountLabel(a: PromptAccount): { primary: string; secondary: string | null } {
  const primary = accountName(a);
  const parts: string[] = [];
  const display = visibleName(a.userDisplayName);
  if (display && display !== primary) parts.push(display);
  const nick = visibleName(a.nickname);
  if (nick) parts.push(`“${nick}”`);
  return { primary, secondary: parts.length ? parts.join(' · ') : null };
}

/** "1 more request waiting" / "3 more requests waiting" / null. */
export function queuedLabel(n: number): string | null {
  if (n <= 0) return null;
  return `${n} more ${n === 1 ? 'request' : 'requests'} waiting`;
}

/** The browser's name as the prompt shows it; "A browser" when the host could not tell. */
export function clientName(p: Pick<Prompt, 'client'>): string {
  const c = (p.client ?? '').trim();
  return c === '' ? 'a browser' : c;
}

/** The unlock prompt's sentence: "Chromium wants to use a passkey for localhost. Latchkey is locked." */
export function unlockMessage(p: Pick<Prompt, 'client' | 'rpId'>): string {
  const who = clientName(p);
  return `${who.charAt(0).toUpperCase()}${who.slice(1)} wants to use a passkey for ${p.rpId}. Latchkey is locked.`;
}

/**
 * Whether the prompt offers "Use another device or security key". Only the app decides (for a
 * browser's create, sign-in and unlock prompts): the window never offers it on its own.
 */
export function offersAnotherDevice(p: Pick<Prompt, 'anotherDevice'>): boolean {
  return p.anotherDevice === true;
}

/**
 * The origin as the prompt shows it. A browser's request shows the whole origin (scheme, host,
 * port: http://localhost:8787), since the browser verified exactly that; other doors show the
 * host, or null without an origin.
 */
export function originLabel(p: Pick<Prompt, 'origin' | 'door'>): string | null {
  if (!p.origin) return null;
  if (p.door === 'browser') {
    try {
      return new URL(p.origin).origin;
    } catch {
      return p.origin;
    }
  }
  return originHost(p.origin) ?? p.origin;
}
