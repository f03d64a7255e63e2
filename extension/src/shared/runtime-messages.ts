/**
 * The messages between the isolated content script and the background, and the checks the
 * background applies to them.
 *
 * Each WebAuthn request travels on its own runtime port (`PORT_NAME`): the content script posts
 * one [`ContentRequest`], the background answers one Outcome. Closing the port early is the
 * cancel: the background then withdraws the request from Latchkey (its prompt goes away).
 *
 * A `conditional` request (passkey autofill) keeps its port open: the background first answers
 * [`MenuOffer`] (how many passkeys, and the token the menu frame presents to get them: the
 * account names never pass through the page), then relays the menu's keys and finally one
 * Outcome. The menu frame (autofill.html, extension origin) has its own port, `MENU_PORT_NAME`.
 */
import { isBase64url } from './base64url';
import { MAX_OPTIONS_CHARS } from './page-messages';

export const PORT_NAME = 'latchkey-request';

export const CONTENT_TYPES = ['create', 'get', 'conditional', 'available'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

export interface ContentRequest {
  type: ContentType;
  /** location.origin, computed by the isolated script (never taken from the page). */
  origin: string;
  /** Whether every ancestor frame has the same origin, computed by the isolated script. */
  sameOriginWithAncestors: boolean;
  options?: Record<string, unknown>;
}

export const MENU_PORT_NAME = 'latchkey-autofill';

/** Background → content script, conditional only: there is a menu to show. */
export interface MenuOffer {
  menu: { token: string; count: number };
}

/** Background → content script, conditional only: the picked passkey's ceremony failed, offer the menu again. */
export const REARM = { rearm: true } as const;

/** Keys the content script forwards from the field to the menu (Escape it handles itself). */
export const MENU_KEYS = ['ArrowDown', 'ArrowUp', 'Enter'] as const;
export type MenuKey = (typeof MENU_KEYS)[number];

export function parseMenuKey(v: unknown): MenuKey | null {
  if (!isRecord(v) || typeof v.key !== 'string') return null;
  return (MENU_KEYS as readonly string[]).includes(v.key) ? (v.key as MenuKey) : null;
}

export function parseMenuOffer(v: unknown): MenuOffer | null {
  if (!isRecord(v) || !isRecord(v.menu)) return null;
  const { token, count } = v.menu;
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{16,64}$/.test(token)) return null;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1000) return null;
  return { menu: { token, count } };
}

/** A passkey as the autofill menu shows it (the host's `accounts` answer). */
export interface AccountView {
  credentialId: string;
  userName: string | null;
  userDisplayName: string | null;
  nickname: string | null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An origin as `location.origin` writes it: scheme://host[:port], nothing more. */
export function isSerializedOrigin(v: unknown): v is string {
  if (typeof v !== 'string' || v.length > 300) return false;
  try {
    return new URL(v).origin === v;
  } catch {
    return false;
  }
}

export function parseContentRequest(v: unknown): ContentRequest | null {
  if (!isRecord(v)) return null;
  if (typeof v.type !== 'string' || !(CONTENT_TYPES as readonly string[]).includes(v.type)) return null;
  if (!isSerializedOrigin(v.origin) || typeof v.sameOriginWithAncestors !== 'boolean') return null;
  const request: ContentRequest = {
    type: v.type as ContentType,
    origin: v.origin,
    sameOriginWithAncestors: v.sameOriginWithAncestors,
  };
  if (v.type !== 'available') {
    if (!isRecord(v.options) || typeof v.options.challenge !== 'string') return null;
    let size: number;
    try {
      size = JSON.stringify(v.options).length;
    } catch {
      return null;
    }
    if (size > MAX_OPTIONS_CHARS) return null;
    request.options = v.options;
  }
  return request;
}

function optionalName(v: unknown): string | null | undefined {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') return undefined;
  return v.slice(0, 200);
}

/** The host's `accounts` answer, checked; `null` when it is malformed. */
export function parseAccounts(v: unknown): AccountView[] | null {
  if (!Array.isArray(v) || v.length > 1000) return null;
  const out: AccountView[] = [];
  for (const item of v) {
    if (!isRecord(item) || !isBase64url(item.credentialId) || item.credentialId.length === 0) return null;
    const userName = optionalName(item.userName);
    const userDisplayName = optionalName(item.userDisplayName);
    const nickname = optionalName(item.nickname);
    if (userName === undefined || userDisplayName === undefined || nickname === undefined) return null;
    out.push({ credentialId: item.credentialId, userName, userDisplayName, nickname });
  }
  return out;
}

/** What the popup asks the background. */
export type PopupRequest =
  | { type: 'popup-state'; origin: string | null }
  | { type: 'popup-unlock' }
  | { type: 'popup-site'; origin: string; enabled: boolean };

export function parsePopupRequest(v: unknown): PopupRequest | null {
  if (!isRecord(v)) return null;
  if (v.type === 'popup-state') {
    if (v.origin !== null && !isSerializedOrigin(v.origin)) return null;
    return { type: 'popup-state', origin: v.origin };
  }
  if (v.type === 'popup-unlock') return { type: 'popup-unlock' };
  if (v.type === 'popup-site' && isSerializedOrigin(v.origin) && typeof v.enabled === 'boolean') {
    return { type: 'popup-site', origin: v.origin, enabled: v.enabled };
  }
  return null;
}
