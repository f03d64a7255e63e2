import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as api from '../src/lib/api';
import { subscribe } from '../src/lib/events';

vi.mock('../src/lib/api');
const mocked = vi.mocked(api);

beforeEach(() => vi.resetAllMocks());

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('subscribe', () => {
  it('subscribes each event and unsubscribes all on cleanup', async () => {
    const offs = { locked: vi.fn(), unlocked: vi.fn() };
    mocked.onEvent.mockImplementation(async (name) => offs[name as 'locked' | 'unlocked']);
    const onLocked = vi.fn();
    const stop = subscribe({ locked: onLocked, unlocked: () => {} });
    expect(mocked.onEvent).toHaveBeenCalledWith('locked', onLocked);
    expect(mocked.onEvent).toHaveBeenCalledTimes(2);
    await flush();
    stop();
    await flush();
    expect(offs.locked).toHaveBeenCalledTimes(1);
    expect(offs.unlocked).toHaveBeenCalledTimes(1);
  });

  it('unsubscribes a listener that resolves after cleanup', async () => {
    const off = vi.fn();
    let resolve!: (f: () => void) => void;
    mocked.onEvent.mockReturnValue(new Promise((r) => (resolve = r)));
    const stop = subscribe({ 'vault-changed': () => {} });
    stop();
    resolve(off);
    await flush();
    expect(off).toHaveBeenCalledTimes(1);
  });

  it('reports a failed subscription instead of swallowing it', async () => {
    mocked.onEvent.mockRejectedValue('event system unavailable');
    const onerror = vi.fn();
    subscribe({ 'prompt-changed': () => {} }, onerror);
    await flush();
    expect(onerror).toHaveBeenCalledWith('event system unavailable');
  });
});
