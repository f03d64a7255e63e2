import { describe, expect, it } from 'vitest';
import {
  FALLBACK_VIEWPORT,
  GROUP_GAP,
  HEADER_H,
  OVERSCAN,
  PAD_TOP,
  ROW_GAP,
  ROW_H,
  ROW_SLOT,
  groupHeight,
  groupOfRow,
  listLayout,
  renderRange,
  rowTop,
  rowTopInGroup,
  scrollTargetFor,
  visibleWindow,
  type WindowGroup,
} from '../src/lib/listWindow';

/** Groups of the given sizes over one flat row list. */
function groupsOf(...sizes: number[]) {
  let start = 0;
  return sizes.map((n) => {
    const g = { start, end: start + n };
    start += n;
    return g;
  });
}

/** Rendered row indices of a window, in order. */
const rowsOf = (w: WindowGroup[]) =>
  w.flatMap((g) => {
    const r: number[] = [];
    for (let i = g.from; i < g.to; i++) r.push(i);
    if (g.extra !== null) r.push(g.extra);
    return r;
  });

describe('list layout', () => {
  it('matches the old flow layout: 37px header, 1px before each 51px row, 6px between groups', () => {
    expect([HEADER_H, ROW_H, ROW_GAP, GROUP_GAP]).toEqual([37, 51, 1, 6]);
    const l = listLayout(groupsOf(1, 3, 2));
    expect(Array.from(l.tops)).toEqual([0, 37 + 52 + 6, 95 + 37 + 3 * 52 + 6]);
    expect(groupHeight(3)).toBe(37 + 3 * 52);
    expect(l.rowCount).toBe(6);
    // last group box + the last row's bottom gap
    expect(l.height).toBe(l.tops[2] + groupHeight(2) + ROW_GAP);
    expect(rowTopInGroup(0)).toBe(38);
    expect(rowTopInGroup(2)).toBe(38 + 2 * ROW_SLOT);
  });

  it('finds the group and offset of a flat row', () => {
    const l = listLayout(groupsOf(1, 3, 2));
    expect([0, 1, 3, 4, 5].map((r) => groupOfRow(l, r))).toEqual([0, 1, 1, 2, 2]);
    expect(groupOfRow(l, 6)).toBe(-1);
    expect(groupOfRow(l, -1)).toBe(-1);
    expect(rowTop(l, 0)).toBe(38);
    expect(rowTop(l, 3)).toBe(l.tops[1] + 38 + 2 * ROW_SLOT);
    expect(rowTop(l, 4)).toBe(l.tops[2] + 38);
  });

  it('is empty for no groups', () => {
    const l = listLayout([]);
    expect(l.height).toBe(0);
    expect(l.rowCount).toBe(0);
    expect(visibleWindow(l, 0, 1000)).toEqual([]);
    expect(visibleWindow(l, 0, 1000, 0)).toEqual([]);
  });
});

describe('visible window', () => {
  // 100 groups of 10 rows: each group box is 37 + 520 = 557px, groups 563px apart.
  const l = listLayout(groupsOf(...Array(100).fill(10)));

  it('renders everything when it all fits (few passkeys)', () => {
    const small = listLayout(groupsOf(1, 2));
    const w = visibleWindow(small, ...renderRange(0, 400));
    expect(w.map((g) => g.group)).toEqual([0, 1]);
    expect(rowsOf(w)).toEqual([0, 1, 2]);
  });

  it('returns only the rows intersecting the range, with their groups', () => {
    // [0, 200): header 0..37, rows at 38, 90, 142, 194 (194 < 200 -> intersects)
    expect(rowsOf(visibleWindow(l, 0, 200))).toEqual([0, 1, 2, 3]);
    // [200, 300): row 3 (194..245) still intersects, row 5 (298..349) starts before 300
    expect(rowsOf(visibleWindow(l, 200, 300))).toEqual([3, 4, 5]);
    // exact edges: row 1 is [90, 141), row 2 is [142, 193); the 1px gap between them shows neither
    expect(rowsOf(visibleWindow(l, 141, 143))).toEqual([2]);
    expect(rowsOf(visibleWindow(l, 140, 141))).toEqual([1]);
    expect(rowsOf(visibleWindow(l, 141, 142))).toEqual([]);
  });

  it('spans group boundaries and keeps a group whose header is visible but no row', () => {
    // row 9 is [506, 557); group 1 starts at 563, its first row at 601
    const w = visibleWindow(l, 510, 590);
    expect(w.map((g) => g.group)).toEqual([0, 1]);
    expect(rowsOf(w)).toEqual([9]);
    expect(w[1]).toEqual({ group: 1, from: 10, to: 10, extra: null });
    // a range inside the gap between two groups renders nothing
    expect(visibleWindow(l, 557, 563)).toEqual([]);
  });

  it('keeps the group of a scrolled-past header so its sticky header can show', () => {
    // deep inside group 50 (top 28150): only its rows, but the group itself is returned
    const top = l.tops[50];
    const w = visibleWindow(l, top + 300, top + 400);
    expect(w.map((g) => g.group)).toEqual([50]);
    expect(rowsOf(w)).toEqual([505, 506]);
  });

  it('is independent of the list length (bounded by the viewport)', () => {
    const big = listLayout(groupsOf(...Array(1000).fill(10)));
    for (const scroll of [0, 123456, big.height - 600]) {
      const rows = rowsOf(visibleWindow(big, ...renderRange(scroll, 600)));
      expect(rows.length).toBeGreaterThan(5);
      expect(rows.length).toBeLessThanOrEqual(Math.ceil((600 + 2 * OVERSCAN) / ROW_SLOT) + 1);
    }
  });

  it('always includes the kept (selected) row', () => {
    // inside the window: no extra
    expect(visibleWindow(l, 0, 200, 2)[0].extra).toBeNull();
    // same group, outside the rows: added as extra
    const w1 = visibleWindow(l, 0, 200, 8);
    expect(rowsOf(w1)).toEqual([0, 1, 2, 3, 8]);
    // another group, before and after the window: group inserted in order
    const after = visibleWindow(l, 0, 200, 995);
    expect(after.map((g) => g.group)).toEqual([0, 99]);
    expect(rowsOf(after)).toEqual([0, 1, 2, 3, 995]);
    const top = l.tops[50];
    const before = visibleWindow(l, top, top + 100, 3);
    expect(before.map((g) => g.group)).toEqual([0, 50]);
    expect(rowsOf(before)[0]).toBe(3);
    // out of range is ignored
    expect(rowsOf(visibleWindow(l, 0, 100, 5000))).toEqual([0, 1]);
  });

  it('renderRange adds overscan, accounts for the list padding, and has a fallback height', () => {
    expect(renderRange(1000, 400)).toEqual([1000 - PAD_TOP - OVERSCAN, 1000 - PAD_TOP + 400 + OVERSCAN]);
    expect(renderRange(0, 400)[0]).toBe(0);
    expect(renderRange(0, 0)).toEqual([0, -PAD_TOP + FALLBACK_VIEWPORT + OVERSCAN]);
  });
});

describe('scroll into view', () => {
  const l = listLayout(groupsOf(...Array(100).fill(10)));
  const H = 400;

  it('does not move when the row is already in view', () => {
    expect(scrollTargetFor(l, 0, 0, H)).toBe(0);
    expect(scrollTargetFor(l, 3, 0, H)).toBe(0);
    const top = PAD_TOP + rowTop(l, 505);
    expect(scrollTargetFor(l, 505, top - 100, H)).toBe(top - 100);
  });

  it('scrolls down just enough to show a row below the viewport', () => {
    // row 7: top 2 + 38 + 7*52 = 404, bottom 455
    expect(scrollTargetFor(l, 7, 0, H)).toBe(455 - H);
    const bottom = PAD_TOP + rowTop(l, 995) + ROW_H;
    expect(scrollTargetFor(l, 995, 0, H)).toBe(bottom - H);
  });

  it('scrolls up to show a row above the viewport clear of the sticky group header', () => {
    const top = PAD_TOP + rowTop(l, 505);
    expect(scrollTargetFor(l, 505, top + 1000, H)).toBe(top - HEADER_H - ROW_GAP);
    // a row right under the sticky header counts as hidden
    expect(scrollTargetFor(l, 505, top - 10, H)).toBe(top - HEADER_H - ROW_GAP);
    // first row of a group: the group header comes into view with it
    const first = PAD_TOP + rowTop(l, 500);
    expect(scrollTargetFor(l, 500, first + 1000, H)).toBe(PAD_TOP + l.tops[50]);
    // very first row: back to the very top
    expect(scrollTargetFor(l, 0, 5000, H)).toBe(0);
  });

  it('ignores invalid rows and an unknown viewport', () => {
    expect(scrollTargetFor(l, -1, 77, H)).toBe(77);
    expect(scrollTargetFor(l, 100000, 77, H)).toBe(77);
    expect(scrollTargetFor(l, 500, 77, 0)).toBe(77);
  });
});
