import { describe, expect, it } from 'vitest';
import { countdownLabel, formatClock, fractionLeft, isExpired, isUrgent, remainingMs, secondsLeft, URGENT_MS } from '../src/lib/countdown';

const T = 1_000_000;

describe('countdown', () => {
  it('remainingMs never goes negative', () => {
    expect(remainingMs(T + 5000, T)).toBe(5000);
    expect(remainingMs(T, T)).toBe(0);
    expect(remainingMs(T - 5000, T)).toBe(0);
  });

  it('isExpired at and after the deadline', () => {
    expect(isExpired(T + 1, T)).toBe(false);
    expect(isExpired(T, T)).toBe(true);
    expect(isExpired(T - 1, T)).toBe(true);
  });

  it('secondsLeft rounds up', () => {
    expect(secondsLeft(T + 10_000, T)).toBe(10);
    expect(secondsLeft(T + 9_001, T)).toBe(10);
    expect(secondsLeft(T + 200, T)).toBe(1);
    expect(secondsLeft(T, T)).toBe(0);
    expect(secondsLeft(T - 3000, T)).toBe(0);
  });

  it('fractionLeft goes from 1 to 0 and is clamped', () => {
    const start = T;
    const end = T + 60_000;
    expect(fractionLeft(end, start, start)).toBe(1);
    expect(fractionLeft(end, start, T + 30_000)).toBe(0.5);
    expect(fractionLeft(end, start, T + 45_000)).toBe(0.25);
    expect(fractionLeft(end, start, end)).toBe(0);
    expect(fractionLeft(end, start, end + 1000)).toBe(0);
    expect(fractionLeft(end, start, start - 1000)).toBe(1);
    expect(fractionLeft(start, start, start)).toBe(0); // zero-length countdown
    expect(fractionLeft(start - 1, start, start)).toBe(0); // already over when first seen
  });

  it('formatClock shows m:ss rounded up', () => {
    expect(formatClock(65_000)).toBe('1:05');
    expect(formatClock(9_000)).toBe('0:09');
    expect(formatClock(8_100)).toBe('0:09');
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(-5)).toBe('0:00');
    expect(formatClock(600_000)).toBe('10:00');
  });

  it('countdownLabel says Timed out at zero', () => {
    expect(countdownLabel(T + 42_000, T)).toBe('Expires in 0:42');
    expect(countdownLabel(T + 1, T)).toBe('Expires in 0:01');
    expect(countdownLabel(T, T)).toBe('Timed out');
    expect(countdownLabel(T - 10, T)).toBe('Timed out');
  });

  it('isUrgent in the last seconds only, not once expired', () => {
    expect(isUrgent(T + URGENT_MS + 1, T)).toBe(false);
    expect(isUrgent(T + URGENT_MS, T)).toBe(true);
    expect(isUrgent(T + 1, T)).toBe(true);
    expect(isUrgent(T, T)).toBe(false);
  });
});
