import type { TFunction } from 'i18next';
import { type KeyboardEvent, memo, type ReactNode } from 'react';
import { type DocItem, hasThumbnail } from '../../../shared/documents/ipc.js';
import { formatDate, typeLabel } from './format.js';
import {
  DownloadIcon,
  FileIcon,
  FolderIcon,
  MoveIcon,
  PencilIcon,
  PinIcon,
  RestoreIcon,
  RevealIcon,
  TrashIcon,
} from './icons.js';
import { Thumbnail } from './Thumbnail.js';

export type RowAction = 'open' | 'rename' | 'move' | 'trash' | 'restore' | 'saveAs' | 'reveal' | 'keep';

/** What every row shares: one object while the layout, the view and the language stay. */
export interface RowContext {
  layout: 'list' | 'grid';
  trash: boolean;
  web: boolean;
  language: string;
  bytes: (n: number) => string;
  act: (action: RowAction, item: DocItem) => void;
  /** The rows' words, translated once per language rather than in every row. */
  labels: RowLabels;
}

/** What the list adds for its rows: one selected item, chosen by a click or the arrow keys. */
export interface CellContext extends RowContext {
  select: (key: string) => void;
  /** The item the first press of a double-click landed on (the second may land elsewhere). */
  pressed: { current: string | null };
}

export const itemKey = (item: DocItem) => `${item.kind}:${item.id}`;

export function rowLabels(t: TFunction) {
  return {
    open: t('documents.open'),
    saveAs: t('documents.saveAs'),
    showInFolder: t('documents.showInFolder'),
    keepOffline: t('documents.keepOffline'),
    rename: t('documents.rename'),
    move: t('documents.move'),
    delete: t('documents.delete'),
    restore: t('documents.restore'),
    folder: t('documents.folder'),
    offline: t('documents.offline'),
  };
}
type RowLabels = ReturnType<typeof rowLabels>;

/** One item of the list or grid: its name and facts, a click to select or open, its actions. */
export const ItemCell = memo(function ItemCell({
  item,
  context,
  selected,
}: {
  item: DocItem;
  context: CellContext;
  selected: boolean;
}) {
  return (
    <div
      role="gridcell"
      aria-selected={selected}
      className="documents-cell"
      data-testid="document-row"
      data-name={item.name}
    >
      <ItemView item={item} context={context} selected={selected} />
    </div>
  );
});

/** The arrow keys move to the neighbouring row (in the grid, also to the next tile). */
function moveByArrow(event: KeyboardEvent<HTMLButtonElement>, grid: boolean): void {
  const list = event.currentTarget.closest('[role="grid"]');
  if (!list) return;
  const columns = grid ? (list.querySelector('[role="row"]')?.querySelectorAll('.doc-open').length ?? 1) : 1;
  const delta = {
    ArrowUp: -columns,
    ArrowDown: columns,
    ArrowLeft: grid ? -1 : 0,
    ArrowRight: grid ? 1 : 0,
  }[event.key];
  if (!delta) return;
  const rows = Array.from(list.querySelectorAll<HTMLButtonElement>('.doc-open'));
  const next = rows[rows.indexOf(event.currentTarget) + delta];
  if (!next) return;
  event.preventDefault();
  next.focus();
}

function ItemView({ item, context, selected }: { item: DocItem; context: CellContext; selected: boolean }) {
  const { layout, trash, web, language, bytes, act, labels, select, pressed } = context;
  const isDoc = item.kind === 'document';
  const label = typeLabel(item.name);
  const iconSize = layout === 'grid' ? 40 : 22;
  const action = (name: string, icon: ReactNode, which: RowAction, extra: Record<string, unknown> = {}) => (
    <button
      type="button"
      className="icon-btn"
      title={name}
      aria-label={`${name}: ${item.name}`}
      onClick={() => act(which, item)}
      {...extra}
    >
      {icon}
    </button>
  );
  const open = () => act('open', item);
  const key = itemKey(item);
  return (
    <div
      className={`doc-item doc-${layout}${item.kind === 'folder' ? ' doc-folder' : ''}${selected ? ' doc-selected' : ''}`}
    >
      <button
        type="button"
        className="doc-open"
        onMouseDown={(e) => {
          if (e.detail <= 1) pressed.current = key;
        }}
        onFocus={() => select(key)}
        onClick={(e) => {
          select(key);
          // A folder opens at once; the second click of a double-click is not a new one.
          if (item.kind === 'folder' && e.detail <= 1) open();
        }}
        onDoubleClick={() => {
          // Only where the double-click began: a folder opened by its first click has
          // another item under the pointer by the second.
          if (pressed.current === key) open();
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            open();
          } else moveByArrow(e, layout === 'grid');
        }}
        title={item.name}
      >
        <span className={`doc-icon${isDoc ? ' doc-icon-file' : ''}`} aria-hidden="true">
          {isDoc && layout === 'grid' && !trash && hasThumbnail(item) ? (
            <Thumbnail key={item.id} item={item} />
          ) : isDoc ? (
            <FileIcon width={iconSize} height={iconSize} />
          ) : (
            <FolderIcon width={iconSize} height={iconSize} />
          )}
          {isDoc && label ? <span className="doc-ext">{label}</span> : null}
        </span>
        <span className="doc-name">{item.name}</span>
        <span className="doc-meta">
          {isDoc ? bytes(item.size) : labels.folder}
          {layout === 'list'
            ? ` · ${formatDate(trash && item.trashedAt ? item.trashedAt : item.updatedAt, language)}`
            : ''}
          {item.offline ? ` · ${labels.offline}` : ''}
        </span>
      </button>
      <div className="doc-actions">
        {trash ? (
          action(labels.restore, RESTORE_ICON, 'restore')
        ) : (
          <>
            {isDoc && selected && layout === 'list' ? (
              // The selected document's next step, in words.
              <button
                key="open-selected"
                type="button"
                className="btn btn-primary btn-small doc-open-selected"
                aria-label={`${labels.open}: ${item.name}`}
                onClick={open}
              >
                {labels.open}
              </button>
            ) : isDoc ? (
              action(labels.open, FILE_ICON, 'open')
            ) : null}
            {isDoc ? action(labels.saveAs, DOWNLOAD_ICON, 'saveAs') : null}
            {isDoc && !web ? action(labels.showInFolder, REVEAL_ICON, 'reveal') : null}
            {isDoc && !web
              ? action(labels.keepOffline, PIN_ICON, 'keep', { 'aria-pressed': item.offline })
              : null}
            {action(labels.rename, PENCIL_ICON, 'rename')}
            {action(labels.move, MOVE_ICON, 'move')}
            {action(labels.delete, TRASH_ICON, 'trash')}
          </>
        )}
      </div>
    </div>
  );
}

// The same element every time: React skips them when a row shows another item.
const RESTORE_ICON = <RestoreIcon />;
const FILE_ICON = <FileIcon />;
const DOWNLOAD_ICON = <DownloadIcon />;
const REVEAL_ICON = <RevealIcon />;
const PIN_ICON = <PinIcon />;
const PENCIL_ICON = <PencilIcon />;
const MOVE_ICON = <MoveIcon />;
const TRASH_ICON = <TrashIcon />;
