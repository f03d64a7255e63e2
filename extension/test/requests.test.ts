import { beforeEach, describe, expect, it } from 'vitest';
import { serveContentPort, type HostLink } from '../src/background/requests';
import { setSiteEnabled } from '../src/background/site-settings';
import type { HostFrame } from '../src/background/native-host';
import type { Outcome } from '../src/shared/outcome';

/** chrome.storage.local and chrome.runtime as far as the background uses them. */
function installChrome() {
  const store: Record<string, unknown> = {};
  (globalThis as Record<string, unknown>).chrome = {
    runtime: { id: 'ext', lastError: undefined, getURL: (p: string) => `chrome-extension://ext/${p}` },
    storage: {
      local: {
        async get(key: string) {
          return key in store ? { [key]: structuredClone(store[key]) } : {};
        },
        async set(items: Record<string, unknown>) {
          Object.assign(store, structuredClone(items));
        },
      },
    },
  };
  return store;
}

/** A content script's runtime port as the background sees it. */
class FakePort {
  name = 'latchkey-request';
  posted: unknown[] = [];
  disconnected = false;
  private messageFns: Array<(m: unknown) => void> = [];
  private disconnectFns: Array<() => void> = [];
  onMessage = { addListener: (f: (m: unknown) => void) => this.messageFns.push(f), removeListener() {} };
  onDisconnect = { addListener: (f: () => void) => this.disconnectFns.push(f), removeListener() {} };
  constructor(public sender: chrome.runtime.MessageSender) {}
  postMessage(m: unknown) {
    if (this.disconnected) throw new Error('Attempting to use a disconnected port object');
    this.posted.push(m);
  }
  disconnect() {
    this.disconnected = true;
  }
  /** The content script sends. */
  send(m: unknown) {
    for (const f of this.messageFns) f(m);
  }
  /** The content script closes its end (the page cancelled or went away). */
  close() {
    this.disconnected = true;
    for (const f of this.disconnectFns) f();
  }
}

/** The native host link: records frames, answers when the test says so. */
function fakeHost() {
  const frames: HostFrame[] = [];
  const waiting: Array<(o: Outcome) => void> = [];
  const host: HostLink & { frames: HostFrame[]; answerNext(o: Outcome): void } = {
    frames,
    request(frame: HostFrame) {
      frames.push(frame);
      if (frame.type === 'cancel') return Promise.resolve({ ok: null });
      if (frame.type === 'status') return Promise.resolve({ ok: { running: true, locked: false, count: 1 } });
      return new Promise<Outcome>((r) => waiting.push(r));
    },
    answerNext(o: Outcome) {
      waiting.shift()!(o);
    },
  };
  return host;
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const sender = (): chrome.runtime.MessageSender => ({
  id: 'ext',
  tab: { id: 1, url: 'http://localhost:8787/' },
  frameId: 0,
  url: 'http://localhost:8787/',
  origin: 'http://localhost:8787',
});
const getRequest = { type: 'get', origin: 'http://localhost:8787', sameOriginWithAncestors: true, options: { challenge: 'AA' } };

let store: Record<string, unknown>;
beforeEach(() => {
  store = installChrome();
});

describe('the background serves a content script’s request', () => {
  it('relays a ceremony with a fresh tag and answers the page', async () => {
    const host = fakeHost();
    const port = new FakePort(sender());
    serveContentPort(port as unknown as chrome.runtime.Port, host);
    port.send(getRequest);
    await tick();
    expect(host.frames).toHaveLength(1);
    const frame = host.frames[0] as { type: string; origin: string; tag: string };
    expect(frame).toMatchObject({ type: 'get', origin: 'http://localhost:8787', options: { challenge: 'AA' } });
    expect(frame.tag).toMatch(/^[A-Za-z0-9_-]{22}$/);
    host.answerNext({ ok: { id: 'x' } });
    await tick();
    expect(port.posted).toEqual([{ ok: { id: 'x' } }]);
    expect(port.disconnected).toBe(true);
    expect(store.lastRequest).toMatchObject({ origin: 'http://localhost:8787', type: 'get', result: 'ok' });
  });

  it('closing the port cancels the ceremony by its tag (the prompt goes away)', async () => {
    const host = fakeHost();
    const port = new FakePort(sender());
    serveContentPort(port as unknown as chrome.runtime.Port, host);
    port.send(getRequest);
    await tick();
    port.close();
    const tag = (host.frames[0] as { tag: string }).tag;
    expect(host.frames[1]).toEqual({ type: 'cancel', tag });
    host.answerNext({ error: { name: 'AbortError', message: 'withdrawn' } });
    await tick();
    expect(store.lastRequest).toMatchObject({ result: 'AbortError' });
  });

  it('a page gone while its request was being checked never reaches Latchkey', async () => {
    const host = fakeHost();
    const port = new FakePort(sender());
    serveContentPort(port as unknown as chrome.runtime.Port, host);
    port.send(getRequest);
    port.close(); // before the (asynchronous) site-switch lookup finished
    await tick();
    await tick();
    expect(host.frames).toEqual([]);
  });

  it('a forged origin falls back and nothing reaches the host', async () => {
    const host = fakeHost();
    const port = new FakePort({ ...sender(), url: 'https://evil.example/', origin: 'https://evil.example', tab: { id: 1, url: 'https://evil.example/' } });
    serveContentPort(port as unknown as chrome.runtime.Port, host);
    port.send(getRequest);
    await tick();
    expect(port.posted).toEqual([{ fallback: 'sender-mismatch' }]);
    expect(host.frames).toEqual([]);
  });

  it('a site switched off falls back; switched on again it is served', async () => {
    const host = fakeHost();
    await setSiteEnabled('http://localhost:8787', false);
    const off = new FakePort(sender());
    serveContentPort(off as unknown as chrome.runtime.Port, host);
    off.send(getRequest);
    await tick();
    expect(off.posted).toEqual([{ fallback: 'site-off' }]);
    expect(store.lastRequest).toMatchObject({ result: 'fallback:site-off' });
    await setSiteEnabled('http://localhost:8787', true);
    const on = new FakePort(sender());
    serveContentPort(on as unknown as chrome.runtime.Port, host);
    on.send(getRequest);
    await tick();
    expect(host.frames).toHaveLength(1);
  });

  it('malformed requests fall back (never an exception in the background)', async () => {
    const host = fakeHost();
    const port = new FakePort(sender());
    serveContentPort(port as unknown as chrome.runtime.Port, host);
    port.send({ type: 'get', origin: 'http://localhost:8787' });
    await tick();
    expect(port.posted).toEqual([{ fallback: 'unsupported-request' }]);
  });

  it('available: true when the host answers its status, without starting anything', async () => {
    const host = fakeHost();
    const port = new FakePort(sender());
    serveContentPort(port as unknown as chrome.runtime.Port, host);
    port.send({ type: 'available', origin: 'http://localhost:8787', sameOriginWithAncestors: true });
    await tick();
    await tick();
    expect(host.frames).toEqual([{ type: 'status' }]);
    expect(port.posted).toEqual([{ ok: { available: true } }]);
  });

  it('conditional: a menu token goes to the content script, the names do not', async () => {
    const host = fakeHost();
    const port = new FakePort(sender());
    serveContentPort(port as unknown as chrome.runtime.Port, host);
    port.send({ ...getRequest, type: 'conditional' });
    await tick();
    await tick();
    expect(host.frames.map((f) => f.type)).toEqual(['status', 'accounts']);
    host.answerNext({ ok: [{ credentialId: 'AQ', userName: 'alice', userDisplayName: 'Alice', nickname: null }] });
    await tick();
    expect(port.posted).toHaveLength(1);
    const offer = port.posted[0] as { menu: { token: string; count: number } };
    expect(offer.menu.count).toBe(1);
    expect(JSON.stringify(port.posted)).not.toContain('alice');
  });
});
