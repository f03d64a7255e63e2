import { describe, expect, it } from 'vitest';
import {
  applyListAction,
  firstId,
  lastId,
  listKeyAction,
  moveSelection,
  reconcileSelection,
  selectionAfterRemoval,
  PAGE_ROWS,
} from '../src/lib/selection';

const ids = ['a', 'b', 'c', 'd'];

describe('moveSelection', () => {
  it('moves down and up by one', () => {
    expect(moveSelection(ids, 'b', 1)).toBe('c');
    expect(moveSelection(ids, 'b', -1)).toBe('a');
  });

  it('clamps at both ends (no wrap)', () => {
    expect(moveSelection(ids, 'd', 1)).toBe('d');
    expect(moveSelection(ids, 'a', -1)).toBe('a');
    expect(moveSelection(ids, 'b', 100)).toBe('d');
    expect(moveSelection(ids, 'c', -100)).toBe('a');
  });

  it('with no selection, down picks the first and up the last', () => {
    expect(moveSelection(ids, null, 1)).toBe('a');
    expect(moveSelection(ids, null, -1)).toBe('d');
    expect(moveSelection(ids, 'gone', 1)).toBe('a');
    expect(moveSelection(ids, 'gone', -1)).toBe('d');
  });

  it('returns null on an empty list', () => {
    expect(moveSelection([], 'a', 1)).toBeNull();
    expect(moveSelection([], null, -1)).toBeNull();
  });
});

describe('reconcileSelection', () => {
  it('keeps a visible selection', () => {
    expect(reconcileSelection(ids, 'c')).toBe('c');
  });
  it('falls back to the first row when the selection is filtered away', () => {
    expect(reconcileSelection(['b', 'c'], 'a')).toBe('b');
    expect(reconcileSelection(['b', 'c'], null)).toBe('b');
  });
  it('is null for an empty list', () => {
    expect(reconcileSelection([], 'a')).toBeNull();
  });
});

describe('selectionAfterRemoval', () => {
  it('selects the next row, else the previous one', () => {
    expect(selectionAfterRemoval(ids, 'b')).toBe('c');
    expect(selectionAfterRemoval(ids, 'd')).toBe('c');
    expect(selectionAfterRemoval(['a'], 'a')).toBeNull();
  });
  it('handles an id that is not in the list', () => {
    expect(selectionAfterRemoval(ids, 'zz')).toBe('a');
    expect(selectionAfterRemoval([], 'zz')).toBeNull();
  });
});

describe('keys', () => {
  it('maps keys to actions', () => {
    expect(listKeyAction('ArrowDown')).toEqual({ kind: 'move', delta: 1 });
    expect(listKeyAction('ArrowUp')).toEqual({ kind: 'move', delta: -1 });
    expect(listKeyAction('PageDown')).toEqual({ kind: 'move', delta: PAGE_ROWS });
    expect(listKeyAction('PageUp')).toEqual({ kind: 'move', delta: -PAGE_ROWS });
    expect(listKeyAction('Home')).toEqual({ kind: 'first' });
    expect(listKeyAction('End')).toEqual({ kind: 'last' });
    expect(listKeyAction('Enter')).toEqual({ kind: 'open' });
    expect(listKeyAction('Delete')).toEqual({ kind: 'delete' });
    expect(listKeyAction('a')).toBeNull();
    expect(listKeyAction('Backspace')).toBeNull();
  });

  it('applies movement actions and leaves the selection for others', () => {
    expect(applyListAction(ids, 'a', listKeyAction('ArrowDown'))).toBe('b');
    expect(applyListAction(ids, 'c', listKeyAction('Home'))).toBe('a');
    expect(applyListAction(ids, 'a', listKeyAction('End'))).toBe('d');
    expect(applyListAction(ids, 'b', listKeyAction('Enter'))).toBe('b');
    expect(applyListAction(ids, 'b', listKeyAction('Delete'))).toBe('b');
    expect(applyListAction(ids, 'b', null)).toBe('b');
    expect(firstId([])).toBeNull();
    expect(lastId([])).toBeNull();
  });
});
