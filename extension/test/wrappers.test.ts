import { describe, expect, it, vi } from 'vitest';
import { makeWrappers, type WrapperDeps } from '../src/page/wrappers';
import type { PendingRequest } from '../src/page/bridge';
import type { Outcome } from '../src/shared/outcome';
import { authenticationJSON, registrationJSON } from './fixtures';

class PKC {}
class Att {}
class Ass {}

interface Sent {
  kind: string;
  options?: Record<string, unknown>;
  cancelled: boolean;
  answer(o: Outcome): void;
}

function harness(answers: Partial<Record<string, Outcome>> = {}) {
  const sent: Sent[] = [];
  const nativeCalls: unknown[] = [];
  let nativeResult: Promise<unknown> = Promise.resolve('native credential');
  const deps: WrapperDeps = {
    originalCreate: vi.fn((o?: unknown) => {
      nativeCalls.push(o);
      return nativeResult as Promise<Credential>;
    }),
    originalGet: vi.fn((o?: unknown) => {
      nativeCalls.push(o);
      return nativeResult as Promise<Credential>;
    }),
    send(kind, options): PendingRequest {
      let answer!: (o: Outcome) => void;
      const outcome = new Promise<Outcome>((r) => (answer = r));
      const s: Sent = { kind, options, cancelled: false, answer };
      sent.push(s);
      const canned = answers[kind];
      if (canned) answer(canned);
      return {
        outcome,
        cancel() {
          s.cancelled = true;
          answer({ error: { name: 'AbortError', message: 'aborted' } });
        },
      };
    },
    prototypes: () => ({ credential: PKC.prototype, attestation: Att.prototype, assertion: Ass.prototype }),
    whenFocused: vi.fn(() => Promise.resolve()),
  };
  return {
    deps,
    sent,
    nativeCalls,
    setNative(p: Promise<unknown>) {
      nativeResult = p;
    },
    w: makeWrappers(deps),
  };
}

const createOptions = () => ({
  publicKey: {
    rp: { name: 'x' },
    user: { id: new Uint8Array([1]), name: 'a', displayName: 'A' },
    challenge: new Uint8Array(16),
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
  },
});
const getOptions = (extra: Record<string, unknown> = {}) => ({ publicKey: { challenge: new Uint8Array(16) }, ...extra });

describe('create/get wrappers', () => {
  it('look like the native methods: name, length 0, toString works', () => {
    const { w } = harness();
    expect(w.create.name).toBe('create');
    expect(w.get.name).toBe('get');
    expect(w.create.length).toBe(0);
    expect(w.get.length).toBe(0);
    expect(() => Function.prototype.toString.call(w.create)).not.toThrow();
  });

  it('a Latchkey answer becomes a credential with the native prototype', async () => {
    const h = harness({ create: { ok: registrationJSON } });
    const c = (await h.w.create(createOptions())) as unknown as Record<string, any>;
    expect(c).toBeInstanceOf(PKC);
    expect(c.response).toBeInstanceOf(Att);
    expect(c.toJSON()).toEqual(registrationJSON);
    expect(h.sent[0]!.kind).toBe('create');
    expect(h.nativeCalls).toHaveLength(0);
    const g = harness({ get: { ok: authenticationJSON } });
    const a = (await g.w.get(getOptions())) as unknown as Record<string, any>;
    expect(a.response).toBeInstanceOf(Ass);
  });

  it('errors become the DOMException a browser would give', async () => {
    for (const name of ['NotAllowedError', 'InvalidStateError', 'SecurityError', 'AbortError'] as const) {
      const h = harness({ create: { error: { name, message: 'm' } } });
      await expect(h.w.create(createOptions())).rejects.toMatchObject({ name, message: 'm' });
    }
  });

  it('a malformed answer from the host is an UnknownError, not a broken credential', async () => {
    const h = harness({ get: { ok: { id: 'x' } } });
    await expect(h.w.get(getOptions())).rejects.toMatchObject({ name: 'UnknownError' });
  });

  it('every fallback calls the browser’s own function with the page’s ORIGINAL options object', async () => {
    for (const reason of ['not-installed', 'not-running', 'locked', 'no-passkey', 'another-device', 'busy', 'site-off', 'cross-origin-frame', 'extension-unreachable'] as const) {
      const h = harness({ get: { fallback: reason } });
      const options = getOptions();
      await expect(h.w.get(options)).resolves.toBe('native credential');
      expect(h.nativeCalls).toEqual([options]);
      expect(h.nativeCalls[0]).toBe(options);
      expect(h.deps.whenFocused).toHaveBeenCalledTimes(reason === 'locked' || reason === 'another-device' ? 1 : 0);
    }
  });

  it('a browser error on the fallback path reaches the page unchanged', async () => {
    const h = harness({ create: { fallback: 'no-passkey' } });
    const err = new DOMException('nope', 'NotAllowedError');
    h.setNative(Promise.reject(err));
    await expect(h.w.create(createOptions())).rejects.toBe(err);
  });

  it('requests Latchkey does not serve go straight to the browser, unconverted', async () => {
    const h = harness();
    const pw = { password: true };
    await h.w.get(pw);
    await h.w.get(getOptions({ mediation: 'silent' }));
    await h.w.create({ publicKey: 'not even a dictionary', mediation: 'conditional' });
    expect(h.sent).toHaveLength(0);
    expect(h.nativeCalls[0]).toBe(pw);
  });

  it('malformed options reject with a TypeError and nothing is sent', async () => {
    const h = harness();
    await expect(h.w.create({ publicKey: { challenge: 'abc' } })).rejects.toBeInstanceOf(TypeError);
    await expect(h.w.get({ publicKey: {} })).rejects.toBeInstanceOf(TypeError);
    expect(h.sent).toHaveLength(0);
  });

  it('an already-aborted signal rejects at once with its reason', async () => {
    const h = harness();
    const ac = new AbortController();
    const reason = new Error('stop');
    ac.abort(reason);
    await expect(h.w.get(getOptions({ signal: ac.signal }))).rejects.toBe(reason);
    const bc = new AbortController();
    bc.abort();
    await expect(h.w.create({ ...createOptions(), signal: bc.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(h.sent).toHaveLength(0);
  });

  it('a later abort rejects at once and cancels the Latchkey request', async () => {
    const h = harness();
    const ac = new AbortController();
    const p = h.w.get(getOptions({ signal: ac.signal }));
    expect(h.sent).toHaveLength(1);
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(h.sent[0]!.cancelled).toBe(true);
  });
});

describe('conditional mediation races the browser’s own request', () => {
  it('the browser wins: Latchkey’s request is cancelled (the menu goes away)', async () => {
    const h = harness();
    h.setNative(Promise.resolve('browser passkey'));
    await expect(h.w.get(getOptions({ mediation: 'conditional' }))).resolves.toBe('browser passkey');
    expect(h.sent[0]!.kind).toBe('conditional');
    expect(h.sent[0]!.cancelled).toBe(true);
  });

  it('Latchkey wins: the browser’s request is aborted through our own signal', async () => {
    const h = harness();
    let nativeSignal: AbortSignal | undefined;
    h.deps.originalGet = vi.fn((o?: unknown) => {
      nativeSignal = (o as { signal: AbortSignal }).signal;
      return new Promise<Credential>((_, reject) => nativeSignal!.addEventListener('abort', () => reject(nativeSignal!.reason)));
    });
    const w = makeWrappers(h.deps);
    const options = getOptions({ mediation: 'conditional' });
    const p = w.get(options);
    // The browser saw every member of the page's options through ours, with our signal.
    expect((h.deps.originalGet as ReturnType<typeof vi.fn>).mock.calls[0]![0].mediation).toBe('conditional');
    expect((h.deps.originalGet as ReturnType<typeof vi.fn>).mock.calls[0]![0].publicKey).toBe(options.publicKey);
    h.sent[0]!.answer({ ok: authenticationJSON });
    const c = (await p) as unknown as Record<string, any>;
    expect(c.id).toBe(authenticationJSON.id);
    expect(nativeSignal!.aborted).toBe(true);
  });

  it('Latchkey has nothing (no passkey, locked): only the browser’s request counts', async () => {
    const h = harness({ conditional: { fallback: 'no-passkey' } });
    let release!: (v: string) => void;
    h.setNative(new Promise((r) => (release = r)));
    const p = h.w.get(getOptions({ mediation: 'conditional' }));
    await Promise.resolve();
    release('browser passkey');
    await expect(p).resolves.toBe('browser passkey');
  });

  it('a browser failure waits for Latchkey’s menu while it is still offered', async () => {
    const h = harness();
    h.setNative(Promise.reject(new DOMException('x', 'NotAllowedError')));
    const p = h.w.get(getOptions({ mediation: 'conditional' }));
    await new Promise((r) => setTimeout(r, 5));
    h.sent[0]!.answer({ ok: authenticationJSON });
    await expect(p).resolves.toBeInstanceOf(PKC);
  });

  it('both failing rejects with the browser’s error', async () => {
    const err = new DOMException('x', 'NotAllowedError');
    const h = harness({ conditional: { fallback: 'locked' } });
    h.setNative(Promise.reject(err));
    await expect(h.w.get(getOptions({ mediation: 'conditional' }))).rejects.toBe(err);
  });

  it('the page’s abort ends both', async () => {
    const h = harness();
    let nativeSignal: AbortSignal | undefined;
    h.deps.originalGet = (o?: unknown) => {
      nativeSignal = (o as { signal: AbortSignal }).signal;
      return new Promise<Credential>(() => {});
    };
    const w = makeWrappers(h.deps);
    const ac = new AbortController();
    const p = w.get(getOptions({ mediation: 'conditional', signal: ac.signal }));
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(nativeSignal!.aborted).toBe(true);
    expect(h.sent[0]!.cancelled).toBe(true);
  });
});

describe('feature checks', () => {
  it('native true answers true without asking Latchkey', async () => {
    const h = harness();
    await expect(h.w.isUserVerifyingPlatformAuthenticatorAvailable(async () => true)()).resolves.toBe(true);
    expect(h.sent).toHaveLength(0);
  });

  it('native false is true when Latchkey is reachable and the site is on', async () => {
    const on = harness({ available: { ok: { available: true } } });
    await expect(on.w.isConditionalMediationAvailable(async () => false)()).resolves.toBe(true);
    const off = harness({ available: { fallback: 'site-off' } });
    await expect(off.w.isConditionalMediationAvailable(async () => false)()).resolves.toBe(false);
    const none = harness({ available: { ok: { available: false } } });
    await expect(none.w.isUserVerifyingPlatformAuthenticatorAvailable(undefined)()).resolves.toBe(false);
  });

  it('getClientCapabilities merges what Latchkey adds, only when it is available', async () => {
    const native = async () => ({ hybridTransport: true, conditionalGet: false });
    const on = harness({ available: { ok: { available: true } } });
    await expect(on.w.getClientCapabilities(native)()).resolves.toEqual({
      hybridTransport: true,
      conditionalGet: true,
      passkeyPlatformAuthenticator: true,
      userVerifyingPlatformAuthenticator: true,
      'extension:credProps': true,
      'extension:prf': true,
    });
    const off = harness({ available: { fallback: 'not-installed' } });
    await expect(off.w.getClientCapabilities(native)()).resolves.toEqual({ hybridTransport: true, conditionalGet: false });
  });
});

describe('getClientCapabilities when the browser’s own call fails', () => {
  it('still reports what Latchkey adds', async () => {
    const on = harness({ available: { ok: { available: true } } });
    const failing = async (): Promise<Record<string, boolean>> => {
      throw new DOMException('x', 'NotSupportedError');
    };
    await expect(on.w.getClientCapabilities(failing)()).resolves.toMatchObject({ passkeyPlatformAuthenticator: true, 'extension:prf': true });
  });
});
