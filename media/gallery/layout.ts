/**
 * The virtualized grid's arithmetic (webview side, pure: unit-tested in Node). Cards have one size;
 * only the rows in view (plus a few above and below) exist in the DOM, so 10,000 images cost what
 * 30 do.
 */

export interface GridMetrics {
  readonly columns: number;
  readonly cardWidth: number;
  readonly cardHeight: number;
  readonly rowHeight: number;
  readonly gap: number;
  readonly padding: number;
}

export interface GridOptions {
  readonly minCardWidth: number;
  /** Card height minus the thumbnail (which is square, as wide as the card). */
  readonly captionHeight: number;
  readonly gap: number;
  readonly padding: number;
}

export function gridMetrics(width: number, o: GridOptions): GridMetrics {
  const inner = Math.max(0, width - 2 * o.padding);
  const columns = Math.max(1, Math.floor((inner + o.gap) / (o.minCardWidth + o.gap)));
  const cardWidth = Math.max(1, Math.floor((inner - (columns - 1) * o.gap) / columns));
  const cardHeight = cardWidth + o.captionHeight;
  return { columns, cardWidth, cardHeight, rowHeight: cardHeight + o.gap, gap: o.gap, padding: o.padding };
}

export function totalHeight(count: number, m: GridMetrics): number {
  const rows = Math.ceil(count / m.columns);
  return rows === 0 ? 0 : 2 * m.padding + rows * m.rowHeight - m.gap;
}

/** Indexes [first, end) of the cards to render for a scroll position, with `overscan` rows around. */
export function visibleRange(scrollTop: number, viewportHeight: number, count: number, m: GridMetrics, overscan = 1): { first: number; end: number } {
  if (count === 0) return { first: 0, end: 0 };
  const top = Math.max(0, scrollTop - m.padding);
  const firstRow = Math.max(0, Math.floor(top / m.rowHeight) - overscan);
  const lastRow = Math.floor((top + Math.max(0, viewportHeight)) / m.rowHeight) + overscan;
  return { first: Math.min(count, firstRow * m.columns), end: Math.min(count, (lastRow + 1) * m.columns) };
}

export function cardPosition(index: number, m: GridMetrics): { x: number; y: number } {
  const row = Math.floor(index / m.columns);
  const col = index % m.columns;
  return { x: m.padding + col * (m.cardWidth + m.gap), y: m.padding + row * m.rowHeight };
}

/** The scrollTop that shows card `index` whole, or `scrollTop` when it already is. */
export function scrollToShow(index: number, scrollTop: number, viewportHeight: number, m: GridMetrics): number {
  const { y } = cardPosition(index, m);
  if (y - m.padding < scrollTop) return Math.max(0, y - m.padding);
  if (y + m.cardHeight + m.padding > scrollTop + viewportHeight) return Math.max(0, y + m.cardHeight + m.padding - viewportHeight);
  return scrollTop;
}

/**
 * A saved scroll position the grid could not reach (the browser clamped it to `reached`): still
 * wanted while the entries that would make it reachable are to come, given up once none are.
 */
export function scrollStillWanted(wanted: number, reached: number, moreToCome: boolean): number | undefined {
  return moreToCome && reached < wanted - 1 ? wanted : undefined;
}

export type NavKey = "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown" | "Home" | "End" | "PageUp" | "PageDown";

/** Where a navigation key moves the active card, clamped to the list. */
export function moveIndex(index: number, key: NavKey, count: number, m: GridMetrics, viewportHeight: number): number {
  if (count === 0) return -1;
  const pageRows = Math.max(1, Math.floor(viewportHeight / m.rowHeight));
  let next = index < 0 ? 0 : index;
  switch (key) {
    case "ArrowLeft":
      next -= 1;
      break;
    case "ArrowRight":
      next += 1;
      break;
    case "ArrowUp":
      next -= m.columns;
      break;
    case "ArrowDown":
      next += m.columns;
      break;
    case "Home":
      next = 0;
      break;
    case "End":
      next = count - 1;
      break;
    case "PageUp":
      next -= pageRows * m.columns;
      break;
    case "PageDown":
      next += pageRows * m.columns;
      break;
  }
  if (index < 0) return 0;
  return Math.max(0, Math.min(count - 1, next));
}
