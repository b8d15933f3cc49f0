import { type ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react';

/** Rows rendered beyond each edge of the visible part of the list. */
const OVERSCAN = 6;

/**
 * A list (or grid) with only the rows on screen in the DOM. Rows have a fixed height,
 * so which rows are visible is arithmetic on the scroll position: nothing is measured,
 * and a new total (another search) costs nothing. Each row is keyed by its position, so
 * new items reuse the rows already on screen and only their content changes.
 */
export function VirtualList({
  total,
  rowHeight,
  columnWidth,
  ensure,
  scrollKey,
  renderCell,
  rowClassName,
  rowsClassName,
  label,
  busy,
  className,
  testId,
}: {
  total: number;
  rowHeight: number;
  /** A grid: as many cells of this width as fit in a row (at least two); without it, one per row. */
  columnWidth?: number;
  /** Asks for the items of the rows about to be shown (first and last index). */
  ensure: (start: number, end: number) => void;
  /** A new key starts at the top of the list (a new folder, search, sort or view). */
  scrollKey: string;
  /** The cell of one item; `column` is its key within the row. */
  renderCell: (index: number, column: number) => ReactNode;
  rowClassName: string;
  /** The element as tall as all the rows, which the rows are placed in. */
  rowsClassName: string;
  label: string;
  busy: boolean;
  className: string;
  testId?: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  // Until the first resize observation: a typical size, so the first render has rows.
  const [box, setBox] = useState({ width: 800, height: 600 });
  const [top, setTop] = useState(0);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => {
      if (!entry) return;
      const { width, height } = entry.contentRect;
      setBox((b) => (b.width === width && b.height === height ? b : { width, height }));
    });
    observer.observe(el);
    const onScroll = () => setTop(el.scrollTop);
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      observer.disconnect();
      el.removeEventListener('scroll', onScroll);
    };
  }, []);
  const [shownKey, setShownKey] = useState(scrollKey);
  const resetScroll = useRef(false);
  if (shownKey !== scrollKey) {
    setShownKey(scrollKey);
    if (top !== 0) {
      setTop(0);
      resetScroll.current = true;
    }
  }
  useLayoutEffect(() => {
    if (!resetScroll.current || !scroller.current) return;
    resetScroll.current = false;
    scroller.current.scrollTop = 0;
  });

  const columns = columnWidth ? Math.max(2, Math.floor((box.width || 800) / columnWidth)) : 1;
  const rows = Math.ceil(total / columns);
  const height = box.height || 600;
  const first = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
  const last = Math.min(rows - 1, Math.ceil((top + height) / rowHeight) - 1 + OVERSCAN);
  useEffect(() => {
    if (rows > 0 && last >= first) ensure(first * columns, Math.min(total - 1, (last + 1) * columns - 1));
  }, [first, last, columns, rows, total, ensure]);

  const shown: ReactNode[] = [];
  for (let r = first; r <= last; r++) {
    const cells: ReactNode[] = [];
    for (let c = 0; c < columns; c++) {
      const index = r * columns + c;
      if (index >= total) break;
      cells.push(renderCell(index, c));
    }
    shown.push(
      <div
        key={r}
        role="row"
        aria-rowindex={r + 1}
        className={rowClassName}
        style={{ height: rowHeight, transform: `translateY(${r * rowHeight}px)` }}
      >
        {cells}
      </div>,
    );
  }

  return (
    <div
      ref={scroller}
      className={className}
      data-testid={testId}
      role="grid"
      aria-label={label}
      aria-rowcount={rows}
      aria-busy={busy}
    >
      <div className={rowsClassName} style={{ height: rows * rowHeight }}>
        {shown}
      </div>
    </div>
  );
}
