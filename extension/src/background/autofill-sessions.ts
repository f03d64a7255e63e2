/**
 * Passkey autofill (mediation "conditional"). The background asks the host which of Latchkey's
 * passkeys fit the site; when there are some it gives the content script a menu token and the
 * count, and keeps the names itself. The menu frame (autofill.html, extension origin, drawn by
 * the content script under the field) presents the token on its own port and only then gets
 * the names, so they never pass through the page, which cannot read the frame either.
 *
 * A pick runs an ordinary `get` limited to the picked passkey (allowCredentials = [it]); the
 * Latchkey prompt then asks for approval. If that ceremony fails the menu is offered again,
 * as a browser's own autofill would; a fallback (another device, locked) ends Latchkey's side
 * of the race and leaves the browser's own conditional request running.
 */
import { recordRequest } from './activity';
import type { ContentPort } from './content-port';
import type { HostLink } from './requests';
import { CEREMONY_LIMIT_MS, QUICK_LIMIT_MS, TIMED_OUT } from './limits';
import type { FallbackReason, Outcome } from '../shared/outcome';
import {
  REARM,
  parseAccounts,
  parseMenuKey,
  type AccountView,
  type ContentRequest,
} from '../shared/runtime-messages';
import { randomToken } from '../shared/token';

interface Session {
  token: string;
  tabId: number;
  origin: string;
  rpId: string;
  options: Record<string, unknown>;
  accounts: AccountView[];
  content: ContentPort;
  menu: chrome.runtime.Port | null;
  /** The tag of the ceremony a pick started, while it runs. */
  pendingTag: string | null;
  done: boolean;
}

const sessions = new Map<string, Session>();

/** The RP ID the page's options name, or the origin's host (WebAuthn's default). */
export function rpIdFor(origin: string, options: Record<string, unknown>): string {
  return typeof options.rpId === 'string' ? options.rpId : new URL(origin).hostname;
}

/** The accounts the page's allow list admits (all of them when it names none). */
export function admitted(accounts: AccountView[], options: Record<string, unknown>): AccountView[] {
  const allow = options.allowCredentials;
  if (!Array.isArray(allow) || allow.length === 0) return accounts;
  const ids = new Set(allow.map((d) => (d as { id?: unknown } | null)?.id).filter((id) => typeof id === 'string'));
  return accounts.filter((a) => ids.has(a.credentialId));
}

/** `null` when the host's status says the app runs unlocked; else why there is no menu. */
export function servesMenu(status: Outcome): FallbackReason | null {
  if ('fallback' in status) return status.fallback;
  if ('error' in status) return 'unavailable';
  const s = status.ok as { running?: unknown; locked?: unknown } | null;
  if (typeof s !== 'object' || s === null || s.running !== true) return 'not-running';
  return s.locked === false ? null : 'locked';
}

function send(port: { postMessage(message: unknown): void } | null, message: unknown): void {
  try {
    port?.postMessage(message);
  } catch {
    // that side is gone; its onDisconnect cleans up
  }
}

function finish(session: Session, outcome: Outcome): void {
  if (session.done) return;
  session.done = true;
  sessions.delete(session.token);
  session.content.answer(outcome);
  try {
    session.menu?.disconnect();
  } catch {
    // already closed
  }
}

export function startConditional(content: ContentPort, request: ContentRequest, host: HostLink): void {
  let session: Session | null = null;
  content.onGone(() => {
    if (!session) return;
    session.done = true;
    sessions.delete(session.token);
    if (session.pendingTag) void host.request({ type: 'cancel', tag: session.pendingTag }, QUICK_LIMIT_MS);
    try {
      session.menu?.disconnect();
    } catch {
      // already closed
    }
  });
  void (async () => {
    const options = request.options!;
    const rpId = rpIdFor(request.origin, options);
    // A page that merely loads must not start Latchkey or ask to unlock it: the menu is only
    // offered when the app is already running and unlocked (status never starts the app).
    const ready = servesMenu(await host.request({ type: 'status' }, QUICK_LIMIT_MS));
    if (content.gone) return;
    if (ready !== null) {
      content.answer({ fallback: ready });
      return;
    }
    const outcome = await host.request({ type: 'accounts', origin: request.origin, rpId }, QUICK_LIMIT_MS);
    if (content.gone) return;
    const accounts = 'ok' in outcome ? admitted(parseAccounts(outcome.ok) ?? [], options) : [];
    if (accounts.length === 0) {
      content.answer({ fallback: 'fallback' in outcome ? outcome.fallback : 'no-passkey' });
      return;
    }
    const s: Session = {
      token: randomToken(),
      tabId: content.sender?.tab?.id ?? -1,
      origin: request.origin,
      rpId,
      options,
      accounts,
      content,
      menu: null,
      pendingTag: null,
      done: false,
    };
    session = s;
    sessions.set(s.token, s);
    content.onMessage((message) => {
      const key = parseMenuKey(message);
      if (key) send(s.menu, { key });
    });
    content.post({ menu: { token: s.token, count: accounts.length } });
  })();
}

/** A menu frame's port: it must be our autofill.html in the session's tab, holding its token. */
export function serveMenuPort(port: chrome.runtime.Port, host: HostLink): void {
  const sender = port.sender;
  const menuUrl = chrome.runtime.getURL('autofill.html');
  if (!sender?.url?.startsWith(menuUrl) || sender.tab?.id === undefined) {
    port.disconnect();
    return;
  }
  let session: Session | null = null;
  port.onMessage.addListener((message) => {
    const m = (message ?? {}) as { token?: unknown; pick?: unknown; close?: unknown };
    if (session === null) {
      const found = typeof m.token === 'string' ? sessions.get(m.token) : undefined;
      if (!found || found.tabId !== sender.tab!.id || found.done) {
        port.disconnect();
        return;
      }
      session = found;
      try {
        found.menu?.disconnect(); // an older menu frame of the same session
      } catch {
        // already closed
      }
      found.menu = port;
      send(port, { accounts: found.accounts, site: found.rpId });
      return;
    }
    if (m.close === true) {
      session.content.post({ hide: true });
    } else if (typeof m.pick === 'string') {
      void pick(session, m.pick, host);
    }
  });
  port.onDisconnect.addListener(() => {
    if (session?.menu === port) session.menu = null;
  });
}

async function pick(session: Session, credentialId: string, host: HostLink): Promise<void> {
  if (session.done || session.pendingTag !== null) return;
  if (!session.accounts.some((a) => a.credentialId === credentialId)) return;
  const tag = randomToken();
  session.pendingTag = tag;
  session.content.post({ hide: true });
  const options = { ...session.options, allowCredentials: [{ type: 'public-key', id: credentialId }] };
  const outcome = await host.request({ type: 'get', origin: session.origin, options, tag }, CEREMONY_LIMIT_MS, TIMED_OUT);
  session.pendingTag = null;
  if (session.done) return; // the page withdrew the request meanwhile
  await recordRequest(session.origin, 'conditional', outcome);
  if ('error' in outcome) {
    session.content.post(REARM);
    return;
  }
  finish(session, outcome);
}

