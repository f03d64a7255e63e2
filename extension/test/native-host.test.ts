import { beforeEach, describe, expect, it } from 'vitest';
import { HOST_NAME, NativeHost, isNotInstalledError } from '../src/background/native-host';

/** A stand-in for chrome.runtime.Port: the real one needs a browser. */
class FakePort {
  name = HOST_NAME;
  posted: Array<Record<string, unknown>> = [];
  error: { message?: string } | null = null;
  private onMessageFns: Array<(m: unknown, p: FakePort) => void> = [];
  private onDisconnectFns: Array<(p: FakePort) => void> = [];
  onMessage = { addListener: (f: (m: unknown, p: FakePort) => void) => this.onMessageFns.push(f), removeListener() {} };
  onDisconnect = { addListener: (f: (p: FakePort) => void) => this.onDisconnectFns.push(f), removeListener() {} };
  postMessage(m: unknown) {
    this.posted.push(m as Record<string, unknown>);
  }
  disconnect() {}
  reply(m: unknown) {
    for (const f of this.onMessageFns) f(m, this);
  }
  drop(message: string) {
    this.error = { message };
    for (const f of this.onDisconnectFns) f(this);
  }
}

let ports: FakePort[];
let host: NativeHost;

beforeEach(() => {
  (globalThis as Record<string, unknown>).chrome = { runtime: { lastError: undefined } };
  ports = [];
  host = new NativeHost((name) => {
    expect(name).toBe('dev.latchkey.browser');
    const p = new FakePort();
    ports.push(p);
    return p as unknown as chrome.runtime.Port;
  });
});

describe('the native host connection', () => {
  it('matches replies to requests by id, in any order, over one port', async () => {
    const a = host.request({ type: 'get', origin: 'https://a.example', options: { challenge: 'AA' }, tag: 't1' });
    const b = host.request({ type: 'status' });
    expect(ports).toHaveLength(1);
    const [fa, fb] = ports[0]!.posted;
    expect(fa).toMatchObject({ type: 'get', tag: 't1' });
    expect(fb).toMatchObject({ type: 'status' });
    ports[0]!.reply({ id: fb!.id, ok: { running: true, locked: false, count: 2 } });
    ports[0]!.reply({ id: fa!.id, error: { name: 'NotAllowedError', message: 'denied' } });
    await expect(b).resolves.toEqual({ ok: { running: true, locked: false, count: 2 } });
    await expect(a).resolves.toEqual({ error: { name: 'NotAllowedError', message: 'denied' } });
    expect(host.state).toBe('connected');
  });

  it('"not found" is not-installed for what waited and what comes next', async () => {
    const a = host.request({ type: 'status' });
    ports[0]!.drop('Specified native messaging host not found.');
    await expect(a).resolves.toEqual({ fallback: 'not-installed' });
    expect(host.state).toBe('not-installed');
    // It tries again on the next request (the person may have installed it meanwhile).
    const b = host.request({ type: 'status' });
    expect(ports).toHaveLength(2);
    ports[1]!.reply({ id: ports[1]!.posted[0]!.id, ok: { running: false } });
    await expect(b).resolves.toEqual({ ok: { running: false } });
  });

  it('any other disconnect is not-running, and the next request reconnects', async () => {
    const a = host.request({ type: 'create', origin: 'https://a.example', options: { challenge: 'AA' }, tag: 't' });
    ports[0]!.drop('Native host has exited.');
    await expect(a).resolves.toEqual({ fallback: 'not-running' });
    expect(host.state).toBe('disconnected');
    void host.request({ type: 'status' });
    expect(ports).toHaveLength(2);
  });

  it('a timeout answers as asked and a late reply is ignored', async () => {
    const a = host.request({ type: 'status' }, 10, { fallback: 'busy' });
    await expect(a).resolves.toEqual({ fallback: 'busy' });
    ports[0]!.reply({ id: ports[0]!.posted[0]!.id, ok: {} });
  });

  it('a connectNative that throws (Firefox without a manifest) is not-installed', async () => {
    const h = new NativeHost(() => {
      throw new Error('No such native application dev.latchkey.browser');
    });
    await expect(h.request({ type: 'status' })).resolves.toEqual({ fallback: 'not-installed' });
  });

  it('a host reply with a fallback error is a fallback', async () => {
    const a = host.request({ type: 'get', origin: 'https://a.example', options: { challenge: 'AA' }, tag: 't' });
    ports[0]!.reply({ id: ports[0]!.posted[0]!.id, error: { name: 'LatchkeyUnavailable', message: 'm', fallback: 'another-device' } });
    await expect(a).resolves.toEqual({ fallback: 'another-device' });
  });

  it('knows both browsers’ words for a missing host', () => {
    expect(isNotInstalledError('Specified native messaging host not found.')).toBe(true);
    expect(isNotInstalledError('No such native application dev.latchkey.browser')).toBe(true);
    expect(isNotInstalledError('Access to the specified native messaging host is forbidden.')).toBe(true);
    expect(isNotInstalledError('Native host has exited.')).toBe(false);
  });
});
