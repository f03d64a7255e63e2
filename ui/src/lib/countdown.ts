/** Countdown math for the approval prompt and the undo toast. */

/** Milliseconds left until `deadlineMs`, never negative. */
export function remainingMs(deadlineMs: number, nowMs: number): number {
  return Math.max(0, deadlineMs - nowMs);
}

export function isExpired(deadlineMs: number, nowMs: number): boolean {
  return nowMs >= deadlineMs;
}

/** Whole seconds left, rounded up: 0.2 s left still shows "1". */
export function secondsLeft(deadlineMs: number, nowMs: number): number {
  return Math.ceil(remainingMs(deadlineMs, nowMs) / 1000);
}

/**
 * Fraction of the time still left, 1 = full, 0 = expired.
 * `startMs` is when the countdown started (when we first saw it).
 */
export function fractionLeft(deadlineMs: number, startMs: number, nowMs: number): number {
  const total = deadlineMs - startMs;
  if (total <= 0) return 0;
  return Math.min(1, Math.max(0, (deadlineMs - nowMs) / total));
}

/** "1:05", "0:09" from milliseconds (rounded up to whole seconds). */
export function formatClock(ms: number): string {
  const s = Math.ceil(Math.max(0, ms) / 1000);
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

/** Text for the prompt countdown: "Expires in 0:42" or "Timed out". */
export function countdownLabel(deadlineMs: number, nowMs: number): string {
  const left = remainingMs(deadlineMs, nowMs);
  if (left <= 0) return 'Timed out';
  return `Expires in ${formatClock(left)}`;
}

/** Below this many ms the countdown is shown as urgent. */
export const URGENT_MS = 10_000;

export function isUrgent(deadlineMs: number, nowMs: number): boolean {
  const left = remainingMs(deadlineMs, nowMs);
  return left > 0 && left <= URGENT_MS;
}
