import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DOM_ERROR_NAMES, parseOutcome, toPageError } from '../src/shared/outcome';

describe('host and bridge outcomes', () => {
  it('each DOMException name reaches the page as that DOMException (TypeError as a TypeError)', () => {
    for (const name of DOM_ERROR_NAMES) {
      const o = parseOutcome({ id: 1, error: { name, message: 'why' } });
      expect(o).toEqual({ error: { name, message: 'why' } });
      const e = toPageError(name, 'why');
      if (name === 'TypeError') {
        expect(e).toBeInstanceOf(TypeError);
      } else {
        expect(e).toBeInstanceOf(DOMException);
        expect(e.name).toBe(name);
      }
      expect(e.message).toBe('why');
    }
  });

  it('an unknown error name becomes UnknownError (the page only sees names browsers use)', () => {
    expect(parseOutcome({ error: { name: 'VaultError', message: 'x' } })).toEqual({ error: { name: 'UnknownError', message: 'x' } });
    expect(parseOutcome({ error: 'boom' })).toEqual({ error: { name: 'UnknownError', message: 'Latchkey answered with a malformed error.' } });
  });

  it('LatchkeyUnavailable is a fallback with its reason', () => {
    for (const reason of ['not-running', 'locked', 'no-passkey', 'another-device', 'busy']) {
      expect(parseOutcome({ id: 2, error: { name: 'LatchkeyUnavailable', message: 'm', fallback: reason } })).toEqual({ fallback: reason });
    }
    // An unknown reason still falls back: that is the safe direction.
    expect(parseOutcome({ error: { name: 'LatchkeyUnavailable', message: 'm', fallback: 'new-thing' } })).toEqual({ fallback: 'unavailable' });
    expect(parseOutcome({ error: { name: 'LatchkeyUnavailable', message: 'm' } })).toEqual({ fallback: 'unavailable' });
  });

  it('ok passes its value through', () => {
    expect(parseOutcome({ id: 3, ok: null })).toEqual({ ok: null });
    expect(parseOutcome({ ok: { running: false } })).toEqual({ ok: { running: false } });
  });

  it('long messages are capped', () => {
    const o = parseOutcome({ error: { name: 'NotAllowedError', message: 'x'.repeat(10000) } }) as { error: { message: string } };
    expect(o.error.message.length).toBeLessThan(600);
  });

  it('never throws, and anything it accepts has one of the three shapes (fuzz)', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3 }), (v) => {
        const o = parseOutcome(v);
        if (o === null) return;
        const keys = Object.keys(o);
        expect(keys).toHaveLength(1);
        expect(['ok', 'error', 'fallback']).toContain(keys[0]);
        if ('error' in o) expect(DOM_ERROR_NAMES).toContain(o.error.name);
      }),
      { numRuns: 3000 },
    );
  });
});
