/**
 * Auto-lock counts only the person's own input: the main window reports key, pointer and
 * wheel input to the backend (`user_active`), at most once per interval so typing does not
 * flood the IPC. Refreshes and reads never count (a socket caller could trigger those).
 */
export const USER_ACTIVE_INTERVAL_MS = 10_000;

/** Returns `report()`: sends at most once per `intervalMs`; true when it sent. */
export function createActivityReporter(
  send: () => unknown,
  intervalMs: number = USER_ACTIVE_INTERVAL_MS,
  now: () => number = Date.now,
): () => boolean {
  let last = Number.NEGATIVE_INFINITY;
  return function report(): boolean {
    const t = now();
    if (t - last < intervalMs) return false;
    last = t;
    try {
      // A lost report only means the next input within the interval is not counted.
      Promise.resolve(send()).catch(() => {});
    } catch {
      /* same */
    }
    return true;
  };
}
