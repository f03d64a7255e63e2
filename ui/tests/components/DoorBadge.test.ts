import { describe, expect, it } from 'vitest';
import { render } from '@testing-library/svelte';
import DoorBadge from '../../src/components/DoorBadge.svelte';

describe('door badge', () => {
  it('names another program on this PC as such, with a caution look', () => {
    const { container } = render(DoorBadge, { props: { door: 'program' } });
    const badge = container.querySelector('.badge') as HTMLElement;
    expect(badge.textContent?.trim()).toBe('Another program');
    expect(badge.classList.contains('door-program')).toBe(true);
    expect(badge.getAttribute('title')).toBe('Came through: Another program');
  });

  it('keeps the known doors', () => {
    const { container } = render(DoorBadge, { props: { door: 'cli' } });
    expect(container.querySelector('.badge')?.textContent?.trim()).toBe('CLI');
  });
});
