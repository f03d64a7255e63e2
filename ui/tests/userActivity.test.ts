import { describe, expect, it, vi } from 'vitest';
import { createActivityReporter, USER_ACTIVE_INTERVAL_MS } from '../src/lib/userActivity';

describe('createActivityReporter', () => {
  it('sends at most once per interval', () => {
    let t = 1_000_000;
    const send = vi.fn(() => Promise.resolve());
    const report = createActivityReporter(send, USER_ACTIVE_INTERVAL_MS, () => t);
    expect(report()).toBe(true);
    t += USER_ACTIVE_INTERVAL_MS - 1;
    expect(report()).toBe(false);
    expect(send).toHaveBeenCalledTimes(1);
    t += 1;
    expect(report()).toBe(true);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('swallows a failed send (the next interval tries again)', async () => {
    let t = 0;
    const send = vi.fn(() => Promise.reject(new Error('ipc down')));
    const report = createActivityReporter(send, 10, () => t);
    expect(report()).toBe(true);
    t = 20;
    expect(report()).toBe(true);
    await Promise.resolve();
    const throwing = createActivityReporter(() => {
      throw new Error('sync failure');
    });
    expect(throwing()).toBe(true);
  });

  it('uses a 10 second interval by default', () => {
    expect(USER_ACTIVE_INTERVAL_MS).toBe(10_000);
  });
});
