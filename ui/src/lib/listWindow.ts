/**
 * Windowing math for the passkey list: where every site group and row sits, which of
 * them intersect the viewport, and where to scroll to bring a row into view.
 *
 * Geometry (must match the CSS of PasskeyList.svelte, which gives these fixed heights):
 *
 *   group box   = header (HEADER_H) + per row: ROW_GAP + ROW_H
 *   next group  = GROUP_GAP below the previous group box
 *   canvas      = all groups + a trailing ROW_GAP (the old last row's bottom margin)
 *
 * Offsets are in canvas coordinates; the canvas sits PAD_TOP below the top of the
 * scrolling list (its padding).
 */

export const HEADER_H = 37;
export const ROW_H = 51;
export const ROW_GAP = 1;
export const GROUP_GAP = 6;
export const PAD_TOP = 2;
/** Extra height rendered above and below the viewport. */
export const OVERSCAN = 4 * (ROW_H + ROW_GAP);
/** Viewport height assumed before the list has been laid out (or where there is no layout, as in jsdom). */
export const FALLBACK_VIEWPORT = 1000;

/** The slot of one row inside its group box. */
export const ROW_SLOT = ROW_H + ROW_GAP;

export type LayoutGroup = { start: number; end: number };

export type ListLayout = {
  /** canvas offset of each group's box */
  tops: Float64Array;
  /** first row index of each group (ascending) */
  starts: Int32Array;
  /** one past the last row index of each group */
  ends: Int32Array;
  rowCount: number;
  /** canvas height */
  height: number;
};

export function groupHeight(rows: number): number {
  return HEADER_H + rows * ROW_SLOT;
}

/** Offset of row `j` (0-based within its group) from the top of the group box. */
export function rowTopInGroup(j: number): number {
  return HEADER_H + ROW_GAP + j * ROW_SLOT;
}

/** Lay out groups of rows (each `{start, end}` over a flat row list, in order). O(groups). */
export function listLayout(groups: readonly LayoutGroup[]): ListLayout {
  const n = groups.length;
  const tops = new Float64Array(n);
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  let y = 0;
  for (let g = 0; g < n; g++) {
    if (g > 0) y += GROUP_GAP;
    tops[g] = y;
    starts[g] = groups[g].start;
    ends[g] = groups[g].end;
    y += groupHeight(groups[g].end - groups[g].start);
  }
  return { tops, starts, ends, rowCount: n ? ends[n - 1] : 0, height: n ? y + ROW_GAP : 0 };
}

/** Index of the last element of ascending `arr` that is <= x (or -1). */
function lastAtMost(arr: Float64Array | Int32Array, x: number): number {
  let lo = 0;
  let hi = arr.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] <= x) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/** The group holding flat row `row` (or -1). */
export function groupOfRow(layout: ListLayout, row: number): number {
  if (row < 0 || row >= layout.rowCount) return -1;
  return lastAtMost(layout.starts, row);
}

/** Canvas offset of flat row `row`. */
export function rowTop(layout: ListLayout, row: number): number {
  const g = groupOfRow(layout, row);
  if (g < 0) return 0;
  return layout.tops[g] + rowTopInGroup(row - layout.starts[g]);
}

/** A group to render and the rows of it to render: `from` … `to - 1`, plus `extra` if set. */
export type WindowGroup = { group: number; from: number; to: number; extra: number | null };

/**
 * Which groups and rows intersect the canvas range [y0, y1). Every group whose box
 * intersects is returned (its sticky header lives in the box), with only its rows
 * that intersect. `keep` (e.g. the selected row, the listbox's active descendant)
 * is always included even when it is outside the range.
 */
export function visibleWindow(layout: ListLayout, y0: number, y1: number, keep: number | null = null): WindowGroup[] {
  const out: WindowGroup[] = [];
  const { tops, starts, ends } = layout;
  const n = tops.length;
  if (n > 0 && y1 > y0) {
    let g = Math.max(0, lastAtMost(tops, y0));
    for (; g < n && tops[g] < y1; g++) {
      const count = ends[g] - starts[g];
      const boxBottom = tops[g] + groupHeight(count);
      if (boxBottom <= y0) continue;
      // Row j occupies [rowTopInGroup(j), + ROW_H) inside the box.
      const rel0 = y0 - tops[g] - HEADER_H - ROW_GAP;
      const rel1 = y1 - tops[g] - HEADER_H - ROW_GAP;
      const from = Math.max(0, Math.floor((rel0 - ROW_H) / ROW_SLOT) + 1);
      const to = Math.min(count, Math.max(0, Math.ceil(rel1 / ROW_SLOT)));
      out.push({ group: g, from: starts[g] + from, to: starts[g] + Math.max(from, to), extra: null });
    }
  }
  if (keep !== null && keep >= 0 && keep < layout.rowCount) {
    const g = groupOfRow(layout, keep);
    const at = out.findIndex((w) => w.group >= g);
    if (at !== -1 && out[at].group === g) {
      const w = out[at];
      if (keep < w.from || keep >= w.to) w.extra = keep;
    } else {
      const w = { group: g, from: keep, to: keep, extra: keep };
      if (at === -1) out.push(w);
      else out.splice(at, 0, w);
    }
  }
  return out;
}

/** The canvas range to render for a scroll position and viewport height (with overscan). */
export function renderRange(scrollTop: number, viewportH: number): [number, number] {
  const h = viewportH > 0 ? viewportH : FALLBACK_VIEWPORT;
  const y0 = scrollTop - PAD_TOP;
  return [Math.max(0, y0 - OVERSCAN), y0 + h + OVERSCAN];
}

/**
 * The scrollTop that brings flat row `row` fully into view, moving as little as
 * possible (like scrollIntoView({block: 'nearest'})), keeping it clear of the sticky
 * group header at the top. Returns `scrollTop` unchanged when the row is already in view.
 */
export function scrollTargetFor(layout: ListLayout, row: number, scrollTop: number, viewportH: number): number {
  if (row < 0 || row >= layout.rowCount || viewportH <= 0) return scrollTop;
  const top = PAD_TOP + rowTop(layout, row);
  const bottom = top + ROW_H;
  const clearTop = top - HEADER_H - ROW_GAP;
  if (clearTop < scrollTop) return clearTop <= PAD_TOP ? 0 : clearTop;
  if (bottom > scrollTop + viewportH) return bottom - viewportH;
  return scrollTop;
}
