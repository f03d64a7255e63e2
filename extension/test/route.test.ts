import { describe, expect, it } from 'vitest';
import { fallbackWaitsForFocus, routeCreate, routeGet } from '../src/page/route';

describe('which calls Latchkey answers', () => {
  const pk = { challenge: new Uint8Array(1) };
  it('publicKey create and get', () => {
    expect(routeCreate({ publicKey: pk })).toBe('latchkey');
    expect(routeGet({ publicKey: pk })).toBe('latchkey');
    expect(routeGet({ publicKey: pk, mediation: 'required' })).toBe('latchkey');
    expect(routeGet({ publicKey: pk, mediation: 'optional' })).toBe('latchkey');
  });
  it('conditional get races the browser’s own', () => {
    expect(routeGet({ publicKey: pk, mediation: 'conditional' })).toBe('conditional');
  });
  it('everything else stays with the browser', () => {
    expect(routeCreate(undefined)).toBe('native');
    expect(routeCreate({ password: {} })).toBe('native');
    expect(routeCreate({ publicKey: pk, mediation: 'conditional' })).toBe('native');
    expect(routeGet(undefined)).toBe('native');
    expect(routeGet({})).toBe('native');
    expect(routeGet({ password: true })).toBe('native');
    expect(routeGet({ publicKey: pk, password: true })).toBe('native');
    expect(routeGet({ publicKey: pk, identity: {} })).toBe('native');
    expect(routeGet({ publicKey: pk, mediation: 'silent' })).toBe('native');
    expect(routeGet({ publicKey: pk, mediation: 'immediate' })).toBe('native');
    expect(routeGet('nonsense')).toBe('native');
  });
  it('waits for focus only after Latchkey’s window was in front', () => {
    expect(fallbackWaitsForFocus('another-device')).toBe(true);
    expect(fallbackWaitsForFocus('locked')).toBe(true);
    expect(fallbackWaitsForFocus('not-installed')).toBe(false);
    expect(fallbackWaitsForFocus('no-passkey')).toBe(false);
  });
});
