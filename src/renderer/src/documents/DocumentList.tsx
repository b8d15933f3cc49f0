import { useMemo, useRef, useState } from 'react';
import type { DocItem } from '../../../shared/documents/ipc.js';
import { type CellContext, ItemCell, itemKey, type RowContext } from './DocumentRow.js';
import { VirtualList } from './VirtualList.js';

const ROW_HEIGHT = 52;
const TILE_HEIGHT = 150;
const TILE_WIDTH = 160;

/**
 * The documents of a folder, a search or the trash, as a list or a grid of fixed-height
 * rows with only those on screen in the DOM, and one of them selected.
 */
export function DocumentList({
  total,
  item,
  ensure,
  scrollKey,
  busy,
  context,
  label,
}: {
  total: number;
  item: (index: number) => DocItem | undefined;
  ensure: (start: number, end: number) => void;
  scrollKey: string;
  busy: boolean;
  context: RowContext;
  label: string;
}) {
  // A click on a document selects it (a folder opens), as in a file list; Enter or a
  // double-click opens. Only the rows whose selection changes render again.
  const [selected, setSelected] = useState<string | null>(null);
  const pressed = useRef<string | null>(null);
  const cellContext = useMemo<CellContext>(() => ({ ...context, select: setSelected, pressed }), [context]);
  const grid = context.layout === 'grid';
  return (
    <VirtualList
      total={total}
      rowHeight={grid ? TILE_HEIGHT : ROW_HEIGHT}
      {...(grid ? { columnWidth: TILE_WIDTH } : {})}
      ensure={ensure}
      scrollKey={scrollKey}
      renderCell={(index, column) => {
        const it = item(index);
        return it ? (
          <ItemCell key={column} item={it} context={cellContext} selected={selected === itemKey(it)} />
        ) : (
          <div key={column} role="gridcell" className="documents-cell documents-placeholder">
            <span className="skeleton skeleton-line" />
          </div>
        );
      }}
      rowClassName={grid ? 'documents-row documents-grid-row' : 'documents-row'}
      rowsClassName="documents-rows"
      className="documents-scroller"
      testId="documents-list"
      label={label}
      busy={busy}
    />
  );
}
