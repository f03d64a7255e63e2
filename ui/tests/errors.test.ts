import { describe, expect, it } from 'vitest';
import { errorMessage, pushError } from '../src/lib/errors';

describe('errorMessage', () => {
  it('passes strings through (the backend sends readable strings)', () => {
    expect(errorMessage('Latchkey is locked.')).toBe('Latchkey is locked.');
  });
  it('reads Error objects and {message}', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage({ message: 'nope' })).toBe('nope');
  });
  it('never returns an empty message', () => {
    expect(errorMessage('')).toBe('Something went wrong.');
    expect(errorMessage(undefined)).toBe('Something went wrong.');
    expect(errorMessage({ code: 3 })).toBe('{"code":3}');
  });
  it('pushError appends and skips exact duplicates', () => {
    const a = pushError([], 'one');
    const b = pushError(a, 'two');
    const c = pushError(b, 'one');
    expect(c.map((e) => e.message)).toEqual(['one', 'two']);
    expect(new Set(c.map((e) => e.id)).size).toBe(2);
  });
});
